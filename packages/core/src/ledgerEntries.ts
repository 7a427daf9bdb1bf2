/**
 * Where a ParentLedger keeps its state in the ledger tree (docs/TREE.md §2). Each record is one entry under
 * `ledgerKey(kind, child, a, b)`, and its leaf is `keccak256(value)` where `value` is the `abi.encode` of the
 * record's fields listed below. An entry whose value is the default (a zero balance, no children) is an empty
 * leaf, so the root depends on the state only, never on the history that led to it.
 *
 * | kind | key `(child, a, b)` | value |
 * |---|---|---|
 * | 0 Child | `(child, 0, 0)` | `(uint256 index, address spawner, uint256 bond, uint8 threshold, uint64 challengeWindow, bytes32 validatorSetHash, uint64 headNumber, uint64 headWindowEnd, uint64 headDepositNonce, uint64 depositCount, uint64 spawnedAt, uint64 stallLimit)` |
 * | 1 SubtreeBalance | `(child, bytes32(token), 0)` | `(uint256 amount)` |
 * | 2 Deposit | `(child, 0, nonce)` | `(bytes32 depositHash)` |
 * | 3 Commitment | `(child, 0, number)` | `(bytes32 keccak256(abi.encode(blockHash, uint64 windowEnd)))` |
 * | 4 SpentExit | `(child, bytes32(number), index)` | `(uint256 1)` |
 * | 5 ChildCount | `(0, 0, 0)` | `(uint256 count)` |
 * | 6 EdgeStorage | `(fn, keccak256(key), 0)` | `(bytes value)` |
 * | 7 EdgeDelivery | `(0, 0, nonce)` | `(bytes32 fn, uint8 status)` |
 * | 8 ChildStatus | `(child, 0, 0)` | `(uint8 status, uint64 frozenAt)` |
 * | 9 EscapedSlot | `(child, 0, slot)` | `(uint256 1)` |
 * | 10 DataChallenge | `(child, 0, number)` | `(address challenger, uint64 deadline, uint8 status, uint256 bond, uint16 nextChunk, bool txsPublished, uint16 nextExitChunk)` |
 * | 11 NestedEscaped | `(child, 0, slot)` | `(uint256 1)` |
 * | 12 NestedExitPaid | `(child, bytes32(number), index)` | `(uint256 1)` |
 * | 13 NestedReclaimed | `(child, 0, nonce)` | `(uint256 1)` |
 * | 14 NestedPaid | `(child, bytes32(token), 0)` | `(uint256 amount)` |
 *
 * Child holds what PlasmaRoot packs into one storage slot (configuration and head) plus the registry fields, and
 * last the two of the stall rule (docs/FRAUD.md §2, §8): `spawnedAt`, the host's time of the spawn (the last activity
 * before block 1), and `stallLimit`, the seconds without a commit after which FREEZE_STALLED_CHILD freezes the child
 * (PlasmaRoot's `spawnedAt` and `stallLimit(chainId)`); 12 words, 384 bytes.
 * ChildCount, the next child's index, is the one addition to TREE.md's list. `validatorSetHash` is
 * `keccak256(abi.encodePacked(address[] validators))` of the ascending set (one padded word per validator).
 * EdgeStorage is an edge function's own storage (docs/EDGE.md): the empty value is the default, as an unset
 * `bytes` in Solidity, so a set value is at least 96 bytes. EdgeDelivery records what became of down edge event
 * `nonce` from this chain's parent (a chain keeps it in its own ledger, children or not). ChildStatus is
 * PlasmaRoot's `chainStatus(child)` (docs/FRAUD.md §7, §8): 1 = frozen by a fraud proof, 2 = frozen because it stalled
 * (FREEZE_STALLED_CHILD); a live child (0, 0) has no
 * entry, so the ledger roots of chains that never convicted anyone are unchanged. EscapedSlot is PlasmaRoot's
 * `isEscaped(child, slot)` (ESCAPE_CHILD_EXIT paid that slot, docs/FRAUD.md §8). DataChallenge is
 * PlasmaDataAvailability's slot of one block (docs/FRAUD.md §9b): its challenge (status DataChallengeStatus, the bond
 * it holds while open) and its publication progress (`nextExitChunk == EXIT_DATA_CHUNK_COUNT`: the exit tree is in); a
 * block nobody challenged or published has no entry. A reclaimed deposit
 * (RECLAIM_CHILD_DEPOSIT) deletes its Deposit entry, as the root deletes its record: a zero depositHash is the default.
 * Kinds 11-14 are PlasmaNestedEscape's storage kept by a chain whose frozen child's descendants leave through it
 * (NESTED_ESCAPE_CALL, docs/FRAUD.md §4c), keyed by the descendant (its id is the hash of its path, so it names the
 * frozen child too): the slots, exits and deposits paid, and what was paid through each chain of a path.
 * Values are 32 bytes, 384 (Child), 96 or more (storage) and 64 (EdgeDelivery, the layout docs/EDGE.md fixes); a leaf can
 * still never pass for an internal node because every ledger proof has exactly 256 levels (ledgerTree.ts).
 */
