/**
 * Objections, phase 1 (docs/FRAUD.md): the proofs PlasmaRoot accepts against a block of one of its children, built
 * from the block, its parent header and the pre-state, and their ABI encoding as PlasmaRoot calls.
 *
 * The verifier on this side is core's STF itself (`applyTx`): a transaction is at fault when the STF refuses it or
 * its recomputed post-state root is not the one the block claims. The contract (PlasmaFraudVerifier) re-executes
 * kinds 0-2 on one or two account witnesses; the shared vectors (contracts/test/fraud-vectors.test.ts) check that
 * both sides agree on leaves and roots byte for byte.
 *
 * | kind | proof | PlasmaRoot entry point |
 * |---|---|---|
 * | InvalidDeposit / InvalidTransfer / InvalidWithdraw | tx witness, pre-tx witness, pre-state split, account witnesses | `proveInvalidTransition` |
 * | MissingDownEvent | a tx witness (all zero for an empty position) among the header's down positions | `proveMissingDownEvent` |
 * | MalformedTx | a tx witness | `proveMalformedTx` |
 * | Equivocation | two headers of one height, each with a quorum | `proveEquivocation` |
 * | BadTimestamp | the header and its parent's | `proveBadTimestamp` |
 * | InvalidExits | one or two tx witnesses (each leaf carries its exit index) and one exit-tree leaf | `proveInvalidExits` |
 * | SkippedDeposit | the header and its parent's (the overdue record is the host's) | `proveSkippedDeposit` |
 * | InvalidLedgerTx | as a transition, plus the ledger entries the tx touches (docs/LEDGER-PROOFS.md) | `proveInvalidTransition` (11th argument) |
 */
import { decodeWords, WORD, type DecodedAbiValue, type StaticAbiType } from './abi.js';
import { addressEnc, bytes32Enc, bytesEnc, callData, dynamicArrayEnc, fixedWordsEnc, headerEnc, staticEnc, tupleEnc, uintEnc, type Enc } from './abiEncoder.js';
import { bytesToHex, hexToBytes, ZERO_BYTES32 } from './bytes.js';
import { EMPTY_STATE_ROOT, type ChainState } from './chainState.js';
import type { BlockContext } from './block.js';
import { txLeaves } from './block.js';
import { encodeBlockTx, exitTreeLeaf, hashHeader, makesExit, recordTime, txExitIndexes } from './encoding.js';
import { isPlasmaError, PlasmaError } from './errors.js';
import { MerkleTree } from './merkle.js';
import { applyTx, checkBlockTxForm, type StfContext } from './stf.js';
import { decodeEdgeSendData } from './txData.js';
import { ledgerEntryValue, isDefaultLedgerEntry, type LedgerEntry } from './ledgerEntries.js';
import { edgeLedgerRefusal, isEdgeKind, isProvableLedgerTx, ledgerTouchPlan, PROVABLE_LEDGER_KINDS, type LedgerTouchPlan } from './ledgerFraud.js';
import { MAX_LEDGER_PROOF_WORDS, type LedgerProof } from './ledgerTree.js';
import { EXIT_TREE_DEPTH, TX_TREE_DEPTH, TxKind, ZERO_ADDRESS, type Address, type Block, type BlockTx, type ChainId, type ExitTreeLeaf, type Header, type Hex } from './types.js';

/** PlasmaRoot.MIN_BOND: half of it pays the worst-case proof (500,000 gas at 200 gwei), docs/FRAUD.md §1. A chain's
 *  SPAWN_CHILD minimum stays MIN_BOND (ParentLedger) until phase 2. */
export const ROOT_MIN_BOND = 2n * 10n ** 17n;

/**
 * The smallest bond PlasmaRoot takes for a chain of `threshold`: ROOT_MIN_BOND per started 32 signatures
 * (`MIN_BOND * (1 + threshold / 32)`), so that half of it pays an equivocation proof checking two quorums at 200 gwei.
 */
export function rootMinBond(threshold: number): bigint {
  return ROOT_MIN_BOND * (1n + BigInt(Math.trunc(threshold)) / 32n);
}

/** PlasmaRoot's FRAUD_* constants (FraudProven.kind); 0-2 are the kinds of the invalid transaction. */
export enum FraudKind {
  InvalidDeposit = 0,
  InvalidTransfer = 1,
  InvalidWithdraw = 2,
  MissingDownEvent = 3,
  MalformedTx = 4,
  Equivocation = 5,
  BadTimestamp = 6,
  /** The block's exit tree is not the exits its transactions make (docs/FRAUD.md §3, proveInvalidExits). */
  InvalidExits = 7,
  /** A data-availability challenge the validators did not answer in time (docs/FRAUD.md §9). */
  UnavailableData = 8,
  /** The block was committed more than the stall limit after the next down event it left out was recorded (§3). */
  SkippedDeposit = 9,
  /** A tx of kind 3-15 (a parent's ledger kinds) that the STF refuses or whose post-state root is wrong (docs/LEDGER-PROOFS.md). */
  InvalidLedgerTx = 10,
}

/** PlasmaRoot's chain status (chainStatus). */
export enum ChainStatus {
  Live = 0,
  FrozenFraud = 1,
  FrozenStalled = 2,
}

/** PlasmaFraudVerifier's FAULT_* codes: why the STF refuses a tx (0 = it does not); kinds 3-15 all refuse as LedgerRefused. */
export enum TransitionFault {
  Valid = 0,
  Malformed = 1,
  ZeroAmount = 2,
  SelfTransfer = 3,
  BadSignature = 4,
  UnknownSlot = 5,
  SlotOwnerMismatch = 6,
  SlotTokenMismatch = 7,
  NonceMismatch = 8,
  InsufficientBalance = 9,
  SlotOccupied = 10,
  BalanceOverflow = 11,
  PostRootMismatch = 12,
  DepositOutOfOrder = 13,
  DepositBeyondHeader = 14,
  DepositMismatch = 15,
  /** A tx of kind 3-15 refused by the STF: its ledger module names the code (LedgerTransitionProof.refusal). */
  LedgerRefused = 16,
}

const FAULT_OF_STF_CODE: Record<string, TransitionFault> = {
  MALFORMED_TX: TransitionFault.Malformed,
  ZERO_AMOUNT: TransitionFault.ZeroAmount,
  SELF_TRANSFER: TransitionFault.SelfTransfer,
  BAD_SIGNATURE: TransitionFault.BadSignature,
  UNKNOWN_SLOT: TransitionFault.UnknownSlot,
  SLOT_OWNER_MISMATCH: TransitionFault.SlotOwnerMismatch,
  SLOT_TOKEN_MISMATCH: TransitionFault.SlotTokenMismatch,
  NONCE_MISMATCH: TransitionFault.NonceMismatch,
  INSUFFICIENT_BALANCE: TransitionFault.InsufficientBalance,
  SLOT_OCCUPIED: TransitionFault.SlotOccupied,
  BALANCE_OVERFLOW: TransitionFault.BalanceOverflow,
  DEPOSIT_OUT_OF_ORDER: TransitionFault.DepositOutOfOrder,
  DEPOSIT_MISMATCH: TransitionFault.DepositMismatch,
};

// ---- witnesses ------------------------------------------------------------------------------------------------

/** A transaction of a block with its place in the header's txRoot (Solidity `TxWitness`; `data` is `tx.data`). */
export interface TxWitness {
  tx: BlockTx;
  postStateRoot: Hex;
  /** The leaf's exitIndex word: the exit leaves the block's earlier txs made (0 for the empty position). */
  exitIndex: number;
  index: number;
  /** TX_TREE_DEPTH siblings, from the leaf upward. */
  proof: Hex[];
}

/** One leaf of a block's exit tree with its place under the header's exitRoot (Solidity `ExitWitness`; leaf 0 = empty). */
export interface ExitWitness {
  leaf: Hex;
  index: number;
  /** EXIT_TREE_DEPTH siblings, from the leaf upward. */
  proof: Hex[];
}

/** One slot of an accounts tree (Solidity `AccountWitness`); an empty slot has owner = token = 0, balance = nonce = 0. */
export interface AccountWitness {
  slot: number;
  owner: Address;
  token: Address;
  balance: bigint;
  nonce: bigint;
  /** 32 siblings, from the leaf upward. */
  proof: Hex[];
}

/** The all-zero header a proof about block 1 gives as its previous header. */
export const ZERO_HEADER: Header = Object.freeze({
  chainId: ZERO_BYTES32,
  number: 0n,
  parentHash: ZERO_BYTES32,
  txRoot: ZERO_BYTES32,
  stateRoot: ZERO_BYTES32,
  exitRoot: ZERO_BYTES32,
  depositNonce: 0n,
  timestamp: 0n,
}) as Header;

