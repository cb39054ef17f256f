import { describe, expect, it } from 'vitest';
import { createAuthorizationCodeFlow, createClient, createTokenManager, ErrorCode, oauth2, type TokenManager } from '../../src/index.js';
import { createMemoryStorage } from '../../src/key-value-storage.js';
import { useEmulator } from '../_helpers/emulator.js';
import { REDIRECT_URI, visit } from '../_helpers/sqowey-flow.js';

// #24's figures against the emulator on 127.0.0.1 (tokenkeeper/testing): its OAuth2 server has two APIs, /orders/
// and /billing/, each accepting only access tokens issued for it (RFC 8707), and one rotating refresh-token family
// serving both. The same figures against oidc-provider: oidc-provider-resources.test.ts. Each test prints its figure
// on one line ("figure: …"), for the closing note of #24.
const emulator = useEmulator();

const range = (count: number) => Array.from({ length: count }, (_, index) => index);

function resources() {
	const [orders = '', billing = ''] = emulator().credentials.oauth2.resources;
	return { orders, billing };
}

/** The two APIs' clients over one session; `retry: 0`: only tokenkeeper's own retry after a 401 is counted. */
function apis(tokens: TokenManager) {
	const { orders, billing } = resources();
	return {
		orders: createClient({ prefixUrl: orders, auth: tokens, resource: orders, retry: 0 }),
		billing: createClient({ prefixUrl: billing, auth: tokens, resource: billing, retry: 0 }),
	};
}

/** `count` + `count` concurrent calls, to each API; each answer names the resource that accepted the token. */
async function callBoth(session: ReturnType<typeof apis>, count: number): Promise<void> {
	const answers = await Promise.all([
		...range(count).map((index) => session.orders.get(`${index}`).json<{ resource: string }>()),
		...range(count).map((index) => session.billing.get(`${index}`).json<{ resource: string }>()),
	]);
	const { orders, billing } = resources();
	expect(answers.map(({ resource }) => resource)).toEqual([...Array(count).fill(orders), ...Array(count).fill(billing)]);
}

/** What the figure lines show: per API, its token requests (by grant where it matters) and its API calls. */
function perApi() {
	const { orders, billing } = resources();
	const counted = emulator().counters().resources;
	const line = (id: string) => {
		const { tokenRequests, apiRequests } = counted[id]!;
		return `${tokenRequests.total} token request(s) (${tokenRequests.client_credentials} client_credentials, ${tokenRequests.refresh_token} refresh_token, ${tokenRequests.authorization_code} authorization_code), API ${apiRequests.ok} ok / ${apiRequests.rejected} rejected`;
	};
	return `orders: ${line(orders)}; billing: ${line(billing)}`;
}

function machineSession() {
	const { issuer, clientId, clientSecret } = emulator().credentials.oauth2;
	const tokens = createTokenManager(oauth2({ issuer, clientId, clientSecret }), { retry: 0 });
	return { tokens, ...apis(tokens) };
}

/** One login (authorization code + PKCE) naming both APIs, driven as a browser would: follow the redirect back. */
async function spaLogin(named: 'both' | 'none' = 'both') {
	const { issuer, publicClientId = '' } = emulator().credentials.oauth2;
	const { orders, billing } = resources();
	const resource = named === 'both' ? [orders, billing] : [];
	const flow = createAuthorizationCodeFlow(
		oauth2({ issuer, clientId: publicClientId, redirectUri: REDIRECT_URI, grant: 'authorization_code' }),
		{
			attemptStorage: createMemoryStorage(),
			storage: 'memory',
			retry: 0,
		},
	);
	const authorizationUrl = await flow.createAuthorizationUrl({ scope: ['openid', 'offline_access'], resource });
	// RFC 8707 2.1: one authorization request naming each API.
	expect(new URL(authorizationUrl).searchParams.getAll('resource')).toEqual(resource);
	const login = await flow.handleCallback(await visit(authorizationUrl));
	return { flow, login, ...apis(flow.tokens) };
}

