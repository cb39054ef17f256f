/** A Storage-like key/value store: `sessionStorage`, `localStorage`, or an in-memory stand-in. */
export interface KeyValueStorage {
	/** The value, or `null` when there is none. */
	getItem(key: string): string | null;
	/** Store a value; may throw `QuotaExceededError`. */
	setItem(key: string, value: string): void;
	/** Remove a value, if any. */
	removeItem(key: string): void;
}

/**
 * Where a server keeps login attempts between the redirect and the callback: a {@link KeyValueStorage}, or one whose
 * methods return promises (Redis, a database, files), so that the attempt stays on the server and the browser holds
 * only the id of its session. `takeItem`, when present, reads and removes in one step (Redis `GETDEL`): a callback
 * replayed concurrently then finds its attempt once, and its code is exchanged once.
 * @see https://www.rfc-editor.org/rfc/rfc9700#section-4.7.1
 */
export interface AttemptStorage {
	/** The attempt kept under `key`, or `null`. */
	getItem(key: string): string | null | PromiseLike<string | null>;
	/** Keep an attempt (it holds a PKCE verifier: keep it server-side or in the tab, never in a cookie). */
	setItem(key: string, value: string): void | PromiseLike<void>;
	/** Drop the attempt under `key`. */
	removeItem(key: string): void | PromiseLike<void>;
	/**
	 * Read and delete in one step (Redis `GETDEL`), so that a callback arriving twice at once gets the attempt once and
	 * the code is exchanged once. Without it, a get then a remove.
	 */
	takeItem?(key: string): string | null | PromiseLike<string | null>;
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

/** The storage a browser offers under `name`, or `undefined` (Node, workers, sandboxed frames that throw). */
export function browserStorage(name: 'sessionStorage' | 'localStorage'): KeyValueStorage | undefined {
	try {
		const storage = (globalThis as Record<string, unknown>)[name] as KeyValueStorage | undefined;
		return storage && typeof storage.getItem === 'function' ? storage : undefined;
	} catch {
		return undefined;
	}
}

/** Where login attempts may go, in order: `sessionStorage`, then `localStorage`, in browsers; none elsewhere. */
export function attemptStorages(): KeyValueStorage[] {
	return [browserStorage('sessionStorage'), browserStorage('localStorage')].filter((storage) => storage !== undefined);
}
