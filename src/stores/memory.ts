import { LRUCache } from 'lru-cache';
import { markStoreKind } from '../diagnostics/store-kind.js';
import { requirePositiveInteger } from '../options.js';
import type { TokenSet } from '../token-set.js';
import { createLocalLock } from './local-lock.js';
import { sameTokenSet, type TokenStore, type TokenStoreSetOptions } from './store.js';

/** Options of {@link createMemoryStore}. */
export interface MemoryStoreOptions {
	/** Most sessions kept; the least recently used is dropped first. Default 1 000. */
	readonly max?: number;
}

/**
 * An in-memory {@link TokenStore} on lru-cache: bounded, many keys (one per tenant or session).
 * Share one between many managers of a multi-tenant server; its lock serialises token requests per key
 * within this process.
 * @example
 * const store = createMemoryStore({ max: 10_000 });
 * const managerFor = (tenant) => createTokenManager(squidex(tenant), { store });
 */
export function createMemoryStore(options: MemoryStoreOptions = {}): TokenStore {
	const max = requirePositiveInteger(options.max ?? 1_000, 'max');
	// No ttlAutopurge: expiry is checked lazily on read, so the store arms no timers.
	const cache = new LRUCache<string, TokenSet>({ max });
	const withLocalLock = createLocalLock();

	const store: TokenStore = {
		async get(key) {
			return cache.get(key);
		},
		async set(key, tokenSet, setOptions: TokenStoreSetOptions = {}) {
			cache.set(key, tokenSet, setOptions.ttl ? { ttl: Math.ceil(setOptions.ttl) } : {});
		},
		async delete(key) {
			cache.delete(key);
		},
		async compareAndSet(key, expected, next) {
			if (!sameTokenSet(cache.get(key), expected)) return false;
			if (next === undefined) cache.delete(key);
			else cache.set(key, next);
			return true;
		},
		withLock: (key, fn, lockOptions) => withLocalLock(key, fn, lockOptions),
	};
	markStoreKind(store, 'memory');
	return store;
}
