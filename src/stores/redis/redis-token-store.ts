import { markStoreKind } from '../../diagnostics/store-kind.js';
import { createRedisLink, replyText, type RedisConnection, type RedisLink } from './connection.js';
import { withRedisLock } from './lock.js';
import type { TokenStore, TokenStoreLockOptions, TokenStoreSetOptions } from '../store.js';
import { fromTokenSetRecord, lastExpiry, toTokenSetRecord, type TokenSet } from '../../token-set.js';
import { invalidOption, requireFunction, requirePositive, requirePositiveTimerDelay, requireTimerDelay } from '../../options.js';
import { tryParseJson } from '../../try-parse-json.js';

/** Options of {@link RedisTokenStore}. */
export interface RedisTokenStoreOptions {
	/** Prefix of every key the store writes, without `{` or `}`. Default `tokenkeeper:`. */
	readonly keyPrefix?: string | undefined;
	/**
	 * Lease of a session's lock, in ms. The holder renews it while it runs, so a crashed holder blocks the
	 * session at most this long. Default 10 000.
	 */
	readonly lockTtl?: number | undefined;
	/** Longest wait for a session's lock, in ms; then `withLock` rejects with a `TimeoutError`. Default 60 000. */
	readonly lockWaitTimeout?: number | undefined;
	/**
	 * How long the server accepts a refresh token, in ms, when you know it (Dotkernel: its refresh-token lifetime).
	 * Entries with a refresh token then expire that long after they are written; without it they stay until
	 * replaced or deleted, since dropping a live refresh token would end a session.
	 */
	readonly refreshTokenTtl?: number | undefined;
	/**
	 * Longest time one store call waits for Redis, in ms: every failure within it (down, unreachable, refused, too slow)
	 * rejects with a `StoreError` (`ERR_STORE`). With `{ url }`, a call made while the connection is down fails at
	 * once, and the first calls wait this long for the first connection. Default 5 000.
	 */
	readonly commandTimeout?: number | undefined;
	/** The clock, in epoch ms. Default `Date.now`. */
	readonly now?: (() => number) | undefined;
}

/** An entry without a refresh token is kept this long past its access token's expiry. */
const EXPIRY_MARGIN = 60_000;
/** Bumped when the stored shape changes; entries of another version read as absent. */
const FORMAT = 1;

// Compare by access token (as sameTokenSet does), atomically; an entry `get` would not read counts as none.
// ARGV = expected access token or '' for "no entry", next entry or '' to delete, its PX in ms or '' for none.
const COMPARE_AND_SET = `
local current = redis.call('GET', KEYS[1])
local currentToken = ''
if current then
	local ok, entry = pcall(cjson.decode, current)
	if ok and type(entry) == 'table' and entry.v == ${FORMAT} and type(entry.accessToken) == 'string' then
		currentToken = entry.accessToken
	end
end
if currentToken ~= ARGV[1] then return 0 end
if ARGV[2] == '' then redis.call('DEL', KEYS[1])
elseif ARGV[3] == '' then redis.call('SET', KEYS[1], ARGV[2])
else redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3]) end
return 1`;

interface NormalizedOptions {
	readonly keyPrefix: string;
	readonly lockTtl: number;
	readonly lockWaitTimeout: number;
	readonly refreshTokenTtl: number | undefined;
	readonly commandTimeout: number;
	readonly now: () => number;
}

function normalizeOptions(options: RedisTokenStoreOptions): NormalizedOptions {
	const keyPrefix = options.keyPrefix ?? 'tokenkeeper:';
	if (typeof keyPrefix !== 'string') throw invalidOption('keyPrefix', 'a string', keyPrefix);
	// A brace in the prefix would start the hash tag there, and could part a session's two keys on a cluster.
	if (/[{}]/.test(keyPrefix))
		throw invalidOption('keyPrefix', 'free of `{` and `}` (each session has a hash tag of its own)', keyPrefix, true);
	const now = requireFunction(options.now ?? Date.now, 'now', 'a function returning epoch ms');
	const refreshTokenTtl = options.refreshTokenTtl;
	if (refreshTokenTtl !== undefined) requirePositive(refreshTokenTtl, 'refreshTokenTtl');
	return {
		keyPrefix,
		lockTtl: requirePositiveTimerDelay(options.lockTtl ?? 10_000, 'lockTtl'),
		lockWaitTimeout: requireTimerDelay(options.lockWaitTimeout ?? 60_000, 'lockWaitTimeout'),
		refreshTokenTtl,
		commandTimeout: requirePositiveTimerDelay(options.commandTimeout ?? 5_000, 'commandTimeout'),
		now,
	};
}

/**
 * A {@link TokenStore} in Redis, for many processes sharing sessions: token sets stored without loss,
 * with a TTL a little past their expiry, and a per-session lock so that one process at a time asks the token
 * endpoint (DESIGN rule 8: rotating refresh tokens survive a cluster). Node only.
 * One Redis, a Redis Cluster (a session's keys share a hash tag, so they live on one node) or a primary found through
 * Sentinel. Every failure of Redis is a `StoreError` (`ERR_STORE`) within `commandTimeout`.
 * Token sets are written to Redis in full (that is the point) and never to a log.
 * @example
 * const store = new RedisTokenStore({ url: process.env.REDIS_URL });
 * const tokens = createTokenManager(dotkernel({ url, clientId, clientSecret, credentials, username }), { store });
 * // ... on shutdown:
 * await store.close();
 */
