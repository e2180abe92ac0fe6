export * from './network';
export * from './data';
export * from './cache';
export * from './edge';
export * from './mail';
export * from './deploy-target';
export * from './image-tag';
export * from './service';
