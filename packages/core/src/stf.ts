/**
 * The state transition function (docs/SPEC.md), pure and deterministic. `applyTx` validates everything
 * before it writes anything, so a refused transaction leaves the state untouched.
 *
 * Signature recovery is the expensive part (~75 µs native) and is separable: a node recovers senders in a
 * worker pool with `recoverSender`, places them with `placeSignedTx(state, tx, ctx, from)` and applies with
 * `{ signatureChecked: true }`.
 *
 * The state is a ChainState: kinds 0-2 touch its accounts only; the parent kinds 3-6 (docs/TREE.md §3) run the
 * ParentLedger's rules on its ledger, with the block's timestamp as the clock, and debit or credit accounts.
 */
import { isCanonicalAddress, isHex, MAX_UINT256, normalizeAddress, writeHex, ZERO_BYTES32 } from './bytes.js';
import type { ChainState } from './chainState.js';
import { signedTxDigestBytes, type Eip712Domain, type UnsignedTx } from './eip712.js';
import { hashDeposit } from './encoding.js';
import { PlasmaError, type StfErrorCode } from './errors.js';
import type { ParentLedger } from './parentLedger.js';
import { secp256k1Scheme, splitSignature, type SignatureScheme } from './signature.js';
import type { AccountState } from './state.js';
import {
  decodeCommitChildData,
  decodeDepositToChildData,
  decodeFinalizeChildExitData,
  decodeSpawnChildData,
  encodeCommitChildData,
  encodeDepositToChildData,
  encodeFinalizeChildExitData,
  encodeSpawnChildData,
} from './txData.js';
import {
  NATIVE_TOKEN,
  TxKind,
  ZERO_ADDRESS,
  type Account,
  type Address,
  type BlockTx,
  type ChainId,
  type Deposit,
  type Exit,
  type Hex,
  type SignedTx,
  type UserSignedTx,
} from './types.js';

const MAX_UINT64 = (1n << 64n) - 1n;

export interface SigningContext {
  /** This chain's id; every user signature binds it. */
  chainId: ChainId;
  domain: Eip712Domain;
  /** Defaults to secp256k1Scheme. */
  scheme?: SignatureScheme;
}

export interface StfContext extends SigningContext {
  /** Highest parent deposit nonce applied before this transaction (0 = none). */
  lastDepositNonce: bigint;
  /** The block's timestamp (seconds): the clock of the ledger's commitments and challenge windows. */
  timestamp: bigint;
  /** The parent's depositHash for `nonce`, or undefined while the parent's record is not known. */
  depositRecord?(nonce: bigint): Hex | undefined;
}

export interface ApplyOptions {
  /** The caller already recovered the signer and it equals `tx.from` (e.g. in a worker thread). */
  signatureChecked?: boolean;
}

export interface TxOutcome {
  /** State root after the transaction (the per-transaction trace). */
  postRoot: Hex;
  /** Set for a withdrawal: the leaf it appends to the block's exit tree. */
  exit?: Exit;
}

/**
 * Applies one block transaction to `state`; throws a PlasmaError (an StfErrorCode, or for kinds 3-6 a
 * ParentLedgerErrorCode) and leaves `state` as it was.
 */
export function applyTx(state: ChainState, tx: BlockTx, ctx: StfContext, options: ApplyOptions = {}): TxOutcome {
  checkBlockTxForm(tx, state.depth);
  switch (tx.kind) {
    case TxKind.Deposit:
      applyDeposit(state.accounts, tx, ctx);
      return { postRoot: state.root };
    case TxKind.Transfer:
      applySpend(state.accounts, tx, ctx, options);
      return { postRoot: state.root };
    case TxKind.Withdraw:
      applySpend(state.accounts, tx, ctx, options);
      return { postRoot: state.root, exit: { recipient: tx.to, token: tx.token, amount: tx.amount } };
    case TxKind.DepositToChild:
      applyDepositToChild(state, tx, ctx, options);
      return { postRoot: state.root };
    case TxKind.CommitChild:
      applyCommitChild(state.ledger, tx, ctx);
      return { postRoot: state.root };
    case TxKind.FinalizeChildExit:
      applyFinalizeChildExit(state, tx, ctx);
      return { postRoot: state.root };
    case TxKind.SpawnChild:
      applySpawnChild(state, tx, ctx, options);
      return { postRoot: state.root };
  }
}

