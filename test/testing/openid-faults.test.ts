import { afterEach, describe, expect, it } from 'vitest';
import { createEmulator, type Emulator, type IdTokenFault } from '../../src/testing/index.js';
import { withToken } from '../_helpers/transports.js';
import { openIdLogin, rejectionCode } from './openid-login.js';

describe('the OAuth2 emulator as an OpenID Provider: ID token and userinfo faults, key rotation', () => {
	let emulator: Emulator | undefined;
	afterEach(async () => {
		await emulator?.close();
		emulator = undefined;
	});

	async function start() {
		emulator = await createEmulator();
		return { emulator, ...openIdLogin(emulator) };
	}

	it.each<[IdTokenFault, string]>([
		['claim-changed', 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED'],
		['foreign-key', 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED'],
		['wrong-iss', 'ERR_JWT_CLAIM_VALIDATION_FAILED'],
		['wrong-aud', 'ERR_JWT_CLAIM_VALIDATION_FAILED'],
		['expired', 'ERR_JWT_EXPIRED'],
		// jose refuses an unsecured JWT outright: it does not support alg none at all.
		['alg-none', 'ERR_JOSE_NOT_SUPPORTED'],
	])('fault %s: the next ID token is refused by jose with %s; the one after it is good again', async (fault, code) => {
		const { emulator, login, verify } = await start();
		emulator.injectIdTokenFault(fault);
		const { tokens } = await login();
		expect(await rejectionCode(verify(tokens.id_token))).toBe(code);
		expect(await rejectionCode(verify((await login()).tokens.id_token))).toBe('resolved');
		expect(emulator.counters().oidc).toMatchObject({ idTokens: 2, faultsServed: 1 });
	});

	it('the defect of each refused fault is the one promised: which claim, header or key differs', async () => {
		const { emulator, login, claims, header, jwks, publicClientId } = await start();
		const good = (await login()).tokens.id_token!;
		const kid = (await jwks()).keys[0]!.kid;
		const spoiled = async (fault: IdTokenFault) => {
			emulator.injectIdTokenFault(fault);
			return (await login()).tokens.id_token!;
		};
		const changed = await spoiled('claim-changed');
		// Signed over the true claims, then altered: the signature is the only check that can catch it.
		expect(claims(changed).preferred_username).toBe('admin');
		expect(changed.split('.')[2]).not.toBe('');
		expect(claims(await spoiled('wrong-aud')).aud).not.toBe(publicClientId);
		const expired = claims(await spoiled('expired'));
		expect(expired.exp).toBeLessThan(Math.floor(Date.now() / 1000) - 60);
		expect(claims(await spoiled('wrong-iss')).iss).toBe('https://another-issuer.example');
		expect(claims(await spoiled('other-azp'))).toMatchObject({ aud: [publicClientId, 'another-client'], azp: 'another-client' });
		const future = claims(await spoiled('issued-in-future'));
		expect(future.iat).toBeGreaterThan(Math.floor(Date.now() / 1000) + 60);
		const unsecured = await spoiled('alg-none');
		expect(header(unsecured)).toEqual({ alg: 'none', typ: 'JWT' });
		expect(unsecured.endsWith('.')).toBe(true);
		const foreign = await spoiled('foreign-key');
		expect(header(foreign)).toEqual(header(good));
		expect(header(foreign).kid).toBe(kid);
	});

	it('faults other-azp, issued-in-future and bad-at-hash: signed and valid for jose, each wrong in the one claim jose leaves to the client', async () => {
		const { emulator, login, verify } = await start();
		for (const fault of ['other-azp', 'issued-in-future'] as const) {
			emulator.injectIdTokenFault(fault);
			expect(await rejectionCode(verify((await login()).tokens.id_token))).toBe('resolved');
		}
		emulator.injectIdTokenFault('bad-at-hash');
		const { tokens } = await login();
		const claims = await verify(tokens.id_token);
		// at_hash (OpenID Connect Core 3.1.3.6): the left half of SHA-256 over the access token, base64url.
		const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(tokens.access_token)));
		const expected = Buffer.from(digest.slice(0, 16)).toString('base64url');
		expect(claims.at_hash).toEqual(expect.any(String));
		expect(claims.at_hash).not.toBe(expected);
		// The same hash over the right token is what an unspoiled login gets.
		const good = await login();
		const goodDigest = new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(good.tokens.access_token)));
		expect((await verify(good.tokens.id_token)).at_hash).toBe(Buffer.from(goodDigest.slice(0, 16)).toString('base64url'));
	});

	it("fault wrong-nonce: a valid signature, but another nonce than the login's", async () => {
		const { emulator, login, verify } = await start();
		emulator.injectIdTokenFault('wrong-nonce');
		const { tokens, nonce } = await login();
		const claims = await verify(tokens.id_token);
		expect(claims.nonce).toEqual(expect.any(String));
		expect(claims.nonce).not.toBe(nonce);
	});

	it('fault other-sub on a refresh: a valid ID token for another user than the login', async () => {
		const { emulator, login, refreshTokens, verify } = await start();
		const { tokens } = await login();
		const first = await verify(tokens.id_token);
		emulator.injectIdTokenFault('other-sub');
		const refreshed = await verify((await refreshTokens(tokens.refresh_token!)).id_token);
		expect(refreshed.sub).not.toBe(first.sub);
		expect(refreshed.sub).toBe('another-user');
	});

	it('fault unknown-kid: signed under a kid the cached JWKS lacks; the JWKS fetched again lists it and jose accepts', async () => {
		const { emulator, login, verify, verifyWithCached, jwks, header } = await start();
		await login();
		const cached = await jwks();
		emulator.injectIdTokenFault('unknown-kid');
		const { tokens } = await login();
		const idToken = tokens.id_token!;
		expect(await rejectionCode(verifyWithCached(idToken, cached))).toBe('ERR_JWKS_NO_MATCHING_KEY');
		const fresh = await jwks();
		expect(fresh.keys.map((key) => key.kid)).toEqual(expect.arrayContaining([header(idToken).kid, cached.keys[0]!.kid]));
		expect(await rejectionCode(verify(idToken))).toBe('resolved');
	});

	it('rotateSigningKey(): a new kid signs from then on; the JWKS lists new and old, and tokens of the old key still verify', async () => {
		const { emulator, login, verify, jwks, header } = await start();
		const before = (await login()).tokens.id_token!;
		const oldKid = header(before).kid;
		const { kid } = await emulator.rotateSigningKey();
		expect(kid).not.toBe(oldKid);
		expect((await jwks()).keys.map((key) => key.kid)).toEqual([kid, oldKid]);
		const after = (await login()).tokens.id_token!;
		expect(header(after).kid).toBe(kid);
		expect(await rejectionCode(verify(after))).toBe('resolved');
		expect(await rejectionCode(verify(before))).toBe('resolved');
	});

	it("userinfo fault other-sub: the next answer names another sub than the ID token's; times: 2 spoils two", async () => {
		const { emulator, login, verify, userinfo } = await start();
		const { tokens } = await login();
		const { sub } = await verify(tokens.id_token);
		emulator.injectUserinfoFault('other-sub', { times: 2 });
		const subs = [];
		for (let call = 0; call < 3; call += 1)
			subs.push(((await (await withToken(userinfo, tokens.access_token)).json()) as { sub: string }).sub);
		expect(subs).toEqual(['another-user', 'another-user', sub]);
		expect(emulator.counters().oidc.faultsServed).toBe(2);
	});

	it('clearFaults() drops OpenID faults; a fault name not known or a bad times is an ERR_INVALID_OPTION TypeError', async () => {
		const { emulator, login, verify } = await start();
		emulator.injectIdTokenFault('expired', { times: Infinity });
		emulator.clearFaults();
		expect(await rejectionCode(verify((await login()).tokens.id_token))).toBe('resolved');
		expect(() => emulator.injectIdTokenFault('unsigned' as IdTokenFault)).toThrow(
			expect.objectContaining({ name: 'InvalidOptionError', code: 'ERR_INVALID_OPTION' }),
		);
		expect(() => emulator.injectUserinfoFault('other-sub', { times: 0 })).toThrow(TypeError);
	});

	it('without the oauth2 provider, the OpenID controls say it is not served', async () => {
		emulator = await createEmulator({ providers: ['squidex'] });
		expect(() => emulator?.injectIdTokenFault('expired')).toThrow(/No OpenID Provider is served/);
		await expect(emulator.rotateSigningKey()).rejects.toThrow(/No OpenID Provider is served/);
	});
});
