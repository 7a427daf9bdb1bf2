import {
  checkSender,
  PlasmaError,
  TxKind,
  bytesToHex,
  isUserSignedTx,
  NATIVE_TOKEN,
  signedTxDigestBytes,
  type Account,
  type Address,
  type ChainId,
  type Eip712Domain,
  type Hex,
  type SignedTx,
  type UserSignedTx,
} from '@plasma-tree/core';
import { unsignedTxHash } from './txHash.js';
import { nodeError } from './errors.js';
import type { NodeMetrics } from './metrics.js';
import type { RecoveryItem, RecoveryResult } from './sigPool.js';

/** A transaction admitted to the mempool, with what admission computed so block building need not redo it. */
export interface PendingTx {
  tx: SignedTx;
  /** The EIP-712 digest for a user-signed tx, `unsignedTxHash` for COMMIT_CHILD, FINALIZE_CHILD_EXIT and EDGE_FROM_CHILD. */
  hash: Hex;
  /** The recovered signer (owner of `tx.slot` when admitted); undefined for kinds 4, 5 and 9-13 (nobody signs them). */
  signer?: Address;
}

/**
 * Dry-runs a parent-kind or edge tx (3-7, 9) against a checkpoint of the state (checkpoint → apply → revert),
 * after those already waiting (`before`, failures ignored); throws the ledger's, the STF's or the edge
 * function's refusal.
 */
export type DryRun = (tx: SignedTx, signer: Address | undefined, before: readonly PendingTx[]) => void;

/** Per item of a submission: the hash, or why it was refused. */
export type SubmitResult = { hash: Hex } | { error: PlasmaError };

export interface MempoolComponents {
  chainId: ChainId;
  domain: Eip712Domain;
  /** The account in a slot after the newest block (or the block being built: see `settle`). */
  account(slot: number): Readonly<Account> | undefined;
  recoverSigners(items: readonly RecoveryItem[]): Promise<RecoveryResult[]>;
  /** Checks kinds 3-7 and 9 against the ledger and the edge functions; without it they are admitted on the account checks alone. */
  dryRun?: DryRun;
  metrics: NodeMetrics;
  /** Told of the transactions a local submission (JSON-RPC) admitted: the chain's network gossips them to the other nodes. */
  onAdmitted?(txs: SignedTx[]): void;
  /**
   * Makes admitted transactions durable before the submitter is answered (the store's journal), so that a node
   * killed after accepting a transaction still has it at restart. Not called for origin 'restore'.
   */
  journal?(admitted: readonly PendingTx[]): Promise<void>;
  /** Told of each signature recovered at admission, so that a block holding the tx does not recover it again. */
  signatures?: { rememberSigned(hash: Hex, signature: Hex, signer: Address): void };
}

/**
 * Where a submission comes from: 'local' (this node's JSON-RPC: gossiped once admitted), 'peer' (gossip), or
 * 'restore' (the journal, re-admitted at start: already durable, gossiped by the caller once peers are up).
 */
export type SubmitOrigin = 'local' | 'peer' | 'restore';

export interface MempoolOptions {
  /** Most transactions held (queued, being admitted or being built into a block). */
  maxTxs: number;
}

/** What the mempool holds per sender slot: its transactions not yet applied to the state. */
interface SlotPending {
  count: number;
  spend: bigint;
}

/** A submission that passed the stateless checks and waits for its signatures and its turn. */
interface Candidate {
  index: number;
  tx: SignedTx;
  /** The EIP-712 digest of a user-signed tx; undefined for kinds 4, 5 and 9. */
  digest?: Uint8Array;
  hash: Hex;
}

/**
 * Transactions waiting for a block, in arrival order (so per-slot FIFO). Admission checks chain id,
 * signature, slot ownership, and nonce and balance against the slot's pending state (the state plus what
 * its admitted transactions will do), with core's error codes; the refused get a clear reason.
 *
 * A submission is checked in three stages: stateless checks and hashing at once; signer recovery in the
 * signature pool (batched, off the main thread); then the stateful checks, run strictly in submission order
 * so that a client streaming nonces n, n+1, … over concurrent requests never sees a false nonce gap.
 */
