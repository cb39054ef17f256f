import type { TokenSet } from '../token-set.js';

/** Options of {@link TokenStore.set}. */
export interface TokenStoreSetOptions {
	/** How long the store should keep the entry, in ms; `undefined` = until replaced or deleted. */
	readonly ttl?: number | undefined;
}

/** Options of {@link TokenStore.withLock}. */
export interface TokenStoreLockOptions {
	/** Longest time one holder keeps the lock, in ms; a dead holder blocks others no longer than this. */
	readonly ttl?: number | undefined;
	/** Aborts waiting for the lock. */
	readonly signal?: AbortSignal | undefined;
}

/**
 * Where token sets live: in memory (default), browser storage, or Redis for many processes.
 * Keys are opaque strings derived from the endpoint, client id and user, never from a secret.
 */
export interface TokenStore {
	/** The session's token set, or `undefined`. Called on every `getToken()`: keep it cheap. */
	get(key: string): Promise<TokenSet | undefined>;
	/** Store a token set, losslessly (tokens included), for `options.ttl` ms when given. */
	set(key: string, tokenSet: TokenSet, options?: TokenStoreSetOptions): Promise<void>;
	/** Forget the session. */
	delete(key: string): Promise<void>;
	/**
	 * Replace the entry only if it still holds `expected` (matched by access token; `undefined` = no entry).
	 * `next` = `undefined` deletes. Resolves `true` when it replaced.
	 */
	compareAndSet?(key: string, expected: TokenSet | undefined, next: TokenSet | undefined): Promise<boolean>;
	/**
	 * Run `fn` while holding this key's lock: one holder at a time, across whatever the store spans
	 * (a process, browser tabs, a Redis cluster). Every token request of a session runs inside it.
	 */
	withLock?<T>(key: string, fn: () => Promise<T>, options?: TokenStoreLockOptions): Promise<T>;
}

/** Same token set, judged by its access token (stores that serialise cannot compare by reference). */
export function sameTokenSet(a: TokenSet | undefined, b: TokenSet | undefined): boolean {
	return a?.accessToken === b?.accessToken;
}
