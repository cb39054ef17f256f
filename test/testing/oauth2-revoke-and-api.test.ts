import { afterEach, describe, expect, it } from 'vitest';
import type { EmulatorOptions } from '../../src/testing/index.js';
import { sqoweyLogin } from '../_helpers/sqowey-login.js';
import { postForm, transports, withToken, type Started } from '../_helpers/transports.js';
import { expectError, oauth2Login, type OAuth2Tokens } from './oauth2-login.js';

describe.each(transports)('oauth2 revocation, userinfo, CORS and faults over $name', (transport) => {
	let started: Started;
	afterEach(() => started.stop());

	async function start(options?: EmulatorOptions) {
		started = await transport.start(options);
		return { emulator: started.emulator, ...oauth2Login(started.emulator) };
	}

	it('revoking a refresh token ends its whole login; an access token, that token only; unknown -> 200', async () => {
		const { emulator, login, refresh, revoke, userinfo } = await start();
		const first = await login();
		const second = (await (await refresh(first.refresh_token!)).json()) as OAuth2Tokens;
		const response = await revoke(second.refresh_token!, { token_type_hint: 'refresh_token' });
		expect(response.status).toBe(200);
		expect(await response.text()).toBe('');
		expect((await withToken(userinfo, second.access_token)).status).toBe(401);
		await expectError(await refresh(second.refresh_token!), 'invalid_grant');

		const other = await login();
		expect((await revoke(other.access_token)).status).toBe(200);
		expect((await withToken(userinfo, other.access_token)).status).toBe(401);
		expect((await refresh(other.refresh_token!)).status).toBe(200);
		expect((await revoke('never-issued')).status).toBe(200);
		expect(emulator.counters()).toMatchObject({ revocations: 3, refreshTokenReuse: 0 });
	});

	it("revocation authenticates the client: a confidential client's token with Basic; another client's token is refused", async () => {
		const { url, service, clientCredentials, revoke, userinfo } = await start();
		const { access_token } = (await (await clientCredentials()).json()) as OAuth2Tokens;
		await expectError(await revoke(access_token), 'invalid_request');
		await expectError(await revoke(access_token, { client_id: 'nobody' }), 'invalid_client', 401);
		expect((await postForm(url('revoke'), { token: access_token }, service)).status).toBe(200);
		expect((await withToken(userinfo, access_token)).status).toBe(401);
	});

	it('userinfo: no token -> 401 Bearer; unknown, expired or revoked -> invalid_token; counted as API requests', async () => {
		const { emulator, login, userinfo } = await start();
		const none = await withToken(userinfo, undefined);
		expect(none.status).toBe(401);
		expect(none.headers.get('www-authenticate')).toBe('Bearer');
		const unknown = await withToken(userinfo, 'not-a-token');
		expect(unknown.headers.get('www-authenticate')).toBe('Bearer error="invalid_token"');
		const tokens = await login();
		expect((await withToken(userinfo, tokens.access_token, { method: 'POST' })).status).toBe(200);
		expect((await withToken(userinfo, tokens.access_token, { method: 'DELETE' })).status).toBe(405);
		emulator.expireAllTokens();
		expect((await withToken(userinfo, tokens.access_token)).status).toBe(401);
		const renewed = await login();
		emulator.revokeAllTokens();
		expect((await withToken(userinfo, renewed.access_token)).status).toBe(401);
		expect(emulator.counters().apiRequests).toEqual({ total: 6, ok: 1, rejected: 4 });
	});

	it("a token works only at its own server: oauth2's not at Sqowey or Squidex, theirs not at userinfo", async () => {
		const { emulator, url, login, userinfo } = await start();
		const oauth2Token = (await login()).access_token;
		const sqowey = sqoweyLogin(emulator);
		const sqoweyToken = (await sqowey.login()).access_token;
		expect((await withToken(sqowey.me, oauth2Token)).status).toBe(401);
		expect((await withToken(`${emulator.url}/api/apps/food-crunch/schemas`, oauth2Token)).status).toBe(401);
		expect((await withToken(userinfo, sqoweyToken)).status).toBe(401);
		// Nor is a refresh token of one server any good at the other.
		await expectError(
			await postForm(url('token'), { grant_type: 'refresh_token', client_id: 'oauth2-cli', refresh_token: 'x' }),
			'invalid_grant',
		);
	});

	it('strict CORS applies: a loopback origin gets ACAO on the token endpoint; a preflight for it is not counted', async () => {
		const { emulator, url, clientCredentials } = await start();
		const origin = 'http://localhost:3000';
		const preflight = await fetch(url('token'), {
			method: 'OPTIONS',
			headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization, content-type' },
			signal: AbortSignal.timeout(2000),
		});
		expect(preflight.status).toBe(204);
		expect(preflight.headers.get('access-control-allow-origin')).toBe(origin);
		const response = await clientCredentials({}, { ...oauth2Login(emulator).service, origin });
		expect(response.status).toBe(200);
		expect(response.headers.get('access-control-allow-origin')).toBe(origin);
		const evil = await clientCredentials({}, { ...oauth2Login(emulator).service, origin: 'http://evil.example' });
		expect(evil.headers.get('access-control-allow-origin')).toBeNull();
		expect(emulator.counters().tokenRequests.total).toBe(2);
	});

	it('token faults hit the token, revocation and device authorization endpoints; api faults hit userinfo', async () => {
		const { emulator, publicClientId, url, clientCredentials, revoke, userinfo } = await start();
		emulator.injectFault({ kind: 'status', status: 503 }, { times: 3 });
		expect((await clientCredentials()).status).toBe(503);
		expect((await revoke('x')).status).toBe(503);
		expect((await postForm(url('device'), { client_id: publicClientId })).status).toBe(503);
		expect((await clientCredentials()).status).toBe(200);
		emulator.injectFault({ kind: 'status', status: 429, retryAfter: 1 }, { target: 'api', times: 1 });
		expect((await withToken(userinfo, 'x')).status).toBe(429);
		expect(emulator.counters()).toMatchObject({ faultsServed: 4, tokenRequests: { total: 1 }, revocations: 0 });
	});

	it('tokenLatency delays the token endpoint, not userinfo or the device authorization endpoint', async () => {
		const { publicClientId, url, clientCredentials, userinfo } = await start({ tokenLatency: 150 });
		const timed = async (request: () => Promise<Response>) => {
			const startedAt = performance.now();
			await request();
			return performance.now() - startedAt;
		};
		expect(await timed(() => clientCredentials())).toBeGreaterThanOrEqual(140);
		expect(await timed(() => withToken(userinfo, 'x'))).toBeLessThan(140);
		expect(await timed(() => postForm(url('device'), { client_id: publicClientId }))).toBeLessThan(140);
	});
});
