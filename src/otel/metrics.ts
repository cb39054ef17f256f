import type { Counter, Histogram, Meter, ObservableCounter } from '@opentelemetry/api';

/** Durations in seconds, as OpenTelemetry's HTTP semantic conventions advise: 5 ms to 10 s. */
const SECONDS_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10];

/** The metrics {@link instrument} records (names stable, like the channels'). */
export interface TokenkeeperMetrics {
	readonly tokenRequests: Counter;
	readonly tokenRequestDuration: Histogram;
	readonly lockWaitDuration: Histogram;
	readonly apiRetries: Counter;
	readonly refreshAhead: Counter;
	/** Observed at collection, from a count kept by the subscriber: a near-cache hit is on every cached read. */
	readonly nearCacheHits: ObservableCounter;
}

/** Create tokenkeeper's instruments on `meter`. What each means for an operator is in docs/observability.md. */
export function createMetrics(meter: Meter): TokenkeeperMetrics {
	return {
		tokenRequests: meter.createCounter('tokenkeeper.token_requests', {
			description: 'Token requests, by grant type, reason and outcome (ok, or the error: invalid_grant, ERR_TIMEOUT…).',
			unit: '{request}',
		}),
		tokenRequestDuration: meter.createHistogram('tokenkeeper.token_request.duration', {
			description: 'How long token requests took, their retries included.',
			unit: 's',
			advice: { explicitBucketBoundaries: SECONDS_BUCKETS },
		}),
		lockWaitDuration: meter.createHistogram('tokenkeeper.lock_wait.duration', {
			description: "How long token requests waited for their session's lock, held by another caller, tab or process.",
			unit: 's',
			advice: { explicitBucketBoundaries: SECONDS_BUCKETS },
		}),
		apiRetries: meter.createCounter('tokenkeeper.api_retries', {
			description: 'API calls whose token was rejected, sent again once with a new token.',
			unit: '{call}',
		}),
		refreshAhead: meter.createCounter('tokenkeeper.refresh_ahead', {
			description: 'Background refreshes started by a read near the end of a token.',
			unit: '{refresh}',
		}),
		nearCacheHits: meter.createObservableCounter('tokenkeeper.near_cache.hits', {
			description: 'Reads served the fresh token the process holds, with no store or network I/O.',
			unit: '{read}',
		}),
	};
}
