import { InvalidOptionError } from '../../errors.js';
import { missingPackageError } from '../../optional-package.js';
import { invalidOption } from '../../options.js';
import { addressOfUrl, isRedisClient, type RedisTarget, targetForClient } from './clients.js';
import { closedClientError, closedStoreError, redisStoreError } from './failure.js';
import type { RedisClientLike } from './client-types.js';
import { type OwnedClient, openOwnedClient } from './owned-client.js';

/** Where `RedisTokenStore` finds Redis: a URL (the store opens and closes its own client) or your client. */
export type RedisConnection =
	| {
			/** `redis://[[user]:password@]host[:port][/db]`, or `rediss://` for TLS. */
			readonly url: string;
	  }
	| {
			/** A connected node-redis client (one node, a cluster or Sentinel); closing the store leaves it open, since it is yours. */
			readonly client: RedisClientLike;
	  };

/** Sends commands, whether the store opened the client or was given one; every failure is a `StoreError`. */
export interface RedisLink {
	/** Send `args`, whose first key is `key` (a cluster routes by it); settles within `commandTimeout`. */
	send(args: readonly string[], key: string): Promise<unknown>;
	/** Closes the client it opened (a given one stays open); later sends reject. */
	close(): Promise<void>;
}

/** A reply as text, whatever the client's type mapping (node-redis can map strings to Buffers). */
export function replyText(reply: unknown): string | undefined {
	if (typeof reply === 'string') return reply;
	if (reply instanceof Uint8Array) return Buffer.from(reply).toString('utf8');
	return undefined;
}

/**
 * Settle with `promise`, or reject with the signal's reason once it aborts. One turn later, not at once: node-redis
 * rejects an aborted command synchronously, and its error, when it has one, is the better `cause`.
 */
function settleBy<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
	return new Promise<T>((resolve, reject) => {
		const onAbort = () => setImmediate(() => reject(signal.reason));
		signal.addEventListener('abort', onAbort, { once: true });
		promise.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
	});
}

/**
 * Validate `connection` now; open a `{ url }` client on first use. `redis` is imported only then (an ESM module cannot
 * import synchronously), so that importing `tokenkeeper/redis` costs nothing; without it, every call fails with a
 * `MissingPackageError` naming the package and `npm install redis`.
 */
export function createRedisLink(connection: RedisConnection, commandTimeout: number): RedisLink {
	const given = (connection ?? {}) as Partial<{ url: unknown; client: unknown }>;
	let target: RedisTarget | undefined;
	let owned: Promise<OwnedClient> | undefined;
	let closed = false;
	// Kept in this closure only: a Redis URL may carry a password.
	let url = '';
	let ownedName = '';

	if (given.client !== undefined) {
		if (!isRedisClient(given.client)) {
			throw invalidOption('client', 'a node-redis client, as made by `createClient()` from `redis`', given.client);
		}
		target = targetForClient(given.client);
	} else if (typeof given.url === 'string' && given.url !== '') {
		const address = addressOfUrl(given.url);
		// Never echoed: the URL may carry a password. What it is instead: its scheme at most.
		if (address === undefined || !/^rediss?:$/.test(new URL(given.url).protocol)) {
			const got = URL.canParse(given.url)
				? `a ${new URL(given.url).protocol}// URL${address ? '' : ' without a host'}`
				: 'a string that is not a URL';
			throw new InvalidOptionError('url', `Expected \`url\` to be a redis:// or rediss:// URL with a host, got ${got}`);
		}
		url = given.url;
		ownedName = `Redis at ${address}`;
	} else {
		throw invalidOption('url', 'a redis:// URL (or give `client`, a node-redis client)', given.url);
	}
	const name = () => target?.name() ?? ownedName;

	async function open(): Promise<OwnedClient> {
		let redis: typeof import('redis');
		try {
			redis = await import('redis');
		} catch (error) {
			// Not a StoreError: a missing driver is a configuration error, which `storeFailure: 'bypass'` must not hide.
			throw missingPackageError('redis', `RedisTokenStore({ url }) (${ownedName})`, error);
		}
		if (closed) throw closedStoreError(ownedName);
		return openOwnedClient(redis, url, commandTimeout);
	}

	return {
		async send(args, key) {
			if (closed) throw closedStoreError(name());
			let client: OwnedClient | undefined;
			if (!target) {
				owned ??= open();
				// Loading node-redis is not part of the command's time: a cold start must not eat the first command's budget.
				client = await owned;
			}
			if (closed) throw closedStoreError(name());
			if (target?.closed()) throw closedClientError(name());
			const deadline = new AbortController();
			let timedOut = false;
			const timer = setTimeout(() => {
				timedOut = true;
				deadline.abort(new DOMException(`No reply from Redis within ${commandTimeout} ms (commandTimeout)`, 'TimeoutError'));
			}, commandTimeout);
			// The deadline is the only timeout, a client's default `timeout` included: when both fire on a queued command,
			// node-redis 5.12 removes it from its queue twice, which breaks the queue's count (its close() then hangs).
			const options = { timeout: undefined, abortSignal: deadline.signal };
			try {
				return await settleBy(client ? client.send(args, options) : target!.send(args, key, options), deadline.signal);
			} catch (error) {
				// While the store's client is not connected, the last connection error says why better than "offline".
				const cause = client && !client.connected && client.lastError !== undefined ? client.lastError : error;
				throw redisStoreError(cause, {
					store: name(),
					command: String(args[0]),
					commandTimeout,
					timedOut,
					owned: client !== undefined,
					neverConnected: client?.neverConnected ?? false,
				});
			} finally {
				clearTimeout(timer);
			}
		},
		async close() {
			closed = true;
			const opened = await owned?.catch(() => undefined);
			await opened?.close(commandTimeout);
		},
	};
}
