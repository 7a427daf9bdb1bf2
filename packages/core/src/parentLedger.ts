/**
 * ParentLedger: PlasmaRoot's parent rules, hosted by a child chain that has children of its own (docs/TREE.md
 * §1). The same inputs give the same records, balances and refusals as the contract: every check runs in the
 * contract's order and fails with its custom error's name (PlasmaError code, see ParentLedgerErrorCode).
 *
 * All state is entries of a LedgerTree (see ledgerEntries.ts), so `root` commits to everything. The class is
 * pure: no I/O, no clock (the host passes its block timestamp as `now`), deterministic. Every operation checks
 * everything before it writes anything, so a refusal leaves the ledger as it was; checkpoints undo operations
 * that succeeded (a block producer dropping a transaction refused further on).
 *
 * What the contract does and a ledger cannot: move coins. Paying the bond, pulling a deposit and paying an exit
 * are the host's part (on a child chain, debits and credits of account slots), so PlasmaRoot's transfer
 * failures (EthTransferFailed, SafeERC20 and ERC-20 errors) and NotAnERC20 (ETH and tokens share `deposit`
 * here; address(0) is the native coin) have no counterpart.
 *
 * Edge events (docs/EDGE.md) follow the same pattern: recordEdgeEvent ↔ sendEdgeEvent, consumeEdgeEvent ↔ the
 * checks of relayMessage. The ledger also keeps this chain's own side of its edges, which no contract mirrors:
 * its edge functions' storage and the deliveries of the down events it received (setEdgeStorage,
 * recordEdgeDelivery).
 */
import { encodeWords } from './abi.js';
import { bytesToHex, hexToBytes, isHex, MAX_UINT256, normalizeAddress, toBytes, wordToBigint, ZERO_BYTES32 } from './bytes.js';
import { commitmentDigest, type Eip712Domain } from './eip712.js';
import { chainIdOf, edgeDownRecord, edgeUpLeaf, exitLeaf, hashDeposit, hashHeader, MAX_EDGE_PAYLOAD, recordIs, stampRecord } from './encoding.js';
import { isPlasmaError, PlasmaError, type ParentLedgerErrorCode } from './errors.js';
import { keccak256 } from './hash.js';
import {
  edgeStorageKeyHash,
  isDefaultLedgerEntry,
  LedgerKind,
  ledgerEntryKey,
  ledgerEntryLeaf,
  ledgerKeys,
  type ChildEntry,
  type ChildStatusEntry,
  type DataChallengeEntry,
  type EdgeDeliveryStatus,
  type LedgerEntry,
  isUnknownValidators,
} from './ledgerEntries.js';
import { LedgerTree, type LedgerProof } from './ledgerTree.js';
import { decodeFraudProofArgs, FraudKind, ChainStatus, isSkippedDeposit, type FraudProofData, type ProofWindows } from './fraud.js';
import { escapeStateRoot, invalidExits, malformedTx, missingDownEvent, transitionFault, type TransitionInput } from './fraudVerifier.js';
import { ledgerTransitionFault } from './ledgerVerifier.js';
import { judgeNestedEscapeCall, type NestedEscapeCall } from './nestedEscapeCall.js';
import type { AccountWitness } from './fraud.js';
import { EMPTY_STATE_ROOT } from './chainState.js';
import {
  chunkProofHolds,
  chunkRoot,
  DATA_CHUNK_COUNT,
  DATA_CHUNK_LEVEL,
  DATA_CHUNK_PROOF_LENGTH,
  DATA_CHUNK_SIZE,
  DataChallengeStatus,
  emptyAfterChunk,
  EXIT_DATA_CHUNK_COUNT,
  EXIT_DATA_CHUNK_LEVEL,
  EXIT_DATA_CHUNK_PROOF_LENGTH,
  EXIT_DATA_CHUNK_SIZE,
  exitChunkRoot,
  type DataAvailabilityCall,
} from './dataAvailability.js';
import { computeMerkleRoot } from './merkle.js';
import { secp256k1Scheme, SIGNATURE_BYTES, type SignatureScheme } from './signature.js';
import { EXIT_TREE_DEPTH, TX_TREE_DEPTH, TxKind, ZERO_ADDRESS, type Address, type ChainId, type EdgeUpEvent, type Exit, type Header, type Hex } from './types.js';

// ---- PlasmaRoot's limits ----------------------------------------------------------------------------------

/** Smallest bond spawnChild accepts (PlasmaRoot.MIN_BOND: 0.01 of the native coin). */
export const MIN_BOND = 10n ** 16n;
/** Largest validator set (PlasmaRoot.MAX_VALIDATORS). */
export const MAX_VALIDATORS = 256;
/** Longest challenge window, in seconds (PlasmaRoot.MAX_CHALLENGE_WINDOW: 30 days). */
export const MAX_CHALLENGE_WINDOW = 30n * 86_400n;
/** Stall limit of a child spawned without one, in seconds (PlasmaRoot.DEFAULT_STALL_LIMIT: 7 days); see defaultStallLimit. */
export const DEFAULT_STALL_LIMIT = 7n * 86_400n;

/**
 * What a data challenge of a child's block takes on a chain parent (CHALLENGE_CHILD_DATA, docs/FRAUD.md §9b): MIN_BOND
 * of the native coin. On L1 the bond pays the publication's gas (DATA_CHALLENGE_BOND, 0.2 ETH); a chain charges no gas,
 * so the bond only prices a challenge of data that was there: the publisher takes it.
 */
export const CHILD_DATA_CHALLENGE_BOND = MIN_BOND;

// Widths of PlasmaRoot's storage fields: a value beyond them reverts there, so it is refused here too.
const BOND_BITS = 96;
const WINDOW_END_BITS = 40;
const DEPOSIT_COUNT_BITS = 48;
const FROZEN_AT_BITS = 40;
const SPAWNED_AT_BITS = 40;
/** keccak256(abi.encode(Header(0, …, 0))): the previous header of block 1 in every proof (PlasmaRoot.ZERO_HEADER_HASH). */
const ZERO_HEADER_HASH = '0xd397b3b043d87fcd6fad1291ff0bfd16401c274896d8c63a923727f077b8e0b5';
/** secp256k1n / 2: a larger s is the malleable twin of a valid signature (EIP-2). */
const HALF_CURVE_ORDER = 0x7fffffffffffffffffffffffffffffff5d576e7357a4501ddfe92f46681b20a0n;

// ---- parameters and results -------------------------------------------------------------------------------

export interface SpawnChildParams {
  /** Non-empty, distinct, non-zero, in any order (stored ascending). */
  validators: readonly Address[];
  /** Signatures a commitment needs: 1..validators.length (a uint8). */
  threshold: number;
  /** Seconds between a commitment and the first exit from it: 1..MAX_CHALLENGE_WINDOW. */
  challengeWindow: bigint;
  /** Already debited by the host from the spawner; at least MIN_BOND. */
  bond: bigint;
  spawner: Address;
  /**
   * Seconds without a commit after which anyone may freeze the child (freezeStalled): challengeWindow ..
   * MAX_CHALLENGE_WINDOW (PlasmaRoot.spawnChainWithLimits), else BAD_STALL_LIMIT. Absent: defaultStallLimit
   * (PlasmaRoot.spawnChain). SPAWN_CHILD's 0 means absent.
   */
  stallLimit?: bigint;
  /** The host's block timestamp (seconds): the child's spawnedAt, its last activity before block 1. */
  now: bigint;
}

/** What freezeStalled did (PlasmaRoot's ChainFrozen(child, 2)), and the activity it judged by. */
export interface FreezeStalledResult {
  child: ChainId;
  /** The head's commit time (headWindowEnd − challengeWindow), or spawnedAt before block 1. */
  lastActivity: bigint;
  stallLimit: bigint;
  /** = now. */
  frozenAt: bigint;
}

export interface DepositParams {
  child: ChainId;
  /** The depositor (PlasmaRoot's msg.sender). */
  from: Address;
  to: Address;
  /** address(0) = this chain's native coin. */
  token: Address;
  amount: bigint;
  /** The host's block timestamp (seconds): stamped into the record (the skipped-deposit deadline counts from it). */
  now: bigint;
}

export interface DepositResult {
  nonce: bigint;
  depositHash: Hex;
  /** What is stored under the nonce: depositHash stamped with `now` (stampRecord). */
  record: Hex;
}

export interface CommitParams {
  child: ChainId;
  header: Header;
  /** Packed 65-byte r ‖ s ‖ v signatures (v 27/28, low s), by signer address strictly ascending. */
  signatures: Hex | Uint8Array;
  /** The host's block timestamp (seconds). */
  now: bigint;
  /** The tree's EIP-712 domain (the root's: L1 chain id, root contract). */
  domain: Eip712Domain;
  /** Defaults to secp256k1Scheme. */
  scheme?: SignatureScheme;
}

export interface CommitResult {
  blockHash: Hex;
  /** now + challengeWindow: exits from this block are final from then on. */
  windowEnd: bigint;
}

export interface FinalizeExitParams {
  child: ChainId;
  /** The committed header; its exitRoot holds the exit. */
  header: Header;
  /** The block's windowEnd, as `commit` returned it. */
  windowEnd: bigint;
  exit: Exit;
  /** Position among the block's exits (< 2^16). */
  index: bigint | number;
  /** The EXIT_TREE_DEPTH siblings of the exit leaf, from the leaf upward. */
  proof: readonly (Hex | Uint8Array)[];
  now: bigint;
}

export interface RecordEdgeEventParams {
  child: ChainId;
  /** The edge function's id. */
  fn: Hex;
  /** The caller (PlasmaRoot's msg.sender). */
  sender: Address;
  /** At most MAX_EDGE_PAYLOAD bytes. */
  payload: Hex;
  /** The host's block timestamp (seconds), stamped into the record. */
  now: bigint;
}

export interface RecordEdgeEventResult {
  /** The event's nonce on the child's stream (shared with deposits). */
  nonce: bigint;
  /** edgeDownRecord of the event stamped with `now`: what the child's EDGE_FROM_PARENT must match (recordIs). */
  record: Hex;
}

export interface ConsumeEdgeEventParams {
  child: ChainId;
  /** The committed header; its exitRoot holds the event's leaf. */
  header: Header;
  windowEnd: bigint;
  fn: Hex;
  /** Who called the function on the child. */
  sender: Address;
  payload: Hex;
  /** Position in the block's exit tree (< 2^16). */
  index: bigint | number;
  /** The EXIT_TREE_DEPTH siblings of the leaf, from the leaf upward. */
  proof: readonly (Hex | Uint8Array)[];
  now: bigint;
}

export interface ProveFraudParams {
  child: ChainId;
  /** FraudKind: which PlasmaRoot entry point `args` are for (0-2: proveInvalidTransition, the disputed tx's kind). */
  fraudKind: number;
  /** abi.encode of that entry point's arguments after chainId (fraud.ts encodeFraudProofArgs), canonical. */
  args: Hex;
  /** The host's block timestamp (seconds). */
  now: bigint;
  /** The tree's EIP-712 domain (the root's): the signatures of transfers and of commitments are checked in it. */
  domain: Eip712Domain;
  scheme?: SignatureScheme;
}

/** What a conviction did (PlasmaRoot's FraudProven and ChainFrozen events). */
export interface ProveFraudResult {
  child: ChainId;
  /** The disputed block's number. */
  number: bigint;
  /** FraudKind (for a transition: the disputed tx's kind). */
  kind: FraudKind;
  /** Whether the head went back to number - 1 (an equivocation may only slash and freeze). */
  rolledBack: boolean;
  /** bond / 2: the host credits it to the challenger. */
  reward: bigint;
  /** bond - reward: the host credits it to the burn address, so that the subtree invariant stays an equality. */
  burned: bigint;
  /** Whether the status changed to frozen (a second proof against a frozen child only rolls back further). */
  frozen: boolean;
}

