import pRetry from 'p-retry';
import { delay } from '../abortable.js';
import { NetworkError, OAuthError, TokenResponseError, type TokenkeeperError } from '../errors.js';
import type { GrantParameters } from '../grants.js';
import type { Provider } from '../provider.js';
import type { TokenSet } from '../token-set.js';
import { boundedRequest, isRedirect, responseTooLarge } from './bounded-request.js';
import { resolveEndpoints } from './discovery.js';
import { toRawResponse } from './raw-response.js';
import { buildTokenRequest, type TokenHttpRequest } from './token-request.js';
import { processErrorResponse, processTokenResponse } from './token-response.js';
import type { Transport } from './transport.js';

/** A failure worth another attempt; carries the error to throw if the attempts run out. */
class TransientFailure extends Error {
	// Declared, not parameter properties: those would define each field twice (as a class field, then assigned).
	declare readonly final: TokenkeeperError | 'network' | 'timeout';
	declare readonly retryAfterMs: number | undefined;
	declare readonly original: unknown;

	constructor(final: TokenkeeperError | 'network' | 'timeout', retryAfterMs: number | undefined, original?: unknown) {
		super('transient token endpoint failure');
		this.final = final;
		this.retryAfterMs = retryAfterMs;
		this.original = original;
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
	if (outcome.kind === 'too-large') throw responseTooLarge('token endpoint', request.url, outcome.response);
	if (outcome.kind === 'network')
		throw new TransientFailure('network', undefined, (outcome.error as { cause?: unknown })?.cause ?? outcome.error);
	const { response, bodyText } = outcome;
	if (isRedirect(response)) {
		throw new TokenResponseError(
			`The token endpoint answered ${response.status}, a redirect, which is not followed: it would send the client ` +
				'credentials elsewhere. Configure the final token endpoint URL.',
			{ status: response.status, response },
		);
	}
	if (response.ok) return processTokenResponse(toRawResponse(response, bodyText, transport.now()));
	const error = processErrorResponse(toRawResponse(response, bodyText, transport.now(), request.secrets));
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
		return new NetworkError(`The token endpoint at ${host} could not be reached (${attempts} attempts). Check the URL and the network.`, {
			attempts,
			cause: sanitizeCause(failure.original),
		});
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
function sanitizeCause(cause: unknown): Error | undefined {
	if (!(cause instanceof Error)) return undefined;
	const clean = new Error(cause.message);
	clean.name = cause.name;
	const code = (cause as { code?: unknown }).code;
	if (typeof code === 'string') Object.assign(clean, { code });
	return clean;
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
				shouldRetry: ({ error }) => error instanceof TransientFailure && (error.retryAfterMs ?? 0) <= transport.retry.maxRetryAfter,
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
