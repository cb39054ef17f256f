import { beforeEach, describe, expect, it, vi } from 'vitest';
import { calculateJwkThumbprint, exportJWK } from 'jose';
import {
	authFetch,
	createAuthorizationCodeFlow,
	createClient,
	createTokenManager,
	ErrorCode,
	isTokenkeeperError,
	oauth2,
} from '../../src/index.js';
import { FAST, testProvider } from '../_helpers/manager.js';
import { API_URL, TOKEN_URL, useMockServer } from '../_helpers/token-server.js';
import { createDpopMockServer } from './dpop-mock-server.js';

const mock = createDpopMockServer();
useMockServer(...mock.handlers);
beforeEach(() => mock.reset());

const { state } = mock;

function dpopClient(
	dpop: Parameters<typeof createTokenManager>[1] extends infer O ? (O extends { dpop?: infer D } ? D : never) : never = true,
) {
	const tokens = createTokenManager(testProvider(), { ...FAST, dpop });
	return { tokens, api: createClient({ prefixUrl: `${API_URL}/v1/`, auth: tokens, retry: 0, throwHttpErrors: false }) };
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
	try {
		await promise;
	} catch (error) {
		return error;
	}
	throw new Error('expected a rejection');
}

describe('DPoP proofs (checked with jose)', () => {
	it('client credentials: the token request carries a proof without ath, the API request one with ath, Authorization: DPoP', async () => {
		const { tokens, api } = dpopClient();
		const response = await api.get('things?page=2#top');
		expect(response.status).toBe(200);
		expect((await tokens.getToken()).tokenType).toBe('DPoP');
		expect(state.tokenSends).toHaveLength(1);
		expect(state.tokenSends[0]!.proof).toMatchObject({ htm: 'POST', htu: TOKEN_URL });
		expect(state.tokenSends[0]!.proof!.ath).toBeUndefined();
		expect(state.apiSends).toHaveLength(1);
		expect(state.apiSends[0]!.authorization).toBe('DPoP at-1');
		// htu without query and fragment (RFC 9449 4.2); ath checked against Node's own SHA-256 in checkProof.
		expect(state.apiSends[0]!.proof).toMatchObject({ htm: 'GET', htu: `${API_URL}/v1/things` });
		expect(state.apiSends[0]!.proof!.jkt).toBe(state.tokenSends[0]!.proof!.jkt);
		expect(mock.refusals()).toEqual([]);
	});

	it('authFetch sends a POST with a proof for POST, and every request a new jti', async () => {
		const { tokens } = dpopClient();
		const fetchWithToken = authFetch({ auth: tokens, allowedOrigins: [API_URL] });
		for (let i = 0; i < 3; i += 1) {
			expect((await fetchWithToken(`${API_URL}/v1/items`, { method: 'post', body: '{"a":1}' })).status).toBe(200);
		}
		expect(state.apiSends.map((send) => send.proof?.htm)).toEqual(['POST', 'POST', 'POST']);
		expect(new Set(state.apiSends.map((send) => send.proof?.jti)).size).toBe(3);
		expect(mock.refusals()).toEqual([]);
	});

	it('200 concurrent cold calls: 1 token request, 200 API calls accepted, each with its own valid proof', async () => {
		const { api } = dpopClient();
		const answers = await Promise.all(Array.from({ length: 200 }, (_, i) => api.get(`things/${i}`)));
		expect(answers.filter((answer) => answer.status === 200)).toHaveLength(200);
		expect(state.tokenSends).toHaveLength(1);
		expect(state.apiSends.filter((send) => send.proof !== undefined && send.refused === undefined)).toHaveLength(200);
		expect(state.seenJti.size).toBe(201);
	});

	it('a token rejected by the API gets a new token and the retry a new proof (new jti, new ath)', async () => {
		const { api } = dpopClient();
		await api.get('things');
		state.bound.clear();
		const response = await api.get('things');
		expect(response.status).toBe(200);
		const [, rejected, retried] = state.apiSends;
		expect(rejected!.refused).toBe('binding');
		expect(retried!.authorization).toBe('DPoP at-2');
		expect(retried!.proof!.jti).not.toBe(rejected!.proof!.jti);
		expect(retried!.proof!.ath).not.toBe(rejected!.proof!.ath);
	});
});

