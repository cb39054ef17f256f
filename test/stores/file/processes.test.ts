import { readdirSync, readFileSync } from 'node:fs';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createTokenManager, dotkernel } from '../../../src/index.js';
import { FileTokenStore } from '../../../src/file.js';
import { createEmulator, type Emulator } from '../../../src/testing/index.js';
import { createScratch, sessionPath } from '../../_helpers/file-store.js';
import { startWorker, type WorkerProcess } from '../../_helpers/worker-processes.js';
import type { CallsReport, FileWorkerConfig } from './_worker.js';

const WORKER = 'test/stores/file/_worker.ts';
const WORKERS = 6;
const CALLS_PER_WORKER = 20;

const scratch = createScratch('tokenkeeper-file-processes-');
let emulator: Emulator;
const workers: WorkerProcess[] = [];

beforeAll(async () => {
	emulator = await createEmulator();
});
afterAll(async () => {
	await emulator?.close();
	scratch.remove();
});
afterEach(async () => {
	await Promise.all(workers.splice(0).map((worker) => worker.kill('SIGKILL')));
	emulator?.resetCounters();
});

function start(config: FileWorkerConfig): WorkerProcess {
	const worker = startWorker(WORKER, config);
	workers.push(worker);
	return worker;
}

/** Start `count` workers with `config` and wait until each is ready (bounded). */
async function startWorkers(count: number, config: FileWorkerConfig): Promise<WorkerProcess[]> {
	const started = Array.from({ length: count }, () => start(config));
	await Promise.all(started.map((worker) => worker.next(30_000)));
	return started;
}

/** Every worker makes `n` concurrent API calls at the same moment; resolves with their reports. */
async function allCall(group: WorkerProcess[], n: number): Promise<CallsReport[]> {
	for (const worker of group) worker.send({ cmd: 'calls', n });
	return Promise.all(group.map((worker) => worker.next<CallsReport>(30_000)));
}

function dotkernelConfig(withPassword: boolean): NonNullable<FileWorkerConfig['dotkernel']> {
	const { url, clientId, clientSecret, username, password } = emulator.credentials.dotkernel;
	return withPassword ? { url, clientId, clientSecret, username, password } : { url, clientId, clientSecret };
}

function expectEveryCallSucceeded(reports: CallsReport[]): void {
	expect(reports.flatMap((report) => report.errors)).toEqual([]);
	expect(reports.map((report) => report.ok)).toEqual(Array(WORKERS).fill(CALLS_PER_WORKER));
}

/** The session file's version and meta as a reader finds it (the version is in the access token: `access-v<n>`). */
async function readVersion(dir: string, key: string): Promise<{ version: number; metaVersion: string | undefined; blob: number }> {
	const store = new FileTokenStore({ dir });
	const [tokenSet, meta] = [await store.get(key), await store.getMeta(key)];
	return { version: Number(tokenSet?.accessToken.replace('access-v', '')), metaVersion: meta?.version, blob: meta?.blob?.length ?? 0 };
}

