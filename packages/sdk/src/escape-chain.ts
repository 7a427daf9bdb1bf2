/**
 * The escape hatch one level down (docs/FRAUD.md §8): a chain C whose parent P is a chain, not L1, is frozen on P by
 * a PROVE_CHILD_FRAUD (kind 10), or by a FREEZE_STALLED_CHILD (kind 13, `freezeStalled`) once it committed nothing for
 * longer than its stall limit; its holders are then paid on P from C's last final head by ESCAPE_CHILD_EXIT (kind
 * 11), and the deposits P recorded for C that C never applied go back to their depositors on P by
 * RECLAIM_CHILD_DEPOSIT (kind 12). Both are unsigned and free: anyone submits them to a node of P. Only P's node and
 * a proof source of C (a node of C, or a stopped node's data directory) are needed; no validator of C.
 *
 * `ChainEscapeClient` has `EscapeClient`'s interface (`EscapeHatch`), with P's node in place of the root contract
 * and P's block clock in place of L1 time: `TreeClient.escape(chain)` hands out the one that hosts the chain.
 */
import { AbiCoder, keccak256 as ethersKeccak } from 'ethers';
import {
  PlasmaError,
  TxKind,
  hashDeposit,
  hashHeader,
  ledgerKeys,
  normalizeAddress,
  recordIs,
  type Address,
  type ChainId,
  type EscapeChildExitTx,
  type FreezeStalledChildTx,
  type Hex,
  type ReclaimChildDepositTx,
  type SignedTx,
} from '@plasma-tree/core';
import { plasmaError } from './errors.js';
import { NodeClient, type ChildChainInfo, type Receipt } from './node-client.js';
import {
  checkWitness,
  escapeProofSource,
  type ChainStatusName,
  type EscapeExitArgs,
  type EscapeExitResult,
  type EscapeHatch,
  type EscapeHatchStatus,
  type EscapeProofAnswer,
  type ReclaimResult,
  type ReclaimableDeposit,
} from './escape.js';

/**
 * A child of a chain as its parent's escape hatch sees it, by the parent's clock. The stall fields (docs/FRAUD.md §8)
 * are P's ledger's; they are null only from a node of P that predates the stall rule.
 */
export interface ChainHostEscapeStatus extends EscapeHatchStatus {
  host: 'chain';
  /** Seconds without a commit after which anyone may freeze the chain (FREEZE_STALLED_CHILD). */
  stallLimit: number | null;
  /** The first time by P's clock at which freezeStalled succeeds (lastActivity + stallLimit + 1). */
  stallableAt: number | null;
  /** 0 once stallable (or frozen). */
  secondsUntilStallable: number | null;
  /** The head's commit time on the parent (headWindowEnd − challengeWindow), or the spawn time before block 1. */
  lastActivity: number | null;
  /** The parent's head timestamp (`pt_time`); `now` is the later of it and the wall clock (the parent's next block). */
  parentTime: number;
}

export interface ChainEscapeClientOptions {
  /** A node of the parent chain P (its URL or a NodeClient): it answers the child's record and takes kinds 11/12. */
  parentNode: string | NodeClient;
  /** P's chain id (default: read from the node's pt_chainInfo). */
  parentChainId?: ChainId;
  /** Receipt polling, ms (default 250). */
  pollMs?: number;
  /** How long to wait for inclusion, ms (default 120 000). */
  timeoutMs?: number;
  /**
   * The wall clock, in seconds (default Date.now). P's next block is stamped no earlier than it, so `now` (what
   * finality is judged by) is max(pt_time, clock()), as P's node dry-runs kinds 11 and 12.
   */
  clock?: () => number;
}

const abi = AbiCoder.defaultAbiCoder();
const STATUS_NAMES: readonly ChainStatusName[] = ['live', 'frozen-fraud', 'frozen-stalled'];
const escapeError = (code: string, message: string, data: Record<string, unknown> = {}, hint?: string, cause?: unknown): PlasmaError => plasmaError(code, message, data, cause, hint);

export class ChainEscapeClient implements EscapeHatch {
  readonly host = 'chain' as const;
  readonly node: NodeClient;
  private parentId: ChainId | undefined;
  private readonly pollMs: number;
  private readonly timeoutMs: number;
  private readonly clock: () => number;

