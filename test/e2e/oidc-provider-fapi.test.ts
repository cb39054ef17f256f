import { calculateJwkThumbprint, decodeJwt, exportJWK, generateKeyPair, jwtVerify } from 'jose';
import { describe, expect, it } from 'vitest';
import {
	createAuthorizationCodeFlow,
	createClient,
	createTokenManager,
	isOAuthError,
	type OAuthError,
	oauth2,
	privateKeyJwt,
} from '../../src/index.js';
import { createMemoryStorage } from '../../src/key-value-storage.js';
import {
	FAPI_REDIRECT_URI,
	FAPI_SCOPE,
	FAPI_SERVICE_ID as FAPI_CLIENT_ID,
	FAPI_WEB_ID,
	FAPI_WEB_PAR_ID,
} from '../_helpers/oidc-provider-fapi-config.js';
import { useFapiProvider } from '../_helpers/oidc-provider-fapi.js';

// Against panva's oidc-provider in its FAPI 2.0 Security Profile (features.fapi, profile '2.0'): the client proves
// itself with private_key_jwt only, its tokens are bound to a DPoP key, and the provider requires DPoP nonces. Each
// scenario prints its token requests on one line ("figure: …"), for the closing note of #26.
//
// oidc-provider tells the client only `invalid_client` / `client authentication failed` whatever the reason (it keeps
// the reason to itself, so a prober learns nothing): each refusal's reason is read from the provider's `grant.error`
// event (`error_detail`), the client's error is checked for its code, status, description and that it holds no JWT.

const CLIENT_KID = 'fapi-client-key-1';
const JWT_BEARER = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';
/** The client's key pair, made here with jose: the provider knows only its public half, from the client's `jwks`. */
const clientKeys = generateKeyPair('ES256', { extractable: false });

const op = useFapiProvider(async () => {
	const { publicKey } = await clientKeys;
	return { clientJwks: { keys: [{ ...(await exportJWK(publicKey)), kid: CLIENT_KID, alg: 'ES256', use: 'sig' }] } };
});

/** oidc-provider's pushed authorization request endpoint (RFC 9126), as its discovery names it. */
const parEndpoint = () => `${op().issuer}/request`;

/** A request to the token, revocation or PAR endpoint as it left tokenkeeper: its URL, form body and DPoP proof. */
interface SentRequest {
	readonly url: string;
	readonly body: URLSearchParams;
	readonly dpop: string | null;
}

interface FapiTokensOptions {
	readonly audience?: 'issuer' | 'token-endpoint';
	/** The session's clock (epoch ms): where the assertions' `iat` and `exp` come from. */
	readonly now?: () => number;
	readonly privateKey?: CryptoKey;
	/** Every token request is recorded here as it leaves. */
	readonly sent?: SentRequest[];
}

/** A fetch that records each request to the token and revocation endpoints before sending it. */
function recordingFetch(sent: SentRequest[]): typeof fetch {
	return (input, init) => {
		const request = new Request(input, init);
		if ([op().tokenEndpoint, op().revocationEndpoint, parEndpoint()].includes(request.url)) {
			sent.push({ url: request.url, body: new URLSearchParams(String(init?.body)), dpop: request.headers.get('dpop') });
		}
		return fetch(request);
	};
}

function fapiTokens(privateKey: CryptoKey, { audience, now, sent = [] }: FapiTokensOptions = {}) {
	const clientAuth = privateKeyJwt({ privateKey, kid: CLIENT_KID, audience });
	return createTokenManager(oauth2({ issuer: op().issuer, clientId: FAPI_CLIENT_ID, clientAuth }), {
		retry: 0,
		dpop: true,
		now,
		fetch: recordingFetch(sent),
	});
}

