/**
 * A PlasmaNestedEscape call judged by a chain's own ledger (NESTED_ESCAPE_CALL, kind 16, docs/FRAUD.md §4c): when a
 * chain P's child A is frozen in P's ledger, the holders of A's descendants leave on P with the very call they would
 * send the root's PlasmaNestedEscape if A were a child of the root. This module decodes such a call strictly (it must
 * be the canonical encoding core's encoders write) and runs every check PlasmaNestedEscape runs that does not read the
 * host: the split of A's head, the path of last final blocks, the method's own proofs and the caps' proofs
 * (`judgeNestedEscapeCall`). What reads the host (A frozen with that head, final by the host's clock, what was paid
 * already) is ParentLedger.nestedEscapeCall's part. The errors are PlasmaNestedEscape's, in SCREAMING_SNAKE_CASE, so
 * the root's module, a chain's ledger and PlasmaLedgerNested (the L1 judge of a lying chain) refuse in the same words.
 */
import { decodeWords, WORD, type StaticAbiType } from './abi.js';
import { bytesToHex, hexToBytes, isHex } from './bytes.js';
import { chainStateRoot } from './chainState.js';
import { chainIdOf, exitLeaf, hashDeposit, hashHeader, recordIs } from './encoding.js';
import { PlasmaError, type ParentLedgerErrorCode } from './errors.js';
import { keccak256 } from './hash.js';
import { accountsRootOf } from './fraudVerifier.js';
import type { AccountWitness } from './fraud.js';
import { LedgerKind, ledgerKeys, type LedgerKeyRef } from './ledgerEntries.js';
import { ledgerProofRoot, type LedgerProof } from './ledgerTree.js';
import { computeMerkleRoot } from './merkle.js';
import {
  encodeEscapeNestedExitCall,
  encodeExitNestedCall,
  encodeReclaimNestedCall,
  NESTED_ESCAPE_SIGNATURES,
  type Cap,
  type ChildRecord,
  type FinalChild,
  type FrozenHead,
  type NestedAccountProof,
  type NestedDepositProof,
  type NestedExitProof,
  type NestedLevel,
  type NestedRoute,
} from './nestedEscape.js';
import { selectorOf } from './abiEncoder.js';
import { hashCommitmentRecord } from './parentLedger.js';
import { EXIT_TREE_DEPTH, type Address, type ChainId, type Exit, type Header, type Hex } from './types.js';

/** One of PlasmaNestedEscape's three calls, decoded. */
export type NestedEscapeCall =
  | ({ method: 'escapeNestedExit'; route: NestedRoute } & NestedAccountProof)
  | ({ method: 'exitNested'; route: NestedRoute } & NestedExitProof)
  | ({ method: 'reclaimNested'; route: NestedRoute } & NestedDepositProof);

/** The calldata of `call` (its method's selector and arguments), as core's encoders write it. */
export function encodeNestedEscapeCall(call: NestedEscapeCall): Hex {
  switch (call.method) {
    case 'escapeNestedExit':
      return encodeEscapeNestedExitCall(call.route, call);
    case 'exitNested':
      return encodeExitNestedCall(call.route, call);
    case 'reclaimNested':
      return encodeReclaimNestedCall(call.route, call);
  }
}

/** Who a call pays, what and how much: the account's owner, the exit's recipient, the deposit's depositor. */
export interface NestedPayment {
  to: Address;
  token: Address;
  amount: bigint;
}

export function nestedPaymentOf(call: NestedEscapeCall): NestedPayment {
  switch (call.method) {
    case 'escapeNestedExit':
      return { to: call.account.owner, token: call.account.token, amount: call.account.balance };
    case 'exitNested':
      return { to: call.exit.recipient, token: call.exit.token, amount: call.exit.amount };
    case 'reclaimNested':
      return { to: call.from, token: call.token, amount: call.amount };
  }
}

