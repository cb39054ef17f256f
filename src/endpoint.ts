import pRetry from 'p-retry';
import { delay } from './abortable.js';
import { boundedRequest, isRedirect } from './bounded-request.js';
import { NetworkError, OAuthError, TokenResponseError, type TokenkeeperError } from './errors.js';
import { clientSecretOf, type Provider } from './provider.js';
import { processErrorResponse, processTokenResponse } from './token-response.js';
import type { TokenSet } from './token-set.js';
import type { Transport } from './transport.js';

/** Grant parameters of one token request, e.g. `{ grant_type: 'client_credentials', scope }`. */
export type GrantParameters = Readonly<Record<string, string | undefined>>;

/** A token request ready to send: pure data, built from the provider and the grant. */
export interface TokenHttpRequest {
	readonly url: string;
	readonly headers: Readonly<Record<string, string>>;
	readonly body: string;
	/** The secret values this request carries, to be cut out of anything the server echoes back. */
	readonly secrets: readonly string[];
}

/**
 * Parameters whose values are secrets: a server that echoes them into an error must not put them in our messages.
 * `token` is what a revocation request (RFC 7009) carries.
 */
const SECRET_PARAMETERS = ['client_secret', 'password', 'refresh_token', 'code', 'code_verifier', 'assertion', 'token'];

/** `text` with each of a request's `secrets` replaced by `[redacted]`. */
export function redact(text: string, secrets: readonly string[]): string {
	let redacted = text;
	for (const secret of secrets) if (secret.length >= 4) redacted = redacted.split(secret).join('[redacted]');
	return redacted;
}

/** RFC 6749 2.3.1: id and secret are form-encoded before Basic encoding (Squidex ids contain `:`). */
function basicCredentials(clientId: string, clientSecret: string): string {
	const formEncode = (value: string) => new URLSearchParams({ v: value }).toString().slice(2);
	const pair = `${formEncode(clientId)}:${formEncode(clientSecret)}`;
	return `Basic ${btoa(pair)}`;
}

/**
 * Build a token request: encode the grant (form or JSON) and authenticate the client (body, Basic or none).
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-2.3.1
 */
export function buildTokenRequest(provider: Provider, url: string, grant: GrantParameters): TokenHttpRequest {
	const params: Record<string, string> = {};
	for (const [name, value] of Object.entries(grant)) if (value !== undefined) params[name] = value;
	const headers: Record<string, string> = { accept: 'application/json' };
	const secret = clientSecretOf(provider);
	const secrets = SECRET_PARAMETERS.map((name) => params[name]).filter((value): value is string => value !== undefined);
	if (secret !== undefined) secrets.push(secret, JSON.stringify(secret).slice(1, -1));
	if (provider.clientAuth === 'basic' && secret !== undefined) {
		headers.authorization = basicCredentials(provider.clientId, secret);
	} else {
		params.client_id = provider.clientId;
		if (provider.clientAuth === 'body' && secret !== undefined) params.client_secret = secret;
	}
	if (provider.bodyEncoding === 'json') {
		headers['content-type'] = 'application/json';
		return { url, headers, body: JSON.stringify(params), secrets };
	}
	headers['content-type'] = 'application/x-www-form-urlencoded';
	return { url, headers, body: new URLSearchParams(params).toString(), secrets };
}

/** A failure worth another attempt; carries the error to throw if the attempts run out. */
class TransientFailure extends Error {
	constructor(
		readonly final: TokenkeeperError | 'network' | 'timeout',
		readonly retryAfterMs: number | undefined,
		readonly original?: unknown,
	) {
		super('transient token endpoint failure');
	}
}

