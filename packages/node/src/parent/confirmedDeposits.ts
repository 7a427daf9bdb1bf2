import type { Deposit, Hex } from '@plasma-tree/core';

/**
 * Deposits that are final on the parent and not applied yet, by nonce, each with the parent's record. Both
 * parent kinds (the root contract, a child chain's node) fill one; the block producer drains it in nonce order.
 */
export class ConfirmedDeposits {
  private readonly byNonce = new Map<bigint, { deposit: Deposit; record: Hex }>();

  add(deposit: Deposit, record: Hex): void {
    this.byNonce.set(deposit.nonce, { deposit, record });
  }

  /** Consecutive deposits `afterNonce + 1, afterNonce + 2, …`, at most `max`. */
  next(afterNonce: bigint, max: number): Deposit[] {
    const out: Deposit[] = [];
    for (let nonce = afterNonce + 1n; out.length < max; nonce++) {
      const found = this.byNonce.get(nonce);
      if (!found) break;
      out.push(found.deposit);
    }
    return out;
  }

  record(nonce: bigint): Hex | undefined {
    return this.byNonce.get(nonce)?.record;
  }

  /** Highest nonce up to which deposits are either applied (`applied`) or waiting here. */
  confirmedNonce(applied: bigint): bigint {
    let nonce = applied;
    while (this.byNonce.has(nonce + 1n)) nonce++;
    return nonce;
  }

  /** Drops the deposits the chain has applied. */
  dropApplied(applied: bigint): void {
    for (const nonce of this.byNonce.keys()) if (nonce <= applied) this.byNonce.delete(nonce);
  }

  /** Drops the deposits above `nonce` (an L1 reorg took them back); returns how many. */
  dropAbove(nonce: bigint): number {
    let dropped = 0;
    for (const n of this.byNonce.keys()) {
      if (n > nonce) {
        this.byNonce.delete(n);
        dropped++;
      }
    }
    return dropped;
  }
}
