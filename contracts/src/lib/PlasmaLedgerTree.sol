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

    function _popcount(uint256 x) private pure returns (uint256 n) {
        for (; x != 0; x &= x - 1) ++n;
    }
}
