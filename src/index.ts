export * from './network';
export * from './data';
export * from './cache';
export * from './edge';
export * from './service';
export * from './pipeline';
