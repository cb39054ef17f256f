import { delay, HttpResponse } from 'msw';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import {
	createAuthorizationCodeFlow,
	createMemoryStore,
	createTokenManager,
	ErrorCode,
	type TokenManager,
	type TokenStore,
} from '../../src/index.js';
import { createMemoryStorage } from '../../src/key-value-storage.js';
import { createClock, FAST, testProvider } from '../_helpers/manager.js';
import { storedAccessTokens, storedRecord } from '../_helpers/session-entry.js';
import { instrumentStore } from '../_helpers/stores.js';
import { createTokenEndpoint, startMockServer } from '../_helpers/token-server.js';

// #24: one session, a token per (resource, scope) target. Every rule of the manager holds per target.
const endpoint = createTokenEndpoint();
const server = startMockServer(endpoint.handler);
afterAll(() => server.close());
beforeEach(() => endpoint.reset());

const ORDERS = 'https://orders.test/';
const BILLING = 'https://billing.test/';
const HOUR = 3600_000;
const range = (count: number) => Array.from({ length: count }, (_, index) => index);

/** The token requests seen, as [grant_type, resource, scope]. */
const requests = () => endpoint.seen.map(({ params }) => [params.grant_type, params.resource, params.scope]);

/** Waits (bounded) until the token endpoint has seen `count` requests. */
async function untilSeen(count: number): Promise<void> {
	for (let wait = 0; wait < 100 && endpoint.seen.length < count; wait += 1) await delay(5);
	expect(endpoint.seen).toHaveLength(count);
}

/** Answers each token request after `ms`, counting how many are at the server at once. */
function slowAnswers(ms: number, extra: () => Record<string, string> = () => ({})) {
	const overlap = { now: 0, most: 0 };
	endpoint.respond(async () => {
		overlap.now += 1;
		overlap.most = Math.max(overlap.most, overlap.now);
		await delay(ms);
		overlap.now -= 1;
		return endpoint.issue(extra());
	});
	return overlap;
}

/** A session with a refresh token (as after a login): its tokens for any resource come by refresh, rotated each time. */
async function loginSession(manager: TokenManager): Promise<void> {
	await manager.setTokens({ accessToken: 'login-access', refreshToken: 'refresh-0', expiresIn: 3600, tokenType: 'Bearer' });
	endpoint.respond(() => endpoint.issue({ refresh_token: `refresh-${endpoint.issued + 1}` }));
}

describe('single flight per target', () => {
	it('100 + 100 cold callers for two resources -> 1 token request per resource, each naming its resource', async () => {
		slowAnswers(20);
		const manager = createTokenManager(testProvider(), FAST);
		const tokens = await Promise.all([
			...range(100).map(() => manager.getToken({ resource: ORDERS })),
			...range(100).map(() => manager.getToken({ resource: BILLING })),
		]);
		expect(requests().sort()).toEqual([
			['client_credentials', BILLING, undefined],
			['client_credentials', ORDERS, undefined],
		]);
		const orders = new Set(tokens.slice(0, 100).map(({ accessToken }) => accessToken));
		const billing = new Set(tokens.slice(100).map(({ accessToken }) => accessToken));
		expect([orders.size, billing.size]).toEqual([1, 1]);
		expect([...orders][0]).not.toBe([...billing][0]);
	});

	it('a cached token per resource: later calls for either resource cost no token request', async () => {
		const manager = createTokenManager(testProvider(), FAST);
		const orders = await manager.getToken({ resource: ORDERS });
		const billing = await manager.getToken({ resource: BILLING });
		for (let round = 0; round < 50; round += 1) {
			expect((await manager.getToken({ resource: ORDERS })).accessToken).toBe(orders.accessToken);
			expect((await manager.getToken({ resource: BILLING })).accessToken).toBe(billing.accessToken);
		}
		expect(endpoint.seen).toHaveLength(2);
	});
});

