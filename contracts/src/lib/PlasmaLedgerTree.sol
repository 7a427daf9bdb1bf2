// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {PlasmaMerkle} from "./PlasmaMerkle.sol";

/// @title PlasmaLedgerTree
/// @notice The ledger tree a chain parent keeps its ParentLedger in (docs/TREE.md §2, core `ledgerTree.ts`): a sparse
///         Merkle tree of depth 256 keyed by `ledgerKey(kind, child, a, b)`, leaf = keccak256 of the entry's value,
///         empty leaf = 0, `zero[i+1] = keccak(zero[i] ‖ zero[i])`, bit `i` of the key (big-endian uint256) set = the
///         level-`i` node of its path is a right child. A proof is compressed: `bitmap` bit `i` set = the level-`i`
///         sibling is not `zero[i]`, and `siblings` are exactly those, from the leaf upward. What a proof against a
///         chain's ledger root needs (the escape of holders inside a frozen chain's children, transition proofs of the
///         ledger kinds): the same construction as core's, checked against it by shared vectors
///         (contracts/test/vectors.test.ts).
library PlasmaLedgerTree {
    uint256 internal constant DEPTH = 256;

    /// @notice The proof does not have one sibling per set bit of its bitmap.
    error BadLedgerProof(uint256 siblings, uint256 bitsSet);

    /// @notice Where an entry lives: keccak256(abi.encode(uint8 kind, bytes32 child, bytes32 a, uint256 b)).
    function key(uint8 kind, bytes32 child, bytes32 a, uint256 b) internal pure returns (bytes32) {
        return keccak256(abi.encode(kind, child, a, b));
    }

    /// @notice The root of the ledger tree whose leaf under `k` is `leaf` (0: the key is absent), given the proof of
    ///         `k`. With the same proof and another leaf it is the root after that one write: an update is checked by
    ///         folding the old leaf to the old root and the new leaf to the new one.
    function rootOf(bytes32 k, bytes32 leaf, uint256 bitmap, bytes32[] memory siblings) internal pure returns (bytes32 node) {
        node = leaf;
        bytes32 zero; // zero[i]
        uint256 used;
        uint256 count = siblings.length;
        uint256 path = uint256(k);
        for (uint256 i; i < DEPTH; ++i) {
            bytes32 sibling = zero;
            if ((bitmap >> i) & 1 == 1) {
                if (used == count) revert BadLedgerProof(count, _popcount(bitmap));
                sibling = siblings[used++];
            }
            node = (path >> i) & 1 == 1 ? PlasmaMerkle.hashPair(sibling, node) : PlasmaMerkle.hashPair(node, sibling);
            zero = PlasmaMerkle.hashPair(zero, zero);
        }
        if (used != count) revert BadLedgerProof(count, used);
    }

    /// @notice zero[0 .. DEPTH - 1]: the empty subtrees a proof's unset bitmap bits stand for, computed once per call
    ///         for {rootOfCalldata} (a proof fold then hashes once per level instead of twice).
    function zeroHashes() internal pure returns (bytes32[] memory zeros) {
        zeros = new bytes32[](DEPTH);
        assembly ("memory-safe") {
            let z := 0
            let p := add(zeros, 0x20)
            for { let i := 0 } lt(i, DEPTH) { i := add(i, 1) } {
                mstore(add(p, shl(5, i)), z)
                mstore(0x00, z)
                mstore(0x20, z)
                z := keccak256(0x00, 0x40)
            }
        }
    }

    /// @notice {rootOf} for a proof in calldata, with `zeros` from {zeroHashes}: the same root and the same refusals
    ///         (BadLedgerProof(siblings, bits set) for a missing sibling, (siblings, bits used) for a surplus: both are
    ///         the bitmap's popcount), at about a third of the gas: no copy of the siblings, one hash and one branch per
    ///         level. A bitmap naming more siblings than given reads past them (calldata) before it is refused.
    function rootOfCalldata(bytes32 k, bytes32 leaf, uint256 bitmap, bytes32[] calldata siblings, bytes32[] memory zeros)
        internal
        pure
        returns (bytes32 node)
    {
        uint256 used;
        assembly ("memory-safe") {
            node := leaf
            let next := siblings.offset
            let z := add(zeros, 0x20)
            let end := add(z, shl(5, DEPTH))
            for {} lt(z, end) { z := add(z, 0x20) } {
                let sibling := mload(z)
                if and(bitmap, 1) {
                    sibling := calldataload(next)
                    next := add(next, 0x20)
                }
                bitmap := shr(1, bitmap)
                let right := shl(5, and(k, 1)) // 0x20 when this level's node is a right child
                k := shr(1, k)
                mstore(right, node)
                mstore(xor(right, 0x20), sibling)
                node := keccak256(0x00, 0x40)
            }
            used := shr(5, sub(next, siblings.offset))
        }
        if (used != siblings.length) revert BadLedgerProof(siblings.length, used);
    }

    /// @notice One write of key `k`: the roots with `oldLeaf` and with `newLeaf` under it, from one calldata proof (two
    ///         hashes a level). The caller checks `oldRoot` against the root it holds and moves on to `newRoot`.
    function updateCalldata(bytes32 k, bytes32 oldLeaf, bytes32 newLeaf, uint256 bitmap, bytes32[] calldata siblings, bytes32[] memory zeros)
        internal
        pure
        returns (bytes32 oldRoot, bytes32 newRoot)
    {
        uint256 used;
        assembly ("memory-safe") {
            oldRoot := oldLeaf
            newRoot := newLeaf
            let next := siblings.offset
            let z := add(zeros, 0x20)
            let end := add(z, shl(5, DEPTH))
            for {} lt(z, end) { z := add(z, 0x20) } {
                let sibling := mload(z)
                if and(bitmap, 1) {
                    sibling := calldataload(next)
                    next := add(next, 0x20)
                }
                bitmap := shr(1, bitmap)
                let right := shl(5, and(k, 1))
                k := shr(1, k)
                mstore(xor(right, 0x20), sibling)
                mstore(right, oldRoot)
                oldRoot := keccak256(0x00, 0x40)
                mstore(right, newRoot)
                newRoot := keccak256(0x00, 0x40)
            }
            used := shr(5, sub(next, siblings.offset))
        }
        if (used != siblings.length) revert BadLedgerProof(siblings.length, used);
    }

    function _popcount(uint256 x) private pure returns (uint256 n) {
        for (; x != 0; x &= x - 1) ++n;
    }
}