/** The error `promise` rejects with: an OAuthError `invalid_client` (401) that shows no assertion nor token. */
async function invalidClient(promise: Promise<unknown>): Promise<OAuthError> {
	const error = await promise.then(
		() => expect.fail('the token request was accepted'),
		(reason: unknown) => reason,
	);
	if (!isOAuthError(error)) throw error;
	expect(error).toMatchObject({
		code: 'ERR_OAUTH',
		error: 'invalid_client',
		status: 401,
		errorDescription: 'client authentication failed',
	});
	expect(error.message).toBe(
		'The token endpoint refused the request (401 invalid_client: client authentication failed). Check the client id and client secret, and `clientAuth`.',
	);
	expect(`${error.message} ${JSON.stringify(error)} ${String(error.stack)}`).not.toContain('eyJ');
	return error;
}

/** The reasons the provider gave itself for the refusals since the last reset, as `error: detail`. */
function refusalReasons(): string[] {
	return op()
		.counters()
		.refusals.map(({ error, detail }) => `${error}: ${detail}`);
}

describe('FAPI 2.0 client credentials against oidc-provider: private_key_jwt + DPoP', () => {
	it('10 concurrent cold API calls -> 1 token (DPoP, cnf.jkt = the proof key), 2 token requests (1 nonce retry), each with a new assertion whose aud is the issuer', async () => {
		const { privateKey, publicKey } = await clientKeys;
		const sent: SentRequest[] = [];
		const tokens = fapiTokens(privateKey, { sent });
		const api = createClient({ prefixUrl: op().api, auth: tokens, retry: 0 });
		const answers = await Promise.all(Array.from({ length: 10 }, () => api.get('balance').json<Record<string, unknown>>()));

		const tokenSet = await tokens.getToken();
		expect(tokenSet.tokenType).toBe('DPoP');
		const claims = decodeJwt(tokenSet.accessToken);
		expect(claims).toMatchObject({ iss: op().issuer, aud: op().api, client_id: FAPI_CLIENT_ID, cnf: { jkt: expect.any(String) } });
		// The API checked each proof against the token's cnf.jkt (jose); every answer names the same binding.
		expect(answers).toEqual(Array(10).fill({ aud: op().api, client_id: FAPI_CLIENT_ID, cnf: claims.cnf }));
		expect(op().counters()).toEqual({
			tokenRequests: 2,
			revocations: [],
			refusals: [{ error: 'use_dpop_nonce', description: 'nonce is required in the DPoP proof', detail: undefined }],
			api: { ok: 10, rejected: [] },
			serverErrors: [],
		});

		// Both token requests (the first refused for want of a nonce) carried their own assertion, checked here by jose.
		expect(sent).toHaveLength(2);
		const jtis = new Set<unknown>();
		for (const { body, dpop } of sent) {
			expect(body.get('client_assertion_type')).toBe(JWT_BEARER);
			expect(body.get('client_id')).toBe(FAPI_CLIENT_ID);
			const { payload, protectedHeader } = await jwtVerify(body.get('client_assertion') ?? '', publicKey, {
				issuer: FAPI_CLIENT_ID,
				subject: FAPI_CLIENT_ID,
				audience: op().issuer,
				algorithms: ['ES256'],
			});
			expect(protectedHeader.kid).toBe(CLIENT_KID);
			expect((payload.exp ?? 0) - (payload.iat ?? 0)).toBe(60);
			jtis.add(payload.jti);
			// The proof's key is the one the token is bound to.
			const proofKey = JSON.parse(Buffer.from(String(dpop).split('.')[0] ?? '', 'base64url').toString()).jwk;
			expect(await calculateJwkThumbprint(proofKey)).toBe((claims.cnf as { jkt: string }).jkt);
		}
		expect(jtis.size).toBe(2);
		console.log(
			`figure: FAPI 2.0 client credentials (private_key_jwt + DPoP, nonce required), 10 cold API calls -> ${op().counters().tokenRequests} token requests (1 use_dpop_nonce), 1 token, ${op().counters().api.ok} API calls accepted`,
		);
	});
});

