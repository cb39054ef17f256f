import { LRUCache } from 'lru-cache';

/** A cache of at most `max` entries, the least recently used evicted first. */
export interface BoundedCache<V> {
	get(key: string): V | undefined;
	set(key: string, value: V): void;
	delete(key: string): void;
}

/** {@link BoundedCache} on lru-cache, made for holding what many users' requests leave behind in a backend. */
export function createBoundedCache<V extends object>(max: number): BoundedCache<V> {
	const cache = new LRUCache<string, V>({ max });
	return { get: (key) => cache.get(key), set: (key, value) => void cache.set(key, value), delete: (key) => void cache.delete(key) };
}
