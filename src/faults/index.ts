export * from './moodle-fault-experiment';
export * from './moodle-fault-experiments';
