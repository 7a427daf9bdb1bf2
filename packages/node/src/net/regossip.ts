import type { Hex, SignedTx } from '@plasma-tree/core';
import type { Logger } from '../logger.js';
import type { Mempool } from '../mempool.js';
import type { NodeMetrics } from '../metrics.js';
import { sleep } from '../util/abort.js';

/** A transaction still queued this long after this node last gossiped it is gossiped again. */
export const REGOSSIP_AFTER_MS = 3000;
/** The oldest queued transactions looked at per round. */
const REGOSSIP_MAX_TXS = 2000;

export interface RegossipComponents {
  mempool: Pick<Mempool, 'peek'>;
  /** Publishes transactions as a new gossip message (`at` makes bytes already sent a new message id). */
  publish(txs: SignedTx[], at: number): void;
  /** Peers that would hear it now: with none, nothing is sent and nothing counted as sent. */
  listeners(): number;
  logger: Logger;
  metrics: NodeMetrics;
}

/**
 * Gossips again, every REGOSSIP_AFTER_MS, the queued transactions this node has held that long (docs/CONSENSUS.md
 * §5): gossip published while a node had no peer listening (just restarted, or cut off) reached nobody, and a
 * transaction that only a full node holds would never reach a proposer. Peers that hold them ignore them (no
 * strike); a block that includes them takes them out of the queue, which ends their regossip.
 */
export async function runRegossip(c: RegossipComponents, signal: AbortSignal): Promise<void> {
  const lastSent = new Map<Hex, number>();
  while (!signal.aborted) {
    await sleep(REGOSSIP_AFTER_MS / 2, signal);
    if (signal.aborted) return;
    const now = Date.now();
    const due: { hash: Hex; tx: SignedTx }[] = [];
    const queued = new Set<Hex>();
    for (const { hash, tx } of c.mempool.peek(REGOSSIP_MAX_TXS)) {
      queued.add(hash);
      const since = lastSent.get(hash);
      // First seen now: it was gossiped when admitted (or relayed to us), so it waits a full period.
      if (since === undefined) lastSent.set(hash, now);
      else if (now - since >= REGOSSIP_AFTER_MS) due.push({ hash, tx });
    }
    for (const hash of lastSent.keys()) if (!queued.has(hash)) lastSent.delete(hash);
    if (due.length === 0 || c.listeners() === 0) continue;
    c.publish(due.map(({ tx }) => tx), now);
    for (const { hash } of due) lastSent.set(hash, now);
    c.metrics.txsRegossiped.inc(due.length);
    c.logger.debug('queued transactions gossiped again', { txs: due.length });
  }
}
