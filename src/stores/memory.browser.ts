import { requirePositiveInteger } from '../options.js';
import type { TokenSet } from '../token-set.js';
import { createLocalLock } from './local-lock.js';
import type { MemoryStoreOptions } from './memory.js';
import { sameTokenSet, type TokenStore } from './store.js';

/**
 * The browser build's {@link createMemoryStore}: the same contract on a Map kept in recency order, so browser
 * bundles never carry lru-cache (a tab holds a session or a few, not thousands of tenants).
 */
export function createMemoryStore(options: MemoryStoreOptions = {}): TokenStore {
	const max = requirePositiveInteger(options.max ?? 1_000, 'max');
	const items = new Map<string, { tokenSet: TokenSet; expiresAt: number | undefined }>();
	const withLocalLock = createLocalLock();

	function read(key: string): TokenSet | undefined {
		const item = items.get(key);
		if (!item) return undefined;
		if (item.expiresAt !== undefined && item.expiresAt <= Date.now()) {
			items.delete(key);
			return undefined;
		}
		// Re-insert: a Map iterates in insertion order, so the first key is always the least recently used.
		items.delete(key);
		items.set(key, item);
		return item.tokenSet;
	}

	function write(key: string, tokenSet: TokenSet | undefined, ttl?: number): void {
		items.delete(key);
		if (tokenSet === undefined) return;
		items.set(key, { tokenSet, expiresAt: ttl ? Date.now() + ttl : undefined });
		if (items.size > max) items.delete(items.keys().next().value as string);
	}

	return {
		get: async (key) => read(key),
		set: async (key, tokenSet, setOptions = {}) => write(key, tokenSet, setOptions.ttl),
		delete: async (key) => write(key, undefined),
		async compareAndSet(key, expected, next) {
			if (!sameTokenSet(read(key), expected)) return false;
			write(key, next);
			return true;
		},
		withLock: (key, fn, lockOptions) => withLocalLock(key, fn, lockOptions),
	};
}
