// What the benchmark process and its session workers (session-worker.ts) say to each other over IPC.
// Times are epoch ms (Date.now()), so that the workers' records line up with the primary's (Redis killed at, …).

import type { EmulatorCredentials } from 'tokenkeeper/testing';

/** How a worker sets up its one session: a Dotkernel login shared through Redis. */
export interface SessionWorkerConfig {
	readonly redisUrl: string;
	/**
	 * `url`: `new RedisTokenStore({ url })`, the store's own node-redis client. `client`: a node-redis client the
	 * process makes, connects without waiting (`connect()` while Redis is down would not resolve) and keeps.
	 */
	readonly connection: 'url' | 'client';
	readonly keyPrefix: string;
	readonly dotkernel: EmulatorCredentials['dotkernel'];
	/** The manager's `refreshAhead`; `undefined` leaves its default. */
	readonly refreshAhead?: number | undefined;
	/** The manager's `storeFailure`; `undefined` leaves its default. */
	readonly storeFailure?: 'bypass' | 'fail' | undefined;
	/** The store's `commandTimeout`; `undefined` leaves its default. */
	readonly commandTimeout?: number | undefined;
	/** Concurrent callers during `run`. */
	readonly callers: number;
}

/** One attempt of a probe: how long it took and how it ended (`code` only when it failed). */
export interface Attempt {
	readonly ms: number;
	readonly code?: string | undefined;
}

/** When, after `since`, something first worked (epoch ms), or `undefined` if it never did before the deadline. */
export interface FirstSuccess {
	readonly getToken?: number | undefined;
	readonly api?: number | undefined;
	/** The first store operation that succeeded (the process is back on the shared session). */
	readonly store?: number | undefined;
}

/** A change of outcome of the store's operations, as the worker's instrumented store saw it. */
export interface StoreTransition {
	readonly at: number;
	readonly ok: boolean;
	readonly operation: string;
}

/** Failed calls of one error code. */
export interface FailureGroup {
	readonly count: number;
	/** How long each failed call took (the first 2 000). */
	readonly ms: readonly number[];
	readonly firstAt: number;
	readonly lastAt: number;
}

/** What one worker measured during `run`. */
export interface RunReport {
	readonly pid: number;
	readonly calls: number;
	readonly ok: number;
	/** Latency of every successful call, ms. */
	readonly okMs: readonly number[];
	/** Of every call: ms spent before its requests left (waiting for a token), outside the HTTP round trips. */
	readonly waitMs: readonly number[];
	/** Calls sent twice: the API rejected the token (403), and the client retried with a new one. */
	readonly retried: number;
	/** By `code ?? name` (HTTP errors as `HTTP <status>`). */
	readonly failures: Readonly<Record<string, FailureGroup>>;
	/** Calls by when they ended: before the first mark given to `report`, between marks, after the last one. */
	readonly periods: readonly { readonly ok: number; readonly failed: number }[];
	/** The end of the first successful call that started at or after the last mark (e.g. Redis back). */
	readonly firstOkStartedAfterLastMark?: number | undefined;
	/** `error` events of the manager, by code. */
	readonly errorEvents: Readonly<Record<string, number>>;
	/** `token` events of the manager, by source. */
	readonly tokenEvents: Readonly<Record<string, number>>;
	readonly storeTransitions: readonly StoreTransition[];
}

export type ToWorker =
	| { readonly type: 'config'; readonly config: SessionWorkerConfig }
	/** First token (untimed for the figures), then `ready`. */
	| { readonly type: 'warm-up' }
	/** `getToken()` once, then one API call, each timed: `probed`. */
	| { readonly type: 'probe' }
	/** `getToken()` and an API call every `every` ms until both work or `until`: `polled`. */
	| { readonly type: 'poll'; readonly since: number; readonly every: number; readonly until: number }
	/** Every caller calls the API in a loop until `until`: `ran`. */
	| { readonly type: 'run'; readonly until: number }
	/** What the run measured, with calls split at `marks` (epoch ms, ascending): `report`. */
	| { readonly type: 'report'; readonly marks?: readonly number[] | undefined }
	| { readonly type: 'exit' };

export type FromWorker =
	| { readonly type: 'configured' }
	| { readonly type: 'ready'; readonly error?: string | undefined }
	| { readonly type: 'probed'; readonly getToken: Attempt; readonly api: Attempt }
	| { readonly type: 'polled'; readonly first: FirstSuccess; readonly attempts: number; readonly lastCodes: readonly string[] }
	| { readonly type: 'ran' }
	| { readonly type: 'report'; readonly report: RunReport };