describe('many APIs, one session, against the emulator (RFC 8707)', () => {
	it('client credentials: 50 + 50 concurrent cold calls to two audience-checking APIs -> 1 token request per API', async () => {
		const { orders, billing } = resources();
		await callBoth(machineSession(), 50);
		console.log(`figure: client credentials, 50 + 50 cold calls -> ${perApi()}`);
		expect(emulator().counters()).toMatchObject({
			tokenRequests: { total: 2, client_credentials: 2 },
			apiRequests: { ok: 100, rejected: 0 },
			resources: {
				[orders]: { tokenRequests: { total: 1, client_credentials: 1 }, apiRequests: { ok: 50, rejected: 0 } },
				[billing]: { tokenRequests: { total: 1, client_credentials: 1 }, apiRequests: { ok: 50, rejected: 0 } },
			},
		});
	});

	it('client credentials: tokens revoked at the server -> 1 new token per API, each call retried once', async () => {
		const { orders, billing } = resources();
		const session = machineSession();
		await callBoth(session, 50);
		emulator().resetCounters();
		emulator().revokeAllTokens();
		await callBoth(session, 50);
		console.log(`figure: client credentials, tokens revoked, 50 + 50 calls -> ${perApi()}`);
		// Every call was rejected once (the revoked token) and answered by its one retry (the new token): 50 + 50 each.
		expect(emulator().counters()).toMatchObject({
			tokenRequests: { total: 2, client_credentials: 2 },
			apiRequests: { total: 200, ok: 100, rejected: 100 },
			resources: {
				[orders]: { tokenRequests: { total: 1, client_credentials: 1 }, apiRequests: { total: 100, ok: 50, rejected: 50 } },
				[billing]: { tokenRequests: { total: 1, client_credentials: 1 }, apiRequests: { total: 100, ok: 50, rejected: 50 } },
			},
		});
	});

	it('one login for two APIs: the code exchange names the first, the second comes by refresh', async () => {
		const { orders, billing } = resources();
		await callBoth(await spaLogin(), 1);
		console.log(
			`figure: one login (code + PKCE, two resources), 1 + 1 calls -> ${perApi()}; refresh-token reuse ${emulator().counters().refreshTokenReuse}`,
		);
		expect(emulator().counters()).toMatchObject({
			tokenRequests: { total: 2, authorization_code: 1, refresh_token: 1 },
			refreshTokenReuse: 0,
			resources: {
				[orders]: { tokenRequests: { total: 1, authorization_code: 1 }, apiRequests: { ok: 1, rejected: 0 } },
				[billing]: { tokenRequests: { total: 1, refresh_token: 1 }, apiRequests: { ok: 1, rejected: 0 } },
			},
		});
	});

	it("a login naming resources: handleCallback returns the session's refresh token (and ID token), as a login without resources does", async () => {
		const held = ({ login }: Awaited<ReturnType<typeof spaLogin>>) => ({
			refreshToken: typeof login.refreshToken,
			idToken: typeof login.idToken,
		});
		const without = held(await spaLogin('none'));
		expect(without.refreshToken).toBe('string');
		expect(held(await spaLogin('both'))).toEqual(without);
	});

	it('one login, 20 + 20 calls to two APIs after the tokens die -> 2 refreshes, 0 refresh-token reuse', async () => {
		const { orders, billing } = resources();
		const session = await spaLogin();
		await callBoth(session, 1);
		emulator().resetCounters();
		emulator().expireAllTokens();
		await callBoth(session, 20);
		console.log(
			`figure: one login, tokens expired, 20 + 20 calls -> ${perApi()}; refresh-token reuse ${emulator().counters().refreshTokenReuse}`,
		);
		expect(emulator().counters()).toMatchObject({
			tokenRequests: { total: 2, refresh_token: 2 },
			refreshTokenReuse: 0,
			apiRequests: { total: 80, ok: 40, rejected: 40 },
			resources: {
				[orders]: { tokenRequests: { total: 1, refresh_token: 1 }, apiRequests: { ok: 20, rejected: 20 } },
				[billing]: { tokenRequests: { total: 1, refresh_token: 1 }, apiRequests: { ok: 20, rejected: 20 } },
			},
		});
	});

	it('an unknown resource -> OAuthError invalid_target naming it; the session (its refresh token) still works', async () => {
		const { issuer } = emulator().credentials.oauth2;
		const session = await spaLogin();
		await callBoth(session, 1);
		const elsewhere = `${issuer}/elsewhere/`;
		const error = await session.flow.tokens.getToken({ resource: elsewhere }).catch((caught: unknown) => caught);
		expect(error).toMatchObject({ code: ErrorCode.OAuth, error: 'invalid_target' });
		expect((error as Error).message).toContain(elsewhere);
		console.log(`figure: unknown resource -> ${(error as Error).name} ${(error as { error: string }).error}: ${(error as Error).message}`);
		// The refusal spent nothing: the session's refresh token gets both APIs new tokens.
		emulator().resetCounters();
		emulator().expireAllTokens();
		await callBoth(session, 5);
		console.log(
			`figure: after invalid_target, tokens expired, 5 + 5 calls -> ${perApi()}; refresh-token reuse ${emulator().counters().refreshTokenReuse}`,
		);
		expect(emulator().counters()).toMatchObject({
			tokenRequests: { total: 2, refresh_token: 2 },
			refreshTokenReuse: 0,
			apiRequests: { ok: 10, rejected: 10 },
		});
	});

	it("logout after calls to two APIs: neither API's token works any more", async () => {
		const { orders, billing } = resources();
		const session = await spaLogin();
		await session.flow.tokens.getToken({ resource: billing });
		const ordersToken = (await session.flow.tokens.getToken({ resource: orders })).accessToken;
		const billingToken = (await session.flow.tokens.getToken({ resource: billing })).accessToken;
		const status = async (api: string, token: string) =>
			(await fetch(`${api}x`, { headers: { authorization: `Bearer ${token}` }, signal: AbortSignal.timeout(2_000) })).status;
		expect([await status(orders, ordersToken), await status(billing, billingToken)]).toEqual([200, 200]);
		expect(await session.flow.logout()).toEqual({
			revoked: true,
			errors: [],
			// The emulator is an OpenID Provider: where to end the person's session there too (RP-Initiated Logout).
			endSessionUrl: expect.stringMatching(/\/oauth2\/v1\/logout\?/),
		});
		// logout() revokes the entry's refresh token and its top access token (billing's, obtained first here, is not
		// the top one): the emulator, as RFC 7009 2.1 allows, revokes the refresh token's whole family with it.
		expect([await status(orders, ordersToken), await status(billing, billingToken)]).toEqual([401, 401]);
	});

	it('client credentials: an unknown resource -> OAuthError invalid_target naming it; the other APIs are still served', async () => {
		const { issuer } = emulator().credentials.oauth2;
		const session = machineSession();
		const elsewhere = `${issuer}/elsewhere/`;
		const error = await session.tokens.getToken({ resource: elsewhere }).catch((caught: unknown) => caught);
		expect(error).toMatchObject({ code: ErrorCode.OAuth, error: 'invalid_target' });
		expect((error as Error).message).toContain(elsewhere);
		await callBoth(session, 5);
		expect(emulator().counters()).toMatchObject({
			tokenRequests: { total: 3, client_credentials: 3 },
			apiRequests: { ok: 10, rejected: 0 },
		});
	});
});
