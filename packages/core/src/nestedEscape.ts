/**
 * The escape of holders inside a frozen chain's descendants (docs/FRAUD.md §4b, PlasmaNestedEscape): A is a
 * frozen child of the root with a final head H; the holder's chain K is reached along a path A → K1 → … → Kd = K. K1's
 * last final block n1 is judged in A's ledger at T0 = H.timestamp; each next Ki+1 in Ki's ledger at ni (the ledger half
 * of ni's state root) at Ti = ni's timestamp. The holders prove every level's ledger entries (the Child entry, its
 * Commitment records, its SubtreeBalance: the cap at that level) and, in K's parent's ledger, a Deposit or the absence
 * of a SpentExit or an EscapedSlot, then their account, exit or deposit. This module builds those arguments from A's
 * state at H, each level's headers and windowEnds, and each level's state at its last final block, and encodes the
 * three calls.
 */
import { addressEnc, bytes32Enc, callData, dynamicArrayEnc, fixedWordsEnc, headerEnc, tupleEnc, uintEnc, type Enc } from './abiEncoder.js';
import { ZERO_BYTES32 } from './bytes.js';
import { chainStateRoot, type ChainState } from './chainState.js';
import { chainIdOf, hashHeader } from './encoding.js';
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

/** K in its parent's ledger (A's, or the previous level's), and K's last final block n (the zero header when nothing of K is final). */
export interface FinalChild {
  record: ChildRecord;
  recordProof: LedgerProof;
  block: Header;
  windowEnd: bigint;
  blockProof: LedgerProof;
  /** Block n + 1's hash and windowEnd (> T), when n is below K's head in its parent's ledger; zero otherwise. */
  nextHash: Hex;
  nextWindowEnd: bigint;
  nextProof: LedgerProof;
}

/** SubtreeBalance(K, token) in K's parent's ledger, with its proof: what goes out through K at most. */
export interface Cap {
  amount: bigint;
  proof: LedgerProof;
}

/** A committed block of K as its parent's ledger records it: its header and windowEnd. */
export interface CommittedChildBlock {
  header: Header;
  windowEnd: bigint;
}

/**
 * A chain between A and the holder's chain (PlasmaNestedEscape's `NestedLevel`): its FinalChild in its parent's ledger
 * (a block n > 0) and the two halves of n's state root; `ledgerRoot` is the ledger the next level is proved in.
 */
export interface NestedLevel {
  child: FinalChild;
  accountsRoot: Hex;
  ledgerRoot: Hex;
}

/**
 * Where each nested call starts: A's frozen head, the levels between A and the holder's chain K (empty when K is a
 * child of A), and K's FinalChild in its parent's ledger.
 */
export interface NestedRoute {
  frozen: FrozenHead;
  via: NestedLevel[];
  final: FinalChild;
}

/** A route and what the proof builders read: per level (A's child first, K last), the child and its parent's ledger. */
export interface NestedPath extends NestedRoute {
  levels: { child: ChainId; ledger: ParentLedger }[];
}

/**
 * One chain of a path for buildNestedPath: its committed blocks as its parent's ledger records them (`blockOf`), and,
 * for every chain but the last (the holder's), its state after block n (its last final block): the next level's ledger.
 */
export interface NestedStep {
  child: ChainId;
  blockOf: (n: bigint) => CommittedChildBlock;
  stateAt?: (n: bigint) => ChainState;
}

/** Where a proof is not checked (no block final, or none after it): the empty tree's well-formed proof. */
const EMPTY_PROOF: LedgerProof = { bitmap: `0x${'0'.repeat(63)}1`, siblings: [] };

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
  if (entry?.kind !== LedgerKind.Child) throw nestedError('UNKNOWN_CHAIN', `chain ${child} is not a child of this ledger's chain`, 'name a child of the frozen chain (or of the previous level of the path)');
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

