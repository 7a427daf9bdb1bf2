export { NodeClient } from './node-client.js';
export type { NodeClientOptions, ChainInfo, ChildChainInfo, ChildCommitment, AccountInfo, Receipt, ReceiptStatus, WithdrawalProof, SendResult } from './node-client.js';
export { PlasmaClient, sleep, spawnChain } from './client.js';
export type { PlasmaClientOptions, WaitOptions, DepositResult, TxResult, WithdrawalState, WithdrawalStatus, FinalizeResult, TokenInfo, ParentChainState, Commitment, SpawnChainArgs, SpawnChainResult } from './client.js';
export { ERROR_HINTS, hintFor, errorNameToCode, bareMessage } from './errors.js';
export { mapL1Error, decodeRevert, plasmaRootInterface, plasmaRoot, erc20, ERC20_ABI, readL1Time, readTokenInfo } from './l1.js';
export { domainFor, typedDataFor, txHashOf } from './protocol.js';
export { readTree, planRoute, findChain, walkTree, treeToJson, RootContractSource, NodeTreeSource, DEFAULT_ROUTE_ESTIMATES } from './tree.js';
export type { TreeNode, TreeNodeJson, OpenWindow, TreeSource, ChildRecord, CommitmentRecord, RootContractSourceOptions, NodeTreeSourceOptions, ReadTreeOptions, Route, RouteHop, HopKind, RouteEstimates } from './tree.js';
