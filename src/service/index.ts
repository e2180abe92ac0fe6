export * from './moodle-service-props';
export * from './moodle-service';
export * from './moodle-plugin';
export * from './moodle-site-import';