  constructor(opts: ChainEscapeClientOptions) {
    this.node = typeof opts.parentNode === 'string' ? new NodeClient(opts.parentNode) : opts.parentNode;
    this.parentId = opts.parentChainId?.toLowerCase() as ChainId | undefined;
    this.pollMs = opts.pollMs ?? 250;
    this.timeoutMs = opts.timeoutMs ?? 120_000;
    this.clock = opts.clock ?? (() => Math.floor(Date.now() / 1000));
  }

  /** P's chain id ('' until known: pass `parentChainId`, or call `getChainStatus` first). */
  get parentChainId(): ChainId {
    return this.parentId ?? ('' as ChainId);
  }

  private async parent(): Promise<ChainId> {
    this.parentId ??= (await this.node.chainInfo()).chainId.toLowerCase() as ChainId;
    return this.parentId;
  }

  // ---------------------------------------------------------------------------------------------- status

  async getChainStatus(chainId: ChainId): Promise<ChainHostEscapeStatus> {
    const child = chainId.toLowerCase() as ChainId;
    const [info, parentTime, parentChainId] = await Promise.all([this.node.getChildInfo(child), this.node.time(), this.parent()]);
    if (!info) {
      throw escapeError('UNKNOWN_CHAIN', `chain ${child} is not a child of chain ${parentChainId} (node ${this.node.url})`, { chainId: child, parentChainId },
        "ask a node of the chain's parent: the devnet file or `plasma-tree status` shows each chain's parent");
    }
    return statusOf(info, parentChainId, parentTime, Math.max(parentTime, this.clock()));
  }

  async subtreeBalances(chainId: ChainId, tokens: readonly string[]): Promise<Map<Address, bigint>> {
    const out = new Map<Address, bigint>();
    for (const t of tokens) {
      const token = normalizeAddress(t);
      out.set(token, await this.node.getSubtreeBalance(chainId.toLowerCase() as ChainId, token));
    }
    return out;
  }

  /** Whether slot `slot` of the frozen chain was paid on P (its EscapedSlot ledger entry). */
  async isEscaped(chainId: ChainId, slot: number): Promise<boolean> {
    const p = await this.node.getLedgerProof(ledgerKeys.escapedSlot(chainId.toLowerCase() as ChainId, slot));
    return p.entry !== null && p.entry !== undefined;
  }

  /**
   * Freezes a live child that committed nothing for longer than its stall limit (anyone may, for free): a
   * FREEZE_STALLED_CHILD (kind 13) sent to P's node and waited for until P includes it. CHAIN_IS_FROZEN when it is
   * frozen already, NOT_STALLED (with the seconds left by P's clock) before its limit has passed;
   * STALL_FREEZE_NOT_SUPPORTED from a node of P that predates the stall rule.
   */
  async freezeStalled(chainId: ChainId): Promise<{ txHash: Hex; frozenAt: number }> {
    const status = await this.getChainStatus(chainId);
    if (status.status !== 'live') {
      throw escapeError('CHAIN_IS_FROZEN', `chain ${status.chainId} is already frozen (${status.status}) on chain ${status.parentChainId}`, { chainId: status.chainId, status: status.status, frozenAt: status.frozenAt },
        'nothing to freeze: its holders can escape now (`plasma-tree escape exit`)');
    }
    if (status.stallLimit === null) {
      throw escapeError('STALL_FREEZE_NOT_SUPPORTED', `the node of chain ${status.parentChainId} (${this.node.url}) predates the stall rule: it reports no stall limit for chain ${status.chainId}`,
        { chainId: status.chainId, parentChainId: status.parentChainId }, "upgrade the parent chain's node (docs/FRAUD.md §8)");
    }
    if (status.secondsUntilStallable! > 0) throw notStalled(status);
    const tx: FreezeStalledChildTx = { kind: TxKind.FreezeStalledChild, chainId: status.parentChainId, child: status.chainId };
    const receipt = await this.submit('FREEZE_STALLED_CHILD', tx, (e) => {
      // P's clock may lag the wall clock: its dry run judges by its next block's time.
      if (e.code === 'NOT_STALLED') return notStalled(status, e);
      return e;
    });
    const after = await this.getChainStatus(status.chainId);
    return { txHash: receipt.txHash, frozenAt: after.frozenAt ?? 0 };
  }

  // ---------------------------------------------------------------------------------------------- escape

  /** The witness from `proofSource`, checked against P's record of the child's head before anything is sent. */
  async getEscapeProof(args: EscapeExitArgs): Promise<{ proof: EscapeProofAnswer; windowEnd: number; status: ChainHostEscapeStatus }> {
    const status = await this.getChainStatus(args.chainId);
    return { proof: await this.proofAt(args, status), windowEnd: status.headWindowEnd, status };
  }