function applyDeposit(state: AccountState, tx: BlockTx, ctx: StfContext): void {
  const expectedNonce = ctx.lastDepositNonce + 1n;
  if (tx.nonce !== expectedNonce) {
    throw stfError('DEPOSIT_OUT_OF_ORDER', `deposit nonce ${tx.nonce} applied but the next one is ${expectedNonce}`, {
      hint: 'apply the parent chain deposits in order, each exactly once',
      data: { expected: String(expectedNonce), found: String(tx.nonce) },
    });
  }
  const record = ctx.depositRecord?.(tx.nonce);
  if (record === undefined) {
    throw stfError('DEPOSIT_UNKNOWN', `the parent's record of deposit ${tx.nonce} is not known here`, {
      hint: 'sync the parent chain up to this deposit, then retry',
      data: { nonce: String(tx.nonce) },
    });
  }
  const deposit: Deposit = { chainId: ctx.chainId, nonce: tx.nonce, from: tx.from, to: tx.to, token: tx.token, amount: tx.amount };
  const found = hashDeposit(deposit);
  if (found !== record.toLowerCase()) {
    throw stfError('DEPOSIT_MISMATCH', `deposit ${tx.nonce} hashes to ${found} but the parent recorded ${record}`, {
      hint: 'copy from, to, token and amount of the deposit exactly as the parent emitted them',
      data: { nonce: String(tx.nonce), expected: record, found },
    });
  }
  const credited = creditedAccount(state, tx);
  state.put(tx.toSlot, credited);
}

/** TRANSFER and WITHDRAW: the sender-side checks are the same. */
function applySpend(state: AccountState, tx: BlockTx, ctx: StfContext, options: ApplyOptions): void {
  const isTransfer = tx.kind === TxKind.Transfer;
  if (tx.amount === 0n) {
    throw stfError('ZERO_AMOUNT', 'the amount is 0', { hint: 'send a positive amount' });
  }
  if (isTransfer && tx.toSlot === tx.slot) {
    throw stfError('SELF_TRANSFER', `a transfer from slot ${tx.slot} back to itself`, {
      hint: 'send to another address, or to another token slot',
      data: { slot: tx.slot },
    });
  }
  const sender = state.get(tx.slot);
  checkSender(tx.slot, sender, tx);
  const credited = isTransfer ? creditedAccount(state, tx) : undefined;
  if (!options.signatureChecked) checkSigner(tx, ctx);

  state.put(tx.slot, { owner: sender.owner, token: sender.token, balance: sender.balance - tx.amount, nonce: sender.nonce + 1n });
  if (credited !== undefined) state.put(tx.toSlot, credited);
}

/** DEPOSIT_TO_CHILD: the sender-side checks of a withdrawal, then ParentLedger.deposit, then the debit. */
function applyDepositToChild(state: ChainState, tx: BlockTx, ctx: StfContext, options: ApplyOptions): void {
  const child = decodeDepositToChildData(tx.data);
  if (tx.amount === 0n) throw stfError('ZERO_AMOUNT', 'the amount is 0', { hint: 'deposit a positive amount' });
  const sender = state.accounts.get(tx.slot);
  checkSender(tx.slot, sender, tx);
  if (!options.signatureChecked) checkSigner(tx, ctx);
  // The ledger checks everything before it writes; the debit below cannot fail after the checks above.
  state.ledger.deposit({ child, from: tx.from, to: tx.to, token: tx.token, amount: tx.amount });
  state.accounts.put(tx.slot, debited(sender, tx.amount));
}

/** COMMIT_CHILD: ParentLedger.commit of the child's header and quorum, at the block's timestamp. */
function applyCommitChild(ledger: ParentLedger, tx: BlockTx, ctx: StfContext): void {
  const { child, header, signatures } = decodeCommitChildData(tx.data);
  ledger.commit({ child, header, signatures, now: ctx.timestamp, domain: ctx.domain, scheme: ctx.scheme });
}

/** FINALIZE_CHILD_EXIT: ParentLedger.finalizeExit, then the exit's amount credited to slot `toSlot`. */
function applyFinalizeChildExit(state: ChainState, tx: BlockTx, ctx: StfContext): void {
  const { child, header, windowEnd, exit, index, proof } = decodeFinalizeChildExitData(tx.data);
  if (exit.recipient !== tx.to || exit.token !== tx.token || exit.amount !== tx.amount) {
    throw stfError('MALFORMED_TX', `tx.to, tx.token and tx.amount must repeat the exit in tx.data (${exit.recipient}, ${exit.token}, ${exit.amount})`, {
      hint: 'build the transaction with placeSignedTx',
      data: { field: 'data' },
    });
  }
  const credited = creditedAccount(state.accounts, tx);
  state.ledger.finalizeExit({ child, header, windowEnd, exit, index, proof, now: ctx.timestamp });
  state.accounts.put(tx.toSlot, credited);
}

