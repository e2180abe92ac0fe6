export * from './moodle-pipeline-props';
export * from './moodle-pipeline';
export * from './moodle-pipeline-interfaces';
export * from './moodle-image-tag';
export { MoodlePipelineSource } from './moodle-pipeline-source';
export * from './moodle-pipeline-source-options';