describe('one token request at a time per session, whatever the target', () => {
	it('two targets cold at once (client credentials): the two requests never overlap', async () => {
		const overlap = slowAnswers(30);
		const manager = createTokenManager(testProvider(), FAST);
		await Promise.all([
			...range(10).map(() => manager.getToken({ resource: ORDERS })),
			...range(10).map(() => manager.getToken({ resource: BILLING })),
			...range(10).map(() => manager.getToken()),
		]);
		expect(endpoint.seen).toHaveLength(3);
		expect(overlap.most).toBe(1);
	});

	it('with a store that has no lock of its own: two targets cold at once still never overlap', async () => {
		const overlap = slowAnswers(30);
		const inner = createMemoryStore();
		const store: TokenStore = {
			get: (key) => inner.get(key),
			set: (key, tokenSet, options) => inner.set(key, tokenSet, options),
			delete: (key) => inner.delete(key),
		};
		const manager = createTokenManager(testProvider(), { ...FAST, store });
		await Promise.all([
			...range(5).map(() => manager.getToken({ resource: ORDERS })),
			...range(5).map(() => manager.getToken({ resource: BILLING })),
		]);
		expect(endpoint.seen).toHaveLength(2);
		expect(overlap.most).toBe(1);
	});

	it('two targets cold at once in a session with a refresh token: two refreshes in turn, the second with the rotated token', async () => {
		const manager = createTokenManager(testProvider(), FAST);
		await loginSession(manager);
		// Each answer rotates the refresh token.
		const overlap = slowAnswers(30, () => ({ refresh_token: `refresh-${endpoint.issued + 1}` }));
		await Promise.all([manager.getToken({ resource: ORDERS }), manager.getToken({ resource: BILLING })]);
		expect(overlap.most).toBe(1);
		// Each refresh presents the refresh token the one before returned: never the same one twice.
		expect(endpoint.seen.map(({ params }) => params.refresh_token)).toEqual(['refresh-0', 'refresh-1']);
		expect(endpoint.seen.map(({ params }) => params.resource).sort()).toEqual([BILLING, ORDERS]);
	});

	it('two processes sharing a store, each cold for another target: the store lock keeps the requests apart', async () => {
		const overlap = slowAnswers(30);
		const store = createMemoryStore();
		const [one, two] = [createTokenManager(testProvider(), { ...FAST, store }), createTokenManager(testProvider(), { ...FAST, store })];
		await Promise.all([
			...range(5).map(() => one.getToken({ resource: ORDERS })),
			...range(5).map(() => two.getToken({ resource: BILLING })),
		]);
		expect(endpoint.seen).toHaveLength(2);
		expect(overlap.most).toBe(1);
		// One entry holds both: a third manager on the store is served both tokens without a request.
		const three = createTokenManager(testProvider(), { ...FAST, store });
		await three.getToken({ resource: ORDERS });
		await three.getToken({ resource: BILLING });
		expect(endpoint.seen).toHaveLength(2);
	});
});

describe('one refresh token per session, across processes', () => {
	it('two processes of one login session, each cold for another API at once: refreshes in turn, never the same refresh token twice', async () => {
		const store = createMemoryStore();
		const [one, two] = [createTokenManager(testProvider(), { ...FAST, store }), createTokenManager(testProvider(), { ...FAST, store })];
		await loginSession(one);
		// Each answer rotates the refresh token.
		const overlap = slowAnswers(30, () => ({ refresh_token: `refresh-${endpoint.issued + 1}` }));
		await Promise.all([
			...range(5).map(() => one.getToken({ resource: ORDERS })),
			...range(5).map(() => two.getToken({ resource: BILLING })),
		]);
		expect(overlap.most).toBe(1);
		expect(endpoint.seen.map(({ params }) => params.refresh_token)).toEqual(['refresh-0', 'refresh-1']);
		expect((await store.get(one.key))?.refreshToken).toBe('refresh-2');
	});
});

