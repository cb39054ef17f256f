import { spawn } from 'node:child_process';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../..', import.meta.url));
const SCRIPT = 'test/manager/scripts/script-in-window.ts';

/** A token endpoint on loopback that answers after `delayMs`, or never (`hang`), counting requests. */
async function slowTokenEndpoint(behaviour: { delayMs: number } | 'hang') {
	let requests = 0;
	const server = http.createServer((request, response) => {
		requests += 1;
		request.resume();
		if (behaviour === 'hang') return;
		setTimeout(() => {
			response
				.writeHead(200, { 'content-type': 'application/json' })
				.end('{"access_token":"renewed","token_type":"Bearer","expires_in":3600}');
		}, behaviour.delayMs);
	});
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	return {
		url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/token`,
		requests: () => requests,
		close: () => {
			server.closeAllConnections();
			return new Promise((resolve) => server.close(resolve));
		},
	};
}

/** Run the script; resolve with when it printed its token and when it exited, from its start. */
function runScript(tokenEndpoint: string, timeout: number): Promise<{ printedAfter: number; exitedAfter: number; token: string }> {
	const started = Date.now();
	const child = spawn(process.execPath, ['--import', 'tsx', SCRIPT, tokenEndpoint, String(timeout)], {
		cwd: root,
		env: { ...process.env, NODE_OPTIONS: '' },
	});
	let output = '';
	child.stdout.on('data', (chunk: Buffer) => {
		output += chunk.toString();
	});
	const killer = setTimeout(() => child.kill('SIGKILL'), 30_000);
	return new Promise((resolve, reject) => {
		child.on('exit', (code) => {
			clearTimeout(killer);
			const exitedAfter = Date.now() - started;
			const line = output.trim().split('\n')[0];
			if (code !== 0 || !line) return reject(new Error(`the script exited ${code} after ${exitedAfter} ms: ${output}`));
			const printed = JSON.parse(line) as { token: string; at: number };
			resolve({ printedAfter: printed.at - started, exitedAfter, token: printed.token });
		});
	});
}

describe('refresh-ahead in a script: the background refresh holds the process at most one request timeout', () => {
	let endpoint: Awaited<ReturnType<typeof slowTokenEndpoint>> | undefined;
	afterEach(async () => {
		await endpoint?.close();
		endpoint = undefined;
	});

	it('a 300 ms token endpoint -> the script has its (cached) token at once and exits about 300 ms later, 1 request', async () => {
		endpoint = await slowTokenEndpoint({ delayMs: 300 });
		const run = await runScript(endpoint.url, 10_000);
		expect(run.token).toBe('in-the-window');
		expect(endpoint.requests()).toBe(1);
		// The exit waits for the background request (about 300 ms), not for retries or a timer.
		expect(run.exitedAfter - run.printedAfter).toBeGreaterThanOrEqual(250);
		expect(run.exitedAfter - run.printedAfter).toBeLessThan(3_000);
		console.log(`script, 300 ms endpoint: token after ${run.printedAfter} ms, exit after ${run.exitedAfter} ms`);
	}, 40_000);

	it('a token endpoint that never answers -> the script exits after one request timeout (2 s here), 1 attempt, no retries', async () => {
		endpoint = await slowTokenEndpoint('hang');
		const run = await runScript(endpoint.url, 2_000);
		expect(run.token).toBe('in-the-window');
		expect(endpoint.requests()).toBe(1);
		expect(run.exitedAfter - run.printedAfter).toBeGreaterThanOrEqual(1_900);
		// With the usual 3 retries and their backoff it would take four timeouts and more.
		expect(run.exitedAfter - run.printedAfter).toBeLessThan(5_000);
		console.log(`script, hung endpoint, timeout 2 s: token after ${run.printedAfter} ms, exit after ${run.exitedAfter} ms`);
	}, 40_000);
});
