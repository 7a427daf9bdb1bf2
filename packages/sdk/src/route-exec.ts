/**
 * Runs a planned route (docs/TREE.md §6) hop by hop, with its progress in a state file (route-state.ts) so an
 * interrupted transfer resumes exactly where it stopped:
 * - up hop (child → parent): sign the WITHDRAW and record it, send it, wait for a block; wait for the commitment
 *   and the challenge window by the parent's clock; finalize on the parent (L1, or FINALIZE_CHILD_EXIT);
 * - down hop (parent → child): record the L1 nonce or the signed DEPOSIT_TO_CHILD, send it, learn the child's
 *   deposit nonce; wait until the child applied it.
 * Every step is written (atomically) before the next begins and reported to `onProgress`; an aborted `signal`
 * stops the route after the step in progress (ABORTED), leaving a state file that `resumeRoute` continues.
 */
import { existsSync } from 'node:fs';
import { PlasmaError, NATIVE_TOKEN, signedTxFromJson, signedTxToJson, type Address, type Hex, type UserSignedTx } from '@plasma-tree/core';
import { getAddress } from 'ethers';
import { sleep, type PlasmaClient, type WithdrawalState } from './client.js';
import { plasmaError } from './errors.js';
import {
  l1DepositDecision,
  nextAction,
  newRouteState,
  readRouteState,
  recordedTxDecision,
  sameRoute,
  writeRouteState,
  currentHop,
  type HopState,
  type HopStep,
  type RouteState,
} from './route-state.js';
import type { Route, HopKind } from './tree.js';
import type { TreeClient } from './tree-client.js';

/** A report of the route's progress. */
export interface RouteProgress {
  /** 'step': a step happened and was recorded; 'wait': a poll while waiting (commitment, window, deposit). */
  type: 'step' | 'wait';
  /** 0-based index of the hop, and the number of hops. */
  hopIndex: number;
  hopCount: number;
  hop: { kind: HopKind; from: string; to: string };
  /** The hop's step (the last one recorded). */
  step: HopStep;
  /** What happened or what is awaited, in a sentence. */
  message: string;
  /** While an up hop waits: where the withdrawal stands on the parent. */
  withdrawalState?: WithdrawalState;
  /** While an up hop waits for its window: seconds left by the parent's clock (null until committed). */
  secondsLeft?: number | null;
  /** The transaction the step is about, when there is one. */
  txHash?: Hex;
  /** The route's state as recorded (do not mutate). */
  state: RouteState;
}

export interface ResumeRouteOptions {
  /** Stops the route after the step in progress (ABORTED); the state file keeps where it stopped. */
  signal?: AbortSignal;
  onProgress?: (p: RouteProgress) => void;
  /** Give up waiting for a deposit to be applied after this many ms (default: never). */
  depositTimeoutMs?: number;
}

export interface ExecuteRouteOptions extends ResumeRouteOptions {
  /** Default ETH. */
  token?: string;
  amount: bigint;
  /** Who receives the tokens on the last chain (default: the signer). */
  recipient?: string;
  /** Where to keep the progress. An existing file of the same route resumes it. Without one, progress lives in memory only. */
  stateFile?: string;
}

export interface RouteResult {
  state: RouteState;
  stateFile?: string;
  /** Whether the run continued a state file. */
  resumed: boolean;
}

const lower = (a: string): Address => getAddress(a).toLowerCase() as Address;