export interface EscapeExitParams {
  child: ChainId;
  /** The child's head (childInfo.headNumber), as committed. */
  head: Header;
  /** The head's windowEnd; it must have passed (the head can no longer be rolled back). */
  windowEnd: bigint;
  /** The head's ledger root: keccak256(accounts root ‖ ledgerRoot) must be head.stateRoot. */
  ledgerRoot: Hex;
  /** The slot in the head's accounts tree. */
  account: AccountWitness;
  /** The host's block timestamp (seconds). */
  now: bigint;
}

export interface ReclaimDepositParams {
  child: ChainId;
  nonce: bigint;
  /** The depositor: the host credits the amount back to it. */
  from: Address;
  to: Address;
  token: Address;
  amount: bigint;
}

/** What an escape or a reclaim takes out of the child's subtree balance; crediting `to` is the host's part. */
export interface EscapePayment {
  to: Address;
  token: Address;
  amount: bigint;
}

export interface ChallengeDataParams {
  child: ChainId;
  /** The challenged block's header, as committed. */
  header: Header;
  windowEnd: bigint;
  /** Who bonds (the signer of the CHALLENGE_CHILD_DATA): the bond comes back to it unless the data is published in time. */
  challenger: Address;
  /** Must be CHILD_DATA_CHALLENGE_BOND. */
  bond: bigint;
  /** The host's block timestamp (seconds). */
  now: bigint;
}

/** What one publication call did; `bond` (answered only) is what the host pays the publisher. */
export interface PublishDataResult {
  child: ChainId;
  number: bigint;
  /** Both trees are in: the block is published. */
  complete: boolean;
  /** This call completed the data of a block with an open challenge, in time. */
  answered: boolean;
  bond: bigint;
}

/** A conviction for unavailable data, and the challenge bond the host gives back to the challenger. */
export interface ResolveDataResult extends ProveFraudResult {
  challenger: Address;
  bond: bigint;
}

/** A child's configuration and head (PlasmaRoot.chainInfo, with the validator set itself). */
export interface ChildInfo extends Omit<ChildEntry, 'kind' | 'child'> {
  chainId: ChainId;
  parentChainId: ChainId;
}

// ---- the ledger -------------------------------------------------------------------------------------------

export interface ParentLedgerOptions {
  /**
   * Where the entries live, by key (lowercase). A transition proof's re-execution passes a map that serves only the
   * entries its witnesses open and throws on any other read (ledgerVerifier.ts); the tree's root is then not the
   * ledger's, and nothing reads it.
   */
  store?: Map<Hex, Readonly<LedgerEntry>>;
}

/** Undo log of one checkpoint: each key's entry before its first write since the checkpoint. */
type Journal = Map<Hex, Readonly<LedgerEntry> | undefined>;

export class ParentLedger {
  /** The chain hosting this ledger; its children are chainIdOf(selfId, index). */
  readonly selfId: ChainId;
  private readonly tree = new LedgerTree();
  /** Every non-default entry by key (a witness-backed map in a transition proof's re-execution: ledgerVerifier.ts). */
  private readonly store: Map<Hex, Readonly<LedgerEntry>>;
  private readonly journals: Journal[] = [];
  /** Keys written since the last `takeWrittenKeys()` (the write log a host persists per block). */
  private readonly written = new Set<Hex>();
  /** chainIdOf(selfId, i) for each i children() has listed (ids never change: this cache needs no undo). */
  private readonly childIds: ChainId[] = [];

  constructor(selfId: ChainId, options: ParentLedgerOptions = {}) {
    this.selfId = bytes32Input(selfId, 'selfId');
    this.store = options.store ?? new Map();
  }

  /** Rebuilds a ledger from `entries()` (persistence); WRONG_CHAIN if they belong to another chain's ledger. */
  static fromEntries(selfId: ChainId, entries: Iterable<Readonly<LedgerEntry>>): ParentLedger {
    const ledger = new ParentLedger(selfId);
    for (const entry of entries) {
      if (entry.kind === LedgerKind.Child && entry.child !== chainIdOf(ledger.selfId, entry.index)) {
        throw new PlasmaError('WRONG_CHAIN', `entry of child ${entry.child} does not belong to the ledger of ${ledger.selfId}`, {
          hint: 'rebuild a ledger with the selfId it was saved with',
          data: { child: entry.child, selfId: ledger.selfId },
        });
      }
      ledger.put(ledgerEntryKey(entry), freezeEntry(entry));
    }
    ledger.written.clear();
    return ledger;
  }

  /** The ledger tree's root: commits to every child, balance, record and spent exit. */
  get root(): Hex {
    return this.tree.root;
  }

  /** Proof of the entry under `key` (see ledgerKeys), or of its absence, against `root`. */
  proof(key: Hex): LedgerProof {
    return this.tree.proof(key);
  }

  /**
   * The ledger witnesses of a transition proof (docs/LEDGER-PROOFS.md §1.3), taken on this ledger AFTER the tx: for
   * each key of the touch list `keys`, in order, its proof against the root in which the keys before it hold their
   * value now and the keys from it on their value in `before` (the entries before the tx; undefined = the default).
   * Walking them with a running root from the pre-tx root, each old leaf folding to it and each new leaf moving it,
   * ends at this root. The ledger is left as it was (write log included).
   */
  sequentialProofs(keys: readonly Hex[], before: ReadonlyMap<Hex, Readonly<LedgerEntry> | undefined>): LedgerProof[] {
    const written = new Set(this.written);
    const proofs: LedgerProof[] = new Array(keys.length);
    this.checkpoint();
    try {
      // Backwards: restoring key j leaves the keys after it at `before` and those before it as they are now; its own
      // leaf is not among its siblings, so one restore per key suffices.
      for (let j = keys.length - 1; j >= 0; j--) {
        const key = keys[j].toLowerCase() as Hex;
        const journal = this.journals[this.journals.length - 1];
        if (!journal.has(key)) journal.set(key, this.store.get(key));
        this.put(key, before.get(key));
        proofs[j] = this.tree.proof(key);
      }
    } finally {
      this.revert();
      this.written.clear();
      for (const key of written) this.written.add(key);
    }
    return proofs;
  }

  /** The entry under `key` (see ledgerKeys), undefined when it holds the default (an empty leaf). */
  entry(key: Hex): Readonly<LedgerEntry> | undefined {
    return this.store.get(key.toLowerCase() as Hex);
  }

  /** Every non-default entry, for persistence; rebuild with `ParentLedger.fromEntries`. */
  entries(): IterableIterator<Readonly<LedgerEntry>> {
    return this.store.values();
  }

  // ---- child registry (PlasmaRoot.spawnChain) ---------------------------------------------------------

  /** Registers the next child; returns its id, chainIdOf(selfId, index). */
  spawnChild(params: SpawnChildParams): ChainId {
    const input = spawnInput(params);
    if (input.bond < MIN_BOND) throw refuse.bondTooLow(input.bond);
    const count = input.validators.length;
    if (count === 0) throw refuse.emptyValidatorSet();
    if (count > MAX_VALIDATORS) throw refuse.tooManyValidators(count);
    if (input.threshold === 0 || input.threshold > count) throw refuse.badThreshold(input.threshold, count);
    if (input.challengeWindow === 0n || input.challengeWindow > MAX_CHALLENGE_WINDOW) throw refuse.badChallengeWindow(input.challengeWindow);
    const stallLimit = input.stallLimit ?? defaultStallLimit(input.challengeWindow);
    if (stallLimit < input.challengeWindow || stallLimit > MAX_CHALLENGE_WINDOW) throw refuse.badStallLimit(stallLimit, input.challengeWindow);
    const validators = sortedDistinct(input.validators);
    checkFits(input.bond, BOND_BITS);
    checkFits(input.now, SPAWNED_AT_BITS);

    const index = this.childCount;
    const child = chainIdOf(this.selfId, index);
    this.write({ kind: LedgerKind.ChildCount, count: index + 1n });
    this.write({
      kind: LedgerKind.Child,
      child,
      index,
      spawner: input.spawner,
      bond: input.bond,
      threshold: input.threshold,
      challengeWindow: input.challengeWindow,
      validators,
      headNumber: 0n,
      headWindowEnd: 0n,
      headDepositNonce: 0n,
      depositCount: 0n,
      spawnedAt: input.now,
      stallLimit,
    });
    return child;
  }

  // ---- deposits (PlasmaRoot.depositETH / depositERC20) ------------------------------------------------

  /** Records a deposit under the child's next nonce and raises its subtree balance of `token`. */
  deposit(params: DepositParams): DepositResult {
    const { child, from, to, token, amount } = depositInput(params);
    if (amount === 0n) throw refuse.zeroAmount();
    const config = this.liveChild(child);
    if (to === ZERO_ADDRESS) throw refuse.zeroRecipient();
    const nonce = nextDownNonce(config);
    const balance = this.subtreeBalance(child, token) + amount;
    if (balance > MAX_UINT256) throw refuse.overflow('subtreeBalance');

    const depositHash = hashDeposit({ chainId: child, nonce, from, to, token, amount });
    const record = stampRecord(depositHash, uintInput(params.now, 40, 'now'));
    this.write({ kind: LedgerKind.SubtreeBalance, child, token, amount: balance });
    this.recordDown(config, nonce, record);
    return { nonce, depositHash, record };
  }

  // ---- edge events (PlasmaRoot.sendEdgeEvent / relayMessage, docs/EDGE.md) ----------------------------

  /** Records a down edge event under the child's next nonce (the stream deposits use); moves no balance. */
  recordEdgeEvent(params: RecordEdgeEventParams): RecordEdgeEventResult {
    const child = bytes32Input(params.child, 'child');
    const { fn, sender, payload } = edgeEventInput(params);
    checkEdgePayload(payload);
    const config = this.liveChild(child);
    const nonce = nextDownNonce(config);
    const record = stampRecord(edgeDownRecord({ fn, child, nonce, sender, payload }), uintInput(params.now, 40, 'now'));
    this.recordDown(config, nonce, record);
    return { nonce, record };
  }

  /**
   * Consumes up edge event `index` of a committed block of `child` once its window has passed (the checks of
   * finalizeExit without amount and balance): marks it spent and returns it; its receive half is the host's part.
   */
  consumeEdgeEvent(params: ConsumeEdgeEventParams): EdgeUpEvent {
    const input = upInput(params);
    const { fn, sender, payload } = edgeEventInput(params);
    const event: EdgeUpEvent = { fn, sourceChain: input.child, sender, payload };
    this.consumeUp(input, hexToBytes(edgeUpLeaf(event), 32));
    return event;
  }

  /** The down stream's write, shared by deposits and edge events: `record` under `nonce`, the count moved on. */
  private recordDown(config: Readonly<ChildEntry>, nonce: bigint, record: Hex): void {
    this.write({ ...config, depositCount: nonce });
    this.write({ kind: LedgerKind.Deposit, child: config.child, nonce, depositHash: record });
  }

  // ---- commitments (PlasmaRoot.commit) ----------------------------------------------------------------

  /** Records the child's next block once a quorum of its validators signed it; returns its windowEnd. */
  commit(params: CommitParams): CommitResult {
    const { child, header, signatures, now } = commitInput(params);
    const config = this.liveChild(child);
    if (header.chainId !== child) throw refuse.chainIdMismatch(child, header.chainId);
    const expected = config.headNumber + 1n;
    if (header.number !== expected) throw refuse.wrongBlockNumber(expected, header.number);
    if (!this.extendsHead(config, header)) throw refuse.wrongParentHash(header.number, header.parentHash);
    if (header.depositNonce < config.headDepositNonce || header.depositNonce > config.depositCount) {
      throw refuse.depositNonceOutOfRange(header.depositNonce, config.headDepositNonce, config.depositCount);
    }
    const blockHash = hashHeader(header);
    const digest = commitmentDigest(params.domain, child, header.number, blockHash);
    verifyQuorum(config, digest, signatures, params.scheme ?? secp256k1Scheme);
    const windowEnd = now + config.challengeWindow;
    checkFits(windowEnd, WINDOW_END_BITS);

    this.write({ kind: LedgerKind.Commitment, child, number: header.number, record: hashCommitmentRecord(blockHash, windowEnd) });
    this.write({ ...config, headNumber: header.number, headWindowEnd: windowEnd, headDepositNonce: header.depositNonce });
    return { blockHash, windowEnd };
  }