import { decodeWords, encodeWords, WORD, writeAddressWord, writeUintWord, type StaticAbiType, type StaticAbiValue } from './abi.js';
import { bigintToWord, bytesToHex, equalBytes, hexToBytes, ZERO_BYTES32 } from './bytes.js';
import { PlasmaError } from './errors.js';
import { keccak256 } from './hash.js';
import { ledgerKey } from './ledgerTree.js';
import { ZERO_ADDRESS, type Address, type ChainId, type Hex } from './types.js';

export enum LedgerKind {
  Child = 0,
  SubtreeBalance = 1,
  Deposit = 2,
  Commitment = 3,
  SpentExit = 4,
  ChildCount = 5,
  EdgeStorage = 6,
  EdgeDelivery = 7,
  /** A child frozen by a fraud proof (PROVE_CHILD_FRAUD, docs/FRAUD.md §7). */
  ChildStatus = 8,
  /** An account slot of a frozen child paid by ESCAPE_CHILD_EXIT (docs/FRAUD.md §8). */
  EscapedSlot = 9,
  /** A child block's data challenge and publication progress (CHALLENGE_CHILD_DATA, CHILD_DATA_CALL, docs/FRAUD.md §9b). */
  DataChallenge = 10,
  /** An account slot of a frozen child's descendant paid by NESTED_ESCAPE_CALL (docs/FRAUD.md §4c). */
  NestedEscaped = 11,
  /** An exit of a frozen child's descendant paid by NESTED_ESCAPE_CALL. */
  NestedExitPaid = 12,
  /** A deposit in flight to a frozen child's descendant given back by NESTED_ESCAPE_CALL. */
  NestedReclaimed = 13,
  /** What NESTED_ESCAPE_CALL paid of a token through a chain of a path (at most its SubtreeBalance in its parent's ledger). */
  NestedPaid = 14,
}

/** What became of a down edge event on the child (docs/EDGE.md): it is consumed either way. */
export enum EdgeDeliveryStatus {
  Delivered = 1,
  /** The receive half threw, or the function is not registered here: its writes were undone. */
  Failed = 2,
}

/** A child chain's registry record, configuration and head. */
export interface ChildEntry {
  kind: LedgerKind.Child;
  child: ChainId;
  /** Position among this chain's children: child = chainIdOf(parent, index). */
  index: bigint;
  spawner: Address;
  bond: bigint;
  threshold: number;
  challengeWindow: bigint;
  /** Ascending, distinct, lowercase; UNKNOWN_VALIDATORS in an entry rebuilt from its value alone (ledgerEntryFromValue). */
  validators: readonly Address[];
  /**
   * Only in an entry rebuilt from its value (a witness of a transition proof, docs/LEDGER-PROOFS.md): the value holds
   * the set's hash, not the set, and the entry keeps that hash so that it encodes to the same value.
   */
  validatorSetHash?: Hex;
  /** Number of the last committed block (0 = none). */
  headNumber: bigint;
  headWindowEnd: bigint;
  headDepositNonce: bigint;
  /** Deposits so far = the nonce of the last one. */
  depositCount: bigint;
  /** The host's time of the spawn (seconds): the child's last activity before its first commit. */
  spawnedAt: bigint;
  /** Seconds without a commit after which anyone may freeze the child (FREEZE_STALLED_CHILD): challengeWindow .. 30 days. */
  stallLimit: bigint;
}

