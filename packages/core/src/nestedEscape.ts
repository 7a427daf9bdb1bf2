/**
 * The escape of holders inside a frozen chain's children (docs/FRAUD.md §4b, PlasmaNestedEscape): A is a
 * frozen child of the root with a final head H; K is a child of A. K's holders leave from K's last final block in A's
 * ledger at H (windowEnd <= T = H.timestamp), proving A's ledger entries (K's Child entry, its Commitment records, its
 * SubtreeBalance, a Deposit, or the absence of a SpentExit or an EscapedSlot) against H's ledger root, then their account, exit or
 * deposit. This module builds those arguments from A's state at H, K's headers and windowEnds, and K's state at its last
 * final block, and encodes the three calls.
 */
import { addressEnc, bytes32Enc, callData, dynamicArrayEnc, fixedWordsEnc, headerEnc, tupleEnc, uintEnc, type Enc } from './abiEncoder.js';
import { ZERO_BYTES32 } from './bytes.js';
import { chainStateRoot, type ChainState } from './chainState.js';
import { hashHeader } from './encoding.js';
import { PlasmaError, type CoreErrorCode } from './errors.js';
import { accountWitness, ZERO_HEADER, type AccountWitness } from './fraud.js';
import { LedgerKind, ledgerKeys, validatorSetHash, type ChildEntry } from './ledgerEntries.js';
import type { LedgerProof } from './ledgerTree.js';
import { hashCommitmentRecord, type ParentLedger } from './parentLedger.js';
import type { Address, ChainId, Exit, Header, Hex } from './types.js';

/** The Child ledger entry's value (12 words), as the module takes it: the validator set as its hash. */
export type ChildRecord = Omit<ChildEntry, 'kind' | 'child' | 'validators'> & { validatorSetHash: Hex };

/** A frozen child of the root at its final head: the head, its windowEnd and the two halves of its state root. */
export interface FrozenHead {
  chainId: ChainId;
  head: Header;
  windowEnd: bigint;
  accountsRoot: Hex;
  ledgerRoot: Hex;
}

/** K in A's ledger, and K's last final block n (the zero header when nothing of K is final). */
export interface FinalChild {
  record: ChildRecord;
  recordProof: LedgerProof;
  block: Header;
  windowEnd: bigint;
  blockProof: LedgerProof;
  /** Block n + 1's hash and windowEnd (> T), when n is below K's head in A's ledger; zero otherwise. */
  nextHash: Hex;
  nextWindowEnd: bigint;
  nextProof: LedgerProof;
}

/** SubtreeBalance(K, token) in A's ledger, with its proof: what K's holders may take out at most. */
export interface Cap {
  amount: bigint;
  proof: LedgerProof;
}

/** A committed block of K as A's ledger records it: its header and windowEnd. */
export interface CommittedChildBlock {
  header: Header;
  windowEnd: bigint;
}

const EMPTY_PROOF: LedgerProof = { bitmap: ZERO_BYTES32, siblings: [] };

/** A frozen chain's final head and the split of its state root (checked: keccak256(accounts ‖ ledger) = head.stateRoot). */
export function frozenHead(state: ChainState, head: Header, windowEnd: bigint): FrozenHead {
  const accountsRoot = state.accounts.root;
  const ledgerRoot = state.ledger.root;
  if (chainStateRoot(accountsRoot, ledgerRoot) !== head.stateRoot.toLowerCase()) {
    throw nestedError('STATE_ROOT_MISMATCH', `the state given is not block ${head.number}'s: its root is not the head's state root`, 'pass the frozen chain\'s state at its head (escapeProofFromDataDir reads it from a node\'s data directory)');
  }
  return { chainId: head.chainId, head, windowEnd, accountsRoot, ledgerRoot };
}

/**
 * K's last final block in `ledger` at time `T` (the frozen parent's head timestamp): the highest number <= K's head
 * whose windowEnd is <= T, or 0. `blockOf(n)` gives K's committed block n (header and windowEnd, e.g. from the parent's
 * pt_getCommitment and K's node).
 */
