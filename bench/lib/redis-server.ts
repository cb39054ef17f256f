import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { accessSync, constants } from 'node:fs';
import { createConnection, createServer, type AddressInfo } from 'node:net';
import { delimiter, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { sleep, temporaryDirectory, trackChild } from './lifecycle.js';

const START_TIMEOUT = 10_000;

/** A `redis-server` on a fixed loopback port that a benchmark starts, kills and restarts at will. */
export interface RedisServer {
	readonly url: string;
	readonly port: number;
	/** Whether a redis-server process of ours is running now. */
	readonly running: boolean;
	/** Start it (again) on the same port, empty (no persistence); resolves once it answers PING. */
	start(): Promise<void>;
	/** SIGKILL, as a crash or an OOM kill would: no goodbye to the clients. Resolves once it has exited. */
	kill(): Promise<void>;
	/** Stop it if running (SIGTERM, SIGKILL after 3 s). */
	stop(): Promise<void>;
	/** `INFO commandstats` as command name -> calls since it started. */
	commandCalls(): Promise<Map<string, number>>;
}

/** Where `redis-server` is, or `undefined` when it is not installed. */
export function findRedisServer(): string | undefined {
	const directories = [...(process.env.PATH ?? '').split(delimiter), '/usr/bin', '/usr/sbin', '/usr/local/bin'];
	for (const directory of directories) {
		const candidate = join(directory, 'redis-server');
		try {
			accessSync(candidate, constants.X_OK);
			return candidate;
		} catch {
			// not here
		}
	}
	return undefined;
}

/** A loopback port free right now (another process could take it before we bind it: callers retry). */
export async function freePort(): Promise<number> {
	const server = createServer();
	server.listen(0, '127.0.0.1');
	await once(server, 'listening');
	const { port } = server.address() as AddressInfo;
	await new Promise((resolve) => server.close(resolve));
	return port;
}

/**
 * A redis-server on `port` of 127.0.0.1 (a free one by default), not started yet: a benchmark may need the port
 * before Redis is up. No persistence; its working directory is a temp dir removed at exit, and the process is
 * SIGKILLed at exit if still running.
 */
export async function createRedisServer(binary: string, port?: number): Promise<RedisServer> {
	const chosen = port ?? (await freePort());
	const directory = temporaryDirectory('redis');
	let child: ChildProcess | undefined;

	const running = () => child !== undefined && child.exitCode === null && child.signalCode === null;
	const exited = async (process: ChildProcess) => {
		if (process.exitCode === null && process.signalCode === null) await once(process, 'exit');
	};

	return {
		url: `redis://127.0.0.1:${chosen}`,
		port: chosen,
		get running() {
			return running();
		},
		async start() {
			if (running()) throw new Error(`redis-server on port ${chosen} is already running`);
			const started = trackChild(
				spawn(binary, ['--port', String(chosen), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', directory], {
					stdio: ['ignore', 'ignore', 'pipe'],
				}),
			);
			child = started;
			let stderr = '';
			started.stderr?.on('data', (chunk: Buffer) => {
				if (stderr.length < 4_000) stderr += chunk.toString();
			});
			const deadline = performance.now() + START_TIMEOUT;
			while (performance.now() < deadline) {
				if (!running()) throw new Error(`redis-server exited before answering on port ${chosen}: ${stderr.trim()}`);
				if ((await command(chosen, 'PING').catch(() => '')).startsWith('+PONG')) return;
				await sleep(20);
			}
			started.kill('SIGKILL');
			throw new Error(`redis-server did not answer PING on port ${chosen} within ${START_TIMEOUT} ms`);
		},
		async kill() {
			const current = child;
			if (!current || !running()) return;
			current.kill('SIGKILL');
			await exited(current);
		},
		async stop() {
			const current = child;
			if (!current || !running()) return;
			const timer = setTimeout(() => current.kill('SIGKILL'), 3_000);
			current.kill('SIGTERM');
			await exited(current);
			clearTimeout(timer);
		},
		async commandCalls() {
			return parseCommandStats(await command(chosen, 'INFO commandstats'));
		},
	};
}

/** `cmdstat_get:calls=3,usec=…` lines as `get` -> 3. */
function parseCommandStats(info: string): Map<string, number> {
	const calls = new Map<string, number>();
	for (const match of info.matchAll(/^cmdstat_([^:]+):calls=(\d+)/gm)) calls.set(match[1]!, Number(match[2]));
	return calls;
}

/** Commands counted in `after` and not in `before`, by name, leaving out `ignored` (e.g. our own INFO). */
export function commandsBetween(
	before: ReadonlyMap<string, number>,
	after: ReadonlyMap<string, number>,
	ignored: readonly string[] = ['info'],
): Map<string, number> {
	const difference = new Map<string, number>();
	for (const [name, calls] of after) {
		const added = calls - (before.get(name) ?? 0);
		if (added > 0 && !ignored.includes(name)) difference.set(name, added);
	}
	return difference;
}

/**
 * One inline command on a connection of its own, outside any client under test, so it neither shares their
 * connection nor their reconnect logic. Resolves with the raw reply once it is complete (a simple line or one bulk
 * string); rejects after a second.
 */
function command(port: number, text: string): Promise<string> {
	return new Promise((resolve, reject) => {
		const socket = createConnection({ host: '127.0.0.1', port });
		let reply = '';
		const finish = (error?: Error) => {
			socket.destroy();
			if (error) reject(error);
			else resolve(reply);
		};
		socket.setTimeout(1_000, () => finish(new Error(`no reply to ${text} within 1 s`)));
		socket.once('error', finish);
		socket.once('connect', () => socket.write(`${text}\r\n`));
		socket.on('data', (chunk: Buffer) => {
			reply += chunk.toString('utf8');
			if (isComplete(reply)) finish();
		});
	});
}

function isComplete(reply: string): boolean {
	if (!reply.startsWith('$')) return reply.endsWith('\r\n');
	const header = reply.indexOf('\r\n');
	if (header < 0) return false;
	const length = Number(reply.slice(1, header));
	// Bulk length counts bytes; INFO's text is ASCII, so characters are bytes.
	return length < 0 || reply.length >= header + 2 + length + 2;
}