describe('DPoP nonces', () => {
	it('required by the token endpoint and the API: 2 extra round trips on the first call, 0 on the tenth', async () => {
		state.tokenNonce = 'token-nonce-1';
		state.apiNonce = 'api-nonce-1';
		const { tokens, api } = dpopClient();
		const extraRoundTrips: number[] = [];
		for (let call = 1; call <= 10; call += 1) {
			const before = state.tokenSends.length + state.apiSends.length;
			// Call 5 gets a new token: the endpoint's nonce is remembered too.
			if (call === 5) await tokens.clear().then(() => tokens.setTokens({ accessToken: 'expired', tokenType: 'DPoP', expiresAt: 0 }));
			expect((await api.get('things')).status).toBe(200);
			const sends = state.tokenSends.length + state.apiSends.length - before;
			const needed = call === 1 || call === 5 ? 2 : 1;
			extraRoundTrips.push(sends - needed);
		}
		console.log(`DPoP nonce at token endpoint and API: extra round trips per call ${extraRoundTrips.join(', ')}`);
		expect(extraRoundTrips[0]).toBe(2);
		expect(extraRoundTrips[9]).toBe(0);
		expect(extraRoundTrips.slice(1)).toEqual([0, 0, 0, 0, 0, 0, 0, 0, 0]);
		expect(state.tokenSends[1]!.proof!.nonce).toBe('token-nonce-1');
	});

	it('a nonce that changes on every answer: bounded, never a loop (at most 2 token sends per token request, 4 API sends per call)', async () => {
		state.rotate = true;
		state.tokenNonce = 'first';
		state.apiNonce = 'first';
		const { api } = dpopClient();
		const statuses: number[] = [];
		for (let i = 0; i < 5; i += 1) statuses.push((await api.get('things')).status);
		// Each answer's nonce is the one the next proof carries: after the first call, no extra round trip.
		expect(statuses).toEqual([200, 200, 200, 200, 200]);
		expect(state.tokenSends).toHaveLength(2);
		expect(state.apiSends).toHaveLength(6);
	});

	it('a server that refuses every nonce, naming a new one each time: each request stops after its budgets (one nonce retry, one token retry)', async () => {
		const { api } = dpopClient();
		await api.get('things');
		state.refuseEveryNonce = true;
		const before = { api: state.apiSends.length, token: state.tokenSends.length };
		const response = await api.get('things');
		expect(response.status).toBe(401);
		// 1 send, 1 nonce retry, then the token retry: 1 send (its nonce budget is spent), and 1 token request.
		expect(state.apiSends.length - before.api).toBe(3);
		expect(state.tokenSends.length - before.token).toBe(1);
	});

	it('an API refusing the very nonce it names: a clear ERR_DPOP after one retry, and no new token (a token retry would not help)', async () => {
		const { api } = dpopClient();
		await api.get('things');
		state.apiNonce = 'the-one';
		state.refuseItsOwnNonce = true;
		const before = { api: state.apiSends.length, token: state.tokenSends.length };
		const error = await api.get('things').catch((caught: unknown) => caught);
		expect(error).toMatchObject({ code: 'ERR_DPOP', message: expect.stringMatching(/refused the DPoP nonce it names itself/) });
		// The first send learns the nonce, the retry carries it and is refused with the same one.
		expect(state.apiSends.length - before.api).toBe(2);
		expect(state.apiSends.at(-1)!.proof!.nonce).toBe('the-one');
		expect(state.tokenSends.length - before.token).toBe(0);
	});

	it('an API asking for a nonce it does not give (in a browser: DPoP-Nonce not exposed): ERR_DPOP naming the CORS header, one send', async () => {
		const { api } = dpopClient();
		await api.get('things');
		state.apiNonce = 'required';
		state.hideApiNonce = true;
		const before = { api: state.apiSends.length, token: state.tokenSends.length };
		const error = await api.get('things').catch((caught: unknown) => caught);
		expect(error).toMatchObject({ code: 'ERR_DPOP', message: expect.stringMatching(/Access-Control-Expose-Headers: DPoP-Nonce/) });
		expect(state.apiSends.length - before.api).toBe(1);
		expect(state.tokenSends.length - before.token).toBe(0);
	});
});

