export * from './clock';
export * from './errors';
export * from './logger';
export * from './units';
export * from './validation';
export * from './rng';