export class RedisTokenStore implements TokenStore {
	readonly #options: NormalizedOptions;
	readonly #redis: RedisLink;

	constructor(connection: RedisConnection, options: RedisTokenStoreOptions = {}) {
		this.#options = normalizeOptions(options ?? {});
		this.#redis = createRedisLink(connection, this.#options.commandTimeout);
		markStoreKind(this, 'redis');
	}

	/** The session's token set, or `undefined` (a damaged or foreign entry reads as absent). */
	async get(key: string): Promise<TokenSet | undefined> {
		const tokensKey = this.#tokensKey(key);
		const reply = replyText(await this.#redis.send(['GET', tokensKey], tokensKey));
		if (reply === undefined) return undefined;
		// Not ours, or damaged: as good as absent. The next token request overwrites it.
		const entry = tryParseJson(reply) as { v?: unknown } | null | undefined;
		return entry?.v === FORMAT ? fromTokenSetRecord(entry) : undefined;
	}

	/** Store a token set losslessly, with a TTL a little past its expiry (see the class notes). */
	async set(key: string, tokenSet: TokenSet, options: TokenStoreSetOptions = {}): Promise<void> {
		// A TTL is Redis's to keep, not a timer: a 30-day Squidex token's entry lives 30 days and a minute.
		const ttl = options.ttl === undefined ? this.#ttlFor(tokenSet) : requirePositive(options.ttl, 'ttl');
		const tokensKey = this.#tokensKey(key);
		const args = ['SET', tokensKey, serialise(tokenSet)];
		await this.#redis.send(ttl === undefined ? args : [...args, 'PX', String(Math.ceil(ttl))], tokensKey);
	}

	/** Forget the session. */
	async delete(key: string): Promise<void> {
		const tokensKey = this.#tokensKey(key);
		await this.#redis.send(['DEL', tokensKey], tokensKey);
	}

	async compareAndSet(key: string, expected: TokenSet | undefined, next: TokenSet | undefined): Promise<boolean> {
		const ttl = next === undefined ? undefined : this.#ttlFor(next);
		const tokensKey = this.#tokensKey(key);
		// The key in KEYS, not in ARGV: a cluster routes the script by it.
		const reply = await this.#redis.send(
			[
				'EVAL',
				COMPARE_AND_SET,
				'1',
				tokensKey,
				expected?.accessToken ?? '',
				next === undefined ? '' : serialise(next),
				ttl === undefined ? '' : String(Math.ceil(ttl)),
			],
			tokensKey,
		);
		return Number(reply) === 1;
	}

	/**
	 * Run `fn` holding this session's lock across every process on this Redis. A crashed holder blocks the
	 * session at most `lockTtl`; a live one keeps renewing up to `options.ttl`. Waiters back off and honour `signal`.
	 */
	async withLock<T>(key: string, fn: () => Promise<T>, options: TokenStoreLockOptions = {}): Promise<T> {
		const maxHold = options.ttl === undefined ? undefined : requirePositiveTimerDelay(options.ttl, 'ttl');
		const lockKey = this.#lockKey(key);
		return withRedisLock((args) => this.#redis.send(args, lockKey), lockKey, fn, {
			lease: this.#options.lockTtl,
			maxHold,
			waitTimeout: this.#options.lockWaitTimeout,
			signal: options.signal,
		});
	}

	/** Close the client the store opened from `{ url }`; a client you passed stays open. Later calls reject. */
	close(): Promise<void> {
		return this.#redis.close();
	}

	#tokensKey(key: string): string {
		return `${this.#options.keyPrefix}tokens:${hashTag(key)}`;
	}

	#lockKey(key: string): string {
		return `${this.#options.keyPrefix}lock:${hashTag(key)}`;
	}

	/** With a refresh token: its lifetime when known, else no TTL. Without: a little past the access token's expiry. */
	#ttlFor(tokenSet: TokenSet): number | undefined {
		if (tokenSet.refreshToken !== undefined) return this.#options.refreshTokenTtl;
		// A session's entry of several APIs' tokens: until the last of them expires.
		const last = lastExpiry(tokenSet);
		if (last === undefined) return undefined;
		return Math.max(1, last - this.#options.now()) + EXPIRY_MARGIN;
	}
}

/**
 * `{key}`: a Redis Cluster hashes only what is inside the first braces, so a session's tokens and its lock live in one
 * slot (one node), and the scripts that touch them stay single-slot. Braces and `%` inside `key` are escaped, so that
 * the tag always ends where the key does and two keys never share one.
 * @see https://redis.io/docs/latest/operate/oss_and_stack/reference/cluster-spec/#hash-tags
 */
function hashTag(key: string): string {
	// An empty tag (`{}`) would not count as one; a lone `%` is no escape's output, so it cannot clash.
	if (key === '') return '{%}';
	return `{${key.replace(/[%{}]/g, (char) => `%${char.charCodeAt(0).toString(16).toUpperCase()}`)}}`;
}

/** Every field, tokens included, as JSON: the only place a token set is turned into text. Never log it. */
function serialise(tokenSet: TokenSet): string {
	return JSON.stringify({ v: FORMAT, ...toTokenSetRecord(tokenSet) });
}
