/**
 * PlasmaFraudVerifier's stateless checks, word for word (contracts/src/PlasmaFraudVerifier.sol): the part of an
 * objection that reads no storage. ParentLedger.proveFraud (docs/FRAUD.md §7) runs them where PlasmaRoot calls the
 * verifier, so a chain parent refuses and convicts exactly as the root does; contracts/test/ledger-parity.test.ts
 * feeds both the same proofs. Refusals carry the verifier's custom error names (TX_NOT_IN_BLOCK, BAD_PRE_TX, …) with
 * its arguments; a tx the rules refuse is a fault code (TransitionFault), not an error.
 *
 * The form of a tx (isMalformed) is core's checkBlockTxForm; the deployed verifier's isMalformed knows the same kinds
 * (0-16: kind 13 FREEZE_STALLED_CHILD has every word zero, 14 has a spawn's form, 15 a fraud proof's, 16 an escape's) and the same forms, checked kind by kind in
 * contracts/test/fraud-vectors.test.ts.
 */
import { bytesToHex, MAX_UINT256, toBytes, wordToBigint, ZERO_BYTES32 } from './bytes.js';
import { chainStateRoot } from './chainState.js';
import { signedTxDigestBytes, type Eip712Domain } from './eip712.js';
import { accountLeaf, hashDeposit, makesExit, recordIs, txLeaf } from './encoding.js';
import { PlasmaError, type ParentLedgerErrorCode } from './errors.js';
import { keccakHasher } from './hash.js';
import { secp256k1Scheme, type SignatureScheme } from './signature.js';
import { checkBlockTxForm } from './stf.js';
import { EXIT_TREE_DEPTH, STATE_TREE_DEPTH, TX_TREE_DEPTH, TxKind, ZERO_ADDRESS, type ChainId, type Header, type Hex } from './types.js';
import { exitLeafOfTx, type AccountWitness, type ExitWitness, type TxWitness } from './fraud.js';

/** secp256k1n / 2 (EIP-2). */
const HALF_CURVE_ORDER = 0x7fffffffffffffffffffffffffffffff5d576e7357a4501ddfe92f46681b20a0n;

/** TransitionFault's codes (fraud.ts), repeated here to keep this module free of fraud.ts at run time. */
const VALID = 0;
const FAULT = {
  malformed: 1,
  zeroAmount: 2,
  selfTransfer: 3,
  badSignature: 4,
  unknownSlot: 5,
  slotOwner: 6,
  slotToken: 7,
  nonce: 8,
  insufficientBalance: 9,
  slotOccupied: 10,
  balanceOverflow: 11,
  postRoot: 12,
  depositOutOfOrder: 13,
  depositBeyondHeader: 14,
  depositMismatch: 15,
} as const;

/** What the host knows of the disputed block (PlasmaFraudVerifier.TransitionInput). */
export interface TransitionInput {
  domain: Eip712Domain;
  scheme?: SignatureScheme;
  chainId: ChainId;
  txRoot: Hex;
  prevStateRoot: Hex;
  prevDepositNonce: bigint;
  depositNonce: bigint;
  /** The host's record under tx.nonce (kind 0 only; zero otherwise). */
  depositRecord: Hex;
}

export function verifierError(code: ParentLedgerErrorCode, message: string, args: Record<string, bigint | number | string>, hint: string): PlasmaError {
  const data: Record<string, string> = {};
  for (const [name, value] of Object.entries(args)) data[name] = typeof value === 'string' ? value.toLowerCase() : String(value);
  return new PlasmaError(code, message, { data, hint });
}

export const WITNESS_HINT = 'build the proof with core (findFraud, build…Proof) from the block and its pre-state';

