/**
 * The ledger tree (docs/TREE.md §2): a compact sparse Merkle tree keyed by 32-byte keys, in which a chain that is a
 * parent keeps its ParentLedger. Compact: a leaf sits at the first depth at which it is alone in its subtree, so a
 * path is about log2(entries) levels long instead of 256 (a proof folds ~20 hashes where the plain 256-level tree
 * folded 256; ~50k gas a ledger touch became a few thousand).
 *
 * ## The hash of a subtree
 * For the set S of entries below a node at depth t (all sharing the key's first t bits, read from the most
 * significant: the node at depth t + 1 on a key's path is a right child iff bit 255 − t of the key is 1):
 * - S empty: 0;
 * - S one entry (key, leaf): `leafNode = keccak256(key ‖ leaf ‖ 0x01)`, whatever the depth (65 bytes: never the
 *   preimage of an inner node);
 * - otherwise `keccak256(hash(S_left) ‖ hash(S_right))`, where one side may be empty (keys with a long common prefix
 *   pass through such single-child nodes).
 * The root is the hash of every entry at depth 0; the empty tree's root is 0. The hash is canonical: it depends on
 * the entries only, never on the order of writes.
 *
 * ## Proof format (PlasmaLedgerTree takes it as `(uint256 bitmap, bytes32[] siblings)`)
 * A key's path ends at depth d, the *endpoint*: the first node on it whose subtree holds at most one entry (that
 * entry may be the key's own, or another key's, or none).
 * - `bitmap`: its highest set bit is d (a sentinel; 0 ≤ d ≤ MAX_LEDGER_DEPTH = 255); bit j < d is 1
 *   iff the sibling j levels above the endpoint (the other child at depth d − j) is not empty.
 * - `siblings`: those non-empty siblings, deepest first; then the *opening*, two words or none:
 *   - the key present (d ≥ 1): the preimage of the endpoint's own sibling (j = 0): (key′, leaf′) when that sibling is
 *     another entry's leafNode, (left, right) when it is an inner node. A deletion needs it: a leaf left alone moves
 *     up, and only its preimage tells a leaf from an inner node;
 *   - the key absent, its endpoint holding another entry: that entry (key′, leaf′), key′ ≠ key; the key absent at an
 *     empty endpoint: none.
 * A proof is refused (undefined here, PlasmaLedgerTree.BadLedgerProof) if its bitmap is 0, if it has another number
 * of words than its bitmap and the claim need, or if its opening is not what it stands for.
 *
 * ## A write from one proof
 * `ledgerProofUpdate` gives the root before and after one write from the proof of the key before it, as
 * PlasmaLedgerTree.updateCalldata does: an insertion at another entry's endpoint builds their two-leaf subtree; a
 * deletion whose sibling is a leaf lets that leaf rise past the empty siblings above it.
 */
import { encodeWords } from './abi.js';
import { bytesToHex, equalBytes, toBytes } from './bytes.js';
import { PlasmaError } from './errors.js';
import { keccak256, keccakHasher, type Hasher } from './hash.js';
import type { ChainId, Hex } from './types.js';

/** The key's bits: 256 levels, of which a path uses about log2(entries). */
export const LEDGER_TREE_DEPTH = 256;
/**
 * The deepest endpoint a proof names (its bitmap's sentinel is a bit of a uint256). Two keys that agree on their
 * first 255 bits (a keccak near-collision) would put their leaves at depth 256: the tree refuses the second.
 */
export const MAX_LEDGER_DEPTH = 255;
/** The most words a proof has: a sibling at each of MAX_LEDGER_DEPTH levels, then a two-word opening (decoders' bound). */
export const MAX_LEDGER_PROOF_WORDS = MAX_LEDGER_DEPTH + 2;

/** The compact proof described at the top of this file. */
export interface LedgerProof {
  /** uint256 as 0x-hex of 32 bytes: the highest set bit is the endpoint's depth d; bit j < d set = a non-empty sibling j levels above it. */
  bitmap: Hex;
  /** The non-empty siblings, deepest first, then the opening (0 or 2 words). */
  siblings: Hex[];
}

/** The roots one write moves between (ledgerProofUpdate). */
export interface LedgerWrite {
  before: Uint8Array;
  after: Uint8Array;
}

export interface LedgerTreeOptions {
  hasher?: Hasher;
}

