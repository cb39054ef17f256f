import { type CryptoKey, exportJWK, generateKeyPair, type JWTPayload, SignJWT } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import { createEmulator } from '../../src/testing/index.js';
import { useEmulator } from '../_helpers/emulator.js';
import { postForm } from '../_helpers/transports.js';

const JWT_BEARER = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';
const SECRET = 'emulator-secret-oauth2';
const ALGS = ['ES256', 'PS256', 'RS256', 'EdDSA'] as const;

const emulator = useEmulator({ providers: ['oauth2'] });

/** The private key of each algorithm, registered on the default confidential client under the kid `key-<alg>`. */
const keys = new Map<string, CryptoKey>();
beforeAll(async () => {
	for (const alg of ALGS) {
		const pair = await generateKeyPair(alg, { crv: alg === 'EdDSA' ? 'Ed25519' : undefined });
		keys.set(alg, pair.privateKey);
		const registered = await emulator().registerClientKey({ ...(await exportJWK(pair.publicKey)), kid: `key-${alg}` });
		expect(registered).toEqual({ clientId: 'oauth2-service', kid: `key-${alg}` });
	}
});

const issuer = () => emulator().url;
const tokenUrl = () => `${issuer()}/oauth2/v1/token`;
const clientId = () => emulator().credentials.oauth2.clientId;

/** The claims tokenkeeper's own assertions carry, with `overrides` applied (undefined removes a claim). */
function claims(overrides: Partial<Record<keyof JWTPayload, unknown>> = {}): JWTPayload {
	const now = Math.floor(Date.now() / 1000);
	const base: Record<string, unknown> = {
		iss: clientId(),
		sub: clientId(),
		aud: issuer(),
		jti: crypto.randomUUID(),
		iat: now,
		exp: now + 60,
	};
	for (const [name, value] of Object.entries(overrides)) {
		if (value === undefined) delete base[name];
		else base[name] = value;
	}
	return base as JWTPayload;
}

/** An assertion signed by `key` (default: the registered ES256 key) with the header `kid` (default: that key's). */
function sign(payload = claims(), alg: string = 'ES256', key: CryptoKey | Uint8Array = keys.get(alg)!, kid: string | null = `key-${alg}`) {
	return new SignJWT(payload).setProtectedHeader(kid === null ? { alg } : { alg, kid }).sign(key);
}

/** A client credentials request authenticated by `assertion` alone (plus `extra` fields). */
function clientCredentials(assertion: string, extra: Record<string, string> = {}, url = tokenUrl()) {
	return postForm(url, {
		grant_type: 'client_credentials',
		client_id: clientId(),
		client_assertion_type: JWT_BEARER,
		client_assertion: assertion,
		...extra,
	});
}

/** The refusal: 401 invalid_client, a description naming `check`, and never the assertion (no `eyJ`). */
async function expectRefused(response: Response, check: RegExp): Promise<void> {
	const body = (await response.json()) as { error: string; error_description: string };
	expect({ status: response.status, error: body.error }).toEqual({ status: 401, error: 'invalid_client' });
	expect(body.error_description).toMatch(check);
	expect(JSON.stringify(body)).not.toContain('eyJ');
}

