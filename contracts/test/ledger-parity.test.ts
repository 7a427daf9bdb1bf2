/**
 * Shared vectors of the parent rules (docs/TREE.md §1): one operation sequence, run step by step against
 * PlasmaRoot on a real Hardhat node and against core's ParentLedger with selfId = bytes32(0), so that both
 * name their children keccak256(abi.encode(0, index)). After every step both must agree on the outcome (the
 * result, or the custom error with the same arguments: BondTooLow ↔ BOND_TOO_LOW, args ↔ `data` by name) and
 * on everything observable: children, configuration and head, deposit records, subtree balances, commitment
 * records, spent exits. The ledger's `now` is the block timestamp of the step's L1 transaction. Edge events
 * (docs/EDGE.md) too: sendEdgeEvent / sendMessage ↔ recordEdgeEvent, relayMessage ↔ consumeEdgeEvent.
 *
 * Not in the vectors, because a ledger moves no coins (the host does): NotAnERC20 (the ledger's `deposit`
 * takes address(0) as the native coin), EthTransferFailed and the ERC-20 pull failures.
 *
 * Known differences (docs/FRAUD.md, phase 1 is the root only), each checked explicitly rather than skipped:
 * - MIN_BOND: PlasmaRoot's is 0.2 ether (core's ROOT_MIN_BOND: half of it pays the worst-case fraud proof,
 *   FRAUD.md §1); ParentLedger's SPAWN_CHILD minimum stays core's MIN_BOND (0.01) until phase 2 brings fraud proofs
 *   to chain parents. Spawns bond ROOT_MIN_BOND (valid on both); a bond below both is BondTooLow on both (the
 *   `minimum` argument is each side's own); a bond between the two (`differs: 'min-bond'`) is refused by the root
 *   only, and the ledger's acceptance is checked inside a checkpoint it then reverts.
 * - Fraud proofs (docs/FRAUD.md §7): PlasmaRoot.prove* ↔ ParentLedger.proveFraud (the same arguments: core's
 *   encodeFraudProofArgs is the root call's argument list after chainId) are compared in their own section below,
 *   first in the file (L1 time cannot go back): outcome (FraudProven's number, kind and reward ↔ the ledger's result,
 *   or the same error, PlasmaFraudVerifier's included), then head, bond, chainStatus and records. The escape hatch
 *   (docs/FRAUD.md §8): escapeExit ↔ ParentLedger.escapeExit (kind 11, the same arguments: core's
 *   encodeEscapeChildExitData is the call's argument list after the selector), reclaimDeposit ↔ reclaimDeposit (kind
 *   12): what is paid (EscapeExit / DepositReclaimed ↔ the ledger's payment) or the same error, then isEscaped,
 *   subtree balances and records. The stall limits (freezeStalled) have no ParentLedger counterpart yet: their errors
 *   are in PHASE_2 below.
 */
import * as core from '@plasma-tree/core';
import {
  Contract,
  ErrorDescription,
  Interface,
  JsonRpcProvider,
  MaxUint256,
  Signature,
  Wallet,
  concat,
  toBeHex,
  toQuantity,
  zeroPadValue,
  type Result as Result_,
  type TransactionReceipt,
} from 'ethers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deployContract, loadArtifact } from '../index.js';
import { COMMITMENT_TYPES, ETH_TOKEN, ROOT_CHAIN_ID, ZERO_BYTES32 } from '../encoding.js';
import { setup, type Fixture } from './helpers.js';

// ---- the vectors ------------------------------------------------------------------------------------------

type Actor = 'deployer' | 'alice' | 'bob' | 'carol' | 'v0' | 'v1' | 'v2' | 'v3' | 'outsider' | 'zero';
type TokenName = 'ETH' | 'TST';
/** How a valid, sorted quorum is spoiled before it is submitted. */
type SignatureTamper = 'reverse' | 'repeat-first' | 'high-s' | 'bad-v' | 'zero-r' | 'cut-byte';

interface ExitSpec {
  to: Actor;
  token: TokenName;
  amount: bigint;
}

/** A message a child sends up to L1 (to the test receiver), as a leaf of its block's exit tree. */
interface MessageSpec {
  from: Actor;
  data: string;
}

interface Outcome {
  /** The PlasmaRoot custom error the step must revert with; absent = it must succeed. */
  reverts?: string;
  /** Absolute L1 timestamp of the step (default: one second after the previous step). */
  at?: bigint;
}

/** A child spawned by `deployer`; `validators` as actors, or a number of generated addresses. */
interface SpawnStep extends Outcome {
  op: 'spawn';
  /** A documented difference between the two sides (see the top of the file). */
  differs?: 'min-bond';
  as?: string;
  validators: readonly Actor[] | number;
  threshold: number;
  window: bigint;
  bond?: bigint;
}

/** A deposit by `alice` (depositETH or depositERC20 on L1). Chain '?' is unknown. */
interface DepositStep extends Outcome {
  op: 'deposit';
  chain: string;
  to: Actor;
  token: TokenName;
  amount: bigint;
}

/** Block `block` (a label) of `chain`, committed with the signatures of `signers`. */
interface CommitStep extends Outcome {
  op: 'commit';
  block: string;
  chain: string;
  number: bigint;
  /** Label of the committed parent block, or any other text for a parent hash that is not the head. */
  parent?: string;
  depositNonce: bigint;
  exits?: readonly ExitSpec[];
  /** Leaves after the exits: message `i` is leaf `exits.length + i`. */
  messages?: readonly MessageSpec[];
  signers: readonly Actor[];
  tamper?: SignatureTamper;
  /** The chain the header names, when it differs from the one committed to. */
  headerChain?: string;
}

interface WaitStep {
  op: 'wait';
  seconds: bigint;
}

/** Finalizes exit `leaf` of committed block `block`, possibly forged. */
interface ExitStep extends Outcome {
  op: 'exit';
  block: string;
  leaf: number;
  /** The index claimed (default: `leaf`). */
  index?: bigint;
  /** Fields changed after the proof was made. */
  forge?: Partial<ExitSpec>;
  proof?: 'short';
  windowEnd?: 'later';
  /** The chain it is claimed from, when it differs from the block's. */
  chain?: string;
}

/** An edge event sent down by `alice`: `size` bytes of payload (counter), or of data for `carol` (message). */
interface SendStep extends Outcome {
  op: 'send';
  chain: string;
  fn: 'counter' | 'message';
  size: number;
}

/** Relays message `message` of committed block `block`, possibly forged. */
interface RelayStep extends Outcome {
  op: 'relay';
  block: string;
  message: number;
  /** The index claimed (default: the message's leaf). */
  index?: bigint;
  forge?: Partial<MessageSpec>;
  proof?: 'short';
  windowEnd?: 'later';
  chain?: string;
}

type Step = SpawnStep | DepositStep | CommitStep | WaitStep | ExitStep | SendStep | RelayStep;

const ETHER = 10n ** 18n;
const DAY = 86_400n;
const QUORUM: Actor[] = ['v0', 'v1', 'v2', 'v3'];
const COUNTER_FN = core.edgeFunctionId('example/counter/v1');