/** What the host still has to check and write for a call whose proofs hold (judgeNestedEscapeCall). */
export interface NestedJudgement extends NestedPayment {
  /** The chains of the path, A's child first, the holder's chain last: what is paid through each is capped. */
  children: ChainId[];
  /** SubtreeBalance of the token for each of `children` in its parent's ledger (proved). */
  caps: bigint[];
  /** The entry that marks the slot, exit or deposit paid (NestedEscaped, NestedExitPaid, NestedReclaimed). */
  mark: LedgerKeyRef;
}

/**
 * The entries of the host's ledger a call touches after A's (docs/FRAUD.md §4c): its mark and every chain's paid sum,
 * as the call names them, unchecked (a transition proof's touch plan: the witnesses are opened before the checks run).
 */
export function nestedCallTouches(call: NestedEscapeCall): { children: ChainId[]; mark: LedgerKeyRef; token: Address } {
  const children: ChainId[] = [];
  let parent = call.route.frozen.chainId;
  for (const fc of [...call.route.via.map((l) => l.child), call.route.final]) {
    parent = chainIdOf(parent, fc.record.index).toLowerCase() as ChainId;
    children.push(parent);
  }
  const child = parent;
  const mark: LedgerKeyRef =
    call.method === 'escapeNestedExit' ? { kind: LedgerKind.NestedEscaped, child, slot: call.account.slot }
    : call.method === 'exitNested' ? { kind: LedgerKind.NestedExitPaid, child, number: call.exitBlock.header.number, index: call.index }
    : { kind: LedgerKind.NestedReclaimed, child, nonce: call.nonce };
  return { children, mark, token: nestedPaymentOf(call).token.toLowerCase() as Address };
}

// ---- decoding ------------------------------------------------------------------------------------------------

const SELECTORS = Object.fromEntries(
  (Object.keys(NESTED_ESCAPE_SIGNATURES) as (keyof typeof NESTED_ESCAPE_SIGNATURES)[]).map((m) => [bytesToHex(selectorOf(NESTED_ESCAPE_SIGNATURES[m])), m]),
) as Record<Hex, NestedEscapeCall['method']>;

/**
 * Decodes one of PlasmaNestedEscape's calls; MALFORMED_TX unless `input` is a call of one of the three methods in the
 * canonical encoding (the one encodeNestedEscapeCall writes for what it decodes to).
 */
export function decodeNestedEscapeCall(input: Hex): NestedEscapeCall {
  if (!isHex(input)) throw malformed('the call is not hex');
  const bytes = hexToBytes(input);
  const method = SELECTORS[bytesToHex(bytes.subarray(0, 4))];
  if (bytes.length < 4 || method === undefined) throw malformed('not an escapeNestedExit, exitNested or reclaimNested call');
  let call: NestedEscapeCall;
  let again: Hex;
  try {
    const r = new CallReader(bytes.subarray(4));
    const route: NestedRoute = { frozen: r.frozenHead(0), via: r.levels(r.offset(0, 12 * WORD)), final: r.finalChild(r.offset(0, 13 * WORD)) };
    if (method === 'escapeNestedExit') {
      call = {
        method, route, childLedgerRoot: r.word(14 * WORD), account: r.account(15 * WORD), escapedProof: r.ledgerProof(r.offset(0, 52 * WORD)), caps: r.caps(r.offset(0, 53 * WORD)),
      };
    } else if (method === 'exitNested') {
      const [windowEnd] = r.words(['uint64'], 22 * WORD) as [bigint];
      const [recipient, token, amount, index] = r.words(['address', 'address', 'uint256', 'uint256'], 24 * WORD) as [Address, Address, bigint, bigint];
      call = {
        method, route, exitBlock: { header: r.header(14 * WORD), windowEnd }, exitBlockProof: r.ledgerProof(r.offset(0, 23 * WORD)), exit: { recipient, token, amount }, index,
        exitProof: r.wordArray(r.offset(0, 28 * WORD)), spentProof: r.ledgerProof(r.offset(0, 29 * WORD)), caps: r.caps(r.offset(0, 30 * WORD)),
      };
    } else {
      const [nonce, from, to, token, amount, record] = r.words(['uint64', 'address', 'address', 'address', 'uint256', 'bytes32'], 14 * WORD) as [bigint, Address, Address, Address, bigint, Hex];
      call = { method, route, nonce, from, to, token, amount, record, depositProof: r.ledgerProof(r.offset(0, 20 * WORD)), caps: r.caps(r.offset(0, 21 * WORD)) };
    }
    again = encodeNestedEscapeCall(call);
  } catch (e) {
    throw malformed(`its arguments do not decode (${(e as Error).message})`, e);
  }
  if (again.toLowerCase() !== input.toLowerCase()) throw malformed('not the canonical encoding of its arguments');
  return call;
}

