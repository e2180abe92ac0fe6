export * from './moodle-cache-interfaces';
export * from './moodle-cache';
export { CacheEngine } from './cache-defaults';