export function lastFinalChildBlock(ledger: ParentLedger, child: ChainId, T: bigint, blockOf: (n: bigint) => CommittedChildBlock): bigint {
  for (let n = ledger.childInfo(child).headNumber; n > 0n; n--) {
    if (blockOf(n).windowEnd <= T) return n;
  }
  return 0n;
}

/** FinalChild for K in `ledger` at T (n = lastFinalChildBlock), every record checked against the ledger as it is built. */
export function buildFinalChild(ledger: ParentLedger, child: ChainId, T: bigint, blockOf: (n: bigint) => CommittedChildBlock): FinalChild {
  const key = ledgerKeys.child(child);
  const entry = ledger.entry(key);
  if (entry?.kind !== LedgerKind.Child) throw nestedError('UNKNOWN_CHAIN', `chain ${child} is not a child of this ledger's chain`, 'name a child of the frozen chain');
  const record = childRecord(entry);
  const n = lastFinalChildBlock(ledger, child, T, blockOf);
  const committed = (m: bigint): CommittedChildBlock => {
    const b = blockOf(m);
    if (ledger.commitmentRecord(child, m) !== commitmentRecordOf(b)) {
      throw nestedError('UNKNOWN_COMMITMENT', `block ${m} of ${child} is not committed in this ledger with that header and windowEnd`, 'pass the headers and windowEnds as the parent recorded them (pt_getCommitment)');
    }
    return b;
  };
  const final = n > 0n ? committed(n) : { header: ZERO_HEADER, windowEnd: 0n };
  const next = n < record.headNumber ? committed(n + 1n) : undefined;
  return {
    record,
    recordProof: ledger.proof(key),
    block: final.header,
    windowEnd: final.windowEnd,
    blockProof: n > 0n ? ledger.proof(ledgerKeys.commitment(child, n)) : EMPTY_PROOF,
    nextHash: next ? hashHeader(next.header) : ZERO_BYTES32,
    nextWindowEnd: next?.windowEnd ?? 0n,
    nextProof: next ? ledger.proof(ledgerKeys.commitment(child, n + 1n)) : EMPTY_PROOF,
  };
}

export function buildCap(ledger: ParentLedger, child: ChainId, token: Address): Cap {
  return { amount: ledger.subtreeBalance(child, token), proof: ledger.proof(ledgerKeys.subtreeBalance(child, token)) };
}

/**
 * escapeNestedExit's arguments after the frozen head and final child: K's ledger root, the slot's witness, the absence
 * of the slot's EscapedSlot entry in A's ledger (a slot A paid itself with ESCAPE_CHILD_EXIT is in A's accounts), the cap.
 */
export interface NestedAccountProof {
  childLedgerRoot: Hex;
  account: AccountWitness;
  escapedProof: LedgerProof;
  cap: Cap;
}

/** Slot `slot` of K's state at its last final block (`childState`, whose root must be that block's state root). */
export function buildNestedAccountProof(parentLedger: ParentLedger, final: FinalChild, childState: ChainState, slot: number): NestedAccountProof {
  if (childState.root !== final.block.stateRoot.toLowerCase()) {
    throw nestedError('STATE_ROOT_MISMATCH', `the child's state given is not its block ${final.block.number}'s`, "pass the child's state at its last final block");
  }
  const child = final.block.chainId;
  const account = accountWitness(childState, slot);
  if (account.balance === 0n) throw nestedError('ZERO_AMOUNT', `slot ${slot} holds nothing`, 'escape a slot with a balance');
  if (parentLedger.isEscaped(child, slot)) {
    throw nestedError('ALREADY_ESCAPED', `slot ${slot} of ${child} was paid on the frozen chain already`, "it is in an account of the frozen chain: escape that account with escapeExit");
  }
  return {
    childLedgerRoot: childState.ledger.root,
    account,
    escapedProof: parentLedger.proof(ledgerKeys.escapedSlot(child, slot)),
    cap: buildCap(parentLedger, child, account.token),
  };
}

// ---- calldata ---------------------------------------------------------------------------------------------------