  /**
   * Pays `owner`'s whole balance of `token` at the frozen child's final head to `owner` on P: an ESCAPE_CHILD_EXIT
   * sent to P's node, waited for until P includes it. CHAIN_NOT_FROZEN, HEAD_NOT_FINAL (with the seconds left by
   * P's clock), NOTHING_TO_ESCAPE, ALREADY_ESCAPED, PROOF_MISMATCH before sending; P's own refusals keep their codes.
   */
  async escapeExit(args: EscapeExitArgs): Promise<EscapeExitResult> {
    const status = await this.getChainStatus(args.chainId);
    requireFrozen(status);
    if (status.headNumber > 0 && !status.headFinal) throw headNotFinal(status);
    const proof = await this.proofAt(args, status);
    const a = proof.account;
    if (a.balance === 0n) {
      throw escapeError('NOTHING_TO_ESCAPE', `${a.owner} holds no ${a.token} at block ${status.headNumber} of chain ${status.chainId}`, { chainId: status.chainId, owner: a.owner, token: a.token, slot: a.slot });
    }
    if (await this.isEscaped(status.chainId, a.slot)) throw alreadyEscaped(status, proof);
    const tx: EscapeChildExitTx = {
      kind: TxKind.EscapeChildExit, chainId: status.parentChainId, child: status.chainId, head: proof.head, windowEnd: BigInt(status.headWindowEnd), ledgerRoot: proof.ledgerRoot, account: a,
    };
    const receipt = await this.submit('ESCAPE_CHILD_EXIT', tx, (e) => {
      if (e.code === 'CHALLENGE_WINDOW_OPEN') return headNotFinal(status);
      if (e.code === 'ALREADY_ESCAPED') return alreadyEscaped(status, proof, e);
      return e;
    });
    return { txHash: receipt.txHash, slot: a.slot, owner: a.owner, token: a.token, amount: a.balance, headNumber: status.headNumber, gasUsed: 0n, host: 'chain', blockNumber: receipt.blockNumber ?? 0 };
  }

  // ---------------------------------------------------------------------------------------------- reclaim

  /**
   * The deposits P recorded for the child above its head's depositNonce (never applied) whose Deposit entry is still
   * in P's ledger (not reclaimed yet), from `pt_getChildDeposits`; down edge events carry no value and are left out.
   */
  async reclaimableDeposits(args: { chainId: ChainId; depositor?: string }): Promise<ReclaimableDeposit[]> {
    const status = await this.getChainStatus(args.chainId);
    const child = status.chainId;
    const depositor = args.depositor === undefined ? undefined : normalizeAddress(args.depositor);
    const out: ReclaimableDeposit[] = [];
    for (let from = status.headDepositNonce + 1; from <= status.depositCount; from += 1000) {
      const page = await this.node.getChildDeposits(child, from, Math.min(status.depositCount, from + 999));
      for (const r of page) {
        if (r.kind !== 'deposit' || r.nonce <= BigInt(status.headDepositNonce)) continue;
        const d: ReclaimableDeposit = { chainId: child, nonce: r.nonce, from: r.from, to: r.to, token: r.token, amount: r.amount };
        if (depositor !== undefined && d.from !== depositor) continue;
        // A reclaimed deposit's entry is deleted (P's index still lists it): only those still recorded can be paid.
        const entry = (await this.node.getLedgerProof(ledgerKeys.deposit(child, d.nonce))).entry as { depositHash?: string } | null;
        if (entry && recordIs(String(entry.depositHash) as Hex, hashDeposit(d))) out.push(d);
      }
    }
    return out;
  }

  /** A RECLAIM_CHILD_DEPOSIT per reclaimable deposit (of `depositor` when given), each waited for; NOTHING_TO_RECLAIM if none. */
  async reclaimDeposits(args: { chainId: ChainId; depositor?: string }): Promise<ReclaimResult[]> {
    requireFrozen(await this.getChainStatus(args.chainId));
    const deposits = await this.reclaimableDeposits(args);
    if (deposits.length === 0) {
      throw escapeError('NOTHING_TO_RECLAIM', `chain ${args.chainId} has no unapplied deposit${args.depositor ? ` of ${args.depositor}` : ''} left to reclaim on chain ${this.parentChainId}`,
        { chainId: args.chainId, depositor: args.depositor ?? null });
    }
    const parent = await this.parent();
    const out: ReclaimResult[] = [];
    for (const d of deposits) {
      const tx: ReclaimChildDepositTx = { kind: TxKind.ReclaimChildDeposit, chainId: parent, child: d.chainId, nonce: d.nonce, from: d.from, to: d.to, token: d.token, amount: d.amount };
      const r = await this.submit('RECLAIM_CHILD_DEPOSIT', tx);
      out.push({ ...d, txHash: r.txHash, blockNumber: r.blockNumber ?? 0 });
    }
    return out;
  }

