import { splitSignature, type Address, type BlockTx, type Hex } from '@plasma-tree/core';

/** Entries kept: a few full blocks' worth (~200 B each). */
const MAX_ENTRIES = 50_000;

/**
 * Signatures this node already checked, so that a block is not recovered again when it comes back: a proposal
 * this validator checked and then imports once decided, or a block it built from its mempool (recovered at
 * admission). An entry says "under digest `hash`, signature (r, s, v) recovers `from`"; a lookup matches only the
 * same hash with the same r, s, v and from, so a tampered signature or sender is always recovered afresh.
 */
export class SignatureCache {
  private readonly entries = new Map<Hex, string>();

  /** Whether `tx`'s signature over `hash` was checked before and recovers `tx.from`. */
  has(hash: Hex, tx: BlockTx): boolean {
    return this.entries.get(hash) === keyOf(tx);
  }

  /**
   * Records a signature the mempool recovered at admission (off the main thread): a validator then checks and
   * imports a proposal of transactions it already holds without recovering them again. The key is built as the
   * STF places the transaction (core `splitSignature`).
   */
  rememberSigned(hash: Hex, signature: Hex, signer: Address): void {
    const { r, s, v } = splitSignature(signature);
    this.set(hash, `${r}${s}${v}${signer}`);
  }

  /** Records a transaction the STF accepted (its signer checked) under its digest `hash`. */
  remember(hash: Hex, tx: BlockTx): void {
    this.set(hash, keyOf(tx));
  }

  private set(hash: Hex, key: string): void {
    this.entries.delete(hash);
    this.entries.set(hash, key);
    if (this.entries.size > MAX_ENTRIES) this.entries.delete(this.entries.keys().next().value!);
  }
}

function keyOf(tx: BlockTx): string {
  return `${tx.r}${tx.s}${tx.v}${tx.from}`;
}
