import { HttpResponse, delay } from 'msw';
import { afterAll, afterEach, beforeEach, describe, expect, it, onTestFinished, vi } from 'vitest';
import { createTokenManager } from '../../src/index.js';
import { createClock, FAST, testProvider } from '../_helpers/manager.js';
import { createTokenEndpoint, startMockServer } from '../_helpers/token-server.js';

const endpoint = createTokenEndpoint();
const server = startMockServer(endpoint.handler);
afterAll(() => server.close());
beforeEach(() => endpoint.reset());
afterEach(() => vi.useRealTimers());

describe('rule 1: cache, then fetch', () => {
	it('a fresh cached token costs no request', async () => {
		const manager = createTokenManager(testProvider(), FAST);
		const first = await manager.getToken();
		for (let i = 0; i < 100; i++) expect((await manager.getToken()).accessToken).toBe(first.accessToken);
		expect(endpoint.seen).toHaveLength(1);
	});

	it('a token within the leeway of its expiry is replaced', async () => {
		const clock = createClock();
		const manager = createTokenManager(testProvider(), { ...FAST, now: clock.now, leeway: 30_000 });
		await manager.getToken();
		clock.advance(3600_000 - 31_000);
		await manager.getToken();
		expect(endpoint.seen).toHaveLength(1);
		clock.advance(2_000);
		const next = await manager.getToken();
		expect(endpoint.seen).toHaveLength(2);
		expect(next.accessToken).toBe('access-2');
	});

	it('a token without expires_in is kept until it is rejected', async () => {
		const clock = createClock();
		endpoint.respond(() => HttpResponse.json({ access_token: 'forever', token_type: 'Bearer' }));
		const manager = createTokenManager(testProvider(), { ...FAST, now: clock.now });
		await manager.getToken();
		clock.advance(365 * 24 * 3600_000);
		expect((await manager.getToken()).accessToken).toBe('forever');
		expect(endpoint.seen).toHaveLength(1);
		await manager.invalidate('forever');
		await manager.getToken();
		expect(endpoint.seen).toHaveLength(2);
	});
});

describe('rule 2: single flight', () => {
	it('200 cold callers -> 1 request', async () => {
		endpoint.respond(async () => {
			await delay(20);
			return endpoint.issue();
		});
		const manager = createTokenManager(testProvider(), FAST);
		const tokens = await Promise.all(Array.from({ length: 200 }, () => manager.getToken()));
		expect(endpoint.seen).toHaveLength(1);
		expect(new Set(tokens.map((t) => t.accessToken)).size).toBe(1);
	});

	it('200 callers on an expired token -> 1 request', async () => {
		const clock = createClock();
		const manager = createTokenManager(testProvider(), { ...FAST, now: clock.now });
		await manager.getToken();
		clock.advance(3600_000);
		await Promise.all(Array.from({ length: 200 }, () => manager.getToken()));
		expect(endpoint.seen).toHaveLength(2);
	});

	it('forceRefresh joins a request already in flight', async () => {
		endpoint.respond(async () => {
			await delay(20);
			return endpoint.issue();
		});
		const manager = createTokenManager(testProvider(), FAST);
		await Promise.all([manager.getToken(), manager.getToken({ forceRefresh: true }), manager.getToken({ forceRefresh: true })]);
		expect(endpoint.seen).toHaveLength(1);
		await manager.getToken({ forceRefresh: true });
		expect(endpoint.seen).toHaveLength(2);
	});

	it('one caller aborting does not abort the others, and leaves no listener behind', async () => {
		endpoint.respond(async () => {
			await delay(50);
			return endpoint.issue();
		});
		const manager = createTokenManager(testProvider(), FAST);
		const controller = new AbortController();
		const add = vi.spyOn(controller.signal, 'addEventListener');
		const remove = vi.spyOn(controller.signal, 'removeEventListener');
		const aborted = manager.getToken({ signal: controller.signal });
		const patient = manager.getToken();
		controller.abort(new Error('caller gave up'));
		await expect(aborted).rejects.toThrow('caller gave up');
		await expect(patient).resolves.toMatchObject({ accessToken: 'access-1' });
		expect(endpoint.seen).toHaveLength(1);
		expect(remove.mock.calls.length).toBe(add.mock.calls.length);
	});

	it('an already aborted signal rejects before any request', async () => {
		const manager = createTokenManager(testProvider(), FAST);
		await expect(manager.getToken({ signal: AbortSignal.abort(new Error('no')) })).rejects.toThrow('no');
		expect(endpoint.seen).toHaveLength(0);
	});
});

describe('rule 9: time is data', () => {
	it('expiresAt = receivedAt + expires_in * 1000', async () => {
		const clock = createClock();
		const manager = createTokenManager(testProvider(), { ...FAST, now: clock.now });
		const token = await manager.getToken();
		expect(token.expiresAt).toBe(clock.now() + 3600_000);
	});

	it('a 30-day token with a refresh token arms no timer and causes no background request', async () => {
		endpoint.respond(() => endpoint.issue({ expires_in: 2592000, refresh_token: 'refresh-1' }));
		const manager = createTokenManager(testProvider(), FAST);
		// The fake clock goes in before the first request, since a refresh timer would be armed when the token
		// arrives; it counts every timer still pending, unref'd ones included.
		vi.useFakeTimers({ toFake: ['setTimeout', 'setInterval', 'clearTimeout', 'clearInterval'] });
		onTestFinished(() => void vi.useRealTimers());
		await manager.getToken();
		for (let i = 0; i < 1000; i++) await manager.getToken();
		expect(vi.getTimerCount()).toBe(0);
		vi.advanceTimersByTime(2 ** 31);
		expect(endpoint.seen).toHaveLength(1);
	});

	it('freshness follows the clock, backwards and forwards', async () => {
		const clock = createClock();
		const manager = createTokenManager(testProvider(), { ...FAST, now: clock.now });
		await manager.getToken();
		clock.advance(-86_400_000);
		await manager.getToken();
		expect(endpoint.seen).toHaveLength(1);
		clock.advance(86_400_000 + 3600_000);
		await manager.getToken();
		expect(endpoint.seen).toHaveLength(2);
	});
});
