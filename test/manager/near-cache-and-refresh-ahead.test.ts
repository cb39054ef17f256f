import { HttpResponse, delay } from 'msw';
import { afterAll, beforeEach, describe, expect, it, onTestFinished } from 'vitest';
import { createMemoryStore, createTokenManager, ErrorCode } from '../../src/index.js';
import { createClock, FAST, testProvider } from '../_helpers/manager.js';
import { watchTimers } from '../_helpers/resources.js';
import { instrumentStore } from '../_helpers/stores.js';
import { createTokenEndpoint, startMockServer } from '../_helpers/token-server.js';

const endpoint = createTokenEndpoint();
const server = startMockServer(endpoint.handler);
afterAll(() => server.close());
beforeEach(() => endpoint.reset());

const HOUR = 3600_000;

describe('rule 1 with a shared store: the near cache', () => {
	it('10 000 getToken() on a fresh token -> 1 store read in all (the first), 0 after it', async () => {
		const counted = instrumentStore(createMemoryStore());
		const manager = createTokenManager(testProvider(), { ...FAST, store: counted.store });
		await manager.getToken();
		const before = counted.total();
		for (let i = 0; i < 10_000; i++) await manager.getToken();
		expect(counted.total()).toBe(before);
		expect(counted.calls.get).toBe(2); // the cold read, and the re-read inside the lock
		expect(endpoint.seen).toHaveLength(1);
	});

	it('a token replaced by another process is not seen until this one is rejected; then the store has the new one, at no token request', async () => {
		const store = createMemoryStore();
		const [one, two] = [createTokenManager(testProvider(), { ...FAST, store }), createTokenManager(testProvider(), { ...FAST, store })];
		const first = await one.getToken();
		const second = await two.getToken({ forceRefresh: true });
		expect(second.accessToken).not.toBe(first.accessToken);
		// The cost of the near cache: `one` keeps using its fresh copy (one rejected call, when the API refuses it)...
		expect((await one.getToken()).accessToken).toBe(first.accessToken);
		// ...then compare-and-invalidate reads the store and finds the other process's token.
		expect(await one.invalidate(first)).toBe(true);
		expect((await one.getToken()).accessToken).toBe(second.accessToken);
		expect(endpoint.seen).toHaveLength(2);
	});

	it('a read of a token that is no longer fresh goes to the store, where another process may have left a fresh one', async () => {
		const clock = createClock();
		const store = createMemoryStore();
		const options = { ...FAST, store, now: clock.now, refreshAhead: 0 };
		const [one, two] = [createTokenManager(testProvider(), options), createTokenManager(testProvider(), options)];
		await one.getToken();
		clock.advance(HOUR);
		const renewed = await two.getToken();
		expect((await one.getToken()).accessToken).toBe(renewed.accessToken);
		expect(endpoint.seen).toHaveLength(2);
	});
});

