import { delay } from '../../abortable.js';
import { TokenkeeperError } from '../../errors.js';
import type { KeyValueStorage } from '../../key-value-storage.js';
import { tryParseJson } from '../../try-parse-json.js';

/** The lease, as kept in storage. */
interface Lease {
	readonly owner: string;
	readonly expiresAt: number;
}

/** Options of {@link createLeaseLock}. */
export interface LeaseLockOptions {
	/** Where the lease is kept (shared by the tabs: `localStorage`). */
	readonly storage: KeyValueStorage;
	/** How long a dead tab's lease blocks the others, in ms. Default 5 000 (renewed while the holder works). */
	readonly leaseTtl?: number | undefined;
	readonly now?: (() => number) | undefined;
}

/** Hold the lock `name` while `fn` runs; `ttl` bounds how long a holder keeps it. */
export type WithLease = <T>(name: string, fn: () => Promise<T>, signal: AbortSignal | undefined, ttl: number | undefined) => Promise<T>;

/**
 * The cross-tab lock where the browser has no Web Locks (an old browser, a page not served over HTTPS): a lease in
 * storage, renewed while held, so a closed tab blocks the others for at most `leaseTtl`.
 */
export function createLeaseLock(options: LeaseLockOptions): WithLease {
	const leaseTtl = options.leaseTtl ?? 5_000;
	const now = options.now ?? Date.now;
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

	return async function withLease<T>(
		name: string,
		fn: () => Promise<T>,
		signal: AbortSignal | undefined,
		ttl: number | undefined,
	): Promise<T> {
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
	};
}