/** `keccak256(abi.encode(uint8 kind, bytes32 child, bytes32 a, uint256 b))`: where an entry lives in the tree. */
export function ledgerKey(kind: number, child: ChainId, a: Hex | Uint8Array, b: bigint | number): Hex {
  return bytesToHex(keccak256(encodeWords(['uint8', 'bytes32', 'bytes32', 'uint256'], [kind, child, a, b])));
}

const ZERO = new Uint8Array(32);

/** `keccak256(key ‖ leaf ‖ 0x01)`: a subtree that holds one entry, at any depth. */
export function ledgerLeafNode(key: Uint8Array, leaf: Uint8Array, hasher: Hasher = keccakHasher): Uint8Array {
  const preimage = new Uint8Array(65);
  preimage.set(key, 0);
  preimage.set(leaf, 32);
  preimage[64] = 1;
  return hasher.hash(preimage);
}

// ---- key bits ---------------------------------------------------------------------------------------------

/** Bit `level` of a big-endian 32-byte key (level 0 = least significant): 1 when its path goes right there. */
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

// ---- the tree ---------------------------------------------------------------------------------------------

type Side = 0 | 1;

interface LeafNode {
  readonly height: 0;
  readonly key: Uint8Array;
  leaf: Uint8Array;
}

/**
 * A branch point at `height`: its two subtrees differ at bit `height - 1` (children[0] = left, [1] = right). A leaf
 * child sits right below it (a leaf is never lifted); a branch child deeper down is reached through single-child
 * nodes whose other side is empty.
 */
interface BranchNode {
  readonly height: number;
  /** Any key below: all of them share the bits at and above `height`. */
  readonly key: Uint8Array;
  readonly children: [TreeNode, TreeNode];
  /** Each child's subtree hash at level `height - 1`, until a write below that child clears it. */
  readonly childHashes: [Uint8Array | undefined, Uint8Array | undefined];
}

type TreeNode = LeafNode | BranchNode;

/**
 * The tree in memory: a binary radix tree of the leaves and the branch points, each branch point caching its
 * children's hashes until a write below clears them, so a write costs the hashes of its own path.
 */
export class LedgerTree {
  readonly hasher: Hasher;
  private top: TreeNode | undefined;
  private rootCache: Uint8Array | undefined;
  private count = 0;

  constructor(options: LedgerTreeOptions = {}) {
    this.hasher = options.hasher ?? keccakHasher;
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
    this.rootCache ??= this.top ? this.lift(this.top, LEDGER_TREE_DEPTH) : ZERO;
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
    let parent: BranchNode | undefined;
    let node = this.top;
    while (node !== undefined) {
      const split = highestDifferingBit(k, node.key, node.height);
      if (split >= 0) {
        if (split === 0) throw keyClash(k, node.key);
        // `k` leaves this node's subtree at level `split`: a new branch point joins the two there.
        this.clearPath(k);
        const fresh: LeafNode = { height: 0, key: k, leaf: value };
        const branch = keyBit(k, split) === 1 ? newBranch(split + 1, node, fresh) : newBranch(split + 1, fresh, node);
        this.replace(parent, node, branch);
        this.count++;
        return;
      }
      if (isLeaf(node)) {
        this.clearPath(k);
        node.leaf = value;
        return;
      }
      parent = node;
      node = node.children[sideOf(k, node)];
    }
    this.rootCache = undefined;
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
    this.clearPath(k);
    // The leaf's branch point disappears: the other child takes its place (a leaf rises, a branch keeps its height).
    const parent = path.pop();
    if (parent === undefined) this.top = undefined;
    else this.replace(path[path.length - 1], parent, parent.children[(1 - sideOf(k, parent)) as Side]);
    this.count--;
    return true;
  }

