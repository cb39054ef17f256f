import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createAuthorizationCodeFlow, createClient, ErrorCode, sqowey, type AuthorizationCodeFlow } from '../../src/index.js';
import { createMemoryStorage } from '../../src/key-value-storage.js';
import { createEmulator, type Emulator } from '../../src/testing/index.js';

let emulator: Emulator;
const REDIRECT = 'http://127.0.0.1:9/callback';
beforeAll(async () => {
	emulator = await createEmulator({ providers: ['sqowey'] });
});
afterAll(() => emulator.close());
afterEach(() => {
	emulator.resetCounters();
	emulator.setConsent('allow');
});

function createFlow(): AuthorizationCodeFlow {
	return createAuthorizationCodeFlow(sqowey({ url: emulator.url, clientId: 'sqowey-spa', redirectUri: REDIRECT }), {
		attemptStorage: createMemoryStorage(),
		storage: 'memory',
		retry: 0,
	});
}

/** What a browser does: follow the authorization URL to the provider, which redirects back with a code. */
async function visit(authorizationUrl: string): Promise<string> {
	const response = await fetch(authorizationUrl, { redirect: 'manual', signal: AbortSignal.timeout(5000) });
	expect(response.status).toBe(302);
	return response.headers.get('location')!;
}

async function login(flow: AuthorizationCodeFlow) {
	const callback = await visit(await flow.createAuthorizationUrl({ scope: ['identity'] }));
	return flow.handleCallback(callback);
}

describe('Sqowey against the emulator (Node)', () => {
	it('logs in with PKCE and calls the API', async () => {
		const flow = createFlow();
		await login(flow);
		const api = createClient({ prefixUrl: `${emulator.url}/api/`, auth: flow.tokens });
		expect(await api.get('users/@me').json()).toMatchObject({ username: expect.any(String) });
		expect(emulator.counters().tokenRequests.authorization_code).toBe(1);
	});

	it('50 concurrent calls after the access token dies -> exactly 1 refresh; the rotated token is used for the next', async () => {
		const flow = createFlow();
		await login(flow);
		const api = createClient({ prefixUrl: `${emulator.url}/api/`, auth: flow.tokens });
		for (let round = 1; round <= 3; round++) {
			emulator.expireAllTokens();
			const results = await Promise.all(Array.from({ length: 50 }, () => api.get('users/@me').json()));
			expect(results).toHaveLength(50);
			expect(emulator.counters().tokenRequests.refresh_token).toBe(round);
		}
		expect(emulator.counters().refreshTokenReuse).toBe(0);
	});

	it('a forged state is refused, and no code is exchanged', async () => {
		const flow = createFlow();
		const callback = new URL(await visit(await flow.createAuthorizationUrl({ scope: ['identity'] })));
		callback.searchParams.set('state', 'forged');
		await expect(flow.handleCallback(callback)).rejects.toMatchObject({ code: ErrorCode.AuthorizationResponse, error: 'state_mismatch' });
		expect(emulator.counters().tokenRequests.authorization_code).toBe(0);
	});

	it('a reused code -> "expired or already used: log in again"', async () => {
		const flow = createFlow();
		const url = await flow.createAuthorizationUrl({ scope: ['identity'] });
		const callback = await visit(url);
		await flow.handleCallback(callback);
		// A second attempt replays the same code with its own (new) state and verifier.
		const replay = new URL(await visit(await flow.createAuthorizationUrl({ scope: ['identity'] })));
		replay.searchParams.set('code', new URL(callback).searchParams.get('code')!);
		const error = await flow.handleCallback(replay).catch((e: unknown) => e);
		expect(error).toMatchObject({ code: ErrorCode.LoginRequired });
		expect((error as Error).message).toMatch(/expired or was already used/);
	});

	it('the user denies consent -> access_denied, named', async () => {
		emulator.setConsent('deny');
		const flow = createFlow();
		const callback = await visit(await flow.createAuthorizationUrl({ scope: ['identity'] }));
		await expect(flow.handleCallback(callback)).rejects.toMatchObject({ code: ErrorCode.AuthorizationResponse, error: 'access_denied' });
	});

	it('logout revokes at the provider: the old tokens stop working', async () => {
		const flow = createFlow();
		const tokenSet = await login(flow);
		expect(await flow.logout()).toEqual({ revoked: true, errors: [] });
		expect(emulator.counters().revocations).toBe(2);
		const probe = await fetch(`${emulator.url}/api/users/@me`, { headers: { authorization: `Bearer ${tokenSet.accessToken}` } });
		expect(probe.status).toBe(401);
		await expect(flow.tokens.getToken()).rejects.toMatchObject({ code: ErrorCode.LoginRequired });
	});

	it('a dead session (no fallback grant) -> LoginRequiredError, login-required event', async () => {
		const flow = createFlow();
		await login(flow);
		const events: string[] = [];
		flow.tokens.on('login-required', ({ error }) => events.push(error.code));
		emulator.revokeAllTokens();
		const api = createClient({ prefixUrl: `${emulator.url}/api/`, auth: flow.tokens });
		await expect(api.get('users/@me')).rejects.toMatchObject({ code: ErrorCode.LoginRequired });
		expect(events).toEqual([ErrorCode.LoginRequired]);
	});
});
