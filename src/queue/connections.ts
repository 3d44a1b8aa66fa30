import IORedis, { type RedisOptions } from 'ioredis';

/**
 * Producers (the API) fail fast when Redis is away: the draft is already committed and the sweeper will
 * enqueue it later. Workers wait for Redis forever (`maxRetriesPerRequest: null`, as BullMQ requires).
 */
export function createRedis(url: string, role: 'producer' | 'worker' | 'subscriber'): IORedis {
  const options: RedisOptions =
    role === 'producer' ? { maxRetriesPerRequest: 1, enableOfflineQueue: false, connectTimeout: 2_000, lazyConnect: false } : { maxRetriesPerRequest: null, enableOfflineQueue: true };
  const redis = new IORedis(url, { ...options, retryStrategy: (times) => Math.min(times * 200, 2_000) });
  // Connection errors are reported through health checks; unhandled 'error' events would crash the process.
  redis.on('error', () => undefined);
  return redis;
}
