export { RedisTokenStore } from './stores/redis/redis-token-store.js';

export type { RedisTokenStoreOptions } from './stores/redis/redis-token-store.js';
export type {
	RedisClientLike,
	RedisClusterClientLike,
	RedisCommandOptions,
	RedisSentinelClientLike,
	RedisSingleClientLike,
} from './stores/redis/client-types.js';
export type { RedisConnection } from './stores/redis/connection.js';
