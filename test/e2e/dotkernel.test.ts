import { inspect } from 'node:util';
import { describe, expect, it, vi } from 'vitest';
import { createClient, createTokenManager, dotkernel, ErrorCode, isOAuthError, type TokenManager } from '../../src/index.js';
import { useEmulator } from '../_helpers/emulator.js';

const emulator = useEmulator();

const fast = { retry: { retries: 2, minTimeout: 5, maxTimeout: 20 }, timeout: 1000 };
const concurrently = <T>(n: number, fn: () => Promise<T>) => Promise.all(Array.from({ length: n }, fn));

function manager(credentials?: () => Promise<{ username: string; password: string }>): TokenManager {
	const { url, clientId, clientSecret, username, password } = emulator().credentials.dotkernel;
	return createTokenManager(
		dotkernel({ url, clientId, clientSecret, credentials: credentials ?? (async () => ({ username, password })) }),
		fast,
	);
}

function client(tokens: TokenManager) {
	return createClient({ prefixUrl: `${emulator().url}/`, auth: tokens });
}

describe('Dotkernel against the emulator', () => {
	it('100 concurrent calls on a cold cache -> exactly one password grant, sent as JSON', async () => {
		const api = client(manager());
		const accounts = await concurrently(100, () => api.get('user/my-account').json<{ identity: string }>());
		expect(accounts.every((a) => a.identity === emulator().credentials.dotkernel.username)).toBe(true);
		// The emulator answers 415 to anything but JSON: a success means the grant was JSON.
		expect(emulator().counters().tokenRequests).toMatchObject({ password: 1, total: 1 });
	});

	it('403 means maybe expired: expire all tokens, 100 concurrent calls -> exactly one refresh, no reuse, all succeed', async () => {
		const api = client(manager());
		await api.get('user/my-account');
		emulator().expireAllTokens();
		const accounts = await concurrently(100, () => api.get('user/my-account').json());
		expect(accounts).toHaveLength(100);
		const counters = emulator().counters();
		expect(counters.tokenRequests).toMatchObject({ password: 1, refresh_token: 1 });
		expect(counters.refreshTokenReuse).toBe(0);
		expect(counters.apiRequests.ok).toBe(101);
	});

	it('the rotated refresh token is used for the next refresh', async () => {
		const api = client(manager());
		await api.get('user/my-account');
		for (let i = 0; i < 3; i++) {
			emulator().expireAllTokens();
			await api.get('user/my-account').json();
		}
		expect(emulator().counters().tokenRequests).toMatchObject({ password: 1, refresh_token: 3 });
		expect(emulator().counters().refreshTokenReuse).toBe(0);
	});

	it('a second 403 after a fresh token is a real permission error: returned, not retried again', async () => {
		const api = client(manager());
		const response = await api.get('admin/my-account', { throwHttpErrors: false });
		expect(response.status).toBe(403);
		expect(await response.json()).toEqual({ error: { messages: ['You are not allowed to access this resource.'] } });
		const { tokenRequests, apiRequests } = emulator().counters();
		expect(apiRequests.total).toBe(2);
		expect(tokenRequests).toMatchObject({ password: 1, refresh_token: 1 });
	});

	it('a dead refresh token falls back to one password grant', async () => {
		const api = client(manager());
		await api.get('user/my-account');
		emulator().revokeAllTokens();
		await concurrently(10, () => api.get('user/my-account').json());
		expect(emulator().counters().tokenRequests).toMatchObject({ password: 2, refresh_token: 1 });
	});

	it('without credentials, a dead refresh token -> LoginRequiredError', async () => {
		const { url, clientId, clientSecret } = emulator().credentials.dotkernel;
		const tokens = createTokenManager(dotkernel({ url, clientId, clientSecret }), fast);
		const seeded = await manager().getToken();
		await tokens.setTokens(seeded);
		emulator().revokeAllTokens();
		await expect(client(tokens).get('user/my-account')).rejects.toMatchObject({ code: ErrorCode.LoginRequired });
	});

	it('setTokens() for a pair obtained elsewhere: only rotation is needed', async () => {
		const { url, clientId, clientSecret } = emulator().credentials.dotkernel;
		const tokens = createTokenManager(dotkernel({ url, clientId, clientSecret }), fast);
		await tokens.setTokens(await manager().getToken());
		emulator().expireAllTokens();
		await client(tokens).get('user/my-account').json();
		expect(emulator().counters().tokenRequests).toMatchObject({ password: 1, refresh_token: 1 });
	});

	it('a wrong password -> OAuthError saying so, status 400, the password in no field, stack or JSON', async () => {
		const password = 'WRONG-pass-5d7e1b';
		const error = await manager(async () => ({ username: 'test@dotkernel.com', password }))
			.getToken()
			.catch((e: unknown) => e);
		expect(isOAuthError(error)).toBe(true);
		expect(error).toMatchObject({ status: 400, error: 'Invalid credentials.' });
		expect((error as Error).message).toMatch(/username or password was refused/);
		const printed = [String(error), (error as Error).stack, JSON.stringify(error), inspect(error, { showHidden: true, depth: 10 })];
		for (const text of printed) expect(text).not.toContain(password);
	});

	it('credentials throwing -> its error surfaces, and no request is sent', async () => {
		const credentials = vi.fn(async () => {
			throw new Error('vault unavailable');
		});
		await expect(manager(credentials).getToken()).rejects.toThrow('vault unavailable');
		expect(credentials).toHaveBeenCalledTimes(1);
		expect(emulator().counters().tokenRequests.total).toBe(0);
	});

	it('credentials are asked for only when a password grant is needed', async () => {
		const { username, password } = emulator().credentials.dotkernel;
		const credentials = vi.fn(async () => ({ username, password }));
		const api = client(manager(credentials));
		await api.get('user/my-account');
		emulator().expireAllTokens();
		await api.get('user/my-account');
		expect(credentials).toHaveBeenCalledTimes(1);
	});
});