/** The witness of an empty tx-tree position: an all-zero tx (MissingDownEvent proves the zero leaf with it). */
export const EMPTY_TX: BlockTx = Object.freeze({
  kind: TxKind.Deposit,
  slot: 0,
  toSlot: 0,
  from: ZERO_ADDRESS,
  to: ZERO_ADDRESS,
  token: ZERO_ADDRESS,
  amount: 0n,
  nonce: 0n,
  r: ZERO_BYTES32,
  s: ZERO_BYTES32,
  v: 0,
  data: '0x',
}) as BlockTx;

/** The tx tree of `block` (over its txs and claimed post roots). */
function txTreeOf(block: Block): MerkleTree {
  return new MerkleTree(txLeaves(block.txs, block.postRoots), TX_TREE_DEPTH);
}

function checkTxRoot(block: Block, tree: MerkleTree): void {
  const root = bytesToHex(tree.root);
  if (root !== block.header.txRoot.toLowerCase()) {
    throw new PlasmaError('FRAUD_PROOF_UNAVAILABLE', `block ${block.header.number}'s transactions hash to ${root}, its header says ${block.header.txRoot}`, {
      hint: 'a proof needs the transactions the header commits to: fetch the block again from another validator',
      data: { expected: block.header.txRoot, found: root },
    });
  }
}

/** Tx `index` of `block` with its tx-tree proof; an index past the last tx gives the empty position. */
export function txWitness(block: Block, index: number, tree: MerkleTree = txTreeOf(block)): TxWitness {
  const proof = tree.proof(index).map(bytesToHex);
  if (index >= block.txs.length) return { tx: EMPTY_TX, postStateRoot: ZERO_BYTES32, exitIndex: 0, index, proof };
  const exitIndex = txExitIndexes(block.txs.slice(0, index + 1))[index];
  return { tx: block.txs[index], postStateRoot: block.postRoots[index].toLowerCase() as Hex, exitIndex, index, proof };
}

/** Slot `slot` of `state`'s accounts tree with its proof (empty slots included). */
export function accountWitness(state: ChainState, slot: number): AccountWitness {
  const account = state.accounts.get(slot);
  const proof = state.accounts.proof(slot);
  if (account === undefined) return { slot, owner: ZERO_ADDRESS, token: ZERO_ADDRESS, balance: 0n, nonce: 0n, proof };
  return { slot, owner: account.owner, token: account.token, balance: account.balance, nonce: account.nonce, proof };
}

// ---- proofs -----------------------------------------------------------------------------------------------------

interface OneBlockProof {
  /** The disputed block's header. */
  header: Header;
  /** Its parent's header; ZERO_HEADER for block 1. */
  prev: Header;
}

export interface TransitionProof extends OneBlockProof {
  kind: FraudKind.InvalidDeposit | FraudKind.InvalidTransfer | FraudKind.InvalidWithdraw;
  /** What core's STF says is wrong (the contract may name another fault of a tx with several). */
  fault: TransitionFault;
  tx: TxWitness;
  /** Tx `index - 1` (its post root is the pre-state root); tx 0 passes an empty witness. */
  preTx: TxWitness;
  accountsRoot: Hex;
  ledgerRoot: Hex;
  accounts: AccountWitness[];
}

/** One ledger entry a tx of kind 3-15 touches: its value before the tx ('0x' = the default) and its proof (§1.3). */
export interface LedgerEntryWitness {
  value: Hex;
  proof: LedgerProof;
}

/** Solidity `LedgerTxWitness`: the touch list's entries in order, and the kind's extra witness. */
export interface LedgerTxWitness {
  entries: LedgerEntryWitness[];
  extra: Hex;
}

/**
 * A tx of kind 3-15 is an invalid transition (docs/LEDGER-PROOFS.md): PlasmaRoot.proveInvalidTransition with the
 * ledger witness as its 11th argument; FraudProven kind InvalidLedgerTx.
 */
export interface LedgerTransitionProof extends OneBlockProof {
  kind: FraudKind.InvalidLedgerTx;
  /** Core's error code when the STF refuses the tx (the module names the same); undefined: the post root is wrong. */
  refusal?: string;
  tx: TxWitness;
  preTx: TxWitness;
  accountsRoot: Hex;
  ledgerRoot: Hex;
  accounts: AccountWitness[];
  ledger: LedgerTxWitness;
}

export interface MissingDownEventProof extends OneBlockProof {
  kind: FraudKind.MissingDownEvent;
  tx: TxWitness;
}

export interface MalformedTxProof extends OneBlockProof {
  kind: FraudKind.MalformedTx;
  tx: TxWitness;
}

export interface BadTimestampProof extends OneBlockProof {
  kind: FraudKind.BadTimestamp;
}

/** The header leaves out down event `header.depositNonce + 1`, recorded more than the stall limit before its commit. */
export interface SkippedDepositProof extends OneBlockProof {
  kind: FraudKind.SkippedDeposit;
}

/**
 * The block's exit tree is not the exits its transactions make (PlasmaRoot.proveInvalidExits; docs/FRAUD.md §3):
 * `tx` makes an exit and `exit` (at its exitIndex) is another leaf; or `tx` is tx 0 with exitIndex ≠ 0; or `next` (tx
 * `tx.index + 1`) has an exitIndex other than tx's plus the exit tx makes; or `next` is the empty position (tx is the
 * last tx; for a block without txs `tx` is the empty position 0) and `exit` is a non-zero leaf at or past the count.
 */
export interface InvalidExitsProof extends OneBlockProof {
  kind: FraudKind.InvalidExits;
  tx: TxWitness;
  next: TxWitness;
  exit: ExitWitness;
}

export interface EquivocationProof {
  kind: FraudKind.Equivocation;
  header: Header;
  signatures: Hex;
  header2: Header;
  signatures2: Hex;
  /** The header of block `number - 1` (ZERO_HEADER for block 1): needed when the proof rolls the chain back. */
  prev: Header;
}

export type FraudProof =
  | TransitionProof
  | MissingDownEventProof
  | MalformedTxProof
  | BadTimestampProof
  | SkippedDepositProof
  | EquivocationProof
  | InvalidExitsProof
  | LedgerTransitionProof;

/** The windowEnds the root recorded: of the disputed block (for an equivocation: of whichever is committed, else 0)
 *  and of its parent (0 for block 1). */
export interface ProofWindows {
  windowEnd: bigint;
  prevWindowEnd: bigint;
}

function unavailable(message: string, hint: string, data: Record<string, unknown> = {}): PlasmaError {
  return new PlasmaError('FRAUD_PROOF_UNAVAILABLE', message, { hint, data });
}

function notFraud(message: string, hint: string, data: Record<string, unknown> = {}): PlasmaError {
  return new PlasmaError('NOT_FRAUD', message, { hint, data });
}

/** The StfContext of tx 0 of `block`. */
function stfContextOf(block: Block, prev: Header, ctx: BlockContext): StfContext {
  return { ...ctx, lastDepositNonce: prev.depositNonce, timestamp: block.header.timestamp };
}

function prevOf(parentHeader: Header | null): Header {
  return parentHeader ?? ZERO_HEADER;
}

function preStateRootOf(parentHeader: Header | null): Hex {
  return parentHeader === null ? EMPTY_STATE_ROOT : (parentHeader.stateRoot.toLowerCase() as Hex);
}

/**
 * Runs `fn` on `preState` advanced by txs 0..txIndex-1 of `block`, then undoes everything. The earlier txs must be
 * valid and match their claimed post roots (else the earlier one is the fault to prove).
 */
function atTx<T>(block: Block, txIndex: number, parentHeader: Header | null, preState: ChainState, ctx: BlockContext, fn: (stf: StfContext) => T): T {
  const root = preState.root;
  if (root !== preStateRootOf(parentHeader)) {
    throw unavailable(`the pre-state has root ${root}, block ${block.header.number} starts from ${preStateRootOf(parentHeader)}`, 'pass the state after the parent block');
  }
  const stf = stfContextOf(block, prevOf(parentHeader), ctx);
  preState.checkpoint();
  try {
    for (let i = 0; i < txIndex; i++) {
      let outcome;
      try {
        outcome = applyTx(preState, block.txs[i], stf);
      } catch (e) {
        throw unavailable(`tx ${i}, before tx ${txIndex}, is refused (${isPlasmaError(e) ? e.code : String(e)})`, `prove tx ${i} instead`, { txIndex: i });
      }
      if (outcome.postRoot !== block.postRoots[i].toLowerCase()) {
        throw unavailable(`tx ${i}, before tx ${txIndex}, has a wrong post-state root`, `prove tx ${i} instead`, { txIndex: i });
      }
      if (outcome.downNonce !== undefined) stf.lastDepositNonce = outcome.downNonce;
    }
    return fn(stf);
  } finally {
    preState.revert();
  }
}