const VECTORS: readonly Step[] = [
  // ---- child registry
  { op: 'spawn', as: 'A', validators: QUORUM, threshold: 3, window: 100n },
  { op: 'spawn', as: 'B', validators: ['v3', 'v1'], threshold: 1, window: 30n * DAY, bond: 2n * ETHER }, // unsorted set, longest window
  { op: 'spawn', as: 'W', validators: 256, threshold: 255, window: 1n, bond: core.rootMinBond(255) }, // the widest set (threshold is a uint8); the root's bond grows with it
  { op: 'spawn', validators: 256, threshold: 255, window: 1n, bond: core.rootMinBond(255) - 1n, reverts: 'BondTooLow', differs: 'min-bond' },
  { op: 'spawn', validators: ['v0'], threshold: 1, window: 100n, bond: core.MIN_BOND - 1n, reverts: 'BondTooLow' },
  { op: 'spawn', validators: ['v0'], threshold: 1, window: 100n, bond: core.ROOT_MIN_BOND - 1n, reverts: 'BondTooLow', differs: 'min-bond' },
  { op: 'spawn', validators: [], threshold: 1, window: 100n, bond: 0n, reverts: 'BondTooLow' }, // the bond is checked first
  { op: 'spawn', validators: [], threshold: 1, window: 100n, reverts: 'EmptyValidatorSet' },
  { op: 'spawn', validators: 257, threshold: 1, window: 100n, reverts: 'TooManyValidators' },
  { op: 'spawn', validators: ['v0'], threshold: 0, window: 100n, reverts: 'BadThreshold' },
  { op: 'spawn', validators: ['v0', 'v1'], threshold: 3, window: 100n, reverts: 'BadThreshold' },
  { op: 'spawn', validators: ['v0'], threshold: 1, window: 0n, reverts: 'BadChallengeWindow' },
  { op: 'spawn', validators: ['v0'], threshold: 1, window: 30n * DAY + 1n, reverts: 'BadChallengeWindow' },
  { op: 'spawn', validators: ['v0', 'zero'], threshold: 1, window: 100n, reverts: 'ZeroAddressValidator' },
  { op: 'spawn', validators: ['zero', 'v0', 'zero'], threshold: 1, window: 100n, reverts: 'ZeroAddressValidator' }, // before duplicates
  { op: 'spawn', validators: ['v2', 'v1', 'v2', 'v1'], threshold: 2, window: 100n, reverts: 'DuplicateValidator' }, // the lowest one
  { op: 'spawn', validators: ['v0'], threshold: 1, window: 100n, bond: 1n << 96n, reverts: 'SafeCastOverflowedUintDowncast' },

  // ---- deposits: ETH and ERC-20 share one nonce sequence per chain
  { op: 'deposit', chain: 'A', to: 'bob', token: 'ETH', amount: ETHER },
  { op: 'deposit', chain: 'A', to: 'carol', token: 'TST', amount: 500n },
  { op: 'deposit', chain: 'B', to: 'bob', token: 'ETH', amount: 7n },
  { op: 'deposit', chain: 'A', to: 'bob', token: 'ETH', amount: 0n, reverts: 'ZeroAmount' },
  { op: 'deposit', chain: 'A', to: 'bob', token: 'TST', amount: 0n, reverts: 'ZeroAmount' },
  { op: 'deposit', chain: '?', to: 'bob', token: 'ETH', amount: 0n, reverts: 'ZeroAmount' }, // before the chain
  { op: 'deposit', chain: '?', to: 'bob', token: 'ETH', amount: 1n, reverts: 'UnknownChain' },
  { op: 'deposit', chain: '?', to: 'zero', token: 'TST', amount: 1n, reverts: 'UnknownChain' }, // before the recipient
  { op: 'deposit', chain: 'A', to: 'zero', token: 'ETH', amount: 1n, reverts: 'ZeroRecipient' },
  { op: 'deposit', chain: 'A', to: 'zero', token: 'TST', amount: 1n, reverts: 'ZeroRecipient' },

  // ---- commitments of chain A (3 of 4; deposits 1..2 recorded)
  { op: 'commit', block: 'A/1', chain: 'A', number: 1n, parent: 'bogus', depositNonce: 1n, signers: ['v0', 'v1', 'v2'], reverts: 'WrongParentHash' },
  { op: 'commit', block: 'A/1', chain: 'A', number: 1n, depositNonce: 1n, signers: ['v0', 'v1', 'v2'] },
  { op: 'commit', block: 'A/2', chain: 'A', number: 2n, parent: 'A/1', depositNonce: 2n, signers: ['v0', 'v1'], reverts: 'NotEnoughSignatures' },
  { op: 'commit', block: 'A/2', chain: 'A', number: 2n, parent: 'A/1', depositNonce: 2n, signers: ['v0', 'v1', 'v2'], tamper: 'reverse', reverts: 'SignersNotSorted' },
  { op: 'commit', block: 'A/2', chain: 'A', number: 2n, parent: 'A/1', depositNonce: 2n, signers: ['v0', 'v1', 'v2'], tamper: 'repeat-first', reverts: 'SignersNotSorted' },
  { op: 'commit', block: 'A/2', chain: 'A', number: 2n, parent: 'A/1', depositNonce: 2n, signers: ['v0', 'v1', 'outsider'], reverts: 'SignerNotValidator' },
  { op: 'commit', block: 'A/2', chain: 'A', number: 2n, parent: 'A/1', depositNonce: 2n, signers: ['v0', 'v1', 'v2'], tamper: 'high-s', reverts: 'SignatureHighS' },
  { op: 'commit', block: 'A/2', chain: 'A', number: 2n, parent: 'A/1', depositNonce: 2n, signers: ['v0', 'v1', 'v2'], tamper: 'bad-v', reverts: 'SignatureBadV' },
  { op: 'commit', block: 'A/2', chain: 'A', number: 2n, parent: 'A/1', depositNonce: 2n, signers: ['v0', 'v1', 'v2'], tamper: 'zero-r', reverts: 'InvalidSignature' },
  { op: 'commit', block: 'A/2', chain: 'A', number: 2n, parent: 'A/1', depositNonce: 2n, signers: ['v0', 'v1', 'v2'], tamper: 'cut-byte', reverts: 'BadSignaturesLength' },
  { op: 'commit', block: 'A/3', chain: 'A', number: 3n, parent: 'A/1', depositNonce: 2n, signers: ['v0', 'v1', 'v2'], reverts: 'WrongBlockNumber' },
  { op: 'commit', block: 'A/1', chain: 'A', number: 1n, depositNonce: 1n, signers: ['v0', 'v1', 'v2'], reverts: 'WrongBlockNumber' }, // again
  { op: 'commit', block: 'A/2', chain: 'A', number: 2n, parent: 'bogus', depositNonce: 2n, signers: ['v0', 'v1', 'v2'], reverts: 'WrongParentHash' },
  { op: 'commit', block: 'A/2', chain: 'A', number: 2n, parent: 'A/1', depositNonce: 0n, signers: ['v0', 'v1', 'v2'], reverts: 'DepositNonceOutOfRange' },
  { op: 'commit', block: 'A/2', chain: 'A', number: 2n, parent: 'A/1', depositNonce: 3n, signers: ['v0', 'v1', 'v2'], reverts: 'DepositNonceOutOfRange' },
  { op: 'commit', block: 'A/2', chain: 'A', number: 2n, parent: 'A/1', depositNonce: 2n, signers: ['v0', 'v1', 'v2'], headerChain: 'B', reverts: 'ChainIdMismatch' },
  { op: 'commit', block: '?/1', chain: '?', number: 1n, depositNonce: 0n, signers: ['v0', 'v1', 'v2'], reverts: 'UnknownChain' },
  { op: 'commit', block: 'A/2', chain: 'A', number: 2n, parent: 'A/1', depositNonce: 2n, signers: QUORUM }, // more than the threshold is fine
  { op: 'commit', block: 'B/1', chain: 'B', number: 1n, depositNonce: 1n, signers: ['v1'] },
  { op: 'deposit', chain: 'A', to: 'carol', token: 'ETH', amount: 3n }, // nonce 3, after the commits

  // ---- exits of chain L, whose quorum signs a block that also holds lies
  { op: 'spawn', as: 'L', validators: QUORUM, threshold: 3, window: 100n },
  { op: 'deposit', chain: 'L', to: 'alice', token: 'ETH', amount: ETHER },
  { op: 'deposit', chain: 'L', to: 'alice', token: 'TST', amount: 100n * ETHER },
  {
    op: 'commit', block: 'L/1', chain: 'L', number: 1n, depositNonce: 2n, signers: ['v1', 'v2', 'v3'],
    exits: [
      { to: 'bob', token: 'ETH', amount: (4n * ETHER) / 10n }, // 0
      { to: 'carol', token: 'TST', amount: 40n * ETHER }, // 1
      { to: 'bob', token: 'ETH', amount: 0n }, // 2: a zero exit
      { to: 'outsider', token: 'ETH', amount: 5n * ETHER }, // 3: a lie, more than L ever received
      { to: 'outsider', token: 'TST', amount: 61n * ETHER }, // 4: a lie that only fits until exit 1 is paid
      { to: 'carol', token: 'ETH', amount: (6n * ETHER) / 10n }, // 5: with exit 0, all of L's ETH
    ],
  },
  { op: 'exit', block: 'L/1', leaf: 0, reverts: 'ChallengeWindowOpen' },
  { op: 'wait', seconds: 98n },
  { op: 'exit', block: 'L/1', leaf: 0 }, // exactly at windowEnd (commit + 1 + 98 + 1)
  { op: 'exit', block: 'L/1', leaf: 0, reverts: 'AlreadyWithdrawn' },
  { op: 'exit', block: 'L/1', leaf: 5, forge: { amount: ETHER }, reverts: 'InvalidExitProof' },
  { op: 'exit', block: 'L/1', leaf: 5, forge: { to: 'outsider' }, reverts: 'InvalidExitProof' },
  { op: 'exit', block: 'L/1', leaf: 5, index: 4n, reverts: 'InvalidExitProof' }, // a proof for another index
  { op: 'exit', block: 'L/1', leaf: 5, index: 65_536n + 5n, reverts: 'ExitIndexOutOfRange' },
  { op: 'exit', block: 'L/1', leaf: 5, proof: 'short', reverts: 'BadProofLength' },
  { op: 'exit', block: 'L/1', leaf: 5, windowEnd: 'later', reverts: 'UnknownCommitment' },
  { op: 'exit', block: 'L/1', leaf: 5, chain: 'A', reverts: 'UnknownCommitment' }, // L's block presented as A's
  { op: 'exit', block: 'L/1', leaf: 2, reverts: 'ZeroAmount' },
  { op: 'exit', block: 'L/1', leaf: 3, reverts: 'SubtreeBalanceExceeded' },
  { op: 'exit', block: 'L/1', leaf: 4 }, // 61 of L's 100 TST: allowed, the lie only takes L's own deposits
  { op: 'exit', block: 'L/1', leaf: 1, reverts: 'SubtreeBalanceExceeded' }, // the honest 40 no longer fit
  { op: 'exit', block: 'L/1', leaf: 5 }, // L's ETH subtree balance reaches 0
  { op: 'deposit', chain: 'L', to: 'alice', token: 'ETH', amount: 1n },

  // ---- edge events down: the deposits' nonce stream (B holds deposit 1)
  { op: 'send', chain: 'B', fn: 'counter', size: 33 }, // nonce 2
  { op: 'send', chain: 'B', fn: 'message', size: 4 }, // nonce 3
  { op: 'deposit', chain: 'B', to: 'carol', token: 'ETH', amount: 2n }, // nonce 4
  { op: 'send', chain: 'B', fn: 'counter', size: core.MAX_EDGE_PAYLOAD },
  { op: 'send', chain: 'B', fn: 'counter', size: 0 },
  { op: 'send', chain: 'B', fn: 'counter', size: core.MAX_EDGE_PAYLOAD + 1, reverts: 'PayloadTooLarge' },
  { op: 'send', chain: 'B', fn: 'message', size: core.MAX_EDGE_PAYLOAD - 95, reverts: 'PayloadTooLarge' }, // 96 + 4032 bytes
  { op: 'send', chain: '?', fn: 'counter', size: core.MAX_EDGE_PAYLOAD + 1, reverts: 'PayloadTooLarge' }, // before the chain
  { op: 'send', chain: '?', fn: 'message', size: 1, reverts: 'UnknownChain' },

  // ---- messages up, beside a token exit in the same block, in the same spent set
  { op: 'spawn', as: 'M', validators: QUORUM, threshold: 3, window: 100n },
  { op: 'deposit', chain: 'M', to: 'alice', token: 'ETH', amount: ETHER },
  {
    op: 'commit', block: 'M/1', chain: 'M', number: 1n, depositNonce: 1n, signers: ['v0', 'v2', 'v3'],
    exits: [{ to: 'bob', token: 'ETH', amount: ETHER / 2n }], // leaf 0
    messages: [
      { from: 'alice', data: '0xdeadbeef' }, // leaf 1
      { from: 'carol', data: '0x' }, // leaf 2
      { from: 'bob', data: `0x${'5a'.repeat(33)}` }, // leaf 3
    ],
  },
  { op: 'relay', block: 'M/1', message: 0, reverts: 'ChallengeWindowOpen' },
  { op: 'wait', seconds: 98n },
  { op: 'relay', block: 'M/1', message: 0 }, // exactly at windowEnd
  { op: 'relay', block: 'M/1', message: 0, reverts: 'AlreadyWithdrawn' },
  { op: 'relay', block: 'M/1', message: 1, forge: { from: 'bob' }, reverts: 'InvalidExitProof' },
  { op: 'relay', block: 'M/1', message: 1, forge: { data: '0x00' }, reverts: 'InvalidExitProof' },
  { op: 'relay', block: 'M/1', message: 1, index: 3n, reverts: 'InvalidExitProof' }, // a proof for another index
  { op: 'relay', block: 'M/1', message: 1, index: 0n, reverts: 'InvalidExitProof' }, // the token exit's index
  { op: 'relay', block: 'M/1', message: 1, index: 65_536n + 2n, reverts: 'ExitIndexOutOfRange' },
  { op: 'relay', block: 'M/1', message: 1, proof: 'short', reverts: 'BadProofLength' },
  { op: 'relay', block: 'M/1', message: 1, windowEnd: 'later', reverts: 'UnknownCommitment' },
  { op: 'relay', block: 'M/1', message: 1, chain: 'A', reverts: 'UnknownCommitment' }, // M's block presented as A's
  { op: 'exit', block: 'M/1', leaf: 0 },
  { op: 'relay', block: 'M/1', message: 1 },
  { op: 'relay', block: 'M/1', message: 2 },

  // ---- last, because L1 time cannot go back: windowEnd at the edge of PlasmaRoot's uint40
  { op: 'commit', block: 'A/3', chain: 'A', number: 3n, parent: 'A/2', depositNonce: 3n, signers: QUORUM, at: (1n << 40n) - 101n }, // 2^40 - 1 fits
  { op: 'commit', block: 'A/4', chain: 'A', number: 4n, parent: 'A/3', depositNonce: 3n, signers: QUORUM, at: (1n << 40n) - 100n, reverts: 'SafeCastOverflowedUintDowncast' },
];

/** PlasmaRoot's custom errors of the stall rule: mirrored step by step in test/stall-parity.e2e.test.ts (docs/FRAUD.md §8). */
const STALL_RULE = ['BadStallLimit', 'NotStalled'];
/** The custom errors the fraud section below saw both sides raise (the coverage check counts them). */
const fraudRaised = new Set<string>();
/**
 * PlasmaRoot's custom errors that need coins to move, so no ledger can raise them (see the top of the file), STALL_RULE,
 * and the verifier's CheckOutOfGas (a ledger has no gas: a starved proof is reverted, never judged; its tests are
 * contracts/test/ledger-fraud-child.test.ts's).
 */
const NOT_MIRRORED = ['NotAnERC20', 'EthTransferFailed', 'SafeERC20FailedOperation', 'ReentrancyGuardReentrantCall', 'InvalidShortString', 'StringTooLong', 'CheckOutOfGas', ...STALL_RULE];

// ---- the runner -------------------------------------------------------------------------------------------

type ActionStep = Exclude<Step, WaitStep>;

/** What one side did with a step: its result, or its refusal as a PlasmaError code and data. */
type Result = { ok: true; value: unknown } | { ok: false; code: string; data: Record<string, string> };

interface CommittedBlock {
  chainId: core.ChainId;
  header: core.Header;
  specs: readonly ExitSpec[];
  messages: readonly MessageSpec[];
  /** Exits, then messages. */
  leafCount: number;
  tree: core.MerkleTree;
  windowEnd: bigint;
}

const GAS_LIMIT = 15_000_000n; // fixed, so that a reverting transaction is mined (at the step's timestamp), not estimated
const SECP256K1_N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;
const UNKNOWN_CHAIN = core.chainIdOf(core.ROOT_CHAIN_ID, 999_999);

let f: Fixture;
let rpc: JsonRpcProvider;
let root: Contract;
let ledger: core.ParentLedger;
let domain: core.Eip712Domain;
let rootErrors: Interface;
let wallets: Record<Exclude<Actor, 'zero'>, Wallet>;
let clock: bigint;
let receiver: core.Address; // every message up is for this RecordingReceiver
const chains = new Map<string, core.ChainId>([['?', UNKNOWN_CHAIN]]);
const blocks = new Map<string, CommittedBlock>();

beforeAll(async () => {
  f = await setup();
  // Ethers waits batchStallTime (10 ms by default) before each request; a step makes several in sequence.
  rpc = new JsonRpcProvider(f.node.url, undefined, { cacheTimeout: -1, staticNetwork: true, batchStallTime: 0 });
  root = new Contract(f.rootAddress, f.root.interface, rpc);
  ledger = new core.ParentLedger(core.ROOT_CHAIN_ID);
  domain = core.plasmaDomain(31337n, lower(f.rootAddress));
  // The verifier's reverts bubble up through the root's calls: one interface decodes both (InvalidAccountProof has two
  // signatures, told apart by selector).
  const verifierErrors = (loadArtifact('PlasmaFraudVerifier').abi as { type: string }[]).filter((item) => item.type === 'error');
  rootErrors = new Interface([...(loadArtifact('PlasmaRoot').abi as { type: string }[]), ...verifierErrors]);
  const w = f.wallets;
  wallets = { deployer: w[0], alice: w[1], bob: w[2], carol: w[3], v0: w[10], v1: w[11], v2: w[12], v3: w[13], outsider: w[15] };
  // L1 plumbing the vectors take for granted: alice's tokens and allowance, and enough ETH for a 2^96 wei bond.
  await (await (f.token.connect(wallets.alice) as Contract).mint(wallets.alice.address, 1_000_000n * ETHER)).wait();
  await (await (f.token.connect(wallets.alice) as Contract).approve(f.rootAddress, MaxUint256)).wait();
  await rpc.send('hardhat_setBalance', [wallets.deployer.address, toBeHex(1n << 100n)]);
  receiver = lower((await deployContract(w[0], 'RecordingReceiver')).address);
  clock = BigInt((await rpc.getBlock('latest'))!.timestamp);
});

