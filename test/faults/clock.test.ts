import { inspect } from 'node:util';
import { afterEach, describe, expect, it, onTestFinished } from 'vitest';
import { createClient, createTokenManager, dotkernel, ErrorCode, squidex, type TokenManager } from '../../src/index.js';
import { createEmulator, type Emulator } from '../../src/testing/index.js';
import { createClock } from '../_helpers/manager.js';
import { outcomeName, rejection, resolution, settle } from '../_helpers/outcome.js';
import { expectNoLeftoverResourcesAfterEachTest, watchTimers } from '../_helpers/resources.js';
import { createSqoweyFlow, startLogin } from '../_helpers/sqowey-flow.js';

/**
 * The clock jumping forward and back (rule 9, time is data): on the client, on the server, or on both together.
 * Each emulator gets its own clock, each manager another, so the two can disagree the way a laptop waking up or an
 * NTP correction makes them disagree. Tokens live 1 hour.
 */
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const FAST = { retry: { retries: 2, minTimeout: 5, maxTimeout: 20 }, timeout: 300 } as const;

let emulator: Emulator | undefined;
afterEach(async () => {
	await emulator?.close();
	emulator = undefined;
});
expectNoLeftoverResourcesAfterEachTest();

async function setUp(options: { sharedClock?: boolean } = {}) {
	const server = createClock();
	const client = options.sharedClock ? server : createClock();
	emulator = await createEmulator({ now: server.now, squidex: { expiresIn: 3600 } });
	const manager = createTokenManager(squidex(emulator.credentials.squidex), { ...FAST, now: client.now });
	const api = createClient({ prefixUrl: `${emulator.url}/api/`, auth: manager, retry: 0, throwHttpErrors: false });
	const started = emulator;
	const counts = () => ({ token: started.counters().tokenRequests.total, api: started.counters().apiRequests.total });
	return { server, client, emulator: started, manager, api, counts };
}

const SCHEMAS = 'apps/food-crunch/schemas';

describe('client and server clocks jump together', () => {
	it('forward past the expiry: the next 100 concurrent calls cost exactly 1 new token, and all succeed', async () => {
		const { server, api, counts } = await setUp({ sharedClock: true });
		await api.get(SCHEMAS);
		server.advance(2 * HOUR);
		const outcomes = await Promise.all(Array.from({ length: 100 }, () => settle(api.get(SCHEMAS), 3_000)));
		expect(outcomes.map((outcome) => resolution(outcome).status)).toEqual(Array(100).fill(200));
		expect(counts()).toEqual({ token: 2, api: 101 });
	});

	it('back by a day: the cached token stays in use, no token request', async () => {
		const { server, api, counts } = await setUp({ sharedClock: true });
		await api.get(SCHEMAS);
		server.advance(-DAY);
		for (let i = 0; i < 10; i++) expect((await api.get(SCHEMAS)).status).toBe(200);
		expect(counts()).toEqual({ token: 1, api: 11 });
	});

	it('forward 10 years with a refresh token (Dotkernel): exactly 1 refresh, no timer armed', async () => {
		const clock = createClock();
		emulator = await createEmulator({ now: clock.now });
		const { url, clientId, clientSecret, username, password } = emulator.credentials.dotkernel;
		const manager: TokenManager = createTokenManager(
			dotkernel({ url, clientId, clientSecret, credentials: async () => ({ username, password }) }),
			{ ...FAST, now: clock.now },
		);
		const api = createClient({ prefixUrl: `${url}/`, auth: manager, retry: 0 });
		// Watched from before the first token request: a timer armed when a token arrives is seen, unref'd or not.
		const timers = watchTimers();
		onTestFinished(() => timers.stop());
		await api.get('user/my-account');
		expect(await timers.settled()).toEqual([]);
		clock.advance(10 * 365 * DAY);
		await Promise.all(Array.from({ length: 20 }, () => api.get('user/my-account').json()));
		expect(await timers.settled()).toEqual([]);
		expect(emulator.counters()).toMatchObject({ tokenRequests: { password: 1, refresh_token: 1 }, refreshTokenReuse: 0 });
	});
});

