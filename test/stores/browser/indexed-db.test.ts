import { IDBFactory } from 'fake-indexeddb';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createMemoryStorage, type KeyValueStorage } from '../../../src/key-value-storage.js';
import { createIndexedDbStore } from '../../../src/stores/browser/indexed-db.js';
import { describeTokenStoreConformance } from '../conformance.js';

// fake-indexeddb is a complete IndexedDB in memory (it passes most of the W3C IndexedDB tests); the same suite runs
// against the real IndexedDB of Chromium, Firefox ESR and WebKitGTK in test/browser/indexed-db.test.ts. Node has no
// Web Locks, so the lock is the lease fallback on a storage the handles share, as tabs share localStorage.
let indexedDB = new IDBFactory();
let lockStorage: KeyValueStorage = createMemoryStorage();
const handle = () => createIndexedDbStore({ indexedDB, lockStorage, locks: null });

describeTokenStoreConformance(
	'IndexedDB (fake-indexeddb, lease lock)',
	{
		create: () => {
			indexedDB = new IDBFactory();
			lockStorage = createMemoryStorage();
			return handle();
		},
		peer: () => handle(),
	},
	{ describe, it, expect, beforeEach, afterEach },
);
