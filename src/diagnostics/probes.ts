/**
 * The probes tokenkeeper's code calls to tell Node's `diagnostics_channel` what it does (names and messages in
 * channels.ts). Each costs one `hasSubscribers` check while nobody subscribes. The module is looked up at run time
 * (`process.getBuiltinModule`, Node 20.16+), never imported: in runtimes without it every probe does nothing.
 *
 * The browser build erases every call to this module at build time (see tsup.config.ts), so a probe is written in
 * one of two shapes only: a statement (`publishApiRetry(response, url);`), or a call whose last argument is a
 * parameterless arrow with an expression body (`traceStore(store, 'read', () => store.get(key))`), which the
 * browser build replaces by that expression. Arguments must therefore be cheap and free of side effects.
 */
import type { GrantParameters } from '../grants.js';
import type { TokenSet } from '../token-set.js';
import {
	type ApiRetryMessage,
	DiagnosticsChannel,
	type LockWaitMessage,
	type NearCacheHitMessage,
	type RefreshAheadMessage,
	type StoreMessage,
	type TokenRequestMessage,
	type TokenRequestReason,
} from './channels.js';
import { storeKindOf } from './store-kind.js';

interface ChannelLike {
	readonly hasSubscribers: boolean;
	publish(message: unknown): void;
	runStores<R>(message: unknown, fn: () => R): R;
}
interface TracingChannelLike {
	readonly hasSubscribers: boolean;
	readonly start: ChannelLike;
	readonly end: ChannelLike;
	readonly asyncStart: ChannelLike;
	readonly asyncEnd: ChannelLike;
	readonly error: ChannelLike;
}
interface AsyncLocalStorageLike<T> {
	getStore(): T | undefined;
	run<R>(store: T, fn: () => R): R;
}
interface NodeModules {
	readonly diagnostics: {
		tracingChannel(name: string): TracingChannelLike;
		channel(name: string): ChannelLike;
	};
	readonly AsyncLocalStorage: new <T>() => AsyncLocalStorageLike<T>;
}

function loadNodeModules(): NodeModules | undefined {
	try {
		const getBuiltinModule = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process?.getBuiltinModule;
		const diagnostics = getBuiltinModule?.('node:diagnostics_channel') as NodeModules['diagnostics'] | undefined;
		const asyncHooks = getBuiltinModule?.('node:async_hooks') as { AsyncLocalStorage: NodeModules['AsyncLocalStorage'] } | undefined;
		return diagnostics && asyncHooks ? { diagnostics, AsyncLocalStorage: asyncHooks.AsyncLocalStorage } : undefined;
	} catch {
		// A runtime that has `process` but refuses the module: no diagnostics, as in a browser.
		return undefined;
	}
}

const node = loadNodeModules();
const tokenRequestChannel = node?.diagnostics.tracingChannel(DiagnosticsChannel.TokenRequest);
const lockWaitChannel = node?.diagnostics.tracingChannel(DiagnosticsChannel.LockWait);
const storeChannel = node?.diagnostics.tracingChannel(DiagnosticsChannel.Store);
const apiRetryChannel = node?.diagnostics.channel(DiagnosticsChannel.ApiRetry);
const nearCacheHitChannel = node?.diagnostics.channel(DiagnosticsChannel.NearCacheHit);
const refreshAheadChannel = node?.diagnostics.channel(DiagnosticsChannel.RefreshAhead);

/** What a manager's flight was started for, as far as the token request is concerned. */
interface FlightCause {
	readonly grant?: unknown;
	readonly background?: boolean | undefined;
	readonly force?: boolean | undefined;
	readonly seen?: TokenSet | undefined;
}

function reasonOf(cause: FlightCause): TokenRequestReason {
	if (cause.grant) return 'login';
	if (cause.background) return 'refresh-ahead';
	if (cause.force) return 'forced';
	if (!cause.seen) return 'cold';
	// invalidate() expires a rejected token at the epoch, which no real expiry is.
	return cause.seen.expiresAt === 0 ? 'rejection' : 'expiry';
}

// Created on first use only: an AsyncLocalStorage makes Node track every promise's context from then on.
let flightReasons: AsyncLocalStorageLike<TokenRequestReason> | undefined;

/**
 * Run a manager's flight with its reason at hand, for the token requests it makes (after a lock wait, a store
 * re-read, maybe a refused refresh: too far down for a parameter).
 */
export function traceFlight<T>(cause: FlightCause, fn: () => Promise<T>): Promise<T> {
	if (!node || !tokenRequestChannel?.hasSubscribers) return fn();
	flightReasons ??= new node.AsyncLocalStorage<TokenRequestReason>();
	return flightReasons.run(reasonOf(cause), fn);
}

/**
 * What `tracingChannel.tracePromise()` does (start and end around the call, in stores bound to `start`; then error,
 * asyncStart and asyncEnd when it settles), except that the result is not put on the message: it is a token set,
 * and no token may ever be on a channel.
 */
