import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createMemoryStorage, type KeyValueStorage } from '../../../src/key-value-storage.js';
import { createWebStorageStore } from '../../../src/stores/browser/web-storage.js';
import { describeTokenStoreConformance } from '../conformance.js';

// A second store on the same storage behaves like a second tab of the origin (the lease fallback of the lock).
let storage: KeyValueStorage = createMemoryStorage();
describeTokenStoreConformance(
	'web storage (lease lock)',
	{
		create: () => {
			storage = createMemoryStorage();
			return createWebStorageStore({ storage, locks: null });
		},
		peer: () => createWebStorageStore({ storage, locks: null }),
	},
	{ describe, it, expect, beforeEach, afterEach },
);