  /** Proof of the leaf under `key`, or of its absence (see the format at the top of this file). */
  proof(key: Hex | Uint8Array): LedgerProof {
    const k = toKey(key);
    const path: Uint8Array[] = []; // siblings from depth 1 down; path.length is the depth reached
    let opening: [Uint8Array, Uint8Array] | undefined;
    let last: { node: TreeNode; height: number } | undefined; // the deepest sibling's subtree, for its preimage
    let height = LEDGER_TREE_DEPTH; // of the position reached
    let node = this.top;
    while (node !== undefined) {
      if (isLeaf(node)) {
        if (!equalBytes(node.key, k)) opening = [node.key, node.leaf];
        else if (last !== undefined) opening = this.preimage(last.node, last.height);
        break;
      }
      const split = highestDifferingBit(k, node.key, node.height);
      if (split >= 0) {
        // `k` leaves the branch's prefix at level `split`: its side there is the (empty) endpoint.
        for (let level = height - 1; level > split; level--) path.push(ZERO);
        path.push(this.lift(node, split));
        break;
      }
      for (let level = height - 1; level >= node.height; level--) path.push(ZERO);
      const side = sideOf(k, node);
      path.push(this.childHash(node, (1 - side) as Side));
      last = { node: node.children[1 - side], height: node.height - 1 };
      height = node.height - 1;
      node = node.children[side];
    }
    return compress(path, opening);
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

  /** Drops the cached hashes a write under `k` invalidates (every branch point on its path, and the root). */
  private clearPath(k: Uint8Array): void {
    this.rootCache = undefined;
    let node = this.top;
    while (node !== undefined && !isLeaf(node) && highestDifferingBit(k, node.key, node.height) < 0) {
      const side = sideOf(k, node);
      node.childHashes[side] = undefined;
      node = node.children[side];
    }
  }

  private replace(parent: BranchNode | undefined, old: TreeNode, next: TreeNode): void {
    this.rootCache = undefined;
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

  /** The hash of the subtree of `height` that holds `node` and nothing else: a leaf as it is, a branch point passed up through single-child nodes. */
  private lift(node: TreeNode, height: number): Uint8Array {
    if (isLeaf(node)) return ledgerLeafNode(node.key, node.leaf, this.hasher);
    let hash = this.hasher.hashPair(this.childHash(node, 0), this.childHash(node, 1));
    for (let level = node.height; level < height; level++) {
      hash = keyBit(node.key, level) === 1 ? this.hasher.hashPair(ZERO, hash) : this.hasher.hashPair(hash, ZERO);
    }
    return hash;
  }

  /** The two words `lift(node, height)` hashes: a leaf's (key, leaf), an inner node's (left, right). */
  private preimage(node: TreeNode, height: number): [Uint8Array, Uint8Array] {
    if (isLeaf(node)) return [node.key, node.leaf];
    if (node.height === height) return [this.childHash(node, 0), this.childHash(node, 1)];
    const below = this.lift(node, height - 1);
    return keyBit(node.key, height - 1) === 1 ? [ZERO, below] : [below, ZERO];
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

function keyClash(a: Uint8Array, b: Uint8Array): PlasmaError {
  return new PlasmaError('INVALID_MERKLE_INPUT', `ledger keys ${bytesToHex(a)} and ${bytesToHex(b)} agree on their first 255 bits: the tree cannot hold both`, {
    hint: 'ledger keys are keccak256 outputs; two that close are a near-collision, not a usable ledger',
  });
}

// ---- proofs -----------------------------------------------------------------------------------------------

/** `path`: the siblings from depth 1 down to the endpoint's (0 = empty). */
function compress(path: readonly Uint8Array[], opening: readonly [Uint8Array, Uint8Array] | undefined): LedgerProof {
  const depth = path.length;
  let bitmap = 1n << BigInt(depth);
  const siblings: Hex[] = [];
  for (let j = 0; j < depth; j++) {
    const sibling = path[depth - 1 - j];
    if (isZero(sibling)) continue;
    bitmap |= 1n << BigInt(j);
    siblings.push(bytesToHex(sibling));
  }
  if (opening) siblings.push(bytesToHex(opening[0]), bytesToHex(opening[1]));
  return { bitmap: `0x${bitmap.toString(16).padStart(64, '0')}` as Hex, siblings };
}

/**
 * True iff `proof` shows `leaf` under `key` in the ledger tree with this `root`; `leaf = null` proves that the
 * key is empty. A proof of the wrong shape is false, malformed hex throws.
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
 * The root in which `proof` shows `leaf` under `key` (`leaf = null` or 0: the key is empty), or undefined when the
 * proof is refused (PlasmaLedgerTree.rootOfCalldata's BadLedgerProof).
 */
export function ledgerProofRoot(key: Hex | Uint8Array, leaf: Hex | Uint8Array | null, proof: LedgerProof, hasher: Hasher = keccakHasher): Uint8Array | undefined {
  return ledgerProofUpdate(key, leaf, leaf, proof, hasher)?.before;
}

/**
 * One write under `key`, `oldLeaf` → `newLeaf` (null or 0: empty), from the proof of `key` before it: the root the
 * proof shows the old leaf in, and the root after the write; undefined when the proof is refused. What
 * PlasmaLedgerTree.updateCalldata computes; the caller checks `before` against the root it holds.
 */
export function ledgerProofUpdate(
  key: Hex | Uint8Array,
  oldLeaf: Hex | Uint8Array | null,
  newLeaf: Hex | Uint8Array | null,
  proof: LedgerProof,
  hasher: Hasher = keccakHasher,
): LedgerWrite | undefined {
  const k = toKey(key);
  const old = presentLeaf(oldLeaf);
  const next = presentLeaf(newLeaf);
  const bitmap = BigInt(bytesToHex(toBytes(proof.bitmap, 32)));
  if (bitmap === 0n) return undefined;
  const depth = bitmap.toString(2).length - 1;
  const listed = popcount(bitmap) - 1;
  const words = proof.siblings.map((word) => toBytes(word, 32));
  // Present: the opening whenever there is a sibling; absent: the other entry at the endpoint, or nothing.
  const opened = old !== undefined ? depth > 0 : words.length === listed + 2;
  if (words.length !== listed + (opened ? 2 : 0)) return undefined;
  const [a, b] = opened ? [words[listed], words[listed + 1]] : [ZERO, ZERO];
  const deepest = (bitmap & 1n) === 1n && depth > 0 ? words[0] : ZERO;

  let before: Uint8Array;
  let risingLeaf = false; // a deletion whose sibling is a leaf: the leaf takes the parent's place
  if (old !== undefined) {
    before = ledgerLeafNode(k, old, hasher);
    if (opened) {
      const leafLike = equalBytes(ledgerLeafNode(a, b, hasher), deepest);
      if (!leafLike && !equalBytes(hasher.hashPair(a, b), deepest)) return undefined;
      risingLeaf = leafLike && next === undefined;
    }
  } else if (opened) {
    if (equalBytes(a, k)) return undefined;
    before = ledgerLeafNode(a, b, hasher);
  } else {
    before = ZERO;
  }

  let after: Uint8Array;
  if (next === undefined) after = old === undefined ? before : ZERO;
  else if (old !== undefined || !opened) after = ledgerLeafNode(k, next, hasher);
  else {
    // Another entry holds the endpoint: the two leaves meet where their keys part, under single-child nodes up to it.
    const split = highestDifferingBit(k, a, 0);
    if (split >= LEDGER_TREE_DEPTH - depth || split === 0) return undefined;
    const mine = ledgerLeafNode(k, next, hasher);
    after = keyBit(k, split) === 1 ? hasher.hashPair(before, mine) : hasher.hashPair(mine, before);
    for (let level = split + 1; level < LEDGER_TREE_DEPTH - depth; level++) {
      after = keyBit(k, level) === 1 ? hasher.hashPair(ZERO, after) : hasher.hashPair(after, ZERO);
    }
  }

  let used = 0;
  for (let j = 0; j < depth; j++) {
    const sibling = (bitmap >> BigInt(j)) & 1n ? words[used++] : ZERO;
    const right = keyBit(k, LEDGER_TREE_DEPTH - depth + j) === 1;
    before = right ? hasher.hashPair(sibling, before) : hasher.hashPair(before, sibling);
    if (j === 0 && risingLeaf) {
      after = sibling;
      continue;
    }
    if (risingLeaf && isZero(sibling)) continue;
    risingLeaf = false;
    after = right ? hasher.hashPair(sibling, after) : hasher.hashPair(after, sibling);
  }
  return { before, after };
}

function popcount(x: bigint): number {
  let n = 0;
  for (; x !== 0n; x &= x - 1n) n++;
  return n;
}

/** A leaf as given, or undefined for the empty one (null or 32 zero bytes). */
function presentLeaf(leaf: Hex | Uint8Array | null): Uint8Array | undefined {
  if (leaf === null) return undefined;
  const bytes = toLeaf(leaf);
  return isZero(bytes) ? undefined : bytes;
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

function isZero(bytes: Uint8Array): boolean {
  for (let i = 0; i < bytes.length; i++) if (bytes[i] !== 0) return false;
  return true;
}
