import type { TokenSet } from '../token-set.js';
import { createLocalLock } from './local-lock.js';
import { sameTokenSet, type TokenStore } from './store.js';

/**
 * The smallest in-memory {@link TokenStore}: a Map, no eviction. The browser build's default, where one
 * manager holds one session and lru-cache would only add weight.
 */
export function createSessionMemoryStore(): TokenStore {
	const items = new Map<string, TokenSet>();
	const withLocalLock = createLocalLock();
	return {
		async get(key) {
			return items.get(key);
		},
		async set(key, tokenSet) {
			items.set(key, tokenSet);
		},
		async delete(key) {
			items.delete(key);
		},
		async compareAndSet(key, expected, next) {
			if (!sameTokenSet(items.get(key), expected)) return false;
			if (next === undefined) items.delete(key);
			else items.set(key, next);
			return true;
		},
		withLock: (key, fn) => withLocalLock(key, fn),
	};
}
