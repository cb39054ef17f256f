import { http, HttpResponse } from 'msw';
import { decodeProtectedHeader, exportJWK, generateKeyPair, importJWK, jwtVerify, type JWTPayload } from 'jose';
import { describe, expect, it } from 'vitest';
import {
	type ClientAuthMethod,
	clientSecretJwt,
	createTokenManager,
	oauth2,
	type Provider,
	type ProviderEndpoints,
	privateKeyJwt,
} from '../../src/index.js';
import { useMockServer } from '../_helpers/token-server.js';

const ISSUER = 'https://as.example';
const TOKEN_URL = `${ISSUER}/token`;
const CLIENT_ID = 'backend-1';
const REVOCATION_URL = `${ISSUER}/revoke`;
const JWT_BEARER = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';

const server = useMockServer();

/** A session for a method's `authenticate`: the provider, its endpoints (here fixed), and a clock. */
function sessionOf(provider: Provider, endpoints: ProviderEndpoints = { token: TOKEN_URL, issuer: ISSUER, revocation: REVOCATION_URL }) {
	return { provider, endpoints: async () => endpoints, now: () => Date.now() };
}

/** What `method` adds to one POST to `url`: the body the server gets. */
async function sentBody(method: ClientAuthMethod, options: { secret?: string; url?: string; issuer?: string | undefined } = {}) {
	let body: URLSearchParams | undefined;
	const send: typeof fetch = async (_input, init) => {
		body = new URLSearchParams(init?.body as string);
		return Response.json({ ok: true });
	};
	const provider = oauth2({ clientId: CLIENT_ID, tokenEndpoint: TOKEN_URL, clientSecret: options.secret, clientAuth: method });
	const endpoints = { token: TOKEN_URL, issuer: 'issuer' in options ? options.issuer : ISSUER, revocation: REVOCATION_URL };
	const authenticated = method.authenticate(send, sessionOf(provider, endpoints));
	await authenticated(options.url ?? TOKEN_URL, { method: 'POST', body: 'grant_type=client_credentials', headers: {} });
	return body!;
}

/** The assertion a method makes for one request, checked by jose (an independent JOSE implementation). */
async function assertionOf(method: ClientAuthMethod, key: Parameters<typeof jwtVerify>[1], options: { secret?: string } = {}) {
	const body = await sentBody(method, options);
	expect(body.get('client_assertion_type')).toBe(JWT_BEARER);
	expect(body.get('grant_type')).toBe('client_credentials');
	const jwt = body.get('client_assertion')!;
	const { payload, protectedHeader } = await jwtVerify(jwt, key, { issuer: CLIENT_ID, subject: CLIENT_ID, audience: ISSUER });
	return { payload, header: protectedHeader, jwt };
}

