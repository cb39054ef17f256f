export { RedisTokenStore } from './stores/redis.js';

export type { RedisTokenStoreOptions } from './stores/redis.js';
export type {
	RedisClientLike,
	RedisClusterClientLike,
	RedisCommandOptions,
	RedisConnection,
	RedisSentinelClientLike,
	RedisSingleClientLike,
} from './stores/redis-connection.js';