  /**
   * Whether `header` names the head as its parent. As in PlasmaRoot, the head's hash is not kept apart: the
   * head's record and its windowEnd pin it down.
   */
  private extendsHead(config: ChildEntry, header: Header): boolean {
    if (header.number === 1n) return header.parentHash === ZERO_BYTES32;
    return this.commitmentRecord(config.child, config.headNumber) === hashCommitmentRecord(header.parentHash, config.headWindowEnd);
  }

  // ---- stalled children (PlasmaRoot.freezeStalled, docs/FRAUD.md §2, §8) ------------------------------

  /**
   * Freezes a live child that committed nothing for longer than its stall limit (status 2, frozenAt = now), so that
   * its holders can leave through the escape hatch; anyone may. No slash: its validators may simply be offline.
   * PlasmaRoot.freezeStalled's checks in its order and with its errors: UNKNOWN_CHAIN, CHAIN_IS_FROZEN, NOT_STALLED
   * unless `now > lastActivity + stallLimit`.
   */
  freezeStalled(params: { child: ChainId; now: bigint }): FreezeStalledResult {
    const child = bytes32Input(params.child, 'child');
    const now = uintInput(params.now, 256, 'now');
    const config = this.liveChild(child);
    const lastActivity = lastActivityOf(config);
    if (now <= lastActivity + config.stallLimit) throw refuse.notStalled(child, lastActivity, config.stallLimit, now);
    checkFits(now, FROZEN_AT_BITS);
    this.write({ kind: LedgerKind.ChildStatus, child, status: ChainStatus.FrozenStalled, frozenAt: now });
    return { child, lastActivity, stallLimit: config.stallLimit, frozenAt: now };
  }

  // ---- objections (PlasmaRoot.prove*, docs/FRAUD.md §7) ------------------------------------------------

  /**
   * Convicts `child` of a fault in one of its committed blocks, with the proof PlasmaRoot's matching entry point
   * takes (`args`: its arguments after chainId). The checks are the root's and its verifier's, in their order and
   * with their errors; then PlasmaRoot._convict: the head goes back to the block before, the whole bond is taken
   * (returned as reward and burned: moving them is the host's part) and the child is frozen.
   */
  proveFraud(params: ProveFraudParams): ProveFraudResult {
    const child = bytes32Input(params.child, 'child');
    const now = uintInput(params.now, 256, 'now');
    const { proof, windows } = decodeFraudProofArgs(params.fraudKind, params.args);
    const scheme = params.scheme ?? secp256k1Scheme;
    if (proof.kind === FraudKind.Equivocation) return this.proveEquivocation(child, proof, windows, now, params.domain, scheme);
    const { header: h, prev } = proof;
    const config = this.checkDisputed(child, h, windows, prev, now);
    switch (proof.kind) {
      case FraudKind.InvalidDeposit:
      case FraudKind.InvalidTransfer:
      case FraudKind.InvalidWithdraw: {
        const kind = proof.tx.tx.kind;
        if (kind > TxKind.Withdraw) throw refuse.proofKindNotSupported(kind);
        const input = this.disputedInput(child, h, prev, kind === TxKind.Deposit ? proof.tx.tx.nonce : undefined, params.domain, scheme);
        const { fault } = transitionFault(input, proof.tx, proof.preTx, proof.accountsRoot, proof.ledgerRoot, proof.accounts);
        if (fault === 0) throw refuse.notFraud(kind, 'TX_VALID');
        return this.convict(config, h.number, prev.depositNonce, windows.prevWindowEnd, kind as number as FraudKind, now);
      }
      case FraudKind.MissingDownEvent: {
        const reason = missingDownEvent(h, prev, proof.tx);
        if (reason !== undefined) throw refuse.notFraud(FraudKind.MissingDownEvent, reason);
        return this.convict(config, h.number, prev.depositNonce, windows.prevWindowEnd, FraudKind.MissingDownEvent, now);
      }
      case FraudKind.MalformedTx:
        if (!malformedTx(h, proof.tx)) throw refuse.notFraud(FraudKind.MalformedTx, 'WELL_FORMED');
        return this.convict(config, h.number, prev.depositNonce, windows.prevWindowEnd, FraudKind.MalformedTx, now);
      case FraudKind.BadTimestamp:
        if (h.timestamp >= prev.timestamp && h.timestamp <= windows.windowEnd - config.challengeWindow) {
          throw refuse.notFraud(FraudKind.BadTimestamp, 'TIMESTAMP_OK');
        }
        return this.convict(config, h.number, prev.depositNonce, windows.prevWindowEnd, FraudKind.BadTimestamp, now);
      case FraudKind.SkippedDeposit: {
        // PlasmaRoot.proveSkippedDeposit: the next down event after h's was recorded more than the stall limit before h's commit.
        const next = h.depositNonce + 1n;
        const commitTime = windows.windowEnd - config.challengeWindow;
        if (next > config.depositCount || !isSkippedDeposit({ record: this.depositRecord(child, next), stallLimit: config.stallLimit }, commitTime)) {
          throw refuse.notFraud(FraudKind.SkippedDeposit, 'NOTHING_OVERDUE');
        }
        return this.convict(config, h.number, prev.depositNonce, windows.prevWindowEnd, FraudKind.SkippedDeposit, now);
      }
      case FraudKind.InvalidExits: {
        const reason = invalidExits(h, proof.tx, proof.next, proof.exit);
        if (reason !== undefined) throw refuse.notFraud(FraudKind.InvalidExits, reason);
        return this.convict(config, h.number, prev.depositNonce, windows.prevWindowEnd, FraudKind.InvalidExits, now);
      }
      case FraudKind.InvalidLedgerTx: {
        // A lie in a ledger kind (3-15) of a child that is itself a parent: PlasmaFraudVerifier's ledger modules, in
        // core (ledgerVerifier.ts); an EDGE_FROM_PARENT is checked against this ledger's record of it (docs/LEDGER-PROOFS.md).
        const { tx } = proof.tx;
        const input = this.disputedInput(child, h, prev, tx.kind === TxKind.EdgeFromParent ? tx.nonce : undefined, params.domain, scheme);
        if (ledgerTransitionFault(input, proof).fault === 0) throw refuse.notFraud(FraudKind.InvalidLedgerTx, 'TX_VALID');
        return this.convict(config, h.number, prev.depositNonce, windows.prevWindowEnd, FraudKind.InvalidLedgerTx, now);
      }
    }
  }

  /** PlasmaRoot's TransitionInput of `child`'s block `h`: this ledger's down record under `downNonce` (a down-stream tx's), else zero. */
  private disputedInput(child: ChainId, h: Header, prev: Header, downNonce: bigint | undefined, domain: Eip712Domain, scheme: SignatureScheme): TransitionInput {
    return {
      domain,
      scheme,
      chainId: child,
      txRoot: h.txRoot,
      prevStateRoot: h.number === 1n ? EMPTY_STATE_ROOT : prev.stateRoot,
      prevDepositNonce: prev.depositNonce,
      depositNonce: h.depositNonce,
      depositRecord: downNonce === undefined ? ZERO_BYTES32 : this.depositRecord(child, downNonce),
    };
  }

  /** PlasmaRoot.proveEquivocation: rolls back when the committed block of that height is one of the two. */
  private proveEquivocation(
    child: ChainId,
    proof: Extract<FraudProofData, { kind: FraudKind.Equivocation }>,
    windows: ProofWindows,
    now: bigint,
    domain: Eip712Domain,
    scheme: SignatureScheme,
  ): ProveFraudResult {
    const config = this.knownChild(child);
    const { header: h1, header2: h2 } = proof;
    if (h2.number !== h1.number) throw refuse.notFraud(FraudKind.Equivocation, 'DIFFERENT_HEIGHTS');
    const number = h1.number;
    const record = this.commitmentRecord(child, number);
    const quorumSigned = (h: Header, sigs: Hex): Hex => {
      if (h.chainId !== child) throw refuse.chainIdMismatch(child, h.chainId);
      const hash = hashHeader(h);
      const own = hashCommitmentRecord(hash, windows.windowEnd);
      // PlasmaRoot._quorumSigned: the recorded header's quorum was checked when it was committed.
      if (own !== record) verifyQuorum(config, commitmentDigest(domain, child, h.number, hash), hexToBytes(sigs), scheme);
      return own;
    };
    const record1 = quorumSigned(h1, proof.signatures);
    const record2 = quorumSigned(h2, proof.signatures2);
    if (record1 === record2) throw refuse.notFraud(FraudKind.Equivocation, 'SAME_HEADER');
    const rollBack = number !== 0n && number <= config.headNumber && now < windows.windowEnd && (record === record1 || record === record2);
    if (rollBack) {
      this.checkPrev(config, number, proof.prev, windows.prevWindowEnd);
      return this.convict(config, number, proof.prev.depositNonce, windows.prevWindowEnd, FraudKind.Equivocation, now);
    }
    // Nothing to undo; a child convicted before has nothing left to slash either.
    if (this.childStatus(child).status === ChainStatus.FrozenFraud) throw refuse.alreadyConvicted(child);
    return this.slashAndFreeze(config, number, FraudKind.Equivocation, now, false);
  }

  /** PlasmaRoot._checkDisputed: `h` is committed with `windowEnd`, at most the head, inside its window; `prev` is its parent. */
  private checkDisputed(child: ChainId, h: Header, windows: ProofWindows, prev: Header, now: bigint): Readonly<ChildEntry> {
    const config = this.childEntry(child);
    const number = h.number;
    if (
      config === undefined ||
      number === 0n ||
      number > config.headNumber ||
      this.commitmentRecord(child, number) !== hashCommitmentRecord(hashHeader(h), windows.windowEnd)
    ) {
      throw refuse.unknownCommitment(child, number);
    }
    if (now >= windows.windowEnd) throw refuse.challengeWindowClosed(windows.windowEnd, now);
    this.checkPrev(config, number, prev, windows.prevWindowEnd);
    return config;
  }

  /** PlasmaRoot._checkPrev: `prev` is committed block number - 1 with prevWindowEnd, or the zero header with 0 for block 1. */
  private checkPrev(config: Readonly<ChildEntry>, number: bigint, prev: Header, prevWindowEnd: bigint): void {
    const prevHash = hashHeader(prev);
    const ok = number === 1n
      ? prevHash === ZERO_HEADER_HASH && prevWindowEnd === 0n
      : this.commitmentRecord(config.child, number - 1n) === hashCommitmentRecord(prevHash, prevWindowEnd);
    if (!ok) throw refuse.wrongPrevHeader(number);
  }

  /** PlasmaRoot._convict: the head goes back to number - 1 (records above it are dead: every reader needs number <= head). */
  private convict(config: Readonly<ChildEntry>, number: bigint, prevDepositNonce: bigint, prevWindowEnd: bigint, kind: FraudKind, now: bigint): ProveFraudResult {
    const rolled = { ...config, headNumber: number - 1n, headWindowEnd: prevWindowEnd, headDepositNonce: prevDepositNonce };
    this.write(rolled);
    return this.slashAndFreeze(rolled, number, kind, now, true);
  }

