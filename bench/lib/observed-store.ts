import type { TokenStore } from 'tokenkeeper';
import type { RedisTokenStore } from 'tokenkeeper/redis';
import type { StoreTransition } from './session-protocol.js';

/**
 * The store with every outcome change of its operations recorded (ok -> failed, failed -> ok), so the benchmark
 * can tell when this process lost Redis and when it was back on it. Only the lock itself counts for `withLock`:
 * what runs inside it is the manager's business.
 */
export function observeStore(store: RedisTokenStore, transitions: StoreTransition[]): TokenStore {
	let last: boolean | undefined;
	const record = (operation: string, ok: boolean) => {
		if (ok === last) return;
		last = ok;
		// Bounded: a flapping connection must not eat the worker's memory.
		if (transitions.length < 1_000) transitions.push({ at: Date.now(), ok, operation });
	};
	const observe = async <T>(operation: string, work: () => Promise<T>): Promise<T> => {
		try {
			const result = await work();
			record(operation, true);
			return result;
		} catch (error) {
			record(operation, false);
			throw error;
		}
	};
	return {
		get: (key) => observe('get', () => store.get(key)),
		set: (key, tokenSet, options) => observe('set', () => store.set(key, tokenSet, options)),
		delete: (key) => observe('delete', () => store.delete(key)),
		compareAndSet: (key, expected, next) => observe('compareAndSet', () => store.compareAndSet(key, expected, next)),
		async withLock(key, fn, options) {
			let inside = false;
			try {
				return await store.withLock(
					key,
					() => {
						inside = true;
						record('withLock', true);
						return fn();
					},
					options,
				);
			} catch (error) {
				if (!inside) record('withLock', false);
				throw error;
			}
		},
	};
}