/** What core's STF says of tx `txIndex` (of kind 0-2) on `state` (`stf` at that tx): a fault, or Valid. */
function transitionFaultOf(block: Block, txIndex: number, prev: Header, state: ChainState, stf: StfContext): TransitionFault {
  const tx = block.txs[txIndex];
  try {
    checkBlockTxForm(tx, state.depth);
  } catch {
    return TransitionFault.Malformed;
  }
  if (tx.kind === TxKind.Deposit) {
    // Down stream first: the deposit at `txIndex` is the parent's event prev.depositNonce + txIndex + 1.
    if (tx.nonce !== prev.depositNonce + BigInt(txIndex) + 1n) return TransitionFault.DepositOutOfOrder;
    if (tx.nonce > block.header.depositNonce) return TransitionFault.DepositBeyondHeader;
  }
  state.checkpoint();
  try {
    const outcome = applyTx(state, tx, stf);
    return outcome.postRoot === block.postRoots[txIndex].toLowerCase() ? TransitionFault.Valid : TransitionFault.PostRootMismatch;
  } catch (e) {
    if (!isPlasmaError(e)) throw e;
    if (e.code === 'DEPOSIT_UNKNOWN') {
      throw unavailable(`the parent's record of deposit ${tx.nonce} is not known here`, 'sync the parent chain first: a missing record is not evidence', { nonce: String(tx.nonce) });
    }
    const fault = FAULT_OF_STF_CODE[e.code];
    if (fault === undefined) throw e;
    return fault;
  } finally {
    state.revert();
  }
}

/**
 * The proof that tx `txIndex` (kind 0 DEPOSIT, 1 TRANSFER or 2 WITHDRAW) of `block` is invalid: core's STF refuses
 * it, or its post-state root is not the claimed one (PlasmaRoot.proveInvalidTransition).
 * @param preState The chain's state after `parentHeader` (left as it was).
 * @param ctx The chain's BlockContext (its deposit records are the parent's).
 * @param options.allowValid Build the proof of a valid tx too (fault Valid; PlasmaRoot answers NotFraud): for tests
 *        and shared vectors, where the verifier's recomputed post root must be core's.
 * Throws NOT_FRAUD when the tx is valid, FRAUD_PROOF_UNAVAILABLE when an earlier tx is already at fault.
 */
export function buildTransitionProof(
  block: Block,
  txIndex: number,
  parentHeader: Header | null,
  preState: ChainState,
  ctx: BlockContext,
  options: { allowValid?: boolean } = {},
): TransitionProof {
  const tx = block.txs[txIndex];
  if (tx === undefined) throw unavailable(`block ${block.header.number} has no tx ${txIndex}`, 'pick a tx of the block');
  if (tx.kind > TxKind.Withdraw) {
    throw unavailable(`tx ${txIndex} is of kind ${tx.kind}: phase 1 proves kinds 0-2 only (docs/FRAUD.md)`, 'kinds 3-9 are phase 2', { kind: tx.kind });
  }
  const tree = txTreeOf(block);
  checkTxRoot(block, tree);
  const prev = prevOf(parentHeader);
  return atTx(block, txIndex, parentHeader, preState, ctx, (stf) => {
    const fault = transitionFaultOf(block, txIndex, prev, preState, stf);
    if (fault === TransitionFault.Valid && !options.allowValid) {
      throw notFraud(`tx ${txIndex} of block ${block.header.number} is valid`, 'a proof against a valid tx reverts with NotFraud', { txIndex });
    }
    const accounts: AccountWitness[] = [];
    if (tx.kind === TxKind.Deposit) {
      accounts.push(accountWitness(preState, tx.toSlot));
    } else {
      accounts.push(accountWitness(preState, tx.slot));
      const sender = preState.accounts.get(tx.slot);
      // The recipient is opened in the accounts tree after the sender's update, which needs a debitable sender.
      if (tx.kind === TxKind.Transfer && sender !== undefined && sender.balance >= tx.amount && tx.toSlot !== tx.slot) {
        preState.checkpoint();
        try {
          preState.accounts.put(tx.slot, { ...sender, balance: sender.balance - tx.amount, nonce: sender.nonce + 1n });
          accounts.push(accountWitness(preState, tx.toSlot));
        } finally {
          preState.revert();
        }
      }
    }
    return {
      kind: tx.kind as number as TransitionProof['kind'],
      fault,
      header: block.header,
      prev,
      tx: txWitness(block, txIndex, tree),
      preTx: preTxWitness(block, txIndex, tree),
      accountsRoot: preState.accounts.root,
      ledgerRoot: preState.ledger.root,
      accounts,
    };
  });
}

/** The tx witness of the position before `txIndex` (an empty one for tx 0). */
function preTxWitness(block: Block, txIndex: number, tree: MerkleTree): TxWitness {
  return txIndex === 0 ? { tx: EMPTY_TX, postStateRoot: ZERO_BYTES32, exitIndex: 0, index: 0, proof: Array<Hex>(TX_TREE_DEPTH).fill(ZERO_BYTES32) } : txWitness(block, txIndex - 1, tree);
}

function ledgerValueHex(entry: Readonly<LedgerEntry> | undefined): Hex {
  return entry === undefined || isDefaultLedgerEntry(entry) ? '0x' : bytesToHex(ledgerEntryValue(entry));
}

/**
 * The proof that tx `txIndex` of `block`, of a ledger kind (3-15) PlasmaRoot judges (PROVABLE_LEDGER_KINDS), is
 * invalid: the STF refuses it (the witnesses of its touch list against the pre-state ledger root: the module folds
 * those its checks read) or its post-state root is not the claimed one (the witnesses in sequence, each against the
 * root with the earlier keys written: docs/LEDGER-PROOFS.md §1.3). Options and errors as buildTransitionProof.
 */
export function buildLedgerTransitionProof(
  block: Block,
  txIndex: number,
  parentHeader: Header | null,
  preState: ChainState,
  ctx: BlockContext,
  options: { allowValid?: boolean } = {},
): LedgerTransitionProof {
  const tx = block.txs[txIndex];
  if (tx === undefined) throw unavailable(`block ${block.header.number} has no tx ${txIndex}`, 'pick a tx of the block');
  if (!PROVABLE_LEDGER_KINDS.has(tx.kind)) {
    throw unavailable(`tx ${txIndex} is of kind ${tx.kind}: PlasmaRoot proves the transitions of kinds 0-2 and ${[...PROVABLE_LEDGER_KINDS].join(', ')}`, 'see docs/LEDGER-PROOFS.md §7 for the kinds to come', { kind: tx.kind });
  }
  if (isMalformedTx(tx)) throw unavailable(`tx ${txIndex} is malformed`, 'prove it with buildMalformedTxProof', { txIndex });
  const tree = txTreeOf(block);
  checkTxRoot(block, tree);
  const prev = prevOf(parentHeader);
  return atTx(block, txIndex, parentHeader, preState, ctx, (stf) => {
    const { ledger } = preState;
    const plan = ledgerTouchPlan(tx, ledger)!;
    const before = new Map(plan.keys.map((key) => [key, ledger.entry(key)] as const));
    const accountsRoot = preState.accounts.root;
    const ledgerRoot = ledger.root;
    const accounts = sequentialAccountWitnesses(preState, tx, plan);
    // A refusal's witnesses: each key against the pre-state root (what the module's checks fold).
    const atPreState = () => plan.keys.map((key) => ({ value: ledgerValueHex(before.get(key)), proof: ledger.proof(key) }));
    let refusal: string | undefined;
    const proofOf = (entries: LedgerEntryWitness[]): LedgerTransitionProof => ({
      kind: FraudKind.InvalidLedgerTx,
      ...(refusal === undefined ? {} : { refusal }),
      header: block.header,
      prev,
      tx: txWitness(block, txIndex, tree),
      preTx: preTxWitness(block, txIndex, tree),
      accountsRoot,
      ledgerRoot,
      accounts,
      ledger: { entries, extra: plan.extra },
    });
    // L1 judges an edge tx without the chain's edge registry (§4.1): the checks that do not depend on it, then the
    // effect the tx states ('stated'); whether the halves did that is for re-execution (EDGE_EFFECT_MISMATCH).
    const edge = isEdgeKind(tx.kind);
    if (edge) {
      refusal = edgeLedgerRefusal(tx, txIndex, block.header, prev, preState, stf);
      if (refusal !== undefined) return proofOf(atPreState());
    }
    let sequential: LedgerEntryWitness[] | undefined;
    let valid = false;
    preState.checkpoint();
    try {
      // Any PlasmaError here is the STF's refusal (NOT_FRAUD too: a PROVE_CHILD_FRAUD of an honest block).
      const outcome = applyTx(preState, tx, stf, edge ? { edgeEffect: 'stated' } : {});
      valid = outcome.postRoot === block.postRoots[txIndex].toLowerCase();
      // Taken on the post-tx ledger: each key against the root with the keys before it written.
      const proofs = ledger.sequentialProofs(plan.keys, before);
      sequential = plan.keys.map((key, j) => ({ value: ledgerValueHex(before.get(key)), proof: proofs[j] }));
    } catch (e) {
      if (!isPlasmaError(e)) throw e;
      refusal = e.code;
    } finally {
      preState.revert();
    }
    if (valid && !options.allowValid) {
      const what = edge ? 'L1 computes its post-state root from the effect it states' : 'valid';
      throw notFraud(`tx ${txIndex} of block ${block.header.number} is ${what}`, 'a proof against a valid tx reverts with NotFraud', { txIndex });
    }
    if (edge && refusal !== undefined) {
      throw unavailable(`tx ${txIndex} (kind ${tx.kind}) passes every check L1 makes, yet its stated effect does not apply (${refusal})`, 'see docs/LEDGER-PROOFS.md §4.1', { txIndex });
    }
    // A conviction refused before its burn never opens the burn slot: its witness (1.1 KB of calldata) is left out.
    if (refusal !== undefined && plan.paidFirst !== undefined && refusal !== 'SLOT_OCCUPIED' && refusal !== 'BALANCE_OVERFLOW') accounts.splice(1);
    // Refused: the ledger is back at the pre-state, whose proofs the refusal needs.
    return proofOf(sequential ?? atPreState());
  });
}

