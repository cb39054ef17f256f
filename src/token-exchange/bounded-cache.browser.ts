import type { BoundedCache } from './bounded-cache.js';

/**
 * The browser build's {@link BoundedCache}: a Map kept in recency order (its first key is the least recently used), so
 * browser bundles never carry lru-cache for a token exchange a page may not even use.
 */
export function createBoundedCache<V extends object>(max: number): BoundedCache<V> {
	const items = new Map<string, V>();
	return {
		get(key) {
			const value = items.get(key);
			if (value !== undefined) {
				items.delete(key);
				items.set(key, value);
			}
			return value;
		},
		set(key, value) {
			items.delete(key);
			items.set(key, value);
			if (items.size > max) items.delete(items.keys().next().value as string);
		},
		delete: (key) => void items.delete(key),
	};
}
