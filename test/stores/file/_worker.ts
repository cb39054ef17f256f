/**
 * One worker process of the multi-process file-store tests, driven over stdin/stdout with one JSON object per line,
 * like `_worker.ts` for Redis. stdin: the config, then commands (`{ "cmd": "calls", "n": 20 }`, `{ "cmd": "exit" }`).
 * stdout: `{ "ready": true }`, then one line per event. Lines carry counts, versions and error codes, never a token.
 */
import { createInterface } from 'node:readline';
import { createClient, createTokenManager, createTokenSet, dotkernel, isTokenkeeperError } from '../../../src/index.js';
import { FileTokenStore } from '../../../src/file.js';
import { FILE_SYSTEM, nodeFileSystem, type FileStoreSeams, type FileSystem } from '../../../src/stores/file/io.js';

export interface FileWorkerConfig {
	/**
	 * `session`: call the API through a shared session. `hold-lock`: take the session's lock and hang until killed.
	 * `write-then-pause`: write version 0, then write version 1 and stop between its flushed temporary file and the
	 * rename, until killed. `write-loop`: write versions 1, 2, 3… with a large `meta` blob each, until killed.
	 */
	readonly mode: 'session' | 'hold-lock' | 'write-then-pause' | 'write-loop';
	readonly dir: string;
	readonly key: string;
	readonly lockTtl?: number;
	/** `write-loop`: characters of the blob in each version's meta. */
	readonly blobSize?: number;
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
	readonly errors: readonly string[];
}

const lines = createInterface({ input: process.stdin })[Symbol.asyncIterator]();
const send = (value: unknown) => process.stdout.write(`${JSON.stringify(value)}\n`);
const hang = () => {
	// Stay alive until killed: the test kills this process at the moment it chose.
	setInterval(() => undefined, 60_000);
	return new Promise<never>(() => undefined);
};

async function nextLine(): Promise<unknown> {
	const { value, done } = await lines.next();
	if (done) process.exit(0);
	return JSON.parse(value as string);
}

function describeError(error: unknown): string {
	if (isTokenkeeperError(error)) return `${error.name} ${error.code}: ${error.message}`;
	return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

/** The token set of one written version: its number is in the access token, so a reader can tell which it got. */
function versionTokens(version: number) {
	return createTokenSet({ accessToken: `access-v${version}`, refreshToken: `refresh-v${version}`, expiresIn: 3_600 });
}

async function holdLock(config: FileWorkerConfig): Promise<never> {
	const store = new FileTokenStore({ dir: config.dir, lockTtl: config.lockTtl });
	void store.withLock(
		config.key,
		() => {
			send({ locked: true });
			return new Promise<never>(() => undefined);
		},
		{ ttl: 600_000 },
	);
	return hang();
}

async function writeThenPause(config: FileWorkerConfig): Promise<never> {
	let pausing = false;
	// Through the internal seam: the rename of a flushed temporary file over the session waits for the kill.
	const pausingFs: FileSystem = {
		...nodeFileSystem,
		rename: async (from, to) => {
			if (!pausing) return nodeFileSystem.rename(from, to);
			send({ paused: String(from) });
			return hang();
		},
	};
	const options: ConstructorParameters<typeof FileTokenStore>[0] & FileStoreSeams = {
		dir: config.dir,
		lockTtl: config.lockTtl,
		[FILE_SYSTEM]: pausingFs,
	};
	const store = new FileTokenStore(options);
	await store.set(config.key, versionTokens(0), { meta: { version: '0' } });
	send({ wrote: 0 });
	pausing = true;
	await store.set(config.key, versionTokens(1), { meta: { version: '1' } });
	return hang();
}

async function writeLoop(config: FileWorkerConfig): Promise<never> {
	const store = new FileTokenStore({ dir: config.dir, lockTtl: config.lockTtl });
	const blob = 'x'.repeat(config.blobSize ?? 1_000_000);
	for (let version = 1; ; version += 1) {
		await store.set(config.key, versionTokens(version), { meta: { version: String(version), blob } });
		send({ wrote: version });
	}
}

async function session(config: FileWorkerConfig): Promise<void> {
	const dk = config.dotkernel!;
	const store = new FileTokenStore({ dir: config.dir, lockTtl: config.lockTtl });
	const { username, password } = dk;
	const credentials = username !== undefined && password !== undefined ? async () => ({ username, password }) : undefined;
	const tokens = createTokenManager(dotkernel({ url: dk.url, clientId: dk.clientId, clientSecret: dk.clientSecret, credentials }), {
		store,
		key: config.key,
	});
	const api = createClient({ prefixUrl: `${dk.url}/`, auth: tokens, retry: 0 });
	send({ ready: true });
	for (;;) {
		const command = (await nextLine()) as { cmd: string; n?: number };
		if (command.cmd === 'exit') break;
		const results = await Promise.allSettled(Array.from({ length: command.n ?? 1 }, () => api.get('user/my-account').json()));
		const errors = results.flatMap((result) => (result.status === 'rejected' ? [describeError(result.reason)] : []));
		const report: CallsReport = { ok: results.length - errors.length, failed: errors.length, errors };
		send(report);
	}
}

const config = (await nextLine()) as FileWorkerConfig;
if (config.mode === 'hold-lock') await holdLock(config);
else if (config.mode === 'write-then-pause') await writeThenPause(config);
else if (config.mode === 'write-loop') await writeLoop(config);
else await session(config);
process.exit(0);
