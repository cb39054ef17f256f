/** Options of one command sent through {@link RedisClientLike.sendCommand}. */
export interface RedisCommandOptions {
	/** ms; node-redis 5 rejects the command when no reply came in time. */
	readonly timeout?: number | undefined;
}

/**
 * What `RedisTokenStore` needs from a Redis client: a node-redis 5 client (`createClient()` from `redis`)
 * fits as is, whatever its modules, RESP version or type mapping.
 */
export interface RedisClientLike {
	/** Send one raw command (`['SET', key, value, 'NX', 'PX', '10000']`) and resolve with its reply. */
	sendCommand(args: readonly string[], options?: RedisCommandOptions): Promise<unknown>;
}

/** Where `RedisTokenStore` finds Redis: a URL (the store opens and closes its own client) or your client. */
export type RedisConnection =
	| {
			/** `redis://[[user]:password@]host[:port][/db]`, or `rediss://` for TLS. */
			readonly url: string;
	  }
	| {
			/** A connected node-redis client; closing the store leaves it open, since it is yours. */
			readonly client: RedisClientLike;
	  };

/** Sends commands, whether the store opened the client or was given one. */
export interface RedisLink {
	send(args: readonly string[]): Promise<unknown>;
	/** Closes the client it opened (a given one stays open); later sends reject. */
	close(): Promise<void>;
}

/** The client opened from `{ url }`, which the link also closes. */
interface OwnedClient extends RedisClientLike {
	readonly isOpen: boolean;
	close(): Promise<void>;
	destroy(): void;
}

function isRedisClient(value: unknown): value is RedisClientLike {
	return typeof value === 'object' && value !== null && typeof (value as RedisClientLike).sendCommand === 'function';
}

function closedError(): Error {
	return new Error('This RedisTokenStore is closed: create a new one.');
}

/** A reply as text, whatever the client's type mapping (node-redis can map strings to Buffers). */
export function replyText(reply: unknown): string | undefined {
	if (typeof reply === 'string') return reply;
	if (reply instanceof Uint8Array) return Buffer.from(reply).toString('utf8');
	return undefined;
}

/**
 * Validate `connection` now; open a `{ url }` client on first use. `redis` is imported only then, so that
 * importing `tokenkeeper/redis` costs nothing and a missing optional peer dependency gets a clear message.
 */
export function createRedisLink(connection: RedisConnection, commandTimeout: number): RedisLink {
	const given = (connection ?? {}) as Partial<{ url: unknown; client: unknown }>;
	let client: Promise<RedisClientLike> | undefined;
	let owned: OwnedClient | undefined;
	let closed = false;
	// Kept in this closure only: a Redis URL may carry a password.
	let url: string | undefined;

	if (given.client !== undefined) {
		if (!isRedisClient(given.client)) {
			throw new TypeError('Expected `client` to be a node-redis client, as made by `createClient()` from `redis`');
		}
		client = Promise.resolve(given.client);
	} else if (typeof given.url === 'string' && given.url !== '') {
		url = given.url;
	} else {
		throw new TypeError('Expected `{ url }` (a redis:// URL) or `{ client }` (a node-redis client)');
	}

	async function open(): Promise<RedisClientLike> {
		let redis: typeof import('redis');
		try {
			redis = await import('redis');
		} catch (error) {
			throw new Error('RedisTokenStore({ url }) needs the `redis` package (node-redis 5): npm install redis', { cause: error });
		}
		if (closed) throw closedError();
		const opened = redis.createClient({
			url,
			socket: {
				connectTimeout: commandTimeout,
				// Reconnect forever (Redis restarts), at most every 2 s; each command still times out on its own.
				reconnectStrategy: (retries) => Math.min(50 * 2 ** Math.min(retries, 6), 2_000),
			},
		});
		// Connection errors surface as failed commands; an unhandled 'error' event would crash the process.
		opened.on('error', () => undefined);
		// Not awaited: while Redis is down, commands wait in the offline queue, each bounded by its timeout.
		opened.connect().catch(() => undefined);
		owned = opened;
		return opened;
	}

	return {
		async send(args) {
			if (closed) throw closedError();
			client ??= open();
			return (await client).sendCommand(args, { timeout: commandTimeout });
		},
		async close() {
			closed = true;
			const opened = owned;
			owned = undefined;
			if (!opened?.isOpen) return;
			try {
				await opened.close();
			} catch {
				opened.destroy();
			}
		},
	};
}
