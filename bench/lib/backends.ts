import { createEmulator, type Emulator } from 'tokenkeeper/testing';
import { redisVersion } from './environment.js';
import { createRedisServer, findRedisServer, type RedisServer } from './redis-server.js';
import type { SessionWorkerConfig } from './session-protocol.js';

/** How slow and short-lived the emulated Dotkernel is. */
export interface BackendOptions {
	/** ms before the token endpoint answers (the emulator's `tokenLatency`). */
	readonly tokenLatency: number;
	/** Access-token lifetime in seconds (`dotkernel.expiresIn`). */
	readonly expiresIn: number;
	/** Start Redis now (default) or leave its port reserved for later. */
	readonly startRedis?: boolean;
}

/** A redis-server and a Dotkernel emulator on 127.0.0.1, and the worker config that points at both. */
export interface Backends {
	readonly redis: RedisServer;
	readonly emulator: Emulator;
	/** `Redis 7.0.15 on 127.0.0.1:port`, for the header. */
	readonly redisDescription: string;
	/** A worker config for this Redis and emulator; the rest is the caller's. */
	workerConfig(rest: Omit<SessionWorkerConfig, 'redisUrl' | 'dotkernel'>): SessionWorkerConfig;
	close(): Promise<void>;
}

/**
 * Start both backends, or return `undefined` (after saying so) when redis-server is not installed: a benchmark
 * that cannot run says SKIPPED and exits 0, since nothing was measured wrongly.
 */
export async function startBackends(options: BackendOptions): Promise<Backends | undefined> {
	const binary = findRedisServer();
	if (!binary) {
		console.log('  SKIPPED: redis-server is not installed (apt-get install redis-server)');
		return undefined;
	}
	const redis = await createRedisServer(binary);
	if (options.startRedis !== false) await redis.start();
	const emulator = await createEmulator({
		providers: ['dotkernel'],
		tokenLatency: options.tokenLatency,
		dotkernel: { expiresIn: options.expiresIn },
	});
	const { url, clientId, clientSecret, username, password } = emulator.credentials.dotkernel;
	return {
		redis,
		emulator,
		redisDescription: `${redisVersion(binary)} on 127.0.0.1:${redis.port}`,
		workerConfig: (rest) => ({ ...rest, redisUrl: redis.url, dotkernel: { url, clientId, clientSecret, username, password } }),
		async close() {
			await emulator.close();
			await redis.stop();
		},
	};
}
