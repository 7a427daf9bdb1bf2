/**
 * @plasma-tree/watcher: re-executes the committed blocks of chains at any level and objects to invalid ones on
 * PlasmaRoot (children of the root) or on the parent chain (PROVE_CHILD_FRAUD, docs/FRAUD.md §7; data challenges §9, §9b). `Watcher.init(options)` runs one; the CLI's `plasma-tree watch` wraps it.
 */
export { Watcher } from './watcher.js';
export type { Host } from './host.js';
export { PHASE2_UNAVAILABLE } from './chain.js';
export { watcherError, type WatcherErrorCode } from './errors.js';
export { createLogger, silentLogger, type Logger, type LogLevel, type LogContext } from './logger.js';
export { createWatcherMetrics, type WatcherMetrics } from './metrics.js';
export {
  DEFAULT_STATUS_PORT,
  type ChainStatusJson,
  type Finding,
  type FindingKind,
  type FindingStatus,
  type Objection,
  type ObjectionStatus,
  type WatchedChain,
  type WatcherOptions,
  type WatcherStatus,
} from './types.js';
