/**
 * @plasma-tree/core: the protocol as pure, deterministic code (docs/SPEC.md). Importing it initialises the
 * fast keccak (hash-wasm) through a top-level await; `initCore()` reports which backends are in use.
 */
export * from './types.js';
export * from './errors.js';
export * from './bytes.js';
export * from './hash.js';
export * from './abi.js';
export * from './encoding.js';
export * from './json.js';
export * from './merkle.js';
export * from './smt.js';
export * from './eip712.js';
export * from './signature.js';
export * from './state.js';
export * from './chainState.js';
export * from './txData.js';
export * from './stf.js';
export * from './block.js';
export * from './ledgerTree.js';
export * from './ledgerEntries.js';
export * from './parentLedger.js';
export * from './edge.js';
export * from './fraud.js';
export * from './ledgerFraud.js';
export * from './ledgerVerifier.js';
export * from './dataAvailability.js';
export * from './nestedEscape.js';
export * from './nestedEscapeCall.js';
export * from './consensus/index.js';
export { initCore, type CoreBackends } from './init.js';