/** TreeClient.executeRoute. */
export async function executeRoute(tree: TreeClient, route: Route, opts: ExecuteRouteOptions): Promise<RouteResult> {
  if (!tree.signer) throw plasmaError('NO_SIGNER', 'executing a route needs a signer, this client is read-only', {}, undefined, 'create the TreeClient with an ethers Signer as `l1`');
  if (!route || !Array.isArray(route.hops)) throw plasmaError('INVALID_ROUTE', 'not a route', {}, undefined, 'pass what TreeClient.planRoute / planRoute returns');
  if (route.hops.length === 0) {
    throw plasmaError('EMPTY_ROUTE', 'the route has no hops: from and to are the same chain', { from: route.from }, undefined, 'to move tokens on one chain, use transfer');
  }
  if (typeof opts.amount !== 'bigint' || opts.amount <= 0n) {
    throw plasmaError('INVALID_AMOUNT', `the amount must be a positive bigint in base units, got ${String(opts.amount)}`, {}, undefined, 'use parseEther("1.5") / parseUnits(x, decimals) from ethers');
  }
  const account = await tree.address();
  let token: Address;
  let recipient: Address;
  try {
    token = lower(opts.token ?? NATIVE_TOKEN);
    recipient = opts.recipient ? lower(opts.recipient) : account;
  } catch {
    throw plasmaError('INVALID_ADDRESS', 'token and recipient must be addresses', { token: opts.token, recipient: opts.recipient }, undefined, 'pass 0x + 40 hex digits');
  }
  if (opts.stateFile && existsSync(opts.stateFile)) {
    const state = readRouteState(opts.stateFile);
    if (!sameRoute(state, { route, token, amount: opts.amount, recipient })) {
      throw plasmaError('ROUTE_STATE_MISMATCH', `${opts.stateFile} holds another route (${state.amount} of ${state.token} from ${state.from} to ${state.to})`, { file: opts.stateFile }, undefined,
        'resume it with `resumeRoute` (CLI: `plasma-tree send --resume <file>`), or pass another state file');
    }
    return run(tree, state, opts.stateFile, opts, true);
  }
  const state = newRouteState({ route, l1ChainId: await tree.l1ChainId(), rootContract: tree.rootContract, account, token, amount: opts.amount, recipient });
  if (opts.stateFile) writeRouteState(opts.stateFile, state);
  return run(tree, state, opts.stateFile, opts, false);
}

/** TreeClient.resumeRoute. */
export async function resumeRoute(tree: TreeClient, stateFile: string, opts: ResumeRouteOptions = {}): Promise<RouteResult> {
  if (!tree.signer) throw plasmaError('NO_SIGNER', 'resuming a route needs a signer, this client is read-only', {}, undefined, 'create the TreeClient with an ethers Signer as `l1`');
  return run(tree, readRouteState(stateFile), stateFile, opts, true);
}

async function run(tree: TreeClient, state: RouteState, file: string | undefined, opts: ResumeRouteOptions, resumed: boolean): Promise<RouteResult> {
  const account = await tree.address();
  if (state.account !== account) {
    throw plasmaError('WRONG_ACCOUNT', `the route was started by ${state.account}, this client signs as ${account}`, { expected: state.account, actual: account }, undefined,
      'resume it with the key that started it (CLI: the same --account)');
  }
  if (state.rootContract !== tree.rootContract || state.l1ChainId !== String(await tree.l1ChainId())) {
    throw plasmaError('WRONG_NETWORK', `the route belongs to root contract ${state.rootContract} on L1 chain ${state.l1ChainId}`, { rootContract: state.rootContract, l1ChainId: state.l1ChainId }, undefined,
      'resume it against the same L1 and root contract (CLI: --l1 / --root / --devnet-dir)');
  }
  const runner = new RouteRunner(tree, state, file, opts);
  await runner.run();
  return { state, ...(file ? { stateFile: file } : {}), resumed };
}

/** Errors worth retrying while a route waits. */
const TRANSIENT = new Set(['NODE_UNREACHABLE', 'NODE_TIMEOUT', 'NODE_HTTP_ERROR', 'L1_UNREACHABLE', 'L1_ERROR', 'NODE_CLOSING', 'MEMPOOL_FULL']);

class RouteRunner {
  private readonly amount: bigint;

