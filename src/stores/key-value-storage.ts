/** A Storage-like key/value store: `sessionStorage`, `localStorage`, or an in-memory stand-in. */
export interface KeyValueStorage {
	/** The value, or `null` when there is none. */
	getItem(key: string): string | null;
	/** Store a value; may throw `QuotaExceededError`. */
	setItem(key: string, value: string): void;
	/** Remove a value, if any. */
	removeItem(key: string): void;
}

/** A Map behind the Storage interface, for servers, CLIs and tests. */
export function createMemoryStorage(): KeyValueStorage {
	const items = new Map<string, string>();
	return {
		getItem: (key) => items.get(key) ?? null,
		setItem: (key, value) => void items.set(key, String(value)),
		removeItem: (key) => void items.delete(key),
	};
}
