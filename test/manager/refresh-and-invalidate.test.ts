import { HttpResponse, delay } from 'msw';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { createMemoryStore, createTokenManager, ErrorCode, isLoginRequiredError, type TokenManagerEvents } from '../../src/index.js';
import { createClock, FAST, testProvider } from '../_helpers/manager.js';
import { createTokenEndpoint, startMockServer } from '../_helpers/token-server.js';

const endpoint = createTokenEndpoint();
const server = startMockServer(endpoint.handler);
afterAll(() => server.close());
beforeEach(() => endpoint.reset());

const invalidGrant = () => HttpResponse.json({ error: 'invalid_grant', error_description: 'refresh token revoked' }, { status: 400 });

describe('rule 3: refresh before re-login', () => {
	it('uses the refresh token and stores the rotated one', async () => {
		const clock = createClock();
		endpoint.respond(() => endpoint.issue({ refresh_token: `refresh-${endpoint.issued + 1}` }));
		const manager = createTokenManager(testProvider(), { ...FAST, now: clock.now });
		await manager.getToken();
		clock.advance(3600_000);
		await manager.getToken();
		clock.advance(3600_000);
		await manager.getToken();
		expect(endpoint.seen.map((r) => r.params.grant_type)).toEqual(['client_credentials', 'refresh_token', 'refresh_token']);
		expect(endpoint.seen.map((r) => r.params.refresh_token)).toEqual([undefined, 'refresh-1', 'refresh-2']);
	});

	it('keeps the old refresh token when the refresh response has none', async () => {
		const clock = createClock();
		endpoint.respond(
			() => endpoint.issue({ refresh_token: 'kept' }),
			() => endpoint.issue(),
		);
		const manager = createTokenManager(testProvider(), { ...FAST, now: clock.now });
		await manager.getToken();
		clock.advance(3600_000);
		const refreshed = await manager.getToken();
		expect(refreshed.refreshToken).toBe('kept');
		clock.advance(3600_000);
		await manager.getToken();
		expect(endpoint.seen.map((r) => r.params.refresh_token)).toEqual([undefined, 'kept', 'kept']);
	});

	it('a refused refresh falls back to client credentials, and drops the dead refresh token', async () => {
		const clock = createClock();
		endpoint.respond(
			() => endpoint.issue({ refresh_token: 'dead' }),
			invalidGrant,
			() => endpoint.issue(),
		);
		const manager = createTokenManager(testProvider(), { ...FAST, now: clock.now });
		await manager.getToken();
		clock.advance(3600_000);
		const next = await manager.getToken();
		expect(next.refreshToken).toBeUndefined();
		expect(endpoint.seen.map((r) => r.params.grant_type)).toEqual(['client_credentials', 'refresh_token', 'client_credentials']);
	});

	it('a refused refresh with no unattended grant -> login-required event and LoginRequiredError', async () => {
		const events: TokenManagerEvents['login-required'][] = [];
		const manager = createTokenManager(testProvider({ grant: 'authorization_code' }), FAST);
		manager.on('login-required', (event) => events.push(event));
		await manager.setTokens({ accessToken: 'a', refreshToken: 'dead', expiresIn: 0 });
		endpoint.respond(invalidGrant);
		const error = await manager.getToken().catch((e: unknown) => e);
		expect(isLoginRequiredError(error)).toBe(true);
		expect(events).toHaveLength(1);
		expect(endpoint.seen).toHaveLength(1);
		// The dead session stays dead: no second refresh with the same token.
		await expect(manager.getToken()).rejects.toMatchObject({ code: ErrorCode.LoginRequired });
		expect(endpoint.seen).toHaveLength(1);
	});

	it('a network error during a refresh keeps the refresh token', async () => {
		const manager = createTokenManager(testProvider({ grant: 'authorization_code' }), FAST);
		await manager.setTokens({ accessToken: 'a', refreshToken: 'precious', expiresIn: 0 });
		endpoint.respond(() => HttpResponse.error());
		await expect(manager.getToken()).rejects.toMatchObject({ code: ErrorCode.Network });
		endpoint.respond(() => endpoint.issue());
		const next = await manager.getToken();
		expect(next.refreshToken).toBe('precious');
		expect(endpoint.seen.at(-1)?.params.refresh_token).toBe('precious');
	});

	it('rule 8: on invalid_grant the store is re-read first: a token rotated elsewhere is used', async () => {
		const store = createMemoryStore();
		const tab1 = createTokenManager(testProvider({ grant: 'authorization_code' }), { ...FAST, store, key: 'shared' });
		await tab1.setTokens({ accessToken: 'old', refreshToken: 'r1', expiresIn: 0 });
		endpoint.respond(async () => {
			// While this refresh is in flight, another tab rotates r1 -> r2 and stores a fresh pair.
			await store.set(
				'shared',
				(await import('../../src/token-set.js')).createTokenSet({ accessToken: 'from-tab-2', refreshToken: 'r2', expiresIn: 3600 }),
			);
			return invalidGrant();
		});
		const token = await tab1.getToken();
		expect(token.accessToken).toBe('from-tab-2');
		expect(endpoint.seen).toHaveLength(1);
	});
});

