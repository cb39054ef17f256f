import { createCluster } from 'redis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createTokenManager, dotkernel } from '../../../src/index.js';
import { RedisTokenStore } from '../../../src/redis.js';
import { createEmulator, type Emulator } from '../../../src/testing/index.js';
import { requireRedisClusterUnlessLocal, startRedisCluster, type RedisCluster } from '../../_helpers/redis-cluster.js';
import { requireRedisServerUnlessLocal, startRedisServer, type RedisServer } from '../../_helpers/redis-server.js';
import { startWorker, type WorkerProcess } from '../../_helpers/worker-processes.js';
import type { CallsReport, WorkerConfig } from './_worker.js';

const WORKER = 'test/stores/redis/_worker.ts';
const WORKERS = 6;
const CALLS_PER_WORKER = 20;

const binary = requireRedisServerUnlessLocal();
const clusterTools = requireRedisClusterUnlessLocal();

let server: RedisServer;
let cluster: RedisCluster | undefined;
let emulator: Emulator;
const workers: WorkerProcess[] = [];
let prefixCount = 0;
const newPrefix = () => {
	prefixCount += 1;
	return `processes${prefixCount}:`;
};

beforeAll(async () => {
	if (!binary) return;
	[server, cluster, emulator] = await Promise.all([
		startRedisServer(binary),
		clusterTools ? startRedisCluster(clusterTools) : undefined,
		createEmulator(),
	]);
}, 60_000);
afterAll(async () => {
	await emulator?.close();
	await server?.stop();
	await cluster?.stop();
});
afterEach(async () => {
	await Promise.all(workers.splice(0).map((worker) => worker.kill('SIGKILL')));
	emulator?.resetCounters();
});

/** Start `count` workers with `config` and wait until each is ready (bounded). */
async function startWorkers(count: number, config: WorkerConfig): Promise<WorkerProcess[]> {
	const started = Array.from({ length: count }, () => startWorker(WORKER, config));
	workers.push(...started);
	await Promise.all(started.map((worker) => worker.next(30_000)));
	return started;
}

/** Every worker makes `n` concurrent API calls at the same moment; resolves with their reports. */
async function allCall(group: WorkerProcess[], n: number): Promise<CallsReport[]> {
	for (const worker of group) worker.send({ cmd: 'calls', n });
	return Promise.all(group.map((worker) => worker.next<CallsReport>(30_000)));
}

function dotkernelConfig(withPassword: boolean): NonNullable<WorkerConfig['dotkernel']> {
	const { url, clientId, clientSecret, username, password } = emulator.credentials.dotkernel;
	return withPassword ? { url, clientId, clientSecret, username, password } : { url, clientId, clientSecret };
}

function expectEveryCallSucceeded(reports: CallsReport[]): void {
	expect(reports.flatMap((report) => report.errors)).toEqual([]);
	expect(reports.map((report) => report.ok)).toEqual(Array(WORKERS).fill(CALLS_PER_WORKER));
}

/** Where the workers and this test find Redis: one server (the store's own client), or a cluster (a client of theirs). */
interface Backend {
	readonly name: string;
	/** Its tools are installed (under CI they must be: see `requireInCI`). */
	readonly available: boolean;
	readonly workerConfig: () => Pick<WorkerConfig, 'redisUrl' | 'clusterNodes'>;
	/** A store in this test process, and what closes it. */
	readonly openStore: (keyPrefix: string) => Promise<{ store: RedisTokenStore; close(): Promise<void> }>;
}

const backends: Backend[] = [
	{
		name: 'one Redis',
		available: binary !== undefined,
		workerConfig: () => ({ redisUrl: server.url }),
		openStore: async (keyPrefix) => {
			const store = new RedisTokenStore({ url: server.url }, { keyPrefix });
			return { store, close: () => store.close() };
		},
	},
	{
		name: 'a 3-node Redis Cluster',
		available: binary !== undefined && clusterTools !== undefined,
		workerConfig: () => ({ clusterNodes: cluster!.rootNodes.map((node) => node.url) }),
		openStore: async (keyPrefix) => {
			const client = createCluster({ rootNodes: [...cluster!.rootNodes] });
			client.on('error', () => undefined);
			await client.connect();
			const store = new RedisTokenStore({ client }, { keyPrefix });
			const close = async () => {
				await store.close();
				await client.close();
			};
			return { store, close };
		},
	},
];

describe.each(backends.filter((backend) => backend.available))(
	'many processes, one session, through RedisTokenStore on $name',
	(backend) => {
		it('a killed lock holder blocks the session for its lease (lockTtl 1 000 ms; under 5 s on a loaded machine), not until waiters give up; then the lock is free', async () => {
			const keyPrefix = newPrefix();
			const holder = startWorker(WORKER, {
				mode: 'hold-lock',
				...backend.workerConfig(),
				keyPrefix,
				key: 'session',
				lockTtl: 1_000,
			} satisfies WorkerConfig);
			workers.push(holder);
			await holder.next(30_000);
			const { store, close } = await backend.openStore(keyPrefix);
			try {
				// Held, and renewed past its first lease while the holder lives.
				await new Promise((resolve) => setTimeout(resolve, 1_200));
				await expect(store.withLock('session', async () => 'no', { signal: AbortSignal.timeout(200) })).rejects.toMatchObject({
					name: 'TimeoutError',
				});
				await holder.kill('SIGKILL');
				const killedAt = performance.now();
				await store.withLock('session', async () => undefined);
				const blocked = performance.now() - killedAt;
				// The key expires a lease after the last renewal, which was at most a third of a lease before the kill on
				// an idle machine, earlier on a loaded one. The bounds catch what they are for: a lock freed at the kill
				// (0 ms) and one held until the waiters give up (lockWaitTimeout, 60 s), with room for a loaded machine.
				expect(blocked).toBeGreaterThanOrEqual(100);
				expect(blocked).toBeLessThanOrEqual(5_000);
			} finally {
				await close();
			}
		}, 40_000);

		it(`${WORKERS} worker processes share one Dotkernel session: cold start -> exactly 1 password grant; ` +
			'all access tokens expired -> exactly 1 refresh, 0 reuse; every call in every process succeeds', async () => {
			const config: WorkerConfig = {
				mode: 'session',
				...backend.workerConfig(),
				keyPrefix: newPrefix(),
				key: 'shared-session',
				dotkernel: dotkernelConfig(true),
			};
			const group = await startWorkers(WORKERS, config);
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
			const keyPrefix = newPrefix();
			// The session comes from elsewhere (a login the workers cannot repeat): one password grant, here.
			const { store: seedStore, close: closeSeedStore } = await backend.openStore(keyPrefix);
			const { url, clientId, clientSecret, username, password } = emulator.credentials.dotkernel;
			const seeded = await createTokenManager(
				dotkernel({ url, clientId, clientSecret, credentials: async () => ({ username, password }) }),
				{
					store: seedStore,
					key: 'shared-session',
				},
			).getToken();
			expect(seeded.refreshToken).toBeDefined();
			await closeSeedStore();

			const group = await startWorkers(WORKERS, {
				mode: 'session',
				...backend.workerConfig(),
				keyPrefix,
				key: 'shared-session',
				dotkernel: dotkernelConfig(false),
			});
			emulator.expireAllTokens();
			emulator.resetCounters();

			const reports = await allCall(group, CALLS_PER_WORKER);
			expectEveryCallSucceeded(reports);
			const counters = emulator.counters();
			expect(counters.tokenRequests).toMatchObject({ total: 1, password: 0, refresh_token: 1 });
			expect(counters.refreshTokenReuse).toBe(0);
		}, 90_000);
	},
);
