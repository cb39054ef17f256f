import { afterEach, describe, expect, it, vi } from 'vitest';
import { createMemoryStorage, type KeyValueStorage } from '../../../src/key-value-storage.js';
import { createWebStorageStore } from '../../../src/stores/browser/web-storage.js';
import { createTabLock } from '../../../src/stores/browser/tab-lock.js';
import { createTokenSet } from '../../../src/token-set.js';

afterEach(() => vi.useRealTimers());

/** A storage that throws QuotaExceededError on every write while `full` is true. */
function fullableStorage() {
	const inner = createMemoryStorage();
	const storage = {
		full: false,
		getItem: (key: string) => inner.getItem(key),
		setItem(key: string, value: string) {
			if (storage.full) throw new DOMException('The quota has been exceeded.', 'QuotaExceededError');
			inner.setItem(key, value);
		},
		removeItem: (key: string) => inner.removeItem(key),
	};
	return storage;
}

const sample = () =>
	createTokenSet({ accessToken: 'AT-a', refreshToken: 'RT-a', idToken: 'ID-a', scope: 'identity', expiresIn: 3600, tokenType: 'bearer' });

describe('web storage store', () => {
	it('round-trips a token set without loss', async () => {
		const store = createWebStorageStore({ storage: createMemoryStorage(), locks: null });
		const tokenSet = sample();
		await store.set('k', tokenSet);
		const back = await store.get('k');
		expect([back?.accessToken, back?.refreshToken, back?.idToken, back?.scope, back?.expiresAt, back?.tokenType]).toEqual([
			'AT-a',
			'RT-a',
			'ID-a',
			'identity',
			tokenSet.expiresAt,
			'Bearer',
		]);
	});

	it('a full storage (QuotaExceededError) breaks neither the session nor the lock', async () => {
		const storage = fullableStorage();
		const store = createWebStorageStore({ storage, locks: null });
		storage.full = true;
		await store.set('k', sample());
		expect((await store.get('k'))?.accessToken).toBe('AT-a');
		await expect(store.withLock!('k', async () => 'ran')).resolves.toBe('ran');
		storage.full = false;
		await store.set('k', createTokenSet({ accessToken: 'AT-b' }));
		expect((await store.get('k'))?.accessToken).toBe('AT-b');
	});

	it('sees what another tab wrote to the shared storage', async () => {
		const shared = createMemoryStorage();
		const tab1 = createWebStorageStore({ storage: shared, locks: null });
		const tab2 = createWebStorageStore({ storage: shared, locks: null });
		await tab1.set('k', sample());
		await tab2.set('k', createTokenSet({ accessToken: 'AT-rotated' }));
		expect((await tab1.get('k'))?.accessToken).toBe('AT-rotated');
	});

	it('compareAndSet replaces only the expected set', async () => {
		const store = createWebStorageStore({ storage: createMemoryStorage(), locks: null });
		const a = sample();
		await store.set('k', a);
		expect(await store.compareAndSet!('k', createTokenSet({ accessToken: 'other' }), undefined)).toBe(false);
		expect(await store.compareAndSet!('k', a, undefined)).toBe(true);
		expect(await store.get('k')).toBeUndefined();
	});
});

describe('cross-tab lock (storage-lease fallback)', () => {
	async function exclusive(tabs: number, storage: KeyValueStorage) {
		let holders = 0;
		let most = 0;
		const order: number[] = [];
		const locks = Array.from({ length: tabs }, () => createTabLock({ storage, locks: null, leaseTtl: 1000 }));
		await Promise.all(
			locks.map((withLock, tab) =>
				withLock('tokenkeeper:lock:k', async () => {
					holders += 1;
					most = Math.max(most, holders);
					await new Promise((resolve) => setTimeout(resolve, 10));
					order.push(tab);
					holders -= 1;
				}),
			),
		);
		return { most, order };
	}

	it('a released lock is never held by two waiting tabs at once', async () => {
		const { most, order } = await exclusive(4, createMemoryStorage());
		expect(most).toBe(1);
		expect(order.sort()).toEqual([0, 1, 2, 3]);
	});

	it('a holder that died (tab closed) blocks the others for no more than the lease', async () => {
		const storage = createMemoryStorage();
		storage.setItem('tokenkeeper:lock:k', JSON.stringify({ owner: 'closed-tab', expiresAt: Date.now() + 300 }));
		const withLock = createTabLock({ storage, locks: null, leaseTtl: 300 });
		const started = performance.now();
		await withLock('tokenkeeper:lock:k', async () => undefined);
		const waited = performance.now() - started;
		expect(waited).toBeGreaterThanOrEqual(250);
		expect(waited).toBeLessThan(1500);
	});

	it("the waiting tab's AbortSignal ends its wait", async () => {
		const storage = createMemoryStorage();
		storage.setItem('tokenkeeper:lock:k', JSON.stringify({ owner: 'busy-tab', expiresAt: Date.now() + 60_000 }));
		const withLock = createTabLock({ storage, locks: null });
		await expect(withLock('tokenkeeper:lock:k', async () => 'never', AbortSignal.timeout(100))).rejects.toMatchObject({
			name: 'TimeoutError',
		});
	});

	it("uses Web Locks when present, with the caller's signal", async () => {
		const requests: string[] = [];
		const locks = {
			request<T>(name: string, options: { signal?: AbortSignal }, callback: () => Promise<T>) {
				requests.push(`${name}:${options.signal ? 'signal' : 'none'}`);
				return callback();
			},
		};
		const withLock = createTabLock({ storage: createMemoryStorage(), locks });
		await withLock('n', async () => undefined, new AbortController().signal);
		expect(requests).toEqual(['n:signal']);
	});
});
