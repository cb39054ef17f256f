import { generateKeyPair, SignJWT, UnsecuredJWT } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import { type IdTokenCheck, IdTokenError, isTokenkeeperError } from '../../src/errors.js';
import { checkIdToken, type IdTokenExpectations } from '../../src/oidc/check-id-token.js';
import { createJwksSource, type JwksSource } from '../../src/oidc/jwks.js';
import { zodKit } from '../../src/oidc/zod-kit.js';
import {
	atHash,
	CLIENT_ID,
	fakeJwksEndpoint,
	ISSUER,
	makeKey,
	NONCE,
	NOW,
	type SigningAlgorithm,
	sign,
	type TestKey,
	validClaims,
} from '../_helpers/id-token-signer.js';

const ALGORITHMS: readonly SigningAlgorithm[] = ['RS256', 'PS256', 'ES256', 'EdDSA'];
const EXPECTED: IdTokenExpectations = { issuer: ISSUER, clientId: CLIENT_ID, nonce: NONCE, now: NOW };

const keys = {} as Record<SigningAlgorithm, TestKey>;
let jwks: JwksSource;

beforeAll(async () => {
	for (const alg of ALGORITHMS) keys[alg] = await makeKey(alg, `key-${alg}`);
	jwks = createJwksSource(fakeJwksEndpoint(Object.values(keys)).fetchJwks, () => NOW, zodKit);
});

/** Every rejection the attacks below got, with the token it was for: the last test searches them for the token. */
const rejections: { token: string; error: IdTokenError }[] = [];

/** The check an ID token fails, asserting it fails with an IdTokenError (ERR_ID_TOKEN). */
async function failedCheck(token: string, expected: Partial<IdTokenExpectations> = {}, source = jwks): Promise<IdTokenCheck> {
	try {
		await checkIdToken(token, source, { ...EXPECTED, ...expected });
	} catch (error) {
		expect(isTokenkeeperError(error) && error.code).toBe('ERR_ID_TOKEN');
		expect(error).toBeInstanceOf(IdTokenError);
		rejections.push({ token, error: error as IdTokenError });
		return (error as IdTokenError).check;
	}
	throw new Error('expected the ID token to be refused');
}

function part(token: string, index: number): Record<string, unknown> {
	return JSON.parse(Buffer.from(token.split('.')[index]!, 'base64url').toString('utf8'));
}

function withPart(token: string, index: number, value: Record<string, unknown>): string {
	const parts = token.split('.');
	parts[index] = Buffer.from(JSON.stringify(value)).toString('base64url');
	return parts.join('.');
}

describe('checkIdToken: valid ID tokens (OpenID Connect Core 3.1.3.7)', () => {
	it.each(ALGORITHMS)('a valid %s ID token -> its claims', async (alg) => {
		const claims = await checkIdToken(await sign(keys[alg]), jwks, EXPECTED);
		expect(claims).toMatchObject({ iss: ISSUER, sub: 'user-8812', aud: CLIENT_ID, nonce: NONCE });
	});

	it.each(ALGORITHMS)('at_hash of the response access token (%s) -> accepted', async (alg) => {
		const accessToken = 'access-token-of-this-response';
		const claims = validClaims({ at_hash: atHash(accessToken, alg === 'EdDSA' ? 'sha512' : 'sha256') });
		await expect(checkIdToken(await sign(keys[alg], claims), jwks, { ...EXPECTED, accessToken })).resolves.toMatchObject({
			sub: 'user-8812',
		});
	});

	it('after a refresh (no expected nonce), the nonce in the token is not checked', async () => {
		await expect(checkIdToken(await sign(keys.ES256), jwks, { ...EXPECTED, nonce: undefined })).resolves.toMatchObject({ nonce: NONCE });
	});

	it('several audiences with azp = clientId -> accepted', async () => {
		const token = await sign(keys.RS256, validClaims({ aud: [CLIENT_ID, 'https://api.example'], azp: CLIENT_ID }));
		await expect(checkIdToken(token, jwks, EXPECTED)).resolves.toMatchObject({ azp: CLIENT_ID });
	});

	it('exp passed less than the clock tolerance ago -> accepted; the tolerance is settable', async () => {
		const iat = Math.floor(NOW / 1000) - 600;
		const token = await sign(keys.ES256, validClaims({ iat, exp: Math.floor(NOW / 1000) - 30 }));
		await expect(checkIdToken(token, jwks, EXPECTED)).resolves.toBeDefined();
		expect(await failedCheck(token, { clockTolerance: 10 })).toBe('exp');
	});

	it('a token without kid -> the one key of the JWKS that fits its alg', async () => {
		const token = await new SignJWT(validClaims()).setProtectedHeader({ alg: 'PS256' }).sign(keys.PS256.privateKey);
		await expect(checkIdToken(token, jwks, EXPECTED)).resolves.toBeDefined();
	});
});