describe('privateKeyJwt (RFC 7523 2.2): one signed assertion per request', () => {
	it.each(['ES256', 'PS256', 'RS256', 'EdDSA'] as const)(
		'%s with a CryptoKey: iss = sub = client id, aud = the issuer identifier, a new jti, exp 60 s after iat',
		async (alg) => {
			const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: false });
			const method = privateKeyJwt({ privateKey, kid: 'key-1' });
			expect(method.method).toBe('private_key_jwt');
			const first = await assertionOf(method, publicKey);
			const second = await assertionOf(method, publicKey);
			expect(first.header).toEqual({ alg, kid: 'key-1' });
			expect(first.payload.exp! - first.payload.iat!).toBe(60);
			expect(first.payload.jti).toMatch(/^[\w-]{22}$/);
			expect(second.payload.jti).not.toBe(first.payload.jti);
		},
	);

	it('a private JWK: its kid and alg are used; aud is the issuer, never the token endpoint, unless asked', async () => {
		const { privateKey, publicKey } = await generateKeyPair('PS256', { extractable: true });
		const jwk = { ...(await exportJWK(privateKey)), kid: 'jwk-kid', alg: 'PS256', use: 'sig' };
		const { header } = await assertionOf(privateKeyJwt({ privateKey: jwk }), publicKey);
		expect(header).toEqual({ alg: 'PS256', kid: 'jwk-kid' });
		const toEndpoint = await sentBody(privateKeyJwt({ privateKey: jwk, audience: 'token-endpoint' }), { url: REVOCATION_URL });
		const { payload } = await jwtVerify(toEndpoint.get('client_assertion')!, publicKey);
		expect(payload.aud).toBe(REVOCATION_URL);
	});

	it('a signer (a key in a KMS or HSM): it gets the JWS signing input, its signature is used as it is', async () => {
		const { privateKey, publicKey } = await generateKeyPair('ES256');
		const inputs: string[] = [];
		const signer = {
			async sign(input: Uint8Array<ArrayBuffer>) {
				inputs.push(new TextDecoder().decode(input));
				return crypto.subtle.sign({ name: 'ECDSA', hash: 'SHA-256' }, privateKey as CryptoKey, input);
			},
		};
		const { jwt } = await assertionOf(privateKeyJwt({ privateKey: signer, alg: 'ES256', kid: 'kms-1' }), publicKey);
		expect(inputs).toEqual([jwt.split('.').slice(0, 2).join('.')]);
		expect(decodeProtectedHeader(jwt)).toEqual({ alg: 'ES256', kid: 'kms-1' });
	});

	it('mistakes are InvalidOptionErrors naming the option, never showing the key', async () => {
		const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true });
		const privateJwk = await exportJWK(privateKey);
		const publicJwk = await exportJWK(publicKey);
		const attempts: Array<[() => unknown, string]> = [
			[() => privateKeyJwt({ privateKey: publicJwk }), 'privateKey'],
			[() => privateKeyJwt({ privateKey: publicKey }), 'privateKey'],
			[() => privateKeyJwt(undefined as never), 'privateKey'],
			[() => privateKeyJwt({ privateKey: { sign: async () => new Uint8Array() } }), 'alg'],
			[() => privateKeyJwt({ privateKey: privateJwk, alg: 'HS256' as never }), 'alg'],
			[() => privateKeyJwt({ privateKey: privateJwk, lifetime: 0 }), 'lifetime'],
			[() => privateKeyJwt({ privateKey: privateJwk, audience: 'not a url' }), 'audience'],
		];
		for (const [attempt, option] of attempts) {
			const error = (() => {
				try {
					attempt();
				} catch (caught) {
					return caught;
				}
			})();
			expect(error).toMatchObject({ code: 'ERR_INVALID_OPTION', option });
			expect(JSON.stringify(error) + String(error)).not.toContain(privateJwk.d);
		}
		// No issuer known: the assertion has no audience to name.
		await expect(sentBody(privateKeyJwt({ privateKey: privateJwk }), { issuer: undefined })).rejects.toMatchObject({ option: 'issuer' });
		// A JWK Web Crypto cannot import (a broken `d`) fails at the first request, without the key in the error.
		const broken = privateKeyJwt({ privateKey: { ...privateJwk, d: 'AAAA' } });
		const failure = await sentBody(broken).catch((caught: unknown) => caught);
		expect(failure).toMatchObject({ code: 'ERR_INVALID_OPTION', option: 'privateKey' });
		expect(String(failure)).not.toContain('AAAA');
	});

	it('the provider never shows the key: not in its JSON, not in its inspection', async () => {
		const { privateKey } = await generateKeyPair('ES256', { extractable: true });
		const jwk = await exportJWK(privateKey);
		const provider = oauth2({
			clientId: CLIENT_ID,
			tokenEndpoint: TOKEN_URL,
			clientAuth: privateKeyJwt({ privateKey: jwk, audience: ISSUER }),
		});
		const { inspect } = await import('node:util');
		expect(JSON.stringify(provider)).not.toContain(jwk.d);
		expect(inspect(provider, { depth: 10 })).not.toContain(jwk.d);
	});
});

describe('clientSecretJwt (client_secret_jwt): HS256 over the client secret', () => {
	it('signs with the provider secret; the secret itself is never sent', async () => {
		const secret = 'a-client-secret-of-32-bytes-or-more!';
		const method = clientSecretJwt();
		const { payload, header } = await assertionOf(method, new TextEncoder().encode(secret), { secret });
		expect(header).toEqual({ alg: 'HS256' });
		expect(payload).toMatchObject({ iss: CLIENT_ID, sub: CLIENT_ID, aud: ISSUER });
		// The provider insists on the secret clientSecretJwt signs with.
		expect(() => oauth2({ clientId: CLIENT_ID, tokenEndpoint: TOKEN_URL, clientAuth: clientSecretJwt() })).toThrow(/clientSecret/);
	});
});

