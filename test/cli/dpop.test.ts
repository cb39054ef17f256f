import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEmulator, type Emulator } from '../../src/testing/emulator/server.js';
import { runCli, startCli } from '../_helpers/cli.js';

let emulator: Emulator;
const home = mkdtempSync(join(tmpdir(), 'tokenkeeper-cli-dpop-'));
beforeAll(async () => {
	// Sqowey's access tokens live 1 s: the CLI's next run has to refresh.
	emulator = await createEmulator({
		providers: ['oauth2', 'sqowey'],
		dpop: { nonce: 'required' },
		sqowey: { accessTokenLifetime: 1 },
		oauth2: { deviceInterval: 0.1 },
	});
});
afterAll(async () => {
	await emulator.close();
	rmSync(home, { recursive: true, force: true });
});

/** The session files in the sessions directory, parsed (they hold tokens and keys: only the test reads them). */
function sessionFiles(): Array<{
	file: string;
	mode: number;
	body: { key: string; dpopKey?: Record<string, string>; tokens: { tokenType: string } };
}> {
	return readdirSync(home)
		.filter((name) => name.endsWith('.json'))
		.map((name) => ({
			file: name,
			mode: statSync(join(home, name)).mode & 0o777,
			body: JSON.parse(readFileSync(join(home, name), 'utf8')),
		}));
}

