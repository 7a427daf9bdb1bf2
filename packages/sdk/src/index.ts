export { NodeClient } from './node-client.js';
export type { NodeClientOptions, ChainInfo, AccountInfo, Receipt, ReceiptStatus, WithdrawalProof, SendResult } from './node-client.js';
export { PlasmaClient, sleep, spawnChain } from './client.js';
export type { PlasmaClientOptions, WaitOptions, DepositResult, TxResult, WithdrawalState, WithdrawalStatus, FinalizeResult, TokenInfo, ParentChainState, Commitment, SpawnChainArgs, SpawnChainResult } from './client.js';
export { ERROR_HINTS, hintFor, errorNameToCode, bareMessage } from './errors.js';
export { mapL1Error, decodeRevert, plasmaRootInterface, plasmaRoot, erc20, ERC20_ABI } from './l1.js';
export { domainFor, typedDataFor, txHashOf } from './protocol.js';
