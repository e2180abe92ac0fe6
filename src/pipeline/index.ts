export * from './moodle-pipeline';
export * from './moodle-pipeline-interfaces';
export * from './moodle-image-tag';
export {
  MoodlePipelineSource,
  MoodlePipelineSourceConfig,
  MoodleCodeCommitSourceOptions,
  MoodleConnectionSourceOptions,
  MoodleS3SourceOptions,
} from './moodle-pipeline-source';
