import { noteLockAcquired, traceLockWait, traceStore } from './diagnostics/probes.js';
import { isTokenkeeperError, StoreError } from './errors.js';
import { sameTokenSet, type TokenStore, type TokenStoreLockOptions } from './stores/store.js';
import type { TokenSet } from './token-set.js';

/** Where a store failure happened, for the message. */
type StoreStep = 'read' | 'write' | 'delete' | 'compare-and-set' | 'lock';

/**
 * A store's failure as a {@link StoreError}. Stores that know themselves (Redis) throw one already; anything else a
 * store throws (a store of your own, a driver's raw error) is wrapped, with the error as its `cause`.
 */
function asStoreError(error: unknown, step: StoreStep): unknown {
	if (isTokenkeeperError(error)) return error;
	const said = error instanceof Error && error.message ? `: ${error.message}` : '';
	return new StoreError(`The token store failed (${step})${said}. Check the store, then try again.`, {
		store: 'the token store',
		cause: error,
	});
}

async function attempt<T>(step: StoreStep, work: () => Promise<T>): Promise<T> {
	try {
		return await work();
	} catch (error) {
		throw asStoreError(error, step);
	}
}

/**
 * One session's entry in its store, as the manager uses it: every failure typed (`ERR_STORE`), and a near cache,
 * the token set this process last read or wrote. A fresh near copy is served without touching the store (rule 1
 * holds with a shared store too); when it is not fresh, or a token is rejected, the store is read again.
 * A write keeps its token set near even when the store fails, so no token this process obtained is lost.
 */
export function createSessionStore(store: TokenStore, key: string) {
	let near: TokenSet | undefined;

	return {
		/** The token set this process last read or wrote; `undefined` after a read found none, or a delete. */
		get near(): TokenSet | undefined {
			return near;
		},
		/** Keep `tokenSet` near without writing it: what this process knows while the store is out of reach. */
		keep(tokenSet: TokenSet | undefined): void {
			near = tokenSet;
		},
		async read(): Promise<TokenSet | undefined> {
			near = await attempt('read', () => traceStore(store, 'read', () => store.get(key)));
			return near;
		},
		async write(tokenSet: TokenSet, ttl: number | undefined): Promise<void> {
			near = tokenSet;
			await attempt('write', () => traceStore(store, 'write', () => store.set(key, tokenSet, { ttl })));
		},
		async remove(): Promise<void> {
			near = undefined;
			await attempt('delete', () => traceStore(store, 'delete', () => store.delete(key)));
		},
		/** Replace `expected` by `next` only if it is still stored (atomically when the store can); `true` when replaced. */
		async replace(expected: TokenSet | undefined, next: TokenSet | undefined): Promise<boolean> {
			if (sameTokenSet(near, expected)) near = next;
			if (store.compareAndSet) {
				return attempt('compare-and-set', () => traceStore(store, 'compare-and-set', () => store.compareAndSet!(key, expected, next)));
			}
			await attempt(next ? 'write' : 'delete', () =>
				traceStore(store, next ? 'write' : 'delete', () => (next ? store.set(key, next) : store.delete(key))),
			);
			return true;
		},
		/**
		 * Run `fn` inside the store's lock when it has one. A failure to take the lock is a {@link StoreError}; what
		 * `fn` throws passes through as it is.
		 */
		async locked<T>(fn: () => Promise<T>, options: TokenStoreLockOptions): Promise<T> {
			if (!store.withLock) return fn();
			let inside = false;
			try {
				return await traceLockWait(store, options, () =>
					store.withLock!(
						key,
						() => {
							inside = true;
							noteLockAcquired(options);
							return fn();
						},
						options,
					),
				);
			} catch (error) {
				// A caller who stopped waiting gets their own reason, as everywhere.
				throw inside || options.signal?.aborted ? error : asStoreError(error, 'lock');
			}
		},
	};
}

/** One session's entry in its store: see {@link createSessionStore}. */
export type SessionStore = ReturnType<typeof createSessionStore>;