const HEADER_T = '(bytes32,uint64,bytes32,bytes32,bytes32,bytes32,uint64,uint64)';
const LEDGER_PROOF_T = '(uint256,bytes32[])';
const CHILD_RECORD_T = '(uint256,address,uint256,uint8,uint64,bytes32,uint64,uint64,uint64,uint64,uint64,uint64)';
const FROZEN_HEAD_T = `(bytes32,${HEADER_T},uint64,bytes32,bytes32)`;
const FINAL_CHILD_T = `(${CHILD_RECORD_T},${LEDGER_PROOF_T},${HEADER_T},uint64,${LEDGER_PROOF_T},bytes32,uint64,${LEDGER_PROOF_T})`;
const CAP_T = `(uint256,${LEDGER_PROOF_T})`;
const ACCOUNT_WITNESS_T = '(uint32,address,address,uint256,uint64,bytes32[32])';
const EXIT_T = '(address,address,uint256)';

/** The Solidity signatures of PlasmaNestedEscape's entry points. */
export const NESTED_ESCAPE_SIGNATURES = Object.freeze({
  escapeNestedExit: `escapeNestedExit(${FROZEN_HEAD_T},${FINAL_CHILD_T},bytes32,${ACCOUNT_WITNESS_T},${LEDGER_PROOF_T},${CAP_T})`,
  exitNested: `exitNested(${FROZEN_HEAD_T},${FINAL_CHILD_T},${HEADER_T},uint64,${LEDGER_PROOF_T},${EXIT_T},uint256,bytes32[],${LEDGER_PROOF_T},${CAP_T})`,
  reclaimNested: `reclaimNested(${FROZEN_HEAD_T},${FINAL_CHILD_T},uint64,address,address,address,uint256,bytes32,${LEDGER_PROOF_T},${CAP_T})`,
});

export function encodeEscapeNestedExitCall(a: FrozenHead, c: FinalChild, p: NestedAccountProof): Hex {
  return callData(NESTED_ESCAPE_SIGNATURES.escapeNestedExit, [
    frozenHeadEnc(a), finalChildEnc(c), bytes32Enc(p.childLedgerRoot), accountEnc(p.account), ledgerProofEnc(p.escapedProof), capEnc(p.cap),
  ]);
}

/** An exit of K's block `exitBlock` (number <= the final n) that A never paid: its leaf proof and the SpentExit's absence. */
export interface NestedExitProof {
  exitBlock: CommittedChildBlock;
  exitBlockProof: LedgerProof;
  exit: Exit;
  index: bigint;
  exitProof: Hex[];
  spentProof: LedgerProof;
  cap: Cap;
}

export function buildNestedExitProof(parentLedger: ParentLedger, exitBlock: CommittedChildBlock, exit: Exit, index: bigint, exitProof: Hex[]): NestedExitProof {
  const child = exitBlock.header.chainId;
  const m = exitBlock.header.number;
  if (parentLedger.isWithdrawn(child, m, index)) {
    throw nestedError('ALREADY_WITHDRAWN', `exit ${index} of block ${m} was paid on the frozen chain already`, 'it is in an account of the frozen chain: escape that account with escapeExit');
  }
  return {
    exitBlock,
    exitBlockProof: parentLedger.proof(ledgerKeys.commitment(child, m)),
    exit,
    index,
    exitProof,
    spentProof: parentLedger.proof(ledgerKeys.spentExit(child, m, index)),
    cap: buildCap(parentLedger, child, exit.token),
  };
}

export function encodeExitNestedCall(a: FrozenHead, c: FinalChild, p: NestedExitProof): Hex {
  return callData(NESTED_ESCAPE_SIGNATURES.exitNested, [
    frozenHeadEnc(a), finalChildEnc(c), headerEnc(p.exitBlock.header), uintEnc(p.exitBlock.windowEnd, 64), ledgerProofEnc(p.exitBlockProof),
    tupleEnc([addressEnc(p.exit.recipient), addressEnc(p.exit.token), uintEnc(p.exit.amount, 256)]), uintEnc(p.index, 256),
    dynamicArrayEnc(p.exitProof.map(bytes32Enc)), ledgerProofEnc(p.spentProof), capEnc(p.cap),
  ]);
}