  // ---------------------------------------------------------------------------------------------- internals

  private async proofAt(args: EscapeExitArgs, status: ChainHostEscapeStatus): Promise<EscapeProofAnswer> {
    const owner = normalizeAddress(args.owner);
    const token = normalizeAddress(args.token);
    if (status.headNumber === 0) {
      throw escapeError('NOTHING_TO_ESCAPE', `chain ${status.chainId} never committed a block on chain ${status.parentChainId}: no account to escape from`, { chainId: status.chainId },
        'its deposits were never applied: take them back with `plasma-tree escape reclaim`');
    }
    const source = escapeProofSource(args.proofSource);
    let proof: EscapeProofAnswer;
    try {
      proof = await source.escapeProof({ chainId: status.chainId, owner, token, number: status.headNumber });
    } catch (e) {
      if (e instanceof PlasmaError && e.code === 'NOTHING_TO_ESCAPE') throw e;
      throw escapeError(e instanceof PlasmaError ? e.code : 'PROOF_UNAVAILABLE', `${source.description} cannot give the escape proof of ${owner}: ${(e as Error).message}`, { source: source.description },
        e instanceof PlasmaError ? e.hint || undefined : 'check the node URL or data directory', e);
    }
    const from = source.description;
    const mismatch = (what: string, data: Record<string, unknown> = {}) =>
      escapeError('PROOF_MISMATCH', `the escape proof from ${from} ${what}`, { source: from, ...data },
        `the source holds another chain, or blocks chain ${status.parentChainId} never committed: use another node or data directory`);
    if (proof.chainId.toLowerCase() !== status.chainId || proof.head.chainId.toLowerCase() !== status.chainId) throw mismatch(`is for chain ${proof.head.chainId}`);
    if (Number(proof.head.number) !== status.headNumber) throw mismatch(`is for block ${proof.head.number}, the parent's head of the chain is ${status.headNumber}`);
    // P's record of the head: keccak256(abi.encode(blockHash, windowEnd)), what kind 11 is checked against.
    const c = await this.node.getCommitment(status.chainId, status.headNumber);
    const blockHash = hashHeader(proof.head).toLowerCase();
    const expected = ethersKeccak(abi.encode(['bytes32', 'uint64'], [blockHash, status.headWindowEnd])).toLowerCase();
    if (!c || c.blockHash.toLowerCase() !== blockHash || c.windowEnd !== status.headWindowEnd || String(c.record).toLowerCase() !== expected) {
      throw mismatch(`has a header chain ${status.parentChainId} did not commit as block ${status.headNumber}`, { headNumber: status.headNumber });
    }
    checkWitness(proof, { owner, token }, status.headNumber, mismatch);
    return proof;
  }

  /**
   * Sends an unsigned parent-ledger tx (kinds 11-13, and 16 for ChainNestedEscapeClient) to P's node (its dry run
   * refuses with the ledger's code) and waits until P includes it.
   */
  async submit(what: string, tx: SignedTx, remap: (e: PlasmaError) => PlasmaError = (e) => e): Promise<Receipt> {
    let hash: Hex;
    try {
      hash = (await this.node.sendTransaction(tx)).hash;
    } catch (e) {
      throw e instanceof PlasmaError ? remap(e) : e;
    }
    const start = Date.now();
    for (;;) {
      const r = await this.node.getReceipt(hash);
      if (r?.status === 'rejected') {
        const code = r.reason ?? 'TX_REJECTED';
        throw remap(escapeError(code, `chain ${this.parentChainId} rejected the ${what} ${hash}: ${r.message ?? code}`, { txHash: hash, parentChainId: this.parentChainId }));
      }
      if (r && (r.status === 'included' || r.status === 'committed')) return r;
      if (Date.now() - start > this.timeoutMs) {
        throw escapeError('TIMEOUT', `${what} ${hash} not included by chain ${this.parentChainId} after ${Math.round(this.timeoutMs / 1000)} s`, { txHash: hash },
          "is the parent chain producing blocks? check its node's pt_getReceipt later: the transaction may still be included");
      }
      await new Promise((res) => setTimeout(res, this.pollMs));
    }
  }
}

