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
 * The mempool's dry-run of parent-kind transactions (docs/SPEC.md "Node JSON-RPC"): on a checkpoint of the
 * chain's state, apply the parent-kind txs already waiting (failures ignored), then the candidate, then revert.
 * COMMIT_CHILD and FINALIZE_CHILD_EXIT run the whole STF at `now` (the wall clock, never before the head's
 * timestamp: the next block's clock); DEPOSIT_TO_CHILD and SPAWN_CHILD run the ledger's half only (the account
 * half is the mempool's `checkSender` against the slot's pending state). Refusals keep the ledger's codes.
 */
export function createDryRun(chain: Chain, now: () => bigint = () => BigInt(Math.floor(Date.now() / 1000))): DryRun {
  return (tx, signer, before) => {
    const state = chain.state;
    const headTime = chain.headHeader?.timestamp ?? 0n;
    const clock = now();
    const ctx: StfContext = {
      chainId: chain.params.chainId,
      domain: chain.domain,
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
    }

    function apply(t: SignedTx, from: Address | undefined): void {
      switch (t.kind) {
        case TxKind.DepositToChild:
          state.ledger.deposit({ child: t.child.toLowerCase() as ChainId, from: from!, to: normalizeAddress(t.to), token: normalizeAddress(t.token), amount: t.amount });
          return;
        case TxKind.SpawnChild:
          state.ledger.spawnChild({ validators: t.validators, threshold: t.threshold, challengeWindow: t.challengeWindow, bond: t.bond, spawner: from! });
          return;
        case TxKind.CommitChild:
        case TxKind.FinalizeChildExit:
          applyTx(state, placeSignedTx(state.accounts, t, ctx), ctx);
          return;
        default:
          return;
      }
    }
  };
}
