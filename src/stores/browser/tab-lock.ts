import { delay } from '../../abortable.js';
import { TokenkeeperError } from '../../errors.js';
import type { KeyValueStorage } from '../../key-value-storage.js';
import { tryParseJson } from '../../try-parse-json.js';
import { createLocalLock } from '../local-lock.js';

/** The fallback lock's lease, as kept in storage. */
interface Lease {
	readonly owner: string;
	readonly expiresAt: number;
}

/** The part of the Web Locks API (`navigator.locks`) tokenkeeper uses. */
export interface LockManagerLike {
	/** Run `callback` while holding the lock `name`; `options.signal` aborts the wait. */
	request<T>(name: string, options: { signal?: AbortSignal }, callback: () => Promise<T>): Promise<T>;
}

/** Options of a cross-tab lock. */
export interface TabLockOptions {
	/** Web Locks; `null` forces the storage-lease fallback. Default `navigator.locks` when present. */
	readonly locks?: LockManagerLike | null | undefined;
	/** Where the fallback keeps its lease (shared by the tabs: `localStorage`). */
	readonly storage: KeyValueStorage;
	/** How long a dead tab's lease blocks the others, in ms. Default 5 000 (renewed while the holder works). */
	readonly leaseTtl?: number | undefined;
	readonly now?: (() => number) | undefined;
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
	const leaseTtl = options.leaseTtl ?? 5_000;
	const now = options.now ?? Date.now;
	const local = createLocalLock();
	const owner = `${now().toString(36)}-${Math.random().toString(36).slice(2)}`;

	function readLease(name: string): Lease | undefined {
		let text: string | null;
		try {
			text = options.storage.getItem(name);
		} catch {
			// Storage that throws on access (disabled, sandboxed) holds no lease.
			return undefined;
		}
		return (tryParseJson(text) as Lease | null | undefined) ?? undefined;
	}

	function writeLease(name: string, deadline: number): boolean {
		try {
			options.storage.setItem(name, JSON.stringify({ owner, expiresAt: Math.min(now() + leaseTtl, deadline) }));
			return true;
		} catch {
			// A full storage must not break the lock: fall back to this tab's local lock alone.
			return false;
		}
	}

	async function withLease<T>(name: string, fn: () => Promise<T>, signal: AbortSignal | undefined, ttl: number | undefined): Promise<T> {
		let backoff = 20;
		// A holder that never settles keeps its lease no longer than its ttl: renewals stop at the deadline.
		let deadline = Number.POSITIVE_INFINITY;
		// Bounded: a live holder renews its lease, a dead one's lease runs out within leaseTtl.
		for (let attempt = 0; ; attempt++) {
			const lease = readLease(name);
			if (!lease || lease.expiresAt <= now() || lease.owner === owner) {
				deadline = ttl ? now() + ttl : Number.POSITIVE_INFINITY;
				if (!writeLease(name, deadline)) return fn();
				// Two tabs may write at the same moment: the one whose write survived a short pause wins.
				await delay(15, signal);
				if (readLease(name)?.owner === owner) break;
			}
			if (attempt > 10_000) {
				throw new TokenkeeperError('ERR_LOCK', 'Another tab holds the session lock too long: try again.');
			}
			await delay(backoff + Math.random() * backoff, signal);
			backoff = Math.min(backoff * 2, 250);
		}
		const renew = setInterval(
			() => {
				if (readLease(name)?.owner === owner && now() < deadline) writeLease(name, deadline);
			},
			Math.max(50, leaseTtl / 3),
		);
		try {
			return await fn();
		} finally {
			clearInterval(renew);
			if (readLease(name)?.owner === owner) options.storage.removeItem(name);
		}
	}

	return function withTabLock<T>(name: string, fn: () => Promise<T>, signal?: AbortSignal, ttl?: number): Promise<T> {
		const crossTab = () => (locks ? withWebLock(locks, name, fn, signal, ttl) : withLease(name, fn, signal, ttl));
		return local(name, crossTab, { signal, ttl });
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