export interface SubtreeBalanceEntry {
  kind: LedgerKind.SubtreeBalance;
  child: ChainId;
  token: Address;
  amount: bigint;
}

export interface DepositEntry {
  kind: LedgerKind.Deposit;
  child: ChainId;
  nonce: bigint;
  depositHash: Hex;
}

export interface CommitmentEntry {
  kind: LedgerKind.Commitment;
  child: ChainId;
  number: bigint;
  /** keccak256(abi.encode(blockHash, uint64 windowEnd)), as PlasmaRoot stores it. */
  record: Hex;
}

export interface SpentExitEntry {
  kind: LedgerKind.SpentExit;
  child: ChainId;
  number: bigint;
  index: number;
}

export interface ChildCountEntry {
  kind: LedgerKind.ChildCount;
  count: bigint;
}

/** One value of an edge function's storage. */
export interface EdgeStorageEntry {
  kind: LedgerKind.EdgeStorage;
  fn: Hex;
  /** keccak256 of the storage key. */
  keyHash: Hex;
  /** '0x' (the default) = unset. */
  value: Hex;
}

export interface EdgeDeliveryEntry {
  kind: LedgerKind.EdgeDelivery;
  /** The event's nonce on this chain's stream from its parent. */
  nonce: bigint;
  fn: Hex;
  status: EdgeDeliveryStatus;
}

/** PlasmaRoot's chainStatus of a child: 0 live (no entry), 1 frozen by a proof, 2 frozen stalled (ChainStatus in fraud.ts). */
export interface ChildStatusEntry {
  kind: LedgerKind.ChildStatus;
  child: ChainId;
  status: number;
  /** The host's time of the freeze: the first conviction, or the stall freeze (0 while live). */
  frozenAt: bigint;
}

/** PlasmaRoot's escapedBitmap bit of (child, slot): the slot's balance was paid on this chain. */
export interface EscapedSlotEntry {
  kind: LedgerKind.EscapedSlot;
  child: ChainId;
  slot: number;
}

/** PlasmaDataAvailability's BlockData of one committed block of `child` (docs/FRAUD.md §9b). */
export interface DataChallengeEntry {
  kind: LedgerKind.DataChallenge;
  child: ChainId;
  number: bigint;
  /** The zero address until challenged. */
  challenger: Address;
  /** The host's time by which the data must be published (0 until challenged). */
  deadline: bigint;
  /** DataChallengeStatus: 0 none, 1 open, 2 answered, 3 convicted, 4 lapsed. */
  status: number;
  /** What the open challenge holds (0 once settled: it was paid out). */
  bond: bigint;
  /** The next transaction chunk publishBlockData takes. */
  nextChunk: number;
  txsPublished: boolean;
  /** The next exit chunk; EXIT_DATA_CHUNK_COUNT once the exit tree is complete. */
  nextExitChunk: number;
}

/** PlasmaNestedEscape's isNestedEscaped(A, child, slot), kept in the ledger of A's parent. */
export interface NestedEscapedEntry {
  kind: LedgerKind.NestedEscaped;
  child: ChainId;
  slot: number;
}

/** PlasmaNestedEscape's isNestedExitPaid(A, child, number, index). */
export interface NestedExitPaidEntry {
  kind: LedgerKind.NestedExitPaid;
  child: ChainId;
  number: bigint;
  index: number;
}

/** PlasmaNestedEscape's isNestedReclaimed(A, child, nonce). */
export interface NestedReclaimedEntry {
  kind: LedgerKind.NestedReclaimed;
  child: ChainId;
  nonce: bigint;
}

/** PlasmaNestedEscape's nestedPaid(A, child, token). */
export interface NestedPaidEntry {
  kind: LedgerKind.NestedPaid;
  child: ChainId;
  token: Address;
  amount: bigint;
}

export type LedgerEntry =
  | ChildEntry
  | SubtreeBalanceEntry
  | DepositEntry
  | CommitmentEntry
  | SpentExitEntry
  | ChildCountEntry
  | EdgeStorageEntry
  | EdgeDeliveryEntry
  | ChildStatusEntry
  | EscapedSlotEntry
  | DataChallengeEntry
  | NestedEscapedEntry
  | NestedExitPaidEntry
  | NestedReclaimedEntry
  | NestedPaidEntry;

