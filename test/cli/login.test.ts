import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createEmulator, type Emulator } from '../../src/testing/emulator/server.js';
import { startCli, type RunningCli } from '../_helpers/cli.js';

let emulator: Emulator;
beforeAll(async () => {
	emulator = await createEmulator();
});
afterAll(() => emulator.close());

const running: RunningCli[] = [];
afterEach(() => {
	emulator.setConsent('allow');
	for (const cli of running.splice(0)) cli.child.kill('SIGKILL');
});

function login(args: string[] = []): RunningCli {
	const { url, clientId } = emulator.credentials.sqowey;
	const cli = startCli(['login', 'sqowey', '--url', url, '--client-id', clientId, '--no-open', ...args]);
	running.push(cli);
	return cli;
}

/** What a browser does: follow the printed URL to the provider, then its redirect to the loopback server. */
async function followPrintedUrl(cli: RunningCli): Promise<Response> {
	const [printed] = await cli.waitFor('stderr', /^http\S+$/m);
	const consent = await fetch(printed, { redirect: 'manual' });
	expect(consent.status).toBe(302);
	const callback = consent.headers.get('location')!;
	expect(callback).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/callback\?/);
	return fetch(callback);
}

describe('tokenkeeper login sqowey', () => {
	it('completes against the emulator when the browser follows the printed URL; the token works', async () => {
		const cli = login();
		const page = await followPrintedUrl(cli);
		expect(page.status).toBe(200);
		expect(await page.text()).toContain('Logged in');
		const result = await cli.exited;
		expect(result.code).toBe(0);
		expect(result.stdout).toMatch(/^\S+\n$/);
		const me = await fetch(`${emulator.url}/api/users/@me`, { headers: { authorization: `Bearer ${result.stdout.trim()}` } });
		expect(me.status).toBe(200);
	});

	it('--json prints the token set with the refresh token', async () => {
		const cli = login(['--json']);
		await followPrintedUrl(cli);
		const result = await cli.exited;
		expect(result.code).toBe(0);
		expect(JSON.parse(result.stdout)).toMatchObject({
			accessToken: expect.any(String),
			refreshToken: expect.any(String),
			tokenType: 'Bearer',
		});
	});

	it('a refused consent exits 1 with access_denied, and the browser is told too', async () => {
		emulator.setConsent('deny');
		const cli = login();
		const page = await followPrintedUrl(cli);
		expect(page.status).toBe(400);
		expect(await page.text()).toContain('access_denied');
		const result = await cli.exited;
		expect(result.code).toBe(1);
		expect(result.stdout).toBe('');
		expect(result.stderr).toMatch(/ERR_AUTHORIZATION_RESPONSE: .*access_denied/);
	});

	it('callbacks with another state, or none, are answered with an error page that echoes nothing, and ignored: no token request, and the real redirect still logs in', async () => {
		const cli = login();
		const [printed] = await cli.waitFor('stderr', /^http\S+$/m);
		const redirectUri = new URL(printed).searchParams.get('redirect_uri')!;
		emulator.resetCounters();
		const forged = [
			'code=stolen&state=forged',
			`code=stolen&state=${encodeURIComponent('<script>alert("x")</script>')}`,
			'code=stolen',
			'error=access_denied&state=forged',
			`code=stolen&state=${'x'.repeat(4_000)}`,
		];
		for (const query of forged) {
			const page = await fetch(`${redirectUri}?${query}`);
			const body = await page.text();
			expect({ query, status: page.status }).toEqual({ query, status: 400 });
			expect(body).toContain('This is not the login the terminal is waiting for');
			for (const echoed of ['stolen', 'forged', 'script', 'alert', 'access_denied', 'xxxx']) expect(body).not.toContain(echoed);
		}
		expect(emulator.counters().tokenRequests.total).toBe(0);
		expect(cli.child.exitCode).toBeNull();

		const consent = await fetch(printed, { redirect: 'manual' });
		const page = await fetch(consent.headers.get('location')!);
		expect(page.status).toBe(200);
		expect(await page.text()).toContain('Logged in');
		const result = await cli.exited;
		expect(result.code).toBe(0);
		expect(result.stdout).toMatch(/^\S+\n$/);
		expect(emulator.counters().tokenRequests.total).toBe(1);
	});

	it('gives up after --wait seconds with exit 1, saying how many callbacks with another state it ignored', async () => {
		const cli = login(['--wait', '2']);
		const [printed] = await cli.waitFor('stderr', /^http\S+$/m);
		const redirectUri = new URL(printed).searchParams.get('redirect_uri')!;
		for (let i = 0; i < 3; i++) expect((await fetch(`${redirectUri}?code=stolen&state=forged-${i}`)).status).toBe(400);
		const result = await cli.exited;
		expect(result.code).toBe(1);
		expect(result.stderr).toMatch(/No login within 2 s \(3 request\(s\) to the callback with another state were ignored\)/);
	});
});