describe('assertions on the wire: token requests', () => {
	const seen: URLSearchParams[] = [];

	it('each attempt of a retried token request carries a new assertion (a new jti), and no client_secret', async () => {
		const { privateKey, publicKey } = await generateKeyPair('ES256');
		let calls = 0;
		server.use(
			http.post(TOKEN_URL, async ({ request }) => {
				seen.push(new URLSearchParams(await request.text()));
				calls += 1;
				if (calls === 1) return new HttpResponse(null, { status: 503 });
				return HttpResponse.json({ access_token: 'at-1', token_type: 'Bearer', expires_in: 300 });
			}),
		);
		const tokens = createTokenManager(
			oauth2({ clientId: CLIENT_ID, tokenEndpoint: TOKEN_URL, clientAuth: privateKeyJwt({ privateKey, audience: ISSUER }) }),
			{ retry: { retries: 1, minTimeout: 1, maxTimeout: 1 } },
		);
		expect((await tokens.getToken()).accessToken).toBe('at-1');
		expect(seen).toHaveLength(2);
		const jtis: JWTPayload['jti'][] = [];
		for (const body of seen) {
			expect(body.get('client_id')).toBe(CLIENT_ID);
			expect(body.get('client_assertion_type')).toBe(JWT_BEARER);
			expect(body.has('client_secret')).toBe(false);
			const { payload } = await jwtVerify(body.get('client_assertion')!, publicKey, { audience: ISSUER });
			jtis.push(payload.jti);
		}
		expect(new Set(jtis).size).toBe(2);
		// An imported JWK, for the types' sake: the public half verifies what the private half signed.
		expect(await importJWK(await exportJWK(publicKey), 'ES256')).toBeTruthy();
	});
});

describe('assertions only where the client is authenticated, and never twice', () => {
	it('a GET (discovery) and a POST elsewhere (an API) pass untouched; a POST to the revocation endpoint is authenticated', async () => {
		const { privateKey } = await generateKeyPair('ES256');
		const method = privateKeyJwt({ privateKey });
		const seen: Array<{ url: string; body: string | undefined }> = [];
		const send: typeof fetch = async (input, init) => {
			seen.push({ url: String(input), body: init?.body as string | undefined });
			return Response.json({});
		};
		const provider = oauth2({ clientId: CLIENT_ID, tokenEndpoint: TOKEN_URL, clientAuth: method });
		const authenticated = method.authenticate(send, sessionOf(provider));
		await authenticated(`${ISSUER}/.well-known/openid-configuration`, { method: 'GET' });
		await authenticated('https://api.example/orders', { method: 'POST', body: 'a=1' });
		await authenticated(REVOCATION_URL, { method: 'POST', body: 'token=t' });
		expect(seen[0]!.body).toBeUndefined();
		expect(seen[1]!.body).toBe('a=1');
		expect(new URLSearchParams(seen[2]!.body).get('client_assertion_type')).toBe(JWT_BEARER);
	});

	it('a refusal that echoes the assertion reaches the error without it', async () => {
		const { privateKey } = await generateKeyPair('ES256');
		server.use(
			http.post(TOKEN_URL, async ({ request }) => {
				const assertion = new URLSearchParams(await request.text()).get('client_assertion');
				return HttpResponse.json({ error: 'invalid_client', error_description: `bad assertion ${assertion}` }, { status: 401 });
			}),
		);
		const tokens = createTokenManager(
			oauth2({ clientId: CLIENT_ID, tokenEndpoint: TOKEN_URL, clientAuth: privateKeyJwt({ privateKey, audience: ISSUER }) }),
			{ retry: 0 },
		);
		const error = await tokens.getToken().catch((caught: unknown) => caught);
		expect(error).toMatchObject({ code: 'ERR_OAUTH', error: 'invalid_client' });
		expect(String((error as Error).message) + JSON.stringify(error)).not.toMatch(/eyJ/);
		expect(JSON.stringify(error)).toContain('[redacted]');
	});

	it('DPoP: a use_dpop_nonce answer is sent again with a new proof and a new assertion (a jti is never reused)', async () => {
		const { privateKey, publicKey } = await generateKeyPair('ES256');
		const bodies: URLSearchParams[] = [];
		server.use(
			http.post(TOKEN_URL, async ({ request }) => {
				bodies.push(new URLSearchParams(await request.text()));
				if (!request.headers.get('dpop')) return HttpResponse.json({ error: 'invalid_dpop_proof' }, { status: 400 });
				if (bodies.length === 1) {
					return HttpResponse.json({ error: 'use_dpop_nonce' }, { status: 400, headers: { 'dpop-nonce': 'n-1' } });
				}
				return HttpResponse.json({ access_token: 'at-dpop', token_type: 'DPoP', expires_in: 300 });
			}),
		);
		const tokens = createTokenManager(
			oauth2({ clientId: CLIENT_ID, tokenEndpoint: TOKEN_URL, clientAuth: privateKeyJwt({ privateKey, audience: ISSUER }) }),
			{ retry: 0, dpop: true },
		);
		expect(await tokens.getToken()).toMatchObject({ accessToken: 'at-dpop', tokenType: 'DPoP' });
		expect(bodies).toHaveLength(2);
		const jtis = await Promise.all(
			bodies.map(async (body) => (await jwtVerify(body.get('client_assertion')!, publicKey, { audience: ISSUER })).payload.jti),
		);
		expect(new Set(jtis).size).toBe(2);
	});
});