/** transitionFault: the fault code of tx `t` on its pre-state (VALID = 0) and, when valid so far, the post root. */
export function transitionFault(
  input: TransitionInput,
  t: TxWitness,
  preTx: TxWitness,
  accountsRoot: Hex,
  ledgerRoot: Hex,
  accounts: readonly AccountWitness[],
): { fault: number; postStateRoot: Hex } {
  checkPreState(input, t, preTx, accountsRoot, ledgerRoot);
  const x = t.tx;
  if (isMalformed(t)) return { fault: FAULT.malformed, postStateRoot: ZERO_BYTES32 };
  let result: { fault: number; root: Hex };
  if (x.kind === TxKind.Deposit) {
    // Down stream first: the deposit at `index` carries nonce prev + index + 1.
    if (x.nonce !== input.prevDepositNonce + BigInt(t.index) + 1n) return { fault: FAULT.depositOutOfOrder, postStateRoot: ZERO_BYTES32 };
    if (x.nonce > input.depositNonce) return { fault: FAULT.depositBeyondHeader, postStateRoot: ZERO_BYTES32 };
    const found = hashDeposit({ chainId: input.chainId, nonce: x.nonce, from: x.from, to: x.to, token: x.token, amount: x.amount });
    if (!recordIs(input.depositRecord, found)) return { fault: FAULT.depositMismatch, postStateRoot: ZERO_BYTES32 };
    result = credit(t, accountsRoot, accounts, 0);
  } else {
    result = spend(input, t, accountsRoot, accounts);
  }
  if (result.fault !== VALID) return { fault: result.fault, postStateRoot: ZERO_BYTES32 };
  const postStateRoot = chainStateRoot(result.root, ledgerRoot);
  if (postStateRoot !== t.postStateRoot.toLowerCase()) return { fault: FAULT.postRoot, postStateRoot };
  return { fault: VALID, postStateRoot };
}

/** PlasmaFraudVerifier._checkPreState: `t` is in the block and its pre-state root is keccak256(accountsRoot ‖ ledgerRoot). */
export function checkPreState(input: TransitionInput, t: TxWitness, preTx: TxWitness, accountsRoot: Hex, ledgerRoot: Hex): void {
  if (txRootOf(t) !== input.txRoot) throw txNotInBlock(t.index);
  let pre = input.prevStateRoot;
  if (t.index !== 0) {
    if (preTx.index !== t.index - 1) {
      throw verifierError('BAD_PRE_TX', `the pre-tx witness is tx ${preTx.index}, not ${t.index - 1}`, { index: preTx.index, expected: t.index - 1 }, WITNESS_HINT);
    }
    if (txRootOf(preTx) !== input.txRoot) throw txNotInBlock(preTx.index);
    pre = preTx.postStateRoot;
  }
  if (chainStateRoot(accountsRoot, ledgerRoot) !== pre.toLowerCase()) {
    throw verifierError('PRE_STATE_MISMATCH', `keccak256(accountsRoot ‖ ledgerRoot) is not the pre-state root ${pre}`, { preStateRoot: pre, accountsRoot, ledgerRoot }, WITNESS_HINT);
  }
}

function spend(input: TransitionInput, t: TxWitness, accountsRoot: Hex, accounts: readonly AccountWitness[]): { fault: number; root: Hex } {
  const x = t.tx;
  const none = (fault: number) => ({ fault, root: ZERO_BYTES32 });
  if (x.amount === 0n) return none(FAULT.zeroAmount);
  if (x.kind === TxKind.Transfer && x.toSlot === x.slot) return none(FAULT.selfTransfer);
  if (!signedByFrom(input, t)) return none(FAULT.badSignature);
  const a = witness(accounts, 0, x.slot);
  if (accountsRootOf(a) !== accountsRoot.toLowerCase()) throw invalidAccountProof(a.slot);
  if (isEmpty(a)) return none(FAULT.unknownSlot);
  if (a.owner !== x.from) return none(FAULT.slotOwner);
  if (a.token !== x.token) return none(FAULT.slotToken);
  if (a.nonce !== x.nonce) return none(FAULT.nonce);
  if (a.balance < x.amount) return none(FAULT.insufficientBalance);
  const root = accountsRootWith(a, accountLeaf({ owner: a.owner, token: a.token, balance: a.balance - x.amount, nonce: a.nonce + 1n }));
  if (x.kind === TxKind.Withdraw) return { fault: VALID, root };
  return credit(t, root, accounts, 1);
}

