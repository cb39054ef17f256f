import { afterEach, describe, expect, it } from 'vitest';
import { createEmulator, type Emulator, type EmulatorOptions, type IdTokenAlg } from '../../src/testing/index.js';
import { withToken } from '../_helpers/transports.js';
import { get, OAUTH2_PATHS } from './oauth2-login.js';
import { expectedAtHash, openIdLogin, OPENID_PATHS } from './openid-login.js';

describe('the OAuth2 emulator as an OpenID Provider: ID tokens', () => {
	let emulator: Emulator | undefined;
	afterEach(async () => {
		await emulator?.close();
		emulator = undefined;
	});

	async function start(options?: EmulatorOptions) {
		emulator = await createEmulator(options);
		return openIdLogin(emulator);
	}

	it('discovery names jwks_uri, userinfo, end_session_endpoint, the signing alg and public subjects', async () => {
		const { issuer } = await start({ oauth2: { idTokenAlg: 'ES256' } });
		expect(await (await get(`${issuer}${OAUTH2_PATHS.discovery}`)).json()).toMatchObject({
			issuer,
			jwks_uri: `${issuer}${OPENID_PATHS.jwks}`,
			userinfo_endpoint: `${issuer}${OAUTH2_PATHS.userinfo}`,
			end_session_endpoint: `${issuer}${OPENID_PATHS.endSession}`,
			id_token_signing_alg_values_supported: ['ES256'],
			subject_types_supported: ['public'],
		});
	});

	it.each<[IdTokenAlg, 'sha256' | 'sha512']>([
		['RS256', 'sha256'],
		['PS256', 'sha256'],
		['ES256', 'sha256'],
		['EdDSA', 'sha512'],
	])(
		'a login with openid and a nonce gets an ID token signed with %s that jose accepts, with every claim and at_hash',
		async (alg, hash) => {
			const { login, verify, jwks, header, publicClientId, issuer } = await start({ oauth2: { idTokenAlg: alg } });
			const before = Math.floor(Date.now() / 1000);
			const { tokens, nonce } = await login();
			const claims = await verify(tokens.id_token);
			expect(claims).toEqual({
				iss: issuer,
				sub: 'oauth2-user-1',
				aud: publicClientId,
				exp: claims.iat! + 3600,
				iat: expect.any(Number),
				auth_time: expect.any(Number),
				nonce,
				at_hash: expectedAtHash(tokens.access_token, hash),
				preferred_username: 'oauth2-user',
			});
			expect(claims.iat).toBeGreaterThanOrEqual(before);
			const { keys } = await jwks();
			expect(keys).toHaveLength(1);
			expect(keys[0]).toMatchObject({ kid: expect.any(String), alg, use: 'sig' });
			expect(keys[0]).not.toHaveProperty('d');
			expect(header(tokens.id_token!)).toEqual({ alg, kid: keys[0]!.kid, typ: 'JWT' });
		},
	);

	it('a refresh of an openid login gets a new ID token: same sub, no nonce, at_hash of the new access token', async () => {
		const { login, refreshTokens, verify } = await start();
		const { tokens } = await login();
		const first = await verify(tokens.id_token);
		const refreshed = await refreshTokens(tokens.refresh_token!);
		expect(refreshed.id_token).toBeDefined();
		expect(refreshed.id_token).not.toBe(tokens.id_token);
		const second = await verify(refreshed.id_token);
		expect(second.sub).toBe(first.sub);
		expect(second).not.toHaveProperty('nonce');
		expect(second.auth_time).toBe(first.auth_time);
		expect(second.at_hash).toBe(expectedAtHash(refreshed.access_token));
		expect(emulatorCounters().oidc).toEqual({ idTokens: 2, faultsServed: 0, endSessions: 0 });
	});

	it('no ID token without openid, nor for client credentials; an authorization request without nonce gives one without nonce', async () => {
		const { login, verify, clientCredentials } = await start();
		expect((await login({ scope: 'offline_access' })).tokens).not.toHaveProperty('id_token');
		expect(await (await clientCredentials({ scope: 'openid' })).json()).not.toHaveProperty('id_token');
		const { tokens } = await login({ nonce: null });
		expect(await verify(tokens.id_token)).not.toHaveProperty('nonce');
	});

	it("ID tokens follow the emulator's injected clock: iat, auth_time and exp come from now()", async () => {
		const at = Date.UTC(2030, 0, 1, 12, 0, 0);
		const { login, verify } = await start({ now: () => at, oauth2: { accessTokenLifetime: 600 } });
		const { tokens } = await login();
		const claims = await verify(tokens.id_token, { currentDate: new Date(at) });
		expect(claims).toMatchObject({ iat: at / 1000, auth_time: at / 1000, exp: at / 1000 + 600 });
	});

	it("userinfo answers the ID token's sub and preferred_username for the user's access token", async () => {
		const { login, verify, userinfo } = await start();
		const { tokens } = await login();
		const claims = await verify(tokens.id_token);
		expect(await (await withToken(userinfo, tokens.access_token)).json()).toMatchObject({
			sub: claims.sub,
			preferred_username: claims.preferred_username,
		});
	});

	it('CORS: a loopback origin may read the JWKS and userinfo; the JWKS answers GET only', async () => {
		const { login, jwksUrl, userinfo } = await start();
		const origin = 'http://localhost:5173';
		const jwks = await fetch(jwksUrl, { headers: { origin }, signal: AbortSignal.timeout(2000) });
		expect(jwks.status).toBe(200);
		expect(jwks.headers.get('access-control-allow-origin')).toBe(origin);
		const { tokens } = await login();
		const info = await withToken(userinfo, tokens.access_token, { headers: { origin } });
		expect(info.headers.get('access-control-allow-origin')).toBe(origin);
		expect((await fetch(jwksUrl, { method: 'POST', signal: AbortSignal.timeout(2000) })).status).toBe(405);
	});

	function emulatorCounters() {
		if (emulator === undefined) throw new Error('no emulator');
		return emulator.counters();
	}
});
