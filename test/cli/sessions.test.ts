import { readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEmulator, type Emulator } from '../../src/testing/emulator/server.js';
import { type CliResult, runCli, startCli, type RunningCli, useCliSandbox } from '../_helpers/cli.js';

/**
 * Sessions that outlive the process: the built CLI spawned against the emulator, with TOKENKEEPER_HOME pointed at a
 * directory of each test's own. The figures the issue asks for are printed with console.log.
 */
let emulator: Emulator;
beforeAll(async () => {
	// Sqowey access tokens that live 2 s, so that a stored session's token really expires during a test.
	emulator = await createEmulator({ oauth2: { deviceInterval: 0.1 }, sqowey: { accessTokenLifetime: 2 } });
});
afterAll(() => emulator.close());

const { newHome, running } = useCliSandbox('tokenkeeper-sessions-', () => {
	emulator.setConsent('allow');
	emulator.resetCounters();
});

function squidex(home: string, secret = emulator.credentials.squidex.clientSecret, extra: string[] = []): Promise<CliResult> {
	const { url, clientId } = emulator.credentials.squidex;
	return runCli(['token', 'squidex', '--url', url, '--client-id', clientId, ...extra], {
		env: { TOKENKEEPER_HOME: home, TOKENKEEPER_CLIENT_SECRET: secret },
	});
}

const sqoweyFlags = () => ['--url', emulator.credentials.sqowey.url, '--client-id', emulator.credentials.sqowey.clientId];

/** `login sqowey`, with the browser's part done by fetch: follow the printed URL, then its redirect. */
async function loginSqowey(home: string): Promise<CliResult> {
	const cli = startCli(['login', 'sqowey', ...sqoweyFlags(), '--no-open'], { env: { TOKENKEEPER_HOME: home } });
	running.push(cli);
	const [printed] = await cli.waitFor('stderr', /^http\S+$/m);
	const consent = await fetch(printed, { redirect: 'manual' });
	await fetch(consent.headers.get('location')!);
	return cli.exited;
}

describe('token squidex: a fresh token is reused across runs', () => {
	it('20 sequential runs -> 1 token request; every run prints the same token', async () => {
		const home = newHome();
		const printed = new Set<string>();
		for (let run = 0; run < 20; run++) {
			const result = await squidex(home);
			expect(result.code).toBe(0);
			printed.add(result.stdout);
		}
		const requests = emulator.counters().tokenRequests.client_credentials;
		console.log(`20 sequential \`token squidex\` runs: ${requests} token request(s), ${printed.size} distinct token(s)`);
		expect(requests).toBe(1);
		expect(printed.size).toBe(1);
	}, 60_000);

	it('a different secret never gets the cached token: it asks the server, and a wrong one fails at once', async () => {
		const home = newHome();
		expect((await squidex(home)).code).toBe(0);
		const wrong = await squidex(home, 'not-the-secret');
		expect(wrong.code).toBe(1);
		expect(wrong.stderr).toMatch(/invalid_client/);
		expect(emulator.counters().tokenRequests.client_credentials).toBe(2);
		expect((await squidex(home, emulator.credentials.squidex.clientSecret, ['--no-cache'])).code).toBe(0);
		expect(emulator.counters().tokenRequests.client_credentials).toBe(3);
	}, 30_000);

	it('a mistyped secret costs the good session nothing: the wrong run exits 1, and the next right run makes no token request and prints the same token', async () => {
		const home = newHome();
		const right = await squidex(home);
		expect(right.code).toBe(0);
		const wrong = await squidex(home, 'not-the-secret');
		expect(wrong.code).toBe(1);
		expect(wrong.stderr).toMatch(/invalid_client/);
		const requests = emulator.counters().tokenRequests.client_credentials;
		expect(requests).toBe(2);
		const again = await squidex(home);
		expect(again.code).toBe(0);
		expect(again.stdout).toBe(right.stdout);
		console.log(`right, wrong, right: ${emulator.counters().tokenRequests.client_credentials} token request(s)`);
		expect(emulator.counters().tokenRequests.client_credentials).toBe(requests);
	}, 30_000);

	it('6 concurrent first runs with one secret -> 1 token request (the session is replaced under its lock); all print the same token', async () => {
		const home = newHome();
		const results = await Promise.all(Array.from({ length: 6 }, () => squidex(home)));
		expect(results.map((result) => result.code)).toEqual([0, 0, 0, 0, 0, 0]);
		expect(new Set(results.map((result) => result.stdout)).size).toBe(1);
		expect(emulator.counters().tokenRequests.client_credentials).toBe(1);
	}, 30_000);

	it('--header prints an Authorization header line the API accepts', async () => {
		const result = await squidex(newHome(), undefined, ['--header']);
		expect(result.stdout).toMatch(/^Authorization: Bearer \S+\n$/);
		const [name, value] = result.stdout.trim().split(': ');
		const api = await fetch(`${emulator.url}/api/apps/emulated/schemas`, { headers: { [name!]: value! } });
		expect(api.status).toBe(200);
	});

	it('the session directory is 0700 and every file in it 0600; the secret is nowhere on disk', async () => {
		const home = newHome();
		await squidex(home);
		const modes = [home, ...readdirSync(home).map((name) => join(home, name))].map((path) => (statSync(path).mode & 0o777).toString(8));
		console.log(`file modes on disk: ${modes.join(', ')} (directory first)`);
		expect(modes[0]).toBe('700');
		expect(modes.slice(1).length).toBeGreaterThan(0);
		for (const mode of modes.slice(1)) expect(mode).toBe('600');
		for (const name of readdirSync(home)) {
			const text = (await import('node:fs')).readFileSync(join(home, name), 'utf8');
			expect(text).not.toContain(emulator.credentials.squidex.clientSecret);
		}
	});
});

