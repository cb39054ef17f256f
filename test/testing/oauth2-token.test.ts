import { afterEach, describe, expect, it } from 'vitest';
import type { EmulatorOptions } from '../../src/testing/index.js';
import { postForm, postJson, transports, withToken, type Started } from '../_helpers/transports.js';
import { expectError, get, oauth2Login, type OAuth2Tokens } from './oauth2-login.js';

describe.each(transports)('oauth2 token endpoint over $name', (transport) => {
	let started: Started;
	afterEach(() => started.stop());

	async function start(options?: EmulatorOptions) {
		started = await transport.start(options);
		return { emulator: started.emulator, ...oauth2Login(started.emulator) };
	}

	it('client_credentials: a confidential client, Basic or body; a bearer token with its scope and no refresh token', async () => {
		const { emulator, serviceId, clientCredentials, userinfo } = await start();
		const basic = await clientCredentials({ scope: 'api.read api.write' });
		expect(basic.status).toBe(200);
		expect(basic.headers.get('cache-control')).toBe('no-store');
		const tokens = (await basic.json()) as OAuth2Tokens;
		expect(tokens).toEqual({ access_token: expect.any(String), token_type: 'Bearer', expires_in: 3600, scope: 'api.read api.write' });
		const body = await clientCredentials({ client_id: serviceId, client_secret: 'emulator-secret-oauth2' }, {});
		expect(await body.json()).not.toHaveProperty('scope');
		// The protected resource names the client: no user is behind the token.
		const me = await withToken(userinfo, tokens.access_token);
		expect(await me.json()).toEqual({ sub: serviceId, client_id: serviceId, scope: 'api.read api.write' });
		expect(emulator.counters()).toMatchObject({ tokenRequests: { total: 2, client_credentials: 2 }, apiRequests: { ok: 1 } });
	});

	it('client_credentials: a public client is unauthorized_client; a wrong secret is invalid_client with a Basic challenge', async () => {
		const { publicClientId, serviceId, clientCredentials } = await start();
		await expectError(await clientCredentials({ client_id: publicClientId }, {}), 'unauthorized_client');
		const wrong = await clientCredentials({}, { authorization: `Basic ${btoa(`${serviceId}:wrong`)}` });
		expect(wrong.headers.get('www-authenticate')).toBe('Basic realm="oauth2"');
		await expectError(wrong, 'invalid_client', 401);
		await expectError(await clientCredentials({ scope: 'a"b' }), 'invalid_scope');
	});

	it('authorization code + PKCE: 302 back with code, state and iss = issuer; the tokens open userinfo', async () => {
		const { emulator, issuer, publicClientId, authorizationParams, authorize, exchange, userinfo } = await start();
		const { params, verifier } = authorizationParams();
		const callback = await authorize(params);
		expect(callback.get('state')).toBe(params.state);
		expect(callback.get('iss')).toBe(issuer);
		const response = await exchange(callback.get('code')!, verifier);
		const tokens = (await response.json()) as OAuth2Tokens;
		expect(tokens).toEqual({
			access_token: expect.any(String),
			token_type: 'Bearer',
			expires_in: 3600,
			refresh_token: expect.any(String),
			scope: 'openid offline_access',
			// The scope holds openid: the OpenID Provider adds a signed ID token (checked in openid-*.test.ts).
			id_token: expect.stringMatching(/^[\w-]+\.[\w-]+\.[\w-]+$/),
		});
		const me = await withToken(userinfo, tokens.access_token);
		expect(await me.json()).toEqual({
			sub: 'oauth2-user-1',
			preferred_username: 'oauth2-user',
			client_id: publicClientId,
			scope: 'openid offline_access',
		});
		expect(emulator.counters()).toMatchObject({ tokenRequests: { total: 1, authorization_code: 1 } });
	});

	it('PKCE is required of public clients and checked: no challenge, plain, or a wrong verifier are refused; codes work once', async () => {
		const { authorizationParams, authorize, exchange } = await start();
		const { params, verifier } = authorizationParams();
		const { code_challenge: _challenge, code_challenge_method: _method, ...withoutPkce } = params;
		expect((await authorize(withoutPkce)).get('error')).toBe('invalid_request');
		expect((await authorize({ ...params, code_challenge_method: 'plain' })).get('error')).toBe('invalid_request');
		const wrongVerifier = (await authorize(params)).get('code')!;
		await expectError(await exchange(wrongVerifier, `${verifier.slice(0, -1)}x`), 'invalid_grant');
		const code = (await authorize(authorizationParams().params)).get('code')!;
		await expectError(await exchange(code, undefined), 'invalid_grant');
	});

	it('a confidential client may omit PKCE; registered redirect URIs are exact, loopback on any port', async () => {
		const { url, exchange, authorize } = await start({
			oauth2: { clients: [{ clientId: 'web', clientSecret: 's3cret', redirectUris: ['https://app.example/cb', 'http://127.0.0.1/cb'] }] },
		});
		const base = { response_type: 'code', client_id: 'web', scope: 'openid' };
		const code = (await authorize({ ...base, redirect_uri: 'https://app.example/cb' })).get('code')!;
		const basic = { authorization: `Basic ${btoa('web:s3cret')}` };
		expect((await exchange(code, undefined, { client_id: 'web', redirect_uri: 'https://app.example/cb' }, basic)).status).toBe(200);
		expect((await authorize({ ...base, redirect_uri: 'http://127.0.0.1:51000/cb' })).has('code')).toBe(true);
		const refused = await get(`${url('authorize')}?${new URLSearchParams({ ...base, redirect_uri: 'https://app.example/cb/' })}`);
		expect(refused.status).toBe(400);
		expect(refused.headers.get('location')).toBeNull();
		expect(await refused.text()).toContain('OAuth2 emulator: authorization error');
	});

	it('deny switch: access_denied back to the client with state and iss', async () => {
		const { emulator, issuer, authorizationParams, authorize } = await start();
		emulator.setConsent('deny');
		const callback = await authorize(authorizationParams().params);
		expect(callback.get('error')).toBe('access_denied');
		expect(callback.get('iss')).toBe(issuer);
	});

	it('refresh rotation: each refresh returns a new refresh token and the old one dies', async () => {
		const { emulator, login, refresh, userinfo } = await start();
		const first = await login();
		const second = (await (await refresh(first.refresh_token!)).json()) as OAuth2Tokens;
		expect(second).toMatchObject({ token_type: 'Bearer', scope: 'openid offline_access' });
		expect(second.refresh_token).not.toBe(first.refresh_token);
		expect((await withToken(userinfo, first.access_token)).status).toBe(401);
		expect((await withToken(userinfo, second.access_token)).status).toBe(200);
		// A refresh may narrow the scope it asks for, never widen it; a refused one does not spend the token.
		await expectError(await refresh(second.refresh_token!, { scope: 'openid admin' }), 'invalid_scope');
		const narrowed = (await (await refresh(second.refresh_token!, { scope: 'openid' })).json()) as OAuth2Tokens;
		expect(narrowed.scope).toBe('openid');
		// RFC 6749 6: the narrowing is the access token's; the refresh token keeps the scope granted at login.
		expect(await (await refresh(narrowed.refresh_token!)).json()).toMatchObject({ scope: 'openid offline_access' });
		expect(emulator.counters()).toMatchObject({ tokenRequests: { refresh_token: 4 }, refreshTokenReuse: 0 });
	});

	it('reuse of a rotated refresh token -> invalid_grant, counted, and that whole login revoked', async () => {
		const { emulator, login, refresh, userinfo } = await start();
		const other = await login();
		const first = await login();
		const second = (await (await refresh(first.refresh_token!)).json()) as OAuth2Tokens;
		await expectError(await refresh(first.refresh_token!), 'invalid_grant');
		expect(emulator.counters().refreshTokenReuse).toBe(1);
		expect((await withToken(userinfo, second.access_token)).status).toBe(401);
		await expectError(await refresh(second.refresh_token!), 'invalid_grant');
		expect((await withToken(userinfo, other.access_token)).status).toBe(200);
		await expectError(await refresh('never-issued'), 'invalid_grant');
		expect(emulator.counters().refreshTokenReuse).toBe(1);
	});

	it('refreshTokens: false -> no refresh token, and the refresh grant is unsupported', async () => {
		const { login, refresh } = await start({ oauth2: { refreshTokens: false } });
		expect(await login()).not.toHaveProperty('refresh_token');
		await expectError(await refresh('anything'), 'unsupported_grant_type');
	});

	it('form bodies only; a missing or unknown grant type; token expiry by the injected clock', async () => {
		let clock = 1_700_000_000_000;
		const { url, publicClientId, login, userinfo } = await start({ now: () => clock, oauth2: { accessTokenLifetime: 60 } });
		await expectError(await postJson(url('token'), { grant_type: 'client_credentials', client_id: publicClientId }), 'invalid_request');
		await expectError(await postForm(url('token'), { client_id: publicClientId }), 'invalid_request');
		await expectError(await postForm(url('token'), { grant_type: 'password', client_id: publicClientId }), 'unsupported_grant_type');
		const tokens = await login();
		expect(tokens.expires_in).toBe(60);
		clock += 60_000;
		expect((await withToken(userinfo, tokens.access_token)).status).toBe(401);
	});
});
