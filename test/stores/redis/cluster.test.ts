import { createCluster } from 'redis';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createTokenSet, isStoreError, type TokenStore } from '../../../src/index.js';
import { RedisTokenStore, type RedisClientLike } from '../../../src/redis.js';
import { requireRedisClusterUnlessLocal, startRedisCluster, type RedisCluster } from '../../_helpers/redis-cluster.js';
import { describeTokenStoreConformance } from '../conformance.js';

const tools = requireRedisClusterUnlessLocal();

let cluster: RedisCluster;
beforeAll(async () => {
	if (tools) cluster = await startRedisCluster(tools);
}, 60_000);
afterAll(async () => {
	await cluster?.stop();
});

/** A cluster client of its own for each store: what another process would have. Closed with the store. */
const clients = new Map<TokenStore, ReturnType<typeof createCluster>>();
async function clusterStore(keyPrefix: string): Promise<RedisTokenStore> {
	const client = createCluster({ rootNodes: [...cluster.rootNodes] });
	client.on('error', () => undefined);
	await client.connect();
	const store = new RedisTokenStore({ client }, { keyPrefix });
	clients.set(store, client);
	return store;
}
async function closeClusterStore(store: TokenStore): Promise<void> {
	await (store as RedisTokenStore).close();
	await clients.get(store)?.close();
	clients.delete(store);
}

/** Every key under `pattern` on every node (KEYS does not follow the cluster: each node answers for its slots). */
async function keysOnEachNode(pattern: string): Promise<Map<number, string[]>> {
	const client = createCluster({ rootNodes: [...cluster.rootNodes] });
	await client.connect();
	try {
		const found = new Map<number, string[]>();
		for (const master of client.masters) {
			const node = await client.nodeClient(master);
			found.set(master.port, ((await node.keys(pattern)) as string[]).sort());
		}
		return found;
	} finally {
		await client.close();
	}
}

describe.skipIf(!tools)('RedisTokenStore on a 3-node Redis Cluster ({ client: createCluster(…) })', () => {
	describeTokenStoreConformance(
		'Redis Cluster',
		{
			create: () => clusterStore('conformance:'),
			// Another cluster client with the same prefix: what a second process sees.
			peer: () => clusterStore('conformance:'),
			dispose: closeClusterStore,
		},
		{ describe, it, expect, beforeEach, afterEach },
	);

	it("node-redis's cluster client fits `client` as is: typed, and detected as a cluster", async () => {
		const client = createCluster({ rootNodes: [...cluster.rootNodes] });
		await client.connect();
		const asGiven: RedisClientLike = client;
		const store = new RedisTokenStore({ client: asGiven }, { keyPrefix: 'typed:' });
		try {
			// Sent the single-node way, this failed with `TypeError: Cannot read properties of undefined (reading 'length')`.
			await store.set('k', createTokenSet({ accessToken: 'cluster-token' }));
			expect((await store.get('k'))?.accessToken).toBe('cluster-token');
		} finally {
			await store.close();
			await client.close();
		}
	});

	it("hash tags: a session's tokens key and lock key hash to the same slot (CLUSTER KEYSLOT), and sessions spread over the nodes", async () => {
		const store = await clusterStore('slots:');
		// Braces, a percent sign and the empty key: the tag must still cover exactly the session key.
		const sessions = ['tokenkeeper|dotkernel|https://api.example.net|frontend||alice', 'a{b}c', '}x{', '%7B', '', ...'abcdefghij'];
		try {
			for (const key of sessions) {
				await store.set(key, createTokenSet({ accessToken: `token-${key}` }));
				await store.withLock(key, async () => {
					const keys = [...(await keysOnEachNode('slots:*')).values()].flat();
					const locks = keys.filter((name) => name.startsWith('slots:lock:'));
					expect(locks).toHaveLength(1);
					const tokensKey = locks[0]!.replace(':lock:', ':tokens:');
					expect(keys).toContain(tokensKey);
					const [tokensSlot, lockSlot] = await Promise.all([
						cluster.cli('cluster', 'keyslot', tokensKey),
						cluster.cli('cluster', 'keyslot', locks[0]!),
					]);
					expect(Number(tokensSlot)).toBe(Number(lockSlot));
				});
				expect((await store.get(key))?.accessToken).toBe(`token-${key}`);
			}
			// One token key per session, none shared: the escaping keeps `a{b}c` and `}x{` apart.
			const byNode = await keysOnEachNode('slots:tokens:*');
			expect([...byNode.values()].flat()).toHaveLength(sessions.length);
			expect([...byNode.values()].filter((keys) => keys.length > 0).length).toBeGreaterThan(1);
			expect([...byNode.values()].flat()).toContain('slots:tokens:{a%7Bb%7Dc}');
		} finally {
			await closeClusterStore(store);
		}
	});

	it('a key prefix with a brace is refused up front: it would move the hash tag', () => {
		const client = createCluster({ rootNodes: [...cluster.rootNodes] });
		expect(() => new RedisTokenStore({ client }, { keyPrefix: 'app{1}:' })).toThrow(/`keyPrefix`.*`\{`/);
	});

	it('a cluster client closed under the store -> a StoreError naming its first root node and saying what to do', async () => {
		const store = await clusterStore('closed-cluster:');
		await clients.get(store)!.close();
		const error = await store.get('k').catch((reason: unknown) => reason);
		expect(isStoreError(error)).toBe(true);
		// Without the store's check, node-redis fails here with a TypeError about `master` of undefined.
		expect((error as Error).message).toMatch(
			new RegExp(`^Redis Cluster at 127\\.0\\.0\\.1:${cluster.ports[0]} \\(first of 3 root nodes\\): the client is closed\\. Connect it`),
		);
		clients.delete(store);
		await store.close();
	});
});
