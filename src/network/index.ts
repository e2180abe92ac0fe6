export * from './moodle-network';
export { NatLayout } from './network-defaults';
