import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createClient, type RedisClientType } from 'redis';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { FileTokenStore } from '../../src/file.js';
import { createMemoryStore, createTokenManager, type TokenStore } from '../../src/index.js';
import { createMemoryStorage } from '../../src/key-value-storage.js';
import { RedisTokenStore } from '../../src/redis.js';
import { createWebStorageStore } from '../../src/stores/browser/web-storage.js';
import { sessionFileName } from '../../src/stores/file/paths.js';
import { fromTokenSetRecord } from '../../src/token-set.js';
import { createScratch } from '../_helpers/file-store.js';
import { createClock, FAST, testProvider } from '../_helpers/manager.js';
import { storedAccessTokens, storedRecord, storedTargets } from '../_helpers/session-entry.js';
import { requireRedisServerUnlessLocal, startRedisServer, type RedisServer } from '../_helpers/redis-server.js';
import { createTokenEndpoint, startMockServer } from '../_helpers/token-server.js';

// #24: a session's entry holds its refresh token and one access token per target (`targets` in the stored record).
// The format changes compatibly: an entry written before (a plain token set record) is still read and served, and an
// entry with targets survives every store's round trip, each target's token intact.
const ORDERS = 'https://orders.test/';
const BILLING = 'https://billing.test/';
const KEY = 'session-1';
/** The record fields before #24, as every store wrote them. */
const PLAIN_FIELDS = ['accessToken', 'expiresAt', 'receivedAt', 'refreshToken', 'scope', 'tokenType'];

const endpoint = createTokenEndpoint();
const server = startMockServer(endpoint.handler);
afterAll(() => server.close());
beforeEach(() => {
	endpoint.reset();
	// A server that rotates refresh tokens: each answer has a new one.
	endpoint.respond(() => endpoint.issue({ refresh_token: `refresh-${endpoint.issued + 1}` }));
});

const redisBinary = requireRedisServerUnlessLocal();
let redis: RedisServer | undefined;
let admin: RedisClientType | undefined;
beforeAll(async () => {
	if (!redisBinary) return;
	redis = await startRedisServer(redisBinary);
	admin = createClient({ url: redis.url });
	await admin.connect();
});
afterAll(async () => {
	await admin?.close();
	await redis?.stop();
});
const scratch = createScratch('tokenkeeper-targets-');
afterAll(() => scratch.remove());

/** A store's backing (memory, a directory, a Redis prefix, a web storage): stores opened on it share the sessions. */
interface Backing {
	/** A store on the backing: another one is what another process (or tab) opens. */
	open(): TokenStore;
	/** Puts `record` in the backing as the store's own format holds it, bypassing today's code (an old version's write). */
	writeRaw(record: Record<string, unknown>): Promise<void>;
	/** The session's token record as the backing holds it (parsed JSON where the store serialises). */
	readRaw(): Promise<Record<string, unknown> | undefined>;
	dispose(): Promise<void>;
}

let prefixes = 0;
const backings: Record<string, () => Backing> = {
	memory() {
		const store = createMemoryStore();
		return {
			open: () => store,
			writeRaw: (record) => store.set(KEY, fromTokenSetRecord(record)!),
			readRaw: async () => {
				const tokenSet = await store.get(KEY);
				return storedRecord(tokenSet);
			},
			dispose: async () => undefined,
		};
	},
	file() {
		const dir = scratch.newDir();
		const path = join(dir, sessionFileName(KEY));
		return {
			open: () => new FileTokenStore({ dir }),
			async writeRaw(record) {
				// The file and its private directory as the store makes them, then the text an older version wrote.
				await new FileTokenStore({ dir }).set(KEY, fromTokenSetRecord({ accessToken: 'placeholder', tokenType: 'Bearer' })!);
				writeFileSync(path, `${JSON.stringify({ v: 1, key: KEY, tokens: record }, null, 2)}\n`);
			},
			readRaw: async () => (JSON.parse(readFileSync(path, 'utf8')) as { tokens: Record<string, unknown> }).tokens,
			dispose: async () => undefined,
		};
	},
	redis() {
		prefixes += 1;
		const keyPrefix = `targets${prefixes}:`;
		const opened: RedisTokenStore[] = [];
		const tokensKey = async () => {
			const keys = await admin!.keys(`${keyPrefix}tokens:*`);
			expect(keys).toHaveLength(1);
			return keys[0]!;
		};
		return {
			open() {
				const store = new RedisTokenStore({ url: redis!.url }, { keyPrefix });
				opened.push(store);
				return store;
			},
			async writeRaw(record) {
				const store = new RedisTokenStore({ url: redis!.url }, { keyPrefix });
				await store.set(KEY, fromTokenSetRecord({ accessToken: 'placeholder', tokenType: 'Bearer' })!);
				await store.close();
				await admin!.set(await tokensKey(), JSON.stringify({ v: 1, ...record }));
			},
			async readRaw() {
				const text = await admin!.get(await tokensKey());
				if (text === null) return undefined;
				const { v: _version, ...record } = JSON.parse(text) as Record<string, unknown>;
				return record;
			},
			async dispose() {
				await Promise.all(opened.map((store) => store.close()));
			},
		};
	},
	'web storage'() {
		const storage = createMemoryStorage();
		const item = `tokenkeeper:tokens:${KEY}`;
		return {
			open: () => createWebStorageStore({ storage, locks: null }),
			writeRaw: async (record) => storage.setItem(item, JSON.stringify(record)),
			readRaw: async () => {
				const text = storage.getItem(item);
				if (text === null) return undefined;
				const { until: _until, ...record } = JSON.parse(text) as Record<string, unknown>;
				return record;
			},
			dispose: async () => undefined,
		};
	},
};