/** The caps of `token` along a path: SubtreeBalance of each level's child in its parent's ledger, A's child first. */
export function buildCaps(path: NestedPath, token: Address): Cap[] {
  return path.levels.map((l) => buildCap(l.ledger, l.child, token));
}

/** A level of the path from its FinalChild and the chain's state after its block n (root = n's state root). */
export function nestedLevel(final: FinalChild, state: ChainState): NestedLevel {
  const n = final.block.number;
  if (n === 0n) {
    throw nestedError('UNKNOWN_COMMITMENT', `no block of ${final.block.chainId === ZERO_BYTES32 ? 'this chain' : final.block.chainId} is final in its parent's ledger: nothing below it to escape from`, "its own holders' deposits in flight are reclaimed with a path that ends at it");
  }
  if (state.root !== final.block.stateRoot.toLowerCase()) {
    throw nestedError('STATE_ROOT_MISMATCH', `the state given is not block ${n} of ${final.block.chainId}: its root is not that block's state root`, "pass the chain's state after its last final block");
  }
  return { child: final, accountsRoot: state.accounts.root, ledgerRoot: state.ledger.root };
}

/**
 * The path from A's frozen head (`frozen`, with A's ledger at its head) through `steps` (A's child first, the holder's
 * chain last): each step's FinalChild in its parent's ledger at that parent's clock (A's head timestamp, then each
 * level's last final block's), each inner level split with its state at that block (`stateAt`).
 */
export function buildNestedPath(frozen: FrozenHead, ledger: ParentLedger, steps: readonly NestedStep[]): NestedPath {
  if (steps.length === 0) throw nestedError('VALUE_OUT_OF_RANGE', 'a nested path needs at least one chain below the frozen one', "name the holder's chain (and the chains between)");
  if (ledger.root !== frozen.ledgerRoot.toLowerCase()) {
    throw nestedError('STATE_ROOT_MISMATCH', "the ledger given is not the frozen head's", "pass the frozen chain's ledger at its head");
  }
  const via: NestedLevel[] = [];
  const levels: NestedPath['levels'] = [];
  let T = frozen.head.timestamp;
  for (const [i, step] of steps.entries()) {
    const child = step.child.toLowerCase() as ChainId;
    const final = buildFinalChild(ledger, child, T, step.blockOf);
    levels.push({ child, ledger });
    if (i === steps.length - 1) return { frozen, via, final, levels };
    const n = final.block.number;
    if (!step.stateAt) throw nestedError('STATE_ROOT_MISMATCH', `the state of ${child} after its block ${n} is needed: the next level is in its ledger`, 'give the step its stateAt');
    const state = step.stateAt(n);
    via.push(nestedLevel(final, state));
    ledger = state.ledger;
    T = final.block.timestamp;
  }
  throw new Error('unreachable');
}

/** The holder's chain of a route: A's descendant through the Child records' indexes. */
export function nestedChildOf(route: Pick<NestedRoute, 'frozen' | 'via' | 'final'>): ChainId {
  let id = route.frozen.chainId;
  for (const level of [...route.via.map((l) => l.child), route.final]) id = chainIdOf(id, level.record.index);
  return id.toLowerCase() as ChainId;
}

/** The holder's chain of a path and its parent's ledger (the path's last level). */
function lastLevel(path: NestedPath): { child: ChainId; ledger: ParentLedger } {
  return path.levels[path.levels.length - 1];
}

/**
 * escapeNestedExit's arguments after the route: K's ledger root, the slot's witness, the absence of the slot's
 * EscapedSlot entry in K's parent's ledger (a slot the parent paid itself with ESCAPE_CHILD_EXIT is in its accounts),
 * the caps of the slot's token at every level.
 */
export interface NestedAccountProof {
  childLedgerRoot: Hex;
  account: AccountWitness;
  escapedProof: LedgerProof;
  caps: Cap[];
}