/** The key of each kind of entry (the table at the top of this file). */
export const ledgerKeys = Object.freeze({
  child: (child: ChainId): Hex => ledgerKey(LedgerKind.Child, child, ZERO_BYTES32, 0n),
  subtreeBalance: (child: ChainId, token: Address): Hex => ledgerKey(LedgerKind.SubtreeBalance, child, addressWord(token), 0n),
  deposit: (child: ChainId, nonce: bigint): Hex => ledgerKey(LedgerKind.Deposit, child, ZERO_BYTES32, nonce),
  commitment: (child: ChainId, number: bigint): Hex => ledgerKey(LedgerKind.Commitment, child, ZERO_BYTES32, number),
  spentExit: (child: ChainId, number: bigint, index: bigint | number): Hex =>
    ledgerKey(LedgerKind.SpentExit, child, bigintToWord(number), index),
  childCount: (): Hex => CHILD_COUNT_KEY,
  edgeStorage: (fn: Hex, key: Hex): Hex => ledgerKey(LedgerKind.EdgeStorage, fn, edgeStorageKeyHash(key), 0n),
  edgeDelivery: (nonce: bigint): Hex => ledgerKey(LedgerKind.EdgeDelivery, ZERO_BYTES32, ZERO_BYTES32, nonce),
  childStatus: (child: ChainId): Hex => ledgerKey(LedgerKind.ChildStatus, child, ZERO_BYTES32, 0n),
  escapedSlot: (child: ChainId, slot: number): Hex => ledgerKey(LedgerKind.EscapedSlot, child, ZERO_BYTES32, BigInt(slot)),
  dataChallenge: (child: ChainId, number: bigint): Hex => ledgerKey(LedgerKind.DataChallenge, child, ZERO_BYTES32, number),
  nestedEscaped: (child: ChainId, slot: number): Hex => ledgerKey(LedgerKind.NestedEscaped, child, ZERO_BYTES32, BigInt(slot)),
  nestedExitPaid: (child: ChainId, number: bigint, index: bigint | number): Hex =>
    ledgerKey(LedgerKind.NestedExitPaid, child, bigintToWord(number), index),
  nestedReclaimed: (child: ChainId, nonce: bigint): Hex => ledgerKey(LedgerKind.NestedReclaimed, child, ZERO_BYTES32, nonce),
  nestedPaid: (child: ChainId, token: Address): Hex => ledgerKey(LedgerKind.NestedPaid, child, addressWord(token), 0n),
});

/** `keccak256(key)`: where an edge function's storage key lives (keys may be any length). */
export function edgeStorageKeyHash(key: Hex): Hex {
  return bytesToHex(keccak256(hexToBytes(key)));
}

const CHILD_COUNT_KEY = ledgerKey(LedgerKind.ChildCount, ZERO_BYTES32, ZERO_BYTES32, 0n);

export function ledgerEntryKey(entry: LedgerEntry | LedgerKeyRef): Hex {
  switch (entry.kind) {
    case LedgerKind.Child:
      return ledgerKeys.child(entry.child);
    case LedgerKind.SubtreeBalance:
      return ledgerKeys.subtreeBalance(entry.child, entry.token);
    case LedgerKind.Deposit:
      return ledgerKeys.deposit(entry.child, entry.nonce);
    case LedgerKind.Commitment:
      return ledgerKeys.commitment(entry.child, entry.number);
    case LedgerKind.SpentExit:
      return ledgerKeys.spentExit(entry.child, entry.number, entry.index);
    case LedgerKind.ChildCount:
      return CHILD_COUNT_KEY;
    case LedgerKind.EdgeStorage:
      return ledgerKey(LedgerKind.EdgeStorage, entry.fn, entry.keyHash, 0n);
    case LedgerKind.EdgeDelivery:
      return ledgerKeys.edgeDelivery(entry.nonce);
    case LedgerKind.ChildStatus:
      return ledgerKeys.childStatus(entry.child);
    case LedgerKind.EscapedSlot:
      return ledgerKeys.escapedSlot(entry.child, entry.slot);
    case LedgerKind.DataChallenge:
      return ledgerKeys.dataChallenge(entry.child, entry.number);
    case LedgerKind.NestedEscaped:
      return ledgerKeys.nestedEscaped(entry.child, entry.slot);
    case LedgerKind.NestedExitPaid:
      return ledgerKeys.nestedExitPaid(entry.child, entry.number, entry.index);
    case LedgerKind.NestedReclaimed:
      return ledgerKeys.nestedReclaimed(entry.child, entry.nonce);
    case LedgerKind.NestedPaid:
      return ledgerKeys.nestedPaid(entry.child, entry.token);
  }
}

