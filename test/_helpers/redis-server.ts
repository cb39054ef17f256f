import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { createConnection, createServer, type AddressInfo } from 'node:net';
import { delimiter, join } from 'node:path';
import { requireInCI } from './ci.js';

/** A throwaway `redis-server` on a random loopback port: no persistence, killed by `stop()`. */
export interface RedisServer {
	readonly url: string;
	readonly port: number;
	/** SIGKILL, as a crash or an OOM kill would: no goodbye to clients. Resolves once it has exited. */
	kill(): Promise<void>;
	/** Start it again on the same port, with the same options (after `kill()`); resolves once it answers. */
	restart(): Promise<void>;
	stop(): Promise<void>;
}

const START_TIMEOUT = 10_000;

/** Where an executable is on PATH (or the usual system directories), or `undefined` when it is not installed. */
export function findExecutable(name: string): string | undefined {
	const dirs = [...(process.env.PATH ?? '').split(delimiter), '/usr/bin', '/usr/sbin', '/usr/local/bin'];
	for (const dir of dirs) {
		const candidate = join(dir, name);
		try {
			accessSync(candidate, constants.X_OK);
			return candidate;
		} catch {
			// not here
		}
	}
	return undefined;
}

/** Where `redis-server` is, or `undefined` when it is not installed. */
export function findRedisServer(): string | undefined {
	return findExecutable('redis-server');
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

/**
 * Start `redis-server` on a free loopback port and wait (bounded) until it answers PING. `args` are more options,
 * such as `['--requirepass', password]`.
 */
export async function startRedisServer(binary: string, args: readonly string[] = []): Promise<RedisServer> {
	let lastError: unknown;
	// The free port can be taken between finding it and binding it: try a few.
	for (let attempt = 0; attempt < 3; attempt += 1) {
		const port = await freePort();
		let child = spawnRedis(binary, port, args);
		try {
			await waitForPing(port, child);
			return {
				url: `redis://127.0.0.1:${port}`,
				port,
				kill: () => stopChild(child, 'SIGKILL'),
				async restart() {
					await stopChild(child, 'SIGKILL');
					child = spawnRedis(binary, port, args);
					await waitForPing(port, child);
				},
				stop: () => stopChild(child),
			};
		} catch (error) {
			lastError = error;
			await stopChild(child);
		}
	}
	throw new Error('redis-server did not start', { cause: lastError });
}

/**
 * One `redis-server` on loopback without persistence; `args` come last, so they can add to or override these.
 * A config file, when there is one, must come first (redis-server's rule).
 */
export function spawnRedis(binary: string, port: number, args: readonly string[], configFile?: string): ChildProcess {
	const defaults = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'];
	return spawn(binary, [...(configFile ? [configFile] : []), ...defaults, ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
}

/** A loopback port nothing listens on now. */
export async function freePort(port = 0): Promise<number> {
	const server = createServer();
	await new Promise<void>((resolve, reject) => {
		server.once('error', reject);
		server.listen(port, '127.0.0.1', resolve);
	});
	const { port: bound } = server.address() as AddressInfo;
	await new Promise((resolve) => server.close(resolve));
	return bound;
}

/** Wait (bounded) until the server on `port` answers PING, or fail when `child` exits first. */
export async function waitForPing(port: number, child: ChildProcess): Promise<void> {
	const deadline = Date.now() + START_TIMEOUT;
	let exited = child.exitCode !== null || child.signalCode !== null;
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

/** Whether a Redis answers on `port`: PONG, or NOAUTH from one that wants a password (it is up all the same). */
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
		socket.once('data', (data) => done(/^(\+PONG|-NOAUTH)/.test(data.toString())));
	});
}

/** Stop `child` with `signal` (SIGTERM, then SIGKILL after 3 s) and resolve once it has exited. */
export function stopChild(child: ChildProcess, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
	if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
	return new Promise((resolve) => {
		const timer = setTimeout(() => child.kill('SIGKILL'), 3_000);
		child.once('exit', () => {
			clearTimeout(timer);
			resolve();
		});
		child.kill(signal);
	});
}
