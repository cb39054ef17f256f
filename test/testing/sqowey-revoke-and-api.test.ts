import { afterEach, describe, expect, it } from 'vitest';
import { sqoweyLogin, type SqoweyTokens } from '../_helpers/sqowey-login.js';
import { postForm, postJson, transports, withToken, type Started } from '../_helpers/transports.js';

describe.each(transports)('sqowey revocation and /api/users/@me over $name', (transport) => {
	let started: Started;
	afterEach(() => started.stop());

	async function start() {
		started = await transport.start();
		return { emulator: started.emulator, ...sqoweyLogin(started.emulator) };
	}

	it('revoking a refresh token ends its whole session; 200 with no body', async () => {
		const { emulator, login, refresh, revoke, me } = await start();
		const first = await login();
		const second = (await (await refresh(first.refresh_token)).json()) as SqoweyTokens;
		const other = await login();
		const response = await revoke(second.refresh_token, { token_type_hint: 'refresh_token' });
		expect(response.status).toBe(200);
		expect(await response.text()).toBe('');
		expect((await withToken(me, second.access_token)).status).toBe(401);
		expect((await refresh(second.refresh_token)).status).toBe(400);
		expect((await withToken(me, other.access_token)).status).toBe(200);
		expect(emulator.counters()).toMatchObject({ revocations: 1, refreshTokenReuse: 0 });
	});

	it('revoking an access token ends that token only; a wrong hint is only a hint', async () => {
		const { login, refresh, revoke, me } = await start();
		const tokens = await login();
		expect((await revoke(tokens.access_token, { token_type_hint: 'refresh_token' })).status).toBe(200);
		expect((await withToken(me, tokens.access_token)).status).toBe(401);
		expect((await refresh(tokens.refresh_token)).status).toBe(200);
	});

	it('unknown token -> 200 anyway; missing token, bad client or JSON -> error; every request counted', async () => {
		const { emulator, url, revoke } = await start();
		expect((await revoke('never-issued')).status).toBe(200);
		const missing = await postForm(`${url}/oauth2/token/revoke`, { client_id: 'sqowey-spa' });
		expect(missing.status).toBe(400);
		expect(await missing.json()).toMatchObject({ error: 'invalid_request' });
		const badClient = await revoke('x', { client_id: 'nobody' });
		expect(badClient.status).toBe(401);
		expect(await badClient.json()).toMatchObject({ error: 'invalid_client' });
		expect((await postJson(`${url}/oauth2/token/revoke`, { client_id: 'sqowey-spa', token: 'x' })).status).toBe(400);
		expect(emulator.counters()).toMatchObject({ revocations: 4, tokenRequests: { total: 0 } });
	});

	it('token faults hit the revocation endpoint too', async () => {
		const { emulator, revoke } = await start();
		emulator.injectFault({ kind: 'status', status: 503 }, { times: 1 });
		expect((await revoke('x')).status).toBe(503);
		expect((await revoke('x')).status).toBe(200);
		expect(emulator.counters()).toMatchObject({ revocations: 1, faultsServed: 1 });
	});

	it('/api/users/@me: no token -> 401 Bearer; unknown -> 401 invalid_token; counted as API requests', async () => {
		const { emulator, login, me } = await start();
		const none = await withToken(me, undefined);
		expect(none.status).toBe(401);
		expect(none.headers.get('www-authenticate')).toBe('Bearer');
		const unknown = await withToken(me, 'not-a-token');
		expect(unknown.status).toBe(401);
		expect(unknown.headers.get('www-authenticate')).toBe('Bearer error="invalid_token"');
		const { access_token } = await login();
		expect((await withToken(me, access_token)).status).toBe(200);
		expect(emulator.counters().apiRequests).toEqual({ total: 3, ok: 1, rejected: 2 });
	});

	it("/api/ is shared: Sqowey owns /api/users/@me, Squidex the rest; neither accepts the other's token", async () => {
		const { emulator, url, login, me } = await start();
		const { clientId, clientSecret } = emulator.credentials.squidex;
		const squidex = (await (
			await postForm(`${url}/identity-server/connect/token`, {
				grant_type: 'client_credentials',
				client_id: clientId,
				client_secret: clientSecret,
				scope: 'squidex-api',
			})
		).json()) as { access_token: string };
		const sqowey = await login();
		expect((await withToken(`${url}/api/apps/food-crunch/schemas`, squidex.access_token)).status).toBe(200);
		expect((await withToken(`${url}/api/apps/food-crunch/schemas`, sqowey.access_token)).status).toBe(401);
		expect((await withToken(me, squidex.access_token)).status).toBe(401);
		expect((await withToken(me, sqowey.access_token)).status).toBe(200);
	});
});