describe('DPoP faults', () => {
	it('downgrade: a Bearer token answered to a DPoP request is used as Bearer, with a dpop-downgrade event', async () => {
		state.tokenType = 'Bearer';
		const { tokens, api } = dpopClient();
		const events: unknown[] = [];
		tokens.on('dpop-downgrade', (event) => events.push(event));
		expect((await api.get('things')).status).toBe(200);
		expect(state.apiSends[0]!.authorization).toBe('Bearer at-1');
		expect(events).toEqual([{ tokenType: 'Bearer' }]);
	});

	it("clock skew: a proof refused for its iat is retried once with the server's Date offset", async () => {
		state.serverOffset = -3600;
		const { api } = dpopClient();
		expect((await api.get('things')).status).toBe(200);
		expect(state.tokenSends.map((send) => send.refused)).toEqual(['iat', undefined]);
		// The API's proofs are dated by the server's clock from then on: no refusal there.
		expect(state.apiSends.map((send) => send.refused)).toEqual([undefined]);
	});

	it('clock skew with a Date the server itself does not go by: one retry, then a clear ERR_DPOP saying to check the clock', async () => {
		state.serverOffset = -3600;
		// The server's Date says one thing, its check another: a broken server, which must not cost a loop.
		state.dateLies = true;
		const tokens = createTokenManager(testProvider(), { ...FAST, dpop: true });
		const error = await rejection(tokens.getToken());
		expect(isTokenkeeperError(error) && error.code).toBe(ErrorCode.Dpop);
		expect((error as Error).message).toMatch(
			/refused the DPoP proof's time \(iat\) even after taking the server's clock.*check this machine's clock/,
		);
		expect(state.tokenSends.map((send) => send.refused)).toEqual(['iat', 'iat']);
	});

	it('clock skew at the API only: one retry with its Date, then a clear error, and no new token (a token retry would not help)', async () => {
		const { api } = dpopClient();
		expect((await api.get('things')).status).toBe(200);
		state.serverOffset = -3600;
		state.dateLies = true;
		const before = { api: state.apiSends.length, token: state.tokenSends.length };
		const error = await rejection(api.get('things'));
		expect(isTokenkeeperError(error) && error.code).toBe(ErrorCode.Dpop);
		expect((error as Error).message).toMatch(/The API at api\.test refused the DPoP proof's time/);
		expect(state.apiSends.length - before.api).toBe(2);
		expect(state.tokenSends.length - before.token).toBe(0);
	});

	it('without dpop, a DPoP token is refused with a message saying to set `dpop`', async () => {
		state.issueWithoutProof = true;
		const tokens = createTokenManager(testProvider(), FAST);
		const error = await rejection(tokens.getToken());
		expect(isTokenkeeperError(error) && error.code).toBe(ErrorCode.UnsupportedTokenType);
		expect((error as Error).message).toContain('set the `dpop` option');
		expect(state.tokenSends).toHaveLength(1);
	});

	it('a key pair that is not ES256 is refused with ERR_DPOP, before any request', async () => {
		const keyPair = (await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-384' }, false, ['sign', 'verify'])) as CryptoKeyPair;
		const tokens = createTokenManager(testProvider(), { ...FAST, dpop: { keyPair } });
		const error = await rejection(tokens.getToken());
		expect(isTokenkeeperError(error) && error.code).toBe(ErrorCode.Dpop);
		expect((error as Error).message).toMatch(/ES256/);
		expect(state.tokenSends).toHaveLength(0);
	});

	it('a runtime without Web Crypto ECDSA: a clear ERR_DPOP at the first token request, which is not sent', async () => {
		vi.spyOn(crypto.subtle, 'generateKey').mockRejectedValue(new DOMException('Algorithm: Unrecognized name', 'NotSupportedError'));
		const tokens = createTokenManager(testProvider(), { ...FAST, dpop: true });
		const error = await rejection(tokens.getToken());
		expect(isTokenkeeperError(error) && error.code).toBe(ErrorCode.Dpop);
		expect((error as Error).message).toMatch(/cannot make an ECDSA P-256 key/);
		expect(state.tokenSends).toHaveLength(0);
	});

	it('a key pair of your own signs the proofs: its thumbprint is the one the server binds', async () => {
		const keyPair = (await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, ['sign', 'verify'])) as CryptoKeyPair;
		const { api } = dpopClient({ keyPair });
		expect((await api.get('things')).status).toBe(200);
		expect(state.tokenSends[0]!.proof!.jkt).toBe(await calculateJwkThumbprint(await exportJWK(keyPair.publicKey)));
	});

	it('an access token bound (cnf.jkt) to a key this process does not hold: ERR_DPOP, no request sent', async () => {
		const { tokens, api } = dpopClient();
		const payload = Buffer.from(JSON.stringify({ cnf: { jkt: 'another-key-thumbprint' } })).toString('base64url');
		await tokens.setTokens({ accessToken: `eyJhbGciOiJFUzI1NiJ9.${payload}.sig`, tokenType: 'DPoP', expiresIn: 3600 });
		const error = await rejection(api.get('things'));
		expect(isTokenkeeperError(error) && error.code).toBe(ErrorCode.Dpop);
		expect((error as Error).message).toMatch(/bound to a DPoP key this process does not hold/);
		expect(state.apiSends).toHaveLength(0);
	});
});

describe('DPoP login', () => {
	it('the authorization URL carries dpop_jkt, the code exchange a proof of the same key', async () => {
		const provider = oauth2({
			authorizationEndpoint: 'https://auth.test/authorize',
			tokenEndpoint: TOKEN_URL,
			clientId: 'spa',
			redirectUri: 'https://app.test/callback',
		});
		const flow = createAuthorizationCodeFlow(provider, { ...FAST, dpop: true, storage: 'memory' });
		const url = new URL(await flow.createAuthorizationUrl({ scope: 'openid' }));
		const jkt = url.searchParams.get('dpop_jkt');
		expect(jkt).toMatch(/^[\w-]{43}$/);
		const state2 = url.searchParams.get('state')!;
		const tokenSet = await flow.handleCallback(`https://app.test/callback?code=abc&state=${state2}`);
		expect(tokenSet.tokenType).toBe('DPoP');
		expect(state.tokenSends[0]!.params.grant_type).toBe('authorization_code');
		expect(state.tokenSends[0]!.proof!.jkt).toBe(jkt);
		expect(state.tokenSends[0]!.proof!.htu).toBe(TOKEN_URL);
	});

	it('without dpop, the authorization URL has no dpop_jkt', async () => {
		const provider = oauth2({
			authorizationEndpoint: 'https://auth.test/authorize',
			tokenEndpoint: TOKEN_URL,
			clientId: 'spa',
			redirectUri: 'https://app.test/cb',
		});
		const flow = createAuthorizationCodeFlow(provider, { storage: 'memory' });
		expect(new URL(await flow.createAuthorizationUrl()).searchParams.has('dpop_jkt')).toBe(false);
	});

	it('refresh with DPoP: the refresh request carries a proof of the same key, the rotated refresh token is kept', async () => {
		const { tokens } = dpopClient();
		const first = await tokens.getToken();
		const second = await tokens.getToken({ forceRefresh: true });
		expect(state.tokenSends.map((send) => send.params.grant_type)).toEqual(['client_credentials', 'refresh_token']);
		expect(state.tokenSends[1]!.params.refresh_token).toBe(first.refreshToken);
		expect(second.refreshToken).toBe('rt-2');
		expect(state.tokenSends[1]!.proof!.jkt).toBe(state.tokenSends[0]!.proof!.jkt);
	});

	it('clear() drops a key tokenkeeper made: the next token is bound to a new key', async () => {
		const { tokens } = dpopClient();
		await tokens.getToken();
		await tokens.clear();
		await tokens.setTokens({ accessToken: 'x', tokenType: 'DPoP', expiresAt: 0 });
		await tokens.getToken();
		expect(state.tokenSends[1]!.proof!.jkt).not.toBe(state.tokenSends[0]!.proof!.jkt);
	});
});