  constructor(
    private readonly tree: TreeClient,
    private readonly state: RouteState,
    private readonly file: string | undefined,
    private readonly opts: ResumeRouteOptions,
  ) {
    this.amount = BigInt(state.amount);
  }

  async run(): Promise<void> {
    this.checkAbort();
    let transientFailures = 0;
    for (;;) {
      const action = nextAction(this.state);
      if (action.type === 'done') {
        if (!this.state.done) {
          this.state.done = true;
          this.state.hopIndex = this.state.hops.length;
          this.save();
        }
        return;
      }
      const hop = this.state.hops[action.hopIndex];
      hop.startedAt ??= new Date().toISOString();
      try {
        switch (action.type) {
          case 'withdraw':
            await this.withdraw(hop);
            break;
          case 'confirm-withdraw':
            await this.confirmSigned(hop, 'withdraw');
            break;
          case 'finalize':
            await this.finalize(hop);
            break;
          case 'confirm-finalize':
            await this.confirmFinalize(hop);
            break;
          case 'prepare-deposit':
            await this.prepareDeposit(hop);
            break;
          case 'confirm-deposit':
            if (hop.parentOn === 'l1') await this.confirmL1Deposit(hop);
            else await this.confirmSigned(hop, 'deposit');
            break;
          case 'wait-applied':
            await this.waitApplied(hop);
            break;
        }
        transientFailures = 0;
      } catch (e) {
        // A wait cut short by the signal: the route stops where its state says.
        if (e instanceof PlasmaError && e.code === 'ABORTED' && this.opts.signal?.aborted) this.checkAbort();
        // A route can take days: ride out a node or L1 that is briefly away; the state says where to go on.
        if (e instanceof PlasmaError && TRANSIENT.has(e.code) && ++transientFailures <= 10) {
          await sleep(this.tree.pollMs, this.opts.signal);
          continue;
        }
        throw e;
      }
      this.checkAbort();
    }
  }

  // ------------------------------------------------------------------------------------------ up

  private async withdraw(hop: HopState): Promise<void> {
    const c = this.tree.client(hop.from);
    const prepared = await c.prepareTx({ kind: 'withdraw', to: hop.recipient, token: this.state.token, amount: this.amount });
    this.record(hop, 'withdraw-signed', { withdrawTx: signedTxToJson(prepared.tx), withdrawTxHash: prepared.hash },
      `signed the withdrawal on ${this.name(hop.from)} (${prepared.hash})`, prepared.hash);
  }

