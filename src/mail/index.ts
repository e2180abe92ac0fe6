export * from './moodle-mail';
