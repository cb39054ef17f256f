import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTokenManager } from '../../src/index.js';
import { RedisTokenStore } from '../../src/redis.js';
import { FAST, testProvider } from '../_helpers/manager.js';
import { startTelemetry } from '../_helpers/otel.js';
import { requireRedisServerUnlessLocal, startRedisServer, type RedisServer } from '../_helpers/redis-server.js';
import { createTokenEndpoint, startMockServer } from '../_helpers/token-server.js';
import { startWorker, type WorkerProcess } from '../_helpers/worker-processes.js';
import type { LockHolderConfig } from './_lock-holder.js';

/** Under CI a missing redis-server fails this file (requireInCI); locally it is skipped with a line saying why. */
const binary = requireRedisServerUnlessLocal();
/** How long this process waits on the lock before the other lets go (it holds it until told, HOLD_LIMIT_MS at most). */
const WAIT_MS = 400;
const HOLD_LIMIT_MS = 30_000;

const endpoint = createTokenEndpoint();
const mock = startMockServer(endpoint.handler);
let server: RedisServer;
let worker: WorkerProcess | undefined;
let telemetry: ReturnType<typeof startTelemetry>;

beforeAll(async () => {
	if (binary) server = await startRedisServer(binary);
	telemetry = startTelemetry();
}, 60_000);
afterAll(async () => {
	await worker?.kill('SIGKILL');
	await telemetry?.close();
	await server?.stop();
	mock.close();
});

describe.skipIf(!binary)('tokenkeeper/otel with Redis, across two processes', () => {
	it("a lock held by another process: one tokenkeeper.lock_wait span (redis, acquired) as long as the other's hold; then the re-read finds its token: no token request here", async () => {
		const config: LockHolderConfig = {
			redisUrl: server.url,
			keyPrefix: 'otel-lock:',
			key: 'shared-session',
			holdMs: HOLD_LIMIT_MS,
			accessToken: 'token-from-the-other-process',
		};
		worker = startWorker('test/otel/_lock-holder.ts', config);
		expect(await worker.next(30_000)).toEqual({ locked: true });

		const store = new RedisTokenStore({ url: server.url }, { keyPrefix: config.keyPrefix });
		try {
			const manager = createTokenManager(testProvider(), { ...FAST, store, key: config.key });
			const started = performance.now();
			const pending = manager.getToken();
			await new Promise((resolve) => setTimeout(resolve, WAIT_MS));
			worker.send('release');
			const tokenSet = await pending;
			const took = performance.now() - started;
			expect(tokenSet.accessToken).toBe(config.accessToken);
			const { released, releasedAt } = (await worker.next(10_000)) as { released: boolean; releasedAt: number };
			expect(released).toBe(true);
			expect(endpoint.seen).toHaveLength(0);

			const waits = telemetry.spans('tokenkeeper.lock_wait');
			expect(waits).toHaveLength(1);
			expect(waits[0]!.attributes).toEqual({ 'tokenkeeper.store': 'redis', 'tokenkeeper.outcome': 'acquired' });
			const ms = ([seconds, nanos]: [number, number]) => seconds * 1000 + nanos / 1e6;
			const waitedMs = ms(waits[0]!.duration);
			// The wait lasted until the other process let go (it began before: that process held the lock until told), and
			// no longer than the call; not a fixed share of WAIT_MS, since the first store read (a connection to Redis) can
			// take most of it on a loaded machine. OpenTelemetry times spans from performance.timeOrigin, which drifts from Date.now() (the other
			// process's clock) over a long run: the span's end is put on Date.now()'s scale with the offset as it is now.
			const offset = Date.now() - (performance.timeOrigin + performance.now());
			expect(ms(waits[0]!.startTime) + offset).toBeLessThan(releasedAt);
			expect(ms(waits[0]!.endTime) + offset).toBeGreaterThanOrEqual(releasedAt - 5);
			expect(waitedMs).toBeLessThanOrEqual(took);
			expect(telemetry.spans('tokenkeeper.token_request')).toEqual([]);

			// Store round trips to Redis: the read that found nothing, and the re-read under the lock that found the token.
			const reads = telemetry
				.spans('tokenkeeper.store')
				.map((span) => [span.attributes['tokenkeeper.operation'], span.attributes['tokenkeeper.outcome']]);
			expect(reads).toEqual([
				['read', 'miss'],
				['read', 'hit'],
			]);
			const [lockWait] = await telemetry.metrics('tokenkeeper.lock_wait.duration');
			expect(lockWait).toMatchObject({ attributes: { 'tokenkeeper.store': 'redis', 'tokenkeeper.outcome': 'acquired' }, count: 1 });
			expect(lockWait!.value * 1000).toBeCloseTo(waitedMs, -2);
			expect(await telemetry.metrics('tokenkeeper.token_requests')).toEqual([]);
		} finally {
			await store.close();
		}
	}, 60_000);
});
