import pRetry from 'p-retry';
import { delay } from '../abortable.js';
import { noteTokenAttempt, traceTokenRequest } from '../diagnostics/probes.js';
import { NetworkError, OAuthError, TokenResponseError, type TokenkeeperError } from '../errors.js';
import type { GrantParameters } from '../grants.js';
import type { Provider } from '../provider.js';
import type { TokenSet } from '../token-set.js';
import { answerOf, boundedRequest, isRedirect } from './bounded-request.js';
import { resolveEndpoints } from './discovery.js';
import { toRawResponse } from './raw-response.js';
import { buildTokenRequest, type TokenHttpRequest } from './token-request.js';
import { processErrorResponse, processTokenResponse } from './token-response.js';
import type { Transport } from './transport.js';

/**
 * The errors worth another attempt (no answer, 5xx, 429), with the wait the server asked for (`Retry-After`, ms) if
 * any. A mark beside the error, not a wrapper: p-retry passes the error itself, which is what the last attempt throws.
 */
const transient = new WeakMap<object, number | undefined>();

function worthRetrying(error: TokenkeeperError, retryAfterMs?: number): TokenkeeperError {
	transient.set(error, retryAfterMs);
	return error;
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
	noteTokenAttempt(request, outcome);
	let answer: { readonly response: Response; readonly bodyText: string };
	try {
		answer = answerOf(outcome, 'token endpoint', request.url);
	} catch (error) {
		// No answer at all (a timeout, a network failure) is worth another attempt; a body too large is not.
		throw error instanceof NetworkError ? worthRetrying(error) : error;
	}
	const { response, bodyText } = answer;
	if (isRedirect(response)) {
		throw new TokenResponseError(`The token endpoint answered ${response.status}, a redirect, not followed: configure the final URL.`, {
			status: response.status,
			response,
		});
	}
	if (response.ok) return processTokenResponse(toRawResponse(response, bodyText, transport.now()), transport.dpop);
	const raw = toRawResponse(response, bodyText, transport.now(), request.secrets);
	// A token for one API: a refusal (`invalid_target`, RFC 8707) concerns that API, which the message names.
	const error = processErrorResponse(raw, request.resource ? `token endpoint (for ${request.resource})` : undefined);
	if (response.status === 429 || response.status >= 500) {
		throw worthRetrying(error, parseRetryAfter(response.headers.get('retry-after'), transport.now()));
	}
	throw error;
}

/** The last attempt's error, saying how many attempts were made. */
function exhausted(final: TokenkeeperError, attempts: number): TokenkeeperError {
	const message = `${final.message} (${attempts} attempts)`;
	if (final instanceof OAuthError) return new OAuthError(final, message, { response: final.response });
	if (final instanceof NetworkError) {
		return new NetworkError(message, { timeout: final.code === 'ERR_TIMEOUT', attempts, cause: final.cause });
	}
	return new TokenResponseError(message, { status: (final as TokenResponseError).status, code: final.code, response: final.response });
}

/**
 * Send one token request and turn the answer into a {@link TokenSet} (rule 6). The endpoint comes from the
 * provider (discovered once when it has only an issuer): a refresh goes to its refresh endpoint when it has one.
 * Network failures, timeouts, 5xx and 429 are retried with backoff and jitter, honouring `Retry-After`; OAuth
 * errors are not. The caller's `signal` aborts at once, with the signal's reason.
 */
export async function requestToken(
	provider: Provider,
	grant: GrantParameters,
	transport: Transport,
	signal?: AbortSignal,
): Promise<TokenSet> {
	const endpoints = await resolveEndpoints(provider, transport, signal);
	const url = grant.grant_type === 'refresh_token' ? (endpoints.refresh ?? endpoints.token) : endpoints.token;
	const request = buildTokenRequest(provider, url, grant);
	let attempts = 0;
	try {
		return await traceTokenRequest(grant, request, () =>
			pRetry(
				() => {
					attempts += 1;
					return attempt(request, transport, signal);
				},
				{
					// `retries`, `minTimeout` and `maxTimeout` are p-retry's own names (it ignores `maxRetryAfter`, used below).
					...transport.retry,
					randomize: true,
					signal,
					shouldRetry: ({ error }) => transient.has(error) && (transient.get(error) ?? 0) <= transport.retry.maxRetryAfter,
					onFailedAttempt: async ({ error, retriesLeft }) => {
						const retryAfterMs = transient.get(error);
						if (retryAfterMs && retriesLeft > 0 && retryAfterMs <= transport.retry.maxRetryAfter) await delay(retryAfterMs, signal);
					},
				},
			),
		);
	} catch (error) {
		if (signal?.aborted) throw signal.reason;
		if (transient.has(error as object)) throw exhausted(error as TokenkeeperError, attempts);
		throw error;
	}
}
