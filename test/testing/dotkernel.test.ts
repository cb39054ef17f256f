import { afterEach, describe, expect, it } from 'vitest';
import type { EmulatorOptions } from '../../src/testing/index.js';
import { postForm, postJson, transports, withToken, type Started } from '../_helpers/transports.js';

interface TokenPair {
	access_token: string;
	refresh_token: string;
}

const FORBIDDEN = { error: { messages: ['You are not allowed to access this resource.'] } };

describe.each(transports)('dotkernel over $name', (transport) => {
	let started: Started;
	afterEach(() => started.stop());

	async function start(options?: EmulatorOptions) {
		started = await transport.start(options);
		const { url, clientId, clientSecret, username, password } = started.emulator.credentials.dotkernel;
		const client = { client_id: clientId, client_secret: clientSecret, scope: 'api' };
		const login = async (): Promise<TokenPair> => {
			const response = await postJson(`${url}/security/generate-token`, { grant_type: 'password', ...client, username, password });
			expect(response.status).toBe(200);
			return (await response.json()) as TokenPair;
		};
		const refresh = (refreshToken: string) =>
			postJson(`${url}/security/refresh-token`, { grant_type: 'refresh_token', ...client, refresh_token: refreshToken });
		return { emulator: started.emulator, url, client, username, password, login, refresh };
	}

	it('password grant -> documented token response; /user/my-account with it -> 200', async () => {
		const { emulator, url, client, username, password } = await start();
		const response = await postJson(`${url}/security/generate-token`, { grant_type: 'password', ...client, username, password });
		expect(response.status).toBe(200);
		expect(response.headers.get('content-type')).toBe('application/json');
		const tokens = (await response.json()) as TokenPair;
		expect(tokens).toEqual({
			token_type: 'Bearer',
			expires_in: 86400,
			access_token: expect.any(String),
			refresh_token: expect.any(String),
		});

		const account = await withToken(`${url}/user/my-account`, tokens.access_token);
		expect(account.status).toBe(200);
		expect(await account.json()).toMatchObject({ identity: username, status: 'active', roles: [{ name: 'user' }, { name: 'guest' }] });
		expect(emulator.counters()).toMatchObject({ tokenRequests: { total: 1, password: 1 }, apiRequests: { total: 1, ok: 1 } });
	});

	it('JSON only: a form body -> 415 invalid_request, counted as a token request', async () => {
		const { emulator, url, client, username, password } = await start();
		const response = await postForm(`${url}/security/generate-token`, { grant_type: 'password', ...client, username, password });
		expect(response.status).toBe(415);
		expect(await response.json()).toMatchObject({ error: 'invalid_request' });
		expect(emulator.counters().tokenRequests.total).toBe(1);
	});

	it('bad password -> 400 Invalid credentials.; bad client -> 401 invalid_client', async () => {
		const { url, client, username } = await start();
		const badPassword = await postJson(`${url}/security/generate-token`, { grant_type: 'password', ...client, username, password: 'nope' });
		expect(badPassword.status).toBe(400);
		expect(await badPassword.json()).toEqual({
			error: 'Invalid credentials.',
			error_description: 'Invalid credentials.',
			message: 'Invalid credentials.',
		});
		const badClient = await postJson(`${url}/security/generate-token`, {
			grant_type: 'password',
			...client,
			client_secret: 'x',
			username,
			password: 'dotkernel',
		});
		expect(badClient.status).toBe(401);
		expect(await badClient.json()).toMatchObject({ error: 'invalid_client', error_description: 'Client authentication failed' });
	});

	it('rotation: a refresh token works once; using it again -> 401 and counts as reuse', async () => {
		const { emulator, url, login, refresh } = await start();
		const first = await login();
		const rotated = await refresh(first.refresh_token);
		expect(rotated.status).toBe(200);
		const second = (await rotated.json()) as TokenPair;
		expect(second.refresh_token).not.toBe(first.refresh_token);
		expect((await withToken(`${url}/user/my-account`, second.access_token)).status).toBe(200);
		// As league/oauth2-server does, rotation also revokes the access token issued with the old refresh token.
		expect((await withToken(`${url}/user/my-account`, first.access_token)).status).toBe(403);

		const reused = await refresh(first.refresh_token);
		expect(reused.status).toBe(401);
		expect(await reused.json()).toMatchObject({
			error: 'invalid_request',
			error_description: 'The refresh token is invalid.',
			message: 'The refresh token is invalid.',
		});
		const unknown = await refresh('def50200not-a-token');
		expect(unknown.status).toBe(401);
		expect(await unknown.json()).toMatchObject({ hint: 'Cannot decrypt the refresh token' });

		expect((await refresh(second.refresh_token)).status).toBe(200);
		expect(emulator.counters()).toMatchObject({
			tokenRequests: { total: 5, password: 1, refresh_token: 4 },
			apiRequests: { total: 2, ok: 1, rejected: 1 },
			refreshTokenReuse: 1,
		});
	});

	it('two concurrent refreshes with one refresh token: one wins, one is reuse', async () => {
		const { emulator, login, refresh } = await start();
		const { refresh_token } = await login();
		const statuses = (await Promise.all([refresh(refresh_token), refresh(refresh_token)])).map((response) => response.status);
		expect(statuses.sort()).toEqual([200, 401]);
		expect(emulator.counters().refreshTokenReuse).toBe(1);
	});

	it('expireAllTokens -> 403 (never 401) on my-account; the refresh token still works', async () => {
		const { emulator, url, login, refresh } = await start();
		const tokens = await login();
		emulator.expireAllTokens();
		const expired = await withToken(`${url}/user/my-account`, tokens.access_token);
		expect(expired.status).toBe(403);
		expect(await expired.json()).toEqual(FORBIDDEN);

		const refreshed = await refresh(tokens.refresh_token);
		expect(refreshed.status).toBe(200);
		const { access_token } = (await refreshed.json()) as TokenPair;
		expect((await withToken(`${url}/user/my-account`, access_token)).status).toBe(200);
		expect(emulator.counters().apiRequests).toEqual({ total: 2, ok: 1, rejected: 1 });
	});

	it('expiry by the injected clock -> 403; refresh after expiry works', async () => {
		let clock = 1_700_000_000_000;
		const { url, login, refresh } = await start({ now: () => clock, dotkernel: { expiresIn: 3600 } });
		const tokens = await login();
		clock += 3_600_000;
		expect((await withToken(`${url}/user/my-account`, tokens.access_token)).status).toBe(403);
		expect((await refresh(tokens.refresh_token)).status).toBe(200);
	});

	it('revokeAllTokens: access token -> 403, refresh token -> 401', async () => {
		const { emulator, url, login, refresh } = await start();
		const tokens = await login();
		emulator.revokeAllTokens();
		expect((await withToken(`${url}/user/my-account`, tokens.access_token)).status).toBe(403);
		expect((await refresh(tokens.refresh_token)).status).toBe(401);
		expect(emulator.counters().refreshTokenReuse).toBe(0);
	});

	it('roles: guest and user tokens are refused on /admin/my-account with 403; the admin client and account get in', async () => {
		const { url, login } = await start();
		expect((await withToken(`${url}/admin/my-account`, undefined)).status).toBe(403);
		const user = await login();
		const wrongRole = await withToken(`${url}/admin/my-account`, user.access_token);
		expect(wrongRole.status).toBe(403);
		expect(await wrongRole.json()).toEqual(FORBIDDEN);

		const adminLogin = await postJson(`${url}/security/generate-token`, {
			grant_type: 'password',
			client_id: 'admin',
			client_secret: 'admin',
			scope: 'api',
			username: 'admin',
			password: 'dotadmin',
		});
		expect(adminLogin.status).toBe(200);
		const admin = (await adminLogin.json()) as TokenPair;
		const account = await withToken(`${url}/admin/my-account`, admin.access_token);
		expect(account.status).toBe(200);
		expect(await account.json()).toMatchObject({ identity: 'admin', roles: [{ name: 'superuser' }, { name: 'admin' }] });
	});

	it('any other Dotkernel path -> 404 JSON', async () => {
		const { url } = await start();
		const response = await withToken(`${url}/user/something-else`, undefined);
		expect(response.status).toBe(404);
		expect(response.headers.get('content-type')).toBe('application/json');
	});
});
