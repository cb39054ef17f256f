/**
 * One worker process of the multi-process Redis tests, driven over stdin/stdout with one JSON object per line.
 * stdin: first the config, then commands (`{ "cmd": "calls", "n": 20 }`, `{ "cmd": "exit" }`).
 * stdout: `{ "ready": true }`, then one report per command. Reports carry counts and error codes, never a token;
 * the config (emulator credentials) comes over stdin so that it is not on the command line.
 */
import { createInterface } from 'node:readline';
import { createCluster } from 'redis';
import { createClient, createTokenManager, dotkernel, isTokenkeeperError } from '../../../src/index.js';
import { RedisTokenStore, type RedisTokenStoreOptions } from '../../../src/redis.js';

export interface WorkerConfig {
	/** `session`: call the API through a shared session; `hold-lock`: take the session's lock and hang until killed. */
	readonly mode: 'session' | 'hold-lock';
	/** One Redis: the store opens its own client from this URL. */
	readonly redisUrl?: string;
	/** A Redis Cluster instead: the worker makes a `createCluster()` client of these node URLs and passes it as `client`. */
	readonly clusterNodes?: readonly string[];
	readonly keyPrefix: string;
	readonly key: string;
	readonly lockTtl?: number;
	readonly dotkernel?: {
		readonly url: string;
		readonly clientId: string;
		readonly clientSecret: string;
		/** Absent: no password grant possible, refresh only (a Sqowey-style session). */
		readonly username?: string;
		readonly password?: string;
	};
}

export interface CallsReport {
	readonly ok: number;
	readonly failed: number;
	/** `name code: message` of each failure (tokenkeeper messages never hold a secret). */
	readonly errors: readonly string[];
}

const lines = createInterface({ input: process.stdin })[Symbol.asyncIterator]();
const send = (value: unknown) => process.stdout.write(`${JSON.stringify(value)}\n`);

async function nextLine(): Promise<unknown> {
	const { value, done } = await lines.next();
	if (done) process.exit(0);
	return JSON.parse(value as string);
}

function describeError(error: unknown): string {
	if (isTokenkeeperError(error)) return `${error.name} ${error.code}: ${error.message}`;
	return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

/** The store `config` asks for, and what closes it (the cluster client is the worker's, so it closes that too). */
async function openStore(config: WorkerConfig): Promise<{ store: RedisTokenStore; close(): Promise<void> }> {
	const options: RedisTokenStoreOptions = { keyPrefix: config.keyPrefix, lockTtl: config.lockTtl };
	if (config.clusterNodes) {
		const client = createCluster({ rootNodes: config.clusterNodes.map((url) => ({ url })) });
		// Node errors surface as failed store calls; an unhandled 'error' event would end the worker.
		client.on('error', () => undefined);
		await client.connect();
		const store = new RedisTokenStore({ client }, options);
		const close = async () => {
			await store.close();
			await client.close();
		};
		return { store, close };
	}
	const store = new RedisTokenStore({ url: config.redisUrl! }, options);
	return { store, close: () => store.close() };
}

async function holdLock(config: WorkerConfig): Promise<never> {
	const { store } = await openStore(config);
	void store.withLock(
		config.key,
		() => {
			send({ locked: true });
			return new Promise<never>(() => undefined);
		},
		{ ttl: 600_000 },
	);
	// Stay alive until killed: the test kills this process while it holds the lock.
	setInterval(() => undefined, 60_000);
	return new Promise<never>(() => undefined);
}

async function session(config: WorkerConfig): Promise<void> {
	const dk = config.dotkernel!;
	const { store, close } = await openStore(config);
	const { username, password } = dk;
	const credentials = username !== undefined && password !== undefined ? async () => ({ username, password }) : undefined;
	const tokens = createTokenManager(dotkernel({ url: dk.url, clientId: dk.clientId, clientSecret: dk.clientSecret, credentials }), {
		store,
		key: config.key,
	});
	const api = createClient({ prefixUrl: `${dk.url}/`, auth: tokens, retry: 0 });
	// Connected before reporting ready: the test times the shared session, not loading node-redis.
	await store.get('warm-up');
	send({ ready: true });
	for (;;) {
		const command = (await nextLine()) as { cmd: string; n?: number };
		if (command.cmd === 'exit') break;
		const results = await Promise.allSettled(
			Array.from({ length: command.n ?? 1 }, () => api.get('user/my-account').json<{ identity?: string }>()),
		);
		const errors = results.flatMap((result) => (result.status === 'rejected' ? [describeError(result.reason)] : []));
		const report: CallsReport = { ok: results.length - errors.length, failed: errors.length, errors };
		send(report);
	}
	await close();
}

const config = (await nextLine()) as WorkerConfig;
if (config.mode === 'hold-lock') await holdLock(config);
else await session(config);
process.exit(0);
