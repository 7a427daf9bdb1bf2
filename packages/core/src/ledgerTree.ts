/**
 * The ledger tree (docs/TREE.md §2): a sparse Merkle tree of depth 256 keyed by 32-byte keys, in which a chain
 * that is a parent keeps its ParentLedger. It is the SPEC's one Merkle construction at depth 256: empty leaf = 0,
 * `zero[i+1] = keccak(zero[i] ‖ zero[i])`, node = `keccak(left ‖ right)`, and bit `i` of the key (read as a
 * big-endian uint256, bit 0 = least significant) says whether the level-`i` node of its path is a right child.
 *
 * Memory is O(entries), not O(entries × 256): nodes are kept as a binary radix tree that stores the leaves and
 * the branch points (where both sides are non-empty) only. Between two of them lies a run of levels whose
 * siblings are all empty subtrees; each branch point caches the hash of each side at its own level until a
 * write below that side, so an update costs the ~256 hashes of its own path and nothing for its siblings.
 *
 * ## Proof format (what the Solidity verifier will take)
 * A `LedgerProof` is `(bytes32 bitmap, bytes32[] siblings)`:
 * - `bitmap`, read as a uint256: bit `i` (value 2^i) is 1 iff the sibling at level `i` is NOT the empty-subtree
 *   root `zero[i]`. Levels count from the leaf (level 0) up to the children of the root (level 255).
 * - `siblings`: exactly popcount(bitmap) words, the non-empty siblings in ascending level order.
 * Verification folds the leaf (0 for an absent key) up the 256 levels:
 * ```
 * node = leaf; z = 0; j = 0;                       // z = zero[i]
 * for i in 0..255:
 *   sibling = (bitmap >> i) & 1 ? siblings[j++] : z
 *   node = (uint256(key) >> i) & 1 ? keccak(sibling ‖ node) : keccak(node ‖ sibling)
 *   z = keccak(z ‖ z)
 * require(j == siblings.length && node == root)
 * ```
 * A proof with a surplus or a missing sibling is refused, as the SPEC refuses a proof of the wrong length.
 * Empty subtrees are zero[i] rather than 0 so that this stays the SPEC's one construction (PlasmaMerkle's
 * hashPair and zero hashes apply unchanged); the verifier pays one extra hash per level for `z`, or reads a table.
 * The root of the empty ledger tree is zero[256].
 */
import { encodeWords } from './abi.js';
import { bytesToHex, equalBytes, toBytes } from './bytes.js';
import { PlasmaError } from './errors.js';
import { keccak256, keccakHasher, type Hasher } from './hash.js';
import type { ChainId, Hex } from './types.js';

export const LEDGER_TREE_DEPTH = 256;

/** The compressed proof described at the top of this file. */
export interface LedgerProof {
  /** uint256 as 0x-hex of 32 bytes: bit i set = the level-i sibling is non-empty. */
  bitmap: Hex;
  /** The non-empty siblings, from the leaf upward. */
  siblings: Hex[];
}

export interface LedgerTreeOptions {
  hasher?: Hasher;
}

/** `keccak256(abi.encode(uint8 kind, bytes32 child, bytes32 a, uint256 b))`: where an entry lives in the tree. */
export function ledgerKey(kind: number, child: ChainId, a: Hex | Uint8Array, b: bigint | number): Hex {
  return bytesToHex(keccak256(encodeWords(['uint8', 'bytes32', 'bytes32', 'uint256'], [kind, child, a, b])));
}

// ---- key bits ---------------------------------------------------------------------------------------------

/** Bit `level` of a big-endian 32-byte key: 1 when its path goes right at that level. */
function keyBit(key: Uint8Array, level: number): number {
  return (key[31 - (level >>> 3)] >>> (level & 7)) & 1;
}

/** The highest level >= `from` at which two keys differ, or -1 when they agree on all those bits. */
function highestDifferingBit(a: Uint8Array, b: Uint8Array, from: number): number {
  for (let byte = 0; byte < 32; byte++) {
    const lowest = (31 - byte) * 8; // level of this byte's least significant bit
    if (lowest + 7 < from) break;
    let diff = a[byte] ^ b[byte];
    if (lowest < from) diff &= (0xff << (from - lowest)) & 0xff;
    if (diff !== 0) return lowest + 31 - Math.clz32(diff);
  }
  return -1;
}

// ---- zero hashes ------------------------------------------------------------------------------------------

