import * as z from 'zod/mini';
import { ErrorCode, OAuthError, TokenResponseError } from '../errors.js';
import { createTokenSet, normalizeTokenType, type TokenSet } from '../token-set.js';
import { tryParseJson } from '../try-parse-json.js';
import { NonEmptyString, WireString } from '../wire-fields.js';
import type { RawTokenResponse } from './raw-response.js';

/** A number of seconds: a JSON number of zero or more, or a string of digits (some servers send `"3600"`). */
function isExpiresIn(value: unknown): boolean {
	return typeof value === 'number' ? Number.isFinite(value) && value >= 0 : typeof value === 'string' && /^\d+$/.test(value);
}

/** RFC 6749's error code, a sentence (Dotkernel's `"Invalid credentials."`), or Dotkernel's `{"messages":[…]}`. */
function isErrorField(value: unknown): value is string | { readonly messages: readonly string[] } {
	if (typeof value === 'string') return value !== '';
	const messages = (value as { messages?: unknown } | null | undefined)?.messages;
	return Array.isArray(messages) && messages.every((message) => typeof message === 'string');
}

/**
 * The token endpoint's successful answer, as sent on the wire (snake_case).
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-5.1
 */
const TokenResponseSchema = z.object({
	access_token: NonEmptyString,
	token_type: z.optional(WireString),
	expires_in: z.optional(z.custom<number | string>(isExpiresIn)),
	refresh_token: z.optional(NonEmptyString),
	scope: z.optional(WireString),
	id_token: z.optional(WireString),
});

/**
 * An error answer: RFC 6749's `{error, error_description, error_uri}`, Dotkernel's sentence in `error`,
 * or Dotkernel's `{"error":{"messages":[…]}}`. Extra fields (`hint`, `message`) are kept.
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-5.2
 */
const ErrorResponseSchema = z.object({
	error: z.custom<string | { readonly messages: readonly string[] }>(isErrorField),
	error_description: z.optional(WireString),
	error_uri: z.optional(WireString),
});

/** Token types tokenkeeper can attach as `Authorization: <type> <token>`. */
const SUPPORTED_TOKEN_TYPES = new Set(['Bearer']);

/** The largest epoch ms a `Date` can hold (ECMA-262 21.4.1.1). */
const MAX_DATE_MS = 8.64e15;

/** Turn a 2xx token response into a {@link TokenSet}, or throw {@link TokenResponseError}. */
export function processTokenResponse(raw: RawTokenResponse): TokenSet {
	const body = parseJson(raw);
	const parsed = TokenResponseSchema.safeParse(body);
	if (!parsed.success) {
		throw invalidTokenResponse(raw, [...new Set(parsed.error.issues.map((issue) => issue.path.join('.') || '(body)'))]);
	}
	const wire = parsed.data;
	const expiresIn = wire.expires_in === undefined ? undefined : Number(wire.expires_in);
	// An expiry past the last date JavaScript can represent is no time at all (`new Date(expiresAt)` is invalid).
	if (expiresIn !== undefined && !(raw.receivedAt + expiresIn * 1000 <= MAX_DATE_MS)) throw invalidTokenResponse(raw, ['expires_in']);
	const tokenType = normalizeTokenType(wire.token_type);
	if (!SUPPORTED_TOKEN_TYPES.has(tokenType)) {
		throw brokenAnswer(
			raw,
			`The token endpoint issued a "${tokenType}" token, which is unsupported: configure the client at the provider for Bearer tokens.`,
			ErrorCode.UnsupportedTokenType,
		);
	}
	// Received now: the set's `receivedAt` is the answer's.
	return createTokenSet(
		{
			accessToken: wire.access_token,
			tokenType,
			expiresIn,
			refreshToken: wire.refresh_token,
			scope: wire.scope,
			idToken: wire.id_token,
		},
		raw.receivedAt,
	);
}

/** The error for an answer that came, but broken: with its status, and the response kept non-enumerable. */
function brokenAnswer(raw: RawTokenResponse, message: string, code?: ErrorCode): TokenResponseError {
	return new TokenResponseError(message, { status: raw.status, response: raw.response, code });
}

function invalidTokenResponse(raw: RawTokenResponse, fields: readonly string[]): TokenResponseError {
	return brokenAnswer(
		raw,
		`The token endpoint answered ${raw.status} with an invalid token response (bad or missing: ${fields.join(', ')}). ` +
			'Check its URL, and that the server speaks OAuth 2.0.',
	);
}

/**
 * Turn a non-2xx answer into the error to throw: an {@link OAuthError} when the body is an OAuth error,
 * a {@link TokenResponseError} otherwise (HTML error page, empty body…).
 */
export function processErrorResponse(raw: RawTokenResponse, what = 'token endpoint'): OAuthError | TokenResponseError {
	const body = tryParseJson(raw.bodyText);
	const parsed = ErrorResponseSchema.safeParse(body);
	if (!parsed.success) {
		return brokenAnswer(
			raw,
			`The ${what} answered ${raw.status} with ${describeContentType(raw.contentType)} instead of an OAuth error. ` +
				"Check the endpoint URL and the provider's status.",
		);
	}
	const { error, error_description: errorDescription, error_uri: errorUri } = parsed.data;
	// The body's other fields (Dotkernel's `hint`, `message`) are kept as extras, read from the body itself.
	const extras = Object.fromEntries(Object.entries(body as object).filter(([name]) => !Object.hasOwn(parsed.data, name)));
	const code = typeof error === 'string' ? error : 'access_denied';
	const description = errorDescription ?? (typeof error === 'string' ? undefined : error.messages.join(' '));
	return new OAuthError(
		{ error: code, errorDescription: description, errorUri, status: raw.status, extras },
		oauthErrorMessage(what, raw.status, code, description),
		{ response: raw.response },
	);
}

function oauthErrorMessage(what: string, status: number, error: string, description: string | undefined): string {
	const said = description && description !== error ? `${error}: ${description}` : error;
	return `The ${what} refused the request (${status} ${said}). ${adviceFor(error)}`;
}

function adviceFor(error: string): string {
	switch (error) {
		case 'invalid_client':
			return 'Check the client id and client secret, and how the client authenticates (body or Basic).';
		case 'invalid_grant':
			return 'The grant (refresh token, code or password) is invalid, expired or was already used: get a new one.';
		case 'invalid_scope':
			return 'Ask only for scopes this client is allowed.';
		case 'unauthorized_client':
		case 'unsupported_grant_type':
			return 'The client may not use this grant type: check its settings at the provider.';
		case 'Invalid credentials.':
			return 'The username or password was refused.';
		default:
			return "See errorDescription and the provider's documentation.";
	}
}

function parseJson(raw: RawTokenResponse): unknown {
	try {
		return JSON.parse(raw.bodyText);
	} catch {
		throw brokenAnswer(
			raw,
			`The token endpoint answered ${raw.status} with ${describeContentType(raw.contentType)} that is not valid JSON. ` +
				'Check that its URL points at the OAuth server, not a web page or a proxy.',
		);
	}
}

function describeContentType(contentType: string): string {
	const type = contentType.split(';')[0]?.trim();
	return type ? `a ${type} body` : 'a body without content type';
}
