import { afterEach, describe, expect, it } from 'vitest';
import type { EmulatorOptions } from '../../src/testing/index.js';
import { authorizeRequest, sqoweyLogin, type SqoweyTokens } from '../_helpers/sqowey-login.js';
import { transports, withToken, type Started } from '../_helpers/transports.js';

describe.each(transports)('sqowey authorization endpoint over $name', (transport) => {
	let started: Started;
	afterEach(() => started.stop());

	async function start(options?: EmulatorOptions) {
		started = await transport.start(options);
		return { emulator: started.emulator, ...sqoweyLogin(started.emulator) };
	}

	it('full login: 302 to the redirect URI with code, the same state and iss; the code buys tokens that open /api/users/@me', async () => {
		const { emulator, url, authorizationParams, authorize, exchange, me } = await start();
		expect(emulator.credentials.sqowey).toEqual({ url: emulator.url, clientId: 'sqowey-spa' });
		const { params, verifier } = authorizationParams();
		const callback = await authorize(params);
		expect(callback.get('state')).toBe(params.state);
		expect(callback.get('iss')).toBe(url);
		expect(callback.get('code')).toMatch(/^[A-Za-z0-9_-]{43}$/);

		const response = await exchange(callback.get('code')!, verifier);
		expect(response.status).toBe(200);
		expect(response.headers.get('cache-control')).toBe('no-store');
		const tokens = (await response.json()) as SqoweyTokens;
		expect(tokens).toEqual({
			access_token: expect.any(String),
			token_type: 'Bearer',
			expires_in: 3600,
			refresh_token: expect.any(String),
			scope: 'identity',
		});
		const user = await withToken(me, tokens.access_token);
		expect(user.status).toBe(200);
		expect(await user.json()).toEqual({ id: '1000000000000001', username: 'sqowey-user' });
		expect(emulator.counters()).toMatchObject({ tokenRequests: { total: 1, authorization_code: 1 }, apiRequests: { total: 1, ok: 1 } });
	});

	it('the redirect URI keeps its own query; state is optional and then absent', async () => {
		const { authorizationParams, authorize } = await start();
		const { params } = authorizationParams({ redirect_uri: 'http://localhost:3000/cb?tenant=a%20b&x' });
		delete params.state;
		const response = await authorizeRequest(started.emulator.url, params);
		const location = response.headers.get('location') ?? '';
		expect(location).toMatch(/^http:\/\/localhost:3000\/cb\?tenant=a%20b&x&code=[\w-]+&iss=/);
		expect((await authorize(params)).has('state')).toBe(false);
	});

	it('any loopback redirect URI on any port is accepted by default: 127.0.0.1, localhost, [::1]', async () => {
		const { authorizationParams, authorize } = await start();
		for (const redirectUri of ['http://127.0.0.1:49152/a', 'http://localhost:5173/callback', 'http://[::1]:8080/']) {
			expect((await authorize(authorizationParams({ redirect_uri: redirectUri }).params)).has('code')).toBe(true);
		}
	});

	it('unregistered redirect URI or unknown client -> 400 error page, never a redirect', async () => {
		const { url, authorizationParams } = await start({
			sqowey: { clients: [{ clientId: 'app', redirectUris: ['https://cool.page/sqowey/auth_redir/', 'http://127.0.0.1/cb'] }] },
		});
		const refused = [
			authorizationParams({ client_id: 'app', redirect_uri: 'https://evil.example/sqowey/auth_redir/' }).params,
			authorizationParams({ client_id: 'app', redirect_uri: 'https://cool.page/sqowey/auth_redir' }).params,
			authorizationParams({ client_id: 'app', redirect_uri: 'https://cool.page/sqowey/auth_redir/#x' }).params,
			authorizationParams({ client_id: 'nobody', redirect_uri: 'https://cool.page/sqowey/auth_redir/' }).params,
			authorizationParams({ client_id: 'app', redirect_uri: 'http://127.0.0.1:9/other' }).params,
		];
		for (const params of refused) {
			const response = await authorizeRequest(url, params);
			expect(response.status).toBe(400);
			expect(response.headers.get('location')).toBeNull();
			expect(response.headers.get('content-type')).toMatch(/^text\/html/);
		}
		const asJson = await authorizeRequest(url, refused[0]!, { accept: 'application/json' });
		expect(await asJson.json()).toMatchObject({ error: 'invalid_request' });
		// A registered loopback URI matches on any port (RFC 8252 7.3).
		const loopback = await authorizeRequest(
			url,
			authorizationParams({ client_id: 'app', redirect_uri: 'http://127.0.0.1:51000/cb' }).params,
		);
		expect(loopback.status).toBe(302);
		// A non-loopback URI is not accepted by the default client either.
		const defaultClient = await authorizeRequest(url, authorizationParams({ redirect_uri: 'https://cool.page/cb' }).params);
		expect(defaultClient.status).toBe(400);
	});

	it('errors after the redirect URI is trusted go back to it, with state and iss', async () => {
		const { url, authorizationParams, authorize } = await start();
		const cases: Array<[Record<string, string>, string]> = [
			[{ response_type: 'token' }, 'unsupported_response_type'],
			[{ code_challenge_method: 'plain' }, 'invalid_request'],
			[{ code_challenge_method: '' }, 'invalid_request'],
			[{ code_challenge: 'too-short', code_challenge_method: 'S256' }, 'invalid_request'],
			[{ scope: 'identify%bot' }, 'invalid_scope'],
			[{ scope: 'identity bot' }, 'invalid_scope'],
			[{ scope: '' }, 'invalid_scope'],
		];
		for (const [overrides, error] of cases) {
			const { params } = authorizationParams(overrides);
			const callback = await authorize(params);
			expect({ overrides, error: callback.get('error') }).toEqual({ overrides, error });
			expect(callback.get('state')).toBe(params.state);
			expect(callback.get('iss')).toBe(url);
			expect(callback.has('code')).toBe(false);
		}
	});

	it("the documentation's own example URL (scope=identify%bot, raw) -> invalid_scope", async () => {
		const { url, authorizationParams } = await start();
		const { params } = authorizationParams();
		const query = new URLSearchParams({ ...params, scope: 'x' }).toString().replace('scope=x', 'scope=identify%bot');
		const response = await fetch(`${url}/oauth2/auth?${query}`, { redirect: 'manual', signal: AbortSignal.timeout(2000) });
		expect(new URL(response.headers.get('location')!).searchParams.get('error')).toBe('invalid_scope');
	});

	it('a public client without PKCE is refused; a confidential client may omit it', async () => {
		const { authorizationParams, authorize } = await start({
			sqowey: { clients: [{ clientId: 'sqowey-spa' }, { clientId: 'server', clientSecret: 's3cret' }] },
		});
		const { params } = authorizationParams();
		const { code_challenge: _challenge, code_challenge_method: _method, ...withoutPkce } = params;
		expect((await authorize(withoutPkce)).get('error')).toBe('invalid_request');
		expect((await authorize({ ...withoutPkce, client_id: 'server' })).has('code')).toBe(true);
	});

	it('a parameter sent twice is refused', async () => {
		const { url, authorizationParams } = await start();
		const { params } = authorizationParams();
		const query = `${new URLSearchParams(params).toString()}&scope=identity`;
		const response = await fetch(`${url}/oauth2/auth?${query}`, { redirect: 'manual', signal: AbortSignal.timeout(2000) });
		expect(new URL(response.headers.get('location')!).searchParams.get('error')).toBe('invalid_request');
		const twice = await fetch(`${url}/oauth2/auth?${query}&client_id=sqowey-spa`, {
			redirect: 'manual',
			signal: AbortSignal.timeout(2000),
		});
		expect(twice.status).toBe(400);
	});

	it('deny switch: access_denied with error_description, state and iss; allow switches it back', async () => {
		const { emulator, url, authorizationParams, authorize } = await start();
		emulator.setConsent('deny');
		const { params } = authorizationParams();
		const callback = await authorize(params);
		expect(Object.fromEntries(callback)).toEqual({
			error: 'access_denied',
			error_description: expect.any(String),
			state: params.state,
			iss: url,
		});
		emulator.setConsent('allow');
		expect((await authorize(authorizationParams().params)).has('code')).toBe(true);
		expect(() => emulator.setConsent('maybe' as never)).toThrow(/`mode`/);
	});

	it('the authorization endpoint is neither counted nor faulted', async () => {
		const { emulator, authorizationParams, authorize } = await start();
		emulator.injectFault({ kind: 'status', status: 503 });
		emulator.injectFault({ kind: 'status', status: 503 }, { target: 'api' });
		expect((await authorize(authorizationParams().params)).has('code')).toBe(true);
		expect(emulator.counters()).toMatchObject({ tokenRequests: { total: 0 }, faultsServed: 0 });
	});
});