/** A deposit A recorded for K that K's last final block did not apply: its stamped record and proof. */
export interface NestedDepositProof {
  nonce: bigint;
  from: Address;
  to: Address;
  token: Address;
  amount: bigint;
  record: Hex;
  depositProof: LedgerProof;
  cap: Cap;
}

export function buildNestedDepositProof(parentLedger: ParentLedger, child: ChainId, d: Omit<NestedDepositProof, 'record' | 'depositProof' | 'cap'>): NestedDepositProof {
  return { ...d, record: parentLedger.depositRecord(child, d.nonce), depositProof: parentLedger.proof(ledgerKeys.deposit(child, d.nonce)), cap: buildCap(parentLedger, child, d.token) };
}

export function encodeReclaimNestedCall(a: FrozenHead, c: FinalChild, p: NestedDepositProof): Hex {
  return callData(NESTED_ESCAPE_SIGNATURES.reclaimNested, [
    frozenHeadEnc(a), finalChildEnc(c), uintEnc(p.nonce, 64), addressEnc(p.from), addressEnc(p.to), addressEnc(p.token), uintEnc(p.amount, 256),
    bytes32Enc(p.record), ledgerProofEnc(p.depositProof), capEnc(p.cap),
  ]);
}

// ---- encoders -----------------------------------------------------------------------------------------------------

function childRecord(e: ChildEntry): ChildRecord {
  return {
    index: e.index, spawner: e.spawner, bond: e.bond, threshold: e.threshold, challengeWindow: e.challengeWindow, validatorSetHash: validatorSetHash(e.validators),
    headNumber: e.headNumber, headWindowEnd: e.headWindowEnd, headDepositNonce: e.headDepositNonce, depositCount: e.depositCount, spawnedAt: e.spawnedAt, stallLimit: e.stallLimit,
  };
}

/** The Commitment entry's record of a committed block: keccak256(abi.encode(blockHash, uint64 windowEnd)). */
function commitmentRecordOf(b: CommittedChildBlock): Hex {
  return hashCommitmentRecord(hashHeader(b.header), b.windowEnd);
}

const ledgerProofEnc = (p: LedgerProof): Enc => tupleEnc([bytes32Enc(p.bitmap), dynamicArrayEnc(p.siblings.map(bytes32Enc))]);

const frozenHeadEnc = (a: FrozenHead): Enc =>
  tupleEnc([bytes32Enc(a.chainId), headerEnc(a.head), uintEnc(a.windowEnd, 64), bytes32Enc(a.accountsRoot), bytes32Enc(a.ledgerRoot)]);

function finalChildEnc(c: FinalChild): Enc {
  const r = c.record;
  const record = tupleEnc([
    uintEnc(r.index, 256), addressEnc(r.spawner), uintEnc(r.bond, 256), uintEnc(r.threshold, 8), uintEnc(r.challengeWindow, 64), bytes32Enc(r.validatorSetHash),
    uintEnc(r.headNumber, 64), uintEnc(r.headWindowEnd, 64), uintEnc(r.headDepositNonce, 64), uintEnc(r.depositCount, 64), uintEnc(r.spawnedAt, 64), uintEnc(r.stallLimit, 64),
  ]);
  return tupleEnc([
    record, ledgerProofEnc(c.recordProof), headerEnc(c.block), uintEnc(c.windowEnd, 64), ledgerProofEnc(c.blockProof), bytes32Enc(c.nextHash), uintEnc(c.nextWindowEnd, 64), ledgerProofEnc(c.nextProof),
  ]);
}

const capEnc = (c: Cap): Enc => tupleEnc([uintEnc(c.amount, 256), ledgerProofEnc(c.proof)]);

const accountEnc = (a: AccountWitness): Enc =>
  tupleEnc([uintEnc(a.slot, 32), addressEnc(a.owner), addressEnc(a.token), uintEnc(a.balance, 256), uintEnc(a.nonce, 64), fixedWordsEnc(a.proof, 32, 'an account witness')]);

function nestedError(code: CoreErrorCode, message: string, hint: string): PlasmaError {
  return new PlasmaError(code, message, { hint });
}