const CHILD_VALUE_TYPES: readonly StaticAbiType[] = [
  'uint256', 'address', 'uint256', 'uint8', 'uint64', 'bytes32', 'uint64', 'uint64', 'uint64', 'uint64', 'uint64', 'uint64',
];

/** The `abi.encode`d value an entry's leaf hashes. */
export function ledgerEntryValue(entry: LedgerEntry): Uint8Array {
  switch (entry.kind) {
    case LedgerKind.Child:
      return encodeWords(CHILD_VALUE_TYPES, childValue(entry));
    case LedgerKind.SubtreeBalance:
      return encodeWords(['uint256'], [entry.amount]);
    case LedgerKind.Deposit:
      return encodeWords(['bytes32'], [entry.depositHash]);
    case LedgerKind.Commitment:
      return encodeWords(['bytes32'], [entry.record]);
    case LedgerKind.SpentExit:
      return encodeWords(['uint256'], [1n]);
    case LedgerKind.ChildCount:
      return encodeWords(['uint256'], [entry.count]);
    case LedgerKind.EdgeStorage:
      return encodeBytes(hexToBytes(entry.value));
    case LedgerKind.EdgeDelivery:
      return encodeWords(['bytes32', 'uint8'], [entry.fn, entry.status]);
    case LedgerKind.ChildStatus:
      return encodeWords(['uint8', 'uint64'], [entry.status, entry.frozenAt]);
    case LedgerKind.EscapedSlot:
    case LedgerKind.NestedEscaped:
    case LedgerKind.NestedExitPaid:
    case LedgerKind.NestedReclaimed:
      return encodeWords(['uint256'], [1n]);
    case LedgerKind.NestedPaid:
      return encodeWords(['uint256'], [entry.amount]);
    case LedgerKind.DataChallenge:
      return encodeWords(
        // uint16 and bool encode as these words do.
        DATA_CHALLENGE_VALUE_TYPES,
        [entry.challenger, entry.deadline, entry.status, entry.bond, entry.nextChunk, entry.txsPublished ? 1 : 0, entry.nextExitChunk],
      );
  }
}

function childValue(e: ChildEntry): StaticAbiValue[] {
  return [
    e.index, e.spawner, e.bond, e.threshold, e.challengeWindow, e.validatorSetHash ?? validatorSetHash(e.validators),
    e.headNumber, e.headWindowEnd, e.headDepositNonce, e.depositCount, e.spawnedAt, e.stallLimit,
  ];
}

/** The leaf of an entry: keccak256 of its value. */
export function ledgerEntryLeaf(entry: LedgerEntry): Uint8Array {
  return keccak256(ledgerEntryValue(entry));
}

/** True for the values the tree leaves empty (they equal a key that was never written). */
export function isDefaultLedgerEntry(entry: LedgerEntry): boolean {
  return (
    ((entry.kind === LedgerKind.SubtreeBalance || entry.kind === LedgerKind.NestedPaid) && entry.amount === 0n) ||
    (entry.kind === LedgerKind.ChildCount && entry.count === 0n) ||
    (entry.kind === LedgerKind.Deposit && entry.depositHash === ZERO_BYTES32) ||
    (entry.kind === LedgerKind.EdgeStorage && entry.value === '0x') ||
    (entry.kind === LedgerKind.ChildStatus && entry.status === 0 && entry.frozenAt === 0n) ||
    (entry.kind === LedgerKind.DataChallenge && entry.status === 0 && entry.nextChunk === 0 && !entry.txsPublished && entry.nextExitChunk === 0 &&
      entry.challenger === ZERO_ADDRESS && entry.deadline === 0n && entry.bond === 0n)
  );
}

