/**
 * @plasma-tree/node: the Plasma Tree child-chain node as a library. `PlasmaNode.init(options)` runs one;
 * `src/bin.ts` is the process entry around it.
 */
export { PlasmaNode } from './node.js';
export { resolveNodeOptions, DEFAULT_RPC_PORT, type NodeOptions, type ParentOption, type ResolvedNodeOptions } from './options.js';
export type { ParentChain, ParentCommitment, ParentDeposits } from './parent/parentChain.js';
export { RootParent } from './parent/rootParent.js';
export { ChildParent, ParentNodeClient, type ParentFinality } from './parent/childParent.js';
export type { ChainParams } from './chain.js';
export { spawnNodeProcess, type NodeProcess, type NodeProcessOptions } from './nodeProcess.js';
export { optionsFromArgs, VALIDATOR_KEYS_ENV } from './config.js';
export {
  ChainStore,
  type BlockWrite,
  type ChainHead,
  type ChildDepositRecord,
  type ChildEdgeEventRecord,
  type ChildTokenDepositRecord,
  type CommitmentRecord,
  type Rejection,
  type StoredBlock,
  type TxLocation,
} from './db/chainStore.js';
export { buildEscapeProof, dataDirEscapeProofSource, escapeProofFromDataDir, escapeProofToJson, type EscapeProof, type EscapeProofJson, type EscapeProofQuery } from './escape.js';
export { nestedEscapeSourceFromDataDirs, type NestedEscapeSource, type NestedEscapeSourceQuery } from './escape.js';
export { STORE_FORMAT_VERSION } from './db/codec.js';
export { loadEdgeModule, type EdgeModule } from './edges.js';
export { FAULT_KINDS, FAULT_KIND_NAMES, FAULTS_FILE, faultWarning, parseFaultSpec, type FaultKind, type FaultPlan } from './faults/index.js';
export type { DownEvent } from './parent/confirmedDeposits.js';
export { Mempool, type MempoolComponents, type MempoolOptions, type PendingTx, type SubmitOrigin, type SubmitResult } from './mempool.js';
export { SignaturePool, type RecoveryItem, type RecoveryResult } from './sigPool.js';
export { LocalSignatureCollector, type SignatureCollector, type ValidatorSignature } from './l1/signatureCollector.js';
export { PlasmaError, isPlasmaError, nodeError, type NodeErrorCode } from './errors.js';
export { createLogger, silentLogger, LOG_LEVELS, type Logger, type LogLevel, type LogContext } from './logger.js';
export { createNodeMetrics, type NodeMetrics, type MetricSample } from './metrics.js';
export { RpcErrorCode } from './rpc/server.js';
