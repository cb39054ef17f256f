/*
 * The shapes of the node-redis clients the store accepts: what it calls, and how it tells them apart. Types only, so
 * that the connection, the client adapters and the owned client share them without importing one another.
 */

/**
 * Options of one command sent through a client's `sendCommand`. The store sends `abortSignal`, aborted at its
 * `commandTimeout`, and `timeout: undefined` (so that a default timeout of your client does not fire as well).
 */
export interface RedisCommandOptions {
	/** ms; node-redis 5 rejects the command when no reply came in time. */
	readonly timeout?: number | undefined;
	/** node-redis 5 rejects the command when it aborts, and drops it if it was not written yet. */
	readonly abortSignal?: AbortSignal | undefined;
}

/** One connection (or a pool): node-redis 5's `createClient()` or `createClientPool()`. */
export interface RedisSingleClientLike {
	/** Send one raw command (`['SET', key, value, 'NX', 'PX', '10000']`) and resolve with its reply. */
	sendCommand(args: readonly string[], options?: RedisCommandOptions): Promise<unknown>;
}

/** A Redis Cluster client: node-redis 5's `createCluster()`, which sends each command to the node owning its key. */
export interface RedisClusterClientLike {
	/** Send one raw command to the primary that owns `firstKey` (`isReadonly: false`) and resolve with its reply. */
	sendCommand(
		firstKey: string | undefined,
		isReadonly: boolean | undefined,
		args: string[],
		options?: RedisCommandOptions,
	): Promise<unknown>;
	/** How the store tells a cluster client from the others. */
	getSlotRandomNode(slot: number): unknown;
}

/** A client of a primary found through Redis Sentinel: node-redis 5's `createSentinel()`. */
export interface RedisSentinelClientLike {
	/** Send one raw command to the current primary (`isReadonly: false`) and resolve with its reply. */
	sendCommand(isReadonly: boolean | undefined, args: string[], options?: RedisCommandOptions): Promise<unknown>;
	/** How the store tells a Sentinel client from the others. */
	getSentinelNode(): unknown;
	/** The current primary's address, which a `StoreError` names when it is known. */
	getMasterNode?(): unknown;
}

/**
 * What `RedisTokenStore` accepts as `client`: a node-redis 5 client as made by `createClient()`, `createCluster()` or
 * `createSentinel()` from `redis`, whatever its modules, RESP version or type mapping.
 */
export type RedisClientLike = RedisSingleClientLike | RedisClusterClientLike | RedisSentinelClientLike;