const names = Object.keys(backings).filter((name) => name !== 'redis' || redisBinary !== undefined);

describe.each(names)('session entries with targets in the %s store', (name) => {
	let backing: Backing;
	beforeEach(() => {
		backing = backings[name]!();
	});
	afterEach(() => backing.dispose());

	const manager = (store: TokenStore) => createTokenManager(testProvider(), { ...FAST, store, key: KEY });

	it('an entry written before #24 (a plain token set record) is read and served; its first resource token keeps it as the default', async () => {
		const expiresAt = Date.now() + 3600_000;
		const legacy = {
			accessToken: 'old-access',
			tokenType: 'Bearer',
			expiresAt,
			refreshToken: 'old-refresh',
			scope: 'openid',
			receivedAt: Date.now(),
		};
		await backing.writeRaw(legacy);
		const tokens = manager(backing.open());
		const served = await tokens.getToken();
		expect([served.accessToken, served.refreshToken, served.expiresAt, served.scope]).toEqual([
			'old-access',
			'old-refresh',
			expiresAt,
			'openid',
		]);
		expect(endpoint.seen).toHaveLength(0);
		// A token for an API comes by refresh, with the old entry's refresh token.
		const orders = await tokens.getToken({ resource: ORDERS });
		expect(endpoint.seen.map(({ params }) => [params.grant_type, params.refresh_token, params.resource])).toEqual([
			['refresh_token', 'old-refresh', ORDERS],
		]);
		// Another process reads the entry now written: the old token is still the default, beside the new one.
		const other = manager(backing.open());
		expect((await other.getToken()).accessToken).toBe('old-access');
		expect((await other.getToken({ resource: ORDERS })).accessToken).toBe(orders.accessToken);
		expect(endpoint.seen).toHaveLength(1);
		const raw = await backing.readRaw();
		expect(raw).toMatchObject({ refreshToken: 'refresh-1', targets: { '': { accessToken: 'old-access', expiresAt } } });
		expect(Object.keys((raw as { targets: object }).targets)).toHaveLength(2);
	});

	it('a plain entry is still written plain: a session that uses only the default target stores no targets', async () => {
		const tokens = manager(backing.open());
		await tokens.setTokens({ accessToken: 'login-access', refreshToken: 'refresh-0', expiresIn: 3600, tokenType: 'Bearer' });
		await tokens.getToken({ forceRefresh: true });
		const raw = await backing.readRaw();
		expect(
			Object.keys(raw ?? {})
				.filter((field) => raw?.[field] !== undefined && raw?.[field] !== null)
				.sort(),
		).toEqual(PLAIN_FIELDS.filter((field) => field !== 'scope'));
		expect(raw).toMatchObject({ accessToken: 'access-1', refreshToken: 'refresh-1' });
	});

	it("an entry with several targets round-trips with every target's token intact, and is shared without a token request", async () => {
		const writer = manager(backing.open());
		await writer.setTokens({
			accessToken: 'login-access',
			refreshToken: 'refresh-0',
			expiresIn: 3600,
			tokenType: 'Bearer',
			scope: 'openid',
		});
		const orders = await writer.getToken({ resource: ORDERS });
		const billing = await writer.getToken({ resource: BILLING, scope: 'billing:read' });
		const written = await backing.open().get(KEY);
		const peer = backing.open();
		const read = await peer.get(KEY);
		expect(storedRecord(read)).toEqual(storedRecord(written));
		const targets = storedTargets(read);
		const fields = ({
			accessToken,
			expiresAt,
			scope,
			tokenType,
		}: {
			accessToken: string;
			expiresAt?: number | undefined;
			scope?: string | undefined;
			tokenType: string;
		}) => ({
			accessToken,
			expiresAt,
			scope,
			tokenType,
		});
		expect(targets.map(fields).sort((a, b) => a.accessToken.localeCompare(b.accessToken))).toEqual(
			[orders, billing]
				.map(fields)
				.concat({ accessToken: 'login-access', expiresAt: expect.any(Number), scope: 'openid', tokenType: 'Bearer' }),
		);
		// The session's one refresh token is on top, the rotated one; no target keeps a copy, in the store either.
		expect(read?.refreshToken).toBe('refresh-2');
		expect(targets.map((target) => target.refreshToken ?? null)).toEqual([null, null, null]);
		const raw = await backing.readRaw();
		expect(
			Object.values((raw?.targets ?? {}) as Record<string, { refreshToken?: string }>).map((target) => target.refreshToken ?? null),
		).toEqual([null, null, null]);

		const reader = manager(peer);
		expect((await reader.getToken()).accessToken).toBe('login-access');
		expect((await reader.getToken({ resource: ORDERS })).accessToken).toBe(orders.accessToken);
		expect((await reader.getToken({ resource: BILLING, scope: 'billing:read' })).accessToken).toBe(billing.accessToken);
		expect(endpoint.seen).toHaveLength(2);
	});

	it('invalidating one target through another store instance drops that token only (compare-and-set on an entry with targets)', async () => {
		const writer = manager(backing.open());
		await writer.setTokens({ accessToken: 'login-access', refreshToken: 'refresh-0', expiresIn: 3600, tokenType: 'Bearer' });
		const orders = await writer.getToken({ resource: ORDERS });
		const billing = await writer.getToken({ resource: BILLING });
		const other = manager(backing.open());
		expect(await other.invalidate(orders)).toBe(true);
		const after = await backing.open().get(KEY);
		expect(storedAccessTokens(after)).toEqual([billing.accessToken, 'login-access']);
		expect(after?.refreshToken).toBe('refresh-2');
	});
});

