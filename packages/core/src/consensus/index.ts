/** Consensus of a chain's validators (docs/CONSENSUS.md §1-§4): messages, certificates and the per-height engine. */
export * from './messages.js';
export * from './engine.js';