afterAll(async () => {
  rpc?.destroy();
  await f?.stop();
});

// ---- fraud proofs (docs/FRAUD.md §7): PlasmaRoot.prove* = ParentLedger.proveFraud ------------------------------

/** A child spawned for the fraud section, with its blocks built by core (real txs, states and post roots). */
interface FraudChain {
  label: string;
  id: core.ChainId;
  state: core.ChainState;
  ctx: core.BlockContext;
  blocks: core.Block[];
  windowEnds: bigint[];
}

/** What one side did with a proof: FraudProven's (number, kind, reward) ↔ the ledger's result, or the refusal. */
type FraudOutcome = { ok: true; value: { number: bigint; kind: number; reward: bigint } } | { ok: false; code: string; data: Record<string, string> };

const FRAUD_WINDOW = 1_000n;
const FRAUD_QUORUM: Actor[] = ['v0', 'v1', 'v2'];

describe('fraud proofs: ParentLedger.proveFraud = PlasmaRoot.prove* (docs/FRAUD.md §7)', () => {
  const key = (actor: Actor) => lower(walletOf(actor).privateKey);

  /** Sends `data` to the root at the next second (from `outsider`, the challenger) and runs `local` at that time. */
  async function both<T>(data: string, local: (now: bigint) => T, from: Actor = 'outsider'): Promise<{ l1: TransactionReceipt | { name: string; code: string; data: Record<string, string> }; local: T | { code: string; data: Record<string, string> } }> {
    clock += 1n;
    await rpc.send('evm_setNextBlockTimestamp', [Number(clock)]);
    let l1: TransactionReceipt | { name: string; code: string; data: Record<string, string> };
    try {
      l1 = await sendToRoot({ from: walletOf(from), data, value: 0n });
    } catch (e) {
      const refusal = decodeRevert(e);
      l1 = { name: refusal.name, code: screamingSnake(refusal.name), data: refusal.args };
    }
    let out: T | { code: string; data: Record<string, string> };
    try {
      out = local(clock);
    } catch (e) {
      if (!core.isPlasmaError(e)) throw e;
      out = { code: e.code, data: e.data as Record<string, string> };
    }
    return { l1, local: out };
  }

  /** spawn (deployer, ROOT_MIN_BOND, v0-v3, 3 of 4) and two deposits (1 ETH for bob, 500 TST for carol) on both sides. */
  async function newChain(label: string): Promise<FraudChain> {
    const validators = QUORUM.map(address);
    clock += 1n;
    await rpc.send('evm_setNextBlockTimestamp', [Number(clock)]);
    const receipt = await sendToRoot({ from: wallets.deployer, data: root.interface.encodeFunctionData('spawnChain', [validators, 3, FRAUD_WINDOW]), value: core.ROOT_MIN_BOND });
    const id = lower(eventOf(receipt, 'ChainSpawned').chainId);
    expect(ledger.spawnChild({ validators, threshold: 3, challengeWindow: FRAUD_WINDOW, bond: core.ROOT_MIN_BOND, spawner: address('deployer'), now: clock })).toBe(id);
    chains.set(label, id);
    await deposit(id, 'bob', 'ETH', ETHER);
    await deposit(id, 'carol', 'TST', 500n);
    const ctx: core.BlockContext = { chainId: id, domain, depositRecord: core.childDepositRecords(ledger, id) };
    return { label, id, state: new core.ChainState(id), ctx, blocks: [], windowEnds: [] };
  }

  async function deposit(id: core.ChainId, to: Actor, tokenName: TokenName, amount: bigint): Promise<void> {
    const t = token(tokenName);
    const data = t === ETH_TOKEN ? root.interface.encodeFunctionData('depositETH', [id, address(to)]) : root.interface.encodeFunctionData('depositERC20', [id, t, address(to), amount]);
    clock += 1n;
    await rpc.send('evm_setNextBlockTimestamp', [Number(clock)]);
    await sendToRoot({ from: wallets.alice, data, value: t === ETH_TOKEN ? amount : 0n });
    ledger.deposit({ child: id, from: address('alice'), to: address(to), token: t, amount, now: clock });
  }

  /** The honest block 1: both deposits, then bob sends 0.1 ETH to alice. */
  function honestBlock1(c: FraudChain): core.Block {
    const b = new core.BlockBuilder({ parent: null, state: c.state, ctx: c.ctx, timestamp: clock });
    b.addDeposit({ chainId: c.id, nonce: 1n, from: address('alice'), to: address('bob'), token: ETH_TOKEN as core.Address, amount: ETHER });
    b.addDeposit({ chainId: c.id, nonce: 2n, from: address('alice'), to: address('carol'), token: token('TST'), amount: 500n });
    b.addSignedTx(userTx('bob', { kind: core.TxKind.Transfer, chainId: c.id, slot: 0, to: address('alice'), token: ETH_TOKEN as core.Address, amount: ETHER / 10n, nonce: 0n }));
    return b.seal();
  }

  function userTx(actor: Actor, tx: core.UnsignedTx): core.SignedTx {
    return { ...tx, signature: core.secp256k1Scheme.sign(core.signedTxDigest(domain, tx), key(actor)) } as core.SignedTx;
  }

  /** A block on `parent` with these txs and claimed post roots (the root does not re-execute; the proof does). */
  function forged(parent: core.Header, txs: core.BlockTx[], postRoots: core.Hex[], over: Partial<core.Header> = {}): core.Block {
    const header: core.Header = {
      chainId: parent.chainId, number: parent.number + 1n, parentHash: core.hashHeader(parent), txRoot: core.bytesToHex(core.computeTxRoot(txs, postRoots)),
      stateRoot: postRoots[postRoots.length - 1] ?? parent.stateRoot, exitRoot: core.bytesToHex(core.computeExitRoot([])), depositNonce: parent.depositNonce, timestamp: parent.timestamp, ...over,
    };
    return { header, hash: core.hashHeader(header), txs, postRoots, exits: [] };
  }

  function quorum(h: core.Header, signers: readonly Actor[] = FRAUD_QUORUM): core.Hex {
    const digest = core.commitmentDigest(domain, h.chainId, h.number, core.hashHeader(h));
    const sorted = [...signers].sort((a, b) => (BigInt(address(a)) < BigInt(address(b)) ? -1 : 1));
    return core.bytesToHex(core.concatBytes(...sorted.map((a) => core.hexToBytes(core.secp256k1Scheme.sign(digest, key(a))))));
  }

  /** Commits `block` of `c` on both sides; returns the outcome pair (equal when it got here). */
  async function commit(c: FraudChain, block: core.Block, expectError?: string): Promise<void> {
    const signatures = quorum(block.header);
    const r = await both(root.interface.encodeFunctionData('commit', [c.id, block.header, signatures]), (now) => ledger.commit({ child: c.id, header: block.header, signatures, now, domain }));
    if (expectError) {
      expect('name' in r.l1 ? r.l1.name : 'ok', 'PlasmaRoot').toBe(expectError);
      expect(r.local).toEqual({ code: (r.l1 as { code: string }).code, data: (r.l1 as { data: unknown }).data });
      fraudRaised.add(expectError);
      return;
    }
    expect('name' in r.l1 ? r.l1.name : 'ok').toBe('ok');
    const { windowEnd } = eventOf(r.l1 as TransactionReceipt, 'Committed');
    expect(r.local).toEqual({ blockHash: block.hash, windowEnd });
    c.blocks.push(block);
    c.windowEnds.push(windowEnd);
  }

  /** The proof on both sides: the root's entry point (calldata from core) and the ledger's proveFraud with its args. */
  async function prove(c: FraudChain, proof: core.FraudProofData, windows: core.ProofWindows, expectError?: string, chainId = c.id): Promise<FraudOutcome> {
    const data = core.encodeFraudProofCall(chainId, proof, windows);
    const args = core.encodeFraudProofArgs(proof, windows);
    // One encoder for both hosts: the ledger's args are the root call's argument list after chainId.
    const r = await both(data, (now) => {
      const res = ledger.proveFraud({ child: chainId, fraudKind: proof.kind, args, now, domain });
      return { number: res.number, kind: res.kind as number, reward: res.reward };
    });
    let l1: FraudOutcome;
    if ('name' in r.l1) {
      l1 = { ok: false, code: r.l1.code, data: r.l1.data };
      fraudRaised.add(r.l1.name);
    } else {
      const ev = eventOf(r.l1, 'FraudProven');
      l1 = { ok: true, value: { number: ev.number, kind: Number(ev.kind), reward: ev.reward } };
      expect(lower(ev.challenger)).toBe(address('outsider'));
    }
    const local: FraudOutcome = 'code' in (r.local as object) ? { ok: false, ...(r.local as { code: string; data: Record<string, string> }) } : { ok: true, value: r.local as { number: bigint; kind: number; reward: bigint } };
    expect(local, 'ParentLedger vs PlasmaRoot').toEqual(l1);
    expect(l1.ok ? 'ok' : (r.l1 as { name: string }).name, 'PlasmaRoot').toBe(expectError ?? 'ok');
    await expectSameChain(c.id);
    return l1;
  }

  /** Head, bond, status and every record of one child, on both sides. */
  async function expectSameChain(id: core.ChainId): Promise<void> {
    const info = ledger.childInfo(id);
    const list: Probe[] = [
      { name: 'chainInfo', l1: async () => chainInfoOf(await root.chainInfo(id)), local: () => ledgerInfoOf(info) },
      { name: 'chainStatus', l1: async () => [...(await root.chainStatus(id))], local: () => { const st = ledger.childStatus(id); return [BigInt(st.status), st.frozenAt]; } },
      ...recordProbes(labelOf(id), id, info.depositCount, 3n),
    ];
    const onL1 = await Promise.all(list.map(async (p) => [p.name, normalize(await p.l1())] as const));
    expect(Object.fromEntries(list.map((p) => [p.name, normalize(p.local())] as const))).toEqual(Object.fromEntries(onL1));
  }

  const windowsOf = (c: FraudChain, number: number): core.ProofWindows => ({ windowEnd: c.windowEnds[number - 1], prevWindowEnd: number === 1 ? 0n : c.windowEnds[number - 2] });
  const transition = (c: FraudChain, block: core.Block, index: number, prev: core.Header | null, pre: core.ChainState, allowValid = false) =>
    core.buildTransitionProof(block, index, prev, pre, c.ctx, { allowValid });
  const stateAfter1 = (c: FraudChain): core.ChainState => {
    const s = new core.ChainState(c.id);
    core.verifyBlock(c.blocks[0], null, s, c.ctx);
    return s;
  };

  let T: FraudChain;
  let E: FraudChain;
  let S: FraudChain;

  it('an invalid transfer: refusals of every witness check, then the conviction; replay and a frozen chain refused', async () => {
    T = await newChain('FT');
    await commit(T, honestBlock1(T));
    const b1 = T.blocks[0];
    // A valid tx proves nothing: NotFraud(1, TX_VALID) on both.
    await prove(T, transition(T, b1, 2, null, new core.ChainState(T.id), true), windowsOf(T, 1), 'NotFraud');
    // bob overspends in block 2 (sender left at 0, alice credited all of it: the post root of the lie).
    const pre = stateAfter1(T);
    const lie = core.placeSignedTx(pre, userTx('bob', { kind: core.TxKind.Transfer, chainId: T.id, slot: 0, to: address('alice'), token: ETH_TOKEN as core.Address, amount: 5n * ETHER, nonce: 1n }), T.ctx);
    const bad = forged(b1.header, [lie], [core.bytesToHex(core.keccak256(new TextEncoder().encode('lie')))], { timestamp: clock });
    await commit(T, bad);
    const proof = transition(T, bad, 0, b1.header, stateAfter1(T)) as core.TransitionProof;
    expect(proof.fault).toBe(core.TransitionFault.InsufficientBalance);
    const w = windowsOf(T, 2);
    // Each common check and each witness check, refused alike.
    await prove(T, proof, { ...w, windowEnd: w.windowEnd + 1n }, 'UnknownCommitment');
    await prove(T, proof, { ...w, prevWindowEnd: w.prevWindowEnd + 1n }, 'WrongPrevHeader');
    await prove(T, { ...proof, tx: { ...proof.tx, postStateRoot: core.ZERO_BYTES32 } }, w, 'TxNotInBlock');
    await prove(T, { ...proof, tx: { ...proof.tx, index: 65_536 } }, w, 'TxIndexOutOfRange');
    await prove(T, { ...proof, accountsRoot: core.ZERO_BYTES32 }, w, 'PreStateMismatch');
    await prove(T, { ...proof, accounts: [] }, w, 'MissingAccountWitness');
    await prove(T, { ...proof, accounts: [{ ...proof.accounts[0], slot: 7 }] }, w, 'WrongWitnessSlot');
    await prove(T, { ...proof, accounts: [{ ...proof.accounts[0], balance: 10n * ETHER }] }, w, 'InvalidAccountProof');
    // A transition proof against block 1's tx 1 with the witness of tx 0 as its pre-tx and the wrong index: BadPreTx.
    const p1 = transition(T, b1, 2, null, new core.ChainState(T.id), true);
    await prove(T, { ...p1, preTx: core.txWitness(b1, 0) }, windowsOf(T, 1), 'BadPreTx');
    // The conviction: head 1, bond 0 (half to the challenger), frozen.
    const convicted = await prove(T, proof, w);
    expect(convicted).toEqual({ ok: true, value: { number: 2n, kind: core.FraudKind.InvalidTransfer, reward: core.ROOT_MIN_BOND / 2n } });
    expect(ledger.childInfo(T.id)).toMatchObject({ headNumber: 1n, bond: 0n });
    expect(ledger.childStatus(T.id).status).toBe(core.ChainStatus.FrozenFraud);
    await prove(T, proof, w, 'UnknownCommitment'); // a replay: block 2 is above the head
    // Frozen: no commits, deposits or down events.
    await commit(T, bad, 'ChainIsFrozen');
    const dep = await both(root.interface.encodeFunctionData('depositERC20', [T.id, token('TST'), address('bob'), 1n]), (now) => ledger.deposit({ child: T.id, from: address('alice'), to: address('bob'), token: token('TST'), amount: 1n, now }), 'alice');
    expect(dep.l1).toMatchObject({ name: 'ChainIsFrozen' });
    expect(dep.local).toEqual({ code: 'CHAIN_IS_FROZEN', data: (dep.l1 as { data: unknown }).data });
    const send = await both(root.interface.encodeFunctionData('sendEdgeEvent', [T.id, COUNTER_FN, '0x01']), (now) => ledger.recordEdgeEvent({ child: T.id, fn: COUNTER_FN, sender: address('alice'), payload: '0x01', now }), 'alice');
    expect(send.l1).toMatchObject({ name: 'ChainIsFrozen' });
    expect(send.local).toEqual({ code: 'CHAIN_IS_FROZEN', data: (send.l1 as { data: unknown }).data });
    // Proofs still run against a frozen chain (an earlier block in its window could roll it back further).
    await prove(T, { kind: core.FraudKind.BadTimestamp, header: b1.header, prev: core.ZERO_HEADER }, windowsOf(T, 1), 'NotFraud');
    await expectSameViews();
  });

  it('a forged deposit (InvalidDeposit) and a transition against a tx of kind 17 (ProofKindNotSupported: no kind, no module)', async () => {
    const D = await newChain('FD');
    await commit(D, honestBlock1(D));
    await deposit(D.id, 'bob', 'ETH', 1n);
    const b1 = D.blocks[0];
    const pre = stateAfter1(D);
    const forgedDeposit = core.placeDeposit(pre, { chainId: D.id, nonce: 3n, from: address('alice'), to: address('carol'), token: ETH_TOKEN as core.Address, amount: 1000n });
    const objection = { ...core.EMPTY_TX, kind: 17 as core.TxKind };
    const roots = [text('d1'), text('d2')];
    const bad = forged(b1.header, [forgedDeposit, objection], roots, { depositNonce: 3n, timestamp: clock });
    await commit(D, bad);
    const w = windowsOf(D, 2);
    const kind17 = { ...(transition(D, bad, 0, b1.header, stateAfter1(D)) as core.TransitionProof), kind: core.FraudKind.InvalidTransfer as const, tx: core.txWitness(bad, 1), preTx: core.txWitness(bad, 0) };
    await prove(D, kind17, w, 'ProofKindNotSupported');
    const proof = transition(D, bad, 0, b1.header, stateAfter1(D));
    expect(proof.fault).toBe(core.TransitionFault.DepositMismatch);
    expect(await prove(D, proof, w)).toEqual({ ok: true, value: { number: 2n, kind: core.FraudKind.InvalidDeposit, reward: core.ROOT_MIN_BOND / 2n } });
  });

  it('a missing down event (an empty position), and NotFraud for a position outside the down stream or holding its event', async () => {
    const M = await newChain('FM');
    await commit(M, honestBlock1(M));
    const b1 = M.blocks[0];
    await prove(M, { kind: core.FraudKind.MissingDownEvent, header: b1.header, prev: core.ZERO_HEADER, tx: core.txWitness(b1, 0) }, windowsOf(M, 1), 'NotFraud'); // DOWN_EVENT_PRESENT
    await prove(M, { kind: core.FraudKind.MissingDownEvent, header: b1.header, prev: core.ZERO_HEADER, tx: core.txWitness(b1, 2) }, windowsOf(M, 1), 'NotFraud'); // NOT_A_DOWN_POSITION
    await deposit(M.id, 'bob', 'ETH', 1n);
    const bad = forged(b1.header, [], [], { depositNonce: 3n, timestamp: clock }); // claims nonce 3, applies nothing
    await commit(M, bad);
    const proof = core.buildMissingDownEventProof(bad, 0, b1.header);
    expect(await prove(M, proof, windowsOf(M, 2))).toEqual({ ok: true, value: { number: 2n, kind: core.FraudKind.MissingDownEvent, reward: core.ROOT_MIN_BOND / 2n } });
  });

  it('a skipped deposit (kind 9): NotFraud with nothing pending and up to the deadline, convicted one second past it', async () => {
    const K = await newChain('FK');
    await commit(K, honestBlock1(K));
    const b1 = K.blocks[0];
    const skipped = (h: core.Header, prev: core.Header): core.FraudProofData => ({ kind: core.FraudKind.SkippedDeposit, header: h, prev });
    await prove(K, skipped(b1.header, core.ZERO_HEADER), windowsOf(K, 1), 'NotFraud'); // nothing recorded after its deposits
    await deposit(K.id, 'bob', 'ETH', 1n); // nonce 3, recorded at `clock`
    const recordedAt = clock;
    const stallLimit = (await root.stallLimit(K.id)) as bigint;
    expect(ledger.stallLimit(K.id)).toBe(stallLimit);
    expect(core.recordTime(ledger.depositRecord(K.id, 3n))).toBe(recordedAt);
    // Block 2 leaves deposit 3 out and is committed exactly at the deadline: not yet overdue.
    clock = recordedAt + stallLimit - 1n;
    const atDeadline = forged(b1.header, [], [], { timestamp: clock });
    await commit(K, atDeadline);
    await prove(K, skipped(atDeadline.header, b1.header), windowsOf(K, 2), 'NotFraud'); // NOTHING_OVERDUE
    // Block 3 leaves it out one second later: convicted, rolled back to block 2.
    const late = forged(atDeadline.header, [], [], { timestamp: clock });
    await commit(K, late);
    expect(K.windowEnds[2] - FRAUD_WINDOW).toBe(recordedAt + stallLimit + 2n); // its commit time
    expect(await prove(K, skipped(late.header, atDeadline.header), windowsOf(K, 3))).toEqual({ ok: true, value: { number: 3n, kind: core.FraudKind.SkippedDeposit, reward: core.ROOT_MIN_BOND / 2n } });
    expect(ledger.childInfo(K.id)).toMatchObject({ headNumber: 2n, headDepositNonce: 2n });
  });

  it('a malformed tx (data in a transfer), and NotFraud for a well-formed one', async () => {
    const X = await newChain('FX');
    await commit(X, honestBlock1(X));
    const b1 = X.blocks[0];
    await prove(X, { kind: core.FraudKind.MalformedTx, header: b1.header, prev: core.ZERO_HEADER, tx: core.txWitness(b1, 2) }, windowsOf(X, 1), 'NotFraud'); // WELL_FORMED
    const bad = forged(b1.header, [{ ...b1.txs[2], nonce: 1n, data: '0x00' }], [text('x')], { timestamp: clock });
    await commit(X, bad);
    const proof = core.buildMalformedTxProof(bad, 0, b1.header);
    expect(await prove(X, proof, windowsOf(X, 2))).toEqual({ ok: true, value: { number: 2n, kind: core.FraudKind.MalformedTx, reward: core.ROOT_MIN_BOND / 2n } });
  });

  it('invalid exit trees (an extra exit, a wrong exit, exit indexes that do not add up, an exit in an empty block): refusals, then each conviction', async () => {
    /** Block 2 on `parent` with hand-made exit indexes and exit leaves (the header commits to both trees as given). */
    const exitBlock = (parent: core.Header, txs: core.BlockTx[], exitIndexes: number[], exitLeaves: core.Hex[]) => {
      const postRoots = txs.map((_, i) => text(`post ${i}`));
      const txTree = new core.MerkleTree(txs.map((tx, i) => core.txLeaf(tx, postRoots[i], exitIndexes[i])), core.TX_TREE_DEPTH);
      const exitTree = new core.MerkleTree(exitLeaves.map((l) => core.hexToBytes(l, 32)), core.EXIT_TREE_DEPTH);
      const block = forged(parent, txs, postRoots, { txRoot: core.bytesToHex(txTree.root), exitRoot: core.bytesToHex(exitTree.root) });
      const tx = (i: number): core.TxWitness => ({
        ...(i < txs.length ? { tx: txs[i], postStateRoot: postRoots[i], exitIndex: exitIndexes[i] } : { tx: core.EMPTY_TX, postStateRoot: core.ZERO_BYTES32, exitIndex: 0 }),
        index: i,
        proof: txTree.proof(i).map(core.bytesToHex),
      });
      const exit = (j: number): core.ExitWitness => ({ leaf: exitLeaves[j] ?? core.ZERO_BYTES32, index: j, proof: exitTree.proof(j).map(core.bytesToHex) });
      return { block, tx, exit };
    };
    const proof = (block: core.Block, tx: core.TxWitness, next: core.TxWitness, exit: core.ExitWitness): core.InvalidExitsProof =>
      ({ kind: core.FraudKind.InvalidExits, header: block.header, prev: block.header.number === 1n ? core.ZERO_HEADER : ({} as core.Header), tx, next, exit });
    const withdraw = (c: FraudChain, amount: bigint, nonce = 1n): core.BlockTx => {
      const signed = userTx('bob', { kind: core.TxKind.Withdraw, chainId: c.id, slot: 0, to: address('bob'), token: ETH_TOKEN as core.Address, amount, nonce });
      return { kind: core.TxKind.Withdraw, slot: 0, toSlot: 0, from: address('bob'), to: address('bob'), token: ETH_TOKEN as core.Address, amount, nonce, ...core.splitSignature((signed as { signature: core.Hex }).signature), data: '0x' } as core.BlockTx;
    };
    const exitOf = (tx: core.BlockTx) => core.hashExit({ recipient: tx.to, token: tx.token, amount: tx.amount });
    const minted = core.hashExit({ recipient: address('v0'), token: ETH_TOKEN as core.Address, amount: 1000n * ETHER });
    const convicted = { ok: true, value: { number: 2n, kind: core.FraudKind.InvalidExits, reward: core.ROOT_MIN_BOND / 2n } };

    // An extra exit after the block's only withdrawal (what fault injection's bad-exit-root commits).
    const A = await newChain('XA');
    await commit(A, honestBlock1(A));
    const w1 = withdraw(A, ETHER / 10n);
    const extra = exitBlock(A.blocks[0].header, [w1], [0], [exitOf(w1), minted]);
    await commit(A, extra.block);
    const pA = (tx: core.TxWitness, next: core.TxWitness, exit: core.ExitWitness) => ({ ...proof(extra.block, tx, next, exit), prev: A.blocks[0].header });
    await prove(A, pA(extra.tx(0), extra.tx(1), extra.exit(0)), windowsOf(A, 2), 'NotFraud'); // EXIT_MATCHES
    await prove(A, pA(extra.tx(0), extra.tx(2), extra.exit(1)), windowsOf(A, 2), 'BadNextTx');
    await prove(A, pA(extra.tx(0), extra.tx(1), { ...extra.exit(1), leaf: text('not the leaf') }), windowsOf(A, 2), 'ExitNotInBlock');
    await prove(A, pA(extra.tx(0), extra.tx(1), { ...extra.exit(1), index: 2 ** 16 }), windowsOf(A, 2), 'ExitIndexOutOfRange');
    await prove(A, pA(extra.tx(0), extra.tx(1), extra.exit(2)), windowsOf(A, 2), 'NotFraud'); // NO_EXTRA_EXIT
    // core finds the same leaf from the exits the operator serves.
    const served = [{ recipient: address('bob'), token: ETH_TOKEN as core.Address, amount: ETHER / 10n }, { recipient: address('v0'), token: ETH_TOKEN as core.Address, amount: 1000n * ETHER }];
    expect(core.buildInvalidExitsProof({ ...extra.block, exits: served }, A.blocks[0].header)).toMatchObject({ tx: extra.tx(0), next: extra.tx(1), exit: extra.exit(1) });
    expect(await prove(A, pA(extra.tx(0), extra.tx(1), extra.exit(1)), windowsOf(A, 2))).toEqual(convicted);

    // A wrong exit where the withdrawal's should be: the operator's 1000 ETH for bob's 0.1.
    const B = await newChain('XB');
    await commit(B, honestBlock1(B));
    const w2 = withdraw(B, ETHER / 10n);
    const wrong = exitBlock(B.blocks[0].header, [w2], [0], [minted]);
    await commit(B, wrong.block);
    expect(await prove(B, { ...proof(wrong.block, wrong.tx(0), wrong.tx(1), wrong.exit(0)), prev: B.blocks[0].header }, windowsOf(B, 2))).toEqual(convicted);

    // Exit indexes that do not add up: tx 1 claims exit index 0 after tx 0's withdrawal (both leaves are "right").
    const C = await newChain('XC');
    await commit(C, honestBlock1(C));
    const [w3, w4] = [withdraw(C, ETHER / 10n), withdraw(C, ETHER / 20n, 2n)];
    const skewed = exitBlock(C.blocks[0].header, [w3, w4], [0, 0], [exitOf(w4)]);
    await commit(C, skewed.block);
    const pC = (tx: core.TxWitness, next: core.TxWitness, exit: core.ExitWitness) => ({ ...proof(skewed.block, tx, next, exit), prev: C.blocks[0].header });
    await prove(C, pC(skewed.tx(1), skewed.tx(2), skewed.exit(0)), windowsOf(C, 2), 'NotFraud'); // tx 1's own exit matches
    await prove(C, pC(skewed.tx(1), skewed.tx(2), skewed.exit(1)), windowsOf(C, 2), 'NotFraud'); // NOT_PAST_THE_EXITS
    expect(await prove(C, pC(skewed.tx(0), skewed.tx(1), skewed.exit(1)), windowsOf(C, 2))).toEqual(convicted);

    // A block without transactions that commits to an exit.
    const D = await newChain('XD');
    await commit(D, honestBlock1(D));
    const empty = exitBlock(D.blocks[0].header, [], [], [minted]);
    await commit(D, empty.block);
    const pD = (tx: core.TxWitness, exit: core.ExitWitness) => ({ ...proof(empty.block, tx, empty.tx(1), exit), prev: D.blocks[0].header });
    await prove(D, pD(empty.tx(1), empty.exit(0)), windowsOf(D, 2), 'NotFraud'); // NOT_THE_FIRST_TX
    await prove(D, pD(empty.tx(0), empty.exit(1)), windowsOf(D, 2), 'NotFraud'); // NO_EXTRA_EXIT
    expect(core.buildInvalidExitsProof({ ...empty.block, exits: [{ recipient: address('v0'), token: ETH_TOKEN as core.Address, amount: 1000n * ETHER }] }, D.blocks[0].header).exit.index).toBe(0);
    expect(await prove(D, pD(empty.tx(0), empty.exit(0)), windowsOf(D, 2))).toEqual(convicted);
  });

  it('a bad timestamp (before the parent block), and NotFraud for a good one', async () => {
    S = await newChain('FS');
    await commit(S, honestBlock1(S));
    const b1 = S.blocks[0];
    await prove(S, core.buildBadTimestampProof(forged(b1.header, [], [], { timestamp: b1.header.timestamp - 1n }).header, b1.header), windowsOf(S, 1), 'UnknownCommitment');
    await prove(S, { kind: core.FraudKind.BadTimestamp, header: b1.header, prev: core.ZERO_HEADER }, windowsOf(S, 1), 'NotFraud'); // TIMESTAMP_OK
    const bad = forged(b1.header, [], [], { timestamp: b1.header.timestamp - 1n });
    await commit(S, bad);
    expect(await prove(S, core.buildBadTimestampProof(bad.header, b1.header), windowsOf(S, 2))).toEqual({ ok: true, value: { number: 2n, kind: core.FraudKind.BadTimestamp, reward: core.ROOT_MIN_BOND / 2n } });
  });

  it('an equivocation: refusals, the conviction with its rollback, then AlreadyConvicted', async () => {
    E = await newChain('FE');
    await commit(E, honestBlock1(E));
    const b1 = E.blocks[0];
    const other = forged(core.ZERO_HEADER, [], [], { chainId: E.id, number: 1n, parentHash: core.ZERO_BYTES32, timestamp: b1.header.timestamp + 1n });
    const w = windowsOf(E, 1);
    const eq = (h2: core.Header, sigs2 = quorum(h2)): core.EquivocationProof => ({ kind: core.FraudKind.Equivocation, header: b1.header, signatures: quorum(b1.header), header2: h2, signatures2: sigs2, prev: core.ZERO_HEADER });
    await prove(E, eq(b1.header), w, 'NotFraud'); // SAME_HEADER
    await prove(E, eq({ ...other.header, number: 2n }), w, 'NotFraud'); // DIFFERENT_HEIGHTS
    await prove(E, eq(other.header, quorum(other.header, ['v0', 'v1'])), w, 'NotEnoughSignatures');
    await prove(E, eq({ ...other.header, chainId: T.id }), w, 'ChainIdMismatch');
    await prove(E, eq(other.header), w, 'UnknownChain', UNKNOWN_CHAIN);
    // The committed header's quorum was checked by commit: named with its record's windowEnd, its signatures are not
    // checked again; with another windowEnd it is not the recorded header, and its (missing) quorum is.
    await prove(E, { ...eq(other.header), signatures: '0x' }, { ...w, windowEnd: w.windowEnd + 1n }, 'NotEnoughSignatures');
    expect(await prove(E, { ...eq(other.header), signatures: '0x' }, w)).toEqual({ ok: true, value: { number: 1n, kind: core.FraudKind.Equivocation, reward: core.ROOT_MIN_BOND / 2n } });
    expect(ledger.childInfo(E.id).headNumber).toBe(0n);
    await prove(E, eq(other.header), w, 'AlreadyConvicted'); // nothing left to undo or slash
  });

  it('after the window a block is final: ChallengeWindowClosed', async () => {
    clock += FRAUD_WINDOW;
    const b1 = S.blocks[0];
    await prove(S, { kind: core.FraudKind.BadTimestamp, header: b1.header, prev: core.ZERO_HEADER }, windowsOf(S, 1), 'ChallengeWindowClosed');
    await expectSameViews();
  });

  // ---- the escape hatch (docs/FRAUD.md §8): escapeExit = ParentLedger.escapeExit, reclaimDeposit = reclaimDeposit ----

  type Paid = { ok: true; value: { to: string; token: string; amount: bigint } } | { ok: false; code: string; data: Record<string, string> };

  /** One step on both sides: what was paid (the event ↔ the ledger's payment) or the same refusal; then the chain's views. */
  async function escapeStep(id: core.ChainId, data: string, local: (now: bigint) => core.EscapePayment, event: 'EscapeExit' | 'DepositReclaimed', expectError?: string): Promise<Paid> {
    const r = await both(data, (now) => {
      const p = local(now);
      return { to: p.to, token: p.token, amount: p.amount };
    });
    let l1: Paid;
    if ('name' in r.l1) {
      l1 = { ok: false, code: r.l1.code, data: r.l1.data };
      fraudRaised.add(r.l1.name);
    } else {
      const ev = eventOf(r.l1, event);
      l1 = { ok: true, value: { to: lower(event === 'EscapeExit' ? ev.owner : ev.from), token: lower(ev.token), amount: ev.amount } };
    }
    const local_: Paid = 'code' in (r.local as object) ? { ok: false, ...(r.local as { code: string; data: Record<string, string> }) } : { ok: true, value: r.local as { to: string; token: string; amount: bigint } };
    expect(local_, 'ParentLedger vs PlasmaRoot').toEqual(l1);
    expect(l1.ok ? 'ok' : (r.l1 as { name: string }).name, 'PlasmaRoot').toBe(expectError ?? 'ok');
    await expectSameChain(id);
    return l1;
  }

  function escape(c: FraudChain, head: core.Header, windowEnd: bigint, proof: core.EscapeExitProof, expectError?: string): Promise<Paid> {
    const data = core.encodeEscapeExitCall(c.id, head, windowEnd, proof);
    // One encoder for both hosts: kind 11's data is the call's argument list after the selector.
    expect(core.encodeEscapeChildExitData({ child: c.id, head, windowEnd, ...proof })).toBe(`0x${data.slice(10)}`);
    return escapeStep(c.id, data, (now) => ledger.escapeExit({ child: c.id, head, windowEnd, ...proof, now }), 'EscapeExit', expectError);
  }

  function reclaim(c: FraudChain, d: Omit<core.Deposit, 'chainId'>, expectError?: string): Promise<Paid> {
    const data = core.encodeReclaimDepositCall({ chainId: c.id, ...d });
    return escapeStep(c.id, data, () => ledger.reclaimDeposit({ child: c.id, ...d }), 'DepositReclaimed', expectError);
  }

  it('the escape hatch: escapeExit and reclaimDeposit = ParentLedger.escapeExit and reclaimDeposit (kinds 11, 12)', async () => {
    const W = await newChain('FW');
    await commit(W, honestBlock1(W));
    const b1 = W.blocks[0];
    const after1 = stateAfter1(W);
    await deposit(W.id, 'bob', 'ETH', 7n); // nonce 3: in flight, never applied
    const inFlight = { nonce: 3n, from: address('alice'), to: address('bob'), token: ETH_TOKEN as core.Address, amount: 7n };
    const bobSlot = after1.slotOf(address('bob'), ETH_TOKEN as core.Address)!;
    // Live: the hatch is closed.
    await escape(W, b1.header, W.windowEnds[0], core.buildEscapeExitProof(after1, bobSlot), 'ChainNotFrozen');
    await reclaim(W, inFlight, 'ChainNotFrozen');
    // Block 2 lies (outsider credited 10,000 TST out of nothing), block 3 goes back in time and is convicted: the head is the lie.
    const lie = stateAfter1(W);
    const outsiderSlot = lie.nextFreeSlot();
    lie.accounts.put(outsiderSlot, { owner: address('outsider'), token: token('TST'), balance: 10_000n, nonce: 0n });
    const b2 = forged(b1.header, [], [], { stateRoot: lie.root, timestamp: clock });
    await commit(W, b2);
    const b3 = forged(b2.header, [], [], { stateRoot: lie.root, timestamp: b2.header.timestamp - 1n });
    await commit(W, b3);
    await prove(W, core.buildBadTimestampProof(b3.header, b2.header), windowsOf(W, 3));
    expect(ledger.childInfo(W.id)).toMatchObject({ headNumber: 2n, headDepositNonce: 2n });
    const w2 = W.windowEnds[1];
    const carol = core.buildEscapeExitProof(lie, lie.slotOf(address('carol'), token('TST'))!);
    await escape(W, b2.header, w2, carol, 'ChallengeWindowOpen');
    // A reclaim does not wait for the window.
    await reclaim(W, { nonce: 1n, from: address('alice'), to: address('bob'), token: ETH_TOKEN as core.Address, amount: ETHER }, 'DepositApplied');
    await reclaim(W, { ...inFlight, amount: 8n }, 'UnknownDeposit');
    expect(await reclaim(W, inFlight)).toEqual({ ok: true, value: { to: address('alice'), token: ETH_TOKEN, amount: 7n } });
    await reclaim(W, inFlight, 'UnknownDeposit');
    clock += FRAUD_WINDOW;
    await escape(W, b1.header, W.windowEnds[0], carol, 'NotTheHead');
    await escape(W, b2.header, w2 + 1n, carol, 'UnknownCommitment');
    await escape(W, b2.header, w2, { ledgerRoot: lie.ledger.root, account: core.accountWitness(lie, 9) }, 'ZeroAmount');
    await escape(W, b2.header, w2, { ...carol, account: { ...carol.account, balance: 499n } }, 'InvalidAccountProof');
    await escape(W, b2.header, w2, core.buildEscapeExitProof(lie, outsiderSlot), 'SubtreeBalanceExceeded');
    expect(await escape(W, b2.header, w2, carol)).toEqual({ ok: true, value: { to: address('carol'), token: token('TST'), amount: 500n } });
    await escape(W, b2.header, w2, carol, 'AlreadyEscaped');
    for (const owner of ['bob', 'alice'] as const) {
      const proof = core.buildEscapeExitProof(lie, lie.slotOf(address(owner), ETH_TOKEN as core.Address)!);
      expect((await escape(W, b2.header, w2, proof)).ok).toBe(true);
    }
    // Everything W's subtree held is out: the ETH and TST deposits, less nothing, more nothing.
    expect([ledger.subtreeBalance(W.id, ETH_TOKEN as core.Address), ledger.subtreeBalance(W.id, token('TST'))]).toEqual([0n, 0n]);
    for (const slot of [0, 1, 2, outsiderSlot, 9]) expect(await root.isEscaped(W.id, slot), `slot ${slot}`).toBe(ledger.isEscaped(W.id, slot));
    await expectSameViews();
  });
});