describe('login sqowey, then token sqowey, sessions and logout sqowey', () => {
	it('8 concurrent `token sqowey` after the access token expired -> 1 refresh, 0 reuse, the same token printed', async () => {
		const home = newHome();
		expect((await loginSqowey(home)).code).toBe(0);
		await new Promise((resolve) => setTimeout(resolve, 2_100));
		emulator.resetCounters();
		const results = await Promise.all(
			Array.from({ length: 8 }, () => runCli(['token', 'sqowey', ...sqoweyFlags()], { env: { TOKENKEEPER_HOME: home }, timeout: 30_000 })),
		);
		const counters = emulator.counters();
		const printed = new Set(results.map((result) => result.stdout));
		console.log(
			`login sqowey, access token expired, 8 concurrent \`token sqowey\`: ${counters.tokenRequests.refresh_token} refresh(es), ` +
				`${counters.refreshTokenReuse} refresh-token reuse, ${printed.size} distinct token(s) printed`,
		);
		expect(results.map((result) => result.code)).toEqual(Array(8).fill(0));
		expect(counters.tokenRequests.refresh_token).toBe(1);
		expect(counters.refreshTokenReuse).toBe(0);
		expect(printed.size).toBe(1);
		const api = await fetch(`${emulator.url}/api/users/@me`, { headers: { authorization: `Bearer ${[...printed][0]!.trim()}` } });
		expect(api.status).toBe(200);
	}, 60_000);

	it('sessions lists the login without any part of a token; --json too', async () => {
		const home = newHome();
		const login = await loginSqowey(home);
		const text = await runCli(['sessions'], { env: { TOKENKEEPER_HOME: home } });
		const json = await runCli(['sessions', '--json'], { env: { TOKENKEEPER_HOME: home } });
		expect(text.stdout).toMatch(/sqowey .*sqowey-spa/);
		expect(text.stdout).toMatch(/refresh token held/);
		const listed = JSON.parse(json.stdout) as { sessions: Array<Record<string, unknown>> };
		expect(listed.sessions).toMatchObject([{ provider: 'sqowey', clientId: 'sqowey-spa', refreshToken: true }]);
		const token = login.stdout.trim();
		for (const output of [text.stdout, json.stdout]) expect(output).not.toContain(token.slice(0, 12));
	}, 30_000);

	it('logout sqowey -> 2 revocations, the session deleted; then token sqowey exits 1 with the login command', async () => {
		const home = newHome();
		const token = (await loginSqowey(home)).stdout.trim();
		emulator.resetCounters();
		const logout = await runCli(['logout', 'sqowey', ...sqoweyFlags()], { env: { TOKENKEEPER_HOME: home } });
		const after = await runCli(['token', 'sqowey', ...sqoweyFlags()], { env: { TOKENKEEPER_HOME: home } });
		console.log(
			`logout sqowey: ${emulator.counters().revocations} revocation(s); then token sqowey: exit ${after.code}, "${after.stderr.trim()}"`,
		);
		expect(logout.code).toBe(0);
		expect(logout.stderr).toMatch(/revoked at the provider/);
		expect(emulator.counters().revocations).toBe(2);
		expect(after.code).toBe(1);
		expect(after.stderr).toContain(
			`tokenkeeper login sqowey --client-id ${emulator.credentials.sqowey.clientId} --url ${emulator.credentials.sqowey.url}`,
		);
		const api = await fetch(`${emulator.url}/api/users/@me`, { headers: { authorization: `Bearer ${token}` } });
		expect(api.status).toBe(401);
	}, 30_000);

	it('a session file edited into nonsense -> exit 4, one line naming the file and what to do; logout still deletes it', async () => {
		const home = newHome();
		await loginSqowey(home);
		const file = readdirSync(home).find((name) => name.endsWith('.json'))!;
		writeFileSync(join(home, file), '{ this is not json', { mode: 0o600 });
		const result = await runCli(['token', 'sqowey', ...sqoweyFlags()], { env: { TOKENKEEPER_HOME: home } });
		expect(result.code).toBe(4);
		expect(result.stderr.trim().split('\n')).toHaveLength(1);
		expect(result.stderr).toContain(file);
		expect((await runCli(['logout', 'sqowey', ...sqoweyFlags()], { env: { TOKENKEEPER_HOME: home } })).code).toBe(0);
		expect((await runCli(['sessions', '--json'], { env: { TOKENKEEPER_HOME: home } })).stdout).toContain('"sessions": []');
	}, 30_000);

	it('a home directory that cannot be made -> token squidex still prints a token, with a one-line warning; sessions exits 4', async () => {
		const blocker = join(newHome(), 'a-file');
		writeFileSync(blocker, '');
		const home = join(blocker, 'sessions');
		const token = await squidex(home);
		expect(token.code).toBe(0);
		expect(token.stdout).toMatch(/^\S+\n$/);
		expect(token.stderr).toMatch(/^tokenkeeper: warning: .*not cached/);
		const list = await runCli(['sessions'], { env: { TOKENKEEPER_HOME: home } });
		expect(list.code).toBe(4);
		expect(list.stderr.trim().split('\n')).toHaveLength(1);
	});
});