/** The post-state root L1 computes for edge tx `tx` on `state` (left as it was): its stated effect applied. */
function statedPostRoot(state: ChainState, tx: BlockTx, stf: StfContext): Hex | undefined {
  state.checkpoint();
  try {
    return applyTx(state, tx, stf, { edgeEffect: 'stated' }).postRoot;
  } catch (e) {
    if (!isPlasmaError(e)) throw e;
    return undefined;
  } finally {
    state.revert();
  }
}

/**
 * The account witnesses of a ledger-kind tx's plan on `state` (left as it was): each slot in the accounts root the
 * module opens it in. The first in the pre-state; a conviction's burn slot after the payment to `tx.to` at the first
 * (`plan.paidFirst`), where the payment can be made (else the module refuses before it reads the burn slot).
 */
function sequentialAccountWitnesses(state: ChainState, tx: BlockTx, plan: LedgerTouchPlan): AccountWitness[] {
  const [first, ...rest] = plan.slots;
  if (first === undefined) return [];
  const witnesses = [accountWitness(state, first)];
  if (rest.length === 0) return witnesses;
  state.checkpoint();
  try {
    const payee = state.accounts.get(first);
    const paid = plan.paidFirst ?? 0n;
    if (paid > 0n && (payee === undefined || (payee.owner === tx.to && payee.token === tx.token))) {
      state.accounts.put(first, { owner: tx.to, token: tx.token, balance: (payee?.balance ?? 0n) + paid, nonce: payee?.nonce ?? 0n });
    }
    for (const slot of rest) witnesses.push(accountWitness(state, slot));
    return witnesses;
  } finally {
    state.revert();
  }
}

/**
 * The proof that position `index` of `block`, one of its first `depositNonce - parent.depositNonce` txs, does not hold
 * the parent's next down event (another kind, the wrong nonce, or no tx at all: then the empty leaf is proven).
 */
export function buildMissingDownEventProof(block: Block, index: number, parentHeader: Header | null): MissingDownEventProof {
  const prev = prevOf(parentHeader);
  const count = block.header.depositNonce - prev.depositNonce;
  if (BigInt(index) >= count) {
    throw notFraud(`position ${index} is not among the ${count} down events block ${block.header.number} claims`, 'only the first depositNonce - parent.depositNonce positions must be down events');
  }
  const tree = txTreeOf(block);
  checkTxRoot(block, tree);
  const tx = block.txs[index];
  if (tx !== undefined && (tx.kind === TxKind.Deposit || tx.kind === TxKind.EdgeFromParent) && tx.nonce === prev.depositNonce + BigInt(index) + 1n) {
    throw notFraud(`tx ${index} is the parent's event ${tx.nonce}`, 'the position holds the down event it should');
  }
  return { kind: FraudKind.MissingDownEvent, header: block.header, prev, tx: txWitness(block, index, tree) };
}

/** The proof that tx `index` of `block` breaks its kind's form (core's checkBlockTxForm, PlasmaFraudVerifier.isMalformed). */
export function buildMalformedTxProof(block: Block, index: number, parentHeader: Header | null): MalformedTxProof {
  const tx = block.txs[index];
  if (tx === undefined) throw unavailable(`block ${block.header.number} has no tx ${index}`, 'pick a tx of the block');
  if (!isMalformedTx(tx)) throw notFraud(`tx ${index} is well formed`, 'a proof against a well-formed tx reverts with NotFraud');
  const tree = txTreeOf(block);
  checkTxRoot(block, tree);
  return { kind: FraudKind.MalformedTx, header: block.header, prev: prevOf(parentHeader), tx: txWitness(block, index, tree) };
}

/** Whether the words of `tx` break its kind's form. */
export function isMalformedTx(tx: BlockTx): boolean {
  try {
    checkBlockTxForm(tx);
    return false;
  } catch (e) {
    if (isPlasmaError(e, 'MALFORMED_TX')) return true;
    throw e;
  }
}

/**
 * The proof that `header`'s timestamp is before its parent's, or after its commit time on the root (`commitTime` =
 * windowEnd − challengeWindow; pass it to check that half).
 */
export function buildBadTimestampProof(header: Header, parentHeader: Header | null, commitTime?: bigint): BadTimestampProof {
  const prev = prevOf(parentHeader);
  const late = commitTime !== undefined && header.timestamp > commitTime;
  if (header.timestamp >= prev.timestamp && !late) {
    throw notFraud(`block ${header.number}'s timestamp ${header.timestamp} is not before its parent's nor after its commit`, 'the timestamp is fine');
  }
  return { kind: FraudKind.BadTimestamp, header, prev };
}

/** The down event a block left out: the parent's record under `header.depositNonce + 1` and its deadline rule. */
export interface NextDownRecord {
  /** The parent's record (stamped with its time, stampRecord); undefined when the parent has no such nonce (yet). */
  record?: Hex;
  /** The chain's stall limit on its parent (seconds): the deadline of a recorded down event. */
  stallLimit: bigint;
}

/**
 * Whether a block committed at `commitTime` skipped its next down event past the deadline: the event was recorded
 * (`next.record`) and `recordTime + stallLimit < commitTime` (PlasmaRoot.proveSkippedDeposit).
 */
export function isSkippedDeposit(next: NextDownRecord, commitTime: bigint): boolean {
  return next.record !== undefined && recordTime(next.record) + next.stallLimit < commitTime;
}

/** The proof that `header` skipped its next down event past the deadline (NOT_FRAUD when it did not). */
export function buildSkippedDepositProof(header: Header, parentHeader: Header | null, next: NextDownRecord, commitTime: bigint): SkippedDepositProof {
  if (!isSkippedDeposit(next, commitTime)) {
    throw notFraud(`block ${header.number} left out no down event recorded more than ${next.stallLimit} s before its commit at ${commitTime}`, 'nothing is overdue', {
      nonce: String(header.depositNonce + 1n),
    });
  }
  return { kind: FraudKind.SkippedDeposit, header, prev: prevOf(parentHeader) };
}

/**
 * The exit a transaction makes, from its words alone: a WITHDRAW's token exit, an up EDGE_SEND's event (source chain =
 * the block's chain); undefined for a transaction that makes none (makesExit). Throws on an up call whose data does
 * not decode (the STF refuses it).
 */
export function exitOfTx(tx: BlockTx, chainId: ChainId): ExitTreeLeaf | undefined {
  if (!makesExit(tx)) return undefined;
  if (tx.kind === TxKind.Withdraw) return { recipient: tx.to, token: tx.token, amount: tx.amount };
  const { fn, payload } = decodeEdgeSendData(tx.data);
  return { fn, sourceChain: chainId.toLowerCase() as ChainId, sender: tx.from, payload };
}

/** The exit-tree leaf of exitOfTx (PlasmaFraudVerifier.expectedExitLeaf). */
export function exitLeafOfTx(tx: BlockTx, chainId: ChainId): Hex | undefined {
  const exit = exitOfTx(tx, chainId);
  return exit === undefined ? undefined : bytesToHex(exitTreeLeaf(exit));
}

/**
 * The proof that `block`'s exit tree is not the exits its transactions make (PlasmaRoot.proveInvalidExits): the first
 * leaf that differs (a wrong exit where a tx's exit should be, or a leaf past the last tx's exits). `block.exits` must
 * be the exit tree the header commits to (what the operator served or published), or `exitLeaves` its leaf hashes (as
 * published on L1: dataAvailability's exitLeavesFromPublishedData): a header whose exit tree nobody serves cannot be
 * proven against leaf by leaf, and is a data-availability matter (FRAUD_PROOF_UNAVAILABLE).
 */