  /**
   * A recorded signed transaction (the WITHDRAW of an up hop, the DEPOSIT_TO_CHILD of a down hop from a chain):
   * sends the same transaction if its chain does not know it, waits for a block, records the outcome.
   */
  private async confirmSigned(hop: HopState, what: 'withdraw' | 'deposit'): Promise<void> {
    // Both run on the hop's `from` chain: the child for a withdrawal, the parent for a deposit.
    const c = this.tree.client(hop.from);
    const hash = (what === 'withdraw' ? hop.withdrawTxHash : hop.depositTxHash)!;
    const json = what === 'withdraw' ? hop.withdrawTx! : hop.depositTx!;
    const restart = (why: string) =>
      this.record(hop, 'pending', { withdrawTx: undefined, withdrawTxHash: undefined, depositTx: undefined, depositTxHash: undefined }, why);
    let receipt = await c.getReceipt(hash);
    let decision = recordedTxDecision(receipt);
    if (decision === 'send') {
      try {
        await c.sendPrepared({ hash, tx: signedTxFromJson(json) as UserSignedTx, from: this.state.account });
        this.emit('wait', hop, `sent the ${what === 'withdraw' ? 'withdrawal' : 'deposit'} on ${this.name(hop.from)}; waiting for a block`, { txHash: hash });
      } catch (e) {
        if (!(e instanceof PlasmaError) || e.code !== 'NONCE_MISMATCH') throw e;
        // The nonce moved on: either this very transaction is in a block now, or another one took its nonce and
        // this one can never be included (nothing moved): sign a fresh one.
        receipt = await c.getReceipt(hash);
        if (!receipt) return restart(`the recorded ${what} can no longer be included (its nonce was used); signing it again`);
      }
      decision = recordedTxDecision(receipt ?? { status: 'pending' });
    }
    if (decision === 'rejected') {
      restart(`the ${what} ${hash} was rejected (${receipt!.reason ?? 'unknown reason'}); nothing moved`);
      throw plasmaError(receipt!.reason ?? 'TX_REJECTED', `the ${what} ${hash} on ${this.name(hop.from)} was rejected by the block producer${receipt!.message ? `: ${receipt!.message}` : ''}`,
        { txHash: hash }, undefined, 'nothing moved; check the balance, then resume the route (it signs a new transaction)');
    }
    let included;
    try {
      included = await c.waitForReceipt(hash, 'included', { signal: this.opts.signal, timeoutMs: 600_000 });
    } catch (e) {
      if (e instanceof PlasmaError && e.data?.rejected) restart(`the ${what} ${hash} was rejected (${e.code}); nothing moved`);
      throw e;
    }
    if (what === 'withdraw') {
      this.record(hop, 'withdrawn', { blockNumber: included.blockNumber!, exitIndex: included.exitIndex ?? undefined },
        `withdrawn on ${this.name(hop.from)} in block #${included.blockNumber}`, hash);
      return;
    }
    const record = await c.findChildDeposit(hop.to, { blockNumber: included.blockNumber!, index: included.index! });
    this.record(hop, 'deposited', { depositNonce: record.nonce.toString() },
      `deposited into ${this.name(hop.to)} on ${this.name(hop.from)} (block #${included.blockNumber}, deposit #${record.nonce})`, hash);
  }

  /** Waits for the commitment and the window by the parent's clock, then finalizes on the parent. */
  private async finalize(hop: HopState): Promise<void> {
    const c = this.tree.client(hop.from);
    const hash = hop.withdrawTxHash!;
    const status = await c.waitForWindow(hash, {
      signal: this.opts.signal,
      onProgress: (s) => {
        if (s.windowEnd !== null && hop.windowEnd !== s.windowEnd) hop.windowEnd = s.windowEnd;
        this.emit('wait', hop, waitMessage(s.state, this.name(hop.to), s.secondsLeft), { withdrawalState: s.state, secondsLeft: s.secondsLeft, txHash: hash });
      },
    });
    if (status.state === 'finalized') {
      this.record(hop, 'done', {}, `the exit was already paid on ${this.name(hop.to)}`);
      return;
    }
    let result;
    try {
      result = await c.finalizeExit(hash, {
        signal: this.opts.signal,
        onSent: (txHash) => this.record(hop, 'finalize-sent', { finalizeTxHash: txHash }, `sent the finalization on ${this.name(hop.to)} (${txHash})`, txHash),
      });
    } catch (e) {
      if (e instanceof PlasmaError && e.code === 'ALREADY_WITHDRAWN') {
        this.record(hop, 'done', {}, `the exit was already paid on ${this.name(hop.to)}`);
        return;
      }
      // The parent's clock lags the one we measured by (a chain's next block, L1's pending block): try again.
      if (e instanceof PlasmaError && e.code === 'CHALLENGE_WINDOW_OPEN') {
        await sleep(1000, this.opts.signal);
        return;
      }
      throw e;
    }
    this.record(hop, 'done', { finalizeTxHash: result.txHash },
      `paid to ${result.recipient} on ${this.name(hop.to)} (${result.on === 'l1' ? 'L1 tx' : 'block #' + result.blockNumber + ','} ${result.txHash})`, result.txHash);
  }

