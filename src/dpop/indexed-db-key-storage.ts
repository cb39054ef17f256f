import type { DpopKeyStorage } from './key-storage.js';
import { generateDpopKeyPair } from './key-pair.js';
import { promised } from '../indexed-db-requests.js';

const DATABASE = 'tokenkeeper-dpop';
const STORE = 'keys';
/** The sessionStorage entry naming this tab's keys, for sessions whose tokens live in sessionStorage. */
const TAB_ENTRY = 'tokenkeeper:dpop-tab';

/** What {@link createIndexedDbKeyStorage} needs. */
export interface IndexedDbKeyStorageOptions {
	readonly indexedDB: IDBFactory;
	/** The session's key in its token store. */
	readonly sessionKey: string;
	/**
	 * Where this tab's id is kept, when the tokens live in sessionStorage (one tab's): each tab then has its own key,
	 * which a reload keeps, as it keeps the tokens. `undefined`: the key is the origin's (tokens in IndexedDB, shared).
	 */
	readonly tabStorage?: Pick<Storage, 'getItem' | 'setItem'> | undefined;
}

/**
 * The session's non-extractable key pair in IndexedDB, beside its tokens: a CryptoKey is stored as it is (structured
 * clone), so script in the page can sign with it but never read it out. Every tab of a `'local'` session signs with
 * the one key its tokens are bound to: a new key is made first, then kept only if none is stored, in one readwrite
 * transaction, which IndexedDB runs one at a time across tabs (the cross-tab lock of key creation).
 * @see https://www.rfc-editor.org/rfc/rfc9449#section-11.4
 */
export function createIndexedDbKeyStorage(options: IndexedDbKeyStorageOptions): DpopKeyStorage {
	let database: Promise<IDBDatabase> | undefined;

	function open(): Promise<IDBDatabase> {
		database ??= new Promise((resolve, reject) => {
			const request = options.indexedDB.open(DATABASE, 1);
			request.onupgradeneeded = () => request.result.createObjectStore(STORE);
			request.onsuccess = () => resolve(request.result);
			request.onerror = () => reject(request.error);
		});
		return database;
	}

	function recordKey(): string {
		const tabs = options.tabStorage;
		if (!tabs) return options.sessionKey;
		let tab = tabs.getItem(TAB_ENTRY);
		if (!tab) {
			tab = crypto.randomUUID();
			tabs.setItem(TAB_ENTRY, tab);
		}
		return `${options.sessionKey}|tab:${tab}`;
	}

	return {
		persistent: true,
		async load() {
			const db = await open();
			const id = recordKey();
			const stored = await promised(db.transaction(STORE).objectStore(STORE).get(id) as IDBRequest<CryptoKeyPair | undefined>);
			if (stored) return { keyPair: stored, created: false };
			// Made before the transaction: awaiting anything but IndexedDB inside it would end it.
			const candidate = await generateDpopKeyPair();
			const store = db.transaction(STORE, 'readwrite').objectStore(STORE);
			const winner = (await promised(store.get(id) as IDBRequest<CryptoKeyPair | undefined>)) ?? candidate;
			if (winner === candidate) await promised(store.put(candidate, id));
			return { keyPair: winner, created: winner === candidate };
		},
		async remove() {
			const db = await open();
			await promised(db.transaction(STORE, 'readwrite').objectStore(STORE).delete(recordKey()));
		},
	};
}
