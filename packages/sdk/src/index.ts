export { NodeClient } from './node-client.js';
export type {
  NodeClientOptions, ChainInfo, ChildChainInfo, ChildCommitment, ChildDepositRecord, LedgerProof, AccountInfo, Receipt, ReceiptStatus, WithdrawalProof, SendResult,
  EdgeDeliveryRecord, InboxEntry, ExitProof, ExitProofLeaf, DataChallengeRecord,
} from './node-client.js';
export { PlasmaClient, sleep, spawnChain } from './client.js';
export type {
  PlasmaClientOptions, WaitOptions, DepositOptions, DepositResult, L1DepositResult, FinalizeOptions, ExitPayout, TxResult, TxRequest, PreparedTx, PreparedFinalize, WithdrawalState, WithdrawalStatus, FinalizeResult,
  TokenInfo, ParentChainState, Commitment, SpawnChainArgs, SpawnChainResult, SpawnChildArgs, SpawnChildResult,
  EdgeCallArgs, EdgeCallResult, EdgeDelivery, EdgeDownDelivery, EdgeUpDelivery, EdgeUpState, EdgeUpStatus, EdgeRelayResult, PreparedEdgeFromChild,
} from './client.js';
export { TreeClient, treeConfigFromDevnet } from './tree-client.js';
export type { TreeClientOptions, NodeResolver, ChainRef, DevnetDescription, TreeDepositArgs, TreeSpawnArgs, ChainBalance, TreeEdgeCallArgs, TreeMessageArgs } from './tree-client.js';
export {
  resolveEdgeFunction, checkEdgePayload, checkEdgeCall, messagePayload, messageOfProof, edgeFromChildHash, edgeFromChildTx, sendEdgeEventL1, relayMessageL1,
  MAX_EDGE_PAYLOAD, MESSAGE_FN, MESSAGE_FN_NAME, NO_CHILD,
} from './edge.js';
export type { EdgeFunctionRef, ResolvedEdgeFunction, EdgeCallDirection, L1EdgeEvent, L1Relay } from './edge.js';
export type { RouteProgress, ExecuteRouteOptions, ResumeRouteOptions, RouteResult } from './route-exec.js';
export {
  readRouteState, writeRouteState, checkRouteState, newRouteState, nextAction, currentHop, recordedTxDecision, l1DepositDecision, sameRoute,
  ROUTE_STATE_VERSION, ROUTE_STATE_TYPE, UP_STEPS, DOWN_STEPS,
} from './route-state.js';
export type { RouteState, HopState, HopStep, UpStep, DownStep, RouteAction } from './route-state.js';
export { ERROR_HINTS, hintFor, errorNameToCode, bareMessage } from './errors.js';
export { mapL1Error, decodeRevert, plasmaRootInterface, plasmaRoot, erc20, ERC20_ABI, readL1Time, readTokenInfo } from './l1.js';
export { domainFor, typedDataFor, txHashOf, finalizeChildExitHash } from './protocol.js';
export { readTree, planRoute, findChain, walkTree, treeToJson, RootContractSource, NodeTreeSource, DEFAULT_ROUTE_ESTIMATES } from './tree.js';
export type { TreeNode, TreeNodeJson, OpenWindow, TreeSource, ChildRecord, CommitmentRecord, RootContractSourceOptions, NodeTreeSourceOptions, ReadTreeOptions, Route, RouteHop, HopKind, RouteEstimates } from './tree.js';
export { EscapeClient, escapeProofSource, nodeProofSource, escapeProofFromJson, checkWitness } from './escape.js';
export { ChainEscapeClient } from './escape-chain.js';
export { NestedEscapeClient, childOf, payAll } from './escape-nested.js';
export type { NestedEscapeClientOptions, NestedEscapeHost, NestedEscapeInputs, NestedEscapeStatus, NestedPayment, NestedProofs, NestedAccountResult, NestedExitResult, NestedReclaimResult, NestedEscapeAllResult } from './escape-nested.js';
export { ChainNestedEscapeClient } from './escape-nested-chain.js';
export type { ChainNestedEscapeStatus } from './escape-nested-chain.js';
export { DataChallengeClient } from './data-challenge.js';
export type { DataChallengeClientOptions, DataChallengeView, DataChallengeStatusName, DataChallenger } from './data-challenge.js';
export { ChainDataChallengeClient } from './data-challenge-chain.js';
export type { ChainDataChallengeClientOptions, ChainDataChallengeView } from './data-challenge-chain.js';
export type { ChainEscapeClientOptions, ChainHostEscapeStatus } from './escape-chain.js';
export type { EscapeHatch, EscapeHatchStatus, EscapeClientOptions, EscapeChainStatus, ChainStatusName, EscapeProofAnswer, EscapeProofSource, EscapeExitArgs, EscapeExitResult, ReclaimableDeposit, ReclaimResult } from './escape.js';