const zeroCache = new WeakMap<Hasher, readonly Uint8Array[]>();

/** zero[0..256]; merkle.ts's zeroHashes stops at depth 32 (its index arithmetic is 32-bit). Never mutate. */
function ledgerZeroHashes(hasher: Hasher): readonly Uint8Array[] {
  let zeros = zeroCache.get(hasher);
  if (!zeros) {
    const list: Uint8Array[] = [new Uint8Array(32)];
    for (let level = 0; level < LEDGER_TREE_DEPTH; level++) list.push(hasher.hashPair(list[level], list[level]));
    zeros = list;
    zeroCache.set(hasher, zeros);
  }
  return zeros;
}

// ---- the tree ---------------------------------------------------------------------------------------------

type Side = 0 | 1;

interface LeafNode {
  readonly height: 0;
  readonly key: Uint8Array;
  leaf: Uint8Array;
}

/** A branch point at `height`: its two subtrees differ at bit `height - 1` (children[0] = left, [1] = right). */
interface BranchNode {
  readonly height: number;
  /** Any key below: all of them share the bits at and above `height`. */
  readonly key: Uint8Array;
  readonly children: [TreeNode, TreeNode];
  /** Each child's subtree hash at level `height - 1`, until a write below that child clears it. */
  readonly childHashes: [Uint8Array | undefined, Uint8Array | undefined];
}

type TreeNode = LeafNode | BranchNode;

export class LedgerTree {
  readonly hasher: Hasher;
  private readonly zeros: readonly Uint8Array[];
  private top: TreeNode | undefined;
  private rootCache: Uint8Array | undefined;
  private count = 0;

  constructor(options: LedgerTreeOptions = {}) {
    this.hasher = options.hasher ?? keccakHasher;
    this.zeros = ledgerZeroHashes(this.hasher);
  }

  static fromEntries(entries: Iterable<readonly [Hex | Uint8Array, Hex | Uint8Array]>, options?: LedgerTreeOptions): LedgerTree {
    const tree = new LedgerTree(options);
    for (const [key, leaf] of entries) tree.set(key, leaf);
    return tree;
  }

  /** Number of non-empty leaves. */
  get size(): number {
    return this.count;
  }

  get root(): Hex {
    return bytesToHex(this.rootBytes);
  }

  get rootBytes(): Uint8Array {
    this.rootCache ??= this.top ? this.lift(this.top, LEDGER_TREE_DEPTH) : this.zeros[LEDGER_TREE_DEPTH];
    return this.rootCache.slice();
  }

  /** The leaf under `key`, or null when it is empty. */
  get(key: Hex | Uint8Array): Hex | null {
    const k = toKey(key);
    let node = this.top;
    while (node !== undefined && !isLeaf(node)) {
      if (highestDifferingBit(k, node.key, node.height) >= 0) return null;
      node = node.children[sideOf(k, node)];
    }
    return node !== undefined && equalBytes(node.key, k) ? bytesToHex(node.leaf) : null;
  }

  /** Sets the leaf under `key`; 32 zero bytes empties it (as `delete`). */
  set(key: Hex | Uint8Array, leaf: Hex | Uint8Array): void {
    const k = toKey(key);
    const value = toLeaf(leaf);
    if (isZero(value)) {
      this.delete(k);
      return;
    }
    this.rootCache = undefined;
    let parent: BranchNode | undefined;
    let node = this.top;
    while (node !== undefined) {
      const split = highestDifferingBit(k, node.key, node.height);
      if (split >= 0) {
        // `k` leaves this node's subtree at level `split`: a new branch point joins the two there.
        const fresh: LeafNode = { height: 0, key: k, leaf: value };
        const branch = keyBit(k, split) === 1 ? newBranch(split + 1, node, fresh) : newBranch(split + 1, fresh, node);
        this.replace(parent, node, branch);
        this.count++;
        return;
      }
      if (isLeaf(node)) {
        node.leaf = value;
        return;
      }
      parent = node;
      node = this.descendForWrite(node, k);
    }
    this.top = { height: 0, key: k, leaf: value };
    this.count++;
  }

