import { calculateJwkThumbprint, exportJWK, generateKeyPair, SignJWT, type CryptoKey as JoseKey } from 'jose';
import { afterEach, describe, expect, it } from 'vitest';
import { computeCodeChallenge, generateCodeVerifier } from '../../src/pkce.js';
import { athOf } from '../_helpers/dpop-proofs.js';
import { useEmulator } from '../_helpers/emulator.js';

const emulator = useEmulator({ providers: ['oauth2', 'sqowey'] });
afterEach(() => emulator().setDpop(undefined));

interface Key {
	readonly privateKey: JoseKey;
	readonly jwk: Record<string, unknown>;
	readonly jkt: string;
}

async function newKey(): Promise<Key> {
	const { privateKey, publicKey } = await generateKeyPair('ES256');
	const jwk = await exportJWK(publicKey);
	return { privateKey, jwk, jkt: await calculateJwkThumbprint(jwk) };
}

/** A proof made with jose: the emulator is checked against an implementation that is not tokenkeeper's. */
async function proof(
	key: Key,
	method: string,
	url: string,
	claims: Record<string, unknown> = {},
	header: Record<string, unknown> = {},
): Promise<string> {
	return new SignJWT({ htm: method, htu: url, jti: crypto.randomUUID(), ...claims })
		.setProtectedHeader({ alg: 'ES256', typ: 'dpop+jwt', jwk: key.jwk, ...header })
		.setIssuedAt(typeof claims.iat === 'number' ? claims.iat : undefined)
		.sign(key.privateKey);
}

function urls() {
	const { issuer, clientId, clientSecret } = emulator().credentials.oauth2;
	return {
		token: `${issuer}/oauth2/v1/token`,
		userinfo: `${issuer}/oauth2/v1/userinfo`,
		form: { client_id: clientId, client_secret: clientSecret! },
	};
}

async function tokenRequest(dpop: string | undefined, extra: Record<string, string> = {}) {
	const { token, form } = urls();
	const response = await fetch(token, {
		method: 'POST',
		headers: { 'content-type': 'application/x-www-form-urlencoded', ...(dpop === undefined ? {} : { dpop }) },
		body: new URLSearchParams({ grant_type: 'client_credentials', ...form, ...extra }),
	});
	return { response, body: (await response.json()) as Record<string, string> };
}

async function boundToken(key: Key): Promise<string> {
	const { body } = await tokenRequest(await proof(key, 'POST', urls().token));
	expect(body.token_type).toBe('DPoP');
	return body.access_token!;
}

function userinfo(accessToken: string, dpop: string | undefined, scheme = 'DPoP') {
	return fetch(urls().userinfo, { headers: { authorization: `${scheme} ${accessToken}`, ...(dpop === undefined ? {} : { dpop }) } });
}