/** SPAWN_CHILD: the bond is spent from the signer's native-token slot, then ParentLedger.spawnChild. */
function applySpawnChild(state: ChainState, tx: BlockTx, ctx: StfContext, options: ApplyOptions): void {
  const { validators, threshold, challengeWindow } = decodeSpawnChildData(tx.data);
  const sender = state.accounts.get(tx.slot);
  checkSender(tx.slot, sender, tx);
  if (!options.signatureChecked) checkSigner(tx, ctx);
  state.ledger.spawnChild({ validators, threshold, challengeWindow, bond: tx.amount, spawner: tx.from });
  state.accounts.put(tx.slot, debited(sender, tx.amount));
}

function debited(sender: Account, amount: bigint): Account {
  return { owner: sender.owner, token: sender.token, balance: sender.balance - amount, nonce: sender.nonce + 1n };
}

/** What a mempool has already promised out of a slot: the transactions waiting and the amount they spend. */
export interface PendingSpend {
  count: number;
  spend: bigint;
}

/**
 * The sender-side rules of TRANSFER and WITHDRAW, shared by the STF and by a node's mempool (which checks a
 * transaction against the slot's state after the transactions it already accepted, `pending`).
 */
export function checkSender(
  slot: number,
  sender: Account | undefined,
  spend: { from: Address; token: Address; nonce: bigint; amount: bigint },
  pending?: PendingSpend,
): asserts sender is Account {
  if (sender === undefined) {
    throw stfError('UNKNOWN_SLOT', `slot ${slot} is empty`, {
      hint: 'sign with the slot that holds your balance (pt_getAccount returns it); deposit first if you have none',
      data: { slot },
    });
  }
  if (sender.owner !== spend.from) {
    throw stfError('SLOT_OWNER_MISMATCH', `slot ${slot} belongs to ${sender.owner}, not to the signer ${spend.from}`, {
      hint: "sign with the key of the slot's owner, for this chain's EIP-712 domain (L1 chain id and root contract)",
      data: { slot, expected: sender.owner, found: spend.from },
    });
  }
  if (sender.token !== spend.token) {
    throw stfError('SLOT_TOKEN_MISMATCH', `slot ${slot} holds token ${sender.token}, the tx spends ${spend.token}`, {
      hint: 'each token has its own slot: look it up with pt_getAccount(owner, token)',
      data: { slot, expected: sender.token, found: spend.token },
    });
  }
  const nonce = sender.nonce + BigInt(pending?.count ?? 0);
  if (nonce !== spend.nonce) {
    throw stfError('NONCE_MISMATCH', `slot ${slot} expects nonce ${nonce}, the tx has ${spend.nonce}`, {
      hint: pending
        ? 'sign again with pendingNonce from pt_getAccount (it counts the transactions waiting in the mempool)'
        : 'sign again with the nonce from pt_getAccount (pendingNonce while earlier txs are pending)',
      data: { slot, expected: String(nonce), found: String(spend.nonce) },
    });
  }
  const available = sender.balance - (pending?.spend ?? 0n);
  if (available < spend.amount) {
    const what = pending ? `can spend ${available} (balance ${sender.balance} minus pending transactions)` : `holds ${sender.balance}`;
    throw stfError('INSUFFICIENT_BALANCE', `slot ${slot} ${what}, the tx spends ${spend.amount}`, {
      hint: pending ? 'lower the amount, wait for pending transactions, or deposit more' : 'lower the amount or deposit more first',
      data: { slot, balance: String(sender.balance), available: String(available), amount: String(spend.amount) },
    });
  }
}

/** The recipient slot after receiving `tx.amount`, checked but not written. */
function creditedAccount(state: AccountState, tx: BlockTx): Account {
  const recipient = state.get(tx.toSlot);
  if (recipient === undefined) return { owner: tx.to, token: tx.token, balance: tx.amount, nonce: 0n };
  if (recipient.owner !== tx.to || recipient.token !== tx.token) {
    throw stfError('SLOT_OCCUPIED', `slot ${tx.toSlot} holds (${recipient.owner}, ${recipient.token}), not (${tx.to}, ${tx.token})`, {
      hint: 'credit the slot that already holds the recipient and token, or an empty one',
      data: { slot: tx.toSlot, owner: recipient.owner, token: recipient.token },
    });
  }
  const balance = recipient.balance + tx.amount;
  if (balance > MAX_UINT256) {
    throw stfError('BALANCE_OVERFLOW', `slot ${tx.toSlot} would exceed 2^256-1`, {
      hint: 'send to another account',
      data: { slot: tx.toSlot, balance: String(recipient.balance), amount: String(tx.amount) },
    });
  }
  return { owner: recipient.owner, token: recipient.token, balance, nonce: recipient.nonce };
}

