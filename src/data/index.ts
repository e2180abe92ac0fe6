export * from './moodle-data-props';
export * from './moodle-data';
export { DatabaseEngine } from './data-defaults';