describe('FAPI 2.0: assertions oidc-provider refuses, each an OAuthError invalid_client with no JWT in it', () => {
	it("aud = the token endpoint URL (not the issuer identifier): refused, 'audience (aud) must equal the issuer identifier url'", async () => {
		const { privateKey } = await clientKeys;
		const sent: SentRequest[] = [];
		await invalidClient(fapiTokens(privateKey, { audience: 'token-endpoint', sent }).getToken());
		expect(decodeJwt(sent[0]?.body.get('client_assertion') ?? '').aud).toBe(op().tokenEndpoint);
		expect(refusalReasons()).toEqual(['invalid_client: audience (aud) must equal the issuer identifier url']);
		console.log(
			`figure: FAPI 2.0, aud = token endpoint -> ${op().counters().tokenRequests} token request, refused: ${refusalReasons().join('; ')}`,
		);
	});

	it('an expired assertion (the session clock 10 minutes behind, beyond the 15 s tolerance): refused as expired (jwt expired)', async () => {
		const { privateKey } = await clientKeys;
		const sent: SentRequest[] = [];
		await invalidClient(fapiTokens(privateKey, { now: () => Date.now() - 10 * 60_000, sent }).getToken());
		const { exp = 0 } = decodeJwt(sent[0]?.body.get('client_assertion') ?? '');
		expect(exp * 1000).toBeLessThan(Date.now() - 9 * 60_000);
		expect(refusalReasons()).toEqual(['invalid_client: jwt expired']);
		console.log(
			`figure: FAPI 2.0, expired assertion -> ${op().counters().tokenRequests} token request, refused: ${refusalReasons().join('; ')}`,
		);
	});

	it('a replayed assertion (the accepted request sent again by hand, its proof too): refused, used once only', async () => {
		const { privateKey } = await clientKeys;
		const sent: SentRequest[] = [];
		await fapiTokens(privateKey, { sent }).getToken();
		const accepted = sent.at(-1);
		if (!accepted?.dpop) throw new Error('no accepted token request was recorded');
		const replay = await fetch(op().tokenEndpoint, {
			method: 'POST',
			headers: { 'content-type': 'application/x-www-form-urlencoded', dpop: accepted.dpop },
			body: accepted.body,
			signal: AbortSignal.timeout(5_000),
		});
		expect(replay.status).toBe(401);
		const answer = await replay.text();
		expect(JSON.parse(answer)).toEqual({ error: 'invalid_client', error_description: 'client authentication failed' });
		expect(answer).not.toContain('eyJ');
		expect(refusalReasons()).toEqual(['use_dpop_nonce: undefined', 'invalid_client: client assertion tokens must only be used once']);
		console.log(
			`figure: FAPI 2.0, replayed assertion -> ${op().counters().tokenRequests} token requests (1 nonce retry, 1 accepted, 1 replay refused): ${refusalReasons().at(-1)}`,
		);
	});

	it('an unregistered key (same kid, a key not in the client’s jwks): refused, the signature does not verify', async () => {
		const stranger = await generateKeyPair('ES256', { extractable: false });
		await invalidClient(fapiTokens(stranger.privateKey).getToken());
		expect(refusalReasons()).toEqual(['invalid_client: signature verification failed']);
		console.log(
			`figure: FAPI 2.0, unregistered key -> ${op().counters().tokenRequests} token request, refused: ${refusalReasons().join('; ')}`,
		);
	});
});

/** A confidential web app's login flow (authorization code + PKCE), private_key_jwt and DPoP, its token requests recorded. */
async function webFlow(clientId: string, sent: SentRequest[] = []) {
	const { privateKey } = await clientKeys;
	const clientAuth = privateKeyJwt({ privateKey, kid: CLIENT_KID });
	const provider = oauth2({ issuer: op().issuer, clientId, redirectUri: FAPI_REDIRECT_URI, grant: 'authorization_code', clientAuth });
	return createAuthorizationCodeFlow(provider, {
		attemptStorage: createMemoryStorage(),
		storage: 'memory',
		retry: 0,
		dpop: true,
		fetch: recordingFetch(sent),
	});
}

