import { decodeCertificate, encodeCertificate, isPlasmaError, type Certificate } from '@plasma-tree/core';
import type { P2PHost } from '@plasma-tree/p2p';
import type { Chain } from '../chain.js';
import { encodeStoredBlock } from '../db/codec.js';
import type { Logger } from '../logger.js';
import { sleep } from '../util/abort.js';
import type { BlockImporter } from './blockImporter.js';
import { SYNC_MAX_BLOCKS } from './chainNetwork.js';

export interface SyncOptions {
  /** How often the node asks its peers for blocks above its head even when nothing says it is behind. */
  intervalMs: number;
}

/**
 * Catching up from peers (docs/CONSENSUS.md §6): serves `blocks(from, count)` from the store (certificates: the
 * block and its t seals) and, when this node is behind (told by `behind()`, or every `intervalMs`), asks its peers
 * in turn for the certificates above its head and imports them through the BlockImporter.
 */
export class SyncService {
  private wake: (() => void) | undefined;
  private knownHeight = 0;

  constructor(
    private readonly c: { host: P2PHost; chain: Chain; importer: BlockImporter; protocol: string; logger: Logger },
    private readonly opts: SyncOptions,
  ) {
    c.host.handle(c.protocol, {
      maxRequestBytes: 12,
      maxResponseBytes: 64 * 1024 * 1024,
      ratePerSecond: 20,
      burst: 40,
      handler: (request) => this.serve(request),
    });
  }

  /** A peer showed a block at `height` (a consensus message, a certificate): sync now if that is above the head. */
  behind(height: number): void {
    if (height > this.knownHeight) this.knownHeight = height;
    if (height > this.c.chain.head.number + 1) this.wake?.();
  }

  /** Certificates of the blocks from `from`, as many as this node has, at most SYNC_MAX_BLOCKS. */
  private async serve(request: Uint8Array): Promise<Uint8Array> {
    if (request.length !== 12) throw new Error('a sync request is 12 bytes: u64 from, u32 count');
    const view = new DataView(request.buffer, request.byteOffset, request.byteLength);
    const from = Number(view.getBigUint64(0));
    const count = Math.min(view.getUint32(8), SYNC_MAX_BLOCKS);
    const { store } = this.c.chain;
    const parts: Uint8Array[] = [];
    for (let number = from; number < from + count && number <= store.head.number; number++) {
      const stored = await store.getBlock(number);
      if (!stored) break;
      const seals = await store.getSignatures(number);
      parts.push(encodeCertificate({ height: BigInt(number), blockHash: stored.block.hash, block: encodeStoredBlock(stored), seals }));
    }
    return frame(parts);
  }

  async run(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      try {
        await this.catchUp(signal);
      } catch (e) {
        if (!isPlasmaError(e)) throw e;
        this.c.logger.warn('sync round failed', { error: e.message });
      }
      await new Promise<void>((resolve) => {
        const done = () => {
          clearTimeout(timer);
          signal.removeEventListener('abort', done);
          resolve();
        };
        const timer = setTimeout(done, this.opts.intervalMs);
        this.wake = done;
        signal.addEventListener('abort', done, { once: true });
      });
      this.wake = undefined;
    }
  }

  /** Asks each peer in turn for the blocks above the head until one has none to give. */
  async catchUp(signal: AbortSignal): Promise<number> {
    let imported = 0;
    for (const peer of this.c.host.peers) {
      for (;;) {
        signal.throwIfAborted();
        const from = this.c.chain.head.number + 1;
        let certs: Certificate[];
        try {
          certs = unframe(await this.c.host.request(peer, this.c.protocol, request(from, SYNC_MAX_BLOCKS), { timeoutMs: 10_000, signal, maxResponseBytes: 64 * 1024 * 1024 })).map((bytes) => decodeCertificate(bytes));
        } catch (e) {
          if (signal.aborted) return imported;
          this.c.logger.debug('sync request failed', { peer, error: (e as Error).message });
          break;
        }
        if (certs.length === 0) break;
        for (const cert of certs) {
          try {
            if (await this.c.importer.import(cert)) imported++;
          } catch (e) {
            if (!isPlasmaError(e)) throw e;
            // DEPOSIT_UNKNOWN: this node's view of the parent is behind; the next round retries.
            if (e.code === 'DEPOSIT_UNKNOWN') await sleep(100, signal);
            else this.c.logger.warn('a peer served a block that cannot be imported', { peer, height: String(cert.height), error: e.message });
            break;
          }
        }
        if (certs.length < SYNC_MAX_BLOCKS) break;
      }
    }
    if (imported > 0) this.c.logger.info('synced from peers', { imported, head: this.c.chain.head.number });
    return imported;
  }
}

function request(from: number, count: number): Uint8Array {
  const out = new Uint8Array(12);
  const view = new DataView(out.buffer);
  view.setBigUint64(0, BigInt(from));
  view.setUint32(8, count);
  return out;
}

/** u32 count, then each part as u32 length ‖ bytes. */
function frame(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(4 + parts.reduce((n, p) => n + 4 + p.length, 0));
  const view = new DataView(out.buffer);
  view.setUint32(0, parts.length);
  let at = 4;
  for (const part of parts) {
    view.setUint32(at, part.length);
    out.set(part, at + 4);
    at += 4 + part.length;
  }
  return out;
}

function unframe(bytes: Uint8Array): Uint8Array[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.length < 4) throw new Error('sync answer too short');
  const count = view.getUint32(0);
  if (count > SYNC_MAX_BLOCKS) throw new Error(`sync answer has ${count} blocks, at most ${SYNC_MAX_BLOCKS} allowed`);
  const parts: Uint8Array[] = [];
  let at = 4;
  for (let i = 0; i < count; i++) {
    if (at + 4 > bytes.length) throw new Error('sync answer truncated');
    const length = view.getUint32(at);
    if (at + 4 + length > bytes.length) throw new Error('sync answer truncated');
    parts.push(bytes.subarray(at + 4, at + 4 + length));
    at += 4 + length;
  }
  if (at !== bytes.length) throw new Error('sync answer has trailing bytes');
  return parts;
}
