import { createClient, createCluster } from 'redis';
import { afterEach, describe, expect, it } from 'vitest';
import { createTokenSet, isStoreError, isTokenkeeperError, type StoreError, type TokenSet } from '../../../src/index.js';
import { RedisTokenStore } from '../../../src/redis.js';
import { requireRedisClusterUnlessLocal, startRedisCluster } from '../../_helpers/redis-cluster.js';
import { requireRedisServerUnlessLocal, startRedisServer, type RedisServer } from '../../_helpers/redis-server.js';

const binary = requireRedisServerUnlessLocal();
const clusterTools = requireRedisClusterUnlessLocal();

/** Small, so that a bound of 2x it is far below what a store without one took (three 5 s timeouts in a row). */
const COMMAND_TIMEOUT = 300;
const WITHIN = 2 * COMMAND_TIMEOUT;
/** How long a store may take to work again once Redis is back: the reconnection backoff tops out at about 2 s. */
const RECOVERY = 10_000;

const started: RedisServer[] = [];
const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
	for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
	await Promise.all(started.splice(0).map((server) => server.stop()));
});

async function startServer(args: readonly string[] = []): Promise<RedisServer> {
	const server = await startRedisServer(binary!, args);
	started.push(server);
	return server;
}

function openStore(connection: ConstructorParameters<typeof RedisTokenStore>[0]): RedisTokenStore {
	const store = new RedisTokenStore(connection, { commandTimeout: COMMAND_TIMEOUT, keyPrefix: 'outage:' });
	cleanups.push(() => store.close());
	return store;
}

const tokenSet: TokenSet = createTokenSet({ accessToken: 'outage-access-token', refreshToken: 'outage-refresh-token' });

/** Each store method, as the manager calls it. */
const METHODS = {
	get: (store: RedisTokenStore) => store.get('session'),
	set: (store: RedisTokenStore) => store.set('session', tokenSet),
	delete: (store: RedisTokenStore) => store.delete('session'),
	compareAndSet: (store: RedisTokenStore) => store.compareAndSet('session', tokenSet, tokenSet),
	withLock: (store: RedisTokenStore) =>
		store.withLock('session', async () => {
			throw new Error('fn ran without the lock');
		}),
} as const;
type Method = keyof typeof METHODS;

/** How `call` failed and how long that took, in ms. */
async function failure(call: () => Promise<unknown>): Promise<{ error: StoreError; ms: number }> {
	const start = performance.now();
	const error = await call().then(
		() => new Error('resolved, yet Redis is down'),
		(reason: unknown) => reason,
	);
	const ms = performance.now() - start;
	expect(isStoreError(error), String(error)).toBe(true);
	return { error: error as StoreError, ms };
}

/** A StoreError that names this Redis, keeps the driver's error as `cause`, and says what to do. */
function expectRedisStoreError(error: StoreError, port: number): void {
	expect(error.code).toBe('ERR_STORE');
	expect(error.store).toBe(`Redis at 127.0.0.1:${port}`);
	expect(error.message.startsWith(`Redis at 127.0.0.1:${port} `)).toBe(true);
	expect(error.message).toMatch(/check that Redis is running and reachable/);
	expect(error.cause).toBeInstanceOf(Error);
	expect(isTokenkeeperError(error.cause)).toBe(false);
}

/** Poll `check` until it resolves, up to `timeout` ms; resolves with how long that took. */
async function recovers(check: () => Promise<unknown>, timeout = RECOVERY): Promise<number> {
	const start = performance.now();
	for (;;) {
		try {
			await check();
			return performance.now() - start;
		} catch (error) {
			if (performance.now() - start > timeout) throw error;
			await new Promise((resolve) => setTimeout(resolve, 50));
		}
	}
}