export function buildInvalidExitsProof(block: Block, parentHeader: Header | null, exitLeaves?: readonly Hex[]): InvalidExitsProof {
  const { header } = block;
  const tree = txTreeOf(block);
  checkTxRoot(block, tree);
  const leaves = exitLeaves ? exitLeaves.map((l) => hexToBytes(l, 32)) : block.exits.map(exitTreeLeaf);
  const exitTree = new MerkleTree(leaves, EXIT_TREE_DEPTH);
  if (bytesToHex(exitTree.root) !== header.exitRoot.toLowerCase()) {
    throw unavailable(`the exit leaves served for block ${header.number} do not hash to its exitRoot ${header.exitRoot}`, 'the exit tree the header commits to is not available: fetch it from another node, or challenge the data', { exitRoot: header.exitRoot });
  }
  const served = leaves.map(bytesToHex);
  const exitWitness = (index: number): ExitWitness => ({ leaf: index < served.length ? served[index] : ZERO_BYTES32, index, proof: exitTree.proof(index).map(bytesToHex) });
  const prev = prevOf(parentHeader);
  const exitIndexes = txExitIndexes(block.txs);
  for (let i = 0; i < block.txs.length; i++) {
    const expected = exitLeafOfTx(block.txs[i], header.chainId);
    if (expected === undefined) continue;
    const at = exitIndexes[i];
    if ((served[at] ?? ZERO_BYTES32) !== expected.toLowerCase()) {
      return { kind: FraudKind.InvalidExits, header, prev, tx: txWitness(block, i, tree), next: txWitness(block, i + 1, tree), exit: exitWitness(at) };
    }
  }
  const count = block.txs.length === 0 ? 0 : exitIndexes[block.txs.length - 1] + (makesExit(block.txs[block.txs.length - 1]) ? 1 : 0);
  const extra = served.findIndex((leaf, j) => j >= count && leaf !== ZERO_BYTES32);
  if (extra < 0) throw notFraud(`block ${header.number}'s exit tree is the exits of its transactions`, 'a proof against a right exit tree reverts with NotFraud');
  const last = block.txs.length === 0 ? 0 : block.txs.length - 1;
  return { kind: FraudKind.InvalidExits, header, prev, tx: txWitness(block, last, tree), next: txWitness(block, block.txs.length === 0 ? 1 : last + 1, tree), exit: exitWitness(extra) };
}

/** The proof that a quorum signed two different headers of one height (`prev` only matters for the rollback). */
export function buildEquivocationProof(header: Header, signatures: Hex, header2: Header, signatures2: Hex, parentHeader: Header | null = null): EquivocationProof {
  if (header.number !== header2.number || header.chainId.toLowerCase() !== header2.chainId.toLowerCase()) {
    throw notFraud('the headers are of different chains or heights', 'an equivocation is two headers of one chain and height');
  }
  if (hashHeader(header) === hashHeader(header2)) throw notFraud('the headers are the same', 'an equivocation needs two different headers');
  return { kind: FraudKind.Equivocation, header, signatures, header2, signatures2, prev: prevOf(parentHeader) };
}

/** What findFraud found. */
export type FraudFinding =
  | { provable: true; kind: FraudKind; txIndex?: number; reason: string; proof: FraudProof }
  /** A fault phase 1 cannot prove at the root (docs/FRAUD.md: kinds 3-9, exit and state roots, ...). */
  | { provable: false; kind: 'phase2'; txIndex?: number; reason: string };

export interface FindFraudContext extends BlockContext {
  /** The block's commit time on the root (windowEnd − challengeWindow), for the late half of BadTimestamp. */
  commitTime?: bigint;
  /** The leaves of the exit tree the header commits to, when known apart from `block.exits` (published on L1, §9). */
  exitLeaves?: readonly Hex[];
  /** The parent's record under `header.depositNonce + 1`, to check the skipped-deposit deadline (needs commitTime). */
  nextDownRecord?: NextDownRecord;
}

/**
 * Re-executes `block` on `preState` (the state after `parentHeader`, left as it was) and returns its first fault:
 * provable (with the proof PlasmaRoot accepts) or phase 2; undefined when the block is valid.
 * Order: the timestamp, then each tx in order (its form, the down-stream-first rule, then for kinds 0-2 the
 * transition), then a down event the header claims beyond the last tx, then the header's roots (phase 2).
 */
export function findFraud(block: Block, parentHeader: Header | null, preState: ChainState, ctx: FindFraudContext): FraudFinding | undefined {
  const { header } = block;
  const prev = prevOf(parentHeader);
  if (header.timestamp < prev.timestamp || (ctx.commitTime !== undefined && header.timestamp > ctx.commitTime)) {
    return { provable: true, kind: FraudKind.BadTimestamp, reason: 'timestamp', proof: buildBadTimestampProof(header, parentHeader, ctx.commitTime) };
  }
  if (ctx.nextDownRecord && ctx.commitTime !== undefined && isSkippedDeposit(ctx.nextDownRecord, ctx.commitTime)) {
    return { provable: true, kind: FraudKind.SkippedDeposit, reason: 'SKIPPED_DEPOSIT', proof: buildSkippedDepositProof(header, parentHeader, ctx.nextDownRecord, ctx.commitTime) };
  }
  if (block.postRoots.length !== block.txs.length) {
    throw unavailable('the block has not one post-state root per tx', 'fetch the block again');
  }
  const tree = txTreeOf(block);
  checkTxRoot(block, tree);
  const downCount = header.depositNonce - prev.depositNonce;
  return atTx(block, 0, parentHeader, preState, ctx, (stf): FraudFinding | undefined => {
    for (let i = 0; i < block.txs.length; i++) {
      const tx = block.txs[i];
      if (isMalformedTx(tx)) return { provable: true, kind: FraudKind.MalformedTx, txIndex: i, reason: 'MALFORMED_TX', proof: buildMalformedTxProof(block, i, parentHeader) };
      const isDown = tx.kind === TxKind.Deposit || tx.kind === TxKind.EdgeFromParent;
      if (BigInt(i) < downCount && !(isDown && tx.nonce === prev.depositNonce + BigInt(i) + 1n)) {
        return { provable: true, kind: FraudKind.MissingDownEvent, txIndex: i, reason: 'MISSING_DOWN_EVENT', proof: buildMissingDownEventProof(block, i, parentHeader) };
      }
      if (tx.kind <= TxKind.Withdraw) {
        const fault = transitionFaultOf(block, i, prev, preState, stf);
        if (fault !== TransitionFault.Valid) {
          // The witnesses are taken from a fresh replay up to tx i (the state here is the same).
          preState.revert();
          preState.checkpoint();
          const proof = buildTransitionProof(block, i, parentHeader, preState, ctx);
          return { provable: true, kind: tx.kind as number as FraudKind, txIndex: i, reason: TransitionFault[fault], proof };
        }
      }
      const ledgerProvable = isProvableLedgerTx(tx);
      const ledgerFault = (reason: string): FraudFinding => {
        if (!ledgerProvable) return { provable: false, kind: 'phase2', txIndex: i, reason };
        // The witnesses are taken from a fresh replay up to tx i (the state here is the same).
        preState.revert();
        preState.checkpoint();
        return { provable: true, kind: FraudKind.InvalidLedgerTx, txIndex: i, reason, proof: buildLedgerTransitionProof(block, i, parentHeader, preState, ctx) };
      };
      if (isEdgeKind(tx.kind)) {
        // Before the STF: a down event beyond the header passes it (the header is the lie), yet L1 refuses it.
        let reason = edgeLedgerRefusal(tx, i, header, prev, preState, stf);
        // L1 applies the effect the tx states (§4.1): a post-state root that is not that is provable, whatever the
        // halves did (a lie in the effect too only moves the function's own storage).
        if (reason === undefined) {
          // undefined: the stated effect does not apply here (re-execution refuses the tx below, phase 2).
          const l1Root = statedPostRoot(preState, tx, stf);
          if (l1Root !== undefined && l1Root !== block.postRoots[i].toLowerCase()) reason = 'POST_ROOT_MISMATCH';
        }
        if (reason !== undefined) {
          preState.revert();
          preState.checkpoint();
          return { provable: true, kind: FraudKind.InvalidLedgerTx, txIndex: i, reason, proof: buildLedgerTransitionProof(block, i, parentHeader, preState, ctx) };
        }
      }
      let outcome;
      try {
        outcome = applyTx(preState, tx, stf);
      } catch (e) {
        if (!isPlasmaError(e)) throw e;
        if (e.code === 'DEPOSIT_UNKNOWN') throw unavailable(`the parent's record of event ${tx.nonce} is not known here`, 'sync the parent chain first');
        return ledgerFault(e.code);
      }
      if (outcome.postRoot !== block.postRoots[i].toLowerCase()) return ledgerFault('POST_ROOT_MISMATCH');
      if (outcome.downNonce !== undefined) stf.lastDepositNonce = outcome.downNonce;
    }
    if (BigInt(block.txs.length) < downCount) {
      const i = block.txs.length;
      return { provable: true, kind: FraudKind.MissingDownEvent, txIndex: i, reason: 'MISSING_DOWN_EVENT', proof: buildMissingDownEventProof(block, i, parentHeader) };
    }
    const exits = exitsFault(block, parentHeader, ctx.exitLeaves);
    if (exits !== undefined) return exits;
    if (header.stateRoot.toLowerCase() !== preState.root) return { provable: false, kind: 'phase2', reason: 'STATE_ROOT_MISMATCH' };
    if (header.depositNonce !== stf.lastDepositNonce) return { provable: false, kind: 'phase2', reason: 'DEPOSIT_NONCE_MISMATCH' };
    return undefined;
  });
}

