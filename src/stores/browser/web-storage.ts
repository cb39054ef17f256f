import { sameTokenSet, type TokenStore } from '../store.js';
import { createTabLock, type LockManagerLike } from './tab-lock.js';
import type { KeyValueStorage } from '../../key-value-storage.js';
import { fromTokenSetRecord, toTokenSetRecord, type TokenSet } from '../../token-set.js';
import { tryParseJson } from '../../try-parse-json.js';

/** Options of {@link createWebStorageStore}. */
export interface WebStorageStoreOptions {
	/** `sessionStorage` (one tab), `localStorage` (every tab of the origin), or any Storage-like object. */
	readonly storage: KeyValueStorage;
	/** Prefix of every key this store writes. Default `tokenkeeper:`. */
	readonly prefix?: string | undefined;
	/** Web Locks for the cross-tab lock; `null` forces the storage-lease fallback. Default `navigator.locks`. */
	readonly locks?: LockManagerLike | null | undefined;
	/** Where the lock's fallback lease lives. Default: `storage`. */
	readonly lockStorage?: KeyValueStorage | undefined;
}

/**
 * A {@link TokenStore} in browser storage. Trade-offs: `sessionStorage` keeps tokens to one tab and dies with it;
 * `localStorage` survives restarts and is seen by every tab, but its copy in another tab's process may lag behind
 * a write, so for a session with rotating refresh tokens shared by tabs use {@link createIndexedDbStore}.
 * Both are readable by any script on the origin (XSS), which memory is not.
 * A full storage (`QuotaExceededError`) does not break the session: the set is then kept in memory for this tab.
 * @example
 * createAuthorizationCodeFlow(sqowey({ clientId, redirectUri }), { store: createWebStorageStore({ storage: localStorage }) });
 */
export function createWebStorageStore(options: WebStorageStoreOptions): TokenStore {
	const { storage } = options;
	const prefix = options.prefix ?? 'tokenkeeper:';
	const overflow = new Map<string, TokenSet>();
	// Parsing on every read would put JSON.parse on the hot path; reuse the set while the text is unchanged.
	const parsed = new Map<string, { text: string; tokenSet: TokenSet | undefined; until: number | undefined }>();
	const withTabLock = createTabLock({ storage: options.lockStorage ?? storage, locks: options.locks });
	const itemKey = (key: string) => `${prefix}tokens:${key}`;

	function read(key: string): TokenSet | undefined {
		const kept = overflow.get(key);
		if (kept) return kept;
		let text: string | null;
		try {
			text = storage.getItem(itemKey(key));
		} catch {
			return undefined;
		}
		if (text === null) return undefined;
		let entry = parsed.get(key);
		if (entry?.text !== text) {
			const record = tryParseJson(text) as { until?: unknown } | null | undefined;
			entry = { text, tokenSet: fromTokenSetRecord(record), until: typeof record?.until === 'number' ? record.until : undefined };
			parsed.set(key, entry);
		}
		if (entry.until !== undefined && entry.until <= Date.now()) {
			write(key, undefined);
			return undefined;
		}
		return entry.tokenSet;
	}

	function write(key: string, tokenSet: TokenSet | undefined, ttl?: number): void {
		parsed.delete(key);
		if (tokenSet === undefined) {
			overflow.delete(key);
			storage.removeItem(itemKey(key));
			return;
		}
		try {
			const until = ttl ? Date.now() + ttl : undefined;
			storage.setItem(itemKey(key), JSON.stringify({ ...toTokenSetRecord(tokenSet), until }));
			overflow.delete(key);
		} catch {
			// Quota exceeded (or storage disabled): keep the session in memory rather than lose it.
			overflow.set(key, tokenSet);
			storage.removeItem(itemKey(key));
		}
	}

	return {
		async get(key) {
			return read(key);
		},
		async set(key, tokenSet, setOptions) {
			write(key, tokenSet, setOptions?.ttl);
		},
		async delete(key) {
			write(key, undefined);
		},
		async compareAndSet(key, expected, next) {
			if (!sameTokenSet(read(key), expected)) return false;
			write(key, next);
			return true;
		},
		withLock(key, fn, lockOptions) {
			return withTabLock(`${prefix}lock:${key}`, fn, lockOptions?.signal, lockOptions?.ttl);
		},
	};
}