  /** PlasmaRoot._slashAndFreeze: the whole bond (half to the challenger, the rest burned), status frozen by fraud. */
  private slashAndFreeze(config: Readonly<ChildEntry>, number: bigint, kind: FraudKind, now: bigint, rolledBack: boolean): ProveFraudResult {
    const was = this.childStatus(config.child);
    const frozen = was.status !== ChainStatus.FrozenFraud;
    if (frozen) {
      const frozenAt = was.status === ChainStatus.Live ? now : was.frozenAt;
      checkFits(frozenAt, FROZEN_AT_BITS);
      this.write({ kind: LedgerKind.ChildStatus, child: config.child, status: ChainStatus.FrozenFraud, frozenAt });
    }
    const bond = config.bond;
    const reward = bond / 2n;
    this.write({ ...config, bond: 0n });
    return { child: config.child, number, kind, rolledBack, reward, burned: bond - reward, frozen };
  }

  // ---- data availability (PlasmaDataAvailability, docs/FRAUD.md §9b) ----------------------------------------

  /**
   * A challenge of the availability of `child`'s committed block `header` (CHALLENGE_CHILD_DATA): its validators (or
   * anyone) must publish the block's transactions and exit tree here by `now + challengeWindow / 4`. The module's
   * challengeData checks in its order and with its errors: WRONG_BOND, UNKNOWN_CHAIN, CHAIN_IS_FROZEN,
   * UNKNOWN_COMMITMENT, TOO_LATE_TO_CHALLENGE (first half of the window only), DATA_ALREADY_PUBLISHED,
   * ALREADY_CHALLENGED. The ledger holds the bond (taking it from the challenger's slot is the host's part).
   */
  challengeData(params: ChallengeDataParams): Readonly<DataChallengeEntry> {
    const bond = uintInput(params.bond, 256, 'bond');
    const child = bytes32Input(params.child, 'child');
    const h = headerInput(params.header);
    const windowEnd = uintInput(params.windowEnd, 64, 'windowEnd');
    const challenger = normalizeAddress(params.challenger);
    const now = uintInput(params.now, 256, 'now');
    if (bond !== CHILD_DATA_CHALLENGE_BOND) throw refuse.wrongBond(bond, CHILD_DATA_CHALLENGE_BOND);
    const config = this.liveChild(child);
    this.checkCommitted(config, h, windowEnd);
    const challengeBefore = windowEnd - config.challengeWindow / 2n;
    if (now >= challengeBefore) throw refuse.tooLateToChallenge(challengeBefore, now);
    const d = this.dataChallenge(child, h.number);
    if (isPublished(d)) throw refuse.dataAlreadyPublished(child, h.number);
    if (d.status !== DataChallengeStatus.None) throw refuse.alreadyChallenged(child, h.number, d.challenger);
    const entry: DataChallengeEntry = { ...d, challenger, deadline: now + config.challengeWindow / 4n, status: DataChallengeStatus.Open, bond };
    this.write(entry);
    return entry;
  }

  /**
   * One chunk of a committed block's transactions (publishBlockData) or exit tree (publishExitData), in order, with the
   * module's checks and errors. The call that completes both trees answers an open challenge: its bond is returned for
   * the host to pay the publisher.
   */
  publishData(call: Extract<DataAvailabilityCall, { method: 'publishBlockData' | 'publishExitData' }>, now: bigint): PublishDataResult {
    const child = bytes32Input(call.chainId, 'chainId');
    const h = headerInput(call.header);
    const windowEnd = uintInput(call.windowEnd, 64, 'windowEnd');
    uintInput(now, 256, 'now');
    this.checkCommitted(this.knownChild(child), h, windowEnd);
    const number = h.number;
    const d = { ...this.dataChallenge(child, number) };
    const open = d.status === DataChallengeStatus.Open;
    const chunk = call.chunk;
    if (call.method === 'publishBlockData') {
      if (d.txsPublished) throw refuse.dataAlreadyPublished(child, number);
      if (chunk !== d.nextChunk) throw refuse.chunkOutOfOrder(chunk, d.nextChunk);
      if (open && now > d.deadline) throw refuse.responseWindowClosed(d.deadline, now);
      if (call.txs.length > DATA_CHUNK_SIZE) throw refuse.tooManyTxs(call.txs.length, DATA_CHUNK_SIZE);
      if (call.proof.length !== DATA_CHUNK_PROOF_LENGTH) throw refuse.badChunkProofLength(call.proof.length, DATA_CHUNK_PROOF_LENGTH);
      if (!chunkProofHolds(chunkRoot(call.txs), chunk, call.proof, h.txRoot)) throw refuse.invalidChunkProof(child, number, chunk);
      const complete = call.txs.length < DATA_CHUNK_SIZE || chunk === DATA_CHUNK_COUNT - 1;
      if (complete && !emptyAfterChunk(chunk, call.proof, DATA_CHUNK_LEVEL, TX_TREE_DEPTH)) throw refuse.leavesAfterLastChunk(child, number, chunk);
      if (complete) d.txsPublished = true;
      else d.nextChunk = chunk + 1;
    } else {
      if (isPublished(d) || d.nextExitChunk === EXIT_DATA_CHUNK_COUNT) throw refuse.exitDataAlreadyPublished(child, number);
      if (chunk !== d.nextExitChunk) throw refuse.chunkOutOfOrder(chunk, d.nextExitChunk);
      if (open && now > d.deadline) throw refuse.responseWindowClosed(d.deadline, now);
      if (call.leaves.length > EXIT_DATA_CHUNK_SIZE) throw refuse.tooManyExitLeaves(call.leaves.length, EXIT_DATA_CHUNK_SIZE);
      if (call.proof.length !== EXIT_DATA_CHUNK_PROOF_LENGTH) throw refuse.badChunkProofLength(call.proof.length, EXIT_DATA_CHUNK_PROOF_LENGTH);
      if (!chunkProofHolds(exitChunkRoot(call.leaves), chunk, call.proof, h.exitRoot)) throw refuse.invalidExitChunkProof(child, number, chunk);
      const complete = call.leaves.length < EXIT_DATA_CHUNK_SIZE || chunk === EXIT_DATA_CHUNK_COUNT - 1;
      if (complete && !emptyAfterChunk(chunk, call.proof, EXIT_DATA_CHUNK_LEVEL, EXIT_TREE_DEPTH)) throw refuse.exitLeavesAfterLastChunk(child, number, chunk);
      d.nextExitChunk = complete ? EXIT_DATA_CHUNK_COUNT : chunk + 1;
    }
    const answered = open && isPublished(d);
    const bond = answered ? d.bond : 0n;
    if (answered) {
      d.status = DataChallengeStatus.Answered;
      d.bond = 0n;
    }
    this.write(d);
    return { child, number, complete: isPublished(d), answered, bond };
  }

  /**
   * Convicts block `h` whose challenge was not answered by its deadline (resolveDataChallenge): the checks of every
   * proof (UNKNOWN_COMMITMENT, CHALLENGE_WINDOW_CLOSED, WRONG_PREV_HEADER) after NO_OPEN_CHALLENGE and
   * RESPONSE_WINDOW_OPEN, then the rollback, slash and freeze of a fraud proof (kind 8, UnavailableData). The
   * challenger takes the reward and its bond back (the host credits both).
   */
  resolveDataChallenge(call: Extract<DataAvailabilityCall, { method: 'resolveDataChallenge' }>, now: bigint): ResolveDataResult {
    const child = bytes32Input(call.chainId, 'chainId');
    const h = headerInput(call.header);
    const prev = headerInput(call.prev);
    const windowEnd = uintInput(call.windowEnd, 64, 'windowEnd');
    const prevWindowEnd = uintInput(call.prevWindowEnd, 64, 'prevWindowEnd');
    uintInput(now, 256, 'now');
    const d = this.dataChallenge(child, h.number);
    if (d.status !== DataChallengeStatus.Open) throw refuse.noOpenChallenge(child, h.number);
    if (now <= d.deadline) throw refuse.responseWindowOpen(d.deadline, now);
    const config = this.checkCommitted(this.knownChild(child), h, windowEnd);
    if (now >= windowEnd) throw refuse.challengeWindowClosed(windowEnd, now);
    this.checkPrev(config, h.number, prev, prevWindowEnd);
    this.write({ ...d, status: DataChallengeStatus.Convicted, bond: 0n });
    const conviction = this.convict(config, h.number, prev.depositNonce, prevWindowEnd, FraudKind.UnavailableData, now);
    return { ...conviction, challenger: d.challenger, bond: d.bond };
  }

  /**
   * Gives an open challenge's bond back once it can no longer be resolved (reclaimChallengeBond): the block's window
   * has passed, or another proof rolled the child back below it. NO_OPEN_CHALLENGE, UNKNOWN_COMMITMENT,
   * CHALLENGE_STILL_RESOLVABLE.
   */
  reclaimChallengeBond(call: Extract<DataAvailabilityCall, { method: 'reclaimChallengeBond' }>, now: bigint): { challenger: Address; bond: bigint } {
    const child = bytes32Input(call.chainId, 'chainId');
    const h = headerInput(call.header);
    const windowEnd = uintInput(call.windowEnd, 64, 'windowEnd');
    uintInput(now, 256, 'now');
    const d = this.dataChallenge(child, h.number);
    if (d.status !== DataChallengeStatus.Open) throw refuse.noOpenChallenge(child, h.number);
    if (this.commitmentRecord(child, h.number) !== hashCommitmentRecord(hashHeader(h), windowEnd)) throw refuse.unknownCommitment(child, h.number);
    if (h.number <= this.knownChild(child).headNumber && now < windowEnd) throw refuse.challengeStillResolvable(child, h.number, windowEnd);
    this.write({ ...d, status: DataChallengeStatus.Lapsed, bond: 0n });
    return { challenger: d.challenger, bond: d.bond };
  }

  /** PlasmaDataAvailability's slot of block `number` of `child`: its challenge and publication (all zero when untouched). */
  dataChallenge(child: ChainId, number: bigint): Readonly<DataChallengeEntry> {
    const entry = this.store.get(ledgerKeys.dataChallenge(child, number));
    if (entry?.kind === LedgerKind.DataChallenge) return entry;
    return {
      kind: LedgerKind.DataChallenge, child, number, challenger: ZERO_ADDRESS, deadline: 0n, status: DataChallengeStatus.None, bond: 0n,
      nextChunk: 0, txsPublished: false, nextExitChunk: 0,
    };
  }

  /** Every open data challenge of `child` (what its validators must answer), by block number. */
  openDataChallenges(child: ChainId): Readonly<DataChallengeEntry>[] {
    const open: Readonly<DataChallengeEntry>[] = [];
    for (const entry of this.store.values()) {
      if (entry.kind === LedgerKind.DataChallenge && entry.child === child && entry.status === DataChallengeStatus.Open) open.push(entry);
    }
    return open.sort((a, b) => (a.number < b.number ? -1 : a.number > b.number ? 1 : 0));
  }

  /** The module's _checkCommitted: `h` is committed block `h.number` with `windowEnd`, `0 < number <= head`. */
  private checkCommitted(config: Readonly<ChildEntry>, h: Header, windowEnd: bigint): Readonly<ChildEntry> {
    const number = h.number;
    if (number === 0n || number > config.headNumber || this.commitmentRecord(config.child, number) !== hashCommitmentRecord(hashHeader(h), windowEnd)) {
      throw refuse.unknownCommitment(config.child, number);
    }
    return config;
  }

  // ---- the escape hatch (PlasmaRoot.escapeExit / reclaimDeposit, docs/FRAUD.md §8) --------------------