function credit(t: TxWitness, root: Hex, accounts: readonly AccountWitness[], position: number): { fault: number; root: Hex } {
  const x = t.tx;
  const r = witness(accounts, position, x.toSlot);
  if (accountsRootOf(r) !== root.toLowerCase()) throw invalidAccountProof(r.slot);
  let leaf: Uint8Array;
  if (isEmpty(r)) {
    leaf = accountLeaf({ owner: x.to, token: x.token, balance: x.amount, nonce: 0n });
  } else {
    if (r.owner !== x.to || r.token !== x.token) return { fault: FAULT.slotOccupied, root: ZERO_BYTES32 };
    if (r.balance > MAX_UINT256 - x.amount) return { fault: FAULT.balanceOverflow, root: ZERO_BYTES32 };
    leaf = accountLeaf({ owner: r.owner, token: r.token, balance: r.balance + x.amount, nonce: r.nonce });
  }
  return { fault: VALID, root: accountsRootWith(r, leaf) };
}

function witness(accounts: readonly AccountWitness[], position: number, slot: number): AccountWitness {
  const a = accounts[position];
  if (a === undefined) throw verifierError('MISSING_ACCOUNT_WITNESS', `account witness ${position} is missing`, { position }, WITNESS_HINT);
  if (a.slot !== slot) {
    throw verifierError('WRONG_WITNESS_SLOT', `account witness ${position} opens slot ${a.slot}, the tx needs ${slot}`, { position, slot: a.slot, expected: slot }, WITNESS_HINT);
  }
  return a;
}

/** The user's EIP-712 signature of a TRANSFER or WITHDRAW recovers `from` (v ∈ {27, 28}, low s). */
function signedByFrom(input: TransitionInput, t: TxWitness): boolean {
  const x = t.tx;
  if (x.v !== 27 && x.v !== 28) return false;
  if (wordToBigint(toBytes(x.s, 32)) > HALF_CURVE_ORDER) return false;
  const digest = signedTxDigestBytes(input.domain, {
    kind: x.kind as TxKind.Transfer | TxKind.Withdraw,
    chainId: input.chainId,
    slot: x.slot,
    to: x.to,
    token: x.token,
    amount: x.amount,
    nonce: x.nonce,
  });
  const signature = new Uint8Array(65);
  signature.set(toBytes(x.r, 32), 0);
  signature.set(toBytes(x.s, 32), 32);
  signature[64] = x.v;
  try {
    const signer = (input.scheme ?? secp256k1Scheme).recover(digest, signature);
    return signer !== ZERO_ADDRESS && signer === x.from;
  } catch {
    return false; // ecrecover's address(0)
  }
}

/**
 * missingDownEvent: undefined when position `t.index`, one of the header's first `h.depositNonce - prev.depositNonce`
 * txs, fails to hold the parent's next down event; else why not ("NOT_A_DOWN_POSITION", "DOWN_EVENT_PRESENT").
 */
export function missingDownEvent(h: Header, prev: Header, t: TxWitness): string | undefined {
  const count = h.depositNonce - prev.depositNonce;
  if (count < 0n) throw verifierError('ARITHMETIC_OVERFLOW', 'the header applies fewer down events than its parent', { counter: 'depositNonce' }, 'PlasmaFraudVerifier reverts with Panic(0x11) here');
  if (BigInt(t.index) >= count) return 'NOT_A_DOWN_POSITION';
  const x = t.tx;
  const empty = isEmptyTx(t);
  if (txRootWith(t, empty ? new Uint8Array(32) : txLeaf(x, t.postStateRoot, t.exitIndex)) !== h.txRoot.toLowerCase()) throw txNotInBlock(t.index);
  if (!empty && (x.kind === TxKind.Deposit || x.kind === TxKind.EdgeFromParent) && x.nonce === prev.depositNonce + BigInt(t.index) + 1n) {
    return 'DOWN_EVENT_PRESENT';
  }
  return undefined;
}