/** The header's exitRoot against the exits the block's txs make: provable when the served exits are the header's tree. */
function exitsFault(block: Block, parentHeader: Header | null, exitLeaves?: readonly Hex[]): FraudFinding | undefined {
  const derived = block.txs.map((tx) => exitLeafOfTx(tx, block.header.chainId)).filter((l): l is Hex => l !== undefined);
  const root = bytesToHex(new MerkleTree(derived.map((l) => hexToBytes(l, 32)), EXIT_TREE_DEPTH).root);
  if (root === block.header.exitRoot.toLowerCase()) return undefined;
  try {
    return { provable: true, kind: FraudKind.InvalidExits, reason: 'EXIT_ROOT_MISMATCH', proof: buildInvalidExitsProof(block, parentHeader, exitLeaves) };
  } catch (e) {
    if (!isPlasmaError(e, 'FRAUD_PROOF_UNAVAILABLE')) throw e;
    return { provable: false, kind: 'phase2', reason: 'EXIT_TREE_UNAVAILABLE' };
  }
}

// ---- escape hatch -------------------------------------------------------------------------------------------

export interface EscapeExitProof {
  /** The head's ledger root: keccak256(accounts root ‖ ledgerRoot) is the head's state root. */
  ledgerRoot: Hex;
  account: AccountWitness;
}

/** What PlasmaRoot.escapeExit needs of slot `slot` of a frozen chain's final head state `state`. */
export function buildEscapeExitProof(state: ChainState, slot: number): EscapeExitProof {
  const account = accountWitness(state, slot);
  if (account.balance === 0n) throw unavailable(`slot ${slot} holds nothing`, 'escape a slot with a balance', { slot });
  return { ledgerRoot: state.ledger.root, account };
}

// ---- ABI encoding of the PlasmaRoot calls ------------------------------------------------------------------------


function txWitnessEnc(t: TxWitness): Enc {
  return tupleEnc([
    staticEnc(encodeBlockTx(t.tx)),
    bytesEnc(t.tx.data),
    bytes32Enc(t.postStateRoot),
    uintEnc(t.exitIndex, 64),
    uintEnc(t.index, 256),
    fixedWordsEnc(t.proof, TX_TREE_DEPTH, 'a tx witness'),
  ]);
}

function exitWitnessEnc(e: ExitWitness): Enc {
  return tupleEnc([bytes32Enc(e.leaf), uintEnc(e.index, 256), fixedWordsEnc(e.proof, EXIT_TREE_DEPTH, 'an exit witness')]);
}

function ledgerTxWitnessEnc(w: LedgerTxWitness): Enc {
  const entry = (e: LedgerEntryWitness): Enc => tupleEnc([bytesEnc(e.value), bytes32Enc(e.proof.bitmap), dynamicArrayEnc(e.proof.siblings.map(bytes32Enc))]);
  return tupleEnc([dynamicArrayEnc(w.entries.map(entry)), bytesEnc(w.extra)]);
}

function accountWitnessEnc(a: AccountWitness): Enc {
  return tupleEnc([uintEnc(a.slot, 32), addressEnc(a.owner), addressEnc(a.token), uintEnc(a.balance, 256), uintEnc(a.nonce, 64), fixedWordsEnc(a.proof, 32, 'an account witness')]);
}

const HEADER_T = '(bytes32,uint64,bytes32,bytes32,bytes32,bytes32,uint64,uint64)';
const TX_WITNESS_T = '((uint8,uint32,uint32,address,address,address,uint256,uint64,bytes32,bytes32,uint8),bytes,bytes32,uint64,uint256,bytes32[16])';
const EXIT_WITNESS_T = '(bytes32,uint256,bytes32[16])';
const ACCOUNT_WITNESS_T = '(uint32,address,address,uint256,uint64,bytes32[32])';

/** The Solidity signatures of PlasmaRoot's objection and escape entry points. */
export const FRAUD_SIGNATURES = Object.freeze({
  proveInvalidTransition: `proveInvalidTransition(bytes32,${HEADER_T},uint64,${HEADER_T},uint64,${TX_WITNESS_T},${TX_WITNESS_T},bytes32,bytes32,${ACCOUNT_WITNESS_T}[])`,
  proveMissingDownEvent: `proveMissingDownEvent(bytes32,${HEADER_T},uint64,${HEADER_T},uint64,${TX_WITNESS_T})`,
  proveMalformedTx: `proveMalformedTx(bytes32,${HEADER_T},uint64,${HEADER_T},uint64,${TX_WITNESS_T})`,
  proveEquivocation: `proveEquivocation(bytes32,${HEADER_T},bytes,${HEADER_T},bytes,uint64,${HEADER_T},uint64)`,
  proveBadTimestamp: `proveBadTimestamp(bytes32,${HEADER_T},uint64,${HEADER_T},uint64)`,
  proveSkippedDeposit: `proveSkippedDeposit(bytes32,${HEADER_T},uint64,${HEADER_T},uint64)`,
  proveInvalidExits: `proveInvalidExits(bytes32,${HEADER_T},uint64,${HEADER_T},uint64,${TX_WITNESS_T},${TX_WITNESS_T},${EXIT_WITNESS_T})`,
  escapeExit: `escapeExit(bytes32,${HEADER_T},uint64,bytes32,${ACCOUNT_WITNESS_T})`,
  reclaimDeposit: 'reclaimDeposit(bytes32,uint64,address,address,address,uint256)',
});


/** ABI encoding of a TxWitness (as a lone argument: `abi.encode(TxWitness)`). */
export function encodeTxWitness(t: TxWitness): Hex {
  return bytesToHex(tupleEnc([txWitnessEnc(t)]).bytes);
}

/** ABI encoding of an AccountWitness (`abi.encode(AccountWitness)`, a static tuple of 37 words). */
export function encodeAccountWitness(a: AccountWitness): Hex {
  return bytesToHex(accountWitnessEnc(a).bytes);
}

/** A proof as the encoders read it: core's STF opinion of a transition (`fault`) is not part of the call. */
export type FraudProofData = Exclude<FraudProof, TransitionProof> | Omit<TransitionProof, 'fault'>;

/** The entry point taking `proof` and its arguments after chainId (one list for both hosts, docs/FRAUD.md §7). */
function fraudProofArgs(proof: FraudProofData, windows: ProofWindows): { signature: string; args: Enc[] } {
  const common = (p: OneBlockProof): Enc[] => [headerEnc(p.header), uintEnc(windows.windowEnd, 64), headerEnc(p.prev), uintEnc(windows.prevWindowEnd, 64)];
  switch (proof.kind) {
    case FraudKind.InvalidDeposit:
    case FraudKind.InvalidTransfer:
    case FraudKind.InvalidWithdraw: {
      const p = proof as Omit<TransitionProof, 'fault'>;
      return {
        signature: FRAUD_SIGNATURES.proveInvalidTransition,
        args: [...common(p), txWitnessEnc(p.tx), txWitnessEnc(p.preTx), bytes32Enc(p.accountsRoot), bytes32Enc(p.ledgerRoot), dynamicArrayEnc(p.accounts.map(accountWitnessEnc))],
      };
    }
    case FraudKind.InvalidLedgerTx: {
      // The 11th argument rides under the 10-argument selector: PlasmaRoot ignores it, its verifier decodes it.
      const p = proof as Omit<LedgerTransitionProof, 'fault'>;
      return {
        signature: FRAUD_SIGNATURES.proveInvalidTransition,
        args: [
          ...common(p),
          txWitnessEnc(p.tx),
          txWitnessEnc(p.preTx),
          bytes32Enc(p.accountsRoot),
          bytes32Enc(p.ledgerRoot),
          dynamicArrayEnc(p.accounts.map(accountWitnessEnc)),
          ledgerTxWitnessEnc(p.ledger),
        ],
      };
    }
    case FraudKind.MissingDownEvent:
      return { signature: FRAUD_SIGNATURES.proveMissingDownEvent, args: [...common(proof), txWitnessEnc(proof.tx)] };
    case FraudKind.MalformedTx:
      return { signature: FRAUD_SIGNATURES.proveMalformedTx, args: [...common(proof), txWitnessEnc(proof.tx)] };
    case FraudKind.BadTimestamp:
      return { signature: FRAUD_SIGNATURES.proveBadTimestamp, args: common(proof) };
    case FraudKind.SkippedDeposit:
      return { signature: FRAUD_SIGNATURES.proveSkippedDeposit, args: common(proof) };
    case FraudKind.InvalidExits:
      return { signature: FRAUD_SIGNATURES.proveInvalidExits, args: [...common(proof), txWitnessEnc(proof.tx), txWitnessEnc(proof.next), exitWitnessEnc(proof.exit)] };
    case FraudKind.Equivocation:
      return {
        signature: FRAUD_SIGNATURES.proveEquivocation,
        args: [
          headerEnc(proof.header),
          bytesEnc(proof.signatures),
          headerEnc(proof.header2),
          bytesEnc(proof.signatures2),
          uintEnc(windows.windowEnd, 64),
          headerEnc(proof.prev),
          uintEnc(windows.prevWindowEnd, 64),
        ],
      };
  }
}

