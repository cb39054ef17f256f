import { createLocalLock } from '../local-lock.js';
import type { LeaseLockOptions, WithLease } from './lease-lock.js';
import { leaseOnDemand } from './lease-on-demand.js';

/** The part of the Web Locks API (`navigator.locks`) tokenkeeper uses. */
export interface LockManagerLike {
	/** Run `callback` while holding the lock `name`; `options.signal` aborts the wait. */
	request<T>(name: string, options: { signal?: AbortSignal }, callback: () => Promise<T>): Promise<T>;
}

/** Options of a cross-tab lock: Web Locks, or the storage lease's options for where they are missing. */
export interface TabLockOptions extends LeaseLockOptions {
	/** Web Locks; `null` forces the storage-lease fallback. Default `navigator.locks` when present. */
	readonly locks?: LockManagerLike | null | undefined;
}

function defaultLocks(): LockManagerLike | undefined {
	const locks = (globalThis as { navigator?: { locks?: LockManagerLike } }).navigator?.locks;
	return locks && typeof locks.request === 'function' ? locks : undefined;
}

/**
 * One holder at a time per name, across the tabs of an origin (rule 8). Web Locks when the browser has them:
 * the browser releases a closed tab's lock at once, and grants a released lock to exactly one waiter.
 * Elsewhere a lease in storage, renewed while held, so a closed tab blocks the others for at most `leaseTtl`.
 * Within one tab, a local lock comes first, so two managers of the same tab queue without touching storage.
 */
export function createTabLock(options: TabLockOptions) {
	const locks = options.locks === undefined ? defaultLocks() : (options.locks ?? undefined);
	const local = createLocalLock();
	// The lease, only where Web Locks are missing: the browser build loads it on demand (lease-on-demand.browser.ts).
	const crossTab: WithLease = locks ? (name, fn, signal, ttl) => withWebLock(locks, name, fn, signal, ttl) : leaseOnDemand(options);

	return function withTabLock<T>(name: string, fn: () => Promise<T>, signal?: AbortSignal, ttl?: number): Promise<T> {
		return local(name, () => crossTab(name, fn, signal, ttl), { signal, ttl });
	};
}

/**
 * Hold the Web Lock `name` while `fn` runs, and resolve as `fn` does. The browser releases a Web Lock when its
 * callback settles, so a holder that never settles would block every other tab for good: with `ttl`, the callback
 * settles after at most `ttl` ms, and the next tab gets the lock, as the storage lease does.
 */
function withWebLock<T>(
	locks: LockManagerLike,
	name: string,
	fn: () => Promise<T>,
	signal: AbortSignal | undefined,
	ttl: number | undefined,
) {
	return new Promise<T>((resolve, reject) => {
		locks
			.request(name, signal ? { signal } : {}, () => {
				const running = fn();
				running.then(resolve, reject);
				const settled = running.then(
					() => undefined,
					() => undefined,
				);
				if (!ttl) return settled;
				let timer: ReturnType<typeof setTimeout> | undefined;
				const expired = new Promise<void>((done) => {
					timer = setTimeout(done, ttl);
				});
				return Promise.race([settled, expired]).finally(() => clearTimeout(timer));
			})
			// Aborted while waiting, or the lock manager failed: `fn` never ran.
			.catch(reject);
	});
}
