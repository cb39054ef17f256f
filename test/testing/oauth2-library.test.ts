import { afterEach, describe, expect, it } from 'vitest';
import { createAuthorizationCodeFlow, createClient, createTokenManager, ErrorCode, oauth2 } from '../../src/index.js';
import { createMemoryStorage } from '../../src/key-value-storage.js';
import { REDIRECT_URI, visit } from '../_helpers/sqowey-flow.js';
import { transports, withToken, type Started } from '../_helpers/transports.js';

describe.each(transports)('the oauth2 preset against the emulated oauth2 server over $name', (transport) => {
	let started: Started;
	afterEach(() => started.stop());

	async function start() {
		started = await transport.start();
		const emulator = started.emulator;
		const { issuer, publicClientId } = emulator.credentials.oauth2;
		const codeFlow = () =>
			createAuthorizationCodeFlow(oauth2({ issuer, clientId: publicClientId!, redirectUri: REDIRECT_URI, grant: 'authorization_code' }), {
				attemptStorage: createMemoryStorage(),
				storage: 'memory',
				retry: 0,
			});
		return { emulator, issuer, codeFlow };
	}

	it('client credentials: oauth2(emulator.credentials.oauth2) discovers the token endpoint; one token for many calls', async () => {
		const { emulator, issuer } = await start();
		const tokens = createTokenManager(oauth2(emulator.credentials.oauth2), { retry: 0 });
		const api = createClient({ prefixUrl: `${issuer}/oauth2/v1/`, auth: tokens, retry: 0 });
		const answers = await Promise.all(Array.from({ length: 5 }, () => api.get('userinfo').json()));
		expect(answers).toEqual(Array(5).fill(expect.objectContaining({ sub: 'oauth2-service', client_id: 'oauth2-service' })));
		expect(emulator.counters()).toMatchObject({ tokenRequests: { total: 1, client_credentials: 1 }, apiRequests: { ok: 5 } });
	});

	it('authorization code + PKCE: the discovered authorization URL, the iss check, the exchange; logout revokes', async () => {
		const { emulator, issuer, codeFlow } = await start();
		const flow = codeFlow();
		const authorizationUrl = new URL(await flow.createAuthorizationUrl({ scope: ['openid', 'offline_access'] }));
		expect(`${authorizationUrl.origin}${authorizationUrl.pathname}`).toBe(`${issuer}/oauth2/v1/authorize`);
		const callback = await visit(authorizationUrl.href);
		expect(callback.searchParams.get('iss')).toBe(issuer);
		const tokenSet = await flow.handleCallback(callback);
		expect(tokenSet).toMatchObject({ scope: 'openid offline_access', refreshToken: expect.any(String) });

		const api = createClient({ prefixUrl: `${issuer}/oauth2/v1/`, auth: flow.tokens, retry: 0 });
		expect(await api.get('userinfo').json()).toMatchObject({ sub: 'oauth2-user-1' });
		expect(await flow.logout()).toEqual({
			revoked: true,
			errors: [],
			// The emulator is an OpenID Provider: where to end the person's session there too (RP-Initiated Logout).
			endSessionUrl: expect.stringMatching(/\/oauth2\/v1\/logout\?/),
		});
		expect((await withToken(`${issuer}/oauth2/v1/userinfo`, tokenSet.accessToken)).status).toBe(401);
		expect(emulator.counters()).toMatchObject({ tokenRequests: { authorization_code: 1 }, revocations: 2, refreshTokenReuse: 0 });
	});

	it('a refused consent comes back as access_denied and no code is exchanged', async () => {
		const { emulator, codeFlow } = await start();
		emulator.setConsent('deny');
		const flow = codeFlow();
		const callback = await visit(await flow.createAuthorizationUrl({ scope: 'openid' }));
		await expect(flow.handleCallback(callback)).rejects.toMatchObject({ code: ErrorCode.AuthorizationResponse, error: 'access_denied' });
		expect(emulator.counters().tokenRequests.total).toBe(0);
	});

	it('an expired access token is refreshed (rotation) and the call retried once', async () => {
		const { emulator, issuer, codeFlow } = await start();
		const flow = codeFlow();
		await flow.handleCallback(await visit(await flow.createAuthorizationUrl({ scope: 'openid offline_access' })));
		const api = createClient({ prefixUrl: `${issuer}/oauth2/v1/`, auth: flow.tokens, retry: 0 });
		for (let round = 1; round <= 2; round++) {
			emulator.expireAllTokens();
			const answers = await Promise.all(Array.from({ length: 10 }, () => api.get('userinfo').json()));
			expect(answers).toHaveLength(10);
			expect(emulator.counters().tokenRequests.refresh_token).toBe(round);
		}
		expect(emulator.counters().refreshTokenReuse).toBe(0);
	});
});