describe('compare-and-invalidate per target', () => {
	it("invalidating one resource's token drops only it: the other is still served without a token request", async () => {
		const manager = createTokenManager(testProvider(), FAST);
		const orders = await manager.getToken({ resource: ORDERS });
		const billing = await manager.getToken({ resource: BILLING });
		expect(await manager.invalidate(orders)).toBe(true);
		expect((await manager.getToken({ resource: BILLING })).accessToken).toBe(billing.accessToken);
		expect(endpoint.seen).toHaveLength(2);
		const renewed = await manager.getToken({ resource: ORDERS });
		expect(renewed.accessToken).not.toBe(orders.accessToken);
		expect(requests().at(-1)).toEqual(['client_credentials', ORDERS, undefined]);
		expect(endpoint.seen).toHaveLength(3);
	});

	it('a late invalidation of an old token does not drop the newer one', async () => {
		const manager = createTokenManager(testProvider(), FAST);
		const first = await manager.getToken({ resource: ORDERS });
		await manager.invalidate(first);
		const second = await manager.getToken({ resource: ORDERS });
		expect(await manager.invalidate(first)).toBe(false);
		expect((await manager.getToken({ resource: ORDERS })).accessToken).toBe(second.accessToken);
		expect(endpoint.seen).toHaveLength(2);
	});

	it('two APIs reject their tokens at once (the server revoked both): both tokens are dropped, one new token each', async () => {
		const manager = createTokenManager(testProvider(), FAST);
		const orders = await manager.getToken({ resource: ORDERS });
		const billing = await manager.getToken({ resource: BILLING });
		expect(await Promise.all([manager.invalidate(orders), manager.invalidate(billing)])).toEqual([true, true]);
		const renewed = await Promise.all([manager.getToken({ resource: ORDERS }), manager.getToken({ resource: BILLING })]);
		expect(renewed.map(({ accessToken }) => accessToken)).not.toContain(orders.accessToken);
		expect(renewed.map(({ accessToken }) => accessToken)).not.toContain(billing.accessToken);
		expect(requests()).toEqual([
			['client_credentials', ORDERS, undefined],
			['client_credentials', BILLING, undefined],
			['client_credentials', ORDERS, undefined],
			['client_credentials', BILLING, undefined],
		]);
	});

	it('two processes sharing a store, each with an API rejecting its token at once: the store keeps neither token', async () => {
		const store = createMemoryStore();
		const [one, two] = [createTokenManager(testProvider(), { ...FAST, store }), createTokenManager(testProvider(), { ...FAST, store })];
		const orders = await one.getToken({ resource: ORDERS });
		const billing = await one.getToken({ resource: BILLING });
		expect((await two.getToken({ resource: BILLING })).accessToken).toBe(billing.accessToken);
		await Promise.all([one.invalidate(orders), two.invalidate(billing)]);
		const kept = storedAccessTokens(await store.get(one.key));
		expect(kept).not.toContain(orders.accessToken);
		expect(kept).not.toContain(billing.accessToken);
	});

	it("a token obtained for one API while another API's token is invalidated does not bring that token back", async () => {
		const store = createMemoryStore();
		const [one, two] = [createTokenManager(testProvider(), { ...FAST, store }), createTokenManager(testProvider(), { ...FAST, store })];
		const orders = await one.getToken({ resource: ORDERS });
		await one.getToken({ resource: BILLING });
		slowAnswers(40);
		// Process two renews billing (slow, under the lock); meanwhile process one's orders API rejects its token.
		const renewing = two.getToken({ resource: BILLING, forceRefresh: true });
		await delay(10);
		expect(await one.invalidate(orders)).toBe(true);
		await renewing;
		const three = createTokenManager(testProvider(), { ...FAST, store });
		endpoint.respond(() => endpoint.issue());
		expect((await three.getToken({ resource: ORDERS })).accessToken).not.toBe(orders.accessToken);
		expect(requests()).toEqual([
			['client_credentials', ORDERS, undefined],
			['client_credentials', BILLING, undefined],
			['client_credentials', BILLING, undefined],
			['client_credentials', ORDERS, undefined],
		]);
	});
});

describe('a cached per-resource token costs no store I/O', () => {
	it('1 000 + 1 000 getToken() for two resources on fresh tokens -> 0 store calls after the first ones', async () => {
		const counted = instrumentStore(createMemoryStore());
		const manager = createTokenManager(testProvider(), { ...FAST, store: counted.store });
		await manager.getToken({ resource: ORDERS });
		await manager.getToken({ resource: BILLING });
		await manager.getToken();
		const before = { ...counted.calls };
		for (let i = 0; i < 1_000; i += 1) {
			await manager.getToken({ resource: ORDERS });
			await manager.getToken({ resource: BILLING, scope: undefined });
			await manager.getToken();
		}
		expect(counted.calls).toEqual(before);
		expect(endpoint.seen).toHaveLength(3);
	});
});