export class Mempool {
  private readonly queue: PendingTx[] = [];
  /** queue[head] is the oldest queued transaction (a moving start keeps `take` O(taken)). */
  private head = 0;
  /** Hashes of every transaction held: queued, or taken for a block that is not persisted yet. */
  private readonly known = new Set<Hex>();
  /** Hashes being admitted (counted against the bound, refused as duplicates). */
  private readonly admitting = new Set<Hex>();
  private readonly pendingBySlot = new Map<number, SlotPending>();
  /** Parent-kind and edge txs (3-7, 9) admitted and not settled: a dry-run applies them first. */
  private readonly pendingParent: PendingTx[] = [];
  /** Tail of the admission chain: stateful checks run in submission order. */
  private admissionTail: Promise<unknown> = Promise.resolve();

  constructor(private readonly c: MempoolComponents, private readonly opts: MempoolOptions) {}

  /** Transactions held, including those in a block that is being built or persisted. */
  get size(): number {
    return this.known.size;
  }

  /** Transactions waiting to be taken into a block. */
  get queued(): number {
    return this.queue.length - this.head;
  }

  has(hash: Hex): boolean {
    return this.known.has(hash);
  }

  /** The nonce the next transaction of `slot` must carry. */
  pendingNonce(slot: number): bigint | undefined {
    const account = this.c.account(slot);
    if (!account) return undefined;
    return account.nonce + BigInt(this.pendingBySlot.get(slot)?.count ?? 0);
  }

  /**
   * Checks and admits `txs` (one batch, answered in order); never throws for a bad transaction. Addresses and
   * the chain id must be canonical (lowercase), as `signedTxFromJson` returns them.
   */
  submit(txs: readonly SignedTx[], origin: SubmitOrigin = 'local'): Promise<SubmitResult[]> {
    const results: SubmitResult[] = new Array(txs.length);
    const candidates: Candidate[] = [];
    for (let index = 0; index < txs.length; index++) {
      try {
        const candidate = this.precheck(txs[index], index);
        this.admitting.add(candidate.hash);
        candidates.push(candidate);
      } catch (e) {
        results[index] = { error: this.refuse(e) };
      }
    }
    // Recovery starts now, in parallel with earlier submissions; the stateful stage waits for their turn.
    const signed = candidates.filter((candidate) => candidate.digest !== undefined);
    const signers = signed.length > 0 ? this.c.recoverSigners(signed.map(toRecoveryItem)) : Promise.resolve([]);
    const admitted = this.admissionTail.then(async () => {
      let recovered: RecoveryResult[];
      try {
        recovered = await signers;
      } catch (e) {
        for (const candidate of candidates) this.admitting.delete(candidate.hash);
        throw e;
      }
      let next = 0;
      const admitted: PendingTx[] = [];
      for (let i = 0; i < candidates.length; i++) {
        const { index, hash, digest } = candidates[i];
        this.admitting.delete(hash);
        try {
          admitted.push(this.admit(candidates[i], digest === undefined ? undefined : recovered[next++]));
          results[index] = { hash };
        } catch (e) {
          results[index] = { error: this.refuse(e) };
        }
      }
      this.c.metrics.mempoolSize.set(this.size);
      if (admitted.length === 0) return results;
      // Durable before anyone hears "accepted"; a failed write fails the whole submission.
      if (origin !== 'restore' && this.c.journal) {
        try {
          await this.c.journal(admitted);
        } catch (e) {
          throw nodeError('JOURNAL_WRITE_FAILED', `the node could not write ${admitted.length} admitted transaction(s) to its journal: ${(e as Error)?.message ?? e}`,
            'the node\'s disk is failing or full: its operator must free space; the transactions may still be included, so ask pt_getReceipt before sending them again', { txs: admitted.length });
        }
      }
      if (origin === 'local' && this.c.onAdmitted) this.c.onAdmitted(admitted.map(({ tx }) => tx));
      return results;
    });
    this.admissionTail = admitted.catch(() => undefined);
    return admitted;
  }

