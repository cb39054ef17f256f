import { IDBFactory } from 'fake-indexeddb';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
	createAuthorizationCodeFlow,
	createClient,
	createMemoryStore,
	createTokenManager,
	ErrorCode,
	isTokenkeeperError,
	oauth2,
} from '../../src/index.js';
import { createMemoryStorage } from '../../src/key-value-storage.js';
import { FAST, testProvider } from '../_helpers/manager.js';
import { API_URL, TOKEN_URL, useMockServer } from '../_helpers/token-server.js';
import { createDpopMockServer } from './dpop-mock-server.js';

const mock = createDpopMockServer();
useMockServer(...mock.handlers);
const { state } = mock;

const provider = oauth2({
	authorizationEndpoint: 'https://auth.test/authorize',
	tokenEndpoint: TOKEN_URL,
	clientId: 'spa',
	redirectUri: 'https://app.test/callback',
});

/** A page of the SPA: a flow over the origin's IndexedDB (fake-indexeddb, the global for this test). */
function page(storage: 'local' | 'session' = 'local') {
	return createAuthorizationCodeFlow(provider, { ...FAST, dpop: true, storage, attemptStorage: attempts });
}
let attempts = createMemoryStorage();

async function login(flow: ReturnType<typeof page>): Promise<string> {
	const url = new URL(await flow.createAuthorizationUrl());
	await flow.handleCallback(`https://app.test/callback?code=c&state=${url.searchParams.get('state')}`);
	return url.searchParams.get('dpop_jkt')!;
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
	try {
		await promise;
	} catch (error) {
		return error;
	}
	throw new Error('expected a rejection');
}

describe('DPoP keys in IndexedDB (storage "local" and "session", fake-indexeddb)', () => {
	beforeEach(() => {
		mock.reset();
		attempts = createMemoryStorage();
		Object.assign(globalThis, { indexedDB: new IDBFactory() });
	});
	afterEach(() => {
		Reflect.deleteProperty(globalThis, 'indexedDB');
		Reflect.deleteProperty(globalThis, 'sessionStorage');
	});

	it('login on one page, callback on the next (a redirect): one key, the one dpop_jkt named; a third page signs with it too', async () => {
		const before = page();
		const url = new URL(await before.createAuthorizationUrl());
		const jkt = url.searchParams.get('dpop_jkt');
		// The redirect: a new page, a new flow object, the same origin's IndexedDB.
		const after = page();
		await after.handleCallback(`https://app.test/callback?code=c&state=${url.searchParams.get('state')}`);
		expect(state.tokenSends[0]!.proof!.jkt).toBe(jkt);
		const third = page();
		const api = createClient({ prefixUrl: `${API_URL}/v1/`, auth: third.tokens, retry: 0 });
		expect(await api.get('things').json()).toEqual({ ok: true });
		expect(state.apiSends[0]!.proof!.jkt).toBe(jkt);
	});

	it('two tabs making the key at one instant: one key kept, both sign with it', async () => {
		const [a, b] = [page(), page()];
		const [urlA, urlB] = await Promise.all([a.createAuthorizationUrl(), b.createAuthorizationUrl()]);
		expect(new URL(urlA).searchParams.get('dpop_jkt')).toBe(new URL(urlB).searchParams.get('dpop_jkt'));
	});

	it('logout drops the key; the next login makes a new one', async () => {
		const first = await login(page());
		const flow = page();
		await flow.logout();
		const second = await login(page());
		expect(second).not.toBe(first);
	});

	it('the key deleted from IndexedDB (site data cleared) while the tokens stay: a clean LoginRequiredError, no request', async () => {
		Object.assign(globalThis, { sessionStorage: createMemoryStorage() });
		await login(page('session'));
		// The user clears the key's database; sessionStorage keeps the tokens.
		Object.assign(globalThis, { indexedDB: new IDBFactory() });
		const api = createClient({ prefixUrl: `${API_URL}/v1/`, auth: page('session').tokens, retry: 0 });
		const before = state.apiSends.length;
		const error = await rejection(api.get('things'));
		expect(isTokenkeeperError(error) && error.code).toBe(ErrorCode.LoginRequired);
		expect(state.apiSends.length - before).toBe(0);
	});
});

describe('DPoP keys shared by Node processes (one store)', () => {
	beforeEach(() => mock.reset());

	it('dpop: true in two processes over one store: the second fails with ERR_DPOP before sending, not a 401 loop', async () => {
		const store = createMemoryStore();
		const first = createTokenManager(testProvider(), { ...FAST, dpop: true, store });
		await createClient({ prefixUrl: `${API_URL}/v1/`, auth: first, retry: 0 }).get('things');
		const second = createTokenManager(testProvider(), { ...FAST, dpop: true, store });
		const before = state.apiSends.length;
		const error = await rejection(createClient({ prefixUrl: `${API_URL}/v1/`, auth: second, retry: 0 }).get('things'));
		expect(isTokenkeeperError(error) && error.code).toBe(ErrorCode.Dpop);
		expect((error as Error).message).toMatch(/dpop: \{ keyPair \}/);
		expect(state.apiSends.length - before).toBe(0);
	});

	it('one key shared as a JWK, imported with Web Crypto in each process: both sign with it, one token serves both', async () => {
		// What docs/dpop.md shows: the private JWK comes from a secret store; each process imports it, non-extractable.
		const made = (await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, ['sign', 'verify'])) as CryptoKeyPair;
		const sharedJwk = await crypto.subtle.exportKey('jwk', made.privateKey);
		const importPair = async (): Promise<CryptoKeyPair> => {
			const { d: _private, key_ops: _ops, ...publicJwk } = sharedJwk;
			return {
				privateKey: await crypto.subtle.importKey('jwk', sharedJwk, { name: 'ECDSA', namedCurve: 'P-256' }, false, ['sign']),
				publicKey: await crypto.subtle.importKey('jwk', publicJwk, { name: 'ECDSA', namedCurve: 'P-256' }, true, ['verify']),
			};
		};
		const store = createMemoryStore();
		const processes = [await importPair(), await importPair()].map((keyPair) =>
			createClient({
				prefixUrl: `${API_URL}/v1/`,
				auth: createTokenManager(testProvider(), { ...FAST, dpop: { keyPair }, store }),
				retry: 0,
			}),
		);
		for (const api of processes) expect(await api.get('things').json()).toEqual({ ok: true });
		expect(state.tokenSends).toHaveLength(1);
		expect(new Set(state.apiSends.map((send) => send.proof!.jkt)).size).toBe(1);
	});
});
