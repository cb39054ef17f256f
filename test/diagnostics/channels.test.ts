import { HttpResponse } from 'msw';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DiagnosticsChannel as C } from '../../src/diagnostics/channels.js';
import { createClient, createMemoryStore, createTokenManager, isOAuthError } from '../../src/index.js';
import { recordChannels } from '../_helpers/diagnostics.js';
import { createClock, FAST, testProvider } from '../_helpers/manager.js';
import { API_URL, createRevocableTokens, startMockServer } from '../_helpers/token-server.js';

const HOUR = 3_600_000;
const { endpoint, accepted, api, reset } = createRevocableTokens();
const server = startMockServer(endpoint.handler, api);
afterAll(() => server.close());

let channels: ReturnType<typeof recordChannels>;
beforeEach(() => {
	reset();
	channels = recordChannels();
});
afterEach(() => channels.stop());

describe('diagnostics channels', () => {
	it('cold start: one token request (grant, origin, reason cold, status, 1 attempt) inside one lock wait, store read miss then write', async () => {
		const manager = createTokenManager(testProvider(), FAST);
		await manager.getToken();
		expect(channels.on(C.TokenRequest, 'asyncEnd')).toEqual([
			{ grantType: 'client_credentials', endpoint: 'https://auth.test', reason: 'cold', status: 200, attempts: 1 },
		]);
		expect(channels.on(C.LockWait, 'asyncEnd')).toEqual([{ store: 'memory', outcome: 'acquired', waitedMs: expect.any(Number) }]);
		expect(channels.on(C.Store, 'asyncEnd').map((m) => `${m.operation}:${m.outcome}`)).toEqual(['read:miss', 'read:miss', 'write:ok']);
		// The lock wait ends before the token request starts: the span covers the wait, not the work under the lock.
		const order = channels.seen.filter((s) => s.phase === 'start' || s.phase === 'asyncEnd').map((s) => `${s.channel}:${s.phase}`);
		expect(order.indexOf(`${C.LockWait}:asyncEnd`)).toBeLessThan(order.indexOf(`${C.TokenRequest}:start`));
	});

	it('a cached token: one near-cache hit per read, no store call, no token request', async () => {
		const manager = createTokenManager(testProvider(), FAST);
		await manager.getToken();
		channels.clear();
		for (let i = 0; i < 5; i++) await manager.getToken();
		expect(channels.on(C.NearCacheHit, 'publish')).toHaveLength(5);
		expect(channels.seen.filter((s) => s.channel !== C.NearCacheHit)).toEqual([]);
	});

	it('near-cache hits: an API call with the held token counts one; a token read from a shared store does not', async () => {
		const store = createMemoryStore();
		const first = createTokenManager(testProvider(), { ...FAST, store, key: 'shared' });
		const client = createClient({ prefixUrl: `${API_URL}/`, auth: first });
		await client.get('things').json();
		channels.clear();
		await client.get('things').json();
		expect(channels.on(C.NearCacheHit, 'publish')).toHaveLength(1);

		const second = createTokenManager(testProvider(), { ...FAST, store, key: 'shared' });
		channels.clear();
		await second.getToken(); // from the store: a round trip, not a hit
		expect(channels.on(C.NearCacheHit, 'publish')).toHaveLength(0);
		expect(channels.on(C.Store, 'asyncEnd')).toMatchObject([{ operation: 'read', outcome: 'hit' }]);
		await second.getToken();
		expect(channels.on(C.NearCacheHit, 'publish')).toHaveLength(1);
	});

	it('a transient failure: attempts 2, the last status', async () => {
		endpoint.respond(
			() => new HttpResponse('busy', { status: 503 }),
			() => endpoint.issue(),
		);
		await createTokenManager(testProvider(), FAST).getToken();
		expect(channels.on(C.TokenRequest, 'asyncEnd')).toMatchObject([{ attempts: 2, status: 200 }]);
	});

	it('reasons: expiry after the clock passes, forced, rejection after an API 401, refresh-ahead near the end', async () => {
		const clock = createClock();
		const manager = createTokenManager(testProvider(), { ...FAST, now: clock.now, refreshAhead: 0 });
		await manager.getToken();
		clock.advance(HOUR);
		await manager.getToken();
		await manager.getToken({ forceRefresh: true });
		const client = createClient({ prefixUrl: `${API_URL}/`, auth: manager });
		accepted.clear();
		await client.get('things').json();
		expect(channels.on(C.TokenRequest, 'asyncEnd').map((m) => m.reason)).toEqual(['cold', 'expiry', 'forced', 'rejection']);
		expect(channels.on(C.ApiRetry, 'publish')).toEqual([{ status: 401, origin: 'https://api.test' }]);

		const ahead = createTokenManager(testProvider(), { ...FAST, now: clock.now });
		await ahead.getToken();
		clock.advance(HOUR - 30_000 - 20_000);
		channels.clear();
		await ahead.getToken();
		await expect.poll(() => channels.on(C.TokenRequest, 'asyncEnd')).toHaveLength(1);
		expect(channels.on(C.TokenRequest, 'asyncEnd')[0]).toMatchObject({ reason: 'refresh-ahead' });
		expect(channels.on(C.RefreshAhead, 'publish')).toEqual([{ expiresAt: expect.any(Number) }]);
	});

	it('a refused refresh: the token request ends with an error (OAuthError invalid_grant) and status 400', async () => {
		const manager = createTokenManager(testProvider({ grant: 'authorization_code' }), FAST);
		await manager.setTokens({ accessToken: 'old', refreshToken: 'refresh-old', expiresAt: 1 } as never);
		endpoint.respond(() => HttpResponse.json({ error: 'invalid_grant' }, { status: 400 }));
		await expect(manager.getToken()).rejects.toMatchObject({ code: 'ERR_LOGIN_REQUIRED' });
		const errors = channels.on(C.TokenRequest, 'error');
		expect(errors).toHaveLength(1);
		expect(isOAuthError(errors[0]!.error)).toBe(true);
		expect(channels.on(C.TokenRequest, 'asyncEnd')).toMatchObject([
			{ grantType: 'refresh_token', reason: 'expiry', status: 400, attempts: 1 },
		]);
	});

	it('nobody subscribed: nothing is published, and no message is built', async () => {
		channels.stop();
		const manager = createTokenManager(testProvider(), FAST);
		await manager.getToken();
		await manager.getToken();
		expect(channels.seen).toEqual([]);
	});
});