describe('invalid_target and a store out of reach, per resource', () => {
	it('a refresh refused with invalid_target: an OAuthError naming the resource; the refresh token is kept and serves the next API', async () => {
		const store = createMemoryStore();
		const manager = createTokenManager(testProvider(), { ...FAST, store });
		const loginRequired: unknown[] = [];
		manager.on('login-required', (event) => loginRequired.push(event));
		await loginSession(manager);
		const unknown = 'https://unknown.test/api/';
		endpoint.respond(({ params }) =>
			params.resource === unknown
				? HttpResponse.json({ error: 'invalid_target', error_description: 'Unknown resource.' }, { status: 400 })
				: endpoint.issue({ refresh_token: 'refresh-1' }),
		);
		const error = await manager.getToken({ resource: unknown }).catch((caught: unknown) => caught);
		expect(error).toMatchObject({ code: ErrorCode.OAuth, error: 'invalid_target' });
		expect((error as Error).message).toContain(unknown);
		expect((await store.get(manager.key))?.refreshToken).toBe('refresh-0');
		await manager.getToken({ resource: ORDERS });
		expect(endpoint.seen.map(({ params }) => [params.refresh_token, params.resource])).toEqual([
			['refresh-0', unknown],
			['refresh-0', ORDERS],
		]);
		expect(loginRequired).toEqual([]);
		expect((await manager.getToken()).accessToken).toBe('login-access');
	});

	it('store down (bypass): each resource gets its own token by the primary grant, then served near without a request', async () => {
		const counted = instrumentStore(createMemoryStore());
		const manager = createTokenManager(testProvider(), { ...FAST, store: counted.store });
		manager.on('error', () => undefined);
		counted.setDown(true);
		const orders = await manager.getToken({ resource: ORDERS });
		const billing = await manager.getToken({ resource: BILLING });
		expect(requests()).toEqual([
			['client_credentials', ORDERS, undefined],
			['client_credentials', BILLING, undefined],
		]);
		expect((await manager.getToken({ resource: ORDERS })).accessToken).toBe(orders.accessToken);
		expect((await manager.getToken({ resource: BILLING })).accessToken).toBe(billing.accessToken);
		expect(endpoint.seen).toHaveLength(2);
	});
});

describe('the default target of a login session', () => {
	it("getToken() keeps the session's refresh and ID tokens in what it returns, after a token for another API as before", async () => {
		const manager = createTokenManager(testProvider(), FAST);
		await manager.setTokens({
			accessToken: 'login-access',
			refreshToken: 'refresh-0',
			idToken: 'id-0',
			expiresIn: 3600,
			tokenType: 'Bearer',
		});
		endpoint.respond(() => endpoint.issue({ refresh_token: 'refresh-1' }));
		const before = await manager.getToken();
		expect([before.accessToken, before.refreshToken, before.idToken]).toEqual(['login-access', 'refresh-0', 'id-0']);
		await manager.getToken({ resource: ORDERS });
		// The same call, the same session: the default token with the session's (now rotated) refresh token and its ID token.
		const after = await manager.getToken();
		expect([after.accessToken, after.refreshToken, after.idToken]).toEqual(['login-access', 'refresh-1', 'id-0']);
	});
});

describe('refresh-ahead per resource', () => {
	it('client credentials: a read in the window renews that resource in the background, and only it', async () => {
		const clock = createClock();
		const manager = createTokenManager(testProvider(), { ...FAST, now: clock.now });
		const orders = await manager.getToken({ resource: ORDERS });
		const billing = await manager.getToken({ resource: BILLING });
		// 1 h tokens, 30 s leeway, refresh-ahead 30 s by default for sessions without a refresh token.
		clock.advance(HOUR - 30_000 - 20_000);
		// The caller gets the token it has, fresh; the renewal runs behind.
		expect((await manager.getToken({ resource: ORDERS })).accessToken).toBe(orders.accessToken);
		await untilSeen(3);
		expect(requests().at(-1)).toEqual(['client_credentials', ORDERS, undefined]);
		await delay(20);
		expect((await manager.getToken({ resource: ORDERS })).accessToken).not.toBe(orders.accessToken);
		expect(endpoint.seen).toHaveLength(3);
		// Billing, not read, was not renewed; its own read in the window renews it.
		expect((await manager.getToken({ resource: BILLING })).accessToken).toBe(billing.accessToken);
		await untilSeen(4);
		expect(requests().at(-1)).toEqual(['client_credentials', BILLING, undefined]);
	});

	it('a session with a refresh token does not refresh ahead by default, for a resource token as for the default one', async () => {
		// The documented rule (refresh-ahead.ts, TokenManagerOptions.refreshAhead): without an explicit refreshAhead, only
		// sessions without a refresh token refresh ahead. A per-resource token belongs to the session's refresh token.
		const clock = createClock();
		const manager = createTokenManager(testProvider(), { ...FAST, now: clock.now });
		await loginSession(manager);
		const orders = await manager.getToken({ resource: ORDERS });
		expect(endpoint.seen).toHaveLength(1);
		clock.advance(HOUR - 30_000 - 20_000);
		expect((await manager.getToken({ resource: ORDERS })).accessToken).toBe(orders.accessToken);
		expect((await manager.getToken()).accessToken).toBe('login-access');
		await delay(50);
		// Only the refresh that got the orders token: no background refresh for orders, nor for the default target.
		expect(endpoint.seen.map(({ params }) => [params.grant_type, params.refresh_token, params.resource])).toEqual([
			['refresh_token', 'refresh-0', ORDERS],
		]);
	});

	it('a session with a refresh token and an explicit refreshAhead renews a resource token ahead by refresh', async () => {
		const clock = createClock();
		const manager = createTokenManager(testProvider(), { ...FAST, now: clock.now, refreshAhead: 60_000 });
		await loginSession(manager);
		const orders = await manager.getToken({ resource: ORDERS });
		clock.advance(HOUR - 30_000 - 20_000);
		expect((await manager.getToken({ resource: ORDERS })).accessToken).toBe(orders.accessToken);
		await untilSeen(2);
		expect(endpoint.seen.map(({ params }) => [params.grant_type, params.refresh_token, params.resource])).toEqual([
			['refresh_token', 'refresh-0', ORDERS],
			['refresh_token', 'refresh-1', ORDERS],
		]);
	});
});