describe('data availability: ParentLedger = PlasmaDataAvailability (docs/FRAUD.md §9b)', () => {
  /** What one side did: 'ok' with whether it answered a challenge (publications), or the refusal. */
  type DaOutcome = { ok: true; answered?: boolean; reward?: bigint } | { ok: false; code: string; data: Record<string, string> };
  const raised = new Set<string>();
  let module: Contract;
  let daErrors: Interface;

  /**
   * `data` sent to the module at the next second (value: the root's bond for a challenge) and `local` run on the ledger
   * at that time; both outcomes must be equal. The bonds differ by design (0.2 ETH pays L1 gas, 0.01 on a chain):
   * WrongBond's `required` is each side's own.
   */
  async function da(data: string, value: bigint, local: (now: bigint) => DaOutcome, expectError?: string, from: Actor = 'outsider'): Promise<DaOutcome> {
    clock += 1n;
    await rpc.send('evm_setNextBlockTimestamp', [Number(clock)]);
    let l1: DaOutcome;
    try {
      const tx = { from: walletOf(from).address, to: await module.getAddress(), data, value: toQuantity(value), gas: toQuantity(GAS_LIMIT) };
      const receipt = (await rpc.getTransactionReceipt((await rpc.send('eth_sendTransaction', [tx])) as string))!;
      const settled = receipt.logs.map((log) => { try { return module.interface.parseLog(log); } catch { return null; } }).find((ev) => ev?.name === 'DataChallengeSettled');
      const proven = receipt.logs.map((log) => { try { return root.interface.parseLog(log); } catch { return null; } }).find((ev) => ev?.name === 'FraudProven');
      l1 = { ok: true, ...(settled && Number(settled.args.status) === 2 ? { answered: true } : {}), ...(proven ? { reward: proven.args.reward as bigint } : {}) };
    } catch (e) {
      const parsed = daErrors.parseError(revertDataOf(e)!);
      if (!parsed) throw e;
      raised.add(parsed.name);
      l1 = { ok: false, code: screamingSnake(parsed.name), data: Object.fromEntries(parsed.fragment.inputs.map((input, i) => [input.name, String(parsed.args[i]).toLowerCase()])) };
    }
    let out: DaOutcome;
    try {
      out = local(clock);
    } catch (e) {
      if (!core.isPlasmaError(e)) throw e;
      out = { ok: false, code: e.code, data: e.data as Record<string, string> };
    }
    if (!l1.ok && l1.code === 'WRONG_BOND') l1.data = { ...l1.data, required: String(core.CHILD_DATA_CHALLENGE_BOND) };
    expect(out, 'ParentLedger vs PlasmaDataAvailability').toEqual(l1);
    expect(l1.ok ? 'ok' : (l1 as { code: string }).code, 'PlasmaDataAvailability').toBe(expectError === undefined ? 'ok' : screamingSnake(expectError));
    return l1;
  }

  const challenge = (id: core.ChainId, h: core.Header, windowEnd: bigint, expectError?: string, bond?: bigint, from: Actor = 'outsider') =>
    da(core.encodeChallengeDataCall(id, h, windowEnd), bond ?? core.DATA_CHALLENGE_BOND, (now) => {
      ledger.challengeData({ child: id, header: h, windowEnd, challenger: address(from), bond: bond === undefined ? core.CHILD_DATA_CHALLENGE_BOND : bond, now });
      return { ok: true };
    }, expectError, from);
  /** A module call the ledger runs from its calldata (CHILD_DATA_CALL's `call`): the decoded call, as kind 15 runs it. */
  const call = (data: core.Hex, expectError?: string) =>
    da(data, 0n, (now) => {
      const c = core.decodeDataAvailabilityCall(data);
      if (c.method === 'publishBlockData' || c.method === 'publishExitData') {
        const r = ledger.publishData(c, now);
        return { ok: true, ...(r.answered ? { answered: true } : {}) };
      }
      if (c.method === 'resolveDataChallenge') return { ok: true, reward: ledger.resolveDataChallenge(c, now).reward };
      // reclaimChallengeBond
      ledger.reclaimChallengeBond(c, now);
      return { ok: true };
    }, expectError);

  /** challengeOf, publication and exitPublication = the ledger's DataChallenge entry. */
  async function expectSameSlot(id: core.ChainId, number: bigint): Promise<void> {
    const d = ledger.dataChallenge(id, number);
    const [challenger, deadline, status] = await module.challengeOf(id, number);
    const [nextChunk, complete] = await module.publication(id, number);
    const [nextExitChunk, exitComplete] = await module.exitPublication(id, number);
    expect({ challenger: lower(challenger), deadline, status: Number(status), nextChunk, complete, nextExitChunk, exitComplete }).toEqual({
      challenger: d.challenger, deadline: d.deadline, status: d.status, nextChunk: BigInt(d.nextChunk), complete: d.txsPublished,
      nextExitChunk: BigInt(d.nextExitChunk), exitComplete: d.nextExitChunk === core.EXIT_DATA_CHUNK_COUNT,
    });
  }

  beforeAll(async () => {
    module = new Contract(await root.dataAvailability(), loadArtifact('PlasmaDataAvailability').abi, rpc);
    daErrors = new Interface((loadArtifact('PlasmaDataAvailability').abi as { type: string }[]).filter((item) => item.type === 'error'));
  });

  it('a challenge, its refusals and its answer; an unanswered one resolved (rollback, slash, freeze); a lapsed one reclaimed', async () => {
    const validators = QUORUM.map(address);
    const spawn = async (label: string): Promise<{ id: core.ChainId; blocks: core.Block[]; windowEnds: bigint[] }> => {
      clock += 1n;
      await rpc.send('evm_setNextBlockTimestamp', [Number(clock)]);
      const receipt = await sendToRoot({ from: wallets.deployer, data: root.interface.encodeFunctionData('spawnChain', [validators, 3, FRAUD_WINDOW]), value: core.ROOT_MIN_BOND });
      const id = lower(eventOf(receipt, 'ChainSpawned').chainId);
      expect(ledger.spawnChild({ validators, threshold: 3, challengeWindow: FRAUD_WINDOW, bond: core.ROOT_MIN_BOND, spawner: address('deployer'), now: clock })).toBe(id);
      chains.set(label, id);
      return { id, blocks: [], windowEnds: [] };
    };
    /** Commits a block of `txs` transfers (not valid ones: only their leaves matter here) and one exit, on both sides. */
    const commitBlock = async (c: { id: core.ChainId; blocks: core.Block[]; windowEnds: bigint[] }, txs: number) => {
      const parent = c.blocks.at(-1)?.header ?? null;
      const list: core.BlockTx[] = Array.from({ length: txs }, (_, i) => ({ ...core.EMPTY_TX, kind: core.TxKind.Transfer, slot: i, toSlot: i + 1, from: address('bob'), to: address('carol'), amount: BigInt(i + 1), nonce: BigInt(i) }));
      const postRoots = list.map((_, i) => text(`${c.id} ${c.blocks.length} post ${i}`));
      const exits = [{ recipient: address('bob'), token: ETH_TOKEN as core.Address, amount: 5n }];
      const header: core.Header = {
        chainId: c.id, number: BigInt(c.blocks.length + 1), parentHash: parent ? core.hashHeader(parent) : (ZERO_BYTES32 as core.Hex), txRoot: core.bytesToHex(core.computeTxRoot(list, postRoots)),
        stateRoot: text('state'), exitRoot: core.bytesToHex(core.computeExitRoot(exits)), depositNonce: 0n, timestamp: clock,
      };
      const block: core.Block = { header, hash: core.hashHeader(header), txs: list, postRoots, exits };
      const digest = core.commitmentDigest(domain, c.id, header.number, block.hash);
      const sorted = [...FRAUD_QUORUM].sort((a, b) => (BigInt(address(a)) < BigInt(address(b)) ? -1 : 1));
      const signatures = core.bytesToHex(core.concatBytes(...sorted.map((a) => core.hexToBytes(core.secp256k1Scheme.sign(digest, lower(walletOf(a).privateKey))))));
      clock += 1n;
      await rpc.send('evm_setNextBlockTimestamp', [Number(clock)]);
      const receipt = await sendToRoot({ from: wallets.outsider, data: root.interface.encodeFunctionData('commit', [c.id, header, signatures]), value: 0n });
      const { windowEnd } = eventOf(receipt, 'Committed');
      expect(ledger.commit({ child: c.id, header, signatures, now: clock, domain })).toEqual({ blockHash: block.hash, windowEnd });
      c.blocks.push(block);
      c.windowEnds.push(windowEnd);
      return { block, windowEnd };
    };
    const publications = (id: core.ChainId, block: core.Block, windowEnd: bigint) => ({
      txs: core.blockDataChunks(block).map((chunk) => core.encodePublishBlockDataCall(id, block.header, windowEnd, chunk)),
      exits: core.blockExitChunks(block).map((chunk) => core.encodePublishExitDataCall(id, block.header, windowEnd, chunk)),
    });

    // D: a 70-transfer block (two chunks), challenged and answered.
    const D = await spawn('DA');
    const { block: d1, windowEnd: w1 } = await commitBlock(D, 70);
    await challenge(D.id, d1.header, w1 + 1n, 'UnknownCommitment');
    await challenge(D.id, d1.header, w1, 'WrongBond', 1n);
    await challenge(D.id, d1.header, w1);
    await expectSameSlot(D.id, 1n);
    await challenge(D.id, d1.header, w1, 'AlreadyChallenged', undefined, 'bob');
    const p1 = publications(D.id, d1, w1);
    expect([p1.txs.length, p1.exits.length]).toEqual([2, 1]);
    await call(p1.txs[1], 'ChunkOutOfOrder');
    const [first] = core.blockDataChunks(d1);
    await call(core.encodePublishBlockDataCall(D.id, d1.header, w1, { ...first, txs: first.txs.slice(1) }), 'InvalidChunkProof');
    await call(core.encodePublishBlockDataCall(D.id, d1.header, w1, { ...first, proof: first.proof.slice(1) }), 'BadProofLength');
    await call(core.encodeResolveDataChallengeCall(D.id, d1.header, w1, null, 0n), 'ResponseWindowOpen');
    await call(p1.exits[0]);
    await call(p1.exits[0], 'ExitDataAlreadyPublished');
    await call(p1.txs[0]);
    await expectSameSlot(D.id, 1n);
    expect(await call(p1.txs[1])).toEqual({ ok: true, answered: true });
    await expectSameSlot(D.id, 1n);
    await challenge(D.id, d1.header, w1, 'DataAlreadyPublished');
    await call(p1.txs[0], 'DataAlreadyPublished');
    await call(core.encodeReclaimChallengeBondCall(D.id, d1.header, w1), 'NoOpenChallenge');

    // Block 2 of D: challenged, not answered by the deadline, resolved: the root and the ledger convict it alike.
    const { block: d2, windowEnd: w2 } = await commitBlock(D, 1);
    await challenge(D.id, d2.header, w2);
    const { deadline } = ledger.dataChallenge(D.id, 2n);
    clock = deadline;
    const p2 = publications(D.id, d2, w2);
    await call(p2.txs[0], 'ResponseWindowClosed');
    await call(core.encodeResolveDataChallengeCall(D.id, d2.header, w2, d2.header, w2), 'WrongPrevHeader');
    const resolved = await call(core.encodeResolveDataChallengeCall(D.id, d2.header, w2, d1.header, w1));
    expect(resolved).toEqual({ ok: true, reward: core.ROOT_MIN_BOND / 2n });
    await expectSameSlot(D.id, 2n);
    expect(ledger.childInfo(D.id)).toMatchObject({ headNumber: 1n, bond: 0n });
    expect(ledger.childStatus(D.id).status).toBe(core.ChainStatus.FrozenFraud);
    await call(core.encodeResolveDataChallengeCall(D.id, d2.header, w2, d1.header, w1), 'NoOpenChallenge');
    await challenge(D.id, d1.header, w1, 'ChainIsFrozen');

    // L: a challenge nobody resolves lapses; a late one is refused.
    const L = await spawn('DL');
    const { block: l1, windowEnd: lw1 } = await commitBlock(L, 1);
    await challenge(L.id, l1.header, lw1);
    const reclaim = core.encodeReclaimChallengeBondCall(L.id, l1.header, lw1);
    await call(reclaim, 'ChallengeStillResolvable');
    clock = lw1 - 1n;
    await call(core.encodeResolveDataChallengeCall(L.id, l1.header, lw1, null, 0n), 'ChallengeWindowClosed');
    await call(reclaim);
    await expectSameSlot(L.id, 1n);
    const { block: l2, windowEnd: lw2 } = await commitBlock(L, 1);
    clock = lw2 - FRAUD_WINDOW / 2n - 1n;
    await challenge(L.id, l2.header, lw2, 'TooLateToChallenge');
    await challenge(UNKNOWN_CHAIN, l2.header, lw2, 'UnknownChain');

    // Every refusal of the module that a ledger can make was made on both sides.
    const mirrored: string[] = [];
    daErrors.forEachError((e) => mirrored.push(e.name));
    const notYet = mirrored.filter((name) => !raised.has(name));
    // ChunkOverBudget is L1's alone: on a child chain a chunk travels inside a CHILD_DATA_CALL, and a chunk over B(d + 1)
    // wrapped is over the tx bound M, so no producer carries it (TX_TOO_LARGE: core's chunk-budget.test.ts).
    expect(notYet.sort()).toEqual(['ChunkOverBudget', 'EthTransferFailed', 'ExitLeavesAfterLastChunk', 'InvalidExitChunkProof', 'LeavesAfterLastChunk', 'TooManyExitLeaves', 'TooManyTxs']);
  });
});

