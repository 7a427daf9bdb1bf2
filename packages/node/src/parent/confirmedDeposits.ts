import { edgeDownRecord, hashDeposit, type ChainId, type Deposit, type EdgeDownEvent, type Hex } from '@plasma-tree/core';

/**
 * One event of the parent's down stream to this chain, by its nonce: a token deposit (applied as kind 0 DEPOSIT)
 * or a down edge event (applied as kind 8 EDGE_FROM_PARENT). Both share one nonce stream (docs/EDGE.md).
 */
export type DownEvent = { kind: 'deposit'; nonce: bigint; deposit: Deposit } | { kind: 'edge'; nonce: bigint; event: EdgeDownEvent };

export function depositEvent(deposit: Deposit): DownEvent {
  return { kind: 'deposit', nonce: deposit.nonce, deposit };
}

export function edgeEvent(event: EdgeDownEvent): DownEvent {
  return { kind: 'edge', nonce: event.nonce, event };
}

/** The record the parent keeps under the event's nonce: `hashDeposit`, or core's `edgeDownRecord` (docs/SPEC.md). */
export function downEventRecord(chainId: ChainId, e: DownEvent): Hex {
  if (e.kind === 'deposit') return hashDeposit(e.deposit);
  return edgeDownRecord({ fn: e.event.fn, child: chainId, nonce: e.event.nonce, sender: e.event.sender, payload: e.event.payload });
}

/**
 * Down events (deposits and edge events) that are final on the parent and not applied yet, by nonce, each with
 * the parent's record. Both parent kinds (the root contract, a child chain's node) fill one; the block producer
 * drains it in nonce order.
 */
export class ConfirmedDeposits {
  private readonly byNonce = new Map<bigint, { event: DownEvent; record: Hex; at: number }>();

  /** `now`: when this node saw the event confirmed (ms); an event read again keeps its first time. */
  add(event: DownEvent, record: Hex, now = Date.now()): void {
    const known = this.byNonce.get(event.nonce);
    this.byNonce.set(event.nonce, { event, record, at: known && known.record === record ? known.at : now });
  }

  /** When this node first saw event `nonce` confirmed (ms), while it waits here. */
  confirmedAt(nonce: bigint): number | undefined {
    return this.byNonce.get(nonce)?.at;
  }

  /** Consecutive events `afterNonce + 1, afterNonce + 2, …`, at most `max`. */
  next(afterNonce: bigint, max: number): DownEvent[] {
    const out: DownEvent[] = [];
    for (let nonce = afterNonce + 1n; out.length < max; nonce++) {
      const found = this.byNonce.get(nonce);
      if (!found) break;
      out.push(found.event);
    }
    return out;
  }

  record(nonce: bigint): Hex | undefined {
    return this.byNonce.get(nonce)?.record;
  }

  /** Highest nonce up to which events are either applied (`applied`) or waiting here. */
  confirmedNonce(applied: bigint): bigint {
    let nonce = applied;
    while (this.byNonce.has(nonce + 1n)) nonce++;
    return nonce;
  }

  /** Drops the events the chain has applied. */
  dropApplied(applied: bigint): void {
    for (const nonce of this.byNonce.keys()) if (nonce <= applied) this.byNonce.delete(nonce);
  }

  /** Drops the events above `nonce` (an L1 reorg took them back); returns how many. */
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