/** Calldata of the PlasmaRoot entry point that takes `proof` against chain `chainId`. */
export function encodeFraudProofCall(chainId: ChainId, proof: FraudProofData, windows: ProofWindows): Hex {
  const { signature, args } = fraudProofArgs(proof, windows);
  return callData(signature, [bytes32Enc(chainId), ...args]);
}

/**
 * `abi.encode` of the entry point's arguments after chainId: the `args` of a PROVE_CHILD_FRAUD (kind 10) on a chain
 * parent, whose ParentLedger.proveFraud decodes them with decodeFraudProofArgs (docs/FRAUD.md §7).
 */
export function encodeFraudProofArgs(proof: FraudProofData, windows: ProofWindows): Hex {
  return bytesToHex(tupleEnc(fraudProofArgs(proof, windows).args).bytes);
}

/** The `fraudKind` a PROVE_CHILD_FRAUD names for `proof`: its kind (for a transition, the disputed tx's). */
export function fraudKindOf(proof: FraudProofData): FraudKind {
  return proof.kind;
}

// ---- ABI decoding of the arguments (kind 10's `args`) -------------------------------------------------------------

const BLOCK_TX_WORDS: readonly StaticAbiType[] = ['uint8', 'uint32', 'uint32', 'address', 'address', 'address', 'uint256', 'uint64', 'bytes32', 'bytes32', 'uint8'];
const HEADER_ARG_WORDS: readonly StaticAbiType[] = ['bytes32', 'uint64', 'bytes32', 'bytes32', 'bytes32', 'bytes32', 'uint64', 'uint64'];
const ACCOUNT_WITNESS_WORDS = 5 + 32;
const TX_WITNESS_HEAD_WORDS = 11 + 1 + 1 + 1 + 1 + TX_TREE_DEPTH;

/** A bounds-checked reader of one ABI blob (offsets are relative to the tuple that holds them). */
class AbiReader {
  constructor(private readonly bytes: Uint8Array) {}

  slice(at: number, length: number): Uint8Array {
    if (!Number.isSafeInteger(at) || at < 0 || at + length > this.bytes.length) throw new Error('out of bounds');
    return this.bytes.subarray(at, at + length);
  }

  words(types: readonly StaticAbiType[], at: number): DecodedAbiValue[] {
    return decodeWords(types, this.slice(at, types.length * WORD));
  }

  word(at: number): Hex {
    return bytesToHex(this.slice(at, WORD));
  }

  uint(at: number): bigint {
    return BigInt(this.word(at));
  }

  /** The absolute position a head word at `at` points to, relative to `base`. */
  offset(base: number, at: number): number {
    const offset = this.uint(at);
    if (offset > BigInt(this.bytes.length)) throw new Error('offset out of bounds');
    return base + Number(offset);
  }

  /** A `bytes` whose head word is at `at`. */
  dynamicBytes(base: number, at: number): Hex {
    const start = this.offset(base, at);
    const length = this.uint(start);
    if (length > BigInt(this.bytes.length)) throw new Error('length out of bounds');
    return bytesToHex(this.slice(start + WORD, Number(length)));
  }

  header(at: number): Header {
    const [chainId, number, parentHash, txRoot, stateRoot, exitRoot, depositNonce, timestamp] = this.words(HEADER_ARG_WORDS, at);
    return { chainId, number, parentHash, txRoot, stateRoot, exitRoot, depositNonce, timestamp } as Header;
  }

  siblings(at: number, count: number): Hex[] {
    return Array.from({ length: count }, (_, i) => this.word(at + i * WORD));
  }

  txWitness(base: number, at: number): TxWitness {
    const start = this.offset(base, at);
    const [kind, slot, toSlot, from, to, token, amount, nonce, r, s, v] = this.words(BLOCK_TX_WORDS, start);
    const data = this.dynamicBytes(start, start + 11 * WORD);
    const [exitIndex] = this.words(['uint64'], start + 13 * WORD) as [bigint];
    const index = this.uint(start + 14 * WORD);
    // TxWitness.index is a number; an index past 2^53 is refused as malformed here (the root: TxIndexOutOfRange).
    if (index > BigInt(Number.MAX_SAFE_INTEGER)) throw new Error('index');
    this.slice(start, TX_WITNESS_HEAD_WORDS * WORD);
    const tx = { kind: Number(kind), slot: Number(slot), toSlot: Number(toSlot), from, to, token, amount, nonce, r, s, v: Number(v), data } as BlockTx;
    if (exitIndex > BigInt(Number.MAX_SAFE_INTEGER)) throw new Error('exitIndex');
    return { tx, postStateRoot: this.word(start + 12 * WORD), exitIndex: Number(exitIndex), index: Number(index), proof: this.siblings(start + 15 * WORD, TX_TREE_DEPTH) };
  }

  /** A static ExitWitness (18 words) at `at`. */
  exitWitness(at: number): ExitWitness {
    const index = this.uint(at + WORD);
    if (index > BigInt(Number.MAX_SAFE_INTEGER)) throw new Error('exit index');
    return { leaf: this.word(at), index: Number(index), proof: this.siblings(at + 2 * WORD, EXIT_TREE_DEPTH) };
  }

  /** A LedgerTxWitness `((bytes value, uint256 bitmap, bytes32[] siblings)[] entries, bytes extra)` whose head word is at `at`. */
  ledgerTxWitness(base: number, at: number): LedgerTxWitness {
    const start = this.offset(base, at);
    const list = this.offset(start, start);
    const count = this.uint(list);
    if (count * BigInt(WORD) > BigInt(this.bytes.length)) throw new Error('length out of bounds');
    const entries = Array.from({ length: Number(count) }, (_, i): LedgerEntryWitness => {
      const e = this.offset(list + WORD, list + WORD + i * WORD);
      const siblingsAt = this.offset(e, e + 2 * WORD);
      const siblings = this.uint(siblingsAt);
      if (siblings > BigInt(MAX_LEDGER_PROOF_WORDS)) throw new Error(`more than ${MAX_LEDGER_PROOF_WORDS} words in a ledger proof`);
      return { value: this.dynamicBytes(e, e), proof: { bitmap: this.word(e + WORD), siblings: this.siblings(siblingsAt + WORD, Number(siblings)) } };
    });
    return { entries, extra: this.dynamicBytes(start, start + WORD) };
  }

  accounts(base: number, at: number): AccountWitness[] {
    const start = this.offset(base, at);
    const length = this.uint(start);
    if (length * BigInt(ACCOUNT_WITNESS_WORDS * WORD) > BigInt(this.bytes.length)) throw new Error('length out of bounds');
    return Array.from({ length: Number(length) }, (_, i) => {
      const a = start + WORD + i * ACCOUNT_WITNESS_WORDS * WORD;
      const [slot, owner, token, balance, nonce] = this.words(['uint32', 'address', 'address', 'uint256', 'uint64'], a);
      return { slot: Number(slot), owner, token, balance, nonce, proof: this.siblings(a + 5 * WORD, 32) } as AccountWitness;
    });
  }
}

/** What a PROVE_CHILD_FRAUD's `args` decode to: the proof and the windowEnds it names. */
export interface DecodedFraudProof {
  proof: FraudProofData;
  windows: ProofWindows;
}

/**
 * Inverse of encodeFraudProofArgs for `fraudKind` (0-2: proveInvalidTransition, whose witness's tx must be of that
 * kind, or of a kind above 2 (refused later as ProofKindNotSupported, as at the root); 3-6 the other entry points).
 * MALFORMED_TX (field `data`) unless `args` is the canonical encoding of such an argument list.
 */
