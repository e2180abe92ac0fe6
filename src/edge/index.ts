export * from './moodle-edge-props';
export * from './moodle-edge';
export * from './moodle-edge-global';
export * from './moodle-web-acl';
export { OriginProtocol } from './edge-defaults';
