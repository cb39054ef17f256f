import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { createConnection, createServer, type AddressInfo } from 'node:net';
import { delimiter, join } from 'node:path';
import { requireInCI } from './ci.js';

/** A throwaway `redis-server` on a random loopback port: no persistence, killed by `stop()`. */
export interface RedisServer {
	readonly url: string;
	readonly port: number;
	stop(): Promise<void>;
}

const START_TIMEOUT = 10_000;

/** Where `redis-server` is, or `undefined` when it is not installed. */
export function findRedisServer(): string | undefined {
	const dirs = [...(process.env.PATH ?? '').split(delimiter), '/usr/bin', '/usr/sbin', '/usr/local/bin'];
	for (const dir of dirs) {
		const candidate = join(dir, 'redis-server');
		try {
			accessSync(candidate, constants.X_OK);
			return candidate;
		} catch {
			// not here
		}
	}
	return undefined;
}

/**
 * Whether the Redis tests can run. In CI (see `ci.ts`) a missing redis-server is a failure (`.ci/run` installs it):
 * this throws, which fails the test file. Elsewhere the tests are skipped, with a line saying why.
 */
export function requireRedisServerUnlessLocal(): string | undefined {
	const path = findRedisServer();
	return requireInCI(path !== undefined, 'redis-server', '.ci/run installs it with apt-get: apt-get install redis-server')
		? path
		: undefined;
}

/** Start `redis-server` on a free loopback port and wait (bounded) until it answers PING. */
export async function startRedisServer(binary: string): Promise<RedisServer> {
	let lastError: unknown;
	// The free port can be taken between finding it and binding it: try a few.
	for (let attempt = 0; attempt < 3; attempt += 1) {
		const port = await freePort();
		const child = spawn(binary, ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], {
			stdio: ['ignore', 'ignore', 'pipe'],
		});
		try {
			await waitForPing(port, child);
			return { url: `redis://127.0.0.1:${port}`, port, stop: () => stop(child) };
		} catch (error) {
			lastError = error;
			await stop(child);
		}
	}
	throw new Error('redis-server did not start', { cause: lastError });
}

async function freePort(): Promise<number> {
	const server = createServer();
	await new Promise<void>((resolve, reject) => {
		server.once('error', reject);
		server.listen(0, '127.0.0.1', resolve);
	});
	const { port } = server.address() as AddressInfo;
	await new Promise((resolve) => server.close(resolve));
	return port;
}

async function waitForPing(port: number, child: ChildProcess): Promise<void> {
	const deadline = Date.now() + START_TIMEOUT;
	let exited = false;
	child.once('exit', () => {
		exited = true;
	});
	while (Date.now() < deadline) {
		if (exited) throw new Error(`redis-server exited before answering on port ${port}`);
		if (await ping(port)) return;
		await new Promise((resolve) => setTimeout(resolve, 25));
	}
	throw new Error(`redis-server did not answer PING on port ${port} within ${START_TIMEOUT} ms`);
}

function ping(port: number): Promise<boolean> {
	return new Promise((resolve) => {
		const socket = createConnection({ host: '127.0.0.1', port });
		const done = (ok: boolean) => {
			socket.destroy();
			resolve(ok);
		};
		socket.setTimeout(500, () => done(false));
		socket.once('error', () => done(false));
		socket.once('connect', () => socket.write('PING\r\n'));
		socket.once('data', (data) => done(data.toString().startsWith('+PONG')));
	});
}

function stop(child: ChildProcess): Promise<void> {
	if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
	return new Promise((resolve) => {
		const timer = setTimeout(() => child.kill('SIGKILL'), 3_000);
		child.once('exit', () => {
			clearTimeout(timer);
			resolve();
		});
		child.kill('SIGTERM');
	});
}
