import { describe, expect, it } from 'vitest';
import { createAuthorizationCodeFlow, createClient, createTokenManager, ErrorCode, oauth2 } from '../../src/index.js';
import { createMemoryStorage } from '../../src/key-value-storage.js';
import { decodeJwt } from 'jose';
import { startOpenIdProvider, useOpenIdProvider } from '../_helpers/oidc-provider.js';

// Against panva's oidc-provider (OpenID Certified), not our own emulator: the suite must agree with a real server.
const op = useOpenIdProvider();

function machineTokens(clientAuth: 'basic' | 'body' = 'basic') {
	const { issuer, clients } = op();
	const { clientId, clientSecret } = clientAuth === 'basic' ? clients.basic : clients.post;
	return createTokenManager(oauth2({ issuer, clientId, clientSecret, clientAuth }), { retry: 0 });
}

function spaFlow() {
	const { issuer, clients } = op();
	const { clientId, redirectUri } = clients.spa;
	return createAuthorizationCodeFlow(oauth2({ issuer, clientId, redirectUri, grant: 'authorization_code' }), {
		attemptStorage: createMemoryStorage(),
		storage: 'memory',
		retry: 0,
	});
}

async function loggedIn() {
	const flow = spaFlow();
	const callback = await op().login(await flow.createAuthorizationUrl({ scope: ['openid', 'offline_access', 'orders:read'] }));
	const tokenSet = await flow.handleCallback(callback);
	return { flow, tokenSet };
}

const bearer = (url: string, token: string) =>
	fetch(url, { headers: { authorization: `Bearer ${token}` }, signal: AbortSignal.timeout(5_000) });

describe('the harness: oidc-provider and its APIs check what a real deployment checks', () => {
	it('an API refuses a request without a token, a token for the other API, a forged one, and an expired one', async () => {
		const { resources } = op();
		const { accessToken } = await machineTokens().getToken();
		expect((await bearer(`${resources.orders}whoami`, accessToken)).status).toBe(200);
		expect((await fetch(`${resources.orders}whoami`, { signal: AbortSignal.timeout(5_000) })).status).toBe(401);
		expect((await bearer(`${resources.billing}whoami`, accessToken)).status).toBe(401);
		expect((await bearer(`${resources.orders}whoami`, `${accessToken.slice(0, -4)}AAAA`)).status).toBe(401);
		op().expireAllTokens();
		expect((await bearer(`${resources.orders}whoami`, accessToken)).status).toBe(401);
		expect(op().counters().apis).toEqual({
			[resources.orders]: { ok: 1, rejected: 3, rejectedFor: { missing: 1, invalid: 1, 'expired-by-switch': 1 } },
			[resources.billing]: { ok: 0, rejected: 1, rejectedFor: { audience: 1 } },
		});
	});

	it('an access token past its exp is refused as expired (accessTokenTTL: 1 s)', async () => {
		const shortLived = await startOpenIdProvider({ accessTokenTTL: 1 });
		try {
			const { issuer, clients, resources } = shortLived;
			const { accessToken } = await createTokenManager(oauth2({ issuer, ...clients.basic }), { retry: 0 }).getToken();
			const { exp = 0, iat = 0 } = decodeJwt(accessToken);
			expect(exp - iat).toBe(1);
			await new Promise((resolve) => setTimeout(resolve, Math.min(2_000, Math.max(0, exp * 1000 - Date.now()))));
			expect((await bearer(`${resources.orders}whoami`, accessToken)).status).toBe(401);
			expect(shortLived.counters().apis[resources.orders]).toEqual({ ok: 0, rejected: 1, rejectedFor: { expired: 1 } });
		} finally {
			await shortLived.close();
		}
	});

	it('a rotated refresh token presented again is counted, and oidc-provider revokes the whole grant', async () => {
		const { flow, tokenSet } = await loggedIn();
		await flow.tokens.getToken({ forceRefresh: true });
		const { issuer, clients } = op();
		const replay = await fetch(`${issuer}/token`, {
			method: 'POST',
			body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: tokenSet.refreshToken!, client_id: clients.spa.clientId }),
			signal: AbortSignal.timeout(5_000),
		});
		expect(replay.status).toBe(400);
		expect(await replay.json()).toMatchObject({ error: 'invalid_grant', error_description: 'grant request is invalid' });
		// The session's own (newest) refresh token died with the grant: its next refresh needs a new login.
		await expect(flow.tokens.getToken({ forceRefresh: true })).rejects.toMatchObject({ code: ErrorCode.LoginRequired });
		expect(op().counters()).toMatchObject({ refreshTokenReuse: 1, grantsRevokedOnReuse: 1, serverErrors: [] });
	});
});

