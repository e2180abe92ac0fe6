/**
 * The in-memory engine of MoodleCache. Both speak the Redis protocol that Moodle's Redis session
 * handler and cache store use.
 */
export enum CacheEngine {
  /** Valkey (the open-source fork of Redis 7.2; lower ElastiCache prices than Redis OSS). */
  VALKEY = 'valkey',
  /** Redis OSS. */
  REDIS_OSS = 'redis',
}

/**
 * Eviction policy of every node: `noeviction`. Moodle's Redis session handler sets an EXPIRE on
 * every session key, while its cache store keeps each cache definition in a hash without EXPIRE:
 * `volatile-lru` (the ElastiCache default) would evict sessions first and never the cache, and
 * `allkeys-lru` would evict sessions too. See docs/decisions/data-and-cache.md.
 */
export const CACHE_MAX_MEMORY_POLICY = 'noeviction';

/** Defaults of MoodleCache, in one place so docs, tests and presets agree. */
export const cacheDefaults = {
  engine: CacheEngine.VALKEY,
  /** Engine version of node-based caches, by engine. */
  engineVersion: { [CacheEngine.VALKEY]: '8.1', [CacheEngine.REDIS_OSS]: '7.1' } as Record<CacheEngine, string>,
  /** Major version of serverless caches, by engine. */
  serverlessMajorVersion: { [CacheEngine.VALKEY]: '8', [CacheEngine.REDIS_OSS]: '7' } as Record<CacheEngine, string>,
  nodeType: 'cache.t4g.small',
  replicas: 1,
  transitEncryption: true,
  port: 6379,
  snapshotRetentionDays: 1,
  /** Memory use (of the memory that counts toward eviction) at which the alarm fires, in percent. */
  memoryAlarmPercent: 80,
} as const;