/** The user-signed fields of a block tx of kind 1, 2, 3 or 6, on this chain. */
function unsignedOf(tx: BlockTx, chainId: ChainId): UnsignedTx {
  const { slot, to, token, amount, nonce } = tx;
  switch (tx.kind) {
    case TxKind.DepositToChild:
      return { kind: tx.kind, chainId, slot, child: decodeDepositToChildData(tx.data), to, token, amount, nonce };
    case TxKind.SpawnChild: {
      const { validators, threshold, challengeWindow } = decodeSpawnChildData(tx.data);
      return { kind: tx.kind, chainId, slot, validators, threshold, challengeWindow, bond: amount, nonce };
    }
    default:
      return { kind: tx.kind as TxKind.Transfer | TxKind.Withdraw, chainId, slot, to, token, amount, nonce };
  }
}

function checkSigner(tx: BlockTx, ctx: SigningContext): void {
  const digest = signedTxDigestBytes(ctx.domain, unsignedOf(tx, ctx.chainId));
  const signature = new Uint8Array(65);
  writeHex(signature, 0, tx.r, 32);
  writeHex(signature, 32, tx.s, 32);
  signature[64] = tx.v;
  const signer = (ctx.scheme ?? secp256k1Scheme).recover(digest, signature);
  if (signer !== tx.from) throw wrongSigner(signer, tx.from);
}

/** Whether a user signs `tx` (transfer, withdrawal, deposit to a child, spawn), i.e. it has a sender. */
export function isUserSignedTx(tx: SignedTx): tx is UserSignedTx {
  return tx.kind === TxKind.Transfer || tx.kind === TxKind.Withdraw || tx.kind === TxKind.DepositToChild || tx.kind === TxKind.SpawnChild;
}

/**
 * The sender of a user-signed tx on this chain (the step a node runs in its worker pool). Throws WRONG_CHAIN
 * when the tx names another chain, BAD_SIGNATURE when the signature is malformed.
 */
export function recoverSender(tx: UserSignedTx, ctx: SigningContext): Address {
  checkChain(tx, ctx);
  return (ctx.scheme ?? secp256k1Scheme).recover(signedTxDigestBytes(ctx.domain, tx), tx.signature);
}

/** What placing a transaction needs of the state: where a pair lives, and the next free slot. */
export type SlotIndex = Pick<AccountState, 'slotOf' | 'nextFreeSlot'>;

/**
 * Turns a SignedTx into its block form, choosing the recipient slot where it has one (a transfer, an exit paid
 * here): the slot already holding (to, token), else the lowest free slot. Recovers the sender of a user-signed
 * tx unless `from` (already recovered) is given. Place and apply one transaction at a time: the next free slot
 * moves as accounts are created.
 */
