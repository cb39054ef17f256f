import { afterEach, describe, expect, it } from 'vitest';
import type { EmulatorOptions } from '../../src/testing/index.js';
import { pkcePair, sqoweyLogin, type SqoweyTokens } from '../_helpers/sqowey-login.js';
import { postForm, postJson, transports, withToken, type Started } from '../_helpers/transports.js';

describe.each(transports)('sqowey token endpoint over $name', (transport) => {
	let started: Started;
	afterEach(() => started.stop());

	async function start(options?: EmulatorOptions) {
		started = await transport.start(options);
		const flow = sqoweyLogin(started.emulator);
		/** A code fresh from the authorization endpoint, and the verifier that goes with it. */
		const code = async (overrides: Record<string, string> = {}) => {
			const { params, verifier } = flow.authorizationParams(overrides);
			return { code: (await flow.authorize(params)).get('code')!, verifier };
		};
		const expectError = async (response: Response, error: string) => {
			expect(response.status).toBe(400);
			expect(response.headers.get('cache-control')).toBe('no-store');
			expect(await response.json()).toEqual({ error, error_description: expect.any(String) });
		};
		return { emulator: started.emulator, ...flow, code, expectError };
	}

	it('PKCE: a wrong verifier or none -> invalid_grant, and the code is spent either way', async () => {
		const { exchange, code, expectError } = await start();
		const wrong = await code();
		await expectError(await exchange(wrong.code, pkcePair().verifier), 'invalid_grant');
		await expectError(await exchange(wrong.code, wrong.verifier), 'invalid_grant');
		const missing = await code();
		await expectError(await exchange(missing.code, undefined), 'invalid_grant');
		const malformed = await code();
		await expectError(await exchange(malformed.code, 'short'), 'invalid_grant');
	});

	it('code reuse -> invalid_grant, and the tokens of the first exchange are revoked', async () => {
		const { emulator, exchange, code, refresh, me, expectError } = await start();
		const first = await code();
		const tokens = (await (await exchange(first.code, first.verifier)).json()) as SqoweyTokens;
		expect((await withToken(me, tokens.access_token)).status).toBe(200);

		await expectError(await exchange(first.code, first.verifier), 'invalid_grant');
		const rejected = await withToken(me, tokens.access_token);
		expect(rejected.status).toBe(401);
		expect(rejected.headers.get('www-authenticate')).toBe('Bearer error="invalid_token"');
		await expectError(await refresh(tokens.refresh_token), 'invalid_grant');
		expect(emulator.counters().tokenRequests).toMatchObject({ authorization_code: 2, refresh_token: 1 });
	});

	it('code expiry by the injected clock: 90 s with the personal scope identity; `codeLifetime` overrides', async () => {
		let clock = 1_700_000_000_000;
		const { exchange, code, expectError } = await start({ now: () => clock });
		const late = await code();
		clock += 90_000;
		await expectError(await exchange(late.code, late.verifier), 'invalid_grant');
		const inTime = await code();
		clock += 89_999;
		expect((await exchange(inTime.code, inTime.verifier)).status).toBe(200);
		await started.stop();

		const custom = await start({ now: () => clock, sqowey: { codeLifetime: 5 } });
		const short = await custom.code();
		clock += 5_000;
		await custom.expectError(await custom.exchange(short.code, short.verifier), 'invalid_grant');
	});

	it('redirect_uri must be identical to the one sent to /oauth2/auth (and present)', async () => {
		const { exchange, code, expectError } = await start();
		const other = await code();
		await expectError(await exchange(other.code, other.verifier, { redirect_uri: 'http://127.0.0.1:8766/callback' }), 'invalid_grant');
		const absent = await code();
		const withoutUri = { grant_type: 'authorization_code', client_id: 'sqowey-spa', code: absent.code, code_verifier: absent.verifier };
		await expectError(await postForm(`${started.emulator.url}/oauth2/token`, withoutUri), 'invalid_grant');
	});

	it('form only; client authentication; unknown grant', async () => {
		const { url, exchange, code, expectError } = await start({
			sqowey: {
				clients: [{ clientId: 'sqowey-spa' }, { clientId: 'server', clientSecret: 's3cret', redirectUris: ['https://cool.page/cb'] }],
			},
		});
		await expectError(
			await postJson(`${url}/oauth2/token`, { grant_type: 'refresh_token', client_id: 'sqowey-spa', refresh_token: 'x' }),
			'invalid_request',
		);
		await expectError(await postForm(`${url}/oauth2/token`, { grant_type: 'password', client_id: 'sqowey-spa' }), 'unsupported_grant_type');

		const noClient = await postForm(`${url}/oauth2/token`, { grant_type: 'refresh_token', refresh_token: 'x' });
		expect(noClient.status).toBe(401);
		expect(await noClient.json()).toMatchObject({ error: 'invalid_client' });
		// A public client has no secret: presenting one fails like a wrong one.
		const withSecret = await exchange('x', undefined, { client_secret: 'guess' });
		expect(withSecret.status).toBe(401);

		// The confidential client: secret in the body or with Basic, and PKCE is optional for it.
		const params = { response_type: 'code', client_id: 'server', redirect_uri: 'https://cool.page/cb', scope: 'identity' };
		const first = await fetch(`${url}/oauth2/auth?${new URLSearchParams(params)}`, {
			redirect: 'manual',
			signal: AbortSignal.timeout(2000),
		});
		const firstCode = new URL(first.headers.get('location')!).searchParams.get('code')!;
		const body = { grant_type: 'authorization_code', code: firstCode, redirect_uri: 'https://cool.page/cb' };
		const badSecret = await postForm(`${url}/oauth2/token`, body, { authorization: `Basic ${btoa('server:wrong')}` });
		expect(badSecret.status).toBe(401);
		expect(badSecret.headers.get('www-authenticate')).toMatch(/^Basic/);
		expect((await postForm(`${url}/oauth2/token`, body, { authorization: `Basic ${btoa('server:s3cret')}` })).status).toBe(200);
		// When it did send a challenge, the verifier is required all the same.
		const second = await code({ client_id: 'server', redirect_uri: 'https://cool.page/cb' });
		const bodySecret = { ...body, code: second.code, client_id: 'server', client_secret: 's3cret', code_verifier: second.verifier };
		expect((await postForm(`${url}/oauth2/token`, bodySecret)).status).toBe(200);
	});

	it('rotation: each refresh returns a new refresh token; the old one dies', async () => {
		const { emulator, login, refresh, me } = await start();
		const first = await login();
		const rotated = await refresh(first.refresh_token);
		expect(rotated.status).toBe(200);
		expect(rotated.headers.get('cache-control')).toBe('no-store');
		const second = (await rotated.json()) as SqoweyTokens;
		expect(second).toMatchObject({ token_type: 'Bearer', expires_in: 3600, scope: 'identity' });
		expect(second.refresh_token).not.toBe(first.refresh_token);
		expect((await withToken(me, second.access_token)).status).toBe(200);
		const third = (await (await refresh(second.refresh_token)).json()) as SqoweyTokens;
		expect((await withToken(me, third.access_token)).status).toBe(200);
		expect(emulator.counters()).toMatchObject({ tokenRequests: { refresh_token: 2 }, refreshTokenReuse: 0 });
	});

	it('reuse of a rotated refresh token -> invalid_grant, counted, and the whole session revoked', async () => {
		const { emulator, login, refresh, me, expectError } = await start();
		const other = await login();
		const first = await login();
		const second = (await (await refresh(first.refresh_token)).json()) as SqoweyTokens;

		await expectError(await refresh(first.refresh_token), 'invalid_grant');
		expect(emulator.counters().refreshTokenReuse).toBe(1);
		expect((await withToken(me, second.access_token)).status).toBe(401);
		await expectError(await refresh(second.refresh_token), 'invalid_grant');
		// Only that login: another session of the same user and client lives on.
		expect((await withToken(me, other.access_token)).status).toBe(200);
		expect((await refresh(other.refresh_token)).status).toBe(200);
		// Unknown and revoked tokens are invalid_grant too, but not reuse.
		await expectError(await refresh('not-a-token'), 'invalid_grant');
		expect(emulator.counters().refreshTokenReuse).toBe(1);
	});

	it("two concurrent refreshes with one refresh token: one wins, then the loser's reuse revokes the session", async () => {
		const { emulator, login, refresh, me } = await start();
		const { refresh_token } = await login();
		const responses = await Promise.all([refresh(refresh_token), refresh(refresh_token)]);
		expect(responses.map((response) => response.status).sort()).toEqual([200, 400]);
		const winner = (await responses.find((response) => response.status === 200)!.json()) as SqoweyTokens;
		expect((await withToken(me, winner.access_token)).status).toBe(401);
		expect(emulator.counters().refreshTokenReuse).toBe(1);
	});

	it('revokeAllTokens and expireAllTokens cover Sqowey tokens', async () => {
		const { emulator, login, refresh, me, expectError } = await start();
		const expired = await login();
		emulator.expireAllTokens();
		expect((await withToken(me, expired.access_token)).status).toBe(401);
		const renewed = (await (await refresh(expired.refresh_token)).json()) as SqoweyTokens;
		expect((await withToken(me, renewed.access_token)).status).toBe(200);

		emulator.revokeAllTokens();
		expect((await withToken(me, renewed.access_token)).status).toBe(401);
		await expectError(await refresh(renewed.refresh_token), 'invalid_grant');
		expect(emulator.counters().refreshTokenReuse).toBe(0);
	});

	it('access token expiry by the injected clock; `accessTokenLifetime` sets expires_in', async () => {
		let clock = 1_700_000_000_000;
		const { login, me } = await start({ now: () => clock, sqowey: { accessTokenLifetime: 60 } });
		const tokens = await login();
		expect(tokens.expires_in).toBe(60);
		clock += 59_999;
		expect((await withToken(me, tokens.access_token)).status).toBe(200);
		clock += 1;
		expect((await withToken(me, tokens.access_token)).status).toBe(401);
	});
});