const HEADER_WORDS: readonly StaticAbiType[] = ['bytes32', 'uint64', 'bytes32', 'bytes32', 'bytes32', 'bytes32', 'uint64', 'uint64'];
const RECORD_WORDS: readonly StaticAbiType[] = ['uint256', 'address', 'uint256', 'uint8', 'uint64', 'bytes32', 'uint64', 'uint64', 'uint64', 'uint64', 'uint64', 'uint64'];

/** ABI reading of the calls' arguments: offsets are relative to the tuple (or array body) that holds them. */
class CallReader {
  constructor(private readonly b: Uint8Array) {}

  private slice(at: number, length: number): Uint8Array {
    if (!Number.isSafeInteger(at) || at < 0 || at + length > this.b.length) throw new Error('out of bounds');
    return this.b.subarray(at, at + length);
  }

  words(types: readonly StaticAbiType[], at: number) {
    return decodeWords(types, this.slice(at, types.length * WORD));
  }

  word(at: number): Hex {
    return bytesToHex(this.slice(at, WORD));
  }

  private count(at: number): number {
    const n = BigInt(this.word(at));
    if (n > BigInt(this.b.length)) throw new Error('offset or length out of bounds');
    return Number(n);
  }

  offset(base: number, at: number): number {
    return base + this.count(at);
  }

  header(at: number): Header {
    const [chainId, number, parentHash, txRoot, stateRoot, exitRoot, depositNonce, timestamp] = this.words(HEADER_WORDS, at);
    return { chainId, number, parentHash, txRoot, stateRoot, exitRoot, depositNonce, timestamp } as Header;
  }

  frozenHead(at: number): FrozenHead {
    const [windowEnd] = this.words(['uint64'], at + 9 * WORD) as [bigint];
    return { chainId: this.word(at), head: this.header(at + WORD), windowEnd, accountsRoot: this.word(at + 10 * WORD), ledgerRoot: this.word(at + 11 * WORD) };
  }

  wordArray(at: number): Hex[] {
    const n = this.count(at);
    return Array.from({ length: n }, (_, i) => this.word(at + WORD + i * WORD));
  }

  ledgerProof(at: number): LedgerProof {
    return { bitmap: this.word(at), siblings: this.wordArray(this.offset(at, at + WORD)) };
  }

  finalChild(at: number): FinalChild {
    const [index, spawner, bond, threshold, challengeWindow, validatorSetHash, headNumber, headWindowEnd, headDepositNonce, depositCount, spawnedAt, stallLimit] =
      this.words(RECORD_WORDS, at) as [bigint, Address, bigint, bigint, bigint, Hex, bigint, bigint, bigint, bigint, bigint, bigint];
    const record: ChildRecord = {
      index, spawner, bond, threshold: Number(threshold), challengeWindow, validatorSetHash, headNumber, headWindowEnd, headDepositNonce, depositCount, spawnedAt, stallLimit,
    };
    const [windowEnd] = this.words(['uint64'], at + 21 * WORD) as [bigint];
    const [nextWindowEnd] = this.words(['uint64'], at + 24 * WORD) as [bigint];
    return {
      record, recordProof: this.ledgerProof(this.offset(at, at + 12 * WORD)), block: this.header(at + 13 * WORD), windowEnd,
      blockProof: this.ledgerProof(this.offset(at, at + 22 * WORD)), nextHash: this.word(at + 23 * WORD), nextWindowEnd, nextProof: this.ledgerProof(this.offset(at, at + 25 * WORD)),
    };
  }

