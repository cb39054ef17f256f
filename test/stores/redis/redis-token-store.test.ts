import { createClient, type RedisClientType } from 'redis';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { createTokenManager, createTokenSet, squidex, type TokenSet } from '../../../src/index.js';
import { RedisTokenStore, type RedisClientLike } from '../../../src/redis.js';
import { withRedisLock } from '../../../src/stores/redis/lock.js';
import { toTokenSetRecord } from '../../../src/token-set.js';
import { requireRedisServerUnlessLocal, startRedisServer, type RedisServer } from '../../_helpers/redis-server.js';
import { describeTokenStoreConformance } from '../conformance.js';

const binary = requireRedisServerUnlessLocal();
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

let server: RedisServer;
let admin: RedisClientType;
beforeAll(async () => {
	if (!binary) return;
	server = await startRedisServer(binary);
	admin = createClient({ url: server.url });
	await admin.connect();
});
afterAll(async () => {
	await admin?.close();
	await server?.stop();
});

describe.skipIf(!binary)('RedisTokenStore', () => {
	describeTokenStoreConformance(
		'Redis',
		{
			create: () => new RedisTokenStore({ url: server.url }, { keyPrefix: 'conformance:' }),
			// Another connection with the same prefix: what a second process sees.
			peer: () => new RedisTokenStore({ url: server.url }, { keyPrefix: 'conformance:' }),
			dispose: (store) => (store as RedisTokenStore).close(),
		},
		{ describe, it, expect, beforeEach, afterEach },
	);

	const opened: RedisTokenStore[] = [];
	let prefixCount = 0;
	function newStore(options: ConstructorParameters<typeof RedisTokenStore>[1] = {}): RedisTokenStore {
		prefixCount += 1;
		const store = new RedisTokenStore({ url: server.url }, { keyPrefix: `t${prefixCount}:`, ...options });
		opened.push(store);
		return store;
	}
	/** Opens stores on one fresh prefix, each with its own connection: like processes sharing sessions. */
	function sharedPrefix(options: ConstructorParameters<typeof RedisTokenStore>[1] = {}): () => RedisTokenStore {
		prefixCount += 1;
		const keyPrefix = `t${prefixCount}:`;
		return () => newStore({ ...options, keyPrefix });
	}
	afterEach(async () => {
		await Promise.all(opened.splice(0).map((store) => store.close()));
	});

	const NOW = Date.UTC(2026, 10, 23, 12);
	const tokenSet = (init: Partial<Parameters<typeof createTokenSet>[0]> = {}): TokenSet =>
		createTokenSet({ accessToken: 'secret-access-token-value', expiresAt: NOW + 10_000, ...init }, NOW);

	describe('storage', () => {
		it('keys: `<prefix>tokens:{<key>}` for token sets, `<prefix>lock:{<key>}` while the lock is held, nothing after', async () => {
			const store = newStore({ keyPrefix: 'app1:' });
			await store.set('session-a', tokenSet());
			let during: string[] = [];
			await store.withLock('session-a', async () => {
				during = (await admin.keys('app1:*')).sort();
			});
			expect(during).toEqual(['app1:lock:{session-a}', 'app1:tokens:{session-a}']);
			expect(await admin.keys('app1:*')).toEqual(['app1:tokens:{session-a}']);
		});

		it('two prefixes on one Redis are two separate stores', async () => {
			const [one, two] = [newStore(), newStore()];
			await one.set('same-key', tokenSet());
			expect(await two.get('same-key')).toBeUndefined();
		});

		it('TTL without a refresh token: a little past the access token expiry (60 s margin)', async () => {
			const store = newStore({ now: () => NOW });
			await store.set('k', tokenSet({ expiresAt: NOW + 10_000 }));
			const pttl = await admin.pTTL(`t${prefixCount}:tokens:{k}`);
			expect(pttl).toBeGreaterThan(69_000);
			expect(pttl).toBeLessThanOrEqual(70_000);
		});

		it("TTL with a refresh token: none by default, the refresh token's lifetime when known", async () => {
			const unknown = newStore({ now: () => NOW });
			await unknown.set('k', tokenSet({ refreshToken: 'secret-refresh' }));
			expect(await admin.pTTL(`t${prefixCount}:tokens:{k}`)).toBe(-1);

			const known = newStore({ now: () => NOW, refreshTokenTtl: 7 * 86_400_000 });
			await known.set('k', tokenSet({ refreshToken: 'secret-refresh' }));
			expect(await admin.pTTL(`t${prefixCount}:tokens:{k}`)).toBeGreaterThan(7 * 86_400_000 - 5_000);
		});

		it("TTLs past 2^31-1 ms are Redis's to keep, not timers: a 30-day Squidex token through the manager is stored for 30 days and a minute", async () => {
			const store = newStore();
			const manager = createTokenManager(squidex({ url: 'https://squidex.test', clientId: 'app:client', clientSecret: 'secret' }), {
				store,
				key: 'squidex',
			});
			await manager.setTokens({ accessToken: 'thirty-days', expiresIn: 30 * 86_400 });
			const pttl = await admin.pTTL(`t${prefixCount}:tokens:{squidex}`);
			expect(pttl).toBeGreaterThan(30 * 86_400_000);
			expect(pttl).toBeLessThanOrEqual(30 * 86_400_000 + 61_000);
			expect(() => new RedisTokenStore({ url: server.url }, { refreshTokenTtl: 90 * 86_400_000 })).not.toThrow();
		});

		it('an explicit { ttl } wins; compareAndSet applies the same TTL rules to what it writes', async () => {
			const store = newStore({ now: () => NOW });
			await store.set('k', tokenSet({ refreshToken: 'secret-refresh' }), { ttl: 5_000 });
			expect(await admin.pTTL(`t${prefixCount}:tokens:{k}`)).toBeLessThanOrEqual(5_000);
			expect(await store.compareAndSet('k', tokenSet(), tokenSet({ accessToken: 'next', expiresAt: NOW + 1_000 }))).toBe(true);
			expect(await admin.pTTL(`t${prefixCount}:tokens:{k}`)).toBeGreaterThan(60_000);
			expect(await admin.pTTL(`t${prefixCount}:tokens:{k}`)).toBeLessThanOrEqual(61_000);
		});

		it('a damaged or foreign entry reads as absent and is replaced by the next set', async () => {
			const store = newStore();
			await admin.set(`t${prefixCount}:tokens:{k}`, 'not json {');
			expect(await store.get('k')).toBeUndefined();
			expect(await store.compareAndSet('k', undefined, tokenSet())).toBe(true);
			expect(toTokenSetRecord((await store.get('k'))!)).toEqual(toTokenSetRecord(tokenSet()));
		});

		it('writes nothing to the console, and its errors hold no token (Redis unreachable: bounded by commandTimeout)', async () => {
			const spies = (['log', 'info', 'warn', 'error', 'debug'] as const).map((method) =>
				vi.spyOn(console, method).mockImplementation(() => undefined),
			);
			const store = newStore();
			const full = tokenSet({ refreshToken: 'secret-refresh-token', idToken: 'secret-id-token' });
			await store.set('k', full);
			await store.get('k');
			await store.compareAndSet('k', full, full);
			await store.withLock('k', async () => undefined);

			// Nothing listens on port 1: every command fails, within its timeout.
			const dead = new RedisTokenStore({ url: 'redis://127.0.0.1:1' }, { commandTimeout: 300 });
			const started = performance.now();
			const error = await dead.set('k', full).then(
				() => undefined,
				(reason: unknown) => reason,
			);
			expect(performance.now() - started).toBeLessThan(2_000);
			expect(error).toBeInstanceOf(Error);
			const printed = [String(error), (error as Error).stack, JSON.stringify(error), String((error as Error).cause)].join('\n');
			for (const secret of ['secret-access-token-value', 'secret-refresh-token', 'secret-id-token']) {
				expect(printed).not.toContain(secret);
			}
			await dead.close();
			for (const spy of spies) expect(spy).not.toHaveBeenCalled();
		});
	});

	describe('connection', () => {
		it('{ client }: uses your node-redis client, and close() leaves it open', async () => {
			const client = createClient({ url: server.url });
			await client.connect();
			// node-redis's client type fits the store's structural type as is.
			const asGiven: RedisClientLike = client;
			const store = new RedisTokenStore({ client: asGiven }, { keyPrefix: 'own-client:' });
			await store.set('k', tokenSet());
			expect((await store.get('k'))?.accessToken).toBe('secret-access-token-value');
			await store.close();
			expect(client.isOpen).toBe(true);
			expect(await client.get('own-client:tokens:{k}')).toContain('secret-access-token-value');
			await expect(store.get('k')).rejects.toThrow(/closed/);
			await client.close();
		});

		it('{ url }: close() closes the connection the store opened; later calls reject', async () => {
			const connections = async () => (await admin.clientList()).length;
			const before = await connections();
			const store = new RedisTokenStore({ url: server.url });
			await store.get('k');
			expect(await connections()).toBe(before + 1);
			await store.close();
			await expect(store.get('k')).rejects.toThrow(/closed/);
			await vi.waitFor(async () => expect(await connections()).toBe(before), { timeout: 2_000 });
		});

		it('rejects bad options up front, with the option named', () => {
			expect(() => new RedisTokenStore({} as never)).toThrow(
				/`url` to be a redis:\/\/ URL \(or give `client`, a node-redis client\), got undefined/,
			);
			expect(() => new RedisTokenStore({ client: {} as never })).toThrow(/node-redis client/);
			expect(() => new RedisTokenStore({ url: server.url }, { lockTtl: 0 })).toThrow(/`lockTtl`/);
			expect(() => new RedisTokenStore({ url: server.url }, { refreshTokenTtl: -1 })).toThrow(/`refreshTokenTtl`/);
			expect(() => new RedisTokenStore({ url: server.url }, { lockTtl: 2 ** 31 })).toThrow(/2\^31-1/);
		});
	});

	describe('lock', () => {
		it('a live holder keeps the lock past lockTtl by renewing it (lockTtl 300 ms, holder runs 1 200 ms)', async () => {
			const open = sharedPrefix({ lockTtl: 300 });
			const [holder, waiter] = [open(), open()];
			let holderEnded = 0;
			const holding = holder.withLock('k', async () => {
				await sleep(1_200);
				holderEnded = performance.now();
			});
			await sleep(50);
			const enteredAt = await waiter.withLock('k', async () => performance.now());
			await holding;
			expect(enteredAt).toBeGreaterThanOrEqual(holderEnded);
		});

		it("only its owner releases it: a holder past its ttl does not delete the next holder's lock", async () => {
			const open = sharedPrefix({ lockTtl: 5_000 });
			const [a, b, c] = [open(), open(), open()];
			// A may hold for 200 ms only, yet runs 600 ms; B takes over at ~200 ms and runs until ~1 000 ms.
			const aDone = a.withLock('k', () => sleep(600), { ttl: 200 });
			await sleep(20);
			let bEnded = 0;
			const bDone = b.withLock('k', async () => {
				await sleep(800);
				bEnded = performance.now();
			});
			await aDone;
			// A's release ran while B held the lock: C must still wait for B.
			const cEntered = await c.withLock('k', async () => performance.now());
			await bDone;
			expect(cEntered).toBeGreaterThanOrEqual(bEnded);
		});

		it('a caller that aborts while its SET is on the wire stops at once, and a lock that SET took is released, not orphaned', async () => {
			// This SET reaches Redis only after the caller gave up, and takes the lock.
			let setReply: Promise<unknown> | undefined;
			const slowSet = async (args: readonly string[]) => {
				if (args[0] !== 'SET') return admin.sendCommand([...args]);
				await sleep(2_000);
				setReply = admin.sendCommand([...args]);
				return setReply;
			};
			const started = performance.now();
			const options = { lease: 10_000, maxHold: undefined, waitTimeout: 5_000, signal: AbortSignal.timeout(50) };
			const attempt = withRedisLock(slowSet, 'orphan-test:lock', async () => 'never', options);
			await expect(attempt).rejects.toMatchObject({ name: 'TimeoutError' });
			// Far below the 2 s the SET takes, which a caller that did not stop at once would wait for.
			expect(performance.now() - started).toBeLessThan(1_000);
			await vi.waitFor(() => expect(setReply).toBeDefined(), { timeout: 5_000, interval: 10 });
			expect(await setReply).toBe('OK');
			await vi.waitFor(async () => expect(await admin.exists('orphan-test:lock')).toBe(0), { timeout: 1_000, interval: 20 });
		});

		it('lockWaitTimeout bounds the wait: rejects with a TimeoutError', async () => {
			const open = sharedPrefix({ lockWaitTimeout: 300 });
			const [holder, impatient] = [open(), open()];
			let release!: () => void;
			const holding = holder.withLock('k', () => new Promise<void>((resolve) => (release = resolve)));
			await sleep(20);
			const started = performance.now();
			await expect(impatient.withLock('k', async () => 'never')).rejects.toMatchObject({ name: 'TimeoutError' });
			expect(performance.now() - started).toBeLessThan(1_500);
			release();
			await holding;
		});
	});
});
