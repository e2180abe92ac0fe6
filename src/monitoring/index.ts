export * from './moodle-monitoring';