/** `keccak256(abi.encodePacked(address[] validators))`: one left-padded word per validator, in the order given. */
export function validatorSetHash(validators: readonly Address[]): Hex {
  const out = new Uint8Array(validators.length * WORD);
  validators.forEach((validator, i) => writeAddressWord(out, i * WORD, validator));
  return bytesToHex(keccak256(out));
}

/** `abi.encode(bytes value)`: offset, length, the bytes padded to whole words. */
function encodeBytes(value: Uint8Array): Uint8Array {
  const out = new Uint8Array(2 * WORD + Math.ceil(value.length / WORD) * WORD);
  writeUintWord(out, 0, WORD, 256);
  writeUintWord(out, WORD, value.length, 256);
  out.set(value, 2 * WORD);
  return out;
}

/** `bytes32(uint256(uint160(token)))`. */
function addressWord(address: Address): Uint8Array {
  const out = new Uint8Array(WORD);
  writeAddressWord(out, 0, address);
  return out;
}

// ---- entries rebuilt from their values (the witnesses of a transition proof, docs/LEDGER-PROOFS.md) --------------

const UNKNOWN = Symbol('unknown validators');

/** What names an entry: its kind and the fields its key hashes (ledgerEntryKey takes it as it takes an entry). */
export type LedgerKeyRef =
  | { kind: LedgerKind.Child; child: ChainId }
  | { kind: LedgerKind.SubtreeBalance; child: ChainId; token: Address }
  | { kind: LedgerKind.Deposit; child: ChainId; nonce: bigint }
  | { kind: LedgerKind.Commitment; child: ChainId; number: bigint }
  | { kind: LedgerKind.SpentExit; child: ChainId; number: bigint; index: bigint | number }
  | { kind: LedgerKind.ChildCount }
  | { kind: LedgerKind.EdgeStorage; fn: Hex; keyHash: Hex }
  | { kind: LedgerKind.EdgeDelivery; nonce: bigint }
  | { kind: LedgerKind.ChildStatus; child: ChainId }
  | { kind: LedgerKind.EscapedSlot; child: ChainId; slot: number }
  | { kind: LedgerKind.DataChallenge; child: ChainId; number: bigint }
  | { kind: LedgerKind.NestedEscaped; child: ChainId; slot: number }
  | { kind: LedgerKind.NestedExitPaid; child: ChainId; number: bigint; index: bigint | number }
  | { kind: LedgerKind.NestedReclaimed; child: ChainId; nonce: bigint }
  | { kind: LedgerKind.NestedPaid; child: ChainId; token: Address };

/**
 * The validator list of a Child entry rebuilt from its value, which holds only the set's hash: any use of it throws
 * BAD_VALIDATOR_WITNESS (a proof that needs the set gives it in its `extra`, checked against the hash).
 */
export const UNKNOWN_VALIDATORS: readonly Address[] = unknownValidators(
  () => new PlasmaError('BAD_VALIDATOR_WITNESS', "the child's validator set is needed but the proof does not give it", {
    hint: "give the set in the witness's extra, as core's ledgerTouchPlan does (its hash must be the Child entry's)",
  }),
);

/** A list like UNKNOWN_VALIDATORS whose every use throws `error()`. */
export function unknownValidators(error: () => Error): readonly Address[] {
  return new Proxy(Object.freeze([] as Address[]), {
    get(_target, property) {
      if (property === UNKNOWN) return true;
      throw error();
    },
  });
}

/** True for UNKNOWN_VALIDATORS. */
export function isUnknownValidators(validators: readonly Address[]): boolean {
  return (validators as unknown as Record<symbol, unknown>)[UNKNOWN] === true;
}

const DATA_CHALLENGE_VALUE_TYPES: readonly StaticAbiType[] = ['address', 'uint64', 'uint8', 'uint256', 'uint32', 'uint8', 'uint32'];

/**
 * The entry `ref` names whose value is `value` (`abi.encode` of its fields; '0x' is the default: undefined). A Child
 * entry's validators are UNKNOWN_VALIDATORS (its value holds their hash). INVALID_LEDGER_WITNESS unless `value` is the
 * one encoding of such an entry (a field out of its range, a default written out, trailing bytes).
 */
