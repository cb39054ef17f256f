import { createClient, createSentinel } from 'redis';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createTokenSet, type TokenStore } from '../../../src/index.js';
import { RedisTokenStore, type RedisClientLike } from '../../../src/redis.js';
import { requireRedisServerUnlessLocal } from '../../_helpers/redis-server.js';
import { startRedisSentinel, type RedisSentinelSetup } from '../../_helpers/redis-sentinel.js';
import { describeTokenStoreConformance } from '../conformance.js';

const binary = requireRedisServerUnlessLocal();

let setup: RedisSentinelSetup;
beforeAll(async () => {
	if (binary) setup = await startRedisSentinel(binary);
});
afterAll(async () => {
	await setup?.stop();
});

/** A Sentinel client of its own for each store, as another process would have; closed with the store. */
const clients = new Map<TokenStore, ReturnType<typeof createSentinel>>();
async function sentinelStore(keyPrefix: string): Promise<RedisTokenStore> {
	const client = createSentinel({ name: setup.sentinel.name, sentinelRootNodes: [...setup.sentinel.sentinelRootNodes] });
	client.on('error', () => undefined);
	await client.connect();
	const store = new RedisTokenStore({ client }, { keyPrefix });
	clients.set(store, client);
	return store;
}
async function closeSentinelStore(store: TokenStore): Promise<void> {
	await (store as RedisTokenStore).close();
	await clients.get(store)?.close();
	clients.delete(store);
}

describe.skipIf(!binary)('RedisTokenStore through Redis Sentinel ({ client: createSentinel(…) })', () => {
	describeTokenStoreConformance(
		'Redis Sentinel',
		{ create: () => sentinelStore('conformance:'), peer: () => sentinelStore('conformance:'), dispose: closeSentinelStore },
		{ describe, it, expect, beforeEach, afterEach },
	);

	it("node-redis's Sentinel client fits `client` as is, and its commands reach the primary", async () => {
		const client = createSentinel({ name: setup.sentinel.name, sentinelRootNodes: [...setup.sentinel.sentinelRootNodes] });
		await client.connect();
		const asGiven: RedisClientLike = client;
		const store = new RedisTokenStore({ client: asGiven }, { keyPrefix: 'typed:' });
		try {
			await store.set('k', createTokenSet({ accessToken: 'sentinel-token' }));
			expect((await store.get('k'))?.accessToken).toBe('sentinel-token');
			const primary = await fetchFromPrimary(`typed:tokens:{k}`);
			expect(primary).toContain('sentinel-token');
		} finally {
			await store.close();
			await client.close();
		}
	});
});

/** The raw value of `key`, read from the primary directly rather than through Sentinel. */
async function fetchFromPrimary(key: string): Promise<string | null> {
	const direct = createClient({ url: setup.primary.url });
	await direct.connect();
	try {
		return await direct.get(key);
	} finally {
		await direct.close();
	}
}
