import type { TokenStore } from '../../src/index.js';

/** Every call a store received, by method. */
export type StoreCalls = Record<'get' | 'set' | 'delete' | 'compareAndSet' | 'withLock', number>;

/**
 * `store` with its calls counted, and a switch that makes every call fail as a driver would (a raw error, after
 * `delayMs`), to play an unreachable store.
 */
export function instrumentStore(store: TokenStore, options: { failWith?: () => Error; delayMs?: number } = {}) {
	const calls: StoreCalls = { get: 0, set: 0, delete: 0, compareAndSet: 0, withLock: 0 };
	let down = false;
	const failWith = options.failWith ?? (() => Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:6379'), { code: 'ECONNREFUSED' }));

	async function gate(): Promise<void> {
		if (!down) return;
		if (options.delayMs) await new Promise((resolve) => setTimeout(resolve, options.delayMs));
		throw failWith();
	}

	const instrumented: TokenStore = {
		async get(key) {
			calls.get += 1;
			await gate();
			return store.get(key);
		},
		async set(key, tokenSet, setOptions) {
			calls.set += 1;
			await gate();
			return store.set(key, tokenSet, setOptions);
		},
		async delete(key) {
			calls.delete += 1;
			await gate();
			return store.delete(key);
		},
		async compareAndSet(key, expected, next) {
			calls.compareAndSet += 1;
			await gate();
			return store.compareAndSet!(key, expected, next);
		},
		async withLock(key, fn, lockOptions) {
			calls.withLock += 1;
			await gate();
			return store.withLock!(key, fn, lockOptions);
		},
	};
	return {
		store: instrumented,
		calls,
		/** Calls made in all, every method together. */
		total: () => Object.values(calls).reduce((sum, count) => sum + count, 0),
		setDown(value: boolean) {
			down = value;
		},
	};
}
