export * from './moodle-cache';
export * from './moodle-cache-deployment';
export { CacheEngine } from './cache-defaults';
