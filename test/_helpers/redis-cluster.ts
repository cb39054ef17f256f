import { type ChildProcess, execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { requireInCI } from './ci.js';
import { findExecutable, freePort, spawnRedis, stopChild, waitForPing } from './redis-server.js';

const run = promisify(execFile);

/** A throwaway Redis Cluster of primaries on loopback, without replicas or persistence. */
export interface RedisCluster {
	readonly ports: readonly number[];
	/** `rootNodes` for node-redis's `createCluster()`: every node. */
	readonly rootNodes: ReadonlyArray<{ readonly url: string }>;
	/** `redis-cli -p <first node> <args>` (no cluster redirection): for `CLUSTER KEYSLOT` and the like. */
	cli(...args: string[]): Promise<string>;
	/** SIGKILL the node on `port`, as a crash would (no replica takes over: there are none). */
	killNode(port: number): Promise<void>;
	/** Kill every node and remove their directory. */
	stop(): Promise<void>;
}

/** The binaries a cluster needs. */
export interface RedisClusterTools {
	readonly server: string;
	readonly cli: string;
}

const CREATE_TIMEOUT = 30_000;
const STATE_TIMEOUT = 20_000;
const CLI_TIMEOUT = 5_000;

/**
 * Whether the cluster tests can run: redis-server and redis-cli installed. In CI a missing one fails the test file
 * (`.ci/run` installs both); elsewhere the tests are skipped, with a line saying why.
 */
export function requireRedisClusterUnlessLocal(): RedisClusterTools | undefined {
	const server = findExecutable('redis-server');
	const cli = findExecutable('redis-cli');
	const found = requireInCI(
		server !== undefined && cli !== undefined,
		'redis-server and redis-cli',
		'.ci/run installs them with apt-get: apt-get install redis-server redis-tools',
	);
	return found ? { server: server!, cli: cli! } : undefined;
}

/**
 * A port whose cluster bus port (port + 10 000) is free too, below Linux's ephemeral range (32 768 and up), so that
 * outgoing connections are unlikely to take either before the node binds them.
 */
async function clusterPort(taken: ReadonlySet<number>): Promise<number> {
	for (let attempt = 0; attempt < 50; attempt += 1) {
		const port = 20_000 + Math.floor(Math.random() * 12_000);
		if (taken.has(port) || taken.has(port + 10_000)) continue;
		try {
			await freePort(port);
			await freePort(port + 10_000);
			return port;
		} catch {
			// in use: try another
		}
	}
	throw new Error('found no free pair of ports (port, port + 10000) for a cluster node');
}

/**
 * Start `nodes` `redis-server --cluster-enabled yes` on loopback, join them with `redis-cli --cluster create`
 * (no replicas), and wait (bounded) until every node says `cluster_state:ok`. Throws, with what the tools said, when
 * the cluster cannot start: under CI that fails the tests, it never skips them.
 */
export async function startRedisCluster(tools: RedisClusterTools, nodes = 3): Promise<RedisCluster> {
	const dir = await mkdtemp(join(tmpdir(), 'tokenkeeper-cluster-'));
	const children: ChildProcess[] = [];
	const ports: number[] = [];
	const stop = async () => {
		await Promise.all(children.map((child) => stopChild(child, 'SIGKILL')));
		await rm(dir, { recursive: true, force: true });
	};
	const cli = async (port: number, args: readonly string[], timeout = CLI_TIMEOUT) =>
		(await run(tools.cli, ['-h', '127.0.0.1', '-p', String(port), ...args], { timeout })).stdout;
	try {
		for (let index = 0; index < nodes; index += 1) {
			const port = await clusterPort(new Set(ports.flatMap((taken) => [taken, taken + 10_000])));
			ports.push(port);
			const args = ['--cluster-enabled', 'yes', '--cluster-config-file', join(dir, `nodes-${port}.conf`), '--dir', dir];
			children.push(spawnRedis(tools.server, port, args));
		}
		await Promise.all(ports.map((port, index) => waitForPing(port, children[index]!)));
		const addresses = ports.map((port) => `127.0.0.1:${port}`);
		await cli(ports[0]!, ['--cluster', 'create', ...addresses, '--cluster-replicas', '0', '--cluster-yes'], CREATE_TIMEOUT);
		await waitForClusterState(ports, (port) => cli(port, ['cluster', 'info']));
	} catch (error) {
		await stop();
		const said = (error as { stderr?: string; stdout?: string }).stderr || (error as { stdout?: string }).stdout || '';
		throw new Error(`the Redis Cluster did not start on ports ${ports.join(', ')}${said ? `: ${said.trim()}` : ''}`, { cause: error });
	}
	return {
		ports,
		rootNodes: ports.map((port) => ({ url: `redis://127.0.0.1:${port}` })),
		cli: (...args) => cli(ports[0]!, args),
		killNode: (port) => stopChild(children[ports.indexOf(port)]!, 'SIGKILL'),
		stop,
	};
}

/** Until every node reports `cluster_state:ok` (all 16 384 slots served), within {@link STATE_TIMEOUT}. */
async function waitForClusterState(ports: readonly number[], info: (port: number) => Promise<string>): Promise<void> {
	const deadline = Date.now() + STATE_TIMEOUT;
	let last = '';
	for (;;) {
		const states = await Promise.all(ports.map((port) => info(port).catch((error: unknown) => String(error))));
		if (states.every((state) => state.includes('cluster_state:ok'))) return;
		last = states.map((state, index) => `${ports[index]}: ${/cluster_state:\w+/.exec(state)?.[0] ?? state.trim()}`).join('; ');
		if (Date.now() > deadline) throw new Error(`the cluster was not ok within ${STATE_TIMEOUT} ms (${last})`);
		await new Promise((resolve) => setTimeout(resolve, 100));
	}
}