function statusOf(info: ChildChainInfo, parentChainId: ChainId, parentTime: number, now: number): ChainHostEscapeStatus {
  const status = STATUS_NAMES[info.status] ?? 'frozen-fraud';
  // PlasmaRoot.freezeStalled's rule, as P's ledger runs it: stallable once now > lastActivity + stallLimit.
  const lastActivity = info.lastActivity ?? (info.headNumber === 0 ? info.spawnedAt : info.headWindowEnd - info.challengeWindow);
  const stallableAt = info.stallLimit === null || lastActivity === null ? null : lastActivity + info.stallLimit + 1;
  return {
    chainId: info.chainId,
    host: 'chain',
    parentChainId,
    status,
    frozenAt: status === 'live' ? null : info.frozenAt,
    stallLimit: info.stallLimit,
    challengeWindow: info.challengeWindow,
    lastActivity,
    stallableAt,
    secondsUntilStallable: stallableAt === null ? null : status === 'live' ? Math.max(0, stallableAt - now) : 0,
    headNumber: info.headNumber,
    headWindowEnd: info.headWindowEnd,
    headFinal: info.headNumber > 0 && now >= info.headWindowEnd,
    secondsUntilFinal: Math.max(0, info.headWindowEnd - now),
    headDepositNonce: info.headDepositNonce,
    depositCount: info.depositCount,
    now,
    parentTime,
  };
}

function requireFrozen(status: ChainHostEscapeStatus): void {
  if (status.status !== 'live') return;
  const wait = status.secondsUntilStallable;
  throw escapeError('CHAIN_NOT_FROZEN', `chain ${status.chainId} is live on its parent chain ${status.parentChainId}: the escape hatch opens once it is frozen`,
    { chainId: status.chainId, parentChainId: status.parentChainId, secondsUntilStallable: wait, stallableAt: status.stallableAt },
    wait === null
      ? 'a chain under a chain is frozen by a fraud proof on its parent (PROVE_CHILD_FRAUD; a watcher sends it); until then withdraw normally'
      : wait > 0
        ? `if its validators stay silent it can be frozen in ${wait} s (at time ${status.stallableAt} of chain ${status.parentChainId}); until then withdraw normally`
        : 'it has stalled: freeze it first with `plasma-tree escape freeze <chain>` (FREEZE_STALLED_CHILD)');
}

function notStalled(status: ChainHostEscapeStatus, cause?: unknown): PlasmaError {
  return escapeError('NOT_STALLED', `chain ${status.chainId} committed within its stall limit on chain ${status.parentChainId}: it can be frozen in ${status.secondsUntilStallable} s`,
    { chainId: status.chainId, parentChainId: status.parentChainId, stallableAt: status.stallableAt, secondsLeft: status.secondsUntilStallable, lastActivity: status.lastActivity, stallLimit: status.stallLimit },
    `retry once chain ${status.parentChainId}'s clock passes ${status.stallableAt} if it stays silent`, cause);
}

function headNotFinal(status: ChainHostEscapeStatus): PlasmaError {
  return escapeError('HEAD_NOT_FINAL', `the head (block ${status.headNumber}) of chain ${status.chainId} is still inside its challenge window on chain ${status.parentChainId}: ${status.secondsUntilFinal} s left`,
    { chainId: status.chainId, parentChainId: status.parentChainId, headWindowEnd: status.headWindowEnd, secondsLeft: status.secondsUntilFinal },
    `a fraud proof may still roll it back: escape once the parent's clock reaches ${status.headWindowEnd} (${status.secondsUntilFinal} s)`);
}

function alreadyEscaped(status: ChainHostEscapeStatus, proof: EscapeProofAnswer, cause?: unknown): PlasmaError {
  return escapeError('ALREADY_ESCAPED', `slot ${proof.account.slot} of chain ${status.chainId} (${proof.account.owner}, ${proof.account.token}) was already paid on chain ${status.parentChainId}`,
    { chainId: status.chainId, slot: proof.account.slot }, `each account leaves once: check the owner's balance on the parent chain (\`plasma-tree balance\`)`, cause);
}