/** Slot `slot` of K's state at its last final block (`childState`, whose root must be that block's state root). */
export function buildNestedAccountProof(path: NestedPath, childState: ChainState, slot: number): NestedAccountProof {
  const final = path.final;
  if (childState.root !== final.block.stateRoot.toLowerCase()) {
    throw nestedError('STATE_ROOT_MISMATCH', `the child's state given is not its block ${final.block.number}'s`, "pass the child's state at its last final block");
  }
  const { child, ledger } = lastLevel(path);
  const account = accountWitness(childState, slot);
  if (account.balance === 0n) throw nestedError('ZERO_AMOUNT', `slot ${slot} holds nothing`, 'escape a slot with a balance');
  if (ledger.isEscaped(child, slot)) {
    throw nestedError('ALREADY_ESCAPED', `slot ${slot} of ${child} was paid on its parent chain already`, "it is in an account of the parent chain: escape that account (one level up)");
  }
  return {
    childLedgerRoot: childState.ledger.root,
    account,
    escapedProof: ledger.proof(ledgerKeys.escapedSlot(child, slot)),
    caps: buildCaps(path, account.token),
  };
}

// ---- calldata ---------------------------------------------------------------------------------------------------

const HEADER_T = '(bytes32,uint64,bytes32,bytes32,bytes32,bytes32,uint64,uint64)';
const LEDGER_PROOF_T = '(uint256,bytes32[])';
const CHILD_RECORD_T = '(uint256,address,uint256,uint8,uint64,bytes32,uint64,uint64,uint64,uint64,uint64,uint64)';
const FROZEN_HEAD_T = `(bytes32,${HEADER_T},uint64,bytes32,bytes32)`;
const FINAL_CHILD_T = `(${CHILD_RECORD_T},${LEDGER_PROOF_T},${HEADER_T},uint64,${LEDGER_PROOF_T},bytes32,uint64,${LEDGER_PROOF_T})`;
const NESTED_LEVEL_T = `(${FINAL_CHILD_T},bytes32,bytes32)`;
const CAP_T = `(uint256,${LEDGER_PROOF_T})`;
const ACCOUNT_WITNESS_T = '(uint32,address,address,uint256,uint64,bytes32[32])';
const EXIT_T = '(address,address,uint256)';
/** Every entry point starts with the route: (FrozenHead a, NestedLevel[] via, FinalChild c). */
const ROUTE_T = `${FROZEN_HEAD_T},${NESTED_LEVEL_T}[],${FINAL_CHILD_T}`;

/** The Solidity signatures of PlasmaNestedEscape's entry points. */
export const NESTED_ESCAPE_SIGNATURES = Object.freeze({
  escapeNestedExit: `escapeNestedExit(${ROUTE_T},bytes32,${ACCOUNT_WITNESS_T},${LEDGER_PROOF_T},${CAP_T}[])`,
  exitNested: `exitNested(${ROUTE_T},${HEADER_T},uint64,${LEDGER_PROOF_T},${EXIT_T},uint256,bytes32[],${LEDGER_PROOF_T},${CAP_T}[])`,
  reclaimNested: `reclaimNested(${ROUTE_T},uint64,address,address,address,uint256,bytes32,${LEDGER_PROOF_T},${CAP_T}[])`,
});

export function encodeEscapeNestedExitCall(route: NestedRoute, p: NestedAccountProof): Hex {
  return callData(NESTED_ESCAPE_SIGNATURES.escapeNestedExit, [
    ...routeEnc(route), bytes32Enc(p.childLedgerRoot), accountEnc(p.account), ledgerProofEnc(p.escapedProof), capsEnc(p.caps),
  ]);
}

/** An exit of K's block `exitBlock` (number <= the final n) that K's parent never paid: its leaf proof and the SpentExit's absence. */
export interface NestedExitProof {
  exitBlock: CommittedChildBlock;
  exitBlockProof: LedgerProof;
  exit: Exit;
  index: bigint;
  exitProof: Hex[];
  spentProof: LedgerProof;
  caps: Cap[];
}

