import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEmulator, type Emulator } from '../../src/testing/emulator/server.js';
import { type CliResult, runCli, startCli, useCliSandbox } from '../_helpers/cli.js';

/** `login oauth2 --device --resource …`: the device authorization request names the APIs; the built CLI, spawned. */
let emulator: Emulator;
beforeAll(async () => {
	emulator = await createEmulator({ oauth2: { deviceInterval: 0.1 } });
});
afterAll(() => emulator.close());

const { newHome, running } = useCliSandbox('tokenkeeper-resource-device-', () => emulator.resetCounters());

const flags = () => ['--issuer', emulator.url, '--client-id', emulator.credentials.oauth2.publicClientId!, '--scope', 'openid'];

async function deviceLogin(home: string, resources: readonly string[]): Promise<CliResult> {
	const args = ['login', 'oauth2', ...flags(), '--device', ...resources.flatMap((resource) => ['--resource', resource])];
	const login = startCli(args, { env: { TOKENKEEPER_HOME: home }, timeout: 30_000 });
	running.push(login);
	const [, verify] = await login.waitFor('stderr', /or open (\S+)/);
	await (await fetch(verify!)).text();
	return login.exited;
}

async function apiStatus(resource: string, token: string): Promise<number> {
	const response = await fetch(`${resource}42`, { headers: { authorization: `Bearer ${token}` } });
	await response.body?.cancel();
	return response.status;
}

describe('login oauth2 --device --resource', () => {
	it('names every API in the device authorization request: the poll gets the first one, a refresh the next, 0 reuse', async () => {
		const home = newHome();
		const [orders = '', billing = ''] = emulator.credentials.oauth2.resources;
		const login = await deviceLogin(home, [orders, billing]);
		expect(login.code).toBe(0);
		expect(await apiStatus(orders, login.stdout.trim())).toBe(200);
		const forBilling = await runCli(['token', 'oauth2', '--session', ...flags(), '--resource', billing], {
			env: { TOKENKEEPER_HOME: home },
		});
		expect(forBilling).toMatchObject({ code: 0, stderr: '' });
		expect(await apiStatus(billing, forBilling.stdout.trim())).toBe(200);
		const { resources, refreshTokenReuse } = emulator.counters();
		expect([resources[orders]!.tokenRequests.device_code, resources[billing]!.tokenRequests.refresh_token, refreshTokenReuse]).toEqual([
			expect.any(Number),
			1,
			0,
		]);
	});

	it('a device login for orders only: a token for billing is invalid_target (the request named orders, not none)', async () => {
		const home = newHome();
		const [orders = '', billing = ''] = emulator.credentials.oauth2.resources;
		expect((await deviceLogin(home, [orders])).code).toBe(0);
		const refused = await runCli(['token', 'oauth2', '--session', ...flags(), '--resource', billing], { env: { TOKENKEEPER_HOME: home } });
		expect(refused.code).toBe(1);
		expect(refused.stderr).toMatch(/invalid_target.*not named at authorization/);
	});
});
