import {
  decodeCertificate,
  decodeConsensusMessage,
  encodeCertificate,
  isPlasmaError,
  isUserSignedTx,
  signedTxFromJson,
  signedTxToJson,
  type Certificate,
  type ConsensusMessage,
  type SignedTx,
} from '@plasma-tree/core';
import type { P2PHost } from '@plasma-tree/p2p';
import type { Chain } from '../chain.js';
import type { Logger } from '../logger.js';
import type { Mempool } from '../mempool.js';
import type { NodeMetrics } from '../metrics.js';

/** Certificates one sync answer carries at most (docs/CONSENSUS.md §5). */
export const SYNC_MAX_BLOCKS = 64;
/** A proposal or a certificate carries a whole block (~350 B a transaction). */
const MAX_BLOCK_MESSAGE_BYTES = 16 * 1024 * 1024;
const MAX_TX_MESSAGE_BYTES = 1024 * 1024;
const TXS_PER_MESSAGE = 1000;

/** What a peer's gossip means to this node: the consensus service and the sync service answer. */
export interface ChainNetworkHandlers {
  /** A validator's message; 'reject' for a bad signature or a non-validator (checked by the handler). */
  consensus(message: ConsensusMessage, from: string): 'accept' | 'ignore' | 'reject';
  /** A decided block's certificate (seals checked by the handler). */
  certificate(cert: Certificate, from: string): 'accept' | 'ignore' | 'reject';
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/**
 * This chain's topics and protocols on the node's libp2p host (docs/CONSENSUS.md §5): `tx` (signed transactions,
 * relayed only once this node's mempool admitted them), `consensus` (validators' messages), `blocks` (certificates
 * of decided blocks) and `sync` (certificates by height, served from the store).
 */
export class ChainNetwork {
  private readonly txTopic: { publish(bytes: Uint8Array): Promise<void>; subscribers(): string[] };
  private readonly consensusTopic: { publish(bytes: Uint8Array): Promise<void> };
  private readonly blocksTopic: { publish(bytes: Uint8Array): Promise<void> };
  private readonly prefix: string;

  constructor(
    private readonly c: { host: P2PHost; chain: Chain; mempool: Mempool; logger: Logger; metrics: NodeMetrics },
    handlers: ChainNetworkHandlers,
  ) {
    const { host, chain } = c;
    this.prefix = `/plasma-tree/1/${chain.params.chainId}`;
    this.txTopic = host.topic<SignedTx[]>(`${this.prefix}/tx`, {
      maxBytes: MAX_TX_MESSAGE_BYTES,
      ratePerSecond: 200,
      burst: 400,
      decode: (bytes) => {
        // An array of signed transactions, or { txs, at } when gossiped again (`at` makes it a new message id).
        const parsed = JSON.parse(decoder.decode(bytes)) as unknown;
        const list = Array.isArray(parsed) ? parsed : (parsed as { txs?: unknown } | null)?.txs;
        if (!Array.isArray(list) || list.length === 0) throw new Error('a tx message is a non-empty array of signed transactions, or { txs, at }');
        // What publishTxs sends at most: a peer cannot make one message (one token of the topic's rate) cost more.
        if (list.length > TXS_PER_MESSAGE) throw new Error(`a tx message holds at most ${TXS_PER_MESSAGE} transactions`);
        return list.map((json) => signedTxFromJson(json));
      },
      validate: async (txs) => {
        // Spends of an empty slot or of a nonce already used are refused whoever signed them: drop them before
        // their signatures cost a recovery (anyone can sign any number of those, and nothing else flags them).
        const live = txs.filter((tx) => {
          if (!isUserSignedTx(tx)) return true;
          const account = c.chain.state.get(tx.slot);
          return account !== undefined && tx.nonce >= account.nonce;
        });
        if (live.length === 0) return 'ignore';
        const results = await c.mempool.submit(live, 'peer');
        let admitted = 0;
        for (const result of results) {
          if ('hash' in result) admitted++;
          // A forged signature, a signer who does not own the slot (owners never change) or a tx for another
          // chain: the peer relayed what its own mempool must have refused.
          else if (['BAD_SIGNATURE', 'SLOT_OWNER_MISMATCH', 'MALFORMED_TX', 'WRONG_CHAIN'].includes(result.error.code)) return 'reject';
        }
        return admitted > 0 ? 'accept' : 'ignore';
      },
    });
    this.consensusTopic = host.topic<ConsensusMessage>(`${this.prefix}/consensus`, {
      maxBytes: MAX_BLOCK_MESSAGE_BYTES,
      ratePerSecond: 100,
      burst: 200,
      decode: (bytes) => decodeConsensusMessage(bytes),
      validate: (message, from) => handlers.consensus(message, from),
    });
    this.blocksTopic = host.topic<Certificate>(`${this.prefix}/blocks`, {
      maxBytes: MAX_BLOCK_MESSAGE_BYTES,
      ratePerSecond: 20,
      burst: 100,
      decode: (bytes) => decodeCertificate(bytes),
      validate: (cert, from) => handlers.certificate(cert, from),
    });
  }

  get syncProtocol(): string {
    return `${this.prefix}/sync`;
  }

  /**
   * Gossips transactions this node admitted from its own clients. Best effort: with no peer they stay local (and
   * `runRegossip` sends them again later, with `at`, its time, so the same transactions make a new message).
   */
  publishTxs(txs: SignedTx[], at?: number): void {
    // Under the topic's size limit (~400 B a tx in JSON): a 10 000-tx RPC batch goes out as several messages.
    for (let from = 0; from < txs.length; from += TXS_PER_MESSAGE) {
      const list = txs.slice(from, from + TXS_PER_MESSAGE).map(signedTxToJson);
      this.publish(this.txTopic, encoder.encode(JSON.stringify(at === undefined ? list : { txs: list, at })), 'tx');
    }
  }

  /** Connected peers subscribed to this chain's transactions: gossip published now reaches them. */
  get txPeers(): number {
    return this.txTopic.subscribers().length;
  }

  publishConsensus(bytes: Uint8Array): void {
    this.publish(this.consensusTopic, bytes, 'consensus');
  }

  publishCertificate(cert: Certificate): void {
    this.publish(this.blocksTopic, encodeCertificate(cert), 'blocks');
  }

  private publish(topic: { publish(bytes: Uint8Array): Promise<void> }, bytes: Uint8Array, name: string): void {
    topic.publish(bytes).catch((e: unknown) => {
      // A refusal of ours (too large) is a bug worth seeing; a network hiccup is not.
      if (isPlasmaError(e)) this.c.logger.warn(`gossip on ${name} refused`, { code: e.code, error: e.message });
      else this.c.logger.debug(`gossip on ${name} failed`, { error: (e as Error)?.message });
    });
  }
}