describe('client assertions at the emulator (RFC 7523 2.2, OpenID Connect Core 9)', () => {
	it.each(ALGS)('private_key_jwt signed with %s by a registered key (named by kid) -> 200 and a token', async (alg) => {
		const response = await clientCredentials(await sign(claims(), alg));
		expect(response.status).toBe(200);
		expect(await response.json()).toMatchObject({ access_token: expect.any(String), token_type: 'Bearer' });
		expect(emulator().counters().clientAssertions).toMatchObject({ accepted: 1, refused: { total: 0 } });
	});

	it('without client_id the client is the assertion sub', async () => {
		const response = await postForm(tokenUrl(), {
			grant_type: 'client_credentials',
			client_assertion_type: JWT_BEARER,
			client_assertion: await sign(),
		});
		expect(response.status).toBe(200);
	});

	it('aud must be the issuer identifier exactly: the token endpoint URL, another issuer, an array -> invalid_client (aud)', async () => {
		await expectRefused(await clientCredentials(await sign(claims({ aud: tokenUrl() }))), /aud names an endpoint/);
		await expectRefused(await clientCredentials(await sign(claims({ aud: 'https://other-issuer.example' }))), /aud must be the issuer/);
		await expectRefused(await clientCredentials(await sign(claims({ aud: [issuer()] }))), /single string/);
		await expectRefused(await clientCredentials(await sign(claims({ aud: `${issuer()}/` }))), /aud must be the issuer/);
		expect(emulator().counters().clientAssertions).toMatchObject({ accepted: 0, refused: { total: 4, aud: 4 } });
	});

	it('exp: expired, missing, or more than 5 minutes after iat -> invalid_client (exp)', async () => {
		const now = Math.floor(Date.now() / 1000);
		await expectRefused(await clientCredentials(await sign(claims({ iat: now - 120, exp: now - 60 }))), /expired/);
		await expectRefused(await clientCredentials(await sign(claims({ exp: undefined }))), /no exp/);
		await expectRefused(await clientCredentials(await sign(claims({ exp: now + 3600 }))), /lives too long/);
		await expectRefused(await clientCredentials(await sign(claims({ iat: now + 600, exp: now + 660 }))), /iat/);
		expect(emulator().counters().clientAssertions.refused).toMatchObject({ total: 4, exp: 3, iat: 1 });
	});

	it('jti: a replayed assertion -> invalid_client (replay); one without jti -> invalid_client (jti)', async () => {
		const assertion = await sign();
		expect((await clientCredentials(assertion)).status).toBe(200);
		await expectRefused(await clientCredentials(assertion), /used before \(a replay\)/);
		await expectRefused(await clientCredentials(await sign(claims({ jti: undefined }))), /no jti/);
		expect(emulator().counters().clientAssertions).toMatchObject({ accepted: 1, refused: { total: 2, replay: 1, jti: 1 } });
	});

	it('an unregistered key: an unknown kid -> key; another key under a registered kid, or without a kid -> signature; without a kid each fitting key is tried', async () => {
		const other = await generateKeyPair('ES256');
		await expectRefused(
			await clientCredentials(await sign(claims(), 'ES256', other.privateKey, 'unknown-kid')),
			/no key registered .* kid/,
		);
		await expectRefused(await clientCredentials(await sign(claims(), 'ES256', other.privateKey, 'key-ES256')), /signature is invalid/);
		// Without a kid: each registered key that fits the alg is tried (a key from a PEM file has no kid) ...
		expect((await clientCredentials(await sign(claims(), 'ES256', keys.get('ES256')!, null))).status).toBe(200);
		expect((await clientCredentials(await sign(claims(), 'RS256', keys.get('RS256')!, null))).status).toBe(200);
		await emulator().registerClientKey({ ...(await exportJWK(other.publicKey)), kid: 'second-es256' });
		expect((await clientCredentials(await sign(claims(), 'ES256', other.privateKey, null))).status).toBe(200);
		// ... and a key that is none of them still fails, on its signature.
		const stranger = await generateKeyPair('ES256');
		await expectRefused(await clientCredentials(await sign(claims(), 'ES256', stranger.privateKey, null)), /signature is invalid/);
		// The kid of an EC key on an RSA signature.
		await expectRefused(await clientCredentials(await sign(claims(), 'RS256', keys.get('RS256')!, 'key-ES256')), /cannot verify RS256/);
		expect(emulator().counters().clientAssertions.refused).toMatchObject({ total: 4, key: 2, signature: 2 });
	});

	it('a bad signature (the payload changed after signing) -> invalid_client (signature)', async () => {
		const [header, , signature] = (await sign()).split('.');
		const forged = Buffer.from(JSON.stringify(claims())).toString('base64url');
		await expectRefused(await clientCredentials(`${header}.${forged}.${signature}`), /signature is invalid/);
		await expectRefused(await clientCredentials('not-a-jws'), /not a compact JWS/);
		expect(emulator().counters().clientAssertions.refused).toMatchObject({ signature: 1, malformed: 1 });
	});

	it('alg none (an unsigned assertion) -> invalid_client (alg)', async () => {
		const encode = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
		await expectRefused(await clientCredentials(`${encode({ alg: 'none' })}.${encode(claims())}.`), /alg none/);
		await expectRefused(await clientCredentials(await sign(claims(), 'HS512', new TextEncoder().encode(SECRET), null)), /alg must be/);
		expect(emulator().counters().clientAssertions.refused).toMatchObject({ total: 2, alg: 2 });
	});

	it('iss and sub must be the client id (and client_id, when sent, names the client)', async () => {
		await expectRefused(await clientCredentials(await sign(claims({ iss: 'someone-else' }))), /iss must be the client id/);
		await expectRefused(await clientCredentials(await sign(claims({ sub: 'someone-else' }))), /sub must be the client id/);
		await expectRefused(await clientCredentials(await sign(), { client_id: 'oauth2-cli' }), /no public key/);
		await expectRefused(await clientCredentials(await sign(), { client_id: 'nobody' }), /not registered/);
		expect(emulator().counters().clientAssertions.refused).toMatchObject({ iss: 1, sub: 1, key: 1, client: 1 });
	});

	it('client_secret_jwt: HS256 over the client secret -> 200; over a wrong secret -> invalid_client (signature)', async () => {
		const good = await sign(claims(), 'HS256', new TextEncoder().encode(SECRET), null);
		expect((await clientCredentials(good)).status).toBe(200);
		const wrong = await sign(claims(), 'HS256', new TextEncoder().encode('not-the-secret-but-long-enough-for-hs256'), null);
		await expectRefused(await clientCredentials(wrong), /signature is invalid/);
		// A public client has no secret to sign with.
		const publicClaims = claims({ iss: 'oauth2-cli', sub: 'oauth2-cli' });
		await expectRefused(
			await clientCredentials(await sign(publicClaims, 'HS256', new TextEncoder().encode(SECRET), null), { client_id: 'oauth2-cli' }),
			/has none/,
		);
		expect(emulator().counters().clientAssertions).toMatchObject({ accepted: 1, refused: { signature: 1, key: 1 } });
	});

	it('one method only: an assertion beside client_secret or HTTP Basic -> 400 invalid_request; a wrong type -> invalid_request', async () => {
		const mixed = await clientCredentials(await sign(), { client_secret: SECRET });
		expect({ status: mixed.status, body: await mixed.json() }).toMatchObject({ status: 400, body: { error: 'invalid_request' } });
		const basic = await postForm(
			tokenUrl(),
			{ grant_type: 'client_credentials', client_assertion_type: JWT_BEARER, client_assertion: await sign() },
			{ authorization: `Basic ${btoa(`${clientId()}:${SECRET}`)}` },
		);
		expect({ status: basic.status, body: await basic.json() }).toMatchObject({ status: 400, body: { error: 'invalid_request' } });
		const type = await clientCredentials(await sign(), { client_assertion_type: 'urn:example:saml' });
		expect({ status: type.status, body: await type.json() }).toMatchObject({ status: 400, body: { error: 'invalid_request' } });
		expect(emulator().counters().clientAssertions).toMatchObject({ accepted: 0, refused: { total: 0 } });
	});

	it('the revocation and device authorization endpoints take assertions too (and refuse bad ones alike)', async () => {
		const revoke = `${issuer()}/oauth2/v1/revoke`;
		const device = `${issuer()}/oauth2/v1/device`;
		const { access_token } = (await (await clientCredentials(await sign())).json()) as { access_token: string };
		const revoked = await postForm(revoke, { token: access_token, client_assertion_type: JWT_BEARER, client_assertion: await sign() });
		expect(revoked.status).toBe(200);
		const authorized = await postForm(device, { client_id: clientId(), client_assertion_type: JWT_BEARER, client_assertion: await sign() });
		expect(authorized.status).toBe(200);
		expect(await authorized.json()).toMatchObject({ device_code: expect.any(String) });
		await expectRefused(
			await postForm(revoke, {
				token: access_token,
				client_assertion_type: JWT_BEARER,
				client_assertion: await sign(claims({ aud: revoke })),
			}),
			/aud names an endpoint/,
		);
		expect(emulator().counters().clientAssertions).toMatchObject({ accepted: 3, refused: { total: 1, aud: 1 } });
	});

	it('discovery advertises private_key_jwt and client_secret_jwt, and the algorithms it checks', async () => {
		const metadata = (await (await fetch(`${issuer()}/.well-known/openid-configuration`)).json()) as Record<string, string[]>;
		expect(metadata.token_endpoint_auth_methods_supported).toEqual(expect.arrayContaining(['private_key_jwt', 'client_secret_jwt']));
		expect(metadata.token_endpoint_auth_signing_alg_values_supported).toEqual(['ES256', 'PS256', 'RS256', 'EdDSA', 'HS256']);
		expect(metadata.token_endpoint_auth_signing_alg_values_supported).not.toContain('none');
	});

	it('registerClientKey refuses a private key, an unsupported key and an unknown client (without showing the key)', async () => {
		const { privateKey } = await generateKeyPair('ES256', { extractable: true });
		const privateJwk = await exportJWK(privateKey);
		const error = await emulator()
			.registerClientKey(privateJwk)
			.catch((caught: unknown) => caught as Error);
		expect(error).toMatchObject({ name: 'InvalidOptionError', message: expect.stringMatching(/register the public half/) });
		expect((error as Error).message).not.toContain(privateJwk.d!);
		await expect(emulator().registerClientKey({ kty: 'oct', k: 'c2VjcmV0' })).rejects.toMatchObject({ name: 'InvalidOptionError' });
		const publicJwk = await exportJWK((await generateKeyPair('ES256')).publicKey);
		await expect(emulator().registerClientKey(publicJwk, { clientId: 'nobody' })).rejects.toThrow(/client of the oauth2 server/);
	});
});

