export * from './network';
export * from './data';
export * from './cache';
export * from './edge';
export * from './service';
export * from './pipeline';
export * from './monitoring';
export { MoodlePreset } from './presets';
export * from './moodle-on-fargate';
