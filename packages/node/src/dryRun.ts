import {
  applyTx,
  normalizeAddress,
  placeSignedTx,
  TxKind,
  type Address,
  type ChainId,
  type SignedTx,
  type StfContext,
} from '@plasma-tree/core';
import type { Chain } from './chain.js';
import type { DryRun } from './mempool.js';

/**
 * The mempool's dry-run of parent-kind and edge transactions (docs/SPEC.md "Node JSON-RPC"): on a checkpoint of
 * the chain's state, apply the ones already waiting (failures ignored), then the candidate, then revert.
 * COMMIT_CHILD, FINALIZE_CHILD_EXIT, EDGE_FROM_CHILD, PROVE_CHILD_FRAUD, ESCAPE_CHILD_EXIT, RECLAIM_CHILD_DEPOSIT and FREEZE_STALLED_CHILD run the whole STF at `now` (the wall clock, never before
 * the head's timestamp: the next block's clock); DEPOSIT_TO_CHILD and SPAWN_CHILD run the ledger's half only (the
 * account half is the mempool's `checkSender` against the slot's pending state); EDGE_SEND runs the whole STF with
 * the sender's nonce taken as the call's (the mempool checked it against the slot's pending nonce), so the
 * function's registration and direction, the payload's size, its send half and the ledger's record all run.
 * Refusals keep the ledger's, the STF's or the edge function's codes. `discardWriteLog`: for a node that
 * produces no blocks (see below).
 */
export function createDryRun(
  chain: Chain,
  now: () => bigint = () => BigInt(Math.floor(Date.now() / 1000)),
  opts: { discardWriteLog?: boolean } = {},
): DryRun {
  return (tx, signer, before) => {
    const state = chain.state;
    const headTime = chain.headHeader?.timestamp ?? 0n;
    const clock = now();
    const ctx: StfContext = {
      ...chain.blockContext(),
      lastDepositNonce: chain.depositNonce,
      timestamp: clock > headTime ? clock : headTime,
    };
    state.checkpoint();
    try {
      for (const pending of before) {
        try {
          apply(pending.tx, pending.signer);
        } catch {
          // Already in the block being built, or doomed itself: neither changes what the candidate meets.
        }
      }
      apply(tx, signer);
    } finally {
      state.revert();
      // A node that builds no blocks (no validator key) never drains the ledger's write log: the keys the dry
      // run touched (and restored) would pile up there. A producer's node keeps them: they may be its block's.
      if (opts.discardWriteLog) state.ledger.takeWrittenKeys();
    }

    function apply(t: SignedTx, from: Address | undefined): void {
      switch (t.kind) {
        case TxKind.DepositToChild:
          state.ledger.deposit({ child: t.child.toLowerCase() as ChainId, from: from!, to: normalizeAddress(t.to), token: normalizeAddress(t.token), amount: t.amount, now: ctx.timestamp });
          return;
        case TxKind.SpawnChild:
          state.ledger.spawnChild({
            validators: t.validators, threshold: t.threshold, challengeWindow: t.challengeWindow, bond: t.bond, spawner: from!, now: ctx.timestamp,
            ...(t.stallLimit === undefined || t.stallLimit === 0n ? {} : { stallLimit: t.stallLimit }),
          });
          return;
        case TxKind.ChallengeChildData:
          // The mempool checked the bond against the slot; the ledger's rules are what a dry run adds.
          state.ledger.challengeData({ child: t.child.toLowerCase() as ChainId, header: t.header, windowEnd: t.windowEnd, challenger: from!, bond: t.bond, now: ctx.timestamp });
          return;
        case TxKind.CommitChild:
        case TxKind.FinalizeChildExit:
        case TxKind.EdgeFromChild:
        case TxKind.ProveChildFraud:
        case TxKind.EscapeChildExit:
        case TxKind.ReclaimChildDeposit:
        case TxKind.FreezeStalledChild:
        case TxKind.ChildDataCall:
        case TxKind.NestedEscapeCall:
          // 'fill': the producer states an edge tx's effect when it places it (docs/SPEC.md "Edge effects").
          applyTx(state, placeSignedTx(state, t, ctx), ctx, { edgeEffect: 'fill' });
          return;
        case TxKind.EdgeSend: {
          const account = state.accounts.get(t.slot);
          // Transactions of the slot still waiting come first in the block; the pending nonce stands for them.
          if (account !== undefined && account.nonce !== t.nonce) state.accounts.put(t.slot, { ...account, nonce: t.nonce });
          applyTx(state, placeSignedTx(state, t, ctx, from), ctx, { signatureChecked: true, edgeEffect: 'fill' });
          return;
        }
        default:
          return;
      }
    }
  };
}
