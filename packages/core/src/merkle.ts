/**
 * The SPEC's one Merkle construction: a fixed-depth binary tree, empty leaves are zero, `zero[i+1] =
 * hash(zero[i] ‖ zero[i])`, a proof is the `depth` siblings from the leaf upward, bit `i` of the index says
 * whether the level-`i` node is a right child.
 */
import { equalBytes, toBytes } from './bytes.js';
import { PlasmaError } from './errors.js';
import { keccakHasher, type Hasher } from './hash.js';
import type { Hex } from './types.js';

/** Deepest tree supported: indices stay exact JS integers and `>>> 1` stays valid. */
export const MAX_TREE_DEPTH = 32;

const zeroCache = new WeakMap<Hasher, Uint8Array[]>();

/**
 * `zero[0..depth]`: the root of an empty subtree of each height. Cached per hasher and shared: never mutate
 * the arrays it returns.
 */
export function zeroHashes(depth: number, hasher: Hasher = keccakHasher): readonly Uint8Array[] {
  checkDepth(depth);
  let zeros = zeroCache.get(hasher);
  if (!zeros) {
    zeros = [new Uint8Array(32)];
    zeroCache.set(hasher, zeros);
  }
  while (zeros.length <= depth) {
    const below = zeros[zeros.length - 1];
    zeros.push(hasher.hashPair(below, below));
  }
  return zeros.slice(0, depth + 1);
}

/** A fixed-depth tree over a dense list of leaves (transactions, exits), keeping every level for proofs. */
export class MerkleTree {
  readonly depth: number;
  readonly hasher: Hasher;
  /** levels[0] = leaves, levels[i] = the non-padding nodes at height i. */
  private readonly levels: Uint8Array[][];

  constructor(leaves: readonly Uint8Array[], depth: number, hasher: Hasher = keccakHasher) {
    checkDepth(depth);
    if (leaves.length > 2 ** depth) {
      throw new PlasmaError('INVALID_MERKLE_INPUT', `${leaves.length} leaves do not fit in a tree of depth ${depth}`, {
        data: { leaves: leaves.length, depth },
      });
    }
    this.depth = depth;
    this.hasher = hasher;
    const zeros = zeroHashes(depth, hasher);
    this.levels = [leaves.slice()];
    for (let level = 0; level < depth; level++) {
      const below = this.levels[level];
      const above: Uint8Array[] = new Array(Math.ceil(below.length / 2));
      for (let i = 0; i < above.length; i++) {
        const right = 2 * i + 1 < below.length ? below[2 * i + 1] : zeros[level];
        above[i] = hasher.hashPair(below[2 * i], right);
      }
      this.levels.push(above);
    }
  }

  get size(): number {
    return this.levels[0].length;
  }

  get root(): Uint8Array {
    return this.levels[this.depth][0] ?? zeroHashes(this.depth, this.hasher)[this.depth];
  }

  /** The `depth` siblings of leaf `index`, bottom-up. Any index below 2^depth is provable (padding leaves are zero). */
  proof(index: number): Uint8Array[] {
    checkIndex(index, this.depth);
    const zeros = zeroHashes(this.depth, this.hasher);
    const proof: Uint8Array[] = new Array(this.depth);
    for (let level = 0; level < this.depth; level++) {
      const sibling = (index >>> level) ^ 1;
      proof[level] = this.levels[level][sibling] ?? zeros[level];
    }
    return proof;
  }
}

/** Root of a tree of `depth` whose first leaves are `leaves` and the rest zero. */
export function merkleRoot(leaves: readonly Uint8Array[], depth: number, hasher: Hasher = keccakHasher): Uint8Array {
  return new MerkleTree(leaves, depth, hasher).root;
}

/** Folds a leaf up its proof; the root it yields is only meaningful when the proof has the tree's depth. */
export function computeMerkleRoot(
  leaf: Uint8Array | Hex,
  index: number,
  proof: readonly (Uint8Array | Hex)[],
  hasher: Hasher = keccakHasher,
): Uint8Array {
  checkIndex(index, proof.length);
  let node = toBytes(leaf, 32);
  for (let level = 0; level < proof.length; level++) {
    const sibling = toBytes(proof[level], 32);
    node = (index >>> level) & 1 ? hasher.hashPair(sibling, node) : hasher.hashPair(node, sibling);
  }
  return node;
}

/**
 * True iff `leaf` sits at `index` in the tree of `depth` with this `root`. `depth` is required: a proof of any
 * other length is refused, as on-chain.
 */
export function verifyMerkleProof(
  leaf: Uint8Array | Hex,
  index: number,
  proof: readonly (Uint8Array | Hex)[],
  root: Uint8Array | Hex,
  depth: number,
  hasher: Hasher = keccakHasher,
): boolean {
  if (proof.length !== depth || !isValidIndex(index, depth)) return false;
  return equalBytes(computeMerkleRoot(leaf, index, proof, hasher), toBytes(root, 32));
}

export function checkDepth(depth: number): void {
  if (!Number.isInteger(depth) || depth < 1 || depth > MAX_TREE_DEPTH) {
    throw new PlasmaError('INVALID_MERKLE_INPUT', `tree depth must be an integer in 1..${MAX_TREE_DEPTH}, got ${depth}`);
  }
}

export function isValidIndex(index: number, depth: number): boolean {
  return Number.isInteger(index) && index >= 0 && index < 2 ** depth;
}

function checkIndex(index: number, depth: number): void {
  if (!isValidIndex(index, depth)) {
    throw new PlasmaError('INVALID_MERKLE_INPUT', `leaf index ${index} is outside 0..2^${depth}-1`, { data: { index, depth } });
  }
}
