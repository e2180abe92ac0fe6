export * from './moodle-pipeline-props';
export * from './moodle-pipeline';
export { MoodlePipelineSource } from './moodle-pipeline-source';
export * from './moodle-pipeline-source-options';