describe.skipIf(!binary)(
	`RedisTokenStore when Redis goes away (commandTimeout ${COMMAND_TIMEOUT} ms, redis-server killed with SIGKILL)`,
	() => {
		it(`{ url }: get, set, delete, compareAndSet and withLock each reject with ERR_STORE within ${WITHIN} ms; the same store works again after a restart`, async () => {
			const server = await startServer();
			const store = openStore({ url: server.url });
			await store.set('session', tokenSet);
			await server.kill();

			for (const method of Object.keys(METHODS) as Method[]) {
				const { error, ms } = await failure(() => METHODS[method](store));
				expectRedisStoreError(error, server.port);
				expect(error.message, method).toMatch(/is unreachable \((ECONNREFUSED|ECONNRESET|connection lost|not connected)\)/);
				expect(ms, method).toBeLessThan(WITHIN);
			}

			await server.restart();
			// Not the entry written before the kill (no persistence): the same store, connected again.
			await recovers(() => store.set('session', tokenSet));
			expect((await store.get('session'))?.accessToken).toBe('outage-access-token');
			expect(await store.withLock('session', async () => 'locked')).toBe('locked');
		}, 30_000);

		it('{ url }: withLock does not keep retrying its SET against a dead Redis until lockWaitTimeout (60 s): one failure, at once', async () => {
			const server = await startServer();
			const store = openStore({ url: server.url });
			await store.get('warm-up');
			await server.kill();
			const { error, ms } = await failure(() => store.withLock('session', async () => 'never'));
			expectRedisStoreError(error, server.port);
			expect(ms).toBeLessThan(WITHIN);
		});

		it(`{ url }: a store created while Redis is down waits one commandTimeout for it, then ERR_STORE; later calls fail at once; it works once Redis starts`, async () => {
			const server = await startServer();
			await server.kill();
			const store = openStore({ url: server.url });

			const first = await failure(() => store.get('session'));
			expectRedisStoreError(first.error, server.port);
			expect(first.error.message).toMatch(new RegExp(`could not be reached within ${COMMAND_TIMEOUT} ms \\(ECONNREFUSED\\)`));
			// It waited for a first connection (bounded), rather than failing before Redis had a chance.
			expect(first.ms).toBeGreaterThanOrEqual(COMMAND_TIMEOUT - 20);
			expect(first.ms).toBeLessThan(WITHIN);
			for (const method of Object.keys(METHODS) as Method[]) {
				const { error, ms } = await failure(() => METHODS[method](store));
				expectRedisStoreError(error, server.port);
				expect(ms, method).toBeLessThan(COMMAND_TIMEOUT);
			}

			await server.restart();
			await recovers(() => store.set('session', tokenSet));
			expect((await store.get('session'))?.accessToken).toBe('outage-access-token');
		}, 30_000);

		it(`{ client } of your own (createClient() with its defaults: offline queue, its reconnection): each method rejects with ERR_STORE within ${WITHIN} ms; it works again after a restart`, async () => {
			const server = await startServer();
			const client = createClient({ url: server.url });
			// node-redis's rule for any client: without an 'error' listener, a lost connection ends the process.
			client.on('error', () => undefined);
			await client.connect();
			cleanups.push(async () => client.isOpen && client.destroy());
			const store = openStore({ client });
			await store.set('session', tokenSet);
			await server.kill();

			for (const method of Object.keys(METHODS) as Method[]) {
				const { error, ms } = await failure(() => METHODS[method](store));
				expectRedisStoreError(error, server.port);
				// This client queues commands while offline: the store's deadline is what ends the wait.
				expect(error.message, method).toMatch(new RegExp(`did not answer \\w+ within ${COMMAND_TIMEOUT} ms|is unreachable`));
				expect(ms, method).toBeLessThan(WITHIN);
			}

			await server.restart();
			await recovers(() => store.set('session', tokenSet));
			expect((await store.get('session'))?.accessToken).toBe('outage-access-token');
			// Your client is left as it was: its queue intact, so it still closes (node-redis 5.12 lost count of its queue
			// when a command's own `timeout` and its `abortSignal` both fired, and close() never resolved).
			await store.close();
			let timer: ReturnType<typeof setTimeout> | undefined;
			const hung = new Promise((resolve) => {
				timer = setTimeout(() => resolve('hung'), 5_000);
			});
			expect(await Promise.race([client.close().then(() => 'closed'), hung])).toBe('closed');
			clearTimeout(timer);
		}, 30_000);

		it('{ client } not connected: ERR_STORE at once, saying to connect it', async () => {
			const server = await startServer();
			const store = openStore({ client: createClient({ url: server.url }) });
			const { error, ms } = await failure(() => store.get('session'));
			expect(error.store).toBe(`Redis at 127.0.0.1:${server.port}`);
			expect(error.message).toMatch(/the client is closed\. Connect it \(`await client\.connect\(\)`\)/);
			expect(ms).toBeLessThan(COMMAND_TIMEOUT);
		});
	},
);

describe.skipIf(!clusterTools)('RedisTokenStore on a Redis Cluster when a node goes away', () => {
	it(`one primary killed: each call for a session on it rejects with ERR_STORE within ${WITHIN} ms; sessions on the other nodes still work`, async () => {
		const cluster = await startRedisCluster(clusterTools!);
		cleanups.push(() => cluster.stop());
		const client = createCluster({ rootNodes: [...cluster.rootNodes] });
		client.on('error', () => undefined);
		await client.connect();
		cleanups.push(async () => client.destroy());
		const store = openStore({ client });
		const sessions = Array.from({ length: 12 }, (_, index) => `session-${index}`);
		for (const key of sessions) await store.set(key, tokenSet);
		const nodeOf = async (key: string) =>
			client.slots[Number(await cluster.cli('cluster', 'keyslot', `outage:tokens:{${key}}`))]!.master.port;
		const owners = await Promise.all(sessions.map(nodeOf));
		const killed = owners[0]!;
		await cluster.killNode(killed);

		const victim = sessions[0]!;
		const calls = {
			get: () => store.get(victim),
			set: () => store.set(victim, tokenSet),
			withLock: () => store.withLock(victim, async () => 'never'),
		};
		for (const method of Object.keys(calls) as Array<keyof typeof calls>) {
			const { error, ms } = await failure(calls[method]);
			expect(error.store).toBe(`Redis Cluster at 127.0.0.1:${cluster.ports[0]} (first of 3 root nodes)`);
			expect(error.message).toMatch(new RegExp(`did not answer \\w+ within ${COMMAND_TIMEOUT} ms|is unreachable`));
			expect(error.cause).toBeInstanceOf(Error);
			expect(ms, method).toBeLessThan(WITHIN);
		}
		const elsewhere = sessions.filter((_, index) => owners[index] !== killed);
		expect(elsewhere.length).toBeGreaterThan(0);
		for (const key of elsewhere) expect((await store.get(key))?.accessToken).toBe('outage-access-token');
	}, 60_000);
});
