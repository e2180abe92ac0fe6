export * from './moodle-service-props';
export * from './moodle-service';