describe('ParentLedger(selfId = 0) = PlasmaRoot on the shared vectors', () => {
  it('share the limits, but for MIN_BOND (a documented difference, see the top of the file)', async () => {
    expect(await root.MIN_BOND()).toBe(core.ROOT_MIN_BOND);
    expect(core.ROOT_MIN_BOND).toBe(2n * 10n ** 17n);
    expect(core.MIN_BOND).toBe(10n ** 16n);
    // MAX_VALIDATORS, MAX_CHALLENGE_WINDOW and EXIT_TREE_DEPTH are internal in PlasmaRoot (its code size): the vectors
    // reach them instead (TooManyValidators, BadChallengeWindow and BadStallLimit carry the maxima; ExitIndexOutOfRange
    // and BadProofLength the depth).
    expect(await root.MAX_EDGE_PAYLOAD()).toBe(BigInt(core.MAX_EDGE_PAYLOAD));
    expect(await root.MESSAGE_FN()).toBe(core.MESSAGE_FN);
  });

  it('cover every custom error a ledger can raise', () => {
    const raised = new Set([...VECTORS.flatMap((step) => ('reverts' in step && step.reverts ? [step.reverts] : [])), ...fraudRaised]);
    const uncovered: string[] = [];
    rootErrors.forEachError((error) => {
      if (!NOT_MIRRORED.includes(error.name) && !raised.has(error.name)) uncovered.push(error.name);
    });
    expect(uncovered).toEqual([]);
  });

  VECTORS.forEach((step, i) => {
    it(`${String(i).padStart(2, '0')} ${title(step)}`, async () => {
      if (step.op === 'wait') {
        clock += step.seconds;
        return;
      }
      const before = ledger.root;
      if (step.op === 'spawn' && step.differs === 'min-bond') {
        // The root refuses a bond the ledger accepts: check both, keep the ledger as the root is.
        ledger.checkpoint();
        const { l1, local, revertName } = await runOnBoth(step);
        ledger.revert();
        expect(revertName, 'PlasmaRoot').toBe('BondTooLow');
        expect(l1).toEqual({ ok: false, code: 'BOND_TOO_LOW', data: { bond: String(step.bond), minimum: String(core.rootMinBond(step.threshold)) } });
        expect(local.ok, 'ParentLedger accepts a bond of at least core.MIN_BOND').toBe(true);
        expect(ledger.root).toBe(before);
        await expectSameViews();
        return;
      }
      const { l1, local, revertName } = await runOnBoth(step);
      expect(revertName, 'PlasmaRoot').toBe(step.reverts);
      // MIN_BOND differs (see the top of the file): each side names its own minimum.
      if (!l1.ok && l1.code === 'BOND_TOO_LOW' && !local.ok) l1.data = { ...l1.data, minimum: String(core.MIN_BOND) };
      expect(local, 'ParentLedger vs PlasmaRoot').toEqual(l1);
      if (!local.ok) expect(ledger.root, 'a refusal changes nothing').toBe(before);
      else remember(step, l1);
      await expectSameViews();
    });
  });
});