describe('FAPI 2.0 login against oidc-provider: code + PKCE + private_key_jwt + DPoP, with and without PAR', () => {
	it('code + PKCE S256 + dpop_jkt + private_key_jwt: the code exchange takes 2 token requests (a nonce retry), a refresh 1, every token DPoP-bound to the session key', async () => {
		const sent: SentRequest[] = [];
		const flow = await webFlow(FAPI_WEB_ID, sent);
		const url = new URL(await flow.createAuthorizationUrl({ scope: ['openid', FAPI_SCOPE] }));
		expect(url.searchParams.get('code_challenge_method')).toBe('S256');
		const dpopJkt = url.searchParams.get('dpop_jkt');
		expect(dpopJkt).toMatch(/^[\w-]{43}$/);

		const tokenSet = await flow.handleCallback(await op().login(url.href));
		expect(tokenSet.tokenType).toBe('DPoP');
		expect(decodeJwt(tokenSet.accessToken)).toMatchObject({ aud: op().api, sub: op().user, cnf: { jkt: dpopJkt } });
		expect(await flow.getUser()).toMatchObject({ sub: op().user, iss: op().issuer, aud: FAPI_WEB_ID });
		const api = createClient({ prefixUrl: op().api, auth: flow.tokens, retry: 0 });
		expect(await api.get('balance').json()).toMatchObject({ client_id: FAPI_WEB_ID, cnf: { jkt: dpopJkt } });
		const afterLogin = op().counters().tokenRequests;

		const refreshed = await flow.tokens.getToken({ forceRefresh: true });
		expect(refreshed.accessToken).not.toBe(tokenSet.accessToken);
		expect(decodeJwt(refreshed.accessToken)).toMatchObject({ cnf: { jkt: dpopJkt } });
		// The refresh reuses the nonce the code exchange's answer gave (DPoP-Nonce): no second nonce retry.
		expect(afterLogin).toBe(2);
		expect(op().counters()).toMatchObject({ tokenRequests: 3, api: { ok: 1, rejected: [] }, serverErrors: [] });
		expect(refusalReasons()).toEqual(['use_dpop_nonce: undefined']);
		// Each of the 3 requests carried its own assertion, aud = the issuer.
		expect(sent.map(({ body }) => body.get('grant_type'))).toEqual(['authorization_code', 'authorization_code', 'refresh_token']);
		const assertions = sent.map(({ body }) => decodeJwt(body.get('client_assertion') ?? ''));
		expect(new Set(assertions.map(({ jti }) => jti)).size).toBe(3);
		expect(assertions.every(({ aud }) => aud === op().issuer)).toBe(true);
		console.log(
			`figure: FAPI 2.0 login without PAR (code + PKCE + private_key_jwt + DPoP, nonce required) -> ${afterLogin} token requests, then a refresh -> ${op().counters().tokenRequests - afterLogin}`,
		);
	});

	it('logout: the refresh token is revoked with its own assertion (200); the JWT access token cannot be (400 unsupported_token_type), so revoked is false', async () => {
		const sent: SentRequest[] = [];
		const flow = await webFlow(FAPI_WEB_ID, sent);
		await flow.handleCallback(await op().login(await flow.createAuthorizationUrl({ scope: ['openid', FAPI_SCOPE] })));
		const { revoked, errors, endSessionUrl } = await flow.logout();
		// oidc-provider revokes only opaque tokens there: its JWT access tokens live until their exp.
		expect(revoked).toBe(false);
		expect(errors).toHaveLength(1);
		expect(errors[0]).toMatchObject({
			error: 'unsupported_token_type',
			errorDescription: 'Structured JWT Tokens cannot be revoked via the revocation_endpoint',
			status: 400,
		});
		expect(endSessionUrl).toBeTypeOf('string');
		// Each revocation request authenticated (an unauthenticated one is a 401 invalid_client) with a new assertion.
		expect(op().counters().revocations).toEqual([200, 400]);
		const revocationAssertions = sent.filter(({ url }) => url === op().revocationEndpoint).map(({ body }) => body.get('client_assertion'));
		expect(revocationAssertions).toHaveLength(2);
		expect(new Set(revocationAssertions).size).toBe(2);
		expect(revocationAssertions.every((assertion) => decodeJwt(assertion ?? '').aud === op().issuer)).toBe(true);
		await expect(flow.tokens.getToken()).rejects.toMatchObject({ code: 'ERR_LOGIN_REQUIRED' });
	});

	it('the FAPI 2.0 login (par: true): the URL names only client_id and request_uri; the push carried PKCE, dpop_jkt, an assertion and a DPoP proof; the tokens are DPoP-bound', async () => {
		const sent: SentRequest[] = [];
		const flow = await webFlow(FAPI_WEB_PAR_ID, sent);
		const url = new URL(await flow.createAuthorizationUrl({ scope: ['openid', FAPI_SCOPE], par: true }));
		expect([...url.searchParams.keys()].sort()).toEqual(['client_id', 'request_uri']);
		expect(url.searchParams.get('request_uri')).toMatch(/^urn:ietf:params:oauth:request_uri:/);
		const pushes = sent.filter(({ url: sentTo }) => sentTo === parEndpoint());
		// oidc-provider asks for a DPoP nonce at its PAR endpoint too: the push is sent again, with a new assertion.
		expect(pushes.length).toBeGreaterThanOrEqual(1);
		const pushed = pushes.at(-1)!;
		expect(pushed.body.get('code_challenge_method')).toBe('S256');
		expect(pushed.body.get('code_challenge')).toMatch(/^[\w-]{43}$/);
		expect(pushed.body.get('dpop_jkt')).toMatch(/^[\w-]{43}$/);
		expect(pushed.body.get('nonce')).toEqual(expect.any(String));
		expect(pushed.dpop).toEqual(expect.any(String));
		expect(decodeJwt(pushed.body.get('client_assertion') ?? '')).toMatchObject({ aud: op().issuer, iss: FAPI_WEB_PAR_ID });
		expect(new Set(pushes.map(({ body }) => body.get('client_assertion'))).size).toBe(pushes.length);

		const tokenSet = await flow.handleCallback(await op().login(url.href));
		expect(tokenSet.tokenType).toBe('DPoP');
		expect(decodeJwt(tokenSet.accessToken)).toMatchObject({ sub: op().user, cnf: { jkt: pushed.body.get('dpop_jkt') } });
		expect(await flow.getUser()).toMatchObject({ sub: op().user, aud: FAPI_WEB_PAR_ID });
		const tokenRequests = op().counters().tokenRequests;
		console.log(
			`figure: FAPI 2.0 login with PAR (par: true; PAR + PKCE + private_key_jwt + DPoP, nonce required) -> ${pushes.length} pushed request(s), ${tokenRequests} token request(s)`,
		);
	});

	it('a client registered with require_pushed_authorization_requests: a login without PAR is refused, invalid_request, "Pushed Authorization Request must be used"', async () => {
		const flow = await webFlow(FAPI_WEB_PAR_ID);
		const callback = await op().login(await flow.createAuthorizationUrl({ scope: ['openid', FAPI_SCOPE] }));
		const error = await flow.handleCallback(callback).then(
			() => expect.fail('the login went through without PAR'),
			(reason: unknown) => reason,
		);
		expect(error).toMatchObject({ name: 'AuthorizationResponseError', code: 'ERR_AUTHORIZATION_RESPONSE', error: 'invalid_request' });
		expect((error as Error).message).toContain('("Pushed Authorization Request must be used")');
		expect(op().counters().tokenRequests).toBe(0);
		console.log(
			`figure: FAPI 2.0, PAR required, login without PAR -> 0 token requests, ${(error as Error).name}: ${(error as Error).message}`,
		);
	});
});