  /**
   * Pays slot `account.slot` of a frozen child's final head: its whole balance, once per slot, capped by the
   * subtree balance. PlasmaRoot.escapeExit's checks in its order and with its errors; returns what the host credits.
   */
  escapeExit(params: EscapeExitParams): EscapePayment {
    const child = bytes32Input(params.child, 'child');
    const head = headerInput(params.head);
    const windowEnd = uintInput(params.windowEnd, 64, 'windowEnd');
    const ledgerRoot = bytes32Input(params.ledgerRoot, 'ledgerRoot');
    const account = accountWitnessInput(params.account);
    const now = uintInput(params.now, 256, 'now');
    const config = this.frozenChild(child);
    const headNumber = config.headNumber;
    if (head.number !== headNumber || headNumber === 0n) throw refuse.notTheHead(head.number, headNumber);
    // PlasmaRoot._verifyFinal (the number is the head's, so only the record can be wrong).
    if (this.commitmentRecord(child, head.number) !== hashCommitmentRecord(hashHeader(head), windowEnd)) throw refuse.unknownCommitment(child, head.number);
    if (now < windowEnd) throw refuse.challengeWindowOpen(windowEnd, now);
    if (account.balance === 0n) throw refuse.zeroAmount();
    if (escapeStateRoot(ledgerRoot, account) !== head.stateRoot) throw refuse.invalidEscapeProof(child, account.slot);
    if (this.isEscaped(child, account.slot)) throw refuse.alreadyEscaped(child, account.slot);
    const available = this.subtreeBalance(child, account.token);
    if (account.balance > available) throw refuse.subtreeBalanceExceeded(child, account.token, account.balance, available);

    this.write({ kind: LedgerKind.EscapedSlot, child, slot: account.slot });
    this.write({ kind: LedgerKind.SubtreeBalance, child, token: account.token, amount: available - account.balance });
    return { to: account.owner, token: account.token, amount: account.balance };
  }

  /**
   * Gives back a deposit a frozen child never applied (nonce above its head's depositNonce), once: its record is
   * deleted. PlasmaRoot.reclaimDeposit's checks and errors; returns what the host credits to the depositor. It does
   * not wait for the head to be final: a frozen child's head only moves back.
   */
  reclaimDeposit(params: ReclaimDepositParams): EscapePayment {
    const { child, from, to, token, amount } = depositInput(params);
    const nonce = uintInput(params.nonce, 64, 'nonce');
    const config = this.frozenChild(child);
    const applied = config.headDepositNonce;
    if (nonce <= applied) throw refuse.depositApplied(child, nonce, applied);
    // Down edge events share the stream but carry no value: their records never equal a depositHash.
    if (!recordIs(this.depositRecord(child, nonce), hashDeposit({ chainId: child, nonce, from, to, token, amount }))) throw refuse.unknownDeposit(child, nonce);
    const available = this.subtreeBalance(child, token);
    if (amount > available) throw refuse.subtreeBalanceExceeded(child, token, amount, available);

    this.write({ kind: LedgerKind.Deposit, child, nonce, depositHash: ZERO_BYTES32 });
    this.write({ kind: LedgerKind.SubtreeBalance, child, token, amount: available - amount });
    return { to: from, token, amount };
  }

  /**
   * NESTED_ESCAPE_CALL (docs/FRAUD.md §4c): pays a holder of a descendant of frozen child `call.route.frozen.chainId`
   * with the PlasmaNestedEscape call it would send the root, judged against this ledger. A must be frozen here with
   * that head, final by `now`; then every check of the call's own proofs (judgeNestedEscapeCall); then the slot, exit
   * or deposit must not have been paid here, what was paid through each chain of the path stays within its cap, and A's
   * subtree balance covers it. Marks it paid, adds the amount to every chain's paid sum, lowers A's subtree balance and
   * returns the payment (crediting `to` is the host's part).
   */
  nestedEscapeCall(call: NestedEscapeCall, now: bigint): EscapePayment {
    const a = call.route.frozen;
    const child = bytes32Input(a.chainId, 'frozen');
    const config = this.frozenChild(child);
    const head = headerInput(a.head);
    if (head.number !== config.headNumber || config.headNumber === 0n) throw refuse.notTheHead(head.number, config.headNumber);
    if (this.commitmentRecord(child, head.number) !== hashCommitmentRecord(hashHeader(head), a.windowEnd)) throw refuse.unknownCommitment(child, head.number);
    if (now < a.windowEnd) throw refuse.challengeWindowOpen(a.windowEnd, now);
    const judged = judgeNestedEscapeCall(call);
    const token = normalizeAddress(judged.token);
    const { mark, amount } = judged;
    if (this.store.has(ledgerEntryKey(mark))) {
      if (mark.kind === LedgerKind.NestedEscaped) throw refuse.alreadyEscaped(mark.child, mark.slot);
      if (mark.kind === LedgerKind.NestedExitPaid) throw refuse.alreadyWithdrawn(mark.child, mark.number, BigInt(mark.index));
      if (mark.kind === LedgerKind.NestedReclaimed) throw refuse.unknownDeposit(mark.child, mark.nonce);
    }
    const paid = judged.children.map((levelChild, i) => {
      const entry = this.store.get(ledgerKeys.nestedPaid(levelChild, token));
      const sum = entry?.kind === LedgerKind.NestedPaid ? entry.amount : 0n;
      const cap = judged.caps[i];
      if (sum + amount > cap) throw refuse.subtreeBalanceExceeded(levelChild, token, amount, cap > sum ? cap - sum : 0n);
      return sum;
    });
    const available = this.subtreeBalance(child, token);
    if (amount > available) throw refuse.subtreeBalanceExceeded(child, token, amount, available);

    this.write({ ...mark, ...(mark.kind === LedgerKind.NestedExitPaid ? { index: Number(mark.index) } : {}) } as LedgerEntry);
    judged.children.forEach((levelChild, i) => this.write({ kind: LedgerKind.NestedPaid, child: levelChild, token, amount: paid[i] + amount }));
    this.write({ kind: LedgerKind.SubtreeBalance, child, token, amount: available - amount });
    return { to: judged.to, token, amount };
  }

  /** What NESTED_ESCAPE_CALL paid here of `token` through `child` (a descendant of a frozen child; PlasmaNestedEscape.nestedPaid). */
  nestedPaid(child: ChainId, token: Address): bigint {
    const entry = this.store.get(ledgerKeys.nestedPaid(bytes32Input(child, 'child'), normalizeAddress(token)));
    return entry?.kind === LedgerKind.NestedPaid ? entry.amount : 0n;
  }

  // ---- exits (PlasmaRoot.finalizeWithdrawal) ----------------------------------------------------------

  /**
   * Consumes exit `index` of a committed block of `child` once its window has passed: marks it spent and lowers
   * the subtree balance. Returns the exit; crediting the recipient is the host's part.
   */
  finalizeExit(params: FinalizeExitParams): Exit {
    const exit = exitInput(params.exit);
    const input = upInput(params);
    let available = 0n;
    this.consumeUp(input, exitLeaf(exit), {
      afterWindow: () => {
        if (exit.amount === 0n) throw refuse.zeroAmount();
      },
      beforeSpend: () => {
        available = this.subtreeBalance(input.child, exit.token);
        if (exit.amount > available) throw refuse.subtreeBalanceExceeded(input.child, exit.token, exit.amount, available);
      },
    });
    this.write({ kind: LedgerKind.SubtreeBalance, child: input.child, token: exit.token, amount: available - exit.amount });
    return exit;
  }

  /**
   * The up stream's consumption, shared by token exits and up edge events: PlasmaRoot._verifyExit and
   * _markWithdrawn in their order, then the spent mark. `afterWindow` runs where finalizeWithdrawal checks the
   * amount, `beforeSpend` after every check of the leaf and before anything is written.
   */
  private consumeUp(input: UpInput, leaf: Uint8Array, checks: { afterWindow?: () => void; beforeSpend?: () => void } = {}): void {
    const { child, header, windowEnd, index, proof, now } = input;
    const blockHash = hashHeader(header);
    const number = header.number;
    const headNumber = this.childEntry(child)?.headNumber ?? 0n;
    // `number <= headNumber` keeps blocks above the head unusable once fraud proofs can roll the head back.
    if (number > headNumber || this.commitmentRecord(child, number) !== hashCommitmentRecord(blockHash, windowEnd)) {
      throw refuse.unknownCommitment(child, number);
    }
    if (now < windowEnd) throw refuse.challengeWindowOpen(windowEnd, now);
    checks.afterWindow?.();
    // Without this bound the bits above 16 would be ignored and one exit could be consumed under many indices.
    if (index >> BigInt(EXIT_TREE_DEPTH) !== 0n) throw refuse.exitIndexOutOfRange(index);
    if (proof.length !== EXIT_TREE_DEPTH) throw refuse.badProofLength(proof.length);
    if (bytesToHex(computeMerkleRoot(leaf, Number(index), proof)) !== header.exitRoot) {
      throw refuse.invalidExitProof(child, number, index);
    }
    if (this.isWithdrawn(child, number, index)) throw refuse.alreadyWithdrawn(child, number, index);
    checks.beforeSpend?.();
    this.write({ kind: LedgerKind.SpentExit, child, number, index: Number(index) });
  }

  // ---- views ------------------------------------------------------------------------------------------

  /** Number of children spawned so far (the next child's index). */
  get childCount(): bigint {
    const entry = this.store.get(ledgerKeys.childCount());
    return entry?.kind === LedgerKind.ChildCount ? entry.count : 0n;
  }

  /** Every child id, in spawn order. */
  children(): ChainId[] {
    const count = Number(this.childCount);
    for (let i = this.childIds.length; i < count; i++) this.childIds.push(chainIdOf(this.selfId, i));
    return this.childIds.slice(0, count);
  }

  hasChild(child: ChainId): boolean {
    return this.childEntry(bytes32Input(child, 'child')) !== undefined;
  }

  /** Configuration and head of a child; UNKNOWN_CHAIN for an unknown id. */
  childInfo(child: ChainId): ChildInfo {
    const { kind: _kind, child: chainId, ...config } = this.knownChild(bytes32Input(child, 'child'));
    return { chainId, parentChainId: this.selfId, ...config };
  }

  /** PlasmaRoot.stallLimit: seconds without a commit after which freezeStalled freezes the child; UNKNOWN_CHAIN for an unknown id. */
  stallLimit(child: ChainId): bigint {
    return this.knownChild(bytes32Input(child, 'child')).stallLimit;
  }

  /** The child's last activity: its head's commit time (headWindowEnd − challengeWindow), or spawnedAt before block 1. */
  lastActivity(child: ChainId): bigint {
    return lastActivityOf(this.knownChild(bytes32Input(child, 'child')));
  }

  /** PlasmaRoot.chainStatus: 0 live, 1 frozen by a fraud proof, 2 frozen stalled (ChainStatus), and when it was first frozen. */
  childStatus(child: ChainId): { status: ChainStatus; frozenAt: bigint } {
    const entry = this.store.get(ledgerKeys.childStatus(bytes32Input(child, 'child')));
    return entry?.kind === LedgerKind.ChildStatus ? { status: entry.status as ChainStatus, frozenAt: entry.frozenAt } : { status: ChainStatus.Live, frozenAt: 0n };
  }

  /** What `child` and its descendants hold here in `token`: the cap on their exits. */
  subtreeBalance(child: ChainId, token: Address): bigint {
    const entry = this.store.get(ledgerKeys.subtreeBalance(bytes32Input(child, 'child'), normalizeAddress(token)));
    return entry?.kind === LedgerKind.SubtreeBalance ? entry.amount : 0n;
  }

  /** depositHash of deposit `nonce` of `child` (zero if none). */
  depositRecord(child: ChainId, nonce: bigint): Hex {
    const entry = this.store.get(ledgerKeys.deposit(bytes32Input(child, 'child'), nonce));
    return entry?.kind === LedgerKind.Deposit ? entry.depositHash : ZERO_BYTES32;
  }