/** An all-zero witness: the empty position of the tx tree. */
function isEmptyTx(t: TxWitness): boolean {
  const x = t.tx;
  return x.kind === 0 && x.slot === 0 && x.toSlot === 0 && x.from === ZERO_ADDRESS && x.to === ZERO_ADDRESS && x.token === ZERO_ADDRESS && x.amount === 0n &&
    x.nonce === 0n && x.r === ZERO_BYTES32 && x.s === ZERO_BYTES32 && x.v === 0 && x.data === '0x' && t.postStateRoot === ZERO_BYTES32 && t.exitIndex === 0;
}

/**
 * invalidExits: undefined when block `h`'s exit tree is provably not the exits its transactions make (cases (a)-(d)
 * of PlasmaFraudVerifier.invalidExits, in its order), else why not ("NOT_THE_FIRST_TX", "NO_EXTRA_EXIT",
 * "EXIT_MATCHES", "EXIT_INDEX_OK", "NOT_PAST_THE_EXITS").
 */
export function invalidExits(h: Header, t: TxWitness, next: TxWitness, e: ExitWitness): string | undefined {
  const txRoot = h.txRoot.toLowerCase();
  const empty = isEmptyTx(t);
  if (txRootWith(t, empty ? new Uint8Array(32) : txLeaf(t.tx, t.postStateRoot, t.exitIndex)) !== txRoot) throw txNotInBlock(t.index);
  if (empty) {
    if (t.index !== 0) return 'NOT_THE_FIRST_TX';
    return exitLeafAt(h, e) !== ZERO_BYTES32 ? undefined : 'NO_EXTRA_EXIT';
  }
  if (t.index === 0 && t.exitIndex !== 0) return undefined;
  const made = makesExit(t.tx);
  const count = t.exitIndex + (made ? 1 : 0);
  if (made && e.index === t.exitIndex) {
    if (count > 2 ** EXIT_TREE_DEPTH) return undefined;
    return exitLeafAt(h, e) === exitLeafOfTx(t.tx, h.chainId.toLowerCase() as ChainId) ? 'EXIT_MATCHES' : undefined;
  }
  if (t.index + 1 < 2 ** TX_TREE_DEPTH) {
    if (next.index !== t.index + 1) {
      throw verifierError('BAD_NEXT_TX', `the next-tx witness is tx ${next.index}, not ${t.index + 1}`, { index: next.index, expected: t.index + 1 }, WITNESS_HINT);
    }
    const nextEmpty = isEmptyTx(next);
    if (txRootWith(next, nextEmpty ? new Uint8Array(32) : txLeaf(next.tx, next.postStateRoot, next.exitIndex)) !== txRoot) throw txNotInBlock(next.index);
    if (!nextEmpty) return next.exitIndex !== count ? undefined : 'EXIT_INDEX_OK';
  }
  if (e.index < count) return 'NOT_PAST_THE_EXITS';
  return exitLeafAt(h, e) !== ZERO_BYTES32 ? undefined : 'NO_EXTRA_EXIT';
}

