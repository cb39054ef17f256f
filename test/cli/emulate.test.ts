import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { runCli, startCli, type RunningCli } from '../_helpers/cli.js';

const running: RunningCli[] = [];
afterEach(() => {
	for (const cli of running.splice(0)) cli.child.kill('SIGKILL');
});

function emulate(args: string[]): RunningCli {
	const cli = startCli(['emulate', ...args]);
	running.push(cli);
	return cli;
}

describe('tokenkeeper emulate', () => {
	it('starts, answers token requests and API calls, and exits 0 on SIGTERM within 2 s', async () => {
		const cli = emulate(['--port', '0', '--json']);
		const [line] = await cli.waitFor('stdout', /^\{.*\}\n/);
		const { url, credentials } = JSON.parse(line) as { url: string; credentials: Record<string, Record<string, string>> };
		expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
		const squidex = credentials.squidex!;

		const token = await runCli(['token', 'squidex', '--url', url, '--client-id', squidex.clientId!], {
			env: { TOKENKEEPER_CLIENT_SECRET: squidex.clientSecret! },
		});
		expect(token.code).toBe(0);
		const api = await fetch(`${url}/api/apps/food-crunch/schemas`, { headers: { authorization: `Bearer ${token.stdout.trim()}` } });
		expect(api.status).toBe(200);

		const started = Date.now();
		cli.child.kill('SIGTERM');
		const result = await cli.exited;
		expect(Date.now() - started).toBeLessThan(2000);
		expect(result).toMatchObject({ code: 0, signal: null });
		expect(result.stderr).toContain('stopped');
	});

	it('Ctrl-C (SIGINT) stops it cleanly too, even with a client connection open', async () => {
		const cli = emulate(['--port', '0', '--json']);
		const { url } = JSON.parse((await cli.waitFor('stdout', /^\{.*\}\n/))[0]) as { url: string };
		// The fetch leaves a keep-alive connection open: shutdown must not wait for it.
		await fetch(`${url}/api/apps/x/schemas`);
		const started = Date.now();
		cli.child.kill('SIGINT');
		expect((await cli.exited).code).toBe(0);
		expect(Date.now() - started).toBeLessThan(2000);
	});

	it('prints its base URL and the demo credentials for people, with a command to try', async () => {
		const cli = emulate(['--port', '0', '--providers', 'squidex,dotkernel']);
		const [, url] = await cli.waitFor('stdout', /running at (http:\/\/127\.0\.0\.1:\d+)/);
		await cli.waitFor('stdout', /dotkernel[\s\S]*try.*\n/);
		const out = cli.stdout();
		expect(out).toContain('food-crunch:default');
		expect(out).toContain('emulator-secret-squidex');
		expect(out).toContain(`tokenkeeper token squidex --url ${url}`);
		expect(out).not.toContain('sqowey');
		cli.child.kill('SIGTERM');
		expect((await cli.exited).code).toBe(0);
	});

	it('--providers with only some providers serves only those', async () => {
		const cli = emulate(['--port', '0', '--providers', 'dotkernel', '--json']);
		const { url, credentials } = JSON.parse((await cli.waitFor('stdout', /^\{.*\}\n/))[0]) as { url: string; credentials: object };
		expect(Object.keys(credentials)).toEqual(['dotkernel']);
		const squidex = await fetch(`${url}/identity-server/connect/token`, { method: 'POST' });
		expect(squidex.status).toBe(404);
		cli.child.kill('SIGTERM');
		await cli.exited;
	});

	it('--help names every provider it serves, oauth2 included, and the DPoP switches', async () => {
		const result = await runCli(['emulate', '--help']);
		expect(result.code).toBe(0);
		expect(result.stdout).toContain('[--providers squidex,dotkernel,sqowey,oauth2]');
		for (const name of ['squidex', 'dotkernel', 'sqowey', 'oauth2']) expect(result.stdout).toMatch(new RegExp(`^  ${name} `, 'm'));
		expect(result.stdout).toContain('--dpop ');
		expect(result.stdout).toContain('--dpop-nonce <mode>');
	});

	it('--dpop --dpop-nonce required: a token request with a proof gets a DPoP token, and answers name the nonce', async () => {
		const cli = emulate(['--port', '0', '--dpop', '--dpop-nonce', 'required', '--json']);
		const { url, credentials } = JSON.parse((await cli.waitFor('stdout', /^\{.*\}\n/))[0]) as {
			url: string;
			credentials: Record<string, Record<string, string>>;
		};
		const { clientId, clientSecret } = credentials.oauth2!;
		const token = await runCli(['token', 'oauth2', '--issuer', url, '--client-id', clientId!, '--dpop', '--json', '--no-cache'], {
			env: { TOKENKEEPER_CLIENT_SECRET: clientSecret! },
		});
		expect(token).toMatchObject({ code: 0, stderr: '' });
		expect(JSON.parse(token.stdout)).toMatchObject({ tokenType: 'DPoP' });
		const bare = await fetch(`${url}/oauth2/v1/token`, { method: 'POST' });
		expect(bare.headers.get('dpop-nonce')).toEqual(expect.any(String));
		cli.child.kill('SIGTERM');
		expect((await cli.exited).code).toBe(0);
	});

	it('without --dpop, proofs are ignored and tokens are Bearer; --dpop-nonce alone or of another mode is a usage error', async () => {
		const cli = emulate(['--port', '0', '--providers', 'oauth2', '--json']);
		const { url } = JSON.parse((await cli.waitFor('stdout', /^\{.*\}\n/))[0]) as { url: string };
		expect((await fetch(`${url}/oauth2/v1/token`, { method: 'POST' })).headers.get('dpop-nonce')).toBeNull();
		cli.child.kill('SIGTERM');
		await cli.exited;
		for (const args of [
			['--dpop-nonce', 'required'],
			['--dpop', '--dpop-nonce', 'sometimes'],
		]) {
			const result = await runCli(['emulate', '--port', '0', ...args]);
			expect(result.code).toBe(2);
			expect(result.stderr).toMatch(/--dpop-nonce/);
		}
	});

	it('an unknown provider is a usage error (exit 2)', async () => {
		const result = await runCli(['emulate', '--port', '0', '--providers', 'squidex,nope']);
		expect(result.code).toBe(2);
		expect(result.stderr).toContain('--providers');
	});

	it('a port in use exits 3 and says what to do', async () => {
		const taken = createServer();
		await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
		try {
			const result = await runCli(['emulate', '--port', String((taken.address() as AddressInfo).port)]);
			expect(result.code).toBe(3);
			expect(result.stderr).toMatch(/in use.*--port 0/);
		} finally {
			await new Promise((resolve) => taken.close(resolve));
		}
	});
});