describe('refresh-ahead: driven by reads, in the background, never by a timer', () => {
	/** A manager with a clock, whose token (1 h) is read 20 s before it stops being fresh (30 s leeway). */
	async function inTheWindow(options: Parameters<typeof createTokenManager>[1] = {}) {
		const clock = createClock();
		const manager = createTokenManager(testProvider(), { ...FAST, now: clock.now, ...options });
		const first = await manager.getToken();
		clock.advance(HOUR - 30_000 - 20_000);
		return { clock, manager, first };
	}

	it('100 reads inside the window -> each gets the cached token at once; exactly 1 background request', async () => {
		const { manager, first } = await inTheWindow();
		endpoint.respond(async () => {
			await delay(200);
			return endpoint.issue();
		});
		const started = performance.now();
		const reads = await Promise.all(Array.from({ length: 100 }, () => manager.getToken()));
		expect(performance.now() - started).toBeLessThan(150);
		expect(new Set(reads.map((tokenSet) => tokenSet.accessToken))).toEqual(new Set([first.accessToken]));
		await expect.poll(() => endpoint.seen.length, { timeout: 2_000 }).toBe(2);
		await expect.poll(async () => (await manager.getToken()).accessToken, { timeout: 2_000 }).toBe('access-2');
		expect(endpoint.seen).toHaveLength(2);
	});

	it('outside the window -> no background request; refreshAhead: 0 -> none inside it either', async () => {
		const clock = createClock();
		const manager = createTokenManager(testProvider(), { ...FAST, now: clock.now });
		await manager.getToken();
		clock.advance(HOUR - 30_000 - 31_000);
		await manager.getToken();
		const off = await inTheWindow({ refreshAhead: 0 });
		await off.manager.getToken();
		await new Promise((resolve) => setTimeout(resolve, 50));
		expect(endpoint.seen).toHaveLength(2);
	});

	it('a session with a refresh token -> no refresh-ahead by default (a refresh may end the token others hold); refreshAhead opts in', async () => {
		for (const [options, expected] of [
			[{}, 1],
			[{ refreshAhead: 30_000 }, 2],
		] as const) {
			endpoint.reset();
			endpoint.respond(() => endpoint.issue({ refresh_token: `refresh-${endpoint.issued + 1}` }));
			const { manager } = await inTheWindow(options);
			await manager.getToken();
			await new Promise((resolve) => setTimeout(resolve, 100));
			expect(endpoint.seen).toHaveLength(expected);
			if (expected === 2) expect(endpoint.seen[1]!.params.grant_type).toBe('refresh_token');
		}
	});

	it('managers sharing a store -> one background request in all: the others find the new token inside the lock', async () => {
		const clock = createClock();
		const store = createMemoryStore();
		const managers = Array.from({ length: 5 }, () => createTokenManager(testProvider(), { ...FAST, store, now: clock.now }));
		for (const manager of managers) await manager.getToken();
		expect(endpoint.seen).toHaveLength(1);
		clock.advance(HOUR - 30_000 - 20_000);
		await Promise.all(managers.map((manager) => manager.getToken()));
		await expect
			.poll(async () => Promise.all(managers.map(async (m) => (await m.getToken()).accessToken)), { timeout: 2_000 })
			.toEqual(Array(5).fill('access-2'));
		expect(endpoint.seen).toHaveLength(2);
	});

	it('a failed background refresh fails no caller while the token is fresh: an error event, one attempt, then a backoff', async () => {
		const { manager, clock, first } = await inTheWindow();
		const errors: string[] = [];
		manager.on('error', ({ error }) => errors.push((error as { code: string }).code));
		endpoint.respond(() => new HttpResponse('busy', { status: 503 }));
		expect((await manager.getToken()).accessToken).toBe(first.accessToken);
		await expect.poll(() => errors, { timeout: 2_000 }).toEqual([ErrorCode.TokenResponse]);
		// One attempt (the token is still fresh: no retries), and no new attempt during the backoff (1 s).
		expect(endpoint.seen).toHaveLength(2);
		for (let i = 0; i < 20; i++) expect((await manager.getToken()).accessToken).toBe(first.accessToken);
		expect(endpoint.seen).toHaveLength(2);
		clock.advance(1_000);
		endpoint.respond(() => endpoint.issue());
		await manager.getToken();
		await expect.poll(() => endpoint.seen.length, { timeout: 2_000 }).toBe(3);
		await expect.poll(async () => (await manager.getToken()).accessToken, { timeout: 2_000 }).not.toBe(first.accessToken);
	});

	it('the window is at most half the fresh life: a 60 s token is used for its first 15 s before a background refresh', async () => {
		const clock = createClock();
		endpoint.respond(() => endpoint.issue({ expires_in: 60 }));
		const manager = createTokenManager(testProvider(), { ...FAST, now: clock.now });
		await manager.getToken();
		// 60 s, leeway 30 s -> fresh for 30 s; the window is min(30 s, 15 s) = the last 15 s of it.
		clock.advance(14_000);
		await manager.getToken();
		await new Promise((resolve) => setTimeout(resolve, 50));
		expect(endpoint.seen).toHaveLength(1);
		clock.advance(2_000);
		await manager.getToken();
		await expect.poll(() => endpoint.seen.length, { timeout: 2_000 }).toBe(2);
	});

	it('arms no timer: a background refresh is started by a read and leaves nothing pending', async () => {
		const timers = watchTimers();
		onTestFinished(() => timers.stop());
		const { manager } = await inTheWindow();
		await manager.getToken();
		await expect.poll(() => endpoint.seen.length, { timeout: 2_000 }).toBe(2);
		expect(await timers.settled()).toEqual([]);
	});
});
