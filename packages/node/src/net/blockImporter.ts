import { hashHeader, verifyCertificate, type Block, type Certificate } from '@plasma-tree/core';
import { importBlock } from '../blockImport.js';
import type { Chain } from '../chain.js';
import { decodeStoredBlock } from '../db/codec.js';
import { nodeError } from '../errors.js';
import type { DepositSource } from '../l1/depositFollower.js';
import type { Logger } from '../logger.js';
import type { Mempool } from '../mempool.js';
import type { NodeMetrics } from '../metrics.js';

/**
 * The one door through which decided blocks enter the chain of a networked node, whoever found them (the
 * consensus service, a certificate gossiped on `blocks`, a sync answer): imports are serialized, a certificate is
 * checked (t distinct validators' seals over the block's hash) before its block is replayed, and the mempool
 * forgets what the block included.
 */
export class BlockImporter {
  private tail: Promise<unknown> = Promise.resolve();
  private readonly listeners = new Set<(cert: Certificate) => void>();

  constructor(private readonly c: { chain: Chain; deposits: DepositSource; mempool: Mempool; logger: Logger; metrics: NodeMetrics }) {}

  /** Called after each imported block (the consensus service moves to the next height, the network gossips it). */
  onImported(listener: (cert: Certificate) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * Throws CONSENSUS_CERTIFICATE_INVALID when the seals do not make a quorum over the block's hash, INVALID_BLOCK
   * when the block does not decode or its header is not the block the seals name (genuine seals on altered bytes
   * are refused before they are relayed); returns the decoded block. Its transactions are checked at import.
   */
  verify(cert: Certificate): Block {
    const { params, domain } = this.c.chain;
    verifyCertificate(cert, { chainId: params.chainId, domain, validators: params.validators, threshold: params.threshold });
    let block: Block;
    try {
      ({ block } = decodeStoredBlock(cert.block));
    } catch (e) {
      throw badCertificate(cert, `its block does not decode: ${(e as Error).message}`);
    }
    if (block.hash !== cert.blockHash || hashHeader(block.header) !== cert.blockHash || block.header.number !== cert.height) {
      throw badCertificate(cert, `it carries block ${block.header.number} (${hashHeader(block.header)})`);
    }
    return block;
  }

  /**
   * Imports `cert` if it is the next block; true when it was imported, false when this node already has that
   * height. Throws BLOCK_NOT_NEXT for a gap (sync first), INVALID_BLOCK, DEPOSIT_UNKNOWN (retry later).
   */
  import(cert: Certificate): Promise<boolean> {
    return this.exclusive(() => this.importNow(cert));
  }

  /**
   * Runs `task` between imports, never during one: what reads the state across awaits (a proposer's dry build,
   * which yields to the event loop and reverts its checkpoint at the end) must not see an import land halfway, or
   * the revert would undo the imported block and the build would refuse transactions that are fine.
   */
  exclusive<T>(task: () => Promise<T>): Promise<T> {
    const run = this.tail.then(task);
    this.tail = run.catch(() => undefined);
    return run;
  }

  private async importNow(cert: Certificate): Promise<boolean> {
    const { chain } = this.c;
    if (cert.height <= BigInt(chain.head.number)) return false;
    // A peer's bytes: whatever is wrong with them is the peer's fault (a coded refusal), never a reason to stop.
    const block = this.verify(cert);
    const started = performance.now();
    const hashes = await importBlock(chain, block, [...cert.seals], (nonce) => this.c.deposits.record(nonce), undefined, (included) => this.c.mempool.dropIncluded(included));
    // Persisted: their receipts come from the store now.
    this.c.mempool.release(hashes);
    const { metrics } = this.c;
    metrics.blocks.inc();
    metrics.txsIncluded.inc(block.txs.length);
    metrics.headNumber.set(Number(block.header.number));
    this.c.logger.info('block imported', { number: Number(block.header.number), hash: block.hash, txs: block.txs.length, seals: cert.seals.length, ms: Math.round(performance.now() - started) });
    for (const listener of this.listeners) listener(cert);
    return true;
  }
}

function badCertificate(cert: Certificate, detail: string) {
  return nodeError('INVALID_BLOCK', `the certificate of block ${cert.height} (${cert.blockHash}) is invalid: ${detail}`,
    'a peer sent a block the protocol refuses: it is not applied, and the peer is penalised', { reason: 'CERTIFICATE_MISMATCH', number: String(cert.height) });
}