/** The leaf of `e` after checking it under `h.exitRoot` (EXIT_INDEX_OUT_OF_RANGE, EXIT_NOT_IN_BLOCK). */
function exitLeafAt(h: Header, e: ExitWitness): Hex {
  if (!Number.isInteger(e.index) || e.index < 0 || e.index >= 2 ** EXIT_TREE_DEPTH) {
    throw verifierError('EXIT_INDEX_OUT_OF_RANGE', `exit index ${e.index} is 2^${EXIT_TREE_DEPTH} or more`, { index: e.index }, WITNESS_HINT);
  }
  if (fold(toBytes(e.leaf, 32), e.index, e.proof, EXIT_TREE_DEPTH) !== h.exitRoot.toLowerCase()) {
    throw verifierError('EXIT_NOT_IN_BLOCK', `exit leaf ${e.index} with its witness is not in the block's exit tree`, { index: e.index }, WITNESS_HINT);
  }
  return e.leaf.toLowerCase() as Hex;
}

/** malformedTx: whether tx `t` of block `h` (in its tx tree, else TX_NOT_IN_BLOCK) breaks its kind's form. */
export function malformedTx(h: Header, t: TxWitness): boolean {
  if (txRootOf(t) !== h.txRoot.toLowerCase()) throw txNotInBlock(t.index);
  return isMalformed(t);
}

/** core's form rules (checkBlockTxForm): kind 10 is well formed here, unlike in the deployed verifier. */
export function isMalformed(t: TxWitness): boolean {
  try {
    checkBlockTxForm(t.tx);
    return false;
  } catch (e) {
    if (e instanceof PlasmaError && e.code === 'MALFORMED_TX') return true;
    throw e;
  }
}

/**
 * PlasmaFraudVerifier.escapeStateRoot: the state root an escape's account witness and ledger root give,
 * keccak256(accountsRootOf(account) ‖ ledgerRoot); the host compares it with the head's stateRoot (docs/FRAUD.md §8).
 */
export function escapeStateRoot(ledgerRoot: Hex, account: AccountWitness): Hex {
  return chainStateRoot(accountsRootOf(account), ledgerRoot);
}

/** The tx root the witness's leaf and siblings give. */
export function txRootOf(t: TxWitness): Hex {
  return txRootWith(t, txLeaf(t.tx, t.postStateRoot, t.exitIndex));
}

function txRootWith(t: TxWitness, leaf: Uint8Array): Hex {
  if (t.index < 0 || t.index >= 2 ** TX_TREE_DEPTH) {
    throw verifierError('TX_INDEX_OUT_OF_RANGE', `tx index ${t.index} is 2^${TX_TREE_DEPTH} or more`, { index: t.index }, WITNESS_HINT);
  }
  return fold(leaf, t.index, t.proof, TX_TREE_DEPTH);
}

export function accountsRootOf(a: AccountWitness): Hex {
  return accountsRootWith(a, isEmpty(a) ? new Uint8Array(32) : accountLeaf(a));
}

export function accountsRootWith(a: AccountWitness, leaf: Uint8Array): Hex {
  return fold(leaf, a.slot, a.proof, STATE_TREE_DEPTH);
}

function fold(leaf: Uint8Array, index: number, proof: readonly Hex[], depth: number): Hex {
  let node = leaf;
  for (let level = 0; level < depth; level++) {
    const sibling = toBytes(proof[level], 32);
    node = Math.floor(index / 2 ** level) % 2 === 1 ? keccakHasher.hashPair(sibling, node) : keccakHasher.hashPair(node, sibling);
  }
  return bytesToHex(node);
}

export function isEmpty(a: AccountWitness): boolean {
  return a.owner === ZERO_ADDRESS && a.token === ZERO_ADDRESS && a.balance === 0n && a.nonce === 0n;
}

function txNotInBlock(index: number): PlasmaError {
  return verifierError('TX_NOT_IN_BLOCK', `tx ${index} with its witness is not in the block's tx tree`, { index }, WITNESS_HINT);
}

export function invalidAccountProof(slot: number): PlasmaError {
  return verifierError('INVALID_ACCOUNT_PROOF', `the witness of slot ${slot} does not open the accounts root`, { slot }, WITNESS_HINT);
}