function traceAsync<T>(channel: TracingChannelLike, message: { error?: unknown }, fn: () => Promise<T>): Promise<T> {
	return channel.start.runStores(message, () => {
		let settled: Promise<T>;
		try {
			settled = fn();
		} catch (error) {
			message.error = error;
			channel.error.publish(message);
			throw error;
		} finally {
			channel.end.publish(message);
		}
		return settled.then(
			(result) => {
				channel.asyncStart.publish(message);
				channel.asyncEnd.publish(message);
				return result;
			},
			(error: unknown) => {
				message.error = error;
				channel.error.publish(message);
				channel.asyncStart.publish(message);
				channel.asyncEnd.publish(message);
				throw error;
			},
		);
	});
}

/** The message of each token request under way, by its request object: where its attempts are counted. */
const tokenRequests = new WeakMap<object, TokenRequestMessage>();

/** Run one token request (`fn`, its retries included) on the `tokenkeeper:token-request` tracing channel. */
export function traceTokenRequest<T>(grant: GrantParameters, request: { readonly url: string }, fn: () => Promise<T>): Promise<T> {
	if (!tokenRequestChannel?.hasSubscribers) return fn();
	const message: TokenRequestMessage = {
		grantType: grant.grant_type ?? 'unknown',
		endpoint: new URL(request.url).origin,
		reason: flightReasons?.getStore() ?? (grant.grant_type === 'refresh_token' ? 'expiry' : 'cold'),
		attempts: 0,
	};
	tokenRequests.set(request, message);
	return traceAsync(tokenRequestChannel, message, fn);
}

/** Count one attempt of a token request, with the status it was answered with, if any. */
export function noteTokenAttempt(request: object, outcome: { readonly kind: string; readonly response?: Response }): void {
	const message = tokenRequests.get(request);
	if (!message) return;
	message.attempts += 1;
	if (outcome.response) message.status = outcome.response.status;
}

/** The lock waits under way, by the lock options object of each (one per flight). */
const lockWaits = new WeakMap<object, { readonly message: LockWaitMessage; readonly started: number }>();

function endLockWait(options: object, error?: unknown): void {
	const wait = lockWaits.get(options);
	if (!wait || !lockWaitChannel) return;
	lockWaits.delete(options);
	const { message, started } = wait;
	message.waitedMs = performance.now() - started;
	message.outcome = error === undefined ? 'acquired' : 'failed';
	if (error !== undefined) {
		message.error = error;
		lockWaitChannel.error.publish(message);
	}
	lockWaitChannel.asyncStart.publish(message);
	lockWaitChannel.asyncEnd.publish(message);
}

/**
 * Trace the wait for a session's lock on `tokenkeeper:lock-wait`: from the call to `withLock` (`fn`) until
 * {@link noteLockAcquired} is called with the same `options`, or the call fails first. The work done under the lock
 * is not part of the wait.
 */
export function traceLockWait<T>(store: object, options: object, fn: () => Promise<T>): Promise<T> {
	if (!lockWaitChannel?.hasSubscribers) return fn();
	const message: LockWaitMessage = { store: storeKindOf(store) };
	lockWaits.set(options, { message, started: performance.now() });
	lockWaitChannel.start.publish(message);
	let waiting: Promise<T>;
	try {
		waiting = fn();
	} catch (error) {
		endLockWait(options, error);
		throw error;
	} finally {
		lockWaitChannel.end.publish(message);
	}
	// A failure after the lock was held belongs to the work under it, not to the wait: endLockWait ignores it.
	return waiting.catch((error: unknown) => {
		endLockWait(options, error);
		throw error;
	});
}

/** The lock traced with these `options` is held: its wait is over. */
export function noteLockAcquired(options: object): void {
	endLockWait(options);
}

/** Run one call into the session's store on the `tokenkeeper:store` tracing channel. */
export function traceStore<T>(store: object, operation: StoreMessage['operation'], fn: () => Promise<T>): Promise<T> {
	if (!storeChannel?.hasSubscribers) return fn();
	const message: StoreMessage = { store: storeKindOf(store), operation };
	return traceAsync(storeChannel, message, async () => {
		try {
			const result = await fn();
			message.outcome = operation !== 'read' ? 'ok' : result === undefined ? 'miss' : 'hit';
			return result;
		} catch (error) {
			message.outcome = 'error';
			throw error;
		}
	});
}

/** An API call to `url` got `response`, a rejection of its token, and is sent again with a new one. */
export function publishApiRetry(response: Response, url: string): void {
	if (!apiRetryChannel?.hasSubscribers) return;
	const message: ApiRetryMessage = { status: response.status, origin: new URL(url).origin };
	apiRetryChannel.publish(message);
}

const NEAR_CACHE_HIT: NearCacheHitMessage = Object.freeze({});

/** A read was served the fresh token this process holds. On every cached `getToken()`: one check, no allocation. */
export function publishNearCacheHit(): void {
	if (nearCacheHitChannel?.hasSubscribers) nearCacheHitChannel.publish(NEAR_CACHE_HIT);
}

/** The API client's look at the manager's fresh token (`peek`, no promise): a near-cache hit when it finds one. */
export function tracePeek<T>(peek: () => T | undefined): T | undefined {
	const found = peek();
	if (found !== undefined) publishNearCacheHit();
	return found;
}

/** A read of `tokenSet`, near its end, started a background refresh. */
export function publishRefreshAhead(tokenSet: TokenSet): void {
	if (!refreshAheadChannel?.hasSubscribers) return;
	const message: RefreshAheadMessage = { expiresAt: tokenSet.expiresAt };
	refreshAheadChannel.publish(message);
}
