/**
 * The state transition function (docs/SPEC.md), pure and deterministic. `applyTx` validates everything
 * before it writes anything, so a refused transaction leaves the state untouched.
 *
 * Signature recovery is the expensive part (~75 µs native) and is separable: a node recovers senders in a
 * worker pool with `recoverSender`, places them with `placeSignedTx(state, tx, ctx, from)` and applies with
 * `{ signatureChecked: true }`.
 */
import { isCanonicalAddress, isHex, MAX_UINT256, normalizeAddress, writeHex, ZERO_BYTES32 } from './bytes.js';
import { signedTxDigestBytes, type Eip712Domain } from './eip712.js';
import { hashDeposit } from './encoding.js';
import { PlasmaError, type StfErrorCode } from './errors.js';
import { secp256k1Scheme, splitSignature, type SignatureScheme } from './signature.js';
import type { AccountState } from './state.js';
import { TxKind, type Account, type Address, type BlockTx, type ChainId, type Deposit, type Exit, type Hex, type SignedTx } from './types.js';

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

/** Applies one block transaction to `state`; throws a PlasmaError with an StfErrorCode and leaves `state` as it was. */
export function applyTx(state: AccountState, tx: BlockTx, ctx: StfContext, options: ApplyOptions = {}): TxOutcome {
  checkBlockTxForm(tx, state.depth);
  switch (tx.kind) {
    case TxKind.Deposit:
      applyDeposit(state, tx, ctx);
      return { postRoot: state.root };
    case TxKind.Transfer:
      applySpend(state, tx, ctx, options);
      return { postRoot: state.root };
    case TxKind.Withdraw:
      applySpend(state, tx, ctx, options);
      return { postRoot: state.root, exit: { recipient: tx.to, token: tx.token, amount: tx.amount } };
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

function checkSigner(tx: BlockTx, ctx: SigningContext): void {
  const digest = signedTxDigestBytes(ctx.domain, {
    kind: tx.kind as TxKind.Transfer | TxKind.Withdraw,
    chainId: ctx.chainId,
    slot: tx.slot,
    to: tx.to,
    token: tx.token,
    amount: tx.amount,
    nonce: tx.nonce,
  });
  const signature = new Uint8Array(65);
  writeHex(signature, 0, tx.r, 32);
  writeHex(signature, 32, tx.s, 32);
  signature[64] = tx.v;
  const signer = (ctx.scheme ?? secp256k1Scheme).recover(digest, signature);
  if (signer !== tx.from) throw wrongSigner(signer, tx.from);
}

/**
 * The sender of a SignedTx on this chain (the step a node runs in its worker pool). Throws WRONG_CHAIN when the
 * tx names another chain, BAD_SIGNATURE when the signature is malformed.
 */
export function recoverSender(tx: SignedTx, ctx: SigningContext): Address {
  checkChain(tx, ctx);
  return (ctx.scheme ?? secp256k1Scheme).recover(signedTxDigestBytes(ctx.domain, tx), tx.signature);
}

/**
 * Turns a user's SignedTx into its block form, choosing the recipient slot: the slot already holding
 * (to, token), else the lowest free slot. Recovers the sender unless `from` (already recovered) is given.
 * Place and apply one transaction at a time: the next free slot moves as accounts are created.
 */
export function placeSignedTx(state: AccountState, tx: SignedTx, ctx: SigningContext, from?: Address): BlockTx {
  checkChain(tx, ctx);
  if (tx.kind !== TxKind.Transfer && tx.kind !== TxKind.Withdraw) {
    throw stfError('MALFORMED_TX', `a signed tx is a transfer or a withdrawal, got kind ${String(tx.kind)}`, {
      hint: 'deposits come from the parent chain; users sign transfers and withdrawals',
      data: { field: 'kind' },
    });
  }
  const { r, s, v } = splitSignature(tx.signature);
  const sender = from ?? recoverSender(tx, ctx);
  const to = normalizeAddress(tx.to);
  const token = normalizeAddress(tx.token);
  const toSlot = tx.kind === TxKind.Withdraw ? 0 : (state.slotOf(to, token) ?? state.nextFreeSlot());
  return { kind: tx.kind, slot: tx.slot, toSlot, from: normalizeAddress(sender), to, token, amount: tx.amount, nonce: tx.nonce, r, s, v };
}

/** The block form of a parent deposit, credited to the recipient's existing slot for the token, else a free one. */
export function placeDeposit(state: AccountState, deposit: Deposit): BlockTx {
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
 * The SPEC's 11-word form: field ranges, canonical addresses, and the fixed fields of each kind (a deposit has
 * slot = 0 and r = s = v = 0, a withdrawal toSlot = 0).
 */
export function checkBlockTxForm(tx: BlockTx, stateDepth = 32): void {
  const maxSlot = 2 ** stateDepth;
  const bad = (field: string, expected: string, value: unknown): never => {
    throw stfError('MALFORMED_TX', `tx.${field} must be ${expected}, got ${describe(value)}`, {
      hint: 'build block transactions with placeSignedTx/placeDeposit, or decode them with blockTxFromJson',
      data: { field },
    });
  };
  if (tx.kind !== TxKind.Deposit && tx.kind !== TxKind.Transfer && tx.kind !== TxKind.Withdraw) bad('kind', '0, 1 or 2', tx.kind);
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
  if (tx.kind === TxKind.Deposit) {
    if (tx.slot !== 0) bad('slot', '0 in a deposit', tx.slot);
    if (tx.r !== ZERO_BYTES32) bad('r', 'zero in a deposit', tx.r);
    if (tx.s !== ZERO_BYTES32) bad('s', 'zero in a deposit', tx.s);
    if (tx.v !== 0) bad('v', '0 in a deposit', tx.v);
  } else if (tx.kind === TxKind.Withdraw && tx.toSlot !== 0) {
    bad('toSlot', '0 in a withdrawal', tx.toSlot);
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
