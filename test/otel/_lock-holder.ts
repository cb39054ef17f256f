/**
 * The other process of the Redis lock-wait test: it takes a session's lock in Redis, says so, holds it for `holdMs`
 * while it "obtains" a token (it writes one to the store, as a token request would), then releases it and exits.
 * stdin: one JSON config line; stdout: `{ "locked": true }`, then `{ "released": true }`.
 */
import { createInterface } from 'node:readline';
import { createTokenSet } from '../../src/index.js';
import { RedisTokenStore } from '../../src/redis.js';

export interface LockHolderConfig {
	readonly redisUrl: string;
	readonly keyPrefix: string;
	readonly key: string;
	readonly holdMs: number;
	/** The access token it stores: a test value, not a real token. */
	readonly accessToken: string;
}

const send = (value: unknown) => process.stdout.write(`${JSON.stringify(value)}\n`);
const lines = createInterface({ input: process.stdin })[Symbol.asyncIterator]();
const config = JSON.parse((await lines.next()).value as string) as LockHolderConfig;

const store = new RedisTokenStore({ url: config.redisUrl }, { keyPrefix: config.keyPrefix });
await store.withLock(
	config.key,
	async () => {
		send({ locked: true });
		await new Promise((resolve) => setTimeout(resolve, config.holdMs));
		await store.set(config.key, createTokenSet({ accessToken: config.accessToken, expiresIn: 3600 }));
	},
	{ ttl: 30_000 },
);
send({ released: true });
await store.close();
process.exit(0);