  /** Empties the leaf under `key`; returns whether it was set. */
  delete(key: Hex | Uint8Array): boolean {
    const k = toKey(key);
    const path: BranchNode[] = [];
    let node = this.top;
    while (node !== undefined && !isLeaf(node)) {
      if (highestDifferingBit(k, node.key, node.height) >= 0) return false;
      path.push(node);
      node = node.children[sideOf(k, node)];
    }
    if (node === undefined || !equalBytes(node.key, k)) return false;
    for (const branch of path) this.descendForWrite(branch, k);
    // The leaf's branch point disappears: the other child takes its place.
    const parent = path.pop();
    if (parent === undefined) this.top = undefined;
    else this.replace(path[path.length - 1], parent, parent.children[(1 - sideOf(k, parent)) as Side]);
    this.rootCache = undefined;
    this.count--;
    return true;
  }

  /** Proof of the leaf under `key`, or of its absence (see the format at the top of this file). */
  proof(key: Hex | Uint8Array): LedgerProof {
    const k = toKey(key);
    const siblings = new Map<number, Uint8Array>(); // level -> non-empty sibling
    let node = this.top;
    while (node !== undefined) {
      const split = highestDifferingBit(k, node.key, node.height);
      if (split >= 0) {
        // Exclusion: below `split` the key's side is empty, and this whole subtree is the sibling at `split`.
        siblings.set(split, this.lift(node, split));
        break;
      }
      if (isLeaf(node)) break;
      const side = sideOf(k, node);
      siblings.set(node.height - 1, this.childHash(node, (1 - side) as Side));
      node = node.children[side];
    }
    return compressSiblings(siblings);
  }

  /** Every (key, leaf), in ascending key order; rebuild with `LedgerTree.fromEntries`. */
  *entries(): IterableIterator<[Hex, Hex]> {
    const stack: TreeNode[] = this.top ? [this.top] : [];
    while (stack.length > 0) {
      const node = stack.pop()!;
      if (isLeaf(node)) yield [bytesToHex(node.key), bytesToHex(node.leaf)];
      else stack.push(node.children[1], node.children[0]);
    }
  }

  /** The child of `branch` on `k`'s side, after clearing the cached hash a write there invalidates. */
  private descendForWrite(branch: BranchNode, k: Uint8Array): TreeNode {
    const side = sideOf(k, branch);
    branch.childHashes[side] = undefined;
    return branch.children[side];
  }

  private replace(parent: BranchNode | undefined, old: TreeNode, next: TreeNode): void {
    if (parent === undefined) {
      this.top = next;
      return;
    }
    const side: Side = parent.children[0] === old ? 0 : 1;
    parent.children[side] = next;
    parent.childHashes[side] = undefined;
  }

  private childHash(branch: BranchNode, side: Side): Uint8Array {
    return (branch.childHashes[side] ??= this.lift(branch.children[side], branch.height - 1));
  }

  /** The root of the subtree of `height` that holds `node` and nothing else: its hash folded up with zero siblings. */
  private lift(node: TreeNode, height: number): Uint8Array {
    let hash = isLeaf(node) ? node.leaf : this.hasher.hashPair(this.childHash(node, 0), this.childHash(node, 1));
    for (let level = node.height; level < height; level++) {
      const zero = this.zeros[level];
      hash = keyBit(node.key, level) === 1 ? this.hasher.hashPair(zero, hash) : this.hasher.hashPair(hash, zero);
    }
    return hash;
  }
}

function newBranch(height: number, left: TreeNode, right: TreeNode): BranchNode {
  return { height, key: left.key, children: [left, right], childHashes: [undefined, undefined] };
}

function isLeaf(node: TreeNode): node is LeafNode {
  return node.height === 0;
}

function sideOf(k: Uint8Array, branch: BranchNode): Side {
  return keyBit(k, branch.height - 1) as Side;
}

// ---- proofs -----------------------------------------------------------------------------------------------

function compressSiblings(byLevel: ReadonlyMap<number, Uint8Array>): LedgerProof {
  const levels = [...byLevel.keys()].sort((a, b) => a - b);
  const bitmap = new Uint8Array(32);
  for (const level of levels) bitmap[31 - (level >>> 3)] |= 1 << (level & 7);
  return { bitmap: bytesToHex(bitmap), siblings: levels.map((level) => bytesToHex(byLevel.get(level)!)) };
}