/** `Retry-After` as seconds or an HTTP date, in ms from now. */
function parseRetryAfter(value: string | null, now: number): number | undefined {
	if (!value) return undefined;
	if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1000;
	const date = Date.parse(value);
	return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

async function attempt(request: TokenHttpRequest, transport: Transport, signal: AbortSignal | undefined): Promise<TokenSet> {
	const outcome = await boundedRequest(request.url, { method: 'POST', headers: request.headers, body: request.body }, transport, signal);
	if (outcome.kind === 'timeout') throw new TransientFailure('timeout', undefined);
	if (outcome.kind === 'network') throw new TransientFailure('network', undefined, (outcome.error as { cause?: unknown })?.cause ?? outcome.error);
	const { response, bodyText } = outcome;
	if (isRedirect(response)) {
		throw new TokenResponseError(
			`The token endpoint answered ${response.status} (a redirect), which tokenkeeper does not follow: it would send the ` +
				'client credentials on to another address. Configure the final token endpoint URL.',
			{ status: response.status, response },
		);
	}
	const raw = {
		status: response.status,
		contentType: response.headers.get('content-type') ?? '',
		bodyText,
		receivedAt: transport.now(),
		response,
	};
	if (response.ok) return processTokenResponse(raw);
	const error = processErrorResponse({ ...raw, bodyText: redact(bodyText, request.secrets) });
	if (response.status === 429 || response.status >= 500) {
		throw new TransientFailure(error, parseRetryAfter(response.headers.get('retry-after'), transport.now()));
	}
	throw error;
}

function exhausted(failure: TransientFailure, attempts: number, url: string): TokenkeeperError {
	const host = new URL(url).host;
	if (failure.final === 'timeout') {
		return new NetworkError(
			`The token endpoint at ${host} did not answer in time (${attempts} attempts). Check the network, or raise \`timeout\`.`,
			{ timeout: true, attempts },
		);
	}
	if (failure.final === 'network') {
		return new NetworkError(
			`The token endpoint at ${host} could not be reached (${attempts} attempts). Check the URL and the network.`,
			{ attempts, cause: sanitiseCause(failure.original) },
		);
	}
	const { final } = failure;
	const message = `${final.message} (${attempts} attempts)`;
	if (final instanceof OAuthError) {
		return new OAuthError(final, message, { response: final.response });
	}
	return new TokenResponseError(message, {
		status: (final as TokenResponseError).status,
		code: final.code,
		response: final.response,
	});
}

/** Keep a network cause's name, message and code only: never a request, never a header. */
function sanitiseCause(cause: unknown): Error | undefined {
	if (!(cause instanceof Error)) return undefined;
	const clean = new Error(cause.message);
	clean.name = cause.name;
	const code = (cause as { code?: unknown }).code;
	if (typeof code === 'string') Object.assign(clean, { code });
	return clean;
}

/**
 * Send one token request and turn the answer into a {@link TokenSet} (rule 6): network failures,
 * timeouts, 5xx and 429 are retried with backoff and jitter, honouring `Retry-After`; OAuth errors are not.
 * The caller's `signal` aborts at once, with the signal's reason.
 */
export async function requestToken(
	provider: Provider,
	url: string,
	grant: GrantParameters,
	transport: Transport,
	signal?: AbortSignal,
): Promise<TokenSet> {
	const request = buildTokenRequest(provider, url, grant);
	let attempts = 0;
	try {
		return await pRetry(
			() => {
				attempts += 1;
				return attempt(request, transport, signal);
			},
			{
				retries: transport.retry.retries,
				minTimeout: transport.retry.minTimeout,
				maxTimeout: transport.retry.maxTimeout,
				randomize: true,
				signal,
				shouldRetry: ({ error }) =>
					error instanceof TransientFailure && (error.retryAfterMs ?? 0) <= transport.retry.maxRetryAfter,
				onFailedAttempt: async ({ error, retriesLeft }) => {
					if (error instanceof TransientFailure && error.retryAfterMs && retriesLeft > 0) {
						if (error.retryAfterMs <= transport.retry.maxRetryAfter) await delay(error.retryAfterMs, signal);
					}
				},
			},
		);
	} catch (error) {
		if (signal?.aborted) throw signal.reason;
		if (error instanceof TransientFailure) throw exhausted(error, attempts, url);
		throw error;
	}
}