export function placeSignedTx(state: SlotIndex, tx: SignedTx, ctx: SigningContext, from?: Address): BlockTx {
  checkChain(tx, ctx);
  switch (tx.kind) {
    case TxKind.Transfer:
    case TxKind.Withdraw: {
      const { r, s, v } = splitSignature(tx.signature);
      const sender = from ?? recoverSender(tx, ctx);
      const to = normalizeAddress(tx.to);
      const token = normalizeAddress(tx.token);
      const toSlot = tx.kind === TxKind.Withdraw ? 0 : (state.slotOf(to, token) ?? state.nextFreeSlot());
      return { kind: tx.kind, slot: tx.slot, toSlot, from: normalizeAddress(sender), to, token, amount: tx.amount, nonce: tx.nonce, r, s, v, data: '0x' };
    }
    case TxKind.DepositToChild: {
      const { r, s, v } = splitSignature(tx.signature);
      const sender = from ?? recoverSender(tx, ctx);
      const to = normalizeAddress(tx.to);
      const token = normalizeAddress(tx.token);
      const data = encodeDepositToChildData(tx.child.toLowerCase() as ChainId);
      return { kind: tx.kind, slot: tx.slot, toSlot: 0, from: normalizeAddress(sender), to, token, amount: tx.amount, nonce: tx.nonce, r, s, v, data };
    }
    case TxKind.SpawnChild: {
      const { r, s, v } = splitSignature(tx.signature);
      const sender = from ?? recoverSender(tx, ctx);
      const validators = tx.validators.map((validator) => normalizeAddress(validator));
      const data = encodeSpawnChildData({ validators, threshold: tx.threshold, challengeWindow: tx.challengeWindow });
      const spawn = { kind: tx.kind, slot: tx.slot, toSlot: 0, from: normalizeAddress(sender), to: ZERO_ADDRESS, token: NATIVE_TOKEN };
      return { ...spawn, amount: tx.bond, nonce: tx.nonce, r, s, v, data };
    }
    case TxKind.CommitChild: {
      const data = encodeCommitChildData({ child: tx.child.toLowerCase() as ChainId, header: tx.header, signatures: tx.signatures });
      return { ...unsignedWords(tx.kind), data };
    }
    case TxKind.FinalizeChildExit: {
      const exit: Exit = { recipient: normalizeAddress(tx.exit.recipient), token: normalizeAddress(tx.exit.token), amount: tx.exit.amount };
      const data = encodeFinalizeChildExitData({ child: tx.child.toLowerCase() as ChainId, header: tx.header, windowEnd: tx.windowEnd, exit, index: tx.index, proof: tx.proof });
      const toSlot = state.slotOf(exit.recipient, exit.token) ?? state.nextFreeSlot();
      return { ...unsignedWords(tx.kind), toSlot, to: exit.recipient, token: exit.token, amount: exit.amount, data };
    }
    default:
      throw stfError('MALFORMED_TX', `unknown transaction kind ${String((tx as { kind: unknown }).kind)}`, {
        hint: 'deposits come from the parent chain; submit kinds 1-6',
        data: { field: 'kind' },
      });
  }
}

/** The words of a tx nobody signs (kinds 4, 5): all zero but the kind. */
function unsignedWords(kind: TxKind): Omit<BlockTx, 'data'> {
  return { kind, slot: 0, toSlot: 0, from: ZERO_ADDRESS, to: ZERO_ADDRESS, token: ZERO_ADDRESS, amount: 0n, nonce: 0n, r: ZERO_BYTES32, s: ZERO_BYTES32, v: 0 };
}

/** The block form of a parent deposit, credited to the recipient's existing slot for the token, else a free one. */
export function placeDeposit(state: SlotIndex, deposit: Deposit): BlockTx {
  const to = normalizeAddress(deposit.to);
  const token = normalizeAddress(deposit.token);
  return {
    kind: TxKind.Deposit,
    slot: 0,
    toSlot: state.slotOf(to, token) ?? state.nextFreeSlot(),
    from: normalizeAddress(deposit.from),
    to,
    token,
    amount: deposit.amount,
    nonce: deposit.nonce,
    r: ZERO_BYTES32,
    s: ZERO_BYTES32,
    v: 0,
    data: '0x',
  };
}

function checkChain(tx: SignedTx, ctx: SigningContext): void {
  if (typeof tx.chainId !== 'string' || tx.chainId.toLowerCase() !== ctx.chainId.toLowerCase()) {
    throw stfError('WRONG_CHAIN', `the tx is for chain ${String(tx.chainId)}, this is chain ${ctx.chainId}`, {
      hint: 'send it to the node of the chain it was signed for, or sign it again for this chain',
      data: { expected: ctx.chainId, found: tx.chainId },
    });
  }
}

/**
 * The SPEC's block form: field ranges, canonical addresses, and the fixed fields of each kind (docs/SPEC.md
 * "Transactions inside a block": e.g. a deposit has slot = 0 and r = s = v = 0, a withdrawal toSlot = 0, kinds
 * 0-2 have empty data). The layout of `data` itself is checked when the kind decodes it.
 */
