export * from './moodle-service';
