import type { StoreError } from '../../errors.js';
import { promised } from '../../indexed-db-requests.js';
import type { createMemoryStorage, KeyValueStorage } from '../../key-value-storage.js';
import type { invalidOption } from '../../options.js';
import type { fromTokenSetRecord, TokenSet, toTokenSetRecord } from '../../token-set.js';
import type { createMemoryStore } from '../memory.js';
import type { sameTokenSet, TokenStore } from '../store.js';
import type { createTabLock, LockManagerLike } from './tab-lock.js';

/** Options of {@link createIndexedDbStore}. */
export interface IndexedDbStoreOptions {
	/** The database name. Default `tokenkeeper`. */
	readonly databaseName?: string | undefined;
	/** Default: the global `indexedDB`. */
	readonly indexedDB?: IDBFactory | undefined;
	/** Web Locks for the cross-tab lock; `null` forces the storage-lease fallback. Default `navigator.locks`. */
	readonly locks?: LockManagerLike | null | undefined;
	/** Where the lock's fallback lease lives when Web Locks are missing. Default `localStorage`. */
	readonly lockStorage?: KeyValueStorage | undefined;
	/**
	 * Called once if IndexedDB fails (it cannot open in a private window, the user cleared site data, the disk is
	 * full): the store then keeps sessions in this tab's memory, unshared and gone with the tab, instead of failing.
	 */
	readonly onFallback?: ((event: { readonly error: StoreError }) => void) | undefined;
}

const STORE = 'tokens';

/** What the store works with besides IndexedDB: the helpers of the build that loads it (`indexedDbKit`, indexed-db.ts). */
export interface IndexedDbKit {
	readonly StoreError: typeof StoreError;
	readonly createMemoryStorage: typeof createMemoryStorage;
	readonly createMemoryStore: typeof createMemoryStore;
	readonly createTabLock: typeof createTabLock;
	readonly fromTokenSetRecord: typeof fromTokenSetRecord;
	readonly invalidOption: typeof invalidOption;
	readonly sameTokenSet: typeof sameTokenSet;
	readonly toTokenSetRecord: typeof toTokenSetRecord;
}

/**
 * The IndexedDB store of {@link createIndexedDbStore}, made with `kit`: in the browser build this module is loaded on
 * demand (a chunk of its own), and the kit hands it what the app's bundle already holds instead of copies.
 */
export function indexedDbStore(kit: IndexedDbKit, options: IndexedDbStoreOptions): Required<TokenStore> {
	const { toTokenSetRecord, fromTokenSetRecord, sameTokenSet } = kit;
	const factory = options.indexedDB ?? (globalThis as { indexedDB?: IDBFactory }).indexedDB;
	if (!factory) throw kit.invalidOption('indexedDB', 'an IDBFactory', factory);
	const lockStorage = options.lockStorage ?? (globalThis as { localStorage?: KeyValueStorage }).localStorage;
	const withTabLock = kit.createTabLock({ storage: lockStorage ?? kit.createMemoryStorage(), locks: options.locks });
	// Opened once, at the first use. It is never opened again after a failure: the store then lives in memory.
	let database: Promise<IDBDatabase> | undefined;
	// When IndexedDB fails (it cannot open, the disk is full, site data was cleared), the session must not be
	// lost: from then on this tab keeps it in memory, and says so once.
	const memory = kit.createMemoryStore();
	let fallenBack = false;

	function open(): Promise<IDBDatabase> {
		return new Promise((resolve, reject) => {
			const request = factory!.open(options.databaseName ?? 'tokenkeeper', 1);
			request.onupgradeneeded = () => request.result.createObjectStore(STORE);
			request.onsuccess = () => resolve(request.result);
			request.onerror = () => reject(request.error);
			request.onblocked = () => reject(new Error('IndexedDB is blocked by an older version open in another tab'));
		});
	}

	/**
	 * Run `work` in one transaction of the database and resolve once it is committed; once IndexedDB has failed,
	 * run `inMemory` instead.
	 */
	async function run<T>(mode: IDBTransactionMode, work: (store: IDBObjectStore) => Promise<T>, inMemory: () => Promise<T>): Promise<T> {
		if (!fallenBack) {
			try {
				database ??= open();
				const transaction = (await database).transaction(STORE, mode);
				const committed = new Promise((resolve, reject) => {
					transaction.oncomplete = resolve;
					transaction.onerror = transaction.onabort = () => reject(transaction.error);
				});
				const result = await work(transaction.objectStore(STORE));
				await committed;
				return result;
			} catch (error) {
				fallBack(error);
			}
		}
		return inMemory();
	}

	function fallBack(error: unknown): void {
		if (fallenBack) return;
		fallenBack = true;
		const said = error instanceof Error && error.message ? ` (${error.message})` : '';
		options.onFallback?.({
			error: new kit.StoreError(`IndexedDB failed${said}: this tab keeps the session in memory, unshared and lost when it closes.`, {
				store: 'IndexedDB',
				cause: error,
			}),
		});
	}

	/** A stored entry: the token set's record, and when it stops being served (`set`'s ttl). */
	const entry = (tokenSet: TokenSet, ttl?: number) => ({ ...toTokenSetRecord(tokenSet), until: ttl ? Date.now() + ttl : undefined });
	const read = async (store: IDBObjectStore, key: string): Promise<TokenSet | undefined> => {
		const value = await promised(store.get(key));
		const until = (value as { until?: unknown } | undefined)?.until;
		return typeof until === 'number' && until <= Date.now() ? undefined : fromTokenSetRecord(value);
	};

	return {
		get: (key) =>
			run(
				'readonly',
				(store) => read(store, key),
				() => memory.get(key),
			),
		set: (key, tokenSet, setOptions) =>
			run(
				'readwrite',
				async (store) => void (await promised(store.put(entry(tokenSet, setOptions?.ttl), key))),
				() => memory.set(key, tokenSet, setOptions),
			),
		delete: (key) =>
			run(
				'readwrite',
				async (store) => void (await promised(store.delete(key))),
				() => memory.delete(key),
			),
		// One readwrite transaction: the compare and the write cannot interleave with another tab's.
		compareAndSet: (key, expected, next) =>
			run(
				'readwrite',
				async (store) => {
					if (!sameTokenSet(await read(store, key), expected)) return false;
					await promised(next === undefined ? store.delete(key) : store.put(entry(next), key));
					return true;
				},
				() => memory.compareAndSet!(key, expected, next),
			),
		withLock: (key, fn, lockOptions) => withTabLock(`tokenkeeper:lock:${key}`, fn, lockOptions?.signal, lockOptions?.ttl),
	};
}