export function checkBlockTxForm(tx: BlockTx, stateDepth = 32): void {
  const maxSlot = 2 ** stateDepth;
  const bad = (field: string, expected: string, value: unknown): never => {
    throw stfError('MALFORMED_TX', `tx.${field} must be ${expected}, got ${describe(value)}`, {
      hint: 'build block transactions with placeSignedTx/placeDeposit, or decode them with blockTxFromJson',
      data: { field },
    });
  };
  const kind = tx.kind;
  if (!Number.isInteger(kind) || kind < TxKind.Deposit || kind > TxKind.SpawnChild) bad('kind', 'an integer in 0..6', kind);
  if (!Number.isInteger(tx.slot) || tx.slot < 0 || tx.slot >= maxSlot) bad('slot', `a slot in 0..2^${stateDepth}-1`, tx.slot);
  if (!Number.isInteger(tx.toSlot) || tx.toSlot < 0 || tx.toSlot >= maxSlot) bad('toSlot', `a slot in 0..2^${stateDepth}-1`, tx.toSlot);
  if (!isCanonicalAddress(tx.from)) bad('from', 'a lowercase 0x address', tx.from);
  if (!isCanonicalAddress(tx.to)) bad('to', 'a lowercase 0x address', tx.to);
  if (!isCanonicalAddress(tx.token)) bad('token', 'a lowercase 0x address', tx.token);
  if (typeof tx.amount !== 'bigint' || tx.amount < 0n || tx.amount > MAX_UINT256) bad('amount', 'a uint256 bigint', tx.amount);
  if (typeof tx.nonce !== 'bigint' || tx.nonce < 0n || tx.nonce > MAX_UINT64) bad('nonce', 'a uint64 bigint', tx.nonce);
  if (!isHex(tx.r, 32)) bad('r', '32 bytes of 0x-hex', tx.r);
  if (!isHex(tx.s, 32)) bad('s', '32 bytes of 0x-hex', tx.s);
  if (!Number.isInteger(tx.v) || tx.v < 0 || tx.v > 255) bad('v', 'a uint8', tx.v);
  if (!isHex(tx.data)) bad('data', '0x-hex bytes', tx.data);
  const none = (field: 'slot' | 'toSlot', what: string): void => {
    if (tx[field] !== 0) bad(field, `0 in ${what}`, tx[field]);
  };
  const noSignature = (what: string): void => {
    if (tx.r !== ZERO_BYTES32) bad('r', `zero in ${what}`, tx.r);
    if (tx.s !== ZERO_BYTES32) bad('s', `zero in ${what}`, tx.s);
    if (tx.v !== 0) bad('v', `0 in ${what}`, tx.v);
  };
  const zeroAddress = (field: 'from' | 'to' | 'token', what: string): void => {
    if (tx[field] !== ZERO_ADDRESS) bad(field, `the zero address in ${what}`, tx[field]);
  };
  if (kind <= TxKind.Withdraw && tx.data !== '0x') bad('data', `empty (0x) in kind ${kind}`, tx.data);
  switch (kind) {
    case TxKind.Deposit:
      none('slot', 'a deposit');
      noSignature('a deposit');
      break;
    case TxKind.Withdraw:
      none('toSlot', 'a withdrawal');
      break;
    case TxKind.DepositToChild:
      none('toSlot', 'a deposit to a child');
      break;
    case TxKind.CommitChild:
      none('slot', 'a commitment');
      none('toSlot', 'a commitment');
      zeroAddress('from', 'a commitment');
      zeroAddress('to', 'a commitment');
      zeroAddress('token', 'a commitment');
      if (tx.amount !== 0n) bad('amount', '0 in a commitment', tx.amount);
      if (tx.nonce !== 0n) bad('nonce', '0 in a commitment', tx.nonce);
      noSignature('a commitment');
      break;
    case TxKind.FinalizeChildExit:
      none('slot', 'an exit finalization');
      zeroAddress('from', 'an exit finalization');
      if (tx.nonce !== 0n) bad('nonce', '0 in an exit finalization', tx.nonce);
      noSignature('an exit finalization');
      break;
    case TxKind.SpawnChild:
      none('toSlot', 'a spawn');
      zeroAddress('to', 'a spawn');
      if (tx.token !== NATIVE_TOKEN) bad('token', 'the native token (the zero address) in a spawn', tx.token);
      break;
  }
}

function wrongSigner(signer: Address, from: Address): PlasmaError {
  return stfError('BAD_SIGNATURE', `the signature recovers to ${signer}, the tx says it is from ${from}`, {
    hint: 'sign for this chain id and EIP-712 domain (L1 chain id and root contract), with the key of the sender',
    data: { expected: from, found: signer },
  });
}

function describe(value: unknown): string {
  if (typeof value === 'bigint') return `${value}n`;
  if (typeof value === 'string') return `"${value.length > 70 ? `${value.slice(0, 70)}…` : value}"`;
  return String(value);
}

function stfError(code: StfErrorCode, message: string, opts: { hint?: string; data?: Record<string, unknown> } = {}): PlasmaError {
  return new PlasmaError(code, message, opts);
}