/** The 256 siblings of a compressed proof, from the leaf upward (empty ones as zero[level]). */
export function expandLedgerProof(proof: LedgerProof, hasher: Hasher = keccakHasher): Hex[] {
  const zeros = ledgerZeroHashes(hasher);
  const bitmap = toBytes(proof.bitmap, 32);
  const out: Hex[] = [];
  let used = 0;
  for (let level = 0; level < LEDGER_TREE_DEPTH; level++) {
    if (keyBit(bitmap, level) === 0) out.push(bytesToHex(zeros[level]));
    else if (used < proof.siblings.length) out.push(bytesToHex(toBytes(proof.siblings[used++], 32)));
    else throw malformedProof(`the bitmap names more siblings than the ${proof.siblings.length} given`);
  }
  if (used !== proof.siblings.length) throw malformedProof(`${proof.siblings.length} siblings given, the bitmap names ${used}`);
  return out;
}

/** The compressed form of 256 plain siblings (leaf upward): a sibling equal to zero[level] is left out. */
export function compressLedgerProof(siblings: readonly (Hex | Uint8Array)[], hasher: Hasher = keccakHasher): LedgerProof {
  if (siblings.length !== LEDGER_TREE_DEPTH) throw malformedProof(`a full ledger proof has ${LEDGER_TREE_DEPTH} siblings, got ${siblings.length}`);
  const zeros = ledgerZeroHashes(hasher);
  const byLevel = new Map<number, Uint8Array>();
  siblings.forEach((sibling, level) => {
    const bytes = toBytes(sibling, 32);
    if (!equalBytes(bytes, zeros[level])) byLevel.set(level, bytes);
  });
  return compressSiblings(byLevel);
}

/**
 * True iff `proof` shows `leaf` under `key` in the ledger tree with this `root`; `leaf = null` proves that the
 * key is empty. Takes the compressed proof; a proof of the wrong shape is false, malformed hex throws.
 */
export function verifyLedgerProof(
  key: Hex | Uint8Array,
  leaf: Hex | Uint8Array | null,
  proof: LedgerProof,
  root: Hex | Uint8Array,
  hasher: Hasher = keccakHasher,
): boolean {
  const node = ledgerProofRoot(key, leaf, proof, hasher);
  return node !== undefined && equalBytes(node, toBytes(root, 32));
}

/**
 * The root in which `proof` shows `leaf` under `key` (`leaf = null`: the key is empty), or undefined when the proof
 * has the wrong shape (its bitmap names another number of siblings). Walking a transition proof's witnesses in
 * sequence folds the old leaf and then the new one with the same proof (PlasmaLedgerTree.updateCalldata).
 */
export function ledgerProofRoot(key: Hex | Uint8Array, leaf: Hex | Uint8Array | null, proof: LedgerProof, hasher: Hasher = keccakHasher): Uint8Array | undefined {
  const k = toKey(key);
  const bitmap = toBytes(proof.bitmap, 32);
  const zeros = ledgerZeroHashes(hasher);
  let node = leaf === null ? zeros[0] : toLeaf(leaf);
  let used = 0;
  for (let level = 0; level < LEDGER_TREE_DEPTH; level++) {
    let sibling = zeros[level];
    if (keyBit(bitmap, level) === 1) {
      if (used === proof.siblings.length) return undefined;
      sibling = toBytes(proof.siblings[used++], 32);
    }
    node = keyBit(k, level) === 1 ? hasher.hashPair(sibling, node) : hasher.hashPair(node, sibling);
  }
  return used === proof.siblings.length ? node : undefined;
}

// ---- inputs -----------------------------------------------------------------------------------------------

/** A copy, as for leaves: the tree keeps keys. */
function toKey(key: Hex | Uint8Array): Uint8Array {
  return toWord(key, 'key').slice();
}

/** A copy: the tree keeps leaves, and callers may reuse their buffers. */
function toLeaf(leaf: Hex | Uint8Array): Uint8Array {
  return toWord(leaf, 'leaf').slice();
}

function toWord(value: Hex | Uint8Array, what: string): Uint8Array {
  try {
    return toBytes(value, 32);
  } catch (cause) {
    throw new PlasmaError('INVALID_MERKLE_INPUT', `a ledger ${what} must be 32 bytes`, { cause });
  }
}

function malformedProof(message: string): PlasmaError {
  return new PlasmaError('INVALID_MERKLE_INPUT', message, { hint: 'pass the proof exactly as LedgerTree.proof returned it' });
}

function isZero(bytes: Uint8Array): boolean {
  for (let i = 0; i < bytes.length; i++) if (bytes[i] !== 0) return false;
  return true;
}