  /** A finalization was sent: done once the exit is spent on the parent; finalize again if it was not. */
  private async confirmFinalize(hop: HopState): Promise<void> {
    const c = this.tree.client(hop.from);
    const txHash = hop.finalizeTxHash!;
    try {
      if (hop.parentOn === 'l1') await c.waitForL1Tx(txHash, 'finalizeWithdrawal');
      else {
        const parent = (await c.parent())!;
        if (await parent.getReceipt(txHash)) await parent.waitForReceipt(txHash, 'included', { signal: this.opts.signal });
      }
    } catch (e) {
      // A reverted or rejected finalization: the status below decides.
      if (!(e instanceof PlasmaError) || TRANSIENT.has(e.code) || e.code === 'ABORTED') throw e;
    }
    const status = await c.withdrawalStatus(hop.withdrawTxHash!);
    if (status.state === 'finalized') this.record(hop, 'done', {}, `paid on ${this.name(hop.to)}`, txHash);
    else this.record(hop, 'withdrawn', { finalizeTxHash: undefined }, `the finalization ${txHash} did not pay the exit; finalizing again`);
  }

  // ------------------------------------------------------------------------------------------ down

  private async prepareDeposit(hop: HopState): Promise<void> {
    if (hop.parentOn === 'l1') {
      const c = this.tree.client(hop.to);
      await c.ensureAllowance(this.state.token, this.amount);
      const [l1Nonce, l1FromBlock] = await Promise.all([this.tree.provider.getTransactionCount(this.state.account, 'pending'), this.tree.provider.getBlockNumber()]);
      this.record(hop, 'deposit-prepared', { l1Nonce, l1FromBlock }, `deposit into ${this.name(hop.to)} on L1 prepared (L1 nonce ${l1Nonce})`);
      return;
    }
    const p = this.tree.client(hop.from);
    const prepared = await p.prepareTx({ kind: 'depositToChild', child: hop.to, to: hop.recipient, token: this.state.token, amount: this.amount });
    this.record(hop, 'deposit-signed', { depositTx: signedTxToJson(prepared.tx), depositTxHash: prepared.hash },
      `signed the deposit into ${this.name(hop.to)} on ${this.name(hop.from)} (${prepared.hash})`, prepared.hash);
  }

  /** An L1 deposit pinned to `hop.l1Nonce`: found by its event, or sent (once) with that nonce. */
  private async confirmL1Deposit(hop: HopState): Promise<void> {
    const c = this.tree.client(hop.to);
    const provider = this.tree.provider;
    const query = { from: this.state.account, l1Nonce: hop.l1Nonce!, fromBlock: hop.l1FromBlock! };
    let found = await c.findL1Deposit(query);
    if (!found && hop.depositTxHash) {
      // Sent before: wait until it is mined (null: the L1 node dropped it), then look again.
      const mined = await c.waitForL1Tx(hop.depositTxHash, 'deposit').catch((e) => {
        if (e instanceof PlasmaError && e.code === 'L1_REVERT') return null;
        throw e;
      });
      if (mined) found = await c.findL1Deposit(query);
    }
    const minedNonceCount = await provider.getTransactionCount(this.state.account, 'latest');
    const decision = l1DepositDecision({ found: !!found, pendingTxKnown: false, minedNonceCount, l1Nonce: hop.l1Nonce! });
    if (decision === 'found') {
      this.record(hop, 'deposited', { depositTxHash: found!.txHash, depositNonce: found!.nonce.toString() },
        `deposited into ${this.name(hop.to)} on L1 (deposit #${found!.nonce}, L1 tx ${found!.txHash})`, found!.txHash);
      return;
    }
    if (decision === 'reprepare') {
      this.record(hop, 'pending', { l1Nonce: undefined, l1FromBlock: undefined, depositTxHash: undefined }, `L1 nonce ${hop.l1Nonce} went to another transaction: the deposit did not happen; preparing it again`);
      return;
    }
    let d;
    try {
      d = await c.deposit(this.state.token, this.amount, {
        to: hop.recipient,
        nonce: hop.l1Nonce,
        onSent: ({ txHash }) => this.record(hop, 'deposit-sent', { depositTxHash: txHash }, `sent the deposit into ${this.name(hop.to)} on L1 (${txHash})`, txHash),
      });
    } catch (e) {
      // A transaction with this nonce is in flight or mined already (sent before a crash): look again shortly.
      if (e instanceof PlasmaError && /nonce|replacement|already known/i.test(e.message)) {
        await sleep(this.tree.pollMs, this.opts.signal);
        return;
      }
      throw e;
    }
    this.record(hop, 'deposited', { depositTxHash: d.txHash, depositNonce: d.nonce.toString() },
      `deposited into ${this.name(hop.to)} on L1 (deposit #${d.nonce}, L1 tx ${d.txHash})`, d.txHash);
  }

