import type { Address, ChainId, FraudProof, Hex } from '@plasma-tree/core';
import type { RootChainInfo, SendResult, SentHook } from './root.js';

/**
 * Where a watched chain is judged: PlasmaRoot on L1 for a child of the root (`RootReader`), or the parent chain's
 * ledger for a chain below a chain (`ParentHost`, over the parent's node JSON-RPC). A ChainWatch reads its
 * commitments' context, deposit records and status from its host and sends its objections to it.
 */
export interface Host {
  /** `'root'`, or the chain id of the parent chain that judges. */
  readonly id: 'root' | ChainId;
  /** The tree's EIP-712 domain (the same for every chain of the tree). */
  readonly l1ChainId: bigint;
  readonly address: Address;
  /** The watcher's address: it sends the objections and receives the rewards (on L1, or on the parent chain). */
  readonly sender: Address | undefined;
  chainInfo(chainId: ChainId): Promise<RootChainInfo>;
  chainStatus(chainId: ChainId): Promise<number>;
  stallLimit(chainId: ChainId): Promise<number>;
  spawnTime(chainId: ChainId): Promise<number>;
  depositRecord(chainId: ChainId, nonce: bigint, blockTag: number): Promise<Hex | undefined>;
  /** Sends a fraud proof against `chainId` and waits until it is mined (L1) or included in a block (the parent). */
  sendProof(chainId: ChainId, proof: FraudProof, windows: { windowEnd: bigint; prevWindowEnd: bigint }, onSent?: SentHook): Promise<SendResult>;
  /** The fate of an objection sent before: mined/included in host block `l1Block` (ok) or refused; undefined if unknown. */
  receipt(tx: Hex): Promise<{ l1Block: number; ok: boolean; committed?: boolean } | undefined>;
  /** Freezes a chain past its stall limit: PlasmaRoot.freezeStalled, or a FREEZE_STALLED_CHILD (kind 13) on the parent chain. */
  freezeStalled?(chainId: ChainId): Promise<SendResult>;
}