describe('the emulator checks DPoP proofs for real (proofs made with jose)', () => {
	it('off by default: a proof is ignored and the token is Bearer', async () => {
		const { body } = await tokenRequest(await proof(await newKey(), 'POST', urls().token));
		expect(body.token_type).toBe('Bearer');
	});

	it('a valid proof gets a DPoP-bound token, which the API serves with a proof by the same key and its ath', async () => {
		emulator().setDpop({});
		const key = await newKey();
		const accessToken = await boundToken(key);
		const ok = await userinfo(accessToken, await proof(key, 'GET', urls().userinfo, { ath: athOf(accessToken) }));
		expect(ok.status).toBe(200);
		expect(emulator().counters().dpop).toMatchObject({ accepted: 2, refused: { total: 0 } });
	});

	it('resources: a DPoP-bound token for orders is served at orders with a proof, and refused at billing even with a good one', async () => {
		emulator().setDpop({});
		const key = await newKey();
		const [orders, billing] = emulator().credentials.oauth2.resources as [string, string];
		const { body } = await tokenRequest(await proof(key, 'POST', urls().token), { resource: orders });
		expect(body.token_type).toBe('DPoP');
		const accessToken = body.access_token!;
		const call = async (url: string) =>
			fetch(url, { headers: { authorization: `DPoP ${accessToken}`, dpop: await proof(key, 'GET', url, { ath: athOf(accessToken) }) } });
		expect((await call(`${orders}1`)).status).toBe(200);
		const refused = await call(`${billing}1`);
		expect(refused.status).toBe(401);
		expect(refused.headers.get('www-authenticate')).toBe(
			`DPoP algs="ES256", error="invalid_token", error_description="This token was issued for another resource.", resource_metadata="${emulator().url}/.well-known/oauth-protected-resource/billing/"`,
		);
		expect(emulator().counters().resources[billing]!.apiRequests).toEqual({ total: 1, ok: 0, rejected: 1 });
	});

	it('refuses, and counts by reason: bad signature, typ, htm, htu, iat, replay, ath, another key, Bearer scheme, no proof', async () => {
		emulator().setDpop({});
		const key = await newKey();
		const other = await newKey();
		const accessToken = await boundToken(key);
		const { userinfo: url } = urls();
		const ath = athOf(accessToken);
		const good = await proof(key, 'GET', url, { ath });
		const [h, p, s] = good.split('.') as [string, string, string];
		const tampered = `${h}.${p}.${s.slice(0, -4)}${s.slice(-4) === 'AAAA' ? 'BBBB' : 'AAAA'}`;
		const cases: Array<[string, Promise<Response>]> = [
			['signature', userinfo(accessToken, tampered)],
			['malformed', userinfo(accessToken, await proof(key, 'GET', url, { ath }, { typ: 'JWT' }))],
			['htm', userinfo(accessToken, await proof(key, 'POST', url, { ath }))],
			['htu', userinfo(accessToken, await proof(key, 'GET', `${url}/other`, { ath }))],
			['iat', userinfo(accessToken, await proof(key, 'GET', url, { ath, iat: Math.floor(Date.now() / 1000) - 600 }))],
			['ath', userinfo(accessToken, await proof(key, 'GET', url, { ath: athOf('another token') }))],
			['binding', userinfo(accessToken, await proof(other, 'GET', url, { ath }))],
			['binding', userinfo(accessToken, undefined, 'Bearer')],
			['missing', userinfo(accessToken, undefined)],
		];
		for (const [, pending] of cases) {
			const response = await pending;
			expect(response.status).toBe(401);
			expect(response.headers.get('www-authenticate')).toMatch(/^DPoP algs="ES256", error="(invalid_dpop_proof|invalid_token)"/);
		}
		expect((await userinfo(accessToken, good)).status).toBe(200);
		const replayed = await userinfo(accessToken, good);
		expect(replayed.status).toBe(401);
		expect(emulator().counters().dpop.refused).toEqual({
			total: 10,
			missing: 1,
			malformed: 1,
			signature: 1,
			htm: 1,
			htu: 1,
			iat: 1,
			replay: 1,
			nonce: 0,
			ath: 1,
			binding: 2,
		});
	});

	it('required: a token request without a proof is refused (invalid_dpop_proof)', async () => {
		emulator().setDpop({ required: true });
		const { response, body } = await tokenRequest(undefined);
		expect(response.status).toBe(400);
		expect(body.error).toBe('invalid_dpop_proof');
		expect(emulator().counters().dpop.refused.missing).toBe(1);
	});

	it('nonces: required -> 400 use_dpop_nonce with DPoP-Nonce, accepted with it; rotate -> a new one on every answer', async () => {
		emulator().setDpop({ nonce: 'required' });
		const key = await newKey();
		const first = await tokenRequest(await proof(key, 'POST', urls().token));
		expect(first.response.status).toBe(400);
		expect(first.body.error).toBe('use_dpop_nonce');
		const nonce = first.response.headers.get('dpop-nonce')!;
		expect(nonce).toMatch(/^[\w-]{22}$/);
		const second = await tokenRequest(await proof(key, 'POST', urls().token, { nonce }));
		expect(second.response.status).toBe(200);
		expect(second.response.headers.get('dpop-nonce')).toBe(nonce);

		emulator().setDpop({ nonce: 'rotate' });
		const a = await tokenRequest(await proof(key, 'POST', urls().token));
		const n1 = a.response.headers.get('dpop-nonce')!;
		const b = await tokenRequest(await proof(key, 'POST', urls().token, { nonce: n1 }));
		expect(b.response.status).toBe(200);
		const n2 = b.response.headers.get('dpop-nonce')!;
		expect(n2).not.toBe(n1);
		// The previous nonce is not accepted any more.
		expect((await tokenRequest(await proof(key, 'POST', urls().token, { nonce: n1 }))).body.error).toBe('use_dpop_nonce');
		expect(emulator().counters().dpop.noncesIssued).toBeGreaterThanOrEqual(4);
	});

	it('clockOffset: the Date header and the iat check follow the emulator clock for proofs', async () => {
		emulator().setDpop({ clockOffset: -3600 });
		const { response, body } = await tokenRequest(await proof(await newKey(), 'POST', urls().token));
		expect(response.status).toBe(400);
		expect(body).toMatchObject({ error: 'invalid_dpop_proof', error_description: expect.stringContaining('iat') });
		expect(Math.abs(Date.parse(response.headers.get('date')!) - (Date.now() - 3_600_000))).toBeLessThan(5000);
	});

	/** An authorization request of the public client whose code is bound to `jkt`, consented at once. */
	async function codeFor(jkt: string): Promise<{ code: string; verifier: string }> {
		const { issuer, publicClientId } = emulator().credentials.oauth2;
		const verifier = generateCodeVerifier();
		const authorize = new URL(`${issuer}/oauth2/v1/authorize`);
		authorize.search = new URLSearchParams({
			response_type: 'code',
			client_id: publicClientId!,
			redirect_uri: 'http://127.0.0.1:9/cb',
			code_challenge: await computeCodeChallenge(verifier),
			code_challenge_method: 'S256',
			scope: 'openid',
			dpop_jkt: jkt,
		}).toString();
		const redirect = await fetch(authorize, { redirect: 'manual' });
		return { code: new URL(redirect.headers.get('location')!).searchParams.get('code')!, verifier };
	}

	/** The code's exchange, with a proof by `signer` (none without). */
	async function exchange(signer: Key | undefined, { code, verifier }: { code: string; verifier: string }): Promise<Response> {
		return fetch(urls().token, {
			method: 'POST',
			headers: {
				'content-type': 'application/x-www-form-urlencoded',
				...(signer === undefined ? {} : { dpop: await proof(signer, 'POST', urls().token) }),
			},
			body: new URLSearchParams({
				grant_type: 'authorization_code',
				client_id: emulator().credentials.oauth2.publicClientId!,
				code,
				code_verifier: verifier,
				redirect_uri: 'http://127.0.0.1:9/cb',
			}),
		});
	}

	it('dpop_jkt binds the code: a proof by another key cannot exchange it; the right key gets a DPoP token', async () => {
		emulator().setDpop({});
		const key = await newKey();
		const refused = await exchange(await newKey(), await codeFor(key.jkt));
		expect(refused.status).toBe(400);
		expect(await refused.json()).toMatchObject({ error: 'invalid_grant' });
		const granted = await exchange(key, await codeFor(key.jkt));
		expect(await granted.json()).toMatchObject({ token_type: 'DPoP' });
		expect(emulator().counters().dpop.refused.binding).toBe(1);
	});

	it('with DPoP off, dpop_jkt binds nothing, as at a server without DPoP: the code is exchanged for a Bearer token, with a proof by any key or none', async () => {
		const key = await newKey();
		for (const signer of [key, await newKey(), undefined]) {
			const granted = await exchange(signer, await codeFor(key.jkt));
			expect(granted.status).toBe(200);
			expect(await granted.json()).toMatchObject({ token_type: 'Bearer' });
		}
	});
});