describe('tokenkeeper CLI with --dpop', () => {
	it('login sqowey --dpop: a DPoP-bound session whose key is in its 0600 file; token sqowey refreshes with that key', async () => {
		const { url, clientId } = emulator.credentials.sqowey;
		const cli = startCli(['login', 'sqowey', '--url', url, '--client-id', clientId, '--no-open', '--dpop', '--json'], {
			env: { TOKENKEEPER_HOME: home },
		});
		const [printed] = await cli.waitFor('stderr', /^http\S+$/m);
		expect(new URL(printed).searchParams.get('dpop_jkt')).toMatch(/^[\w-]{43}$/);
		const consent = await fetch(printed, { redirect: 'manual' });
		await fetch(consent.headers.get('location')!);
		const result = await cli.exited;
		expect(result.code).toBe(0);
		expect(JSON.parse(result.stdout)).toMatchObject({ tokenType: 'DPoP' });
		const [session] = sessionFiles().filter((entry) => entry.body.key.includes('|login'));
		expect(session!.mode).toBe(0o600);
		expect(Object.keys(session!.body.dpopKey!).sort()).toEqual(['crv', 'd', 'kty', 'x', 'y']);

		await new Promise((resolve) => setTimeout(resolve, 1100));
		emulator.resetCounters();
		const token = await runCli(['token', 'sqowey', '--url', url, '--client-id', clientId, '--json'], { env: { TOKENKEEPER_HOME: home } });
		expect(token.code).toBe(0);
		expect(JSON.parse(token.stdout)).toMatchObject({ tokenType: 'DPoP' });
		const counters = emulator.counters();
		// A new process: the endpoint's nonce first (1 refused), then the refresh, signed with the session's key.
		expect(counters.tokenRequests.refresh_token).toBe(2);
		expect(counters.dpop.refused).toMatchObject({ nonce: 1, binding: 0 });
		expect(counters.refreshTokenReuse).toBe(0);
		// The rotated tokens were written with the key still beside them.
		const [refreshed] = sessionFiles().filter((entry) => entry.body.key.includes('|login'));
		expect(refreshed!.body.dpopKey).toEqual(session!.body.dpopKey);

		const listed = await runCli(['sessions', '--json'], { env: { TOKENKEEPER_HOME: home } });
		expect(listed.stdout).not.toContain(session!.body.dpopKey!.d!);
	});

	it('token oauth2 --dpop: a DPoP token, cached with its key apart from Bearer; the second run sends nothing', async () => {
		const { issuer, clientId, clientSecret } = emulator.credentials.oauth2;
		const args = ['token', 'oauth2', '--issuer', issuer, '--client-id', clientId, '--dpop', '--json'];
		const env = { TOKENKEEPER_HOME: home, TOKENKEEPER_CLIENT_SECRET: clientSecret! };
		emulator.resetCounters();
		const first = await runCli(args, { env });
		expect(first.code).toBe(0);
		expect(JSON.parse(first.stdout)).toMatchObject({ tokenType: 'DPoP' });
		const second = await runCli(args, { env });
		expect(JSON.parse(second.stdout).accessToken).toBe(JSON.parse(first.stdout).accessToken);
		// One nonce refusal, one token: the second run read the cache.
		expect(emulator.counters().tokenRequests.client_credentials).toBe(2);
		const cached = sessionFiles().find((entry) => entry.body.key.endsWith('|cached|dpop'));
		expect(cached?.body.dpopKey?.d).toEqual(expect.any(String));
		expect(cached?.mode).toBe(0o600);
	});

	it('token oauth2 --dpop: a mistyped secret leaves the cached DPoP token and its key; the next right run sends nothing', async () => {
		const own = mkdtempSync(join(tmpdir(), 'tokenkeeper-cli-dpop-wrong-'));
		try {
			const { issuer, clientId, clientSecret } = emulator.credentials.oauth2;
			const args = ['token', 'oauth2', '--issuer', issuer, '--client-id', clientId, '--dpop', '--json'];
			const run = (secret: string) => runCli(args, { env: { TOKENKEEPER_HOME: own, TOKENKEEPER_CLIENT_SECRET: secret } });
			const keyOnDisk = () =>
				readdirSync(own)
					.filter((name) => name.endsWith('.json'))
					.map((name) => JSON.parse(readFileSync(join(own, name), 'utf8')) as { dpopKey?: { d: string } })
					.map((body) => body.dpopKey?.d);
			const right = await run(clientSecret!);
			expect(right.code).toBe(0);
			const key = keyOnDisk();
			expect(key).toEqual([expect.any(String)]);
			expect((await run('not-the-secret')).code).toBe(1);
			expect(keyOnDisk()).toEqual(key);
			emulator.resetCounters();
			const again = await run(clientSecret!);
			expect(again.code).toBe(0);
			expect(JSON.parse(again.stdout).accessToken).toBe(JSON.parse(right.stdout).accessToken);
			expect(emulator.counters().tokenRequests.total).toBe(0);
		} finally {
			rmSync(own, { recursive: true, force: true });
		}
	});

	it('token oauth2 --dpop against a server that answers Bearer: the token is printed, with a warning that it is bound to no key; a cached one too', async () => {
		const own = mkdtempSync(join(tmpdir(), 'tokenkeeper-cli-dpop-downgrade-'));
		emulator.setDpop(undefined);
		try {
			const { issuer, clientId, clientSecret } = emulator.credentials.oauth2;
			const args = ['token', 'oauth2', '--issuer', issuer, '--client-id', clientId, '--dpop', '--json'];
			const env = { TOKENKEEPER_HOME: own, TOKENKEEPER_CLIENT_SECRET: clientSecret! };
			const warning =
				'tokenkeeper: warning: --dpop was given, but the server issued a Bearer token, bound to no key (it does not support DPoP ' +
				'for this client): anyone who holds it can use it\n';
			const first = await runCli(args, { env });
			console.log(`token oauth2 --dpop, the server answers Bearer: exit ${first.code}, "${first.stderr.trim()}"`);
			expect(first.code).toBe(0);
			expect(JSON.parse(first.stdout)).toMatchObject({ tokenType: 'Bearer' });
			expect(first.stderr).toBe(warning);
			const cached = await runCli(args, { env });
			expect(JSON.parse(cached.stdout).accessToken).toBe(JSON.parse(first.stdout).accessToken);
			expect(cached.stderr).toBe(warning);
		} finally {
			emulator.setDpop({ nonce: 'required' });
			rmSync(own, { recursive: true, force: true });
		}
	});

	it('login sqowey --dpop against a server without DPoP: the login works, with the same warning', async () => {
		const own = mkdtempSync(join(tmpdir(), 'tokenkeeper-cli-dpop-login-downgrade-'));
		emulator.setDpop(undefined);
		try {
			const { url, clientId } = emulator.credentials.sqowey;
			const cli = startCli(['login', 'sqowey', '--url', url, '--client-id', clientId, '--no-open', '--dpop', '--json'], {
				env: { TOKENKEEPER_HOME: own },
			});
			const [printed] = await cli.waitFor('stderr', /^http\S+$/m);
			const consent = await fetch(printed, { redirect: 'manual' });
			await fetch(consent.headers.get('location')!);
			const result = await cli.exited;
			expect(result.code).toBe(0);
			expect(JSON.parse(result.stdout)).toMatchObject({ tokenType: 'Bearer' });
			expect(result.stderr).toContain('tokenkeeper: warning: --dpop was given, but the server issued a Bearer token, bound to no key');
		} finally {
			emulator.setDpop({ nonce: 'required' });
			rmSync(own, { recursive: true, force: true });
		}
	});

	it('login oauth2 --device --dpop: the polls carry proofs, the tokens are bound, the key is kept with the session', async () => {
		const { publicClientId } = emulator.credentials.oauth2;
		const flags = ['--issuer', emulator.url, '--client-id', publicClientId!];
		const cli = startCli(['login', 'oauth2', ...flags, '--device', '--dpop', '--json'], {
			env: { TOKENKEEPER_HOME: home },
			timeout: 30_000,
		});
		const [, verify] = await cli.waitFor('stderr', /or open (\S+)/);
		expect((await fetch(verify!)).status).toBe(200);
		const result = await cli.exited;
		expect(result.code).toBe(0);
		const tokenSet = JSON.parse(result.stdout) as { tokenType: string; accessToken: string };
		expect(tokenSet.tokenType).toBe('DPoP');
		const session = sessionFiles().find((entry) => entry.body.key.includes('oauth2') && entry.body.key.endsWith('|login'));
		expect(session?.body.dpopKey?.d).toEqual(expect.any(String));
		const again = await runCli(['token', 'oauth2', '--session', ...flags], { env: { TOKENKEEPER_HOME: home } });
		expect(again.stdout.trim()).toBe(tokenSet.accessToken);
		// The token is bound: presented as Bearer it is refused.
		const bearer = await fetch(`${emulator.url}/oauth2/v1/userinfo`, { headers: { authorization: `Bearer ${tokenSet.accessToken}` } });
		expect(bearer.status).toBe(401);
	}, 40_000);
});