describe("resourceParameter: 'audience' (Auth0)", () => {
	it('client credentials and refresh send audience=, never resource=', async () => {
		const machine = createTokenManager(testProvider({ resourceParameter: 'audience' }), FAST);
		await machine.getToken({ resource: ORDERS });
		const person = createTokenManager(testProvider({ resourceParameter: 'audience' }), FAST);
		await loginSession(person);
		await person.getToken({ resource: BILLING });
		expect(endpoint.seen.map(({ params }) => [params.grant_type, params.audience, 'resource' in params])).toEqual([
			['client_credentials', ORDERS, false],
			['refresh_token', BILLING, false],
		]);
	});

	it("the provider's default resource goes as audience= on a call without its own", async () => {
		const manager = createTokenManager(testProvider({ resourceParameter: 'audience', resource: ORDERS }), FAST);
		await manager.getToken();
		expect(endpoint.seen.map(({ params }) => [params.audience, 'resource' in params])).toEqual([[ORDERS, false]]);
	});

	it('the authorization URL repeats audience= for each resource, and the code exchange names the first as audience=', async () => {
		const redirectUri = 'https://spa.test/callback';
		const flow = createAuthorizationCodeFlow(
			testProvider({
				resourceParameter: 'audience',
				grant: 'authorization_code',
				authorizationEndpoint: 'https://auth.test/authorize',
				redirectUri,
			}),
			{ attemptStorage: createMemoryStorage(), storage: 'memory', retry: 0 },
		);
		const url = new URL(await flow.createAuthorizationUrl({ scope: 'openid offline_access', resource: [ORDERS, BILLING] }));
		expect(url.searchParams.getAll('audience')).toEqual([ORDERS, BILLING]);
		expect(url.searchParams.has('resource')).toBe(false);
		endpoint.respond(() => endpoint.issue({ refresh_token: 'refresh-1' }));
		const back = new URL(redirectUri);
		back.searchParams.set('code', 'CODE-1');
		back.searchParams.set('state', url.searchParams.get('state') ?? '');
		await flow.handleCallback(back);
		await flow.tokens.getToken({ resource: BILLING });
		expect(endpoint.seen.map(({ params }) => [params.grant_type, params.audience, 'resource' in params])).toEqual([
			['authorization_code', ORDERS, false],
			['refresh_token', BILLING, false],
		]);
	});
});