/** Sends the step to PlasmaRoot at the next timestamp, then gives it to the ledger with that block's timestamp. */
async function runOnBoth(step: ActionStep): Promise<{ l1: Result; local: Result; revertName: string | undefined }> {
  const inputs = await prepare(step);
  clock = step.at ?? clock + 1n;
  await rpc.send('evm_setNextBlockTimestamp', [Number(clock)]);
  let l1: Result;
  let revertName: string | undefined;
  try {
    l1 = { ok: true, value: await resultOf(inputs, await sendToRoot(callOf(inputs))) };
  } catch (e) {
    const refusal = decodeRevert(e);
    revertName = refusal.name;
    l1 = { ok: false, code: screamingSnake(refusal.name), data: refusal.args };
  }
  const now = BigInt((await rpc.getBlock('latest'))!.timestamp);
  expect(now).toBe(clock);
  return { l1, local: applyToLedger(inputs, now), revertName };
}

// ---- one step's inputs, identical for both sides -----------------------------------------------------------

type Inputs =
  | { op: 'spawn'; validators: core.Address[]; threshold: number; window: bigint; bond: bigint }
  | { op: 'deposit'; chainId: core.ChainId; to: core.Address; token: core.Address; amount: bigint }
  | { op: 'commit'; chainId: core.ChainId; header: core.Header; exits: core.Exit[]; signatures: core.Hex }
  | { op: 'exit'; chainId: core.ChainId; header: core.Header; windowEnd: bigint; exit: core.Exit; index: bigint; proof: core.Hex[] }
  | { op: 'send'; chainId: core.ChainId; fn: core.Hex; payload: core.Hex; message?: { target: core.Address; data: core.Hex } }
  | {
      op: 'relay';
      chainId: core.ChainId;
      header: core.Header;
      windowEnd: bigint;
      sender: core.Address;
      target: core.Address;
      data: core.Hex;
      index: bigint;
      proof: core.Hex[];
    };

