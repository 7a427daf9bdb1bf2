/**
 * @plasma-tree/contracts: compiled artifacts of the root contract, a real Hardhat node for tests and the devnet,
 * deploy helpers, the commit-signature packing, and the gas benchmark.
 * Compile first with `npm run build:contracts` (at the repository root).
 *
 * The protocol encodings (header hash, exit tree, EIP-712 digests) belong to `@plasma-tree/core`; this package's
 * own minimal copies (./encoding.ts) serve its tests and benchmark and are not exported, except what is specific
 * to PlasmaRoot's ABI.
 */
export * from './deploy.js';
export * from './hardhat-node.js';
export { probeL1ChainId, type L1Probe } from './l1.js';
export { packSignatures, signCommitment, type HeaderStruct, type ExitStruct } from './encoding.js';
export { measureGas, type GasReport } from './gas.js';