describe('tokenkeeper against oidc-provider (today’s API: one token per session)', () => {
	it('client credentials (client_secret_basic): 10 concurrent cold calls -> 1 token request, for the default audience', async () => {
		const { resources } = op();
		const api = createClient({ prefixUrl: resources.orders, auth: machineTokens(), retry: 0 });
		const answers = await Promise.all(Array.from({ length: 10 }, () => api.get('whoami').json()));
		expect(answers).toEqual(Array(10).fill(expect.objectContaining({ aud: resources.orders, client_id: 'service-basic' })));
		expect(op().counters()).toMatchObject({
			tokenRequests: { total: 1, byGrant: { client_credentials: 1 }, byResource: { '': 1 } },
			apis: { [resources.orders]: { ok: 10, rejected: 0 } },
			serverErrors: [],
		});
	});

	it('client credentials (client_secret_post): the secret in the body is accepted too', async () => {
		const { resources } = op();
		const api = createClient({ prefixUrl: resources.orders, auth: machineTokens('body'), retry: 0 });
		expect(await api.get('whoami').json()).toMatchObject({ client_id: 'service-post' });
		expect(op().counters().tokenRequests).toMatchObject({ total: 1, byGrant: { client_credentials: 1 } });
		expect(op().counters().tokenErrors).toEqual({});
	});

	it('tokens revoked at the server -> 20 concurrent calls cost 1 new token, each call retried once', async () => {
		const { resources } = op();
		const api = createClient({ prefixUrl: resources.orders, auth: machineTokens(), retry: 0 });
		await api.get('whoami').json();
		op().revokeAllTokens();
		await Promise.all(Array.from({ length: 20 }, () => api.get('whoami').json()));
		expect(op().counters()).toMatchObject({
			tokenRequests: { total: 2, byGrant: { client_credentials: 2 } },
			apis: { [resources.orders]: { ok: 21, rejected: 20, rejectedFor: { revoked: 20 } } },
		});
	});

	it('authorization code + PKCE, headless: login, consent, iss checked, code exchanged; the token is for the orders API', async () => {
		const { tokenSet } = await loggedIn();
		expect(tokenSet).toMatchObject({ refreshToken: expect.any(String), idToken: expect.any(String), tokenType: 'Bearer' });
		const { resources, user } = op();
		expect(await (await bearer(`${resources.orders}whoami`, tokenSet.accessToken)).json()).toMatchObject({
			sub: user,
			aud: resources.orders,
		});
		expect(op().counters()).toMatchObject({ tokenRequests: { total: 1, byGrant: { authorization_code: 1 } }, serverErrors: [] });
	});

	it('a declined consent comes back as access_denied, and no code is exchanged', async () => {
		op().setConsent('deny');
		const flow = spaFlow();
		const callback = await op().login(await flow.createAuthorizationUrl({ scope: ['openid', 'orders:read'] }));
		await expect(flow.handleCallback(callback)).rejects.toMatchObject({ code: ErrorCode.AuthorizationResponse, error: 'access_denied' });
		expect(op().counters().tokenRequests.total).toBe(0);
	});

	it('rotation: two concurrent getToken({ forceRefresh: true }) -> 1 refresh, 0 refresh-token reuse at the provider', async () => {
		const { flow, tokenSet } = await loggedIn();
		const [first, second] = await Promise.all([flow.tokens.getToken({ forceRefresh: true }), flow.tokens.getToken({ forceRefresh: true })]);
		expect(first.accessToken).toBe(second.accessToken);
		expect(first.refreshToken).not.toBe(tokenSet.refreshToken);
		expect(op().counters()).toMatchObject({
			tokenRequests: { byGrant: { authorization_code: 1, refresh_token: 1 } },
			refreshTokenReuse: 0,
			grantsRevokedOnReuse: 0,
		});
	});

	it('access tokens expired at the API -> 3 rounds of 20 concurrent calls, 1 refresh each, 0 reuse', async () => {
		const { flow } = await loggedIn();
		const { resources } = op();
		const api = createClient({ prefixUrl: resources.orders, auth: flow.tokens, retry: 0 });
		for (let round = 1; round <= 3; round++) {
			op().expireAllTokens();
			await Promise.all(Array.from({ length: 20 }, () => api.get('whoami').json()));
			expect(op().counters().tokenRequests.byGrant.refresh_token).toBe(round);
		}
		expect(op().counters()).toMatchObject({ refreshTokenReuse: 0, grantsRevokedOnReuse: 0, tokenErrors: {}, serverErrors: [] });
	});
});