describe('rule 4: compare-and-invalidate', () => {
	it('invalidating the current token causes one new token', async () => {
		const manager = createTokenManager(testProvider(), FAST);
		const first = await manager.getToken();
		expect(await manager.invalidate(first)).toBe(true);
		expect((await manager.getToken()).accessToken).toBe('access-2');
		expect(endpoint.seen).toHaveLength(2);
	});

	it('a burst of N late rejections of an old token causes one new token, not N', async () => {
		const manager = createTokenManager(testProvider(), FAST);
		const old = await manager.getToken();
		await Promise.all(
			Array.from({ length: 50 }, async () => {
				await manager.invalidate(old.accessToken);
				return manager.getToken();
			}),
		);
		expect(endpoint.seen).toHaveLength(2);
		// Late rejections of the old token after the new one exists change nothing.
		for (let i = 0; i < 50; i++) expect(await manager.invalidate(old)).toBe(false);
		expect((await manager.getToken()).accessToken).toBe('access-2');
		expect(endpoint.seen).toHaveLength(2);
	});

	it('invalidate keeps the refresh token', async () => {
		endpoint.respond(() => endpoint.issue({ refresh_token: 'keep-me' }));
		const manager = createTokenManager(testProvider(), FAST);
		const first = await manager.getToken();
		await manager.invalidate(first);
		await manager.getToken();
		expect(endpoint.seen.map((r) => r.params.grant_type)).toEqual(['client_credentials', 'refresh_token']);
	});
});

describe('session lifecycle', () => {
	it("after clear(), a person's session (no unattended grant) throws LoginRequiredError until setTokens()", async () => {
		const manager = createTokenManager(testProvider({ grant: 'authorization_code' }), FAST);
		await manager.setTokens({ accessToken: 'first', expiresIn: 60 });
		await manager.clear();
		await expect(manager.getToken()).rejects.toMatchObject({ code: ErrorCode.LoginRequired });
		await manager.setTokens({ accessToken: 'given', expiresIn: 60 });
		expect((await manager.getToken()).accessToken).toBe('given');
		expect(endpoint.seen).toHaveLength(0);
	});

	it("after clear(), a machine's session (client credentials) asks the server again on the next getToken(): 1 new request, the old token never served", async () => {
		const manager = createTokenManager(testProvider(), FAST);
		const first = await manager.getToken();
		await manager.clear();
		const next = await manager.getToken();
		expect(next.accessToken).not.toBe(first.accessToken);
		expect((await manager.getToken()).accessToken).toBe(next.accessToken);
		expect(endpoint.seen.map((r) => r.params.grant_type)).toEqual(['client_credentials', 'client_credentials']);
	});

	it("a request in flight during clear() does not bring a person's session back", async () => {
		endpoint.respond(async () => {
			await delay(30);
			return endpoint.issue();
		});
		const manager = createTokenManager(testProvider({ grant: 'authorization_code' }), FAST);
		await manager.setTokens({ accessToken: 'old', refreshToken: 'old-refresh', expiresIn: 0 });
		const pending = manager.getToken();
		await manager.clear();
		await expect(pending).rejects.toMatchObject({ code: ErrorCode.LoginRequired });
		await expect(manager.getToken()).rejects.toMatchObject({ code: ErrorCode.LoginRequired });
	});

	it("a request in flight during clear() does not bring a machine's session back: its answer is dropped and the server asked again", async () => {
		endpoint.respond(async () => {
			await delay(30);
			return endpoint.issue();
		});
		const manager = createTokenManager(testProvider(), FAST);
		const first = await manager.getToken();
		const pending = manager.getToken({ forceRefresh: true });
		await delay(5);
		await manager.clear();
		const after = await pending;
		// The answer to the request made before clear() (access-2) was not kept: a third request replaced it.
		expect(first.accessToken).toBe('access-1');
		expect(endpoint.seen).toHaveLength(3);
		expect(after.accessToken).toBe('access-3');
		expect((await manager.getToken()).accessToken).toBe(after.accessToken);
	});

	it('emits token and error events with one readonly object each', async () => {
		const seen: string[] = [];
		const received: object[] = [];
		const secondListener: object[] = [];
		const manager = createTokenManager(testProvider(), FAST);
		const off = manager.on('token', (event) => {
			seen.push(`token:${event.source}`);
			received.push(event);
		});
		manager.on('error', (event) => {
			seen.push(`error:${(event.error as { code: string }).code}`);
			received.push(event);
		});
		manager.on('token', (event) => {
			secondListener.push(event);
			throw new Error('a broken listener must not break the manager');
		});
		manager.on('error', (event) => void secondListener.push(event));
		await manager.getToken();
		await manager.setTokens({ accessToken: 'x', expiresIn: 0 });
		endpoint.respond(() => HttpResponse.json({ error: 'invalid_client' }, { status: 401 }));
		await expect(manager.getToken()).rejects.toMatchObject({ code: ErrorCode.OAuth });
		off();
		expect(seen).toEqual(['token:grant', 'token:set', 'error:ERR_OAUTH']);
		// Readonly: frozen, so one listener cannot change what the next one sees.
		for (const event of received) expect(Object.isFrozen(event)).toBe(true);
		expect(() => {
			(received[0] as { source: string }).source = 'tampered';
		}).toThrow(TypeError);
		// One object each: every listener of an event gets the same object.
		expect(secondListener).toHaveLength(3);
		secondListener.forEach((event, index) => {
			expect(event).toBe(received[index]);
		});
	});
});
