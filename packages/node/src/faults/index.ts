/** Fault injection (NodeOptions `faults`, docs/FRAUD.md §5): a validator node that produces invalid blocks on purpose, for tests. */
export { FAULT_KINDS, FAULT_KIND_NAMES, faultWarning, parseFaultSpec, resolveFaultPlan, type FaultKind, type FaultPlan, type ResolvedFaultPlan } from './plan.js';
export { FaultInjector, FAULTS_FILE, type Equivocation, type FaultHook, type Sealed, type SealInput } from './injector.js';
export { faultRpcMethods } from './rpc.js';