async function prepare(step: ActionStep): Promise<Inputs> {
  switch (step.op) {
    case 'spawn':
      return {
        op: 'spawn',
        validators: typeof step.validators === 'number' ? generatedAddresses(step.validators) : step.validators.map(address),
        threshold: step.threshold,
        window: step.window,
        bond: step.bond ?? core.ROOT_MIN_BOND,
      };
    case 'deposit':
      return { op: 'deposit', chainId: chain(step.chain), to: address(step.to), token: token(step.token), amount: step.amount };
    case 'commit': {
      const exits = (step.exits ?? []).map(exitOf);
      const header = headerOf(step);
      const sigs = sortedSignatures(await rawSignatures(step.signers, header));
      return { op: 'commit', chainId: chain(step.chain), header, exits, signatures: spoil(sigs, step.tamper) };
    }
    case 'exit': {
      const block = blocks.get(step.block);
      if (!block) throw new Error(`vector error: block ${step.block} was not committed`);
      const proof = block.tree.proof(step.leaf).map(core.bytesToHex);
      return {
        op: 'exit',
        chainId: step.chain ? chain(step.chain) : block.chainId,
        header: block.header,
        windowEnd: block.windowEnd + (step.windowEnd === 'later' ? 1n : 0n),
        exit: exitOf({ ...block.specs[step.leaf], ...step.forge }),
        index: step.index ?? BigInt(step.leaf),
        proof: step.proof === 'short' ? proof.slice(0, -1) : proof,
      };
    }
    case 'send': {
      const bytes = patterned(step.size);
      if (step.fn === 'counter') return { op: 'send', chainId: chain(step.chain), fn: COUNTER_FN, payload: bytes };
      const message = { target: address('carol'), data: bytes };
      return { op: 'send', chainId: chain(step.chain), fn: core.MESSAGE_FN, payload: core.encodeMessagePayload(message), message };
    }
    case 'relay': {
      const block = blocks.get(step.block);
      if (!block) throw new Error(`vector error: block ${step.block} was not committed`);
      const leaf = block.specs.length + step.message;
      const proof = block.tree.proof(leaf).map(core.bytesToHex);
      const m = { ...block.messages[step.message], ...step.forge };
      return {
        op: 'relay',
        chainId: step.chain ? chain(step.chain) : block.chainId,
        header: block.header,
        windowEnd: block.windowEnd + (step.windowEnd === 'later' ? 1n : 0n),
        sender: address(m.from),
        target: receiver,
        data: lower(m.data),
        index: step.index ?? BigInt(leaf),
        proof: step.proof === 'short' ? proof.slice(0, -1) : proof,
      };
    }
  }
}

/** `size` bytes that are not all alike. */
function patterned(size: number): core.Hex {
  return core.bytesToHex(Uint8Array.from({ length: size }, (_, i) => (i * 7 + size) & 0xff));
}

/** The exit tree of a commit step: its exits, then its messages (each from its chain, to the receiver). */
function exitTreeOf(step: CommitStep): core.MerkleTree {
  const sourceChain = chain(step.headerChain ?? step.chain);
  const leaves = [
    ...(step.exits ?? []).map((e) => core.exitLeaf(exitOf(e))),
    ...(step.messages ?? []).map((m) =>
      core.hexToBytes(core.edgeUpLeaf({ fn: core.MESSAGE_FN, sourceChain, sender: address(m.from), payload: core.encodeMessagePayload({ target: receiver, data: lower(m.data) }) })),
    ),
  ];
  return new core.MerkleTree(leaves, core.EXIT_TREE_DEPTH);
}

function headerOf(step: CommitStep): core.Header {
  return {
    chainId: chain(step.headerChain ?? step.chain),
    number: step.number,
    parentHash: parentHashOf(step.parent),
    txRoot: text(`${step.block} txs`),
    stateRoot: text(`${step.block} state`),
    exitRoot: core.bytesToHex(exitTreeOf(step).root),
    depositNonce: step.depositNonce,
    timestamp: 1_700_000_000n + step.number,
  };
}

/** Block 1's zero, a committed block's hash, or (any other label) a hash that is not the head. */
function parentHashOf(parent: string | undefined): core.Hex {
  if (parent === undefined) return core.ZERO_BYTES32;
  const block = blocks.get(parent);
  return block ? core.hashHeader(block.header) : text(parent);
}

interface RawSig {
  signer: string;
  r: string;
  s: string;
  v: number;
}

async function rawSignatures(signers: readonly Actor[], h: core.Header): Promise<RawSig[]> {
  const message = { chainId: h.chainId, number: h.number, blockHash: core.hashHeader(h) };
  const ethersDomain = { name: 'PlasmaTree', version: '1', chainId: 31337n, verifyingContract: f.rootAddress };
  return Promise.all(
    signers.map(async (actor) => {
      const wallet = walletOf(actor);
      const sig = Signature.from(await wallet.signTypedData(ethersDomain, COMMITMENT_TYPES, message));
      return { signer: wallet.address, r: sig.r, s: sig.s, v: sig.v };
    }),
  );
}

const sortedSignatures = (sigs: RawSig[]): RawSig[] => [...sigs].sort((a, b) => (BigInt(a.signer) < BigInt(b.signer) ? -1 : 1));
const pack = (sigs: readonly RawSig[]): core.Hex => lower(concat(sigs.map((s) => concat([s.r, s.s, toBeHex(s.v, 1)]))));

/** The packed signatures of a sorted quorum, spoiled as the vector says. */
function spoil(sigs: RawSig[], tamper: SignatureTamper | undefined): core.Hex {
  const last = sigs.length - 1;
  switch (tamper) {
    case undefined:
      return pack(sigs);
    case 'reverse':
      return pack([...sigs].reverse());
    case 'repeat-first':
      return pack([sigs[0], ...sigs.slice(0, -1)]);
    case 'high-s': // the malleable twin: s' = n - s with the other v
      return pack(sigs.map((s, i) => (i === last ? { ...s, s: zeroPadValue(toBeHex(SECP256K1_N - BigInt(s.s)), 32), v: 55 - s.v } : s)));
    case 'bad-v':
      return pack(sigs.map((s, i) => (i === 1 ? { ...s, v: 29 } : s)));
    case 'zero-r':
      return pack(sigs.map((s, i) => (i === 0 ? { ...s, r: ZERO_BYTES32 } : s)));
    case 'cut-byte':
      return pack(sigs).slice(0, -2) as core.Hex;
  }
}

// ---- the two sides ----------------------------------------------------------------------------------------

interface RootCall {
  from: Wallet;
  data: string;
  value: bigint;
}

/** The PlasmaRoot call of a step: deployer spawns, commits, finalizes and relays; alice deposits and sends. */
function callOf(x: Inputs): RootCall {
  const encode = (name: string, args: unknown[]) => root.interface.encodeFunctionData(name, args);
  switch (x.op) {
    case 'spawn':
      return { from: wallets.deployer, data: encode('spawnChain', [x.validators, x.threshold, x.window]), value: x.bond };
    case 'deposit':
      return x.token === ETH_TOKEN
        ? { from: wallets.alice, data: encode('depositETH', [x.chainId, x.to]), value: x.amount }
        : { from: wallets.alice, data: encode('depositERC20', [x.chainId, x.token, x.to, x.amount]), value: 0n };
    case 'commit':
      return { from: wallets.deployer, data: encode('commit', [x.chainId, x.header, x.signatures]), value: 0n };
    case 'exit':
      return { from: wallets.deployer, data: encode('finalizeWithdrawal', [x.chainId, x.header, x.windowEnd, x.exit, x.index, x.proof]), value: 0n };
    case 'send':
      return x.message
        ? { from: wallets.alice, data: encode('sendMessage', [x.chainId, x.message.target, x.message.data]), value: 0n }
        : { from: wallets.alice, data: encode('sendEdgeEvent', [x.chainId, x.fn, x.payload]), value: 0n };
    case 'relay':
      return {
        from: wallets.deployer,
        data: encode('relayMessage', [x.chainId, x.header, x.windowEnd, x.sender, x.target, x.data, x.index, x.proof]),
        value: 0n,
      };
  }
}

