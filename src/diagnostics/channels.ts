/**
 * The names and messages of tokenkeeper's Node `diagnostics_channel` channels: stable across releases, like error
 * codes. No message ever holds a token, a code, a verifier, a secret, a password, a full URL or a header.
 * @see https://nodejs.org/api/diagnostics_channel.html
 */

/**
 * The channel names. Three are tracing channels (`tracingChannel(name)`: `start`, `end`, `asyncStart`, `asyncEnd`,
 * `error` around one operation), three are plain channels (`channel(name)`: one message per event).
 * @example
 * import diagnostics from 'node:diagnostics_channel';
 * diagnostics.tracingChannel(DiagnosticsChannel.TokenRequest).subscribe({ asyncEnd: (message) => console.log(message) });
 */
export const DiagnosticsChannel = {
	/** Tracing channel around each token request (retries included): a {@link TokenRequestMessage}. */
	TokenRequest: 'tokenkeeper:token-request',
	/** Tracing channel around each wait for a session's lock, ending when the lock is held: a {@link LockWaitMessage}. */
	LockWait: 'tokenkeeper:lock-wait',
	/** Tracing channel around each call into the session's store: a {@link StoreMessage}. */
	Store: 'tokenkeeper:store',
	/** Channel: an API call's token was rejected and the call is sent again with a new one: an {@link ApiRetryMessage}. */
	ApiRetry: 'tokenkeeper:api-retry',
	/** Channel: a read was served the fresh token this process holds, with no I/O: a {@link NearCacheHitMessage}. */
	NearCacheHit: 'tokenkeeper:near-cache-hit',
	/** Channel: a read near the end of a token started one background refresh: a {@link RefreshAheadMessage}. */
	RefreshAhead: 'tokenkeeper:refresh-ahead',
} as const;

/**
 * Why a token request was made: no token yet (`cold`), the token expired (`expiry`), an API rejected it (`rejection`),
 * a read near its end (`refresh-ahead`), `getToken({ forceRefresh: true })` (`forced`), a login's exchange (`login`).
 */
export type TokenRequestReason = 'cold' | 'expiry' | 'rejection' | 'refresh-ahead' | 'forced' | 'login';

/** The message of `tokenkeeper:token-request`. The fields not marked readonly are set while the request runs. */
export interface TokenRequestMessage {
	/** `client_credentials`, `password`, `refresh_token`, `authorization_code`, or the device grant's URN. */
	readonly grantType: string;
	/** The token endpoint's origin (`https://login.example.com`): never its path or query. */
	readonly endpoint: string;
	readonly reason: TokenRequestReason;
	/** HTTP status of the last answer; absent when no attempt got one (network failure, timeout). */
	status?: number;
	/** Attempts made so far (transient failures are retried). */
	attempts: number;
	/** Set by `tracePromise` when the request failed: a tokenkeeper error with a stable `code`. */
	error?: unknown;
}

/** The message of `tokenkeeper:lock-wait`; `waitedMs` and `outcome` are set when the wait ends (at `asyncEnd`). */
export interface LockWaitMessage {
	/** The store's kind: `memory`, `redis`, `file`, or `custom` (any other: a store of your own, web storage…). */
	readonly store: string;
	waitedMs?: number;
	/** `acquired`, or `failed` (the wait timed out, was aborted, or the store failed: see `error`). */
	outcome?: 'acquired' | 'failed';
	error?: unknown;
}

/** The message of `tokenkeeper:store`; `outcome` is set when the call settles. */
export interface StoreMessage {
	readonly store: string;
	readonly operation: 'read' | 'write' | 'delete' | 'compare-and-set';
	/** `hit` or `miss` for a read, `ok` for the others, `error` when the store failed (see `error`). */
	outcome?: 'hit' | 'miss' | 'ok' | 'error';
	error?: unknown;
}

/** The message of `tokenkeeper:api-retry`. */
export interface ApiRetryMessage {
	/** The status that rejected the token (401, or 403 for Dotkernel). */
	readonly status: number;
	/** The API's origin: never its path or query. */
	readonly origin: string;
}

/** The message of `tokenkeeper:near-cache-hit`: nothing beyond the event itself. */
export type NearCacheHitMessage = Readonly<Record<string, never>>;

/** The message of `tokenkeeper:refresh-ahead`. */
export interface RefreshAheadMessage {
	/** When the token being replaced expires, epoch ms. */
	readonly expiresAt: number | undefined;
}
