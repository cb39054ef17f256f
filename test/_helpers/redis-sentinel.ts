import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type RedisServer, freePort, spawnRedis, startRedisServer, stopChild, waitForPing } from './redis-server.js';

/** A throwaway primary and one Sentinel watching it (as `mymaster`), on loopback. */
export interface RedisSentinelSetup {
	readonly primary: RedisServer;
	/** Options for node-redis's `createSentinel()`. */
	readonly sentinel: { readonly name: string; readonly sentinelRootNodes: ReadonlyArray<{ host: string; port: number }> };
	stop(): Promise<void>;
}

const NAME = 'mymaster';

/**
 * Start a primary and a Sentinel (`redis-server <conf> --sentinel`: Debian's redis-server runs as one, no separate
 * package), and wait (bounded) until the Sentinel answers. Throws when either cannot start.
 */
export async function startRedisSentinel(binary: string): Promise<RedisSentinelSetup> {
	const primary = await startRedisServer(binary);
	const dir = await mkdtemp(join(tmpdir(), 'tokenkeeper-sentinel-'));
	const port = await freePort();
	// Sentinel rewrites its config file, so it lives in a directory of its own.
	const conf = join(dir, 'sentinel.conf');
	await writeFile(conf, [`dir ${dir}`, `sentinel monitor ${NAME} 127.0.0.1 ${primary.port} 1`, ''].join('\n'));
	const child = spawnRedis(binary, port, ['--sentinel'], conf);
	const stop = async () => {
		await stopChild(child, 'SIGKILL');
		await primary.stop();
		await rm(dir, { recursive: true, force: true });
	};
	try {
		await waitForPing(port, child);
	} catch (error) {
		await stop();
		throw error;
	}
	return { primary, sentinel: { name: NAME, sentinelRootNodes: [{ host: '127.0.0.1', port }] }, stop };
}
