import { afterEach, describe, expect, it } from 'vitest';
import { createEmulator, type Emulator, type EmulatorOptions } from '../../src/testing/index.js';
import { postForm } from '../_helpers/transports.js';
import { expectError, get } from './oauth2-login.js';
import { openIdLogin, OPENID_PATHS } from './openid-login.js';

describe('the OAuth2 emulator as an OpenID Provider: end session (RP-Initiated Logout)', () => {
	let emulator: Emulator | undefined;
	afterEach(async () => {
		await emulator?.close();
		emulator = undefined;
	});

	async function start(options?: EmulatorOptions) {
		emulator = await createEmulator(options);
		const login = openIdLogin(emulator);
		const endSessionUrl = (params: Record<string, string>) => `${emulator!.url}${OPENID_PATHS.endSession}?${new URLSearchParams(params)}`;
		return { emulator, ...login, endSessionUrl };
	}

	it('GET with id_token_hint, client_id, a registered post_logout_redirect_uri and state: 302 back with state; the refresh token is then refused', async () => {
		const { emulator, login, refresh, endSessionUrl, publicClientId } = await start();
		const { tokens } = await login();
		const response = await get(
			endSessionUrl({
				id_token_hint: tokens.id_token!,
				client_id: publicClientId,
				post_logout_redirect_uri: 'http://127.0.0.1:8765/signed-out?from=app',
				state: 'af0ifjsldkj',
			}),
		);
		expect(response.status).toBe(302);
		expect(response.headers.get('location')).toBe('http://127.0.0.1:8765/signed-out?from=app&state=af0ifjsldkj');
		await expectError(await refresh(tokens.refresh_token!), 'invalid_grant');
		expect(emulator.counters().oidc.endSessions).toBe(1);
	});

	it("POST form works the same; only that client's refresh tokens die, and an expired hint is still accepted", async () => {
		const { emulator, login, refresh, publicClientId, serviceId, service, authorizationParams, authorize, exchange, url } = await start();
		// A login of the other (confidential) client, whose session the logout of the public one must leave alone.
		const other = authorizationParams({ client_id: serviceId });
		const otherCode = (await authorize(other.params)).get('code') ?? '';
		const otherTokens = (await (await exchange(otherCode, other.verifier, { client_id: serviceId }, service)).json()) as {
			refresh_token: string;
		};
		const first = (await login()).tokens;
		const second = (await login()).tokens;
		emulator.injectIdTokenFault('expired');
		const expiredHint = (await login()).tokens.id_token!;
		const response = await fetch(`${emulator.url}${OPENID_PATHS.endSession}`, {
			method: 'POST',
			headers: { 'content-type': 'application/x-www-form-urlencoded' },
			body: new URLSearchParams({ id_token_hint: expiredHint, post_logout_redirect_uri: 'http://localhost:3000/' }),
			redirect: 'manual',
			signal: AbortSignal.timeout(2000),
		});
		expect(response.status).toBe(302);
		expect(response.headers.get('location')).toBe('http://localhost:3000/');
		await expectError(await refresh(first.refresh_token!), 'invalid_grant');
		await expectError(await refresh(second.refresh_token!), 'invalid_grant');
		expect(publicClientId).not.toBe(serviceId);
		const otherRefresh = await postForm(url('token'), { grant_type: 'refresh_token', refresh_token: otherTokens.refresh_token }, service);
		expect(otherRefresh.status).toBe(200);
	});

	it('without a redirect URI: 200 "signed out" HTML page', async () => {
		const { login, endSessionUrl } = await start();
		const { tokens } = await login();
		const response = await get(endSessionUrl({ id_token_hint: tokens.id_token! }));
		expect(response.status).toBe(200);
		expect(response.headers.get('content-type')).toMatch(/^text\/html/);
		expect(await response.text()).toContain('Signed out');
	});

	it('a bad id_token_hint (altered, foreign key, unsecured, not a JWT) -> 400 HTML saying why; nothing is revoked', async () => {
		const { emulator, login, refresh, endSessionUrl } = await start();
		const { tokens } = await login();
		const hints: string[] = ['not-a-jwt'];
		for (const fault of ['claim-changed', 'foreign-key', 'alg-none'] as const) {
			emulator.injectIdTokenFault(fault);
			hints.push((await login()).tokens.id_token!);
		}
		for (const hint of hints) {
			const response = await get(endSessionUrl({ id_token_hint: hint, post_logout_redirect_uri: 'http://127.0.0.1:8765/' }));
			expect(response.status).toBe(400);
			expect(response.headers.get('location')).toBeNull();
			const page = await response.text();
			expect(page).toMatch(/id_token_hint/);
			// The page explains; it never echoes the token.
			expect(page).not.toContain(hint.split('.')[1] ?? hint);
		}
		expect((await refresh(tokens.refresh_token!)).status).toBe(200);
		expect(emulator.counters().oidc.endSessions).toBe(4);
	});

	it('post_logout_redirect_uri must be registered: by default the origins of the redirect URIs + "/", or the ones given', async () => {
		const clients = [
			{ clientId: 'spa', redirectUris: ['https://app.test/callback', 'https://app.test/popup'] },
			{ clientId: 'spa2', redirectUris: ['https://two.test/callback'], postLogoutRedirectUris: ['https://two.test/bye'] },
		];
		const { endSessionUrl } = await start({ oauth2: { clients } });
		const status = async (clientId: string, uri: string) =>
			(await get(endSessionUrl({ client_id: clientId, post_logout_redirect_uri: uri }))).status;
		expect(await status('spa', 'https://app.test/')).toBe(302);
		expect(await status('spa', 'https://app.test/callback')).toBe(400);
		expect(await status('spa', 'https://evil.test/')).toBe(400);
		expect(await status('spa2', 'https://two.test/bye')).toBe(302);
		expect(await status('spa2', 'https://two.test/')).toBe(400);
		const unregistered = await get(endSessionUrl({ client_id: 'spa', post_logout_redirect_uri: 'https://evil.test/' }));
		expect(await unregistered.text()).toContain('not registered');
		// Nothing to check the URI against: refused, not followed.
		expect((await get(endSessionUrl({ post_logout_redirect_uri: 'https://app.test/' }))).status).toBe(400);
	});

	it('a hint issued to another client than client_id, or an unknown client_id -> 400', async () => {
		const { login, endSessionUrl, serviceId } = await start();
		const { tokens } = await login();
		expect((await get(endSessionUrl({ id_token_hint: tokens.id_token!, client_id: serviceId }))).status).toBe(400);
		expect((await get(endSessionUrl({ client_id: 'nobody' }))).status).toBe(400);
	});

	it('CORS and methods: a loopback origin may read the answer; PUT -> 405', async () => {
		const { emulator, endSessionUrl, publicClientId } = await start();
		const origin = 'http://localhost:5173';
		const response = await fetch(endSessionUrl({ client_id: publicClientId }), { headers: { origin }, signal: AbortSignal.timeout(2000) });
		expect(response.status).toBe(200);
		expect(response.headers.get('access-control-allow-origin')).toBe(origin);
		const put = await fetch(`${emulator.url}${OPENID_PATHS.endSession}`, { method: 'PUT', signal: AbortSignal.timeout(2000) });
		expect(put.status).toBe(405);
	});
});