  /** keccak256(abi.encode(blockHash, uint64 windowEnd)) of block `number` of `child` (zero if none). */
  commitmentRecord(child: ChainId, number: bigint): Hex {
    const entry = this.store.get(ledgerKeys.commitment(bytes32Input(child, 'child'), number));
    return entry?.kind === LedgerKind.Commitment ? entry.record : ZERO_BYTES32;
  }

  /** Whether exit `index` of block `number` of `child` has been consumed (false for an index of 2^16 or more). */
  isWithdrawn(child: ChainId, number: bigint, index: bigint | number): boolean {
    const i = BigInt(index);
    if (i < 0n || i >> BigInt(EXIT_TREE_DEPTH) !== 0n) return false;
    return this.store.has(ledgerKeys.spentExit(bytes32Input(child, 'child'), number, i));
  }

  /** PlasmaRoot.isEscaped: whether escapeExit has paid slot `slot` of `child`. */
  isEscaped(child: ChainId, slot: number): boolean {
    return this.store.has(ledgerKeys.escapedSlot(bytes32Input(child, 'child'), slot));
  }

  /** Value of `key` in edge function `fn`'s storage; undefined when unset. */
  edgeStorage(fn: Hex, key: Hex): Hex | undefined {
    const entry = this.store.get(ledgerKeys.edgeStorage(bytes32Input(fn, 'fn'), hexInput(key, 'key')));
    return entry?.kind === LedgerKind.EdgeStorage ? entry.value : undefined;
  }

  /** What became of down edge event `nonce` from this chain's parent; undefined while not applied here. */
  edgeDelivery(nonce: bigint): { fn: Hex; status: EdgeDeliveryStatus } | undefined {
    const entry = this.store.get(ledgerKeys.edgeDelivery(uintInput(nonce, 64, 'nonce')));
    return entry?.kind === LedgerKind.EdgeDelivery ? { fn: entry.fn, status: entry.status } : undefined;
  }

  // ---- the edge runtime's own records (this chain's side of its edges, not PlasmaRoot rules) -----------

  /** Sets `key` of edge function `fn`'s storage; the empty value '0x' unsets it. */
  setEdgeStorage(fn: Hex, key: Hex, value: Hex): void {
    const keyHash = edgeStorageKeyHash(hexInput(key, 'key'));
    this.write({ kind: LedgerKind.EdgeStorage, fn: bytes32Input(fn, 'fn'), keyHash, value: hexInput(value, 'value') });
  }

  /**
   * Sets the key whose hash is `keyHash` in `fn`'s storage: an edge tx's stated effect as L1 applies it (the STF's
   * `edgeEffect: 'stated'`), without the key itself.
   */
  setEdgeStorageAt(fn: Hex, keyHash: Hex, value: Hex): void {
    this.write({ kind: LedgerKind.EdgeStorage, fn: bytes32Input(fn, 'fn'), keyHash: bytes32Input(keyHash, 'keyHash'), value: hexInput(value, 'value') });
  }

  /** Records what became of down edge event `nonce` from this chain's parent. */
  recordEdgeDelivery(nonce: bigint, fn: Hex, status: EdgeDeliveryStatus): void {
    this.write({ kind: LedgerKind.EdgeDelivery, nonce: uintInput(nonce, 64, 'nonce'), fn: bytes32Input(fn, 'fn'), status });
  }

  // ---- the write log (persistence) --------------------------------------------------------------------

  /**
   * The keys written since the last call (or since the ledger was made or rebuilt), and clears the log: what a
   * host persists after each block, each key with its `entry(key)` now (undefined = back to the default). A key
   * set and then reverted is listed too; its entry is then the one it had before, so persisting it is harmless.
   * Kinds 7-9 write keys that edge functions choose, which only this log can list.
   */
  takeWrittenKeys(): Hex[] {
    const keys = [...this.written];
    this.written.clear();
    return keys;
  }

  // ---- checkpoints ------------------------------------------------------------------------------------

  /** Opens a checkpoint; checkpoints nest. */
  checkpoint(): void {
    this.journals.push(new Map());
  }

  /** Keeps every change since the matching checkpoint (AccountState.commit; `commit` here is the child's). */
  commitCheckpoint(): void {
    const journal = this.popJournal('commitCheckpoint');
    const outer = this.journals[this.journals.length - 1];
    if (outer === undefined) return;
    for (const [key, previous] of journal) if (!outer.has(key)) outer.set(key, previous);
  }

  /** Undoes every change since the matching checkpoint. */
  revert(): void {
    for (const [key, previous] of this.popJournal('revert')) this.put(key, previous);
  }

  get checkpointDepth(): number {
    return this.journals.length;
  }

  // ---- storage ----------------------------------------------------------------------------------------

  private childEntry(child: ChainId): Readonly<ChildEntry> | undefined {
    const entry = this.store.get(ledgerKeys.child(child));
    return entry?.kind === LedgerKind.Child ? entry : undefined;
  }

  private knownChild(child: ChainId): Readonly<ChildEntry> {
    const entry = this.childEntry(child);
    if (entry === undefined) throw refuse.unknownChain(child);
    return entry;
  }

  /** PlasmaRoot._liveChain: a known child that is not frozen (CHAIN_IS_FROZEN: no more commits, deposits or down events). */
  private liveChild(child: ChainId): Readonly<ChildEntry> {
    const entry = this.knownChild(child);
    const { status } = this.childStatus(child);
    if (status !== ChainStatus.Live) throw refuse.chainIsFrozen(child, status);
    return entry;
  }

  /** PlasmaRoot._frozenChain: a known child that is frozen (CHAIN_NOT_FROZEN while live). */
  private frozenChild(child: ChainId): Readonly<ChildEntry> {
    const entry = this.knownChild(child);
    if (this.childStatus(child).status === ChainStatus.Live) throw refuse.chainNotFrozen(child);
    return entry;
  }

  private write(entry: LedgerEntry): void {
    const key = ledgerEntryKey(entry);
    const journal = this.journals[this.journals.length - 1];
    if (journal !== undefined && !journal.has(key)) journal.set(key, this.store.get(key));
    this.put(key, freezeEntry(entry));
  }

  private put(key: Hex, entry: Readonly<LedgerEntry> | undefined): void {
    this.written.add(key);
    if (entry === undefined || isDefaultLedgerEntry(entry)) {
      this.store.delete(key);
      this.tree.delete(key);
    } else {
      this.store.set(key, entry);
      this.tree.set(key, ledgerEntryLeaf(entry));
    }
  }

  private popJournal(operation: string): Journal {
    const journal = this.journals.pop();
    if (journal === undefined) {
      throw new PlasmaError('NO_CHECKPOINT', `${operation}() without an open checkpoint()`, {
        hint: 'pair every commitCheckpoint() or revert() with an earlier checkpoint()',
      });
    }
    return journal;
  }

  // ---- fault injection only ---------------------------------------------------------------------------

  /**
   * Writes `entry` as it is, without any of the checks of the operation that would write it (an open checkpoint
   * still journals it). For fault injection only (packages/node/src/faults, docs/LEDGER-PROOFS.md §6.4): the ledger
   * write of a lying validator, so that tests get blocks with invalid ledger transitions. Never for applying a tx.
   */
  unsafeWrite(entry: LedgerEntry): void {
    this.write(entry);
  }
}

/** PlasmaRoot.sendEdgeEvent's rule on payloads, also applied to up calls: PayloadTooLarge(length, maximum). */
export function checkEdgePayload(payload: Hex): void {
  const length = (payload.length - 2) / 2;
  if (length > MAX_EDGE_PAYLOAD) throw refuse.payloadTooLarge(length);
}

/** max(DEFAULT_STALL_LIMIT, challengeWindow): the stall limit PlasmaRoot.spawnChain gives (valid for every window). */
export function defaultStallLimit(challengeWindow: bigint): bigint {
  return challengeWindow > DEFAULT_STALL_LIMIT ? challengeWindow : DEFAULT_STALL_LIMIT;
}

/** PlasmaRoot.freezeStalled's last activity: the head's commit time, or the spawn before the first commit. */
function lastActivityOf(config: Readonly<ChildEntry>): bigint {
  return config.headNumber === 0n ? config.spawnedAt : config.headWindowEnd - config.challengeWindow;
}

/** The child's next nonce on its down stream, which deposits and edge events share (a uint48 in PlasmaRoot). */
function nextDownNonce(config: Readonly<ChildEntry>): bigint {
  const nonce = config.depositCount + 1n;
  if (nonce >> BigInt(DEPOSIT_COUNT_BITS) !== 0n) throw refuse.overflow('depositCount');
  return nonce;
}

/** `keccak256(abi.encode(bytes32 blockHash, uint64 windowEnd))`: the one record kept per commitment. */
export function hashCommitmentRecord(blockHash: Hex, windowEnd: bigint): Hex {
  return bytesToHex(keccak256(encodeWords(['bytes32', 'uint64'], [blockHash, windowEnd])));
}

/** A frozen copy: callers may keep mutating what they passed, and entries() hands out what is stored. */
function freezeEntry(entry: Readonly<LedgerEntry>): Readonly<LedgerEntry> {
  if (entry.kind === LedgerKind.Child) {
    return Object.freeze({ ...entry, validators: isUnknownValidators(entry.validators) ? entry.validators : Object.freeze([...entry.validators]) });
  }
  return Object.freeze({ ...entry });
}

// ---- rules shared with PlasmaRoot ---------------------------------------------------------------------------

/** The set in ascending order; refuses the zero address, then the lowest duplicate (as _sortedDistinct). */
function sortedDistinct(validators: readonly Address[]): Address[] {
  const sorted = [...validators].sort(); // lowercase hex of one length: string order is numeric order
  if (sorted[0] === ZERO_ADDRESS) throw refuse.zeroAddressValidator();
  for (let i = 1; i < sorted.length; i++) {
    if (sorted[i] === sorted[i - 1]) throw refuse.duplicateValidator(sorted[i]);
  }
  return sorted;
}

/**
 * Refuses unless `signatures` holds at least `threshold` valid low-s signatures of `digest` by distinct
 * validators in ascending signer order (PlasmaRoot._verifyQuorum: both lists ascend, so one forward scan).
 */
function verifyQuorum(config: Readonly<ChildEntry>, digest: Hex, signatures: Uint8Array, scheme: SignatureScheme): void {
  if (signatures.length % SIGNATURE_BYTES !== 0) throw refuse.badSignaturesLength(signatures.length);
  const count = signatures.length / SIGNATURE_BYTES;
  if (count < config.threshold) throw refuse.notEnoughSignatures(count, config.threshold);
  const validators = config.validators;
  let previous: Address = ZERO_ADDRESS;
  let cursor = 0;
  for (let i = 0; i < count; i++) {
    const signer = recoverSigner(digest, signatures.subarray(i * SIGNATURE_BYTES, (i + 1) * SIGNATURE_BYTES), i, scheme);
    if (signer <= previous) throw refuse.signersNotSorted(i, previous, signer);
    while (cursor < validators.length && validators[cursor] < signer) cursor++;
    if (validators[cursor] !== signer) throw refuse.signerNotValidator(i, signer);
    previous = signer;
  }
}

/** Signer of the `position`-th signature; refuses a bad v, then a high s, then a failed recovery (as ecrecover). */
function recoverSigner(digest: Hex, signature: Uint8Array, position: number, scheme: SignatureScheme): Address {
  const v = signature[64];
  if (v !== 27 && v !== 28) throw refuse.signatureBadV(position, v);
  if (wordToBigint(signature.subarray(32, 64)) > HALF_CURVE_ORDER) throw refuse.signatureHighS(position);
  try {
    return scheme.recover(digest, signature);
  } catch (e) {
    if (isPlasmaError(e, 'BAD_SIGNATURE')) throw refuse.invalidSignature(position);
    throw e;
  }
}