export function decodeFraudProofArgs(fraudKind: number, args: Hex): DecodedFraudProof {
  const fail = (why: string, cause?: unknown): never => {
    throw new PlasmaError('MALFORMED_TX', `the fraud proof's args are not the canonical arguments of its entry point (${why})`, {
      hint: 'encode them with encodeFraudProofArgs (core), from a proof findFraud or a build…Proof function returned',
      data: { field: 'data', fraudKind },
      cause,
    });
  };
  // 8 (unavailable data) is no proof: it is a challenge the validators fail to answer (docs/FRAUD.md §9).
  // 10 is a transition proof against a ledger-kind tx, with its ledger witness (docs/LEDGER-PROOFS.md).
  const known = fraudKind === FraudKind.InvalidLedgerTx || (fraudKind >= FraudKind.InvalidDeposit && fraudKind <= FraudKind.SkippedDeposit && fraudKind !== FraudKind.UnavailableData);
  if (!Number.isInteger(fraudKind) || !known) fail(`unknown fraud kind ${fraudKind}`);
  let bytes: Uint8Array;
  try {
    bytes = hexToBytes(args);
  } catch (e) {
    return fail('not hex', e);
  }
  const r = new AbiReader(bytes);
  let decoded: DecodedFraudProof;
  try {
    decoded = decodeArgs(r, fraudKind as FraudKind);
  } catch (e) {
    return fail(e instanceof Error ? e.message : String(e), e);
  }
  if (decoded.proof.kind !== fraudKind) {
    fail(`fraud kind ${fraudKind} names a transition proof against a tx of kind ${decoded.proof.kind}`);
  }
  let again: Hex;
  try {
    again = encodeFraudProofArgs(decoded.proof, decoded.windows);
  } catch (e) {
    return fail('does not encode again', e);
  }
  if (again !== bytesToHex(bytes)) fail('not canonical');
  return decoded;
}

function decodeArgs(r: AbiReader, fraudKind: FraudKind): DecodedFraudProof {
  const H = 8 * WORD;
  if (fraudKind === FraudKind.Equivocation) {
    // (Header h1, bytes sigs1, Header h2, bytes sigs2, uint64 windowEnd, Header prev, uint64 prevWindowEnd)
    const header = r.header(0);
    const signatures = r.dynamicBytes(0, H);
    const header2 = r.header(H + WORD);
    const signatures2 = r.dynamicBytes(0, 2 * H + WORD);
    const [windowEnd] = r.words(['uint64'], 2 * H + 2 * WORD) as [bigint];
    const prev = r.header(2 * H + 3 * WORD);
    const [prevWindowEnd] = r.words(['uint64'], 3 * H + 3 * WORD) as [bigint];
    return { proof: { kind: FraudKind.Equivocation, header, signatures, header2, signatures2, prev }, windows: { windowEnd, prevWindowEnd } };
  }
  // (Header h, uint64 windowEnd, Header prev, uint64 prevWindowEnd, ...)
  const header = r.header(0);
  const [windowEnd] = r.words(['uint64'], H) as [bigint];
  const prev = r.header(H + WORD);
  const [prevWindowEnd] = r.words(['uint64'], 2 * H + WORD) as [bigint];
  const windows = { windowEnd, prevWindowEnd };
  const at = 2 * H + 2 * WORD;
  switch (fraudKind) {
    case FraudKind.BadTimestamp:
    case FraudKind.SkippedDeposit:
      return { proof: { kind: fraudKind, header, prev }, windows };
    case FraudKind.MissingDownEvent:
    case FraudKind.MalformedTx:
      return { proof: { kind: fraudKind, header, prev, tx: r.txWitness(0, at) }, windows };
    case FraudKind.InvalidExits:
      // (..., TxWitness t, TxWitness next, ExitWitness e): e is static, in place after the two offsets.
      return { proof: { kind: FraudKind.InvalidExits, header, prev, tx: r.txWitness(0, at), next: r.txWitness(0, at + WORD), exit: r.exitWitness(at + 2 * WORD) }, windows };
    case FraudKind.InvalidLedgerTx: {
      // (..., TxWitness t, TxWitness preTx, bytes32 accountsRoot, bytes32 ledgerRoot, AccountWitness[] accounts, LedgerTxWitness ledger)
      const tx = r.txWitness(0, at);
      if (tx.tx.kind <= TxKind.Withdraw) throw new Error(`a ledger-kind proof against a tx of kind ${tx.tx.kind}`);
      const proof: Omit<LedgerTransitionProof, 'fault'> = {
        kind: FraudKind.InvalidLedgerTx, header, prev, tx, preTx: r.txWitness(0, at + WORD), accountsRoot: r.word(at + 2 * WORD), ledgerRoot: r.word(at + 3 * WORD),
        accounts: r.accounts(0, at + 4 * WORD), ledger: r.ledgerTxWitness(0, at + 5 * WORD),
      };
      return { proof, windows };
    }
    default: {
      // (..., TxWitness t, TxWitness preTx, bytes32 accountsRoot, bytes32 ledgerRoot, AccountWitness[] accounts)
      const tx = r.txWitness(0, at);
      const preTx = r.txWitness(0, at + WORD);
      const accountsRoot = r.word(at + 2 * WORD);
      const ledgerRoot = r.word(at + 3 * WORD);
      const accounts = r.accounts(0, at + 4 * WORD);
      // The recorded kind is the tx's (the root's FraudProven.kind); kinds above 2 are refused by the ledger's checks.
      const kind = (tx.tx.kind <= FraudKind.InvalidWithdraw ? tx.tx.kind : fraudKind) as TransitionProof['kind'];
      return { proof: { kind, header, prev, tx, preTx, accountsRoot, ledgerRoot, accounts }, windows };
    }
  }
}

/** PlasmaRoot.escapeExit's argument list: one encoder for the root's call and a chain parent's kind 11 (docs/FRAUD.md §8). */
function escapeExitArgs(chainId: ChainId, head: Header, windowEnd: bigint, proof: EscapeExitProof): Enc[] {
  return [bytes32Enc(chainId), headerEnc(head), uintEnc(windowEnd, 64), bytes32Enc(proof.ledgerRoot), accountWitnessEnc(proof.account)];
}

/** Calldata of PlasmaRoot.escapeExit for a frozen chain's head `head` (with its windowEnd). */
export function encodeEscapeExitCall(chainId: ChainId, head: Header, windowEnd: bigint, proof: EscapeExitProof): Hex {
  return callData(FRAUD_SIGNATURES.escapeExit, escapeExitArgs(chainId, head, windowEnd, proof));
}

/** What an ESCAPE_CHILD_EXIT (kind 11) carries in `data`: PlasmaRoot.escapeExit's arguments, `child` for chainId. */
export interface EscapeChildExitData {
  child: ChainId;
  head: Header;
  windowEnd: bigint;
  ledgerRoot: Hex;
  account: AccountWitness;
}

/** `abi.encode(bytes32 child, Header head, uint64 windowEnd, bytes32 ledgerRoot, AccountWitness account)`: escapeExit's calldata after the selector. */
export function encodeEscapeChildExitData(d: EscapeChildExitData): Hex {
  return bytesToHex(tupleEnc(escapeExitArgs(d.child, d.head, d.windowEnd, { ledgerRoot: d.ledgerRoot, account: d.account })).bytes);
}

/** 1 + 8 + 1 + 1 + 37 words, all static. */
const ESCAPE_DATA_BYTES = (11 + ACCOUNT_WITNESS_WORDS) * WORD;

/** Inverse of encodeEscapeChildExitData; MALFORMED_TX (field `data`) unless `data` is its canonical form. */
export function decodeEscapeChildExitData(data: Hex): EscapeChildExitData {
  const fail = (cause?: unknown): never => {
    throw new PlasmaError('MALFORMED_TX', 'tx.data must be the canonical abi.encode(bytes32 child, Header head, uint64 windowEnd, bytes32 ledgerRoot, AccountWitness account)', {
      hint: 'build the transaction with placeSignedTx from an escape proof (buildEscapeExitProof, escapeProofFromDataDir)',
      data: { field: 'data' },
      cause,
    });
  };
  let decoded: EscapeChildExitData;
  try {
    const bytes = hexToBytes(data);
    if (bytes.length !== ESCAPE_DATA_BYTES) throw new Error('length');
    const r = new AbiReader(bytes);
    const H = 8 * WORD;
    const [windowEnd] = r.words(['uint64'], WORD + H) as [bigint];
    const a = 3 * WORD + H;
    const [slot, owner, token, balance, nonce] = r.words(['uint32', 'address', 'address', 'uint256', 'uint64'], a);
    const account = { slot: Number(slot), owner, token, balance, nonce, proof: r.siblings(a + 5 * WORD, 32) } as AccountWitness;
    decoded = { child: r.word(0), head: r.header(WORD), windowEnd, ledgerRoot: r.word(2 * WORD + H), account };
  } catch (e) {
    return fail(e);
  }
  // Words out of their type's range decode to something else: re-encoding tells.
  if (encodeEscapeChildExitData(decoded) !== data.toLowerCase()) fail();
  return decoded;
}

/** Calldata of PlasmaRoot.reclaimDeposit. */
export function encodeReclaimDepositCall(d: { chainId: ChainId; nonce: bigint; from: Address; to: Address; token: Address; amount: bigint }): Hex {
  return callData(FRAUD_SIGNATURES.reclaimDeposit, [bytes32Enc(d.chainId), uintEnc(d.nonce, 64), addressEnc(d.from), addressEnc(d.to), addressEnc(d.token), uintEnc(d.amount, 256)]);
}