describe('login oauth2 --device, token oauth2 --session', () => {
	const deviceFlags = () => ['--issuer', emulator.url, '--client-id', emulator.credentials.oauth2.publicClientId!];

	async function deviceLogin(home: string): Promise<{ cli: RunningCli; verify: string }> {
		const cli = startCli(['login', 'oauth2', ...deviceFlags(), '--device'], { env: { TOKENKEEPER_HOME: home }, timeout: 30_000 });
		running.push(cli);
		const [, verify] = await cli.waitFor('stderr', /or open (\S+)/);
		return { cli, verify: verify! };
	}

	it('a device login completed by the person -> exit 0 and a token; token oauth2 --session then prints a fresh one', async () => {
		const home = newHome();
		const { cli, verify } = await deviceLogin(home);
		expect(cli.stderr()).toMatch(/enter the code [A-Z]{4}-[A-Z]{4}/);
		expect((await fetch(verify)).status).toBe(200);
		const result = await cli.exited;
		console.log(`device login approved: exit ${result.code}, ${emulator.counters().tokenRequests.device_code} poll(s)`);
		expect(result.code).toBe(0);
		const session = await runCli(['token', 'oauth2', '--session', ...deviceFlags()], { env: { TOKENKEEPER_HOME: home } });
		expect(session.code).toBe(0);
		expect(session.stdout).toBe(result.stdout);
		const userinfo = await fetch(`${emulator.url}/oauth2/v1/userinfo`, { headers: { authorization: `Bearer ${session.stdout.trim()}` } });
		expect(userinfo.status).toBe(200);
	}, 40_000);

	it('a device login denied by the person -> exit 1, access_denied, and no session kept', async () => {
		const home = newHome();
		emulator.setConsent('deny');
		const { cli, verify } = await deviceLogin(home);
		await fetch(verify);
		const result = await cli.exited;
		console.log(`device login denied: exit ${result.code}, "${result.stderr.trim().split('\n').at(-1)}"`);
		expect(result.code).toBe(1);
		expect(result.stderr).toMatch(/access_denied/);
		const session = await runCli(['token', 'oauth2', '--session', ...deviceFlags()], { env: { TOKENKEEPER_HOME: home } });
		expect(session.code).toBe(1);
		expect(session.stderr).toContain('tokenkeeper login oauth2 --issuer');
	}, 40_000);
});
