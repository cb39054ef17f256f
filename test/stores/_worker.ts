/**
 * One worker process of the multi-process Redis tests, driven over stdin/stdout with one JSON object per line.
 * stdin: first the config, then commands (`{ "cmd": "calls", "n": 20 }`, `{ "cmd": "exit" }`).
 * stdout: `{ "ready": true }`, then one report per command. Reports carry counts and error codes, never a token;
 * the config (emulator credentials) comes over stdin so that it is not on the command line.
 */
import { createInterface } from 'node:readline';
import { createClient, createTokenManager, dotkernel, isTokenkeeperError } from '../../src/index.js';
import { RedisTokenStore } from '../../src/redis.js';

export interface WorkerConfig {
	/** `session`: call the API through a shared session; `hold-lock`: take the session's lock and hang until killed. */
	readonly mode: 'session' | 'hold-lock';
	readonly redisUrl: string;
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

async function holdLock(config: WorkerConfig): Promise<never> {
	const store = new RedisTokenStore({ url: config.redisUrl }, { keyPrefix: config.keyPrefix, lockTtl: config.lockTtl });
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
	const store = new RedisTokenStore({ url: config.redisUrl }, { keyPrefix: config.keyPrefix, lockTtl: config.lockTtl });
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
	await store.close();
}

const config = (await nextLine()) as WorkerConfig;
if (config.mode === 'hold-lock') await holdLock(config);
else await session(config);
process.exit(0);