  private async waitApplied(hop: HopState): Promise<void> {
    const nonce = BigInt(hop.depositNonce!);
    await this.tree.client(hop.to).waitForDeposit(nonce, {
      signal: this.opts.signal,
      timeoutMs: this.opts.depositTimeoutMs ?? Number.POSITIVE_INFINITY,
      onProgress: (p) => this.emit('wait', hop, `waiting for ${this.name(hop.to)} to apply deposit #${nonce} (it applied #${p.depositNonce})`),
    });
    this.record(hop, 'done', {}, `${this.name(hop.to)} applied deposit #${nonce}: the tokens arrived`, hop.depositTxHash);
  }

  // ------------------------------------------------------------------------------------------ plumbing

  private name(id: string): string {
    return this.tree.nameOf(id);
  }

  /** Moves `hop` to `step` with `patch`, writes the state file, reports it. */
  private record(hop: HopState, step: HopStep, patch: Partial<HopState>, message: string, txHash?: Hex): void {
    for (const [k, v] of Object.entries(patch)) {
      if (v === undefined) delete (hop as unknown as Record<string, unknown>)[k];
      else (hop as unknown as Record<string, unknown>)[k] = v;
    }
    hop.step = step;
    hop.updatedAt = new Date().toISOString();
    this.save();
    this.emit('step', hop, message, txHash ? { txHash } : {});
  }

  private save(): void {
    this.state.hopIndex = currentHop(this.state);
    this.state.updatedAt = new Date().toISOString();
    if (this.file) writeRouteState(this.file, this.state);
  }

  private emit(type: RouteProgress['type'], hop: HopState, message: string, extra: Partial<RouteProgress> = {}): void {
    if (!this.opts.onProgress) return;
    const hopIndex = this.state.hops.indexOf(hop);
    this.opts.onProgress({ type, hopIndex, hopCount: this.state.hops.length, hop: { kind: hop.kind, from: hop.from, to: hop.to }, step: hop.step, message, ...extra, state: this.state });
  }

  private checkAbort(): void {
    const signal = this.opts.signal;
    if (!signal?.aborted) return;
    throw plasmaError('ABORTED', `the route stopped at hop ${this.state.hopIndex + 1} of ${this.state.hops.length} (${this.state.hops[this.state.hopIndex]?.step ?? 'done'})`,
      { hopIndex: this.state.hopIndex, ...(this.file ? { stateFile: this.file } : {}) }, signal.reason,
      this.file ? `nothing is lost: resume with \`plasma-tree send --resume ${this.file}\` (TreeClient.resumeRoute)` : 'pass a stateFile to be able to resume a route');
  }
}

function waitMessage(state: WithdrawalState, parent: string, secondsLeft: number | null): string {
  switch (state) {
    case 'pending':
      return 'waiting for the withdrawal to be included in a block';
    case 'included':
      return `waiting for the block to be committed on ${parent}`;
    case 'committed':
      return `committed on ${parent}; reading the challenge window`;
    case 'challenge-window':
      return `challenge window: ${secondsLeft ?? '?'} s left by ${parent}'s clock`;
    default:
      return `the window is over on ${parent}`;
  }
}