  levels(at: number): NestedLevel[] {
    const n = this.count(at);
    const body = at + WORD;
    return Array.from({ length: n }, (_, i) => {
      const level = this.offset(body, body + i * WORD);
      return { child: this.finalChild(this.offset(level, level)), accountsRoot: this.word(level + WORD), ledgerRoot: this.word(level + 2 * WORD) };
    });
  }

  caps(at: number): Cap[] {
    const n = this.count(at);
    const body = at + WORD;
    return Array.from({ length: n }, (_, i) => {
      const cap = this.offset(body, body + i * WORD);
      return { amount: BigInt(this.word(cap)), proof: this.ledgerProof(this.offset(cap, cap + WORD)) };
    });
  }

  account(at: number): AccountWitness {
    const [slot, owner, token, balance, nonce] = this.words(['uint32', 'address', 'address', 'uint256', 'uint64'], at) as [bigint, Address, Address, bigint, bigint];
    return { slot: Number(slot), owner, token, balance, nonce, proof: Array.from({ length: 32 }, (_, i) => this.word(at + (5 + i) * WORD)) };
  }
}

// ---- the checks that read nothing of the host ------------------------------------------------------------------

/**
 * PlasmaNestedEscape's checks of `call` below its frozen head's host reads, in its order: A's head splits into the
 * accounts and ledger roots given (INVALID_LEDGER_ROOT); the path (`_path`: BAD_PROOF_LENGTH for caps that are not one
 * per level, then per level the Child entry, the last final block, NOT_LAST_FINAL, NOT_FINAL, NOTHING_FINAL,
 * INVALID_LEDGER_ROOT); the method's proofs; the caps' proofs. Returns what the host checks and writes next.
 */