/**
 * Through the node's unlocked accounts, with a fixed gas limit: no estimate, so a reverting call is mined at the
 * step's timestamp too, and the node answers with its revert data.
 */
async function sendToRoot(call: RootCall): Promise<TransactionReceipt> {
  const tx = { from: call.from.address, to: f.rootAddress, data: call.data, value: toQuantity(call.value), gas: toQuantity(GAS_LIMIT) };
  const hash = (await rpc.send('eth_sendTransaction', [tx])) as string;
  return (await rpc.getTransactionReceipt(hash))!;
}

/** What PlasmaRoot's events say the step did, in the shape the ledger returns it. */
async function resultOf(x: Inputs, receipt: TransactionReceipt): Promise<unknown> {
  switch (x.op) {
    case 'spawn':
      return lower(eventOf(receipt, 'ChainSpawned').chainId);
    case 'deposit': {
      const { chainId, nonce, from, to, token, amount } = eventOf(receipt, 'Deposited');
      const depositHash = core.hashDeposit({ chainId: lower(chainId), nonce, from: lower(from), to: lower(to), token: lower(token), amount });
      return { nonce, depositHash, record: lower(await root.depositRecord(chainId, nonce)) };
    }
    case 'commit': {
      const { blockHash, windowEnd } = eventOf(receipt, 'Committed');
      return { blockHash: lower(blockHash), windowEnd };
    }
    case 'exit': {
      const { recipient, token, amount } = eventOf(receipt, 'WithdrawalFinalized');
      return { recipient: lower(recipient), token: lower(token), amount };
    }
    case 'send': {
      const { chainId, nonce, fn, sender, payload } = eventOf(receipt, 'EdgeEventSent');
      expect([lower(fn), lower(sender), lower(payload)]).toEqual([x.fn, address('alice'), x.payload]);
      return { nonce, record: lower(await root.depositRecord(chainId, nonce)) };
    }
    case 'relay': {
      const { chainId, sender, target } = eventOf(receipt, 'MessageRelayed');
      const payload = core.encodeMessagePayload({ target: lower(target), data: x.data });
      return { fn: core.MESSAGE_FN, sourceChain: lower(chainId), sender: lower(sender), payload };
    }
  }
}

function eventOf(receipt: TransactionReceipt, name: string): Result_ {
  for (const log of receipt.logs) {
    const parsed = root.interface.parseLog(log);
    if (parsed?.name === name) return parsed.args;
  }
  throw new Error(`no ${name} event in ${receipt.hash}`);
}

function applyToLedger(x: Inputs, now: bigint): Result {
  try {
    return { ok: true, value: ledgerCall(x, now) };
  } catch (e) {
    if (!core.isPlasmaError(e)) throw e;
    return { ok: false, code: e.code, data: e.data as Record<string, string> };
  }
}

function ledgerCall(x: Inputs, now: bigint): unknown {
  switch (x.op) {
    case 'spawn':
      return ledger.spawnChild({ validators: x.validators, threshold: x.threshold, challengeWindow: x.window, bond: x.bond, spawner: address('deployer'), now });
    case 'deposit':
      return ledger.deposit({ child: x.chainId, from: address('alice'), to: x.to, token: x.token, amount: x.amount, now });
    case 'commit':
      return ledger.commit({ child: x.chainId, header: x.header, signatures: x.signatures, now, domain });
    case 'exit':
      return ledger.finalizeExit({ child: x.chainId, header: x.header, windowEnd: x.windowEnd, exit: x.exit, index: x.index, proof: x.proof, now });
    case 'send':
      return ledger.recordEdgeEvent({ child: x.chainId, fn: x.fn, sender: address('alice'), payload: x.payload, now });
    case 'relay': {
      const payload = core.encodeMessagePayload({ target: x.target, data: x.data });
      const { header, windowEnd, index, proof } = x;
      return ledger.consumeEdgeEvent({ child: x.chainId, header, windowEnd, fn: core.MESSAGE_FN, sender: x.sender, payload, index, proof, now });
    }
  }
}

/** Labels what a successful step created, for the steps after it. */
function remember(step: ActionStep, l1: Result): void {
  if (!l1.ok) return;
  if (step.op === 'spawn' && step.as) chains.set(step.as, l1.value as core.ChainId);
  if (step.op === 'commit') {
    const { windowEnd } = l1.value as { windowEnd: bigint };
    const specs = step.exits ?? [];
    const messages = step.messages ?? [];
    const leafCount = specs.length + messages.length;
    blocks.set(step.block, { chainId: chain(step.chain), header: headerOf(step), specs, messages, leafCount, tree: exitTreeOf(step), windowEnd });
  }
}

// ---- everything observable, on both sides -----------------------------------------------------------------

interface Probe {
  name: string;
  l1(): Promise<unknown>;
  local(): unknown;
}

async function expectSameViews(): Promise<void> {
  const list = probes();
  const onL1 = await Promise.all(list.map(async (p) => [p.name, normalize(await p.l1())] as const));
  const onLedger = list.map((p) => [p.name, normalize(p.local())] as const);
  expect(Object.fromEntries(onLedger)).toEqual(Object.fromEntries(onL1));
}

/** Every view of every child the ledger knows (and of an unknown one), with ranges one past the last record. */
function probes(): Probe[] {
  const list: Probe[] = [
    { name: 'childCount', l1: () => root.childCount(), local: () => ledger.childCount },
    { name: 'exists(?)', l1: () => root.chainExists(UNKNOWN_CHAIN), local: () => ledger.hasChild(UNKNOWN_CHAIN) },
    ...recordProbes('?', UNKNOWN_CHAIN, 0n, 0n),
  ];
  ledger.children().forEach((id, index) => {
    const name = labelOf(id);
    const info = ledger.childInfo(id);
    list.push(
      { name: `childAt(${index})`, l1: () => root.childAt(index), local: () => id },
      { name: `chainInfo(${name})`, l1: async () => chainInfoOf(await root.chainInfo(id)), local: () => ledgerInfoOf(info) },
      { name: `validators(${name})`, l1: async () => [...(await root.validators(id))], local: () => info.validators },
      { name: `chainStatus(${name})`, l1: async () => [...(await root.chainStatus(id))], local: () => { const st = ledger.childStatus(id); return [BigInt(st.status), st.frozenAt]; } },
      ...recordProbes(name, id, info.depositCount, info.headNumber),
    );
  });
  for (const [label, block] of blocks) {
    for (const index of [...Array(block.leafCount).keys(), 65_536 + 5]) {
      list.push({
        name: `isWithdrawn(${label}, ${index})`,
        l1: () => root.isWithdrawn(block.chainId, block.header.number, index),
        local: () => ledger.isWithdrawn(block.chainId, block.header.number, index),
      });
    }
  }
  return list;
}

function recordProbes(name: string, id: core.ChainId, depositCount: bigint, headNumber: bigint): Probe[] {
  const list: Probe[] = [];
  for (const tokenName of ['ETH', 'TST'] as const) {
    const t = token(tokenName);
    list.push({ name: `subtreeBalance(${name}, ${tokenName})`, l1: () => root.subtreeBalance(id, t), local: () => ledger.subtreeBalance(id, t) });
  }
  for (let nonce = 1n; nonce <= depositCount + 1n; nonce++) {
    list.push({ name: `depositRecord(${name}, ${nonce})`, l1: () => root.depositRecord(id, nonce), local: () => ledger.depositRecord(id, nonce) });
  }
  for (let number = 0n; number <= headNumber + 1n; number++) {
    list.push({ name: `commitmentRecord(${name}, ${number})`, l1: () => root.commitmentRecord(id, number), local: () => ledger.commitmentRecord(id, number) });
  }
  return list;
}

function chainInfoOf(info: Record<string, unknown>) {
  return {
    parentChainId: info.parentChainId,
    index: info.index,
    spawner: info.spawner,
    bond: info.bond,
    threshold: info.threshold,
    challengeWindow: info.challengeWindow,
    validatorCount: info.validatorCount,
    headNumber: info.headNumber,
    headWindowEnd: info.headWindowEnd,
    headDepositNonce: info.headDepositNonce,
    depositCount: info.depositCount,
  };
}

function ledgerInfoOf(info: core.ChildInfo) {
  return chainInfoOf({ ...info, threshold: BigInt(info.threshold), validatorCount: BigInt(info.validators.length) });
}

/** One form for both sides: lowercase hex, plain arrays and objects. */
function normalize(value: unknown): unknown {
  if (typeof value === 'string') return value.toLowerCase();
  if (Array.isArray(value)) return value.map(normalize);
  if (value !== null && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, normalize(v)]));
  return value;
}

// ---- reverts ----------------------------------------------------------------------------------------------

/** The PlasmaRoot custom error in a failed transaction, its arguments by name as ParentLedger's `data` has them. */
function decodeRevert(e: unknown): { name: string; args: Record<string, string> } {
  const data = revertDataOf(e);
  let parsed: ErrorDescription | null = null;
  try {
    parsed = data ? rootErrors.parseError(data) : null;
  } catch {
    parsed = null;
  }
  if (!parsed) throw e;
  const args = Object.fromEntries(parsed.fragment.inputs.map((input, i) => [input.name, String(parsed.args[i]).toLowerCase()]));
  return { name: parsed.name, args };
}

function revertDataOf(e: unknown): string | undefined {
  const seen = new Set<unknown>();
  const stack: unknown[] = [e];
  while (stack.length > 0) {
    const cur = stack.pop() as Record<string, unknown> | undefined;
    if (!cur || typeof cur !== 'object' || seen.has(cur)) continue;
    seen.add(cur);
    if (typeof cur.data === 'string' && /^0x[0-9a-f]{8}/i.test(cur.data)) return cur.data;
    for (const key of ['error', 'info', 'cause', 'data', 'payload']) stack.push(cur[key]);
  }
  return undefined;
}

/** BondTooLow -> BOND_TOO_LOW: a Solidity custom error name as a PlasmaError code. */
function screamingSnake(name: string): string {
  return name.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toUpperCase();
}

// ---- names ------------------------------------------------------------------------------------------------

const lower = (hex: string): core.Hex => hex.toLowerCase() as core.Hex;
const text = (s: string): core.Hex => core.bytesToHex(core.keccak256(new TextEncoder().encode(s)));

function walletOf(actor: Actor): Wallet {
  if (actor === 'zero') throw new Error('vector error: address(0) cannot sign');
  return wallets[actor];
}

function address(actor: Actor): core.Address {
  return actor === 'zero' ? core.ZERO_ADDRESS : lower(walletOf(actor).address);
}

function token(name: TokenName): core.Address {
  return name === 'ETH' ? core.NATIVE_TOKEN : lower(f.tokenAddress);
}

function chain(label: string): core.ChainId {
  const id = chains.get(label);
  if (!id) throw new Error(`vector error: chain ${label} was not spawned`);
  return id;
}

function labelOf(id: core.ChainId): string {
  for (const [label, known] of chains) if (known === id) return label;
  return id.slice(0, 10);
}

function exitOf(spec: ExitSpec): core.Exit {
  return { recipient: address(spec.to), token: token(spec.token), amount: spec.amount };
}

/** 0x…01, 0x…02, …: distinct non-zero addresses in ascending order. */
function generatedAddresses(count: number): core.Address[] {
  return Array.from({ length: count }, (_, i) => lower(zeroPadValue(toBeHex(i + 1), 20)));
}

function title(step: Step): string {
  const outcome = 'reverts' in step && step.reverts ? ` → ${step.reverts}` : '';
  switch (step.op) {
    case 'spawn': {
      const set = typeof step.validators === 'number' ? `${step.validators} addresses` : `[${step.validators.join(',')}]`;
      return `spawn${step.as ? ` ${step.as}` : ''} ${set} threshold ${step.threshold} window ${step.window}${outcome}`;
    }
    case 'deposit':
      return `deposit ${step.amount} ${step.token} into ${step.chain} for ${step.to}${outcome}`;
    case 'commit':
      return `commit ${step.block} by ${step.signers.join(',')}${step.tamper ? ` (${step.tamper})` : ''}${outcome}`;
    case 'wait':
      return `wait ${step.seconds} s`;
    case 'exit':
      return `exit ${step.leaf} of ${step.block}${step.forge ? ' (forged)' : ''}${outcome}`;
    case 'send':
      return `send ${step.fn} (${step.size} bytes) into ${step.chain}${outcome}`;
    case 'relay':
      return `relay message ${step.message} of ${step.block}${step.forge ? ' (forged)' : ''}${outcome}`;
  }
}
