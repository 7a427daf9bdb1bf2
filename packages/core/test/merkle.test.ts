import { concat, keccak256 as ethersKeccak } from 'ethers';
import { describe, expect, it } from 'vitest';
import {
  EMPTY_ACCOUNTS_ROOT,
  MerkleTree,
  SparseMerkleTree,
  bytesToHex,
  computeMerkleRoot,
  hexToBytes,
  keccak256,
  merkleRoot,
  nobleKeccakHasher,
  verifyMerkleProof,
  verifySmtProof,
  zeroHashes,
  type Hex,
} from '../src/index.js';

const ZERO: Hex = `0x${'00'.repeat(32)}`;

function leaf(i: number): Uint8Array {
  return keccak256(new TextEncoder().encode(`leaf ${i}`));
}

/** The SPEC's definition written the slow, obvious way with ethers: sparse leaves, zero padding. */
function referenceRoot(leaves: Map<number, Uint8Array>, depth: number): string {
  let zero: string = ZERO;
  let level = new Map<number, string>([...leaves].map(([i, l]) => [i, bytesToHex(l)]));
  for (let d = 0; d < depth; d++) {
    const next = new Map<number, string>();
    for (const i of level.keys()) {
      const parent = Math.floor(i / 2);
      if (next.has(parent)) continue;
      next.set(parent, ethersKeccak(concat([level.get(parent * 2) ?? zero, level.get(parent * 2 + 1) ?? zero])));
    }
    zero = ethersKeccak(concat([zero, zero]));
    level = next;
  }
  return level.get(0) ?? zero;
}

describe('zero hashes', () => {
  it('follow zero[i+1] = keccak(zero[i] ‖ zero[i]); zero[32] is the genesis state root', () => {
    const zeros = zeroHashes(32);
    expect(zeros).toHaveLength(33);
    expect(bytesToHex(zeros[0])).toBe(ZERO);
    let expected: string = ZERO;
    for (let i = 1; i <= 32; i++) {
      expected = ethersKeccak(concat([expected, expected]));
      expect(bytesToHex(zeros[i])).toBe(expected);
    }
    expect(EMPTY_ACCOUNTS_ROOT).toBe(expected);
    expect(zeroHashes(16, nobleKeccakHasher).map(bytesToHex)).toEqual(zeros.slice(0, 17).map(bytesToHex));
  });

  it('refuse depths outside 1..32', () => {
    for (const depth of [0, 33, 1.5, -1]) expect(() => zeroHashes(depth)).toThrow(expect.objectContaining({ code: 'INVALID_MERKLE_INPUT' }));
  });
});

describe('MerkleTree (fixed depth, dense leaves)', () => {
  it('matches the reference for 0..9 leaves and proves every leaf', () => {
    for (let n = 0; n <= 9; n++) {
      const leaves = Array.from({ length: n }, (_, i) => leaf(i));
      const tree = new MerkleTree(leaves, 16);
      expect(bytesToHex(tree.root)).toBe(referenceRoot(new Map(leaves.map((l, i) => [i, l])), 16));
      expect(merkleRoot(leaves, 16)).toEqual(tree.root);
      for (let i = 0; i < n; i++) {
        const proof = tree.proof(i);
        expect(proof).toHaveLength(16);
        expect(verifyMerkleProof(leaves[i], i, proof, tree.root, 16)).toBe(true);
        expect(computeMerkleRoot(leaves[i], i, proof)).toEqual(tree.root);
      }
    }
  });

  it('refuses a wrong index, a wrong length, a tampered sibling and a wrong leaf', () => {
    const leaves = Array.from({ length: 5 }, (_, i) => leaf(i));
    const tree = new MerkleTree(leaves, 16);
    const proof = tree.proof(2);
    const root = tree.root;
    expect(verifyMerkleProof(leaves[2], 3, proof, root, 16)).toBe(false);
    expect(verifyMerkleProof(leaves[2], 2 + 2 ** 16, proof, root, 16)).toBe(false);
    expect(verifyMerkleProof(leaves[2], -1, proof, root, 16)).toBe(false);
    expect(verifyMerkleProof(leaves[2], 2, proof.slice(0, 15), root, 16)).toBe(false);
    expect(verifyMerkleProof(leaves[2], 2, [...proof, proof[0]], root, 16)).toBe(false);
    expect(verifyMerkleProof(leaves[2], 2, proof, root, 15)).toBe(false);
    for (let level = 0; level < 16; level++) {
      const tampered = proof.map((p) => p.slice());
      tampered[level][31] ^= 1;
      expect(verifyMerkleProof(leaves[2], 2, tampered, root, 16)).toBe(false);
    }
    expect(verifyMerkleProof(leaves[3], 2, proof, root, 16)).toBe(false);
  });

  it('accepts hex as well as bytes, and proves padding leaves are empty', () => {
    const leaves = [leaf(0), leaf(1), leaf(2)];
    const tree = new MerkleTree(leaves, 4);
    const proof = tree.proof(1).map(bytesToHex);
    expect(verifyMerkleProof(bytesToHex(leaves[1]), 1, proof, bytesToHex(tree.root), 4)).toBe(true);
    expect(verifyMerkleProof(ZERO, 9, tree.proof(9), tree.root, 4)).toBe(true);
  });

  it('refuses more leaves than the depth holds and out-of-range proof indices', () => {
    expect(() => new MerkleTree([leaf(0), leaf(1), leaf(2)], 1)).toThrow(expect.objectContaining({ code: 'INVALID_MERKLE_INPUT' }));
    expect(() => new MerkleTree([leaf(0)], 2).proof(4)).toThrow(expect.objectContaining({ code: 'INVALID_MERKLE_INPUT' }));
  });
});

