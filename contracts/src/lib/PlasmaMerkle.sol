// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @title PlasmaMerkle
/// @notice The fixed-depth binary Merkle tree of docs/SPEC.md: empty leaf = 0, zero[i+1] = keccak(zero[i] ‖ zero[i]),
///         node = keccak(left ‖ right). A proof is the `depth` siblings from the leaf upward; bit i of the index says
///         whether the node at level i is a right child.
library PlasmaMerkle {
    /// @notice Root of the tree holding `leaf` at `index`, given its siblings. The caller must check
    ///         `proof.length == depth` and `index < 2**depth` (otherwise one leaf would verify under several indices).
    function computeRoot(bytes32 leaf, uint256 index, bytes32[] calldata proof) internal pure returns (bytes32 node) {
        node = leaf;
        for (uint256 level; level < proof.length; ++level) {
            node = (index >> level) & 1 == 1 ? hashPair(proof[level], node) : hashPair(node, proof[level]);
        }
    }

    /// @notice keccak256(left ‖ right) using the scratch space (no memory allocation).
    function hashPair(bytes32 left, bytes32 right) internal pure returns (bytes32 value) {
        assembly ("memory-safe") {
            mstore(0x00, left)
            mstore(0x20, right)
            value := keccak256(0x00, 0x40)
        }
    }

    /// @notice zero[level]: the root of an empty subtree of height `level`.
    function zeroHash(uint256 level) internal pure returns (bytes32 z) {
        for (uint256 i; i < level; ++i) {
            z = hashPair(z, z);
        }
    }
}
