import { afterEach, describe, expect, it } from 'vitest';
import { createTokenExchange, oauth2 } from '../../src/index.js';
import { useEmulator } from '../_helpers/emulator.js';
import { oauth2Login } from '../testing/oauth2-login.js';

const emulator = useEmulator({ providers: ['oauth2'] });
afterEach(() => emulator().setDpop(undefined));

const FAST = { retry: { retries: 1, minTimeout: 1, maxTimeout: 5 }, timeout: 2000 } as const;

/** The backend: the emulator's confidential client, which exchanges the tokens its callers send it. */
function backend() {
	const { issuer, clientId, clientSecret } = emulator().credentials.oauth2;
	return oauth2({ issuer, clientId, clientSecret });
}

/** A user's access token, as a frontend (the public client, PKCE) would send it to the backend. */
async function userAccessToken(scope = 'openid orders:read'): Promise<string> {
	const login = oauth2Login(emulator());
	const { params, verifier } = login.authorizationParams({ scope });
	const code = (await login.authorize(params)).get('code') ?? '';
	const response = await login.exchange(code, verifier);
	expect(response.status).toBe(200);
	return ((await response.json()) as { access_token: string }).access_token;
}

function callOrders(tokenType: string, accessToken: string): Promise<Response> {
	const [orders] = emulator().credentials.oauth2.resources;
	return fetch(`${orders}list`, { headers: { authorization: `${tokenType} ${accessToken}` }, signal: AbortSignal.timeout(2000) });
}

describe('token exchange against the emulator (RFC 8693)', () => {
	it("a user's token, exchanged for the orders API, is accepted there; the user's own token is not (wrong audience)", async () => {
		const [orders] = emulator().credentials.oauth2.resources;
		const subjectToken = await userAccessToken();
		const downstream = createTokenExchange(backend(), { ...FAST, resource: orders, scope: 'orders:read' });
		const tokenSet = await downstream.getToken({ subjectToken });
		expect(tokenSet).toMatchObject({ tokenType: 'Bearer', scope: 'orders:read', refreshToken: undefined });
		expect((await callOrders('Bearer', subjectToken)).status).toBe(401);
		const answer = await callOrders('Bearer', tokenSet.accessToken);
		expect(answer.status).toBe(200);
		expect(emulator().counters().resources[orders!]!.apiRequests).toMatchObject({ ok: 1, rejected: 1 });
	});

	it('a second call for the same subject token is served from the cache: counters show one exchange', async () => {
		const [orders] = emulator().credentials.oauth2.resources;
		const subjectToken = await userAccessToken();
		const downstream = createTokenExchange(backend(), { ...FAST, audience: orders });
		const first = await downstream.getToken({ subjectToken });
		const second = await downstream.getToken({ subjectToken });
		expect(second.accessToken).toBe(first.accessToken);
		expect(emulator().counters().tokenRequests).toMatchObject({ token_exchange: 1, authorization_code: 1 });
		expect((await callOrders('Bearer', second.accessToken)).status).toBe(200);
	});

	it('20 concurrent backend calls for one user make one exchange', async () => {
		const subjectToken = await userAccessToken();
		const downstream = createTokenExchange(backend(), { ...FAST, resource: emulator().credentials.oauth2.resources[0] });
		await Promise.all(Array.from({ length: 20 }, () => downstream.getToken({ subjectToken })));
		expect(emulator().counters().tokenRequests.token_exchange).toBe(1);
	});

	it('a subject token the server did not issue (or revoked) is invalid_grant, and nothing is cached', async () => {
		const downstream = createTokenExchange(backend(), FAST);
		const subjectToken = 'not-a-token-of-this-server';
		for (let attempt = 0; attempt < 2; attempt++) {
			const error = await downstream.getToken({ subjectToken }).catch((caught: unknown) => caught);
			expect(error).toMatchObject({ code: 'ERR_OAUTH', error: 'invalid_grant', status: 400 });
			expect(String(error)).not.toContain(subjectToken);
		}
		expect(emulator().counters().tokenRequests.token_exchange).toBe(2);
	});

	it('an exchange cannot widen the scope of the subject token (invalid_scope)', async () => {
		const subjectToken = await userAccessToken('openid');
		const downstream = createTokenExchange(backend(), { ...FAST, scope: 'orders:write' });
		await expect(downstream.getToken({ subjectToken })).rejects.toMatchObject({ code: 'ERR_OAUTH', error: 'invalid_scope' });
	});

	it('a public client cannot exchange tokens (unauthorized_client)', async () => {
		const { issuer, publicClientId = '' } = emulator().credentials.oauth2;
		const subjectToken = await userAccessToken();
		const downstream = createTokenExchange(oauth2({ issuer, clientId: publicClientId }), FAST);
		await expect(downstream.getToken({ subjectToken })).rejects.toMatchObject({ code: 'ERR_OAUTH', error: 'unauthorized_client' });
	});

	it('with dpop, the exchanged token is DPoP-bound (the token request carried a proof)', async () => {
		emulator().setDpop({});
		const subjectToken = await userAccessToken();
		const downstream = createTokenExchange(backend(), { ...FAST, resource: emulator().credentials.oauth2.resources[0], dpop: true });
		const tokenSet = await downstream.getToken({ subjectToken });
		expect(tokenSet.tokenType).toBe('DPoP');
		expect(emulator().counters().dpop.accepted).toBe(1);
		// Bound: as a Bearer token it is refused.
		expect((await callOrders('Bearer', tokenSet.accessToken)).status).toBe(401);
	});
});
