import { abortable } from '../abortable.js';

/** Options of one hold of a local lock. */
export interface LocalLockOptions {
	/** Stop waiting for the lock (the holder is not affected). */
	readonly signal?: AbortSignal | undefined;
	/** After this many ms the next waiter gets the lock even if this holder has not settled. */
	readonly ttl?: number | undefined;
}

/**
 * A lock per name within this JavaScript realm: holders of the same name run one after another, in order.
 * A waiter can give up (signal) without breaking the queue, and a holder that never settles blocks the others
 * for at most its ttl. Used by the in-memory stores and, inside a tab, before the cross-tab lock.
 */
export function createLocalLock() {
	const tails = new Map<string, Promise<void>>();
	return async function withLocalLock<T>(name: string, fn: () => Promise<T>, options: LocalLockOptions = {}): Promise<T> {
		options.signal?.throwIfAborted();
		const previous = tails.get(name) ?? Promise.resolve();
		let release!: () => void;
		const turnOver = new Promise<void>((resolve) => (release = resolve));
		// The next holder waits for the one before us and for us; an aborted waiter hands its turn straight on.
		const ours = previous.then(() => turnOver);
		tails.set(name, ours);
		void ours.then(() => {
			if (tails.get(name) === ours) tails.delete(name);
		});
		try {
			await abortable(previous, options.signal);
		} catch (error) {
			release();
			throw error;
		}
		const timer = options.ttl ? setTimeout(release, options.ttl) : undefined;
		try {
			return await fn();
		} finally {
			clearTimeout(timer);
			release();
		}
	};
}