describe('checkIdToken: each attack fails its own check', () => {
	it('a claim changed after signing -> signature', async () => {
		const token = await sign(keys.RS256);
		expect(await failedCheck(withPart(token, 1, { ...part(token, 1), sub: 'admin' }))).toBe('signature');
	});

	it.each(ALGORITHMS)('a signature of another key under the same kid (%s) -> signature', async (alg) => {
		const impostor = await makeKey(alg, keys[alg].kid);
		expect(await failedCheck(await sign(impostor))).toBe('signature');
	});

	it("another login's ID token (its nonce) -> nonce", async () => {
		expect(await failedCheck(await sign(keys.ES256, validClaims({ nonce: 'nonce-of-another-login' })))).toBe('nonce');
	});

	it('no nonce in the token though the login sent one -> nonce', async () => {
		expect(await failedCheck(await sign(keys.ES256, validClaims({ nonce: undefined })))).toBe('nonce');
	});

	it('a token for another client (aud) -> aud', async () => {
		expect(await failedCheck(await sign(keys.RS256, validClaims({ aud: 'another-client' })))).toBe('aud');
	});

	it('several audiences without azp -> azp', async () => {
		expect(await failedCheck(await sign(keys.RS256, validClaims({ aud: [CLIENT_ID, 'another-client'] })))).toBe('azp');
	});

	it('azp naming another client -> azp', async () => {
		expect(await failedCheck(await sign(keys.RS256, validClaims({ azp: 'another-client' })))).toBe('azp');
	});

	it('expired beyond the clock tolerance -> exp', async () => {
		const iat = Math.floor(NOW / 1000) - 3600;
		expect(await failedCheck(await sign(keys.EdDSA, validClaims({ iat, exp: iat + 300 })))).toBe('exp');
	});

	it('no numeric exp -> exp', async () => {
		expect(await failedCheck(await sign(keys.EdDSA, validClaims({ exp: '9999999999' })))).toBe('exp');
	});

	it('issued in the future beyond the clock tolerance -> iat', async () => {
		const iat = Math.floor(NOW / 1000) + 600;
		expect(await failedCheck(await sign(keys.EdDSA, validClaims({ iat, exp: iat + 300 })))).toBe('iat');
	});

	it('no iat -> iat', async () => {
		expect(await failedCheck(await sign(keys.EdDSA, validClaims({ iat: undefined })))).toBe('iat');
	});

	it('another issuer -> iss', async () => {
		expect(await failedCheck(await sign(keys.PS256, validClaims({ iss: 'https://id.example.evil' })))).toBe('iss');
		expect(await failedCheck(await sign(keys.PS256, validClaims({ iss: `${ISSUER}/` })))).toBe('iss');
	});

	it('at_hash of another access token -> at_hash', async () => {
		const token = await sign(keys.RS256, validClaims({ at_hash: atHash('another-access-token', 'sha256') }));
		expect(await failedCheck(token, { accessToken: 'access-token-of-this-response' })).toBe('at_hash');
	});

	it('EdDSA at_hash made with SHA-256 instead of SHA-512 -> at_hash', async () => {
		const token = await sign(keys.EdDSA, validClaims({ at_hash: atHash('the-access-token', 'sha256') }));
		expect(await failedCheck(token, { accessToken: 'the-access-token' })).toBe('at_hash');
	});

	it('alg none (unsigned) -> alg', async () => {
		const unsigned = new UnsecuredJWT(validClaims()).encode();
		expect(await failedCheck(unsigned)).toBe('alg');
		expect(await failedCheck(withPart(unsigned, 0, { alg: 'none', kid: keys.RS256.kid }))).toBe('alg');
	});

	it("HS256 signed with the RSA public key's bytes as secret -> alg", async () => {
		for (const secret of [JSON.stringify(keys.RS256.jwk), keys.RS256.jwk.n!]) {
			const token = await new SignJWT(validClaims())
				.setProtectedHeader({ alg: 'HS256', kid: keys.RS256.kid })
				.sign(new TextEncoder().encode(secret));
			expect(await failedCheck(token)).toBe('alg');
		}
	});

	it('an algorithm outside RS256, PS256, ES256, EdDSA (RS512) -> alg', async () => {
		const { privateKey } = await generateKeyPair('RS512');
		const rs512 = await new SignJWT(validClaims()).setProtectedHeader({ alg: 'RS512', kid: keys.RS256.kid }).sign(privateKey);
		expect(await failedCheck(rs512)).toBe('alg');
	});

	it('an ES256 header over the RSA key of the JWKS (its kid) -> alg', async () => {
		const token = await sign(keys.ES256);
		expect(await failedCheck(withPart(token, 0, { alg: 'ES256', kid: keys.RS256.kid }))).toBe('alg');
	});

	it("a PS256 token whose key's JWK says alg RS256 -> alg", async () => {
		const key = await makeKey('PS256', 'rs256-only', { alg: 'RS256' });
		const source = createJwksSource(fakeJwksEndpoint([key]).fetchJwks, () => NOW, zodKit);
		expect(await failedCheck(await sign(key), {}, source)).toBe('alg');
	});

	it('a key source that hands back a key of another algorithm -> alg', async () => {
		const wrongKey: JwksSource = { key: () => jwks.key({ alg: 'RS256', kid: keys.RS256.kid }) };
		expect(await failedCheck(await sign(keys.PS256), {}, wrongKey)).toBe('alg');
	});

	it('an encrypted ID token (JWE, five parts) -> format', async () => {
		expect(await failedCheck('eyJhbGciOiJSU0EtT0FFUCJ9.ZW5j.aXY.Y2lwaGVy.dGFn')).toBe('format');
	});

	it('not three base64url parts of JSON objects, or no alg string -> format', async () => {
		const token = await sign(keys.ES256);
		const [header, payload, signature] = token.split('.') as [string, string, string];
		expect(await failedCheck(`${header}.${payload}`)).toBe('format');
		expect(await failedCheck(`${header}.${payload}.${signature}.x`)).toBe('format');
		expect(await failedCheck(`${header}.${payload}=.${signature}`)).toBe('format');
		expect(await failedCheck(`${header}.${Buffer.from('[1,2]').toString('base64url')}.${signature}`)).toBe('format');
		expect(await failedCheck(`${header}.${Buffer.from('not json').toString('base64url')}.${signature}`)).toBe('format');
		expect(await failedCheck(withPart(token, 0, { alg: 256 }))).toBe('format');
		expect(await failedCheck(withPart(token, 0, { alg: 'ES256', kid: 7 }))).toBe('format');
		expect(await failedCheck(withPart(token, 0, { alg: 'ES256', crit: ['b64'], b64: false }))).toBe('format');
	});

	it('no sub, or an empty one -> format', async () => {
		expect(await failedCheck(await sign(keys.ES256, validClaims({ sub: undefined })))).toBe('format');
		expect(await failedCheck(await sign(keys.ES256, validClaims({ sub: '' })))).toBe('format');
	});

	it('a nonce that is not a string (after a refresh) or an auth_time that is not a number -> format', async () => {
		expect(await failedCheck(await sign(keys.ES256, validClaims({ nonce: 42 })), { nonce: undefined })).toBe('format');
		expect(await failedCheck(await sign(keys.ES256, validClaims({ auth_time: 'yesterday' })))).toBe('format');
	});

	it("the attacker's own key embedded in the header (jwk) is never trusted: the JWKS key is used -> signature, or key", async () => {
		const attacker = await makeKey('ES256', 'attacker');
		const { kid: _kid, alg: _alg, use: _use, ...embedded } = attacker.jwk;
		const withoutKid = await new SignJWT(validClaims()).setProtectedHeader({ alg: 'ES256', jwk: embedded }).sign(attacker.privateKey);
		expect(await failedCheck(withoutKid)).toBe('signature');
		expect(await failedCheck(await sign(attacker, validClaims(), { jwk: embedded }))).toBe('key');
	});

	it('the checks run in order: a bad signature is reported before a wrong iss, aud or nonce', async () => {
		const token = await sign(keys.RS256, validClaims({ iss: 'https://evil.example', aud: 'x', nonce: 'y' }));
		expect(await failedCheck(withPart(token, 1, { ...part(token, 1), sub: 'admin' }))).toBe('signature');
		expect(await failedCheck(token)).toBe('iss');
	});

	it('no error message, JSON or stack holds any part of a refused token or its claim values', () => {
		expect(rejections.length).toBeGreaterThan(25);
		for (const { token, error } of rejections) {
			const rendered = [error.message, JSON.stringify(error), String(error.stack)].join('\n');
			for (const piece of token.split('.').filter((piece) => piece.length >= 4)) expect(rendered).not.toContain(piece);
			for (const value of ['user-8812', NONCE, 'nonce-of-another-login', 'another-client', 'id.example.evil', 'evil.example']) {
				expect(rendered).not.toContain(value);
			}
		}
	});
});
