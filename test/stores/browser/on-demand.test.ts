import { IDBFactory } from 'fake-indexeddb';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createMemoryStorage, type KeyValueStorage } from '../../../src/key-value-storage.js';
import { once } from '../../../src/once.js';
import { indexedDbKit } from '../../../src/stores/browser/indexed-db.js';
import { indexedDbOnDemand } from '../../../src/stores/browser/indexed-db-on-demand.browser.js';
import { leaseOnDemand } from '../../../src/stores/browser/lease-on-demand.browser.js';
import { describeTokenStoreConformance } from '../conformance.js';

// The browser build's twins of indexed-db-on-demand.ts and lease-on-demand.ts, run in Node: the IndexedDB store and
// the storage lease, each loaded with `import()` at its first use. The same store contract as the store made directly
// (indexed-db.test.ts).
let indexedDB = new IDBFactory();
let lockStorage: KeyValueStorage = createMemoryStorage();
const handle = () => indexedDbOnDemand(indexedDbKit, { indexedDB, lockStorage, locks: null });

describeTokenStoreConformance(
	'IndexedDB loaded on demand (fake-indexeddb, lease lock loaded on demand)',
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

describe('loading on demand', () => {
	it('loads once for concurrent callers, and nothing before the first call', async () => {
		let loads = 0;
		const load = once(async () => {
			loads += 1;
			return { value: loads };
		});
		expect(loads).toBe(0);
		const [a, b] = await Promise.all([load(), load()]);
		expect(a).toBe(b);
		expect(await load()).toBe(a);
		expect(loads).toBe(1);
	});

	it('a load that fails fails that call; the next call loads again', async () => {
		let loads = 0;
		const load = once(async () => {
			loads += 1;
			if (loads === 1) throw new TypeError('Failed to fetch dynamically imported module');
			return 'loaded';
		});
		await expect(load()).rejects.toThrow('Failed to fetch dynamically imported module');
		await expect(load()).resolves.toBe('loaded');
		await expect(load()).resolves.toBe('loaded');
		expect(loads).toBe(2);
	});

	it('leases loaded on demand, one per tab, on one storage: one holder at a time', async () => {
		// Within a tab the local lock comes first (tab-lock.ts): the lease is what tabs hold against each other.
		const storage = createMemoryStorage();
		const tabs = Array.from({ length: 4 }, () => leaseOnDemand({ storage, leaseTtl: 1000 }));
		let holders = 0;
		let most = 0;
		await Promise.all(
			tabs.map((withLease) =>
				withLease(
					'tokenkeeper:lock:k',
					async () => {
						holders += 1;
						most = Math.max(most, holders);
						await new Promise((resolve) => setTimeout(resolve, 10));
						holders -= 1;
					},
					undefined,
					5000,
				),
			),
		);
		expect(most).toBe(1);
	});
});