describe('many processes, one session, through FileTokenStore', () => {
	it('a killed lock holder blocks the session for its lease (lockTtl 1 000 ms; under 5 s on a loaded machine), not until waiters give up; then the lock is free', async () => {
		const dir = scratch.newDir();
		const holder = start({ mode: 'hold-lock', dir, key: 'session', lockTtl: 1_000 });
		await holder.next(30_000);
		const store = new FileTokenStore({ dir, lockTtl: 1_000 });
		// Held, and renewed past its first lease while the holder lives.
		await new Promise((resolve) => setTimeout(resolve, 1_200));
		await expect(store.withLock('session', async () => 'no', { signal: AbortSignal.timeout(200) })).rejects.toMatchObject({
			name: 'TimeoutError',
		});
		await holder.kill('SIGKILL');
		const killedAt = performance.now();
		await store.withLock('session', async () => undefined);
		const blocked = performance.now() - killedAt;
		console.log(`file lock: blocked ${Math.round(blocked)} ms after its holder was killed (lease 1 000 ms)`);
		// The lock expires a lease after the last renewal, at most a third of a lease before the kill on an idle
		// machine. The bounds catch what they are for: a lock freed at the kill (0 ms) and one held until the waiters
		// give up (lockWaitTimeout, 60 s), with room for a loaded machine.
		expect(blocked).toBeGreaterThanOrEqual(100);
		expect(blocked).toBeLessThanOrEqual(5_000);
		expect(readdirSync(dir).filter((name) => name.includes('.lock'))).toEqual([]);
	}, 40_000);

	it(`${WORKERS} worker processes share one Dotkernel session: cold start -> exactly 1 password grant; ` +
		'all access tokens expired -> exactly 1 refresh, 0 reuse; every call in every process succeeds', async () => {
		const group = await startWorkers(WORKERS, {
			mode: 'session',
			dir: scratch.newDir(),
			key: 'shared-session',
			dotkernel: dotkernelConfig(true),
		});
		emulator.resetCounters();

		const cold = await allCall(group, CALLS_PER_WORKER);
		expectEveryCallSucceeded(cold);
		expect(emulator.counters().tokenRequests).toMatchObject({ total: 1, password: 1, refresh_token: 0 });

		emulator.expireAllTokens();
		emulator.resetCounters();
		const expired = await allCall(group, CALLS_PER_WORKER);
		expectEveryCallSucceeded(expired);
		const counters = emulator.counters();
		expect(counters.tokenRequests).toMatchObject({ total: 1, password: 0, refresh_token: 1 });
		expect(counters.refreshTokenReuse).toBe(0);
		expect(counters.apiRequests.ok).toBe(WORKERS * CALLS_PER_WORKER);
	}, 90_000);

	it(`${WORKERS} worker processes share a refresh-only (Sqowey-style, no password fallback) session: ` +
		'all access tokens expired -> exactly 1 refresh, 0 reuse; every call succeeds', async () => {
		const dir = scratch.newDir();
		// The session comes from elsewhere (a login the workers cannot repeat): one password grant, here.
		const { url, clientId, clientSecret, username, password } = emulator.credentials.dotkernel;
		const seeded = await createTokenManager(dotkernel({ url, clientId, clientSecret, credentials: async () => ({ username, password }) }), {
			store: new FileTokenStore({ dir }),
			key: 'shared-session',
		}).getToken();
		expect(seeded.refreshToken).toBeDefined();

		const group = await startWorkers(WORKERS, { mode: 'session', dir, key: 'shared-session', dotkernel: dotkernelConfig(false) });
		emulator.expireAllTokens();
		emulator.resetCounters();

		const reports = await allCall(group, CALLS_PER_WORKER);
		expectEveryCallSucceeded(reports);
		const counters = emulator.counters();
		expect(counters.tokenRequests).toMatchObject({ total: 1, password: 0, refresh_token: 1 });
		expect(counters.refreshTokenReuse).toBe(0);
	}, 90_000);
});

describe('a writer killed with SIGKILL mid-write', () => {
	it('between its flushed temporary file and the rename: the previous session reads back intact, the temporary file is no session, and the next write clears it after the lease', async () => {
		const dir = scratch.newDir();
		const writer = start({ mode: 'write-then-pause', dir, key: 'k', lockTtl: 1_000 });
		expect(await writer.next(30_000)).toEqual({ wrote: 0 });
		const { paused } = await writer.next<{ paused: string }>(30_000);
		await writer.kill('SIGKILL');

		expect(readFileSync(paused, 'utf8')).toContain('access-v1');
		expect(await readVersion(dir, 'k')).toEqual({ version: 0, metaVersion: '0', blob: 0 });
		const store = new FileTokenStore({ dir, lockTtl: 1_000 });
		expect((await store.list()).map((entry) => ('key' in entry ? entry.key : entry.error.message))).toEqual(['k']);

		// The killed writer left its write lock: the next write waits out its lease, then removes the leftover.
		const started = performance.now();
		await store.set('k', (await import('../../../src/index.js')).createTokenSet({ accessToken: 'access-v2' }));
		const waited = performance.now() - started;
		console.log(`file store: next write after a writer killed mid-write waited ${Math.round(waited)} ms (lease 1 000 ms)`);
		expect(waited).toBeLessThanOrEqual(5_000);
		expect(readdirSync(dir).filter((name) => name !== sessionPath(dir, 'k').split('/').pop())).toEqual([]);
	}, 40_000);

	it('at a random moment of a loop of 4 MB writes, 6 times: every read finds one whole version, tokens and meta alike', async () => {
		const found: Array<{ version: number; leftovers: number }> = [];
		for (let round = 0; round < 6; round += 1) {
			const dir = scratch.newDir();
			const writer = start({ mode: 'write-loop', dir, key: 'k', blobSize: 4_000_000 });
			const { wrote } = await writer.next<{ wrote: number }>(30_000);
			expect(wrote).toBe(1);
			await new Promise((resolve) => setTimeout(resolve, 20 + Math.random() * 200));
			await writer.kill('SIGKILL');
			const read = await readVersion(dir, 'k');
			expect(read.version).toBeGreaterThanOrEqual(1);
			expect(read).toEqual({ version: read.version, metaVersion: String(read.version), blob: 4_000_000 });
			found.push({ version: read.version, leftovers: readdirSync(dir).filter((name) => name.includes('.tmp-')).length });
		}
		console.log(`file store: versions read after each kill ${JSON.stringify(found)}`);
	}, 120_000);
});