/** Both trees of the block are in (the module's `published`). */
function isPublished(d: Readonly<DataChallengeEntry>): boolean {
  return d.txsPublished && d.nextExitChunk === EXIT_DATA_CHUNK_COUNT;
}

/** Refuses a value wider than the PlasmaRoot storage field it goes to (SafeCast.toUintN). */
function checkFits(value: bigint, bits: number): void {
  if (value >> BigInt(bits) !== 0n) throw refuse.safeCastOverflow(bits, value);
}

// ---- refusals: PlasmaRoot's custom errors -------------------------------------------------------------------

type ErrorArgument = bigint | number | string;

function refusal(code: ParentLedgerErrorCode, message: string, args: Record<string, ErrorArgument>, hint: string): PlasmaError {
  const data: Record<string, string> = {};
  // Hex (addresses, hashes) in the canonical lowercase form; integers as decimal strings, as everywhere in JSON-RPC.
  for (const [name, value] of Object.entries(args)) data[name] = isHex(value) ? value.toLowerCase() : String(value);
  return new PlasmaError(code, message, { data, hint });
}

const refuse = {
  bondTooLow: (bond: bigint) =>
    refusal('BOND_TOO_LOW', `a bond of ${bond} is below the minimum of ${MIN_BOND}`, { bond, minimum: MIN_BOND }, 'bond at least MIN_BOND of the native coin'),
  emptyValidatorSet: () => refusal('EMPTY_VALIDATOR_SET', 'the validator set is empty', {}, 'name at least one validator'),
  tooManyValidators: (count: number) =>
    refusal('TOO_MANY_VALIDATORS', `${count} validators, at most ${MAX_VALIDATORS}`, { count, maximum: MAX_VALIDATORS }, 'use a smaller validator set'),
  zeroAddressValidator: () => refusal('ZERO_ADDRESS_VALIDATOR', 'the zero address is in the validator set', {}, 'remove address(0) from the set'),
  duplicateValidator: (validator: Address) =>
    refusal('DUPLICATE_VALIDATOR', `validator ${validator} is listed twice`, { validator }, 'list every validator once'),
  badThreshold: (threshold: number, validatorCount: number) =>
    refusal('BAD_THRESHOLD', `threshold ${threshold} is outside 1..${validatorCount}`, { threshold, validatorCount }, 'choose a threshold between 1 and the number of validators'),
  badChallengeWindow: (challengeWindow: bigint) =>
    refusal('BAD_CHALLENGE_WINDOW', `a challenge window of ${challengeWindow} s is outside 1..${MAX_CHALLENGE_WINDOW}`, { challengeWindow, maximum: MAX_CHALLENGE_WINDOW }, 'choose a window between 1 second and 30 days'),
  badStallLimit: (stallLimit: bigint, minimum: bigint) =>
    refusal('BAD_STALL_LIMIT', `a stall limit of ${stallLimit} s is outside ${minimum}..${MAX_CHALLENGE_WINDOW} (the challenge window up to 30 days)`, { stallLimit, minimum, maximum: MAX_CHALLENGE_WINDOW }, 'choose a stall limit between the challenge window and 30 days, or none for the default (7 days, or the window when longer; 0 in a SPAWN_CHILD)'),
  notStalled: (chainId: ChainId, lastActivity: bigint, stallLimit: bigint, now: bigint) =>
    refusal('NOT_STALLED', `chain ${chainId} was active at ${lastActivity}: with a stall limit of ${stallLimit} s it can be frozen after ${lastActivity + stallLimit} (now ${now})`, { chainId, lastActivity, stallLimit, now }, `retry once this chain's clock is past ${lastActivity + stallLimit} and the child has still committed nothing`),
  unknownChain: (chainId: ChainId) =>
    refusal('UNKNOWN_CHAIN', `chain ${chainId} is not a child of this chain`, { chainId }, 'use an id from children(); spawn the chain first'),
  zeroAmount: () => refusal('ZERO_AMOUNT', 'the amount is 0', {}, 'move a positive amount'),
  zeroRecipient: () => refusal('ZERO_RECIPIENT', 'the recipient is the zero address', {}, 'name a recipient on the child chain'),
  payloadTooLarge: (length: number) =>
    refusal('PAYLOAD_TOO_LARGE', `an edge payload of ${length} bytes is over the maximum of ${MAX_EDGE_PAYLOAD}`, { length, maximum: MAX_EDGE_PAYLOAD }, 'send less data per event, or split it over several events'),
  chainIdMismatch: (chainId: ChainId, headerChainId: ChainId) =>
    refusal('CHAIN_ID_MISMATCH', `the header is for chain ${headerChainId}, not ${chainId}`, { chainId, headerChainId }, 'commit the header to the chain it names'),
  wrongBlockNumber: (expected: bigint, actual: bigint) =>
    refusal('WRONG_BLOCK_NUMBER', `block ${actual} committed, the next one is ${expected}`, { expected, actual }, 'commit blocks in order, each once'),
  wrongParentHash: (number: bigint, parentHash: Hex) =>
    refusal('WRONG_PARENT_HASH', `block ${number} names parent ${parentHash}, which is not the committed head`, { number, parentHash }, 'build on the last committed block (block 1 on zero)'),
  depositNonceOutOfRange: (depositNonce: bigint, minimum: bigint, maximum: bigint) =>
    refusal('DEPOSIT_NONCE_OUT_OF_RANGE', `deposit nonce ${depositNonce} is outside ${minimum}..${maximum}`, { depositNonce, minimum, maximum }, 'apply only recorded deposits, never fewer than the head did'),
  badSignaturesLength: (length: number) =>
    refusal('BAD_SIGNATURES_LENGTH', `${length} bytes of signatures is not a multiple of ${SIGNATURE_BYTES}`, { length }, 'concatenate 65-byte r ‖ s ‖ v signatures'),
  notEnoughSignatures: (count: number, threshold: number) =>
    refusal('NOT_ENOUGH_SIGNATURES', `${count} signatures, the threshold is ${threshold}`, { count, threshold }, 'collect more validator signatures'),
  signatureBadV: (position: number, v: number) =>
    refusal('SIGNATURE_BAD_V', `signature ${position} has v = ${v}`, { position, v }, 'use v = 27 or 28 (add 27 to a 0/1 recovery id)'),
  signatureHighS: (position: number) =>
    refusal('SIGNATURE_HIGH_S', `signature ${position} has a high s (malleable, EIP-2)`, { position }, 'use s = n - s and flip v'),
  invalidSignature: (position: number) =>
    refusal('INVALID_SIGNATURE', `signature ${position} recovers no address`, { position }, 'sign the Commitment digest again'),
  signersNotSorted: (position: number, previous: Address, signer: Address) =>
    refusal('SIGNERS_NOT_SORTED', `signer ${signer} at ${position} does not come after ${previous}`, { position, previous, signer }, 'order signatures by signer address, ascending, each signer once'),
  signerNotValidator: (position: number, signer: Address) =>
    refusal('SIGNER_NOT_VALIDATOR', `signature ${position} is by ${signer}, not a validator`, { position, signer }, "check the digest (chain id, number, block hash, the root's EIP-712 domain) and the set"),
  unknownCommitment: (chainId: ChainId, number: bigint) =>
    refusal('UNKNOWN_COMMITMENT', `block ${number} of chain ${chainId} is not committed with this header and windowEnd`, { chainId, number }, 'pass the header and windowEnd exactly as committed'),
  challengeWindowOpen: (windowEnd: bigint, now: bigint) =>
    refusal('CHALLENGE_WINDOW_OPEN', `the challenge window is open until ${windowEnd} (now ${now})`, { windowEnd, now }, 'retry once the window has passed'),
  exitIndexOutOfRange: (index: bigint) =>
    refusal('EXIT_INDEX_OUT_OF_RANGE', `exit index ${index} is 2^${EXIT_TREE_DEPTH} or more`, { index }, 'pass the exit position within its block'),
  badProofLength: (length: number) =>
    refusal('BAD_PROOF_LENGTH', `an exit proof has ${EXIT_TREE_DEPTH} siblings, got ${length}`, { length, expected: EXIT_TREE_DEPTH }, 'pass the proof as the child node returned it'),
  invalidExitProof: (chainId: ChainId, number: bigint, index: bigint) =>
    refusal('INVALID_EXIT_PROOF', `exit ${index} is not in the exit tree of block ${number}`, { chainId, number, index }, 'pass the exit and proof exactly as the child node returned them'),
  alreadyWithdrawn: (chainId: ChainId, number: bigint, index: bigint) =>
    refusal('ALREADY_WITHDRAWN', `exit ${index} of block ${number} was already consumed`, { chainId, number, index }, 'an exit is paid once'),
  subtreeBalanceExceeded: (chainId: ChainId, token: Address, requested: bigint, available: bigint) =>
    refusal('SUBTREE_BALANCE_EXCEEDED', `chain ${chainId} holds ${available} of ${token} here, the exit asks ${requested}`, { chainId, token, requested, available }, 'a chain never takes out more than its subtree put in'),
  chainIsFrozen: (chainId: ChainId, status: number) =>
    refusal('CHAIN_IS_FROZEN', `chain ${chainId} is frozen (status ${status}): it takes no more commits, deposits or down events`, { chainId, status }, 'its holders leave from its last final state; nothing can be sent to it'),
  challengeWindowClosed: (windowEnd: bigint, now: bigint) =>
    refusal('CHALLENGE_WINDOW_CLOSED', `the challenge window closed at ${windowEnd} (now ${now}): the block is final`, { windowEnd, now }, 'object while now < windowEnd; a final block cannot be undone'),
  wrongPrevHeader: (number: bigint) =>
    refusal('WRONG_PREV_HEADER', `the previous header given is not committed block ${number - 1n} with that windowEnd`, { number }, 'pass the parent header and its windowEnd as committed (block 1: the zero header and 0)'),
  proofKindNotSupported: (kind: number) =>
    refusal('PROOF_KIND_NOT_SUPPORTED', `a transition proof of kinds 0-2 against a tx of kind ${kind}`, { kind }, 'prove a lie in a ledger-kind tx (3-15) with fraud kind 10, its ledger witness included (buildLedgerTransitionProof)'),
  notFraud: (kind: number, reason: string) =>
    refusal('NOT_FRAUD', `the proof does not prove fraud (${reason})`, { kind, reason: reasonWord(reason) }, 'check the block again: a valid block cannot be convicted'),
  alreadyConvicted: (chainId: ChainId) =>
    refusal('ALREADY_CONVICTED', `chain ${chainId} was convicted before and there is nothing left to undo`, { chainId }, 'nothing to do: the chain is frozen and its bond taken'),
  chainNotFrozen: (chainId: ChainId) =>
    refusal('CHAIN_NOT_FROZEN', `chain ${chainId} is live: its holders exit with their own withdrawals`, { chainId }, 'the escape hatch opens once the chain is frozen (a fraud proof, or FREEZE_STALLED_CHILD once it stalled)'),
  notTheHead: (number: bigint, head: bigint) =>
    refusal('NOT_THE_HEAD', `block ${number} is not the head (${head})`, { number, head }, "escape from the child's head as this chain's ledger holds it (childInfo.headNumber); a chain with no block has nothing to escape"),
  invalidEscapeProof: (chainId: ChainId, slot: number) =>
    refusal('INVALID_ACCOUNT_PROOF', `the witness of slot ${slot} and the ledger root do not give the head's state root`, { chainId, slot }, "build the witness from the head's state (buildEscapeExitProof, escapeProofFromDataDir)"),
  alreadyEscaped: (chainId: ChainId, slot: number) =>
    refusal('ALREADY_ESCAPED', `slot ${slot} of chain ${chainId} was already paid`, { chainId, slot }, 'a slot escapes once'),
  depositApplied: (chainId: ChainId, nonce: bigint, headDepositNonce: bigint) =>
    refusal('DEPOSIT_APPLIED', `deposit ${nonce} was applied by the head (depositNonce ${headDepositNonce}): it is in the child's accounts`, { chainId, nonce, headDepositNonce }, 'escape it from the head with ESCAPE_CHILD_EXIT instead'),
  unknownDeposit: (chainId: ChainId, nonce: bigint) =>
    refusal('UNKNOWN_DEPOSIT', `no deposit ${nonce} of chain ${chainId} with these from, to, token and amount (or it was reclaimed)`, { chainId, nonce }, 'copy the deposit exactly as it was recorded; a deposit is reclaimed once'),
  wrongBond: (value: bigint, required: bigint) =>
    refusal('WRONG_BOND', `a data challenge bonds exactly ${required}, got ${value}`, { value, required }, 'bond CHILD_DATA_CHALLENGE_BOND of the native coin (it comes back if the challenge convicts or lapses)'),
  tooLateToChallenge: (challengeBefore: bigint, now: bigint) =>
    refusal('TOO_LATE_TO_CHALLENGE', `data can be challenged until ${challengeBefore}, the first half of the block's window (now ${now})`, { challengeBefore, now }, 'fetch the block from another node; if nobody serves it, its holders must exit while the window is open'),
  dataAlreadyPublished: (chainId: ChainId, number: bigint) =>
    refusal('DATA_ALREADY_PUBLISHED', `block ${number} of chain ${chainId} is published here already`, { chainId, number }, "read it from this chain's CHILD_DATA_CALL transactions"),
  alreadyChallenged: (chainId: ChainId, number: bigint, challenger: Address) =>
    refusal('ALREADY_CHALLENGED', `block ${number} of chain ${chainId} was challenged by ${challenger}`, { chainId, number, challenger }, 'one challenge per block: follow it, or resolve it after its deadline'),
  chunkOutOfOrder: (chunk: number, expected: number) =>
    refusal('CHUNK_OUT_OF_ORDER', `chunk ${chunk} published, the next one is ${expected}`, { chunk, expected }, 'publish chunks in order, from 0 (dataChallenge gives the next one)'),
  responseWindowClosed: (deadline: bigint, now: bigint) =>
    refusal('RESPONSE_WINDOW_CLOSED', `the challenge's deadline was ${deadline} (now ${now})`, { deadline, now }, 'too late to answer it: it can be resolved now'),
  tooManyTxs: (count: number, maximum: number) =>
    refusal('TOO_MANY_TXS', `${count} transactions in a chunk, at most ${maximum}`, { count, maximum }, 'split the block with blockDataChunks'),
  badChunkProofLength: (length: number, expected: number) =>
    refusal('BAD_PROOF_LENGTH', `a chunk proof has ${expected} siblings, got ${length}`, { length, expected }, 'build the chunks with blockDataChunks / blockExitChunks'),
  invalidChunkProof: (chainId: ChainId, number: bigint, chunk: number) =>
    refusal('INVALID_CHUNK_PROOF', `chunk ${chunk} is not in block ${number}'s transaction tree`, { chainId, number, chunk }, "publish the block's own transactions (blockDataChunks of the block)"),
  leavesAfterLastChunk: (chainId: ChainId, number: bigint, chunk: number) =>
    refusal('LEAVES_AFTER_LAST_CHUNK', `chunk ${chunk} is not full but the tree holds leaves after it`, { chainId, number, chunk }, 'publish full chunks until the last one'),
  exitDataAlreadyPublished: (chainId: ChainId, number: bigint) =>
    refusal('EXIT_DATA_ALREADY_PUBLISHED', `the exit tree of block ${number} of chain ${chainId} is published already`, { chainId, number }, 'nothing to do'),
  tooManyExitLeaves: (count: number, maximum: number) =>
    refusal('TOO_MANY_EXIT_LEAVES', `${count} exit leaves in a chunk, at most ${maximum}`, { count, maximum }, 'split the exit tree with blockExitChunks'),
  invalidExitChunkProof: (chainId: ChainId, number: bigint, chunk: number) =>
    refusal('INVALID_EXIT_CHUNK_PROOF', `exit chunk ${chunk} is not in block ${number}'s exit tree`, { chainId, number, chunk }, "publish the block's own exit leaves (blockExitChunks)"),
  exitLeavesAfterLastChunk: (chainId: ChainId, number: bigint, chunk: number) =>
    refusal('EXIT_LEAVES_AFTER_LAST_CHUNK', `exit chunk ${chunk} is not full but the tree holds leaves after it`, { chainId, number, chunk }, 'publish full exit chunks until the last one'),
  noOpenChallenge: (chainId: ChainId, number: bigint) =>
    refusal('NO_OPEN_CHALLENGE', `block ${number} of chain ${chainId} has no open data challenge`, { chainId, number }, 'dataChallenge(child, number) shows its status'),
  responseWindowOpen: (deadline: bigint, now: bigint) =>
    refusal('RESPONSE_WINDOW_OPEN', `the validators may publish until ${deadline} (now ${now})`, { deadline, now }, 'resolve once this chain\'s clock is past the deadline'),
  challengeStillResolvable: (chainId: ChainId, number: bigint, windowEnd: bigint) =>
    refusal('CHALLENGE_STILL_RESOLVABLE', `the challenge of block ${number} can still be resolved until ${windowEnd}`, { chainId, number, windowEnd }, 'resolve it (CHILD_DATA_CALL resolveDataChallenge) instead; the bond comes back either way'),
  safeCastOverflow: (bits: number, value: bigint) =>
    refusal('SAFE_CAST_OVERFLOWED_UINT_DOWNCAST', `${value} does not fit in ${bits} bits`, { bits, value }, 'PlasmaRoot stores this value in a narrower field'),
  overflow: (counter: string) =>
    refusal('ARITHMETIC_OVERFLOW', `the ${counter} would overflow`, { counter }, 'PlasmaRoot reverts with Panic(0x11) here'),
};

