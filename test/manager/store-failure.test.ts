import { IDBFactory } from 'fake-indexeddb';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { createIndexedDbStore, createMemoryStore, createTokenManager, ErrorCode, isStoreError, oauth2 } from '../../src/index.js';
import { createMemoryStorage } from '../../src/key-value-storage.js';
import { createClock, FAST, testProvider } from '../_helpers/manager.js';
import { instrumentStore } from '../_helpers/stores.js';
import { createTokenEndpoint, SECRET, startMockServer, TOKEN_URL } from '../_helpers/token-server.js';

const endpoint = createTokenEndpoint();
const server = startMockServer(endpoint.handler);
afterAll(() => server.close());
beforeEach(() => endpoint.reset());

const HOUR = 3600_000;

/** A session whose primary grant needs a person and whose refresh token rotates (as Sqowey's). */
const rotatingProvider = () =>
	oauth2({ tokenEndpoint: TOKEN_URL, clientId: 'spa', grant: 'authorization_code', redirectUri: 'https://app.test/callback' });

function errorsOf(manager: ReturnType<typeof createTokenManager>): unknown[] {
	const errors: unknown[] = [];
	manager.on('error', ({ error }) => errors.push(error));
	return errors;
}

describe('when the store fails', () => {
	it('a fresh token this process holds is still served, with no store call', async () => {
		const counted = instrumentStore(createMemoryStore());
		const manager = createTokenManager(testProvider(), { ...FAST, store: counted.store });
		const token = await manager.getToken();
		counted.setDown(true);
		const before = counted.total();
		for (let i = 0; i < 100; i++) expect((await manager.getToken()).accessToken).toBe(token.accessToken);
		expect(counted.total()).toBe(before);
	});

	it('client credentials, storeFailure "bypass" (the default) -> a token without the lock, 1 store call, an ERR_STORE error event', async () => {
		const counted = instrumentStore(createMemoryStore());
		counted.setDown(true);
		const manager = createTokenManager(testProvider(), { ...FAST, store: counted.store });
		const errors = errorsOf(manager);
		const token = await manager.getToken();
		expect(token.accessToken).toBe('access-1');
		// One store call (the read that failed): no lock attempt, no write, so one store timeout per call at most.
		expect(counted.calls).toEqual({ get: 1, set: 0, delete: 0, compareAndSet: 0, withLock: 0 });
		expect(errors).toHaveLength(1);
		expect(errors[0]).toMatchObject({ code: ErrorCode.Store, name: 'StoreError', store: 'the token store' });
		expect((errors[0] as Error).cause).toMatchObject({ code: 'ECONNREFUSED' });
		// Kept in this process: the next calls cost nothing, the store stays untouched.
		await manager.getToken();
		expect(endpoint.seen).toHaveLength(1);
		expect(counted.calls.get).toBe(1);
	});

	it('100 concurrent cold calls while the store is down -> 1 token request (single flight holds without the lock)', async () => {
		const counted = instrumentStore(createMemoryStore());
		counted.setDown(true);
		const manager = createTokenManager(testProvider(), { ...FAST, store: counted.store });
		await Promise.all(Array.from({ length: 100 }, () => manager.getToken()));
		expect(endpoint.seen).toHaveLength(1);
	});

	it('storeFailure "fail" -> ERR_STORE, no token request', async () => {
		const counted = instrumentStore(createMemoryStore());
		counted.setDown(true);
		const manager = createTokenManager(testProvider(), { ...FAST, store: counted.store, storeFailure: 'fail' });
		const error = await manager.getToken().catch((caught: unknown) => caught);
		expect(isStoreError(error)).toBe(true);
		expect((error as Error).message).toMatch(/token store failed \(read\): connect ECONNREFUSED.*Check the store/);
		expect(endpoint.seen).toHaveLength(0);
	});

	it('a session with a rotating refresh token -> ERR_STORE, never a refresh without the lock', async () => {
		const clock = createClock();
		const counted = instrumentStore(createMemoryStore());
		const manager = createTokenManager(rotatingProvider(), { ...FAST, store: counted.store, now: clock.now });
		await manager.setTokens({ accessToken: 'a-1', refreshToken: 'r-1', expiresIn: 3600 });
		clock.advance(HOUR);
		counted.setDown(true);
		await expect(manager.getToken()).rejects.toMatchObject({ code: ErrorCode.Store });
		expect(endpoint.seen).toHaveLength(0);
		// Back up: the refresh happens, inside the lock.
		counted.setDown(false);
		endpoint.respond(() => endpoint.issue({ refresh_token: 'r-2' }));
		await manager.getToken();
		expect(endpoint.seen.map((request) => request.params.grant_type)).toEqual(['refresh_token']);
		expect(counted.calls.withLock).toBe(1);
	});

	it('the store fails to save a new token -> the caller still gets it, this process keeps it, an error event says so', async () => {
		const counted = instrumentStore(createMemoryStore());
		const manager = createTokenManager(testProvider(), { ...FAST, store: counted.store, storeFailure: 'fail' });
		const errors = errorsOf(manager);
		const original = counted.store.set;
		counted.store.set = async () => {
			throw new Error('OOM command not allowed when used memory > maxmemory');
		};
		const token = await manager.getToken();
		counted.store.set = original;
		expect(token.accessToken).toBe('access-1');
		expect(errors).toMatchObject([{ code: ErrorCode.Store }]);
		expect((await manager.getToken()).accessToken).toBe('access-1');
		expect(endpoint.seen).toHaveLength(1);
	});

	it('no store failure message or field carries a secret', async () => {
		const counted = instrumentStore(createMemoryStore(), { failWith: () => new Error('connection reset') });
		counted.setDown(true);
		const manager = createTokenManager(testProvider(), { ...FAST, store: counted.store, storeFailure: 'fail' });
		const error = await manager.getToken().catch((caught: unknown) => caught);
		expect(JSON.stringify(error)).not.toContain(SECRET);
		expect(String((error as Error).stack)).not.toContain(SECRET);
	});
});

describe('IndexedDB that cannot open (a private window, site data cleared)', () => {
	/** An IDBFactory whose open() fails as browsers fail it. */
	function refusingFactory(): IDBFactory {
		const factory = new IDBFactory();
		factory.open = () => {
			throw new DOMException('The user denied permission to access the database.', 'InvalidStateError');
		};
		return factory;
	}

	it("falls back to this tab's memory with one ERR_STORE event; the session works and is not lost", async () => {
		const events: unknown[] = [];
		const store = createIndexedDbStore({
			indexedDB: refusingFactory(),
			locks: null,
			lockStorage: createMemoryStorage(),
			onFallback: ({ error }) => events.push(error),
		});
		const manager = createTokenManager(testProvider(), { ...FAST, store });
		const token = await manager.getToken();
		expect((await store.get(manager.key))?.accessToken).toBe(token.accessToken);
		await manager.getToken();
		expect(endpoint.seen).toHaveLength(1);
		expect(events).toHaveLength(1);
		expect(events[0]).toMatchObject({
			code: ErrorCode.Store,
			store: 'IndexedDB',
			message: expect.stringMatching(/keeps the session in memory/),
		});
	});
});