export function ledgerEntryFromValue(ref: LedgerKeyRef, value: Hex): Readonly<LedgerEntry> | undefined {
  const bytes = hexToBytes(value);
  if (bytes.length === 0) return undefined;
  let entry: LedgerEntry;
  try {
    entry = entryOf(ref, bytes);
  } catch (cause) {
    throw invalidValue(ref, cause);
  }
  if (isDefaultLedgerEntry(entry) || !equalBytes(ledgerEntryValue(entry), bytes)) throw invalidValue(ref);
  return entry;
}

function entryOf(ref: LedgerKeyRef, bytes: Uint8Array): LedgerEntry {
  const words = (types: readonly StaticAbiType[]) => decodeWords(types, bytes);
  switch (ref.kind) {
    case LedgerKind.Child: {
      const [index, spawner, bond, threshold, challengeWindow, setHash, headNumber, headWindowEnd, headDepositNonce, depositCount, spawnedAt, stallLimit] =
        words(CHILD_VALUE_TYPES) as [bigint, Address, bigint, bigint, bigint, Hex, bigint, bigint, bigint, bigint, bigint, bigint];
      if (threshold > 0xffn) throw new Error('threshold');
      return {
        kind: LedgerKind.Child, child: ref.child, index, spawner, bond, threshold: Number(threshold), challengeWindow, validators: UNKNOWN_VALIDATORS,
        validatorSetHash: setHash, headNumber, headWindowEnd, headDepositNonce, depositCount, spawnedAt, stallLimit,
      };
    }
    case LedgerKind.SubtreeBalance:
      return { ...ref, amount: words(['uint256'])[0] as bigint };
    case LedgerKind.Deposit:
      return { ...ref, depositHash: words(['bytes32'])[0] as Hex };
    case LedgerKind.Commitment:
      return { ...ref, record: words(['bytes32'])[0] as Hex };
    case LedgerKind.SpentExit:
      // The value is abi.encode(uint256(1)): the round trip refuses any other (and an index past 2^53 is never spent).
      return { ...ref, index: Number(ref.index) };
    case LedgerKind.EscapedSlot:
    case LedgerKind.NestedEscaped:
    case LedgerKind.NestedReclaimed:
      return { ...ref };
    case LedgerKind.NestedExitPaid:
      return { ...ref, index: Number(ref.index) };
    case LedgerKind.NestedPaid:
      return { ...ref, amount: words(['uint256'])[0] as bigint };
    case LedgerKind.ChildCount:
      return { ...ref, count: words(['uint256'])[0] as bigint };
    case LedgerKind.EdgeStorage: {
      if (bytes.length < 2 * WORD) throw new Error('short');
      const length = Number(decodeWords(['uint32'], bytes.subarray(WORD, 2 * WORD))[0]);
      return { ...ref, value: bytesToHex(bytes.subarray(2 * WORD, 2 * WORD + length)) };
    }
    case LedgerKind.EdgeDelivery: {
      const [fn, status] = words(['bytes32', 'uint8']) as [Hex, bigint];
      return { ...ref, fn, status: Number(status) as EdgeDeliveryStatus };
    }
    case LedgerKind.ChildStatus: {
      const [status, frozenAt] = words(['uint8', 'uint64']) as [bigint, bigint];
      return { ...ref, status: Number(status), frozenAt };
    }
    case LedgerKind.DataChallenge: {
      const [challenger, deadline, status, bond, nextChunk, txsPublished, nextExitChunk] = words(DATA_CHALLENGE_VALUE_TYPES) as [Address, bigint, bigint, bigint, bigint, bigint, bigint];
      if (nextChunk > 0xffffn || nextExitChunk > 0xffffn || txsPublished > 1n) throw new Error('range');
      return { ...ref, challenger, deadline, status: Number(status), bond, nextChunk: Number(nextChunk), txsPublished: txsPublished === 1n, nextExitChunk: Number(nextExitChunk) };
    }
  }
}

function invalidValue(ref: LedgerKeyRef, cause?: unknown): PlasmaError {
  return new PlasmaError('INVALID_LEDGER_WITNESS', `a ledger witness's value is not the encoding of a ${LedgerKind[ref.kind]} entry`, {
    hint: "take the witnesses from the pre-state's ledger (buildLedgerTransitionProof)",
    data: { kind: LedgerKind[ref.kind] },
    ...(cause === undefined ? {} : { cause }),
  });
}
