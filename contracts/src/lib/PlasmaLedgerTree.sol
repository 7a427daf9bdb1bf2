// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @title PlasmaLedgerTree
/// @notice The ledger tree a chain parent keeps its ParentLedger in (docs/TREE.md §2, core `ledgerTree.ts`): a compact
///         sparse Merkle tree keyed by `ledgerKey(kind, child, a, b)`, leaf = keccak256 of the entry's value. A subtree
///         holding no entry hashes to 0, one entry to `leafNode(key, leaf) = keccak256(key ‖ leaf ‖ 0x01)` at any depth,
///         more to `keccak256(left ‖ right)`; the path of a key goes right at depth t + 1 iff bit 255 − t of the key is 1.
///         A path ends at its *endpoint*, the first node holding at most one entry, so a proof folds ~log2(entries)
///         levels (a few thousand gas) where a 256-level tree folded 256 (~25,000). A proof `(bitmap, siblings)`: the
///         bitmap's highest set bit is the endpoint's depth d, bit j < d set = a non-empty sibling j levels above the
///         endpoint; `siblings` are those, deepest first, then the *opening*: for a present key (d ≥ 1) the preimage
///         (key', leaf') or (left, right) of the endpoint's own sibling; for an absent key, the other entry (key', leaf')
///         that holds its endpoint, if one does. The same construction as core's, checked against it by shared vectors
///         (contracts/test/vectors.test.ts).
library PlasmaLedgerTree {
    /// @dev BadLedgerProof reasons.
    uint256 internal constant NO_ENDPOINT = 1;
    uint256 internal constant WORD_COUNT = 2;
    uint256 internal constant BAD_OPENING = 3;

    /// @notice A refused proof: its bitmap is 0 (NO_ENDPOINT = 1), it has another number of words than its bitmap and the
    ///         claim need (WORD_COUNT = 2), or its opening is not what it stands for (BAD_OPENING = 3). `words`: how many
    ///         it has.
    error BadLedgerProof(uint256 reason, uint256 words);

    /// @notice Where an entry lives: keccak256(abi.encode(uint8 kind, bytes32 child, bytes32 a, uint256 b)).
    function key(uint8 kind, bytes32 child, bytes32 a, uint256 b) internal pure returns (bytes32) {
        return keccak256(abi.encode(kind, child, a, b));
    }

    /// @notice A subtree that holds one entry: keccak256(key ‖ leaf ‖ 0x01), 65 bytes, never an inner node's preimage.
    function leafNode(bytes32 k, bytes32 leaf) internal pure returns (bytes32 node) {
        assembly ("memory-safe") {
            let p := mload(0x40) // scratch past the free memory pointer: 65 bytes do not fit 0x00-0x3f
            mstore(p, k)
            mstore(add(p, 0x20), leaf)
            mstore8(add(p, 0x40), 1)
            node := keccak256(p, 0x41)
        }
    }

    /// @notice The root in which `siblings` show `leaf` under `k` (0: the key is absent). Reverts BadLedgerProof on a
    ///         refused proof.
    function rootOfCalldata(bytes32 k, bytes32 leaf, uint256 bitmap, bytes32[] calldata siblings) internal pure returns (bytes32 node) {
        uint256 refused;
        (refused, node) = tryRootOfCalldata(k, leaf, bitmap, siblings);
        if (refused != 0) revert BadLedgerProof(refused, siblings.length);
    }

    /// @notice {rootOfCalldata} that answers a refusal (its BadLedgerProof reason, 0 if none) instead of reverting: what
    ///         a ledger module uses, to name the witness position in its own error.
    function tryRootOfCalldata(bytes32 k, bytes32 leaf, uint256 bitmap, bytes32[] calldata siblings) internal pure returns (uint256 refused, bytes32 node) {
        uint256 depth;
        uint256 listed;
        bool opened;
        (refused, depth, listed, opened) = _shape(leaf, bitmap, siblings.length);
        if (refused != 0) return (refused, 0);
        if (leaf != 0) {
            node = leafNode(k, leaf);
            if (opened) {
                (refused,) = _openingKind(bitmap, siblings, listed);
                if (refused != 0) return (refused, 0);
            }
        } else if (opened) {
            (refused, node) = _otherEntry(k, siblings, listed);
            if (refused != 0) return (refused, 0);
        }
        assembly ("memory-safe") {
            let path := shr(sub(256, depth), k) // bit j: the side of the node j levels above the endpoint
            let next := siblings.offset
            for { let j := 0 } lt(j, depth) { j := add(j, 1) } {
                let sibling := 0
                if and(shr(j, bitmap), 1) {
                    sibling := calldataload(next)
                    next := add(next, 0x20)
                }
                let right := shl(5, and(shr(j, path), 1)) // 0x20 when the node is a right child
                mstore(right, node)
                mstore(xor(right, 0x20), sibling)
                node := keccak256(0x00, 0x40)
            }
        }
    }

    /// @notice One write of key `k`, `oldLeaf` → `newLeaf` (0: absent), from the proof of `k` before it: the root the proof
    ///         shows `oldLeaf` in and the root after the write. An insertion at another entry's endpoint builds their
    ///         two-leaf subtree; a deletion whose sibling is a leaf lets it rise past the empty siblings above. The caller
    ///         checks `oldRoot` against the root it holds and moves on to `newRoot`.
    function updateCalldata(bytes32 k, bytes32 oldLeaf, bytes32 newLeaf, uint256 bitmap, bytes32[] calldata siblings)
        internal
        pure
        returns (bytes32 oldRoot, bytes32 newRoot)
    {
        uint256 refused;
        (refused, oldRoot, newRoot) = tryUpdateCalldata(k, oldLeaf, newLeaf, bitmap, siblings);
        if (refused != 0) revert BadLedgerProof(refused, siblings.length);
    }

    /// @notice {updateCalldata} that answers a refusal (its BadLedgerProof reason, 0 if none) instead of reverting.
    function tryUpdateCalldata(bytes32 k, bytes32 oldLeaf, bytes32 newLeaf, uint256 bitmap, bytes32[] calldata siblings)
        internal
        pure
        returns (uint256 refused, bytes32 oldRoot, bytes32 newRoot)
    {
        uint256 depth;
        uint256 listed;
        bool opened;
        (refused, depth, listed, opened) = _shape(oldLeaf, bitmap, siblings.length);
        if (refused != 0) return (refused, 0, 0);
        uint256 rising; // 1: a deletion whose sibling is a leaf, which takes its parent's place
        if (oldLeaf != 0) {
            oldRoot = leafNode(k, oldLeaf);
            if (opened) {
                bool isLeaf;
                (refused, isLeaf) = _openingKind(bitmap, siblings, listed);
                if (refused != 0) return (refused, 0, 0);
                if (isLeaf && newLeaf == 0) rising = 1;
            }
        } else if (opened) {
            (refused, oldRoot) = _otherEntry(k, siblings, listed);
            if (refused != 0) return (refused, 0, 0);
        }
        if (newLeaf == 0) newRoot = oldLeaf == 0 ? oldRoot : bytes32(0);
        else if (oldLeaf != 0 || !opened) newRoot = leafNode(k, newLeaf);
        else {
            (refused, newRoot) = _split(k, newLeaf, siblings[listed], oldRoot, depth);
            if (refused != 0) return (refused, 0, 0);
        }
        assembly ("memory-safe") {
            let path := shr(sub(256, depth), k)
            let next := siblings.offset
            for { let j := 0 } lt(j, depth) { j := add(j, 1) } {
                let sibling := 0
                if and(shr(j, bitmap), 1) {
                    sibling := calldataload(next)
                    next := add(next, 0x20)
                }
                let right := shl(5, and(shr(j, path), 1))
                let left := xor(right, 0x20)
                mstore(left, sibling)
                mstore(right, oldRoot)
                oldRoot := keccak256(0x00, 0x40)
                switch rising
                case 1 {
                    // The risen leaf passes empty siblings; the first non-empty one makes an inner node again.
                    switch iszero(j)
                    case 1 { newRoot := sibling }
                    default {
                        if sibling {
                            rising := 0
                            mstore(left, sibling)
                            mstore(right, newRoot)
                            newRoot := keccak256(0x00, 0x40)
                        }
                    }
                }
                default {
                    mstore(right, newRoot)
                    newRoot := keccak256(0x00, 0x40)
                }
            }
        }
    }

    /// @dev The endpoint's depth, the listed siblings, and whether an opening follows them; or the refusal of a wrong count.
    function _shape(bytes32 leaf, uint256 bitmap, uint256 words) private pure returns (uint256 refused, uint256 depth, uint256 listed, bool opened) {
        if (bitmap == 0) return (NO_ENDPOINT, 0, 0, false);
        depth = _msb(bitmap);
        listed = _popcount(bitmap) - 1;
        opened = leaf != 0 ? depth != 0 : words == listed + 2;
        if (words != listed + (opened ? 2 : 0)) refused = WORD_COUNT;
    }

    /// @dev A present key's opening must hash to the endpoint's sibling (j = 0): a leaf (isLeaf) or an inner node.
    function _openingKind(uint256 bitmap, bytes32[] calldata siblings, uint256 listed) private pure returns (uint256 refused, bool isLeaf) {
        bytes32 deepest = bitmap & 1 == 1 ? siblings[0] : bytes32(0);
        bytes32 a = siblings[listed];
        bytes32 b = siblings[listed + 1];
        if (leafNode(a, b) == deepest) return (0, true);
        if (keccak256(abi.encode(a, b)) != deepest) refused = BAD_OPENING;
    }

    /// @dev An absent key's endpoint held by another entry: its leafNode; the key's own entry cannot stand for it.
    function _otherEntry(bytes32 k, bytes32[] calldata siblings, uint256 listed) private pure returns (uint256 refused, bytes32 node) {
        bytes32 other = siblings[listed];
        if (other == k) return (BAD_OPENING, 0);
        node = leafNode(other, siblings[listed + 1]);
    }

    /// @dev The endpoint at `depth` after `k` joins `other` (whose leafNode is `otherNode`) there: the two leaves meet where
    ///      their keys part, below single-child nodes up to the endpoint. `other` must share the endpoint's prefix.
    function _split(bytes32 k, bytes32 newLeaf, bytes32 other, bytes32 otherNode, uint256 depth) private pure returns (uint256 refused, bytes32 node) {
        uint256 split = _msb(uint256(k ^ other));
        if (split >= 256 - depth || split == 0) return (BAD_OPENING, 0);
        bytes32 mine = leafNode(k, newLeaf);
        assembly ("memory-safe") {
            let right := shl(5, and(shr(split, k), 1))
            mstore(right, mine)
            mstore(xor(right, 0x20), otherNode)
            node := keccak256(0x00, 0x40)
            for { let level := add(split, 1) } lt(level, sub(256, depth)) { level := add(level, 1) } {
                right := shl(5, and(shr(level, k), 1))
                mstore(right, node)
                mstore(xor(right, 0x20), 0)
                node := keccak256(0x00, 0x40)
            }
        }
    }

    /// @dev The index of the highest set bit of x > 0.
    function _msb(uint256 x) private pure returns (uint256 r) {
        assembly ("memory-safe") {
            let s := shl(7, gt(x, 0xffffffffffffffffffffffffffffffff))
            x := shr(s, x)
            r := s
            s := shl(6, gt(x, 0xffffffffffffffff))
            x := shr(s, x)
            r := or(r, s)
            s := shl(5, gt(x, 0xffffffff))
            x := shr(s, x)
            r := or(r, s)
            s := shl(4, gt(x, 0xffff))
            x := shr(s, x)
            r := or(r, s)
            s := shl(3, gt(x, 0xff))
            x := shr(s, x)
            r := or(r, s)
            s := shl(2, gt(x, 0xf))
            x := shr(s, x)
            r := or(r, s)
            s := shl(1, gt(x, 0x3))
            x := shr(s, x)
            r := or(r, s)
            r := or(r, gt(x, 0x1))
        }
    }

    function _popcount(uint256 x) private pure returns (uint256 n) {
        for (; x != 0; x &= x - 1) ++n;
    }
}
