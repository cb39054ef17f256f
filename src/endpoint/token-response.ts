import * as z from 'zod/mini';
import { type ErrorCode, OAuthError, TokenResponseError } from '../errors.js';
import { createTokenSet, normalizeTokenType, type TokenSet } from '../token-set.js';
import { tryParseJson } from '../try-parse-json.js';
import { NonEmptyString, WireString } from '../wire-fields.js';
import { CHECK_ENDPOINT_URL } from './bounded-request.js';
import type { RawTokenResponse } from './raw-response.js';
import { redact } from './redaction.js';

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

/** The largest epoch ms a `Date` can hold (ECMA-262 21.4.1.1). */
const MAX_DATE_MS = 8.64e15;

/**
 * Turn a 2xx token response into a {@link TokenSet}, or throw {@link TokenResponseError}. `dpop`: the request
 * carried a DPoP proof, so a DPoP-bound token is accepted.
 */
export function processTokenResponse(raw: RawTokenResponse, dpop = false): TokenSet {
	// Valid JSON is never `undefined`: that is "not JSON", or no body at all.
	const body = tryParseJson(raw.bodyText);
	if (body === undefined) {
		throw brokenAnswer(
			raw,
			`The token endpoint answered ${raw.status} with ${describeContentType(raw.contentType)} that is not valid JSON. ${CHECK_ENDPOINT_URL}`,
		);
	}
	const parsed = TokenResponseSchema.safeParse(body);
	// One check per field, so one issue per bad field; a body that is no object has one, at the root.
	if (!parsed.success)
		throw invalidTokenResponse(
			raw,
			parsed.error.issues.map((issue) => issue.path.join('.') || '(body)'),
		);
	const wire = parsed.data;
	const expiresIn = wire.expires_in === undefined ? undefined : Number(wire.expires_in);
	// An expiry past the last date JavaScript can represent is no time at all (`new Date(expiresAt)` is invalid).
	if (expiresIn !== undefined && !(raw.receivedAt + expiresIn * 1000 <= MAX_DATE_MS)) throw invalidTokenResponse(raw, ['expires_in']);
	const tokenType = normalizeTokenType(wire.token_type);
	// Bearer is the one type tokenkeeper can attach as it is; DPoP needs the session's key, so only with `dpop`.
	if (tokenType !== 'Bearer' && !(dpop && tokenType === 'DPoP')) {
		throw brokenAnswer(
			raw,
			`The token endpoint issued a "${tokenType}" token, which is unsupported: ${tokenType === 'DPoP' ? 'set the `dpop` option to use DPoP-bound tokens.' : 'ask the provider for Bearer tokens.'}`,
			'ERR_UNSUPPORTED_TOKEN_TYPE',
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
		`The token endpoint answered ${raw.status} with an invalid token response (bad or missing: ${fields.join(', ')}). ${CHECK_ENDPOINT_URL}`,
	);
}

/** What to do about the OAuth errors a person can act on. */
const ADVICE: Readonly<Record<string, string>> = {
	invalid_client: 'Check the client id and client secret, and `clientAuth`.',
	invalid_grant: 'The grant is invalid, expired or was already used: get a new one.',
	invalid_scope: 'Ask only for scopes this client is allowed.',
	invalid_target: 'Ask only for resources this client and its login may have; the session is not affected.',
	unauthorized_client: 'Allow this grant type for the client at the provider.',
	unsupported_grant_type: 'Allow this grant type for the client at the provider.',
	'Invalid credentials.': 'The username or password was refused.',
};

function adviceFor(error: string): string {
	// Own keys only: an error named like an Object method (`constructor`) has no advice.
	return Object.hasOwn(ADVICE, error) ? (ADVICE[error] as string) : "See the provider's documentation.";
}

/**
 * Turn a non-2xx answer into the error to throw: an {@link OAuthError} when the body is an OAuth error,
 * a {@link TokenResponseError} otherwise (HTML error page, empty body…).
 */
export function processErrorResponse(raw: RawTokenResponse, what = 'token endpoint'): OAuthError | TokenResponseError {
	// Every string is redacted as parsed, not the text: an encoder may have escaped a secret (`\/`, `\u003d`), and
	// whatever the error shows (fields, extras, the message made of them) comes from the parsed strings.
	const body = tryParseJson(raw.bodyText, (_, value) => (typeof value === 'string' ? redact(value, raw.secrets ?? []) : value));
	const parsed = ErrorResponseSchema.safeParse(body);
	if (!parsed.success) {
		return brokenAnswer(
			raw,
			`The ${what} answered ${raw.status} with ${describeContentType(raw.contentType)} instead of an OAuth error. ${CHECK_ENDPOINT_URL}`,
		);
	}
	const { error, error_description: errorDescription, error_uri: errorUri } = parsed.data;
	// The body's other fields (Dotkernel's `hint`, `message`) are kept as extras, read from the body itself.
	const extras = Object.fromEntries(Object.entries(body as object).filter(([name]) => !Object.hasOwn(parsed.data, name)));
	const code = typeof error === 'string' ? error : 'access_denied';
	const description = errorDescription ?? (typeof error === 'string' ? undefined : error.messages.join(' '));
	const said = description && description !== code ? `${code}: ${description}` : code;
	return new OAuthError(
		{ error: code, errorDescription: description, errorUri, status: raw.status, extras },
		`The ${what} refused the request (${raw.status} ${said}). ${adviceFor(code)}`,
		{ response: raw.response },
	);
}

function describeContentType(contentType: string): string {
	const type = contentType.split(';')[0]?.trim();
	return type ? `a ${type} body` : 'a body without content type';
}
