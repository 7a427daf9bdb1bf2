import { BURN_ADDRESS, BlockBuilder, TxKind, type Account, type Block, type BlockTx, type Hex, type LedgerEntry } from '@plasma-tree/core';
import type { Chain } from './chain.js';
import type { BlockWrite, ChildCommitmentRecord, ChildDepositRecord, Rejection } from './db/chainStore.js';
import { ledgerEffects } from './ledgerEffects.js';
import type { PendingTx } from './mempool.js';
import { downEventRecord, type DownEvent } from './parent/confirmedDeposits.js';

/**
 * One block being put together on the chain's state, with the bookkeeping its atomic write needs (the hashes its
 * transactions are filed under, the account slots and ledger keys it wrote, the records its children's nodes read).
 * The producer fills one from the down stream and the mempool; a node importing a peer's block replays the block's
 * transactions into one and checks that it seals to the same hash. Either way the same code decides what is stored.
 */
export class BlockAssembly {
  readonly builder: BlockBuilder;
  readonly txHashes: Hex[] = [];
  readonly touchedSlots = new Set<number>();
  readonly childDeposits: ChildDepositRecord[] = [];
  readonly childCommitments: ChildCommitmentRecord[] = [];
  depositCount = 0;
  edgeEventCount = 0;

  /** `unbudgeted`: built without the chunk byte budget (fault injection only: oversized-chunk). */
  constructor(private readonly chain: Chain, depositRecord: (nonce: bigint) => Hex | undefined, timestamp: bigint, unbudgeted = false) {
    const ctx = chain.blockContext(depositRecord);
    this.builder = new BlockBuilder({ parent: chain.headHeader, state: chain.state, ctx: unbudgeted ? { ...ctx, chunkBudget: undefined } : ctx, timestamp });
  }

  /** The parent's next down event (kind 0 or 8); throws when it cannot be applied (nothing changes then). */
  addDownEvent(event: DownEvent): void {
    if (event.kind === 'deposit') {
      this.touchedSlots.add(this.builder.addDeposit(event.deposit).toSlot);
      this.depositCount++;
    } else {
      // A receive half that throws does not stop it: the event is consumed, its delivery recorded as failed.
      this.builder.addEdgeFromParent(event.event);
      this.edgeEventCount++;
    }
    // Filed under the parent's record (a depositHash, an edgeDownRecord), as pt_getReceipt finds it.
    this.txHashes.push(downEventRecord(this.chain.params.chainId, event));
  }

  /** A mempool transaction; throws the STF's refusal (nothing changes then). */
  addPending(pending: PendingTx): BlockTx {
    const placed = this.builder.addSignedTx(pending.tx, pending.signer);
    this.track(placed, pending.hash);
    return placed;
  }

  /** A transaction of a peer's block, in block form, filed under `hash` (txHash.ts `blockTxHash`). */
  addBlockTx(tx: BlockTx, hash: Hex): void {
    // A signature this node checked before (the proposal it checked, the block it built) is not recovered again.
    const checked = this.chain.signatures.has(hash, tx);
    this.builder.add(tx, checked ? { signatureChecked: true } : undefined);
    if (!checked) this.chain.signatures.remember(hash, tx);
    if (tx.kind === TxKind.Deposit) {
      this.touchedSlots.add(tx.toSlot);
      this.depositCount++;
    } else if (tx.kind === TxKind.EdgeFromParent) {
      this.edgeEventCount++;
    }
    if (tx.kind === TxKind.Deposit || tx.kind === TxKind.EdgeFromParent) this.txHashes.push(hash);
    else this.track(tx, hash);
  }

  private track(placed: BlockTx, hash: Hex): void {
    const { chain, builder } = this;
    this.txHashes.push(hash);
    for (const slot of slotsWritten(placed)) this.touchedSlots.add(slot);
    // PROVE_CHILD_FRAUD, CHILD_DATA_CALL: the payee's slot and the burn slot (the tx's `slot` word), where the STF
    // wrote them (none for a 0 payment; `slot` is 0 when nothing burns).
    if (placed.kind === TxKind.ProveChildFraud || placed.kind === TxKind.ChildDataCall) {
      if (chain.state.get(placed.toSlot) !== undefined) this.touchedSlots.add(placed.toSlot);
      if (chain.state.get(placed.slot)?.owner === BURN_ADDRESS) this.touchedSlots.add(placed.slot);
    }
    const effects = ledgerEffects(placed, chain.state.ledger);
    if (effects) {
      const at = { blockNumber: Number(builder.number) };
      if (effects.deposit) this.childDeposits.push({ ...effects.deposit, ...at, index: builder.txCount - 1 });
      if (effects.commitment) this.childCommitments.push({ ...effects.commitment, ...at, timestamp: builder.timestamp });
    }
  }

  /**
   * The atomic write of `block` (sealed from this assembly, or a faulty node's forgery of it), once the state holds
   * its post-state: every touched account, every ledger key the block wrote (from the ledger's write log, which
   * may also list keys a reverted dry run touched: their entries are unchanged, so writing them again is harmless).
   */
  write(
    sealed: { block: Block; txHashes: Hex[]; touchedSlots: Set<number>; childDeposits: ChildDepositRecord[] },
    signatures: Hex[],
    rejected: [Hex, Omit<Rejection, 'blockNumber'>][],
  ): BlockWrite {
    const { state } = this.chain;
    const accounts = [...sealed.touchedSlots].map((slot): [number, Account] => [slot, state.get(slot)!]);
    const ledger = state.ledger.takeWrittenKeys().map((key): [Hex, LedgerEntry | undefined] => [key, state.ledger.entry(key)]);
    return {
      stored: { block: sealed.block, txHashes: sealed.txHashes },
      accounts,
      ledger,
      childDeposits: sealed.childDeposits,
      childCommitments: this.childCommitments,
      signatures,
      rejected,
    };
  }
}

/** The account slots a placed mempool transaction writes: its sender's (user-signed kinds), its recipient's. */
function slotsWritten(tx: BlockTx): number[] {
  switch (tx.kind) {
    case TxKind.Transfer:
      return [tx.slot, tx.toSlot];
    case TxKind.Withdraw:
    case TxKind.DepositToChild:
    case TxKind.SpawnChild:
    case TxKind.EdgeSend:
    case TxKind.ChallengeChildData:
      return [tx.slot];
    case TxKind.FinalizeChildExit:
    case TxKind.EscapeChildExit:
    case TxKind.ReclaimChildDeposit:
    case TxKind.NestedEscapeCall:
      return [tx.toSlot];
    default:
      // COMMIT_CHILD, EDGE_FROM_CHILD, FREEZE_STALLED_CHILD: the ledger only; PROVE_CHILD_FRAUD: see `track` (the slots depend on the bond).
      return [];
  }
}
