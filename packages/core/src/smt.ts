/**
 * Sparse Merkle tree over slot indices (the state tree: depth 32, leaf = accountHash, empty = zero). Same
 * construction and proofs as `merkle.ts`; only non-zero nodes are stored.
 *
 * Writes are lazy: `set` records the leaf, and the next read of `root` (or `proof`) rehashes the union of the
 * dirty paths once. A transfer touches two leaves whose paths share their upper levels, so it costs fewer than
 * 2 × depth hashes; restoring n accounts costs about 2n hashes instead of n × depth.
 */
import { PlasmaError } from './errors.js';
import { keccakHasher, type Hasher } from './hash.js';
import { checkDepth, isValidIndex, verifyMerkleProof, zeroHashes } from './merkle.js';
import { STATE_TREE_DEPTH, type Hex } from './types.js';

export interface SparseMerkleTreeOptions {
  depth?: number;
  hasher?: Hasher;
}

/**
 * The non-zero nodes of one level. Slots are handed out from 0 upward, so nodes live in one flat buffer
 * (32 bytes each, a presence flag each): ~10x less memory than an object per node and nothing for the GC to
 * trace. An index far beyond the dense range goes to a Map instead of growing the buffer to reach it.
 */
class NodeLevel {
  private bytes = new Uint8Array(0);
  private present = new Uint8Array(0);
  private readonly far = new Map<number, Uint8Array>();
  count = 0;

  constructor(private readonly zero: Uint8Array) {}

  /** The node, or this level's zero node; a view: copy it before keeping it. */
  get(index: number): Uint8Array {
    if (index < this.present.length) {
      return this.present[index] === 1 ? this.bytes.subarray(index * 32, index * 32 + 32) : this.zero;
    }
    return this.far.get(index) ?? this.zero;
  }

  has(index: number): boolean {
    return index < this.present.length ? this.present[index] === 1 : this.far.has(index);
  }

  set(index: number, node: Uint8Array): void {
    if (index >= this.present.length && !this.grow(index)) {
      if (!this.far.has(index)) this.count++;
      this.far.set(index, node.slice());
      return;
    }
    if (this.present[index] === 0) this.count++;
    this.present[index] = 1;
    this.bytes.set(node, index * 32);
  }

  delete(index: number): void {
    if (index < this.present.length) {
      if (this.present[index] === 1) this.count--;
      this.present[index] = 0;
    } else if (this.far.delete(index)) {
      this.count--;
    }
  }

  /** Extends the dense range to cover `index` when that at most doubles it; else the node goes to `far`. */
  private grow(index: number): boolean {
    const capacity = this.present.length;
    if (index >= Math.max(2 * capacity, 1024)) return false;
    let next = Math.max(capacity, 1024);
    while (next <= index) next *= 2;
    const bytes = new Uint8Array(next * 32);
    bytes.set(this.bytes);
    const present = new Uint8Array(next);
    present.set(this.present);
    this.bytes = bytes;
    this.present = present;
    for (const [farIndex, node] of this.far) {
      if (farIndex >= next) continue;
      this.far.delete(farIndex);
      present[farIndex] = 1;
      bytes.set(node, farIndex * 32);
    }
    return true;
  }
}

export class SparseMerkleTree {
  readonly depth: number;
  readonly hasher: Hasher;
  private readonly zeros: readonly Uint8Array[];
  /** levels[0] holds the leaves, levels[depth] the root; an absent node is the zero node of its level. */
  private readonly levels: NodeLevel[];
  /** Leaves written since the root was last computed. */
  private dirty: number[] = [];

  constructor(options: SparseMerkleTreeOptions = {}) {
    this.depth = options.depth ?? STATE_TREE_DEPTH;
    checkDepth(this.depth);
    this.hasher = options.hasher ?? keccakHasher;
    this.zeros = zeroHashes(this.depth, this.hasher);
    this.levels = this.zeros.map((zero) => new NodeLevel(zero));
  }

  /** Number of non-empty leaves. */
  get size(): number {
    return this.levels[0].count;
  }

  /** The leaf at `index` (32 zero bytes when empty). */
  get(index: number): Uint8Array {
    this.checkIndex(index);
    return this.levels[0].get(index).slice();
  }

  /** Sets the leaf at `index`; 32 zero bytes empties the slot. */
  set(index: number, leaf: Uint8Array): void {
    this.checkIndex(index);
    if (!(leaf instanceof Uint8Array) || leaf.length !== 32) {
      throw new PlasmaError('INVALID_MERKLE_INPUT', `a leaf must be 32 bytes, got ${leaf?.length}`);
    }
    if (isZero(leaf)) this.levels[0].delete(index);
    else this.levels[0].set(index, leaf);
    this.dirty.push(index);
  }

  get root(): Uint8Array {
    this.flush();
    return this.levels[this.depth].get(0).slice();
  }

  /** The `depth` siblings of `index`, bottom-up; proves inclusion of its leaf, or exclusion when it is empty. */
  proof(index: number): Uint8Array[] {
    this.checkIndex(index);
    this.flush();
    const proof: Uint8Array[] = new Array(this.depth);
    for (let level = 0; level < this.depth; level++) {
      proof[level] = this.levels[level].get((index >>> level) ^ 1).slice();
    }
    return proof;
  }

  /** Rehashes every dirty path, level by level, each shared ancestor once. */
  private flush(): void {
    const indices = this.dirty;
    if (indices.length === 0) return;
    this.dirty = [];
    if (indices.length > 1) indices.sort((a, b) => a - b);
    for (let level = 0; level < this.depth; level++) {
      const below = this.levels[level];
      const above = this.levels[level + 1];
      // Parents of a sorted list are sorted: dedupe neighbours, writing them back in place.
      let count = 0;
      for (let k = 0; k < indices.length; k++) {
        const parent = indices[k] >>> 1;
        if (count > 0 && indices[count - 1] === parent) continue;
        indices[count++] = parent;
        const left = parent * 2;
        if (!below.has(left) && !below.has(left + 1)) above.delete(parent);
        else above.set(parent, this.hasher.hashPair(below.get(left), below.get(left + 1)));
      }
      indices.length = count;
    }
  }

  private checkIndex(index: number): void {
    if (!isValidIndex(index, this.depth)) {
      throw new PlasmaError('INVALID_MERKLE_INPUT', `slot ${index} is outside 0..2^${this.depth}-1`, {
        data: { index, depth: this.depth },
      });
    }
  }
}

/**
 * Verifies a state-tree proof: `leaf` at `index` under `root`, or, with `leaf = null`, that the slot is empty.
 * The proof must have exactly `depth` siblings.
 */
export function verifySmtProof(
  leaf: Uint8Array | Hex | null,
  index: number,
  proof: readonly (Uint8Array | Hex)[],
  root: Uint8Array | Hex,
  depth: number = STATE_TREE_DEPTH,
  hasher: Hasher = keccakHasher,
): boolean {
  return verifyMerkleProof(leaf ?? new Uint8Array(32), index, proof, root, depth, hasher);
}

function isZero(bytes: Uint8Array): boolean {
  for (let i = 0; i < bytes.length; i++) if (bytes[i] !== 0) return false;
  return true;
}
