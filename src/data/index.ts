export * from './moodle-data-props';
export * from './moodle-data';
export * from './moodle-database';
export { DatabaseEngine } from './data-defaults';