export function judgeNestedEscapeCall(call: NestedEscapeCall): NestedJudgement {
  const { frozen: a, final } = call.route;
  if (chainStateRoot(a.accountsRoot, a.ledgerRoot) !== a.head.stateRoot.toLowerCase()) throw refuse.invalidLedgerRoot(a.chainId);
  const p = walkPath(call.route, call.caps.length);
  const child = p.child;
  const payment = nestedPaymentOf(call);
  let mark: LedgerKeyRef;
  if (call.method === 'escapeNestedExit') {
    const { account } = call;
    if (p.n === 0n) throw refuse.nothingFinal(child);
    if (account.balance === 0n) throw refuse.zeroAmount();
    if (chainStateRoot(accountsRootOf(account), call.childLedgerRoot) !== final.block.stateRoot.toLowerCase()) throw refuse.invalidAccountProof(child, account.slot);
    fold(p.ledgerRoot, child, LedgerKind.EscapedSlot, ledgerKeys.escapedSlot(child, account.slot), null, call.escapedProof);
    mark = { kind: LedgerKind.NestedEscaped, child, slot: account.slot };
  } else if (call.method === 'exitNested') {
    const { exitBlock, exit, index } = call;
    const m = exitBlock.header.number;
    if (m === 0n || m > p.n) throw refuse.notFinal(child, m, exitBlock.windowEnd, p.time);
    if (exitBlock.header.chainId.toLowerCase() !== child) throw refuse.invalidLedgerProof(child, LedgerKind.Commitment);
    const exitBlockHash = hashHeader(exitBlock.header);
    // Block n's Commitment entry was folded by the path: only another block's is proved here.
    if (m !== p.n || exitBlock.windowEnd !== final.windowEnd || exitBlockHash !== hashHeader(final.block)) {
      fold(p.ledgerRoot, child, LedgerKind.Commitment, ledgerKeys.commitment(child, m), commitmentLeaf(exitBlockHash, exitBlock.windowEnd), call.exitBlockProof);
    }
    if (call.exitProof.length !== EXIT_TREE_DEPTH) throw refuse.badProofLength(call.exitProof.length, EXIT_TREE_DEPTH);
    if (index >> BigInt(EXIT_TREE_DEPTH) !== 0n) throw refuse.exitIndexOutOfRange(index);
    if (bytesToHex(computeMerkleRoot(exitLeaf(exit), Number(index), call.exitProof)) !== exitBlock.header.exitRoot.toLowerCase()) throw refuse.invalidExitProof(child, m, index);
    fold(p.ledgerRoot, child, LedgerKind.SpentExit, ledgerKeys.spentExit(child, m, index), null, call.spentProof);
    mark = { kind: LedgerKind.NestedExitPaid, child, number: m, index };
  } else {
    const { nonce, from, to, token, amount, record } = call;
    if (nonce <= p.depositNonce) throw refuse.depositApplied(child, nonce, p.depositNonce);
    // The record first, then its proof (PlasmaNestedPaths.checkDeposit's short-circuit).
    if (!recordIs(record, hashDeposit({ chainId: child, nonce, from, to, token, amount }))) throw refuse.unknownDeposit(child, nonce);
    const folded = ledgerProofRoot(ledgerKeys.deposit(child, nonce), keccak256(hexToBytes(record)), call.depositProof);
    if (folded === undefined) throw refuse.badLedgerProof(call.depositProof);
    if (bytesToHex(folded) !== p.ledgerRoot.toLowerCase()) throw refuse.unknownDeposit(child, nonce);
    mark = { kind: LedgerKind.NestedReclaimed, child, nonce };
  }
  // _capped's proofs: SubtreeBalance(child, token) of every level in its parent's ledger (the paid sums are the host's).
  const caps = call.caps.map((cap, i) => {
    const levelChild = p.children[i];
    const leaf = cap.amount === 0n ? null : keccak256(wordOf(cap.amount));
    fold(p.ledgerRoots[i], levelChild, LedgerKind.SubtreeBalance, ledgerKeys.subtreeBalance(levelChild, payment.token), leaf, cap.proof);
    return cap.amount;
  });
  return { ...payment, children: p.children, caps, mark };
}

interface WalkedPath {
  child: ChainId;
  n: bigint;
  depositNonce: bigint;
  time: bigint;
  ledgerRoot: Hex;
  children: ChainId[];
  ledgerRoots: Hex[];
}

/** PlasmaNestedEscape._path from A's head (its time is the head's timestamp). */
function walkPath(route: NestedRoute, capCount: number): WalkedPath {
  const { frozen: a, via, final } = route;
  if (capCount !== via.length + 1) throw refuse.badProofLength(capCount, via.length + 1);
  const children: ChainId[] = [];
  const ledgerRoots: Hex[] = [];
  let parent = a.chainId.toLowerCase() as ChainId;
  let ledgerRoot = a.ledgerRoot.toLowerCase() as Hex;
  let time = a.head.timestamp;
  for (let i = 0; ; i++) {
    const fc = i < via.length ? via[i].child : final;
    const { child, n, depositNonce } = finalChildOf(parent, ledgerRoot, time, fc);
    children.push(child);
    ledgerRoots.push(ledgerRoot);
    if (i === via.length) return { child, n, depositNonce, time, ledgerRoot, children, ledgerRoots };
    if (n === 0n) throw refuse.nothingFinal(child);
    const level = via[i];
    if (chainStateRoot(level.accountsRoot, level.ledgerRoot) !== fc.block.stateRoot.toLowerCase()) throw refuse.invalidLedgerRoot(child);
    parent = child;
    ledgerRoot = level.ledgerRoot.toLowerCase() as Hex;
    time = fc.block.timestamp;
  }
}

