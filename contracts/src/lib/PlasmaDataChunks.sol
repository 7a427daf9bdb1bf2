// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {PlasmaMerkle} from "./PlasmaMerkle.sol";

/// @title PlasmaDataChunks
/// @notice The chunk rules of a block's published data (docs/FRAUD.md §9): a chunk is a subtree of the tx or exit tree,
///         published with its siblings up to the root. PlasmaDataAvailability (a child of the root's data) and
///         PlasmaLedgerObjections (a chain's CHILD_DATA_CALL, judged at the root) share them.
library PlasmaDataChunks {
    /// @notice Root of a subtree of height `height` whose first leaves are `nodes` (overwritten), the rest empty.
    function rootOf(bytes32[] memory nodes, uint256 height) internal pure returns (bytes32) {
        uint256 n = nodes.length;
        bytes32 zero; // the empty subtree of the current level
        for (uint256 level; level < height; ++level) {
            uint256 m = (n + 1) >> 1;
            for (uint256 i; i < m; ++i) {
                uint256 j = i << 1;
                nodes[i] = PlasmaMerkle.hashPair(nodes[j], j + 1 < n ? nodes[j + 1] : zero);
            }
            n = m;
            zero = PlasmaMerkle.hashPair(zero, zero);
        }
        return n == 0 ? zero : nodes[0];
    }

    /// @notice Every subtree right of the chunk (of height `height`) is empty: where the chunk's path goes left, the
    ///         sibling is the empty subtree of its height. So the last chunk leaves no leaf unpublished after it (a tree
    ///         with a hole cannot be completed).
    function emptyAfter(uint256 chunk, bytes32[] memory proof, uint256 height) internal pure returns (bool) {
        bytes32 zero = PlasmaMerkle.zeroHash(height);
        for (uint256 level; level < proof.length; ++level) {
            if ((chunk >> level) & 1 == 0 && proof[level] != zero) return false;
            zero = PlasmaMerkle.hashPair(zero, zero);
        }
        return true;
    }
}
