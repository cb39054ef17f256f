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