/** PlasmaNestedEscape._finalChild: the Child entry in `ledgerRoot` and its last final block at `time`. */
function finalChildOf(parent: ChainId, ledgerRoot: Hex, time: bigint, c: FinalChild): { child: ChainId; n: bigint; depositNonce: bigint } {
  const child = chainIdOf(parent, c.record.index).toLowerCase() as ChainId;
  fold(ledgerRoot, child, LedgerKind.Child, ledgerKeys.child(child), keccak256(recordValue(c.record)), c.recordProof);
  const n = c.block.number;
  const head = c.record.headNumber;
  if (n > head) throw refuse.notLastFinal(child, n);
  let depositNonce = 0n;
  if (n > 0n) {
    if (c.block.chainId.toLowerCase() !== child) throw refuse.unknownCommitment(child, n);
    fold(ledgerRoot, child, LedgerKind.Commitment, ledgerKeys.commitment(child, n), commitmentLeaf(hashHeader(c.block), c.windowEnd), c.blockProof);
    if (c.windowEnd > time) throw refuse.notFinal(child, n, c.windowEnd, time);
    depositNonce = c.block.depositNonce;
  }
  if (n < head) {
    fold(ledgerRoot, child, LedgerKind.Commitment, ledgerKeys.commitment(child, n + 1n), commitmentLeaf(c.nextHash, c.nextWindowEnd), c.nextProof);
    if (c.nextWindowEnd <= time) throw refuse.notLastFinal(child, n);
  }
  return { child, n, depositNonce };
}

/** PlasmaNestedEscape._fold: `leaf` (null: the empty leaf) under `key` must fold to `ledgerRoot`. */
function fold(ledgerRoot: Hex, child: ChainId, kind: LedgerKind, key: Hex, leaf: Uint8Array | null, proof: LedgerProof): void {
  const root = ledgerProofRoot(key, leaf, proof);
  if (root === undefined) throw refuse.badLedgerProof(proof);
  if (bytesToHex(root) !== ledgerRoot.toLowerCase()) throw refuse.invalidLedgerProof(child, kind);
}

function commitmentLeaf(blockHash: Hex, windowEnd: bigint): Uint8Array {
  return keccak256(hexToBytes(hashCommitmentRecord(blockHash, windowEnd)));
}

function wordOf(value: bigint): Uint8Array {
  return hexToBytes(`0x${value.toString(16).padStart(64, '0')}` as Hex);
}

/** abi.encode(ChildRecord): the Child entry's value (12 words). */
function recordValue(r: ChildRecord): Uint8Array {
  const words = [r.index, BigInt(r.spawner), r.bond, BigInt(r.threshold), r.challengeWindow, BigInt(r.validatorSetHash), r.headNumber, r.headWindowEnd, r.headDepositNonce, r.depositCount, r.spawnedAt, r.stallLimit];
  const out = new Uint8Array(words.length * WORD);
  words.forEach((w, i) => out.set(wordOf(w), i * WORD));
  return out;
}

// ---- refusals: PlasmaNestedEscape's errors ---------------------------------------------------------------------

function refusal(code: ParentLedgerErrorCode, message: string, data: Record<string, string | number | bigint>, hint: string): PlasmaError {
  return new PlasmaError(code, message, { hint, data: Object.fromEntries(Object.entries(data).map(([k, v]) => [k, typeof v === 'string' ? v.toLowerCase() : String(v)])) });
}

const LEDGER_HINT = "build the call from the chains' stores with core's nested-escape builders (nestedEscapeSourceFromDataDirs)";