  /**
   * Removes and returns up to `max` of the oldest queued transactions. They stay counted in their slot's
   * pending state until `settle` is called for each, and known (receipts say 'pending') until `release`.
   */
  take(max: number): PendingTx[] {
    const end = Math.min(this.queue.length, this.head + max);
    const taken = this.queue.slice(this.head, end);
    this.head = end;
    if (this.head > 4096 && this.head * 2 > this.queue.length) {
      this.queue.splice(0, this.head);
      this.head = 0;
    }
    return taken;
  }

  /**
   * A taken transaction was applied to the state or dropped: its slot's pending state stops counting it. Call
   * it in the same tick as the state change, so that admission never counts a transaction twice or not at all.
   */
  settle(pending: PendingTx): void {
    if (pending.tx.kind !== TxKind.Transfer && pending.tx.kind !== TxKind.Withdraw) {
      const at = this.pendingParent.indexOf(pending);
      if (at >= 0) this.pendingParent.splice(at, 1);
    }
    if (!isUserSignedTx(pending.tx)) return;
    const slot = pending.tx.slot;
    const entry = this.pendingBySlot.get(slot);
    if (!entry) return;
    entry.count--;
    entry.spend -= spendOf(pending.tx);
    if (entry.count === 0) this.pendingBySlot.delete(slot);
  }

  /**
   * Puts taken transactions back at the front of the queue, in their order, as they were before `take` (not
   * settled: still pending in their slots, still known): a block ended before them (its data chunk was full) and
   * the next block takes them first.
   */
  requeue(pendings: readonly PendingTx[]): void {
    if (pendings.length === 0) return;
    if (this.head >= pendings.length) {
      this.head -= pendings.length;
      for (let i = 0; i < pendings.length; i++) this.queue[this.head + i] = pendings[i];
    } else {
      this.queue.splice(this.head, 0, ...pendings);
    }
  }

  /** Up to `max` of the oldest queued transactions, left in the queue (a proposer's dry build). */
  peek(max: number): PendingTx[] {
    return this.queue.slice(this.head, Math.min(this.queue.length, this.head + max));
  }

  /**
   * Removes queued transactions for good (refused when a block was built, or included in a block a peer
   * proposed): they stop counting in their slot's pending state and are forgotten.
   */
  drop(pendings: Iterable<PendingTx>, release = true): void {
    const dropped = new Set(pendings);
    if (dropped.size === 0) return;
    const kept = this.queue.slice(this.head).filter((pending) => !dropped.has(pending));
    this.queue.length = 0;
    for (const pending of kept) this.queue.push(pending);
    this.head = 0;
    for (const pending of dropped) this.settle(pending);
    if (release) this.release([...dropped].map((pending) => pending.hash));
  }

  /**
   * Drops the queued transactions among `hashes` (a block decided elsewhere included them) in the tick the block's
   * state is applied; they stay known (receipts say 'pending') until `release` once the block is persisted. Returns
   * how many were queued.
   */
  dropIncluded(hashes: Iterable<Hex>): number {
    const included = new Set(hashes);
    const found = this.queue.slice(this.head).filter((pending) => included.has(pending.hash));
    this.drop(found, false);
    return found.length;
  }

  /** Forgets the hashes of transactions whose block is persisted (their receipts now come from the store). */
  release(hashes: Iterable<Hex>): void {
    for (const hash of hashes) this.known.delete(hash);
    this.c.metrics.mempoolSize.set(this.size);
  }

  /** Checks that need no state and no signature; also computes the hash. */
  private precheck(tx: SignedTx, index: number): Candidate {
    if (tx.chainId !== this.c.chainId) {
      throw new PlasmaError('WRONG_CHAIN', `the tx is for chain ${tx.chainId}, this node runs chain ${this.c.chainId}`, {
        hint: 'send it to the node of the chain it was signed for, or sign it again for this chain',
        data: { expected: this.c.chainId, found: tx.chainId },
      });
    }
    let digest: Uint8Array | undefined;
    let hash: Hex;
    if (isUserSignedTx(tx)) {
      if ((tx.kind === TxKind.Transfer || tx.kind === TxKind.Withdraw || tx.kind === TxKind.DepositToChild) && tx.amount === 0n) throw new PlasmaError('ZERO_AMOUNT', 'the amount is 0', { hint: 'send a positive amount' });
      digest = signedTxDigestBytes(this.c.domain, tx);
      hash = bytesToHex(digest);
    } else {
      hash = unsignedTxHash(tx);
    }
    if (this.known.has(hash) || this.admitting.has(hash)) {
      throw nodeError('TX_KNOWN', `transaction ${hash} is already in the mempool`, 'wait for its receipt (pt_getReceipt); to replace it, a new tx needs another nonce', { hash });
    }
    if (this.known.size + this.admitting.size >= this.opts.maxTxs) {
      throw nodeError('MEMPOOL_FULL', `the mempool holds its maximum of ${this.opts.maxTxs} transactions`, 'the node is busy; retry in a few seconds', { maxTxs: this.opts.maxTxs });
    }
    return { index, tx, digest, hash };
  }