describe('scope per target', () => {
	it('the same resource with two scopes -> two tokens, each asked with its scope', async () => {
		const manager = createTokenManager(testProvider(), FAST);
		const read = await manager.getToken({ resource: ORDERS, scope: 'orders:read' });
		const write = await manager.getToken({ resource: ORDERS, scope: 'orders:write' });
		expect(read.accessToken).not.toBe(write.accessToken);
		expect(requests()).toEqual([
			['client_credentials', ORDERS, 'orders:read'],
			['client_credentials', ORDERS, 'orders:write'],
		]);
	});

	it('scope order (and string or list) does not matter: one token', async () => {
		const manager = createTokenManager(testProvider(), FAST);
		const first = await manager.getToken({ resource: ORDERS, scope: 'orders:read orders:write' });
		for (const scope of ['orders:write orders:read', ['orders:read', 'orders:write'], ['orders:write', 'orders:read']]) {
			expect((await manager.getToken({ resource: ORDERS, scope })).accessToken).toBe(first.accessToken);
		}
		expect(endpoint.seen).toHaveLength(1);
		expect(endpoint.seen[0]?.params.scope?.split(' ').sort()).toEqual(['orders:read', 'orders:write']);
	});

	it("the provider's own scope, asked by name in any order, is the default target", async () => {
		const manager = createTokenManager(testProvider({ scope: 'a b' }), FAST);
		const first = await manager.getToken();
		expect((await manager.getToken({ scope: 'b a' })).accessToken).toBe(first.accessToken);
		expect((await manager.getToken({ scope: ['a', 'b'] })).accessToken).toBe(first.accessToken);
		expect(endpoint.seen).toHaveLength(1);
	});
});

describe('the default target stores what it did before #24', () => {
	/** The stored record's fields before #24, those with a value here (the answers have no scope, refresh or ID token). */
	const FIELDS = ['accessToken', 'tokenType', 'expiresAt', 'receivedAt'].sort();

	it('getToken() without resource or scope: the entry is a plain token set, without targets', async () => {
		const store = createMemoryStore();
		const manager = createTokenManager(testProvider({ scope: 'a' }), { ...FAST, store });
		const token = await manager.getToken();
		await manager.getToken({ scope: 'a' });
		const stored = await store.get(manager.key);
		expect(stored?.accessToken).toBe(token.accessToken);
		expect(Object.keys(storedRecord(stored) ?? {}).sort()).toEqual(FIELDS);
	});

	it("a provider with a default resource: getToken() and getToken({ resource: provider's }) store a plain token set too", async () => {
		const store = createMemoryStore();
		const manager = createTokenManager(testProvider({ resource: ORDERS }), { ...FAST, store });
		const token = await manager.getToken();
		expect((await manager.getToken({ resource: ORDERS })).accessToken).toBe(token.accessToken);
		const stored = await store.get(manager.key);
		expect(Object.keys(storedRecord(stored) ?? {}).sort()).toEqual(FIELDS);
		expect(requests()).toEqual([['client_credentials', ORDERS, undefined]]);
	});

	it('a refresh of the default target in a login session keeps the entry plain (rotated refresh token on top)', async () => {
		const store = createMemoryStore();
		const manager = createTokenManager(testProvider(), { ...FAST, store });
		await loginSession(manager);
		const renewed = await manager.getToken({ forceRefresh: true });
		const stored = await store.get(manager.key);
		expect(storedRecord(stored)).not.toHaveProperty('targets');
		expect([stored?.accessToken, stored?.refreshToken]).toEqual([renewed.accessToken, 'refresh-1']);
		expect(endpoint.seen.map(({ params }) => 'resource' in params)).toEqual([false]);
	});
});

describe('a rejected token is never served again by this process', () => {
	it('a store read that started before its drop and answers after it (a call for another API) does not bring it back near', async () => {
		const memory = createMemoryStore();
		// While `hold` is set, a read waits for it after reading: it answers what the store held before a later write.
		let hold: Promise<void> | undefined;
		const store: TokenStore = {
			...memory,
			async get(key) {
				const entry = await memory.get(key);
				await hold;
				return entry;
			},
		};
		const here = createTokenManager(testProvider(), { ...FAST, store });
		const elsewhere = createTokenManager(testProvider(), { ...FAST, store });
		const orders = await here.getToken({ resource: ORDERS });
		// Another process gets a token for a third API: this one finds it by reading the entry, which holds `orders`.
		await elsewhere.getToken({ resource: 'https://reports.test/' });
		let release!: () => void;
		hold = new Promise((resolve) => (release = resolve));
		const reports = here.getToken({ resource: 'https://reports.test/' });
		await delay(5);
		hold = undefined;
		// The orders API rejects its token meanwhile: dropped near and in the store.
		await here.invalidate(orders);
		expect(storedAccessTokens(await memory.get(here.key))).not.toContain(orders.accessToken);
		release();
		await reports;
		const requestsBefore = endpoint.seen.length;
		const next = await here.getToken({ resource: ORDERS });
		expect(next.accessToken).not.toBe(orders.accessToken);
		expect(endpoint.seen.length).toBe(requestsBefore + 1);
	});
});
