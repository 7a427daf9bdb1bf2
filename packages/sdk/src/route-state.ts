/**
 * The progress of a route (docs/TREE.md §6) as a JSON file, and the decisions a resumed route takes from it.
 *
 * After every step the executor writes the whole state atomically (a temporary file in the same directory, fsync,
 * rename), so a reader, or a run killed at any point, finds either the previous or the next state, never half of
 * one. What a step records is enough to finish it without doing it twice:
 * - a user-signed transaction on a chain (WITHDRAW, DEPOSIT_TO_CHILD) is recorded *signed, before it is sent*:
 *   resuming looks its hash up and sends the very same transaction again if the node does not know it (a second
 *   copy is refused: TX_KNOWN while it waits, NONCE_MISMATCH once a block holds it);
 * - an L1 deposit is recorded with the L1 account nonce it is sent with, before it is sent: resuming finds the
 *   `Deposited` event of that nonce, or sends with the same nonce again (a nonce is used once on L1);
 * - a finalization is idempotent on the parent (a spent exit is refused), and its status is read there.
 *
 * Everything here is pure apart from `readRouteState` / `writeRouteState`.
 */
import { closeSync, existsSync, fsyncSync, openSync, readFileSync, renameSync, rmSync, writeSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { basename, dirname, join } from 'node:path';
import { mkdirSync } from 'node:fs';
import { ROOT_CHAIN_ID, type Address, type ChainId, type Hex, type SignedTxJson } from '@plasma-tree/core';
import { plasmaError } from './errors.js';
import type { HopKind, Route } from './tree.js';

export const ROUTE_STATE_VERSION = 1;
export const ROUTE_STATE_TYPE = 'plasma-tree/route';

/**
 * Steps of an up hop (child → parent), in order:
 * `pending` → `withdraw-signed` (signed WITHDRAW recorded, maybe sent) → `withdrawn` (a block holds it) →
 * `finalize-sent` (the parent's finalization sent) → `done` (paid on the parent).
 */
export type UpStep = 'pending' | 'withdraw-signed' | 'withdrawn' | 'finalize-sent' | 'done';
/**
 * Steps of a down hop (parent → child), in order:
 * `pending` → `deposit-prepared` (L1: the nonce to send with recorded) or `deposit-signed` (a chain: signed
 * DEPOSIT_TO_CHILD recorded) → `deposit-sent` (L1: tx hash recorded) → `deposited` (the parent recorded it under
 * the child's deposit nonce) → `done` (the child applied it).
 */
export type DownStep = 'pending' | 'deposit-prepared' | 'deposit-signed' | 'deposit-sent' | 'deposited' | 'done';
export type HopStep = UpStep | DownStep;

export const UP_STEPS: readonly UpStep[] = ['pending', 'withdraw-signed', 'withdrawn', 'finalize-sent', 'done'];
export const DOWN_STEPS: readonly DownStep[] = ['pending', 'deposit-prepared', 'deposit-signed', 'deposit-sent', 'deposited', 'done'];

/** One hop of a route and what happened on it so far. */
export interface HopState {
  kind: HopKind;
  from: ChainId;
  to: ChainId;
  /** Where the parent half runs: 'l1' (the root contract) or 'chain' (the parent chain's node). */
  parentOn: 'l1' | 'chain';
  /** Who receives the tokens at the end of this hop: the signer, or the route's recipient on the last hop. */
  recipient: Address;
  step: HopStep;
  // ---- up
  /** The signed WITHDRAW (core's JSON form) and its hash. */
  withdrawTx?: SignedTxJson;
  withdrawTxHash?: Hex;
  /** The child's block holding the withdrawal, and the exit's position in it. */
  blockNumber?: number;
  exitIndex?: number;
  /** The parent's time at which the window ends, once known. */
  windowEnd?: number;
  /** The finalization: an L1 tx hash, or the FINALIZE_CHILD_EXIT's hash on the parent chain. */
  finalizeTxHash?: Hex;
  // ---- down
  /** L1: the account nonce the deposit is sent with, and the L1 block to search its event from. */
  l1Nonce?: number;
  l1FromBlock?: number;
  /** A chain: the signed DEPOSIT_TO_CHILD (core's JSON form). */
  depositTx?: SignedTxJson;
  /** The deposit: an L1 tx hash, or the DEPOSIT_TO_CHILD's hash on the parent chain. */
  depositTxHash?: Hex;
  /** The child's deposit nonce (decimal string). */
  depositNonce?: string;
  startedAt?: string;
  updatedAt?: string;
}

/** The state file of a route. Amounts are decimal strings. */
export interface RouteState {
  type: typeof ROUTE_STATE_TYPE;
  version: typeof ROUTE_STATE_VERSION;
  id: string;
  createdAt: string;
  updatedAt: string;
  l1ChainId: string;
  rootContract: Address;
  /** The signer that runs the route: a resume with another key is refused (WRONG_ACCOUNT). */
  account: Address;
  from: ChainId;
  to: ChainId;
  via: ChainId;
  token: Address;
  amount: string;
  recipient: Address;
  /** The first hop not done (= hops.length once the route is done). */
  hopIndex: number;
  done: boolean;
  hops: HopState[];
}

/** What the executor does next. */
export type RouteAction =
  | { type: 'done' }
  /** Up, pending: sign the WITHDRAW, record it, then send it. */
  | { type: 'withdraw'; hopIndex: number }
  /** Up, withdraw-signed: look the recorded hash up; send the same transaction if the node does not know it; wait for a block. */
  | { type: 'confirm-withdraw'; hopIndex: number }
  /** Up, withdrawn: wait for the commitment and the window by the parent's clock, then finalize on the parent. */
  | { type: 'finalize'; hopIndex: number }
  /** Up, finalize-sent: read the exit's status on the parent; done if paid, else finalize again. */
  | { type: 'confirm-finalize'; hopIndex: number }
  /** Down, pending: record the L1 nonce (L1), or sign and record the DEPOSIT_TO_CHILD (a chain). */
  | { type: 'prepare-deposit'; hopIndex: number }
  /** Down, deposit-prepared / deposit-signed / deposit-sent: find the recorded deposit, or send it (once). */
  | { type: 'confirm-deposit'; hopIndex: number }
  /** Down, deposited: wait until the child applied the deposit nonce. */
  | { type: 'wait-applied'; hopIndex: number };

/** The first hop that is not done: its index, or `hops.length`. */
export function currentHop(state: Pick<RouteState, 'hops'>): number {
  const i = state.hops.findIndex((h) => h.step !== 'done');
  return i === -1 ? state.hops.length : i;
}

/** The next action of a route, from its state alone (pure). */
export function nextAction(state: Pick<RouteState, 'hops'>): RouteAction {
  const hopIndex = currentHop(state);
  if (hopIndex === state.hops.length) return { type: 'done' };
  const hop = state.hops[hopIndex];
  if (hop.kind === 'up') {
    switch (hop.step as UpStep) {
      case 'pending':
        return { type: 'withdraw', hopIndex };
      case 'withdraw-signed':
        return { type: 'confirm-withdraw', hopIndex };
      case 'withdrawn':
        return { type: 'finalize', hopIndex };
      case 'finalize-sent':
        return { type: 'confirm-finalize', hopIndex };
    }
  } else {
    switch (hop.step as DownStep) {
      case 'pending':
        return { type: 'prepare-deposit', hopIndex };
      case 'deposit-prepared':
      case 'deposit-signed':
      case 'deposit-sent':
        return { type: 'confirm-deposit', hopIndex };
      case 'deposited':
        return { type: 'wait-applied', hopIndex };
    }
  }
  throw badState(`hop ${hopIndex + 1} (${hop.kind}) has an unknown step ${JSON.stringify(hop.step)}`);
}

/**
 * What to do with a recorded signed transaction given its receipt on the node (null: the node does not know it):
 * `send` it (the same one again), `wait` for a block, `confirmed` (a block holds it), or `rejected` (the block
 * producer refused it: nothing moved, so the step starts over with a fresh signature).
 */
export function recordedTxDecision(receipt: { status: 'pending' | 'included' | 'committed' | 'rejected' } | null): 'send' | 'wait' | 'confirmed' | 'rejected' {
  if (!receipt) return 'send';
  if (receipt.status === 'rejected') return 'rejected';
  return receipt.status === 'pending' ? 'wait' : 'confirmed';
}

/**
 * What to do with an L1 deposit recorded with account nonce `l1Nonce`, given what L1 says: `found` (its Deposited
 * event exists), `wait` (a transaction with that nonce is known but not mined), `send` (nothing used the nonce yet:
 * send the deposit with it), or `reprepare` (another transaction used the nonce: the deposit never happened, start
 * the step over with a fresh nonce).
 */
export function l1DepositDecision(o: { found: boolean; pendingTxKnown: boolean; minedNonceCount: number; l1Nonce: number }): 'found' | 'wait' | 'send' | 'reprepare' {
  if (o.found) return 'found';
  if (o.minedNonceCount > o.l1Nonce) return 'reprepare';
  return o.pendingTxKnown ? 'wait' : 'send';
}

/** A fresh state for `route`; every hop pending. */
export function newRouteState(o: {
  route: Route;
  l1ChainId: bigint | number | string;
  rootContract: Address;
  account: Address;
  token: Address;
  amount: bigint;
  recipient: Address;
  now?: Date;
}): RouteState {
  const now = (o.now ?? new Date()).toISOString();
  const hops: HopState[] = o.route.hops.map((h, i) => {
    const parent = h.kind === 'up' ? h.to : h.from;
    return {
      kind: h.kind,
      from: h.from.toLowerCase() as ChainId,
      to: h.to.toLowerCase() as ChainId,
      parentOn: parent.toLowerCase() === ROOT_CHAIN_ID ? 'l1' : 'chain',
      recipient: i === o.route.hops.length - 1 ? o.recipient : o.account,
      step: 'pending',
    };
  });
  return {
    type: ROUTE_STATE_TYPE,
    version: ROUTE_STATE_VERSION,
    id: randomBytes(8).toString('hex'),
    createdAt: now,
    updatedAt: now,
    l1ChainId: String(o.l1ChainId),
    rootContract: o.rootContract,
    account: o.account,
    from: o.route.from.toLowerCase() as ChainId,
    to: o.route.to.toLowerCase() as ChainId,
    via: o.route.via.toLowerCase() as ChainId,
    token: o.token,
    amount: o.amount.toString(),
    recipient: o.recipient,
    hopIndex: 0,
    done: hops.length === 0,
    hops,
  };
}

/** Whether `state` is the state of moving `amount` of `token` to `recipient` along `route`. */
export function sameRoute(state: RouteState, o: { route: Route; token: Address; amount: bigint; recipient: Address }): boolean {
  return state.from === o.route.from.toLowerCase()
    && state.to === o.route.to.toLowerCase()
    && state.token === o.token
    && state.amount === o.amount.toString()
    && state.recipient === o.recipient
    && state.hops.length === o.route.hops.length
    && state.hops.every((h, i) => h.kind === o.route.hops[i].kind && h.from === o.route.hops[i].from.toLowerCase() && h.to === o.route.hops[i].to.toLowerCase());
}

// ------------------------------------------------------------------------------------------------ the file

function badState(message: string, data: Record<string, unknown> = {}): Error {
  return plasmaError('ROUTE_STATE_CORRUPT', message, data, undefined, 'the file was edited or truncated by hand: restore it, or start the route again with a new state file (check balances first: part of it may have happened)');
}

/**
 * Writes `state` to `file` atomically: a temporary file next to it, fsync, rename over `file`. A crash leaves the
 * previous state or the new one, never half a file.
 */
export function writeRouteState(file: string, state: RouteState): void {
  const dir = dirname(file);
  mkdirSync(dir, { recursive: true });
  const tmp = join(dir, `.${basename(file)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  const fd = openSync(tmp, 'wx', 0o600);
  try {
    writeSync(fd, `${JSON.stringify(state, null, 2)}\n`);
    fsyncSync(fd);
  } catch (e) {
    closeSync(fd);
    rmSync(tmp, { force: true });
    throw plasmaError('ROUTE_STATE_WRITE_FAILED', `cannot write the route state ${file}: ${(e as Error).message}`, { file }, e, 'check the disk space and the permissions of the directory');
  }
  closeSync(fd);
  try {
    renameSync(tmp, file);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw plasmaError('ROUTE_STATE_WRITE_FAILED', `cannot replace the route state ${file}: ${(e as Error).message}`, { file }, e, 'check the permissions of the directory');
  }
  try {
    // Make the rename itself durable where the platform allows fsync on a directory.
    const dfd = openSync(dir, 'r');
    try {
      fsyncSync(dfd);
    } finally {
      closeSync(dfd);
    }
  } catch { /* not supported here (Windows): the rename is still atomic */ }
}

const HEX32 = /^0x[0-9a-f]{64}$/;
const ADDRESS = /^0x[0-9a-f]{40}$/;

/** Reads and checks a route state file (ROUTE_STATE_NOT_FOUND, ROUTE_STATE_CORRUPT, ROUTE_STATE_VERSION). */
export function readRouteState(file: string): RouteState {
  if (!existsSync(file)) {
    throw plasmaError('ROUTE_STATE_NOT_FOUND', `no route state file ${file}`, { file }, undefined, 'pass the file that `plasma-tree send` (executeRoute) wrote: its path was printed when the route started');
  }
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw plasmaError('ROUTE_STATE_CORRUPT', `${file} is not valid JSON`, { file }, e, 'the file was edited or truncated by hand: restore it, or start the route again with a new state file (check balances first: part of it may have happened)');
  }
  return checkRouteState(raw, file);
}

/** Validates the shape of a parsed state file. */
export function checkRouteState(raw: unknown, file = 'the route state'): RouteState {
  const s = raw as RouteState;
  if (!s || typeof s !== 'object' || s.type !== ROUTE_STATE_TYPE) throw badState(`${file} is not a Plasma Tree route state`, { file });
  if (s.version !== ROUTE_STATE_VERSION) {
    throw plasmaError('ROUTE_STATE_VERSION', `${file} has format version ${JSON.stringify(s.version)}, this SDK reads version ${ROUTE_STATE_VERSION}`, { file, version: s.version }, undefined,
      'resume it with the plasma-tree version that started it');
  }
  const checks: Array<[boolean, string]> = [
    [HEX32.test(s.from ?? '') && HEX32.test(s.to ?? '') && HEX32.test(s.via ?? ''), 'from / to / via must be chain ids'],
    [ADDRESS.test(s.rootContract ?? '') && ADDRESS.test(s.account ?? '') && ADDRESS.test(s.token ?? '') && ADDRESS.test(s.recipient ?? ''), 'rootContract / account / token / recipient must be lowercase addresses'],
    [typeof s.amount === 'string' && /^[1-9][0-9]*$/.test(s.amount), 'amount must be a positive decimal string'],
    [Array.isArray(s.hops), 'hops must be a list'],
  ];
  for (const [ok, what] of checks) if (!ok) throw badState(`${file}: ${what}`, { file });
  s.hops.forEach((h, i) => {
    const steps: readonly string[] = h?.kind === 'up' ? UP_STEPS : h?.kind === 'down' ? DOWN_STEPS : [];
    if (!steps.includes(h.step)) throw badState(`${file}: hop ${i + 1} has kind ${JSON.stringify(h?.kind)} and step ${JSON.stringify(h?.step)}`, { file, hop: i });
    if (!HEX32.test(h.from) || !HEX32.test(h.to) || !ADDRESS.test(h.recipient) || (h.parentOn !== 'l1' && h.parentOn !== 'chain')) throw badState(`${file}: hop ${i + 1} is malformed`, { file, hop: i });
    const need = (cond: boolean, what: string) => {
      if (!cond) throw badState(`${file}: hop ${i + 1} is at step ${h.step} but has no ${what}`, { file, hop: i });
    };
    if (h.step === 'withdraw-signed') need(!!h.withdrawTx && !!h.withdrawTxHash, 'signed withdrawal');
    if (h.step === 'withdrawn' || h.step === 'finalize-sent') need(!!h.withdrawTxHash && h.blockNumber !== undefined && h.exitIndex !== undefined, 'withdrawal block');
    if (h.step === 'finalize-sent') need(!!h.finalizeTxHash, 'finalization hash');
    if (h.step === 'deposit-prepared' || h.step === 'deposit-sent') need(h.l1Nonce !== undefined && h.l1FromBlock !== undefined, 'L1 nonce');
    if (h.step === 'deposit-signed') need(!!h.depositTx && !!h.depositTxHash, 'signed deposit');
    if (h.step === 'deposited') need(typeof h.depositNonce === 'string' && /^[0-9]+$/.test(h.depositNonce), 'deposit nonce');
  });
  return s;
}
