/**
 * The other process of the Redis lock-wait test: it takes a session's lock in Redis, says so, holds it until the test
 * says `"release"` (at most `holdMs`) while it "obtains" a token (it writes one to the store, as a token request
 * would), then releases it and exits. Held until told, not for a fixed time: a loaded machine may deliver the `locked`
 * line after a fixed hold had ended, and the test would then measure no wait at all.
 * stdin: one JSON config line; stdout: `{ "locked": true }`, then `{ "released": true, "releasedAt": <epoch ms> }`, the
 * time it let go of the lock, so the test can check the other process's wait against the hold itself rather than
 * against a fixed share of it (the `locked` line can take a while to reach a loaded test process).
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
let releasedAt = 0;
await store.withLock(
	config.key,
	async () => {
		send({ locked: true });
		let timer: ReturnType<typeof setTimeout> | undefined;
		await Promise.race([lines.next(), new Promise((resolve) => (timer = setTimeout(resolve, config.holdMs)))]);
		clearTimeout(timer);
		await store.set(config.key, createTokenSet({ accessToken: config.accessToken, expiresIn: 3600 }));
		releasedAt = Date.now();
	},
	{ ttl: 30_000 },
);
send({ released: true, releasedAt });
await store.close();
process.exit(0);
