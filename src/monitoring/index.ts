export * from './alarm-thresholds';
export * from './moodle-monitoring';
