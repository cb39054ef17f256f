import { globalFetch } from '../global-fetch.js';
import { invalidOption, requireNonNegative, requireTimerDelay } from '../options.js';

/** How token requests are retried (rule 6). Only network failures, timeouts, 5xx and 429 are retried. */
export interface RetryOptions {
	/** Retries after the first attempt. Default 3. */
	readonly retries?: number;
	/** Delay before the first retry, in ms. Default 250. */
	readonly minTimeout?: number;
	/** Largest delay between two attempts, in ms. Default 5 000. */
	readonly maxTimeout?: number;
	/** Largest `Retry-After` honoured, in ms; a longer one ends the retries at once. Default 60 000. */
	readonly maxRetryAfter?: number;
}

/** Options shared by everything that talks to a token endpoint. */
export interface TransportOptions {
	/** The `fetch` for token, discovery and revocation requests. Default: the global one. */
	readonly fetch?: typeof fetch | undefined;
	/** Timeout of each token request attempt, in ms. Default 10 000. */
	readonly timeout?: number | undefined;
	/** Retries of transient failures: a number of retries, or the full options. */
	readonly retry?: number | RetryOptions | undefined;
	/** The clock, in epoch ms. Default `Date.now`; inject one for tests. */
	readonly now?: (() => number) | undefined;
}

/** {@link TransportOptions} expanded once, validated, with every default filled in. */
export interface Transport {
	readonly fetch: typeof fetch;
	/** Token requests carry DPoP proofs (`fetch` adds them), so DPoP-bound tokens are accepted. */
	readonly dpop?: boolean | undefined;
	readonly timeout: number;
	readonly retry: Required<RetryOptions>;
	readonly now: () => number;
}

/** What one bounded request needs of a {@link Transport}: a discovery document's fetch needs no retries and no clock. */
export type DocumentTransport = Pick<Transport, 'fetch' | 'timeout'>;

/** Expand and validate transport options once, at construction. `dpop`: `fetch` adds DPoP proofs. */
export function normalizeTransport(options: TransportOptions = {}, dpop?: boolean): Transport {
	const retry: RetryOptions = typeof options.retry === 'number' ? { retries: options.retry } : (options.retry ?? {});
	const fetchFunction = options.fetch ?? globalThis.fetch;
	if (typeof fetchFunction !== 'function') throw invalidOption('fetch', 'a function', fetchFunction);
	return {
		fetch: options.fetch ?? globalFetch,
		timeout: requireTimerDelay(options.timeout ?? 10_000, 'timeout'),
		retry: {
			retries: requireNonNegative(retry.retries ?? 3, 'retry.retries'),
			minTimeout: requireTimerDelay(retry.minTimeout ?? 250, 'retry.minTimeout'),
			maxTimeout: requireTimerDelay(retry.maxTimeout ?? 5_000, 'retry.maxTimeout'),
			maxRetryAfter: requireTimerDelay(retry.maxRetryAfter ?? 60_000, 'retry.maxRetryAfter'),
		},
		now: options.now ?? Date.now,
		dpop,
	};
}