describe('SparseMerkleTree', () => {
  it('starts at zero[32] and matches the reference after updates, including far slots', () => {
    const tree = new SparseMerkleTree();
    expect(bytesToHex(tree.root)).toBe(EMPTY_ACCOUNTS_ROOT);
    const leaves = new Map<number, Uint8Array>();
    const slots = [0, 1, 2, 3, 5, 1000, 1023, 1024, 70_000, 2 ** 31, 2 ** 32 - 1, 2 ** 32 - 2];
    slots.forEach((slot, i) => {
      tree.set(slot, leaf(i));
      leaves.set(slot, leaf(i));
    });
    expect(bytesToHex(tree.root)).toBe(referenceRoot(leaves, 32));
    expect(tree.size).toBe(slots.length);
    // Overwrite, then empty some slots again.
    tree.set(5, leaf(100));
    leaves.set(5, leaf(100));
    for (const slot of [1000, 2 ** 32 - 1]) {
      tree.set(slot, new Uint8Array(32));
      leaves.delete(slot);
    }
    expect(bytesToHex(tree.root)).toBe(referenceRoot(leaves, 32));
    expect(tree.size).toBe(slots.length - 2);
    expect(tree.get(5)).toEqual(leaf(100));
    expect(tree.get(1000)).toEqual(new Uint8Array(32));
  });

  it('keeps far slots correct when the dense range grows over them', () => {
    const tree = new SparseMerkleTree();
    const leaves = new Map<number, Uint8Array>();
    for (const slot of [5000, 3000, 0, ...Array.from({ length: 6000 }, (_, i) => i + 1)]) {
      tree.set(slot, leaf(slot));
      leaves.set(slot, leaf(slot));
      if (slot % 997 === 0) void tree.root; // interleave flushes with growth
    }
    expect(bytesToHex(tree.root)).toBe(referenceRoot(leaves, 32));
    expect(tree.get(5000)).toEqual(leaf(5000));
    expect(tree.size).toBe(6001);
    expect(verifySmtProof(leaf(3000), 3000, tree.proof(3000), tree.root)).toBe(true);
  });

  it('returns to the empty root when every slot is emptied', () => {
    const tree = new SparseMerkleTree();
    for (const slot of [7, 8, 4_000_000]) tree.set(slot, leaf(slot));
    void tree.root;
    for (const slot of [7, 8, 4_000_000]) tree.set(slot, new Uint8Array(32));
    expect(bytesToHex(tree.root)).toBe(EMPTY_ACCOUNTS_ROOT);
  });

  it('root is the same whatever the order and batching of writes', () => {
    const a = new SparseMerkleTree();
    const b = new SparseMerkleTree();
    const slots = Array.from({ length: 300 }, (_, i) => (i * 7919) % 5000);
    for (const slot of slots) a.set(slot, leaf(slot));
    for (const slot of [...slots].reverse()) {
      b.set(slot, leaf(slot));
      void b.root; // one flush per write
    }
    expect(a.root).toEqual(b.root);
  });

  it('agrees with a dense MerkleTree of the same depth', () => {
    const leaves = Array.from({ length: 50 }, (_, i) => leaf(i));
    const tree = new SparseMerkleTree({ depth: 8 });
    leaves.forEach((l, i) => tree.set(i, l));
    expect(tree.root).toEqual(new MerkleTree(leaves, 8).root);
    expect(tree.proof(17)).toEqual(new MerkleTree(leaves, 8).proof(17));
  });

  it('proves inclusion and exclusion; refuses wrong index, wrong length, tampered sibling', () => {
    const tree = new SparseMerkleTree();
    for (const slot of [0, 3, 4, 99, 2 ** 20]) tree.set(slot, leaf(slot));
    const root = tree.root;
    const proof = tree.proof(3);
    expect(proof).toHaveLength(32);
    expect(verifySmtProof(leaf(3), 3, proof, root)).toBe(true);
    expect(verifySmtProof(leaf(3), 2, proof, root)).toBe(false);
    expect(verifySmtProof(leaf(4), 3, proof, root)).toBe(false);
    expect(verifySmtProof(null, 3, proof, root)).toBe(false);
    expect(verifySmtProof(leaf(3), 3, proof.slice(1), root)).toBe(false);
    expect(verifySmtProof(leaf(3), 3, proof, root, 31)).toBe(false);
    const tampered = proof.map((p) => p.slice());
    tampered[20][0] ^= 0x80;
    expect(verifySmtProof(leaf(3), 3, tampered, root)).toBe(false);
    // Exclusion: slot 5 is empty, slot 4 is not.
    expect(verifySmtProof(null, 5, tree.proof(5), root)).toBe(true);
    expect(verifySmtProof(ZERO, 5, tree.proof(5).map(bytesToHex), bytesToHex(root))).toBe(true);
    expect(verifySmtProof(null, 4, tree.proof(4), root)).toBe(false);
    // A stale proof fails against the new root.
    tree.set(4, leaf(444));
    expect(verifySmtProof(leaf(3), 3, proof, tree.root)).toBe(false);
    expect(verifySmtProof(leaf(3), 3, tree.proof(3), tree.root)).toBe(true);
  });

  it('copies what it is given and what it returns', () => {
    const tree = new SparseMerkleTree();
    const mine = leaf(1);
    tree.set(1, mine);
    const root = tree.root;
    mine.fill(9);
    tree.get(1).fill(9);
    tree.root.fill(9);
    expect(tree.root).toEqual(root);
  });

  it('refuses bad indices and leaves', () => {
    const tree = new SparseMerkleTree({ depth: 4 });
    expect(() => tree.set(16, leaf(0))).toThrow(expect.objectContaining({ code: 'INVALID_MERKLE_INPUT' }));
    expect(() => tree.set(-1, leaf(0))).toThrow(expect.objectContaining({ code: 'INVALID_MERKLE_INPUT' }));
    expect(() => tree.set(1, new Uint8Array(31))).toThrow(expect.objectContaining({ code: 'INVALID_MERKLE_INPUT' }));
    expect(() => tree.proof(16)).toThrow(expect.objectContaining({ code: 'INVALID_MERKLE_INPUT' }));
  });

  it('uses the hasher it is given', () => {
    const counting = { name: 'counting', calls: 0, hash: (d: Uint8Array) => keccak256(d), hashPair(a: Uint8Array, b: Uint8Array) {
      this.calls++;
      return nobleKeccakHasher.hashPair(a, b);
    } };
    const tree = new SparseMerkleTree({ hasher: counting });
    const zerosCalls = counting.calls;
    tree.set(2, leaf(2));
    tree.set(3, leaf(3));
    void tree.root;
    // Siblings 2 and 3 share their whole path: one hash per level.
    expect(counting.calls - zerosCalls).toBe(32);
    expect(bytesToHex(tree.root)).toBe(referenceRoot(new Map([[2, leaf(2)], [3, leaf(3)]]), 32));
    expect(hexToBytes(bytesToHex(tree.root))).toEqual(tree.root);
  });
});