describe('a client registered with `jwks` and no secret', () => {
	it('is confidential: client credentials with an assertion -> 200; with client_id alone -> invalid_client', async () => {
		const { privateKey, publicKey } = await generateKeyPair('EdDSA', { crv: 'Ed25519' });
		const server = await createEmulator({
			providers: ['oauth2'],
			oauth2: { clients: [{ clientId: 'backend', jwks: { keys: [await exportJWK(publicKey)] } }] },
		});
		try {
			expect(server.credentials.oauth2).toMatchObject({ clientId: 'backend' });
			const token = `${server.url}/oauth2/v1/token`;
			const now = Math.floor(Date.now() / 1000);
			const payload = { iss: 'backend', sub: 'backend', aud: server.url, jti: crypto.randomUUID(), iat: now, exp: now + 60 };
			// Its only key: no kid needed.
			const assertion = await new SignJWT(payload).setProtectedHeader({ alg: 'EdDSA' }).sign(privateKey);
			const accepted = await postForm(token, {
				grant_type: 'client_credentials',
				client_assertion_type: JWT_BEARER,
				client_assertion: assertion,
			});
			expect(accepted.status).toBe(200);
			const bare = await postForm(token, { grant_type: 'client_credentials', client_id: 'backend' });
			const body = (await bare.json()) as { error: string; error_description: string };
			expect({ status: bare.status, error: body.error }).toEqual({ status: 401, error: 'invalid_client' });
			expect(body.error_description).toMatch(/must send a private_key_jwt client_assertion/);
		} finally {
			await server.close();
		}
	});

	it('a private key as `jwks` is refused at creation', async () => {
		const { privateKey } = await generateKeyPair('ES256', { extractable: true });
		const jwk = await exportJWK(privateKey);
		await expect(
			createEmulator({ providers: ['oauth2'], oauth2: { clients: [{ clientId: 'backend', jwks: { keys: [jwk] } }] } }),
		).rejects.toMatchObject({
			name: 'InvalidOptionError',
			message: expect.stringMatching(/oauth2\.clients\[0\]\.jwks\.keys\[0\]/),
		});
	});
});
