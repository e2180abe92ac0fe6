export * from './moodle-cache';
export { CacheEngine } from './cache-defaults';