/** bytes32("TX_VALID"): PlasmaRoot's NotFraud reason, a short string left-aligned in a word. */
function reasonWord(reason: string): Hex {
  const out = new Uint8Array(32);
  out.set(new TextEncoder().encode(reason).subarray(0, 32));
  return bytesToHex(out);
}

// ---- input forms (what the contract's ABI decoder guarantees before its rules run) -----------------------

function spawnInput(p: SpawnChildParams): Omit<SpawnChildParams, 'validators'> & { validators: Address[] } {
  if (!Array.isArray(p.validators)) throw badInput('validators', 'an array of addresses');
  if (!Number.isInteger(p.threshold) || p.threshold < 0 || p.threshold > 255) throw badInput('threshold', 'a uint8');
  return {
    validators: p.validators.map((v) => normalizeAddress(v)),
    threshold: p.threshold,
    challengeWindow: uintInput(p.challengeWindow, 64, 'challengeWindow'),
    bond: uintInput(p.bond, 256, 'bond'),
    spawner: normalizeAddress(p.spawner),
    ...(p.stallLimit === undefined ? {} : { stallLimit: uintInput(p.stallLimit, 64, 'stallLimit') }),
    now: uintInput(p.now, 256, 'now'),
  };
}

function depositInput(p: Omit<DepositParams, 'now'>): Omit<DepositParams, 'now'> {
  return {
    child: bytes32Input(p.child, 'child'),
    from: normalizeAddress(p.from),
    to: normalizeAddress(p.to),
    token: normalizeAddress(p.token),
    amount: uintInput(p.amount, 256, 'amount'),
  };
}

function commitInput(p: CommitParams): { child: ChainId; header: Header; signatures: Uint8Array; now: bigint } {
  let signatures: Uint8Array;
  try {
    signatures = toBytes(p.signatures);
  } catch {
    throw badInput('signatures', '0x-hex bytes');
  }
  return { child: bytes32Input(p.child, 'child'), header: headerInput(p.header), signatures, now: uintInput(p.now, 256, 'now') };
}

/** A lowercase copy whose every field is a well-formed ABI word (`Header` as PlasmaRoot decodes it). */
function headerInput(h: Header): Header {
  return {
    chainId: bytes32Input(h.chainId, 'header.chainId'),
    number: uintInput(h.number, 64, 'header.number'),
    parentHash: bytes32Input(h.parentHash, 'header.parentHash'),
    txRoot: bytes32Input(h.txRoot, 'header.txRoot'),
    stateRoot: bytes32Input(h.stateRoot, 'header.stateRoot'),
    exitRoot: bytes32Input(h.exitRoot, 'header.exitRoot'),
    depositNonce: uintInput(h.depositNonce, 64, 'header.depositNonce'),
    timestamp: uintInput(h.timestamp, 64, 'header.timestamp'),
  };
}

/** What finalizeExit and consumeEdgeEvent share: where the leaf is and the proof that it is there. */
interface UpInput {
  child: ChainId;
  header: Header;
  windowEnd: bigint;
  index: bigint;
  proof: Uint8Array[];
  now: bigint;
}

function upInput(p: Omit<FinalizeExitParams, 'exit'>): UpInput {
  return {
    child: bytes32Input(p.child, 'child'),
    header: headerInput(p.header),
    windowEnd: uintInput(p.windowEnd, 64, 'windowEnd'),
    index: uintInput(typeof p.index === 'number' && Number.isSafeInteger(p.index) ? BigInt(p.index) : p.index, 256, 'index'),
    proof: p.proof.map((sibling, i) => toWordInput(sibling, `proof[${i}]`)),
    now: uintInput(p.now, 256, 'now'),
  };
}

function accountWitnessInput(a: AccountWitness): AccountWitness {
  if (!Number.isInteger(a.slot) || a.slot < 0 || a.slot > 0xffffffff) throw badInput('account.slot', 'a uint32');
  if (!Array.isArray(a.proof) || a.proof.length !== 32) throw badInput('account.proof', '32 siblings');
  return {
    slot: a.slot,
    owner: normalizeAddress(a.owner),
    token: normalizeAddress(a.token),
    balance: uintInput(a.balance, 256, 'account.balance'),
    nonce: uintInput(a.nonce, 64, 'account.nonce'),
    proof: a.proof.map((sibling, i) => bytes32Input(sibling, `account.proof[${i}]`)),
  };
}

function exitInput(exit: Exit): Exit {
  return { recipient: normalizeAddress(exit.recipient), token: normalizeAddress(exit.token), amount: uintInput(exit.amount, 256, 'exit.amount') };
}

function edgeEventInput(p: { fn: Hex; sender: Address; payload: Hex }): { fn: Hex; sender: Address; payload: Hex } {
  return { fn: bytes32Input(p.fn, 'fn'), sender: normalizeAddress(p.sender), payload: hexInput(p.payload, 'payload') };
}

function hexInput(value: string, field: string): Hex {
  if (!isHex(value)) throw badInput(field, '0x-hex bytes (an even number of digits)', 'INVALID_HEX');
  return value.toLowerCase() as Hex;
}

function bytes32Input(value: string, field: string): Hex {
  if (!isHex(value, 32)) throw badInput(field, 'a bytes32 (0x and 64 hex digits)', 'INVALID_HEX');
  return value.toLowerCase() as Hex;
}

function toWordInput(value: Hex | Uint8Array, field: string): Uint8Array {
  try {
    return toBytes(value, 32);
  } catch {
    throw badInput(field, 'a bytes32', 'INVALID_HEX');
  }
}

function uintInput(value: unknown, bits: number, field: string): bigint {
  if (typeof value !== 'bigint' || value < 0n || value >> BigInt(bits) !== 0n) throw badInput(field, `a uint${bits} (bigint)`);
  return value;
}

function badInput(field: string, expected: string, code: 'VALUE_OUT_OF_RANGE' | 'INVALID_HEX' = 'VALUE_OUT_OF_RANGE'): PlasmaError {
  return new PlasmaError(code, `${field} must be ${expected}`, { data: { field }, hint: 'pass values the contract ABI could encode' });
}
