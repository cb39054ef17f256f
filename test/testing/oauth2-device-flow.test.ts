import { afterEach, describe, expect, it } from 'vitest';
import { createClient, createDeviceAuthorizationFlow, ErrorCode, oauth2 } from '../../src/index.js';
import type { EmulatorControls, EmulatorOptions } from '../../src/testing/index.js';
import { sleep } from '../_helpers/outcome.js';
import { transports, withToken, type Started } from '../_helpers/transports.js';
import { get, oauth2Login } from './oauth2-login.js';

/** Resolves once `condition` holds, polling every few ms; fails the test after 3 s instead of hanging it. */
async function until(condition: () => boolean): Promise<void> {
	for (const startedAt = Date.now(); !condition(); await sleep(5)) {
		if (Date.now() - startedAt > 3_000) throw new Error('condition not met within 3 s');
	}
}

describe.each(transports)('createDeviceAuthorizationFlow against the emulated oauth2 server over $name', (transport) => {
	let started: Started;
	afterEach(() => started.stop());

	async function start(options: EmulatorOptions = { oauth2: { deviceInterval: 0 } }) {
		started = await transport.start(options);
		const emulator: EmulatorControls = started.emulator;
		const { issuer, publicClientId } = emulator.credentials.oauth2;
		const flow = (clientId = publicClientId!, clientSecret?: string) =>
			createDeviceAuthorizationFlow(oauth2({ issuer, clientId, clientSecret, grant: 'device_code' }), { retry: 0 });
		const polls = () => emulator.counters().tokenRequests.device_code;
		return { emulator, issuer, flow, polls };
	}

	it('start -> the person opens the verification URL -> complete() resolves; the token opens userinfo', async () => {
		const { emulator, issuer, flow, polls } = await start();
		const device = flow();
		const login = await device.start({ scope: ['openid', 'offline_access'] });
		expect(login.userCode).toMatch(/^[BCDFGHJKLMNPQRSTVWXZ]{4}-[BCDFGHJKLMNPQRSTVWXZ]{4}$/);
		expect(login.verificationUri).toBe(`${issuer}/oauth2/v1/device/verify`);
		expect(login.verificationUriComplete).toBe(`${login.verificationUri}?user_code=${login.userCode}`);
		const completing = login.complete();
		await until(() => polls() >= 2);
		expect((await get(login.verificationUriComplete!)).status).toBe(200);
		const tokenSet = await completing;
		expect(tokenSet).toMatchObject({ tokenType: 'Bearer', scope: 'openid offline_access' });
		expect(tokenSet.refreshToken).toEqual(expect.any(String));

		const api = createClient({ prefixUrl: `${issuer}/oauth2/v1/`, auth: device.tokens, retry: 0 });
		expect(await api.get('userinfo').json()).toMatchObject({ sub: 'oauth2-user-1', preferred_username: 'oauth2-user' });
		expect(emulator.counters()).toMatchObject({ tokenRequests: { device_code: polls() }, apiRequests: { ok: 1 } });
	});

	it('approved with the control instead: approveDevice(userCode) before the first poll -> one poll', async () => {
		const { emulator, flow, polls } = await start();
		const login = await flow().start();
		emulator.approveDevice(login.userCode);
		await expect(login.complete()).resolves.toMatchObject({ tokenType: 'Bearer' });
		expect(polls()).toBe(1);
	});

	it('a confidential client authenticates with Basic at both endpoints', async () => {
		const { emulator, flow } = await start();
		const { clientId, clientSecret } = emulator.credentials.oauth2;
		const login = await flow(clientId, clientSecret).start({ scope: 'api' });
		emulator.approveDevice();
		await expect(login.complete()).resolves.toMatchObject({ scope: 'api' });
	});

	it('denied at the verification page (setConsent deny) -> access_denied, typed', async () => {
		const { emulator, flow } = await start();
		emulator.setConsent('deny');
		const login = await flow().start();
		expect(await (await get(login.verificationUriComplete!)).text()).toContain('denied');
		await expect(login.complete()).rejects.toMatchObject({ code: ErrorCode.AuthorizationResponse, error: 'access_denied' });
	});

	it('denied with the control while polling -> access_denied', async () => {
		const { emulator, flow, polls } = await start();
		const login = await flow().start();
		const completing = login.complete();
		await until(() => polls() >= 1);
		emulator.denyDevice();
		await expect(completing).rejects.toMatchObject({ code: ErrorCode.AuthorizationResponse, error: 'access_denied' });
	});

	it("the server's expired_token ends the polling, typed (the emulator's clock moves past the code's lifetime)", async () => {
		let clock = 1_700_000_000_000;
		const { flow, polls } = await start({ now: () => clock, oauth2: { deviceCodeLifetime: 60, deviceInterval: 0 } });
		const login = await flow().start();
		clock += 60_000;
		await expect(login.complete()).rejects.toMatchObject({ code: ErrorCode.AuthorizationResponse, error: 'expired_token' });
		expect(polls()).toBe(1);
	});

	it('a client that polls faster than the interval gets slow_down, waits 5 s more, and still completes', async () => {
		// The emulator's clock stands still, so the library's second poll, 0.1 s later in real time, comes too early.
		let clock = 1_700_000_000_000;
		const { emulator, flow, polls } = await start({ now: () => clock, oauth2: { deviceInterval: 0.1 } });
		const login = await flow().start();
		const startedAt = performance.now();
		const completing = login.complete();
		await until(() => polls() >= 2);
		emulator.approveDevice(login.userCode);
		clock += 6_000;
		await expect(completing).resolves.toMatchObject({ tokenType: 'Bearer' });
		expect(polls()).toBe(3);
		expect(performance.now() - startedAt).toBeGreaterThanOrEqual(5_000);
	}, 15_000);

	it('the protected resource refuses a revoked token; the client recovers with the refresh token, once', async () => {
		const { emulator, issuer, flow } = await start();
		const device = flow();
		const login = await device.start();
		emulator.approveDevice();
		const { accessToken } = await login.complete();
		const { revoke, userinfo } = oauth2Login(emulator);
		expect((await revoke(accessToken)).status).toBe(200);
		expect((await withToken(userinfo, accessToken)).status).toBe(401);
		const api = createClient({ prefixUrl: `${issuer}/oauth2/v1/`, auth: device.tokens, retry: 0 });
		expect(await api.get('userinfo').json()).toMatchObject({ sub: 'oauth2-user-1' });
		expect(emulator.counters()).toMatchObject({ tokenRequests: { refresh_token: 1 }, apiRequests: { ok: 1, rejected: 2 } });
	});
});