describe('the clocks disagree', () => {
	it("the client's clock goes back 2 h, the server's on 2 h: the server's 401 costs 1 new token and 1 retry, and the call succeeds", async () => {
		const { server, client, api, counts } = await setUp();
		await api.get(SCHEMAS);
		client.advance(-2 * HOUR);
		server.advance(2 * HOUR);
		const response = resolution(await settle(api.get(SCHEMAS), 2_000));
		expect(response.status).toBe(200);
		expect(counts()).toEqual({ token: 2, api: 3 });
	});

	it("the client's clock jumps 2 h ahead: it replaces the token early (1 request), the server accepts the new one", async () => {
		const { client, api, counts } = await setUp();
		await api.get(SCHEMAS);
		client.advance(2 * HOUR);
		expect((await api.get(SCHEMAS)).status).toBe(200);
		expect(counts()).toEqual({ token: 2, api: 2 });
	});

	it("the client's clock jumps while a token request is in flight (+2 h, then -2 h): expiry counts from receipt, the token is cached", async () => {
		for (const jump of [2 * HOUR, -2 * HOUR]) {
			const clock = createClock();
			const server = await createEmulator({ squidex: { expiresIn: 3600 } });
			try {
				const jumping: typeof fetch = async (input, init) => {
					const response = await fetch(input, init);
					clock.advance(jump);
					return response;
				};
				const manager = createTokenManager(squidex(server.credentials.squidex), { ...FAST, now: clock.now, fetch: jumping });
				const first = await manager.getToken();
				expect(first.expiresAt).toBe(clock.now() + HOUR);
				expect((await manager.getToken()).accessToken).toBe(first.accessToken);
				expect(server.counters().tokenRequests.total).toBe(1);
			} finally {
				await server.close();
			}
		}
	});
});

describe('the clock during a login', () => {
	it("forward past the attempt's lifetime (10 min) between redirect and callback: refused as too old, 0 exchanges", async () => {
		emulator = await createEmulator({ providers: ['sqowey'] });
		const clock = createClock();
		const flow = createSqoweyFlow(emulator, { now: clock.now });
		const callback = await startLogin(flow);
		clock.advance(11 * 60_000);
		const outcome = await settle(flow.handleCallback(callback), 1_000);
		expect(rejection(outcome)).toMatchObject({ code: ErrorCode.AuthorizationResponse, error: 'state_mismatch' });
		expect(rejection(outcome).message).toMatch(/too old/);
		expect(emulator.counters().tokenRequests.authorization_code).toBe(0);
	});

	it('back by a day between redirect and callback: the login completes', async () => {
		emulator = await createEmulator({ providers: ['sqowey'] });
		const clock = createClock();
		const flow = createSqoweyFlow(emulator, { now: clock.now });
		const callback = await startLogin(flow);
		clock.advance(-DAY);
		const outcome = await settle(flow.handleCallback(callback), 1_000);
		expect(outcomeName(outcome)).toBe('success');
		expect(resolution(outcome).expiresAt).toBe(clock.now() + HOUR);
	});
});

describe('times beyond what a date or a timer can hold', () => {
	it('a lockTtl beyond 2^31-1 ms is refused at construction, not turned into a lock that frees itself at once', () => {
		const provider = squidex({ clientId: 'app:client', clientSecret: 'never-sent' });
		expect(() => createTokenManager(provider, { lockTtl: 2 ** 31 })).toThrow('Expected `lockTtl` to be at most 2^31-1 ms');
		expect(() => createTokenManager(provider, { lockTtl: 2 ** 31 - 1 })).not.toThrow();
	});

	it('a token set given one by setTokens() still prints (String, inspect, JSON) without throwing, and stays fresh', async () => {
		const manager = createTokenManager(squidex({ clientId: 'app:client', clientSecret: 'never-sent' }), {
			fetch: () => Promise.reject(new Error('no I/O expected')),
		});
		const tokenSet = await manager.setTokens({ accessToken: 'AT-forever', expiresIn: 1e300 });
		expect(String(tokenSet)).toBe(`TokenSet(Bearer, expires ${tokenSet.expiresAt})`);
		expect(inspect(tokenSet)).not.toContain('AT-forever');
		expect(JSON.parse(JSON.stringify(tokenSet))).toMatchObject({ accessToken: '[redacted]' });
		expect((await manager.getToken()).accessToken).toBe('AT-forever');
	});
});