  /** The stateful checks against the slot's pending state; on success the tx is queued. */
  private admit({ tx, hash }: Candidate, recovered: RecoveryResult | undefined): PendingTx {
    if (!isUserSignedTx(tx)) {
      // Kinds 4, 5, 9-13 and 15: nobody signs them; the ledger is the authority (quorum, proof, window, frozen or stalled child).
      const admitted: PendingTx = { tx, hash };
      this.c.dryRun?.(tx, undefined, this.pendingParent);
      this.pendingParent.push(admitted);
      this.queue.push(admitted);
      this.known.add(hash);
      this.c.metrics.txsAccepted.inc();
      return admitted;
    }
    if (recovered === undefined || 'error' in recovered) {
      throw new PlasmaError('BAD_SIGNATURE', recovered?.error ?? 'no signer recovered', { hint: 'sign the EIP-712 message with a secp256k1 key (65 bytes r ‖ s ‖ v, v 27/28, low s)' });
    }
    const { signer } = recovered;
    const pending = this.pendingBySlot.get(tx.slot);
    const amount = spendOf(tx);
    const token =
      tx.kind === TxKind.SpawnChild || tx.kind === TxKind.ChallengeChildData ? NATIVE_TOKEN
      : tx.kind === TxKind.EdgeSend ? (this.c.account(tx.slot)?.token ?? NATIVE_TOKEN)
      : tx.token;
    checkSender(tx.slot, this.c.account(tx.slot), { from: signer, token, nonce: tx.nonce, amount }, pending);
    if (tx.kind === TxKind.Transfer && tx.to === signer) {
      throw new PlasmaError('SELF_TRANSFER', `a transfer from slot ${tx.slot} back to its owner`, {
        hint: 'send to another address',
        data: { slot: tx.slot },
      });
    }
    const admitted: PendingTx = { tx, hash, signer };
    this.c.signatures?.rememberSigned(hash, tx.signature, signer);
    if (tx.kind === TxKind.DepositToChild || tx.kind === TxKind.SpawnChild || tx.kind === TxKind.EdgeSend || tx.kind === TxKind.ChallengeChildData) {
      this.c.dryRun?.(tx, signer, this.pendingParent);
      this.pendingParent.push(admitted);
    }
    if (pending) {
      pending.count++;
      pending.spend += amount;
    } else {
      this.pendingBySlot.set(tx.slot, { count: 1, spend: amount });
    }
    this.queue.push(admitted);
    this.known.add(hash);
    this.c.metrics.txsAccepted.inc();
    return admitted;
  }

  private refuse(e: unknown): PlasmaError {
    const error = e instanceof PlasmaError ? e : new PlasmaError('MALFORMED_TX', (e as Error)?.message ?? String(e));
    this.c.metrics.txsRejected.inc(1, error.code);
    return error;
  }
}

function toRecoveryItem({ digest, tx }: Candidate): RecoveryItem {
  return { digest: digest!, signature: (tx as UserSignedTx).signature };
}

/** What a user-signed tx takes out of its slot: the amount, the bond of a spawn or a data challenge, nothing for an edge call. */
function spendOf(tx: UserSignedTx): bigint {
  if (tx.kind === TxKind.EdgeSend) return 0n;
  return tx.kind === TxKind.SpawnChild || tx.kind === TxKind.ChallengeChildData ? tx.bond : tx.amount;
}