export function buildNestedExitProof(path: NestedPath, exitBlock: CommittedChildBlock, exit: Exit, index: bigint, exitProof: Hex[]): NestedExitProof {
  const { child, ledger } = lastLevel(path);
  const m = exitBlock.header.number;
  if (exitBlock.header.chainId.toLowerCase() !== child) {
    throw nestedError('CHAIN_ID_MISMATCH', `the exit's block is of ${exitBlock.header.chainId}, the path ends at ${child}`, "pass a block of the path's last chain");
  }
  if (ledger.isWithdrawn(child, m, index)) {
    throw nestedError('ALREADY_WITHDRAWN', `exit ${index} of block ${m} was paid on its parent chain already`, 'it is in an account of the parent chain: escape that account (one level up)');
  }
  return {
    exitBlock,
    exitBlockProof: ledger.proof(ledgerKeys.commitment(child, m)),
    exit,
    index,
    exitProof,
    spentProof: ledger.proof(ledgerKeys.spentExit(child, m, index)),
    caps: buildCaps(path, exit.token),
  };
}

export function encodeExitNestedCall(route: NestedRoute, p: NestedExitProof): Hex {
  return callData(NESTED_ESCAPE_SIGNATURES.exitNested, [
    ...routeEnc(route), headerEnc(p.exitBlock.header), uintEnc(p.exitBlock.windowEnd, 64), ledgerProofEnc(p.exitBlockProof),
    tupleEnc([addressEnc(p.exit.recipient), addressEnc(p.exit.token), uintEnc(p.exit.amount, 256)]), uintEnc(p.index, 256),
    dynamicArrayEnc(p.exitProof.map(bytes32Enc)), ledgerProofEnc(p.spentProof), capsEnc(p.caps),
  ]);
}

/** A deposit K's parent recorded for K that K's last final block did not apply: its stamped record and proof. */
export interface NestedDepositProof {
  nonce: bigint;
  from: Address;
  to: Address;
  token: Address;
  amount: bigint;
  record: Hex;
  depositProof: LedgerProof;
  caps: Cap[];
}

export function buildNestedDepositProof(path: NestedPath, d: Omit<NestedDepositProof, 'record' | 'depositProof' | 'caps'>): NestedDepositProof {
  const { child, ledger } = lastLevel(path);
  return { ...d, record: ledger.depositRecord(child, d.nonce), depositProof: ledger.proof(ledgerKeys.deposit(child, d.nonce)), caps: buildCaps(path, d.token) };
}

export function encodeReclaimNestedCall(route: NestedRoute, p: NestedDepositProof): Hex {
  return callData(NESTED_ESCAPE_SIGNATURES.reclaimNested, [
    ...routeEnc(route), uintEnc(p.nonce, 64), addressEnc(p.from), addressEnc(p.to), addressEnc(p.token), uintEnc(p.amount, 256),
    bytes32Enc(p.record), ledgerProofEnc(p.depositProof), capsEnc(p.caps),
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

const capsEnc = (caps: readonly Cap[]): Enc => dynamicArrayEnc(caps.map((c) => tupleEnc([uintEnc(c.amount, 256), ledgerProofEnc(c.proof)])));

const routeEnc = (r: NestedRoute): Enc[] => [
  frozenHeadEnc(r.frozen),
  dynamicArrayEnc(r.via.map((l) => tupleEnc([finalChildEnc(l.child), bytes32Enc(l.accountsRoot), bytes32Enc(l.ledgerRoot)]))),
  finalChildEnc(r.final),
];

const accountEnc = (a: AccountWitness): Enc =>
  tupleEnc([uintEnc(a.slot, 32), addressEnc(a.owner), addressEnc(a.token), uintEnc(a.balance, 256), uintEnc(a.nonce, 64), fixedWordsEnc(a.proof, 32, 'an account witness')]);

function nestedError(code: CoreErrorCode, message: string, hint: string): PlasmaError {
  return new PlasmaError(code, message, { hint });
}
