import { StoreError } from '../../errors.js';
import { createMemoryStorage } from '../../key-value-storage.js';
import { invalidOption } from '../../options.js';
import { fromTokenSetRecord, toTokenSetRecord } from '../../token-set.js';
import { createMemoryStore } from '../memory.js';
import { sameTokenSet, type TokenStore } from '../store.js';
import { type IndexedDbKit, type IndexedDbStoreOptions, indexedDbStore } from './indexed-db-store.js';
import { createTabLock } from './tab-lock.js';

export type { IndexedDbStoreOptions };

/** What the IndexedDB store uses besides IndexedDB, as this build has it (indexed-db-store.ts). */
export const indexedDbKit: IndexedDbKit = {
	StoreError,
	createMemoryStorage,
	createMemoryStore,
	createTabLock,
	fromTokenSetRecord,
	invalidOption,
	sameTokenSet,
	toTokenSetRecord,
};

/**
 * A {@link TokenStore} in IndexedDB, shared by every tab of the origin: the store to use when tabs share a
 * session with rotating refresh tokens. Unlike `localStorage`, whose copies in other tabs' processes are
 * updated asynchronously (a tab that takes the lock right after another can still read the old refresh
 * token, and reuse it), an IndexedDB read after the lock hand-off sees the committed rotation.
 * @example
 * createAuthorizationCodeFlow(sqowey({ clientId, redirectUri }), { store: createIndexedDbStore() });
 */
export function createIndexedDbStore(options: IndexedDbStoreOptions = {}): Required<TokenStore> {
	return indexedDbStore(indexedDbKit, options);
}
