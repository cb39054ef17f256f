import { afterEach, describe, expect, it } from 'vitest';
import type { EmulatorOptions } from '../../src/testing/index.js';
import { postForm, transports, withToken, type Started } from '../_helpers/transports.js';
import { expectError, get, oauth2Login, type OAuth2Tokens } from './oauth2-login.js';

// RFC 8628 6.1's alphabet: consonants only, no vowels, no 0/O or 1/I.
const USER_CODE = /^[BCDFGHJKLMNPQRSTVWXZ]{4}-[BCDFGHJKLMNPQRSTVWXZ]{4}$/;

describe.each(transports)('oauth2 device authorization (RFC 8628) over $name', (transport) => {
	let started: Started;
	afterEach(() => started.stop());

	async function start(options: EmulatorOptions = { oauth2: { deviceInterval: 0 } }) {
		started = await transport.start(options);
		return { emulator: started.emulator, ...oauth2Login(started.emulator) };
	}

	it('the device authorization response: codes, URIs with the user code, lifetime 600 s and interval 5 s by default', async () => {
		const { emulator, url, startDevice } = await start({});
		const device = await startDevice();
		expect(device).toEqual({
			device_code: expect.stringMatching(/^[\w-]{43}$/),
			user_code: expect.stringMatching(USER_CODE),
			verification_uri: url('verify'),
			verification_uri_complete: `${url('verify')}?user_code=${device.user_code}`,
			expires_in: 600,
			interval: 5,
		});
		// Neither a token request nor a revocation: the device authorization endpoint has no counter.
		expect(emulator.counters()).toMatchObject({ tokenRequests: { total: 0 }, revocations: 0 });
	});

	it('pending until the person opens verification_uri_complete; then the tokens, once; they open userinfo', async () => {
		const { emulator, startDevice, poll, userinfo } = await start();
		const device = await startDevice();
		await expectError(await poll(device.device_code), 'authorization_pending');
		await expectError(await poll(device.device_code), 'authorization_pending');
		const page = await get(device.verification_uri_complete);
		expect(page.status).toBe(200);
		expect(page.headers.get('content-type')).toMatch(/^text\/html/);
		expect(await page.text()).toContain('Device approved');
		const granted = await poll(device.device_code);
		expect(granted.status).toBe(200);
		const tokens = (await granted.json()) as OAuth2Tokens;
		expect(tokens).toEqual({
			access_token: expect.any(String),
			token_type: 'Bearer',
			expires_in: 3600,
			refresh_token: expect.any(String),
			scope: 'openid offline_access',
			// The scope holds openid: the OpenID Provider adds a signed ID token (checked in openid-*.test.ts).
			id_token: expect.stringMatching(/^[\w-]+\.[\w-]+\.[\w-]+$/),
		});
		expect(await (await withToken(userinfo, tokens.access_token)).json()).toMatchObject({ sub: 'oauth2-user-1' });
		await expectError(await poll(device.device_code), 'invalid_grant');
		expect(emulator.counters()).toMatchObject({ tokenRequests: { total: 4, device_code: 4 } });
	});

	it('deny switch: the page says denied and the next poll gets access_denied, then again', async () => {
		const { emulator, startDevice, poll } = await start();
		emulator.setConsent('deny');
		const device = await startDevice();
		const page = await get(device.verification_uri_complete);
		expect(page.status).toBe(200);
		expect(await page.text()).toContain('denied');
		await expectError(await poll(device.device_code), 'access_denied');
		await expectError(await poll(device.device_code), 'access_denied');
	});

	it('expiry by the injected clock: expired_token, and the verification page refuses the code with 400', async () => {
		let clock = 1_700_000_000_000;
		const { startDevice, poll } = await start({ now: () => clock, oauth2: { deviceCodeLifetime: 30, deviceInterval: 0 } });
		const device = await startDevice();
		expect(device.expires_in).toBe(30);
		clock += 29_999;
		await expectError(await poll(device.device_code), 'authorization_pending');
		clock += 1;
		await expectError(await poll(device.device_code), 'expired_token');
		const page = await get(device.verification_uri_complete);
		expect(page.status).toBe(400);
		expect(await page.text()).toContain('expired');
	});

	it('slow_down when polled faster than the interval, which then grows by 5 s; the first poll may come at once', async () => {
		let clock = 1_700_000_000_000;
		const { emulator, startDevice, poll } = await start({ now: () => clock, oauth2: { deviceInterval: 2 } });
		const device = await startDevice();
		expect(device.interval).toBe(2);
		await expectError(await poll(device.device_code), 'authorization_pending');
		clock += 1_999;
		await expectError(await poll(device.device_code), 'slow_down');
		// Now 7 s: 2 s is too soon again, and this too-early poll adds another 5 s.
		clock += 2_000;
		await expectError(await poll(device.device_code), 'slow_down');
		clock += 12_000;
		emulator.approveDevice(device.user_code);
		expect((await poll(device.device_code)).status).toBe(200);
	});

	it('interval 0 never answers slow_down', async () => {
		const { startDevice, poll } = await start();
		const device = await startDevice();
		const answers = await Promise.all(Array.from({ length: 5 }, () => poll(device.device_code).then((response) => response.json())));
		expect(answers).toEqual(Array(5).fill(expect.objectContaining({ error: 'authorization_pending' })));
	});

	it('controls: approveDevice() decides the most recent pending login, denyDevice(code) a given one; both throw when they cannot', async () => {
		const { emulator, startDevice, poll } = await start();
		const older = await startDevice();
		const newer = await startDevice();
		emulator.approveDevice();
		expect((await poll(newer.device_code)).status).toBe(200);
		// Case and the dash do not matter, as for a person typing the code.
		emulator.denyDevice(older.user_code.toLowerCase().replace('-', ''));
		await expectError(await poll(older.device_code), 'access_denied');
		expect(() => emulator.approveDevice()).toThrow(/no pending device login/);
		expect(() => emulator.approveDevice(older.user_code)).toThrow(/already approved or denied/);
		expect(() => emulator.denyDevice('BCDF-GHJK')).toThrow(/no such user code/);
		expect(() => emulator.approveDevice(42 as never)).toThrow(TypeError);
	});

	it('the verification page: a form without a code; 400 for an unknown or already used code; GET only (a HEAD decides nothing)', async () => {
		const { url, startDevice } = await start();
		const form = await get(url('verify'));
		expect(form.status).toBe(200);
		expect(await form.text()).toContain('name="user_code"');
		expect((await get(`${url('verify')}?user_code=BCDF-GHJK`)).status).toBe(400);
		const device = await startDevice();
		expect((await get(`${url('verify')}?user_code=${device.user_code.toLowerCase()}`)).status).toBe(200);
		expect((await get(device.verification_uri_complete)).status).toBe(400);
		expect((await postForm(url('verify'), { user_code: device.user_code })).status).toBe(405);
		const other = await startDevice();
		const head = await fetch(other.verification_uri_complete, { method: 'HEAD', signal: AbortSignal.timeout(2000) });
		expect(head.status).toBe(405);
		expect((await get(other.verification_uri_complete)).status).toBe(200);
	});

	it('client authentication: a confidential client with Basic; an unknown client or a wrong secret -> invalid_client', async () => {
		const { emulator, url, service, serviceId, publicClientId, poll } = await start();
		const response = await postForm(url('device'), { scope: 'api' }, service);
		expect(response.status).toBe(200);
		const device = (await response.json()) as { device_code: string; user_code: string };
		emulator.approveDevice(device.user_code);
		// The public client cannot redeem the confidential client's device code.
		await expectError(await poll(device.device_code, { client_id: publicClientId }), 'invalid_grant');
		const tokens = await postForm(
			url('token'),
			{ grant_type: 'urn:ietf:params:oauth:grant-type:device_code', device_code: device.device_code },
			service,
		);
		expect(await tokens.json()).toMatchObject({ scope: 'api', refresh_token: expect.any(String) });
		await expectError(await postForm(url('device'), { client_id: 'nobody' }), 'invalid_client', 401);
		await expectError(await postForm(url('device'), {}, { authorization: `Basic ${btoa(`${serviceId}:wrong`)}` }), 'invalid_client', 401);
		await expectError(await postForm(url('device'), { client_id: publicClientId, scope: 'a\\b' }), 'invalid_scope');
		await expectError(await poll(''), 'invalid_request');
	});
});
