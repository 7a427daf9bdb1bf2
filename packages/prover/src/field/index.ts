export * from './constants.js';
export * from './prime.js';
export * from './fields.js';
export * from './g1.js';
export * from './encoding.js';