describe('how long a store keeps an entry with targets', () => {
	it("file store: a short-lived token obtained last does not take another API's longer-lived token with it", async () => {
		const clock = createClock();
		const dir = scratch.newDir();
		const store = () => new FileTokenStore({ dir, now: clock.now });
		const options = { ...FAST, key: KEY, now: clock.now };
		// Client credentials: orders issues 1 h tokens, billing 2 min ones; billing's comes last, on top of the entry.
		endpoint.respond(({ params }) => endpoint.issue({ expires_in: params.resource === BILLING ? 120 : 3600 }));
		const one = createTokenManager(testProvider(), { ...options, store: store() });
		const orders = await one.getToken({ resource: ORDERS });
		await one.getToken({ resource: BILLING });
		clock.advance(5 * 60_000);
		// 5 min later the orders token has 55 min to go: the stored entry must still hold it (it is kept for billing's 2 min + 1).
		expect(storedAccessTokens(await store().get(KEY))).toContain(orders.accessToken);
		// So another process is served it without a token request.
		const two = createTokenManager(testProvider(), { ...options, store: store() });
		expect((await two.getToken({ resource: ORDERS })).accessToken).toBe(orders.accessToken);
		expect(endpoint.seen.map(({ params }) => params.resource)).toEqual([ORDERS, BILLING]);
	});

	it.skipIf(!redisBinary)("Redis store: the entry's TTL covers every target's token, not only the one obtained last", async () => {
		prefixes += 1;
		const keyPrefix = `ttl${prefixes}:`;
		const store = new RedisTokenStore({ url: redis!.url }, { keyPrefix });
		try {
			endpoint.respond(({ params }) => endpoint.issue({ expires_in: params.resource === BILLING ? 120 : 3600 }));
			const tokens = createTokenManager(testProvider(), { ...FAST, key: KEY, store });
			await tokens.getToken({ resource: ORDERS });
			await tokens.getToken({ resource: BILLING });
			const [tokensKey = ''] = await admin!.keys(`${keyPrefix}tokens:*`);
			// The orders token lives an hour: Redis must keep the entry that long (a margin aside), not billing's 2 min + 1.
			expect(await admin!.pTTL(tokensKey)).toBeGreaterThan(3_000_000);
		} finally {
			await store.close();
		}
	});
});
