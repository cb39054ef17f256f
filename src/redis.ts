export { RedisTokenStore } from './stores/redis.js';

export type { RedisTokenStoreOptions } from './stores/redis.js';
export type { RedisClientLike, RedisCommandOptions, RedisConnection } from './stores/redis-connection.js';