const refuse = {
  invalidLedgerRoot: (chainId: ChainId) =>
    refusal('INVALID_LEDGER_ROOT', `the accounts and ledger roots given do not hash to the state root of ${chainId}'s block`, { chainId }, LEDGER_HINT),
  invalidLedgerProof: (child: ChainId, kind: LedgerKind) =>
    refusal('INVALID_LEDGER_PROOF', `a proof of ${child}'s ${LedgerKind[kind]} entry does not fold to its parent's ledger root`, { child, kind: Number(kind) }, LEDGER_HINT),
  badLedgerProof: (proof: LedgerProof) =>
    refusal('BAD_LEDGER_PROOF', `a ledger proof of ${proof.siblings.length} words that is not well formed (its bitmap, its word count or its opening)`, { siblings: proof.siblings.length }, LEDGER_HINT),
  notLastFinal: (child: ChainId, number: bigint) =>
    refusal('NOT_LAST_FINAL', `block ${number} of ${child} is not its last final block in its parent's ledger`, { child, number }, LEDGER_HINT),
  notFinal: (child: ChainId, number: bigint, windowEnd: bigint, time: bigint) =>
    refusal('NOT_FINAL', `block ${number} of ${child} is not final: its windowEnd ${windowEnd} is after its parent's time ${time}`, { child, number, windowEnd, time }, LEDGER_HINT),
  nothingFinal: (child: ChainId) =>
    refusal('NOTHING_FINAL', `no block of ${child} is final in its parent's ledger`, { child }, 'no account can escape and nothing below it can leave; its deposits in flight can be reclaimed'),
  unknownCommitment: (chainId: ChainId, number: bigint) =>
    refusal('UNKNOWN_COMMITMENT', `block ${number} given for ${chainId} is of another chain`, { chainId, number }, LEDGER_HINT),
  zeroAmount: () => refusal('ZERO_AMOUNT', 'the amount is 0', {}, 'an empty slot or exit has nothing to pay'),
  invalidAccountProof: (chainId: ChainId, slot: number) =>
    refusal('INVALID_ACCOUNT_PROOF', `the witness of slot ${slot} and the ledger root do not give the state root of ${chainId}'s last final block`, { chainId, slot }, LEDGER_HINT),
  badProofLength: (length: number, expected: number) =>
    refusal('BAD_PROOF_LENGTH', `${length} given where ${expected} are needed`, { length, expected }, 'give one cap per level of the path and 16 siblings for an exit'),
  exitIndexOutOfRange: (index: bigint) =>
    refusal('EXIT_INDEX_OUT_OF_RANGE', `exit index ${index} is outside the exit tree (2^16 leaves)`, { index }, "take the index from the block's exits"),
  invalidExitProof: (chainId: ChainId, number: bigint, index: bigint) =>
    refusal('INVALID_EXIT_PROOF', `exit ${index} does not open block ${number}'s exit root`, { chainId, number, index }, "take the exit and its siblings from the block's exit tree"),
  depositApplied: (chainId: ChainId, nonce: bigint, headDepositNonce: bigint) =>
    refusal('DEPOSIT_APPLIED', `deposit ${nonce} was applied by the last final block (depositNonce ${headDepositNonce})`, { chainId, nonce, headDepositNonce }, 'escape it from the account it went to instead'),
  unknownDeposit: (chainId: ChainId, nonce: bigint) =>
    refusal('UNKNOWN_DEPOSIT', `no deposit ${nonce} of chain ${chainId} with these from, to, token and amount (or it was reclaimed)`, { chainId, nonce }, 'copy the deposit exactly as it was recorded; a deposit is reclaimed once'),
};

function malformed(reason: string, cause?: unknown): PlasmaError {
  return new PlasmaError('MALFORMED_TX', `tx.data's call is not a PlasmaNestedEscape call core can read: ${reason}`, {
    hint: 'encode the call with encodeEscapeNestedExitCall, encodeExitNestedCall or encodeReclaimNestedCall',
    data: { field: 'data' },
    ...(cause === undefined ? {} : { cause }),
  });
}

