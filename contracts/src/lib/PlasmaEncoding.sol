// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Header, Exit, BlockTx} from "./PlasmaTypes.sol";

/// @title PlasmaEncoding
/// @notice Every hash of docs/SPEC.md, in one place. Each is `keccak256(abi.encode(...))` of static words, so the
///         TypeScript implementation in `core` reproduces it byte for byte (see contracts/test/vectors.test.ts).
library PlasmaEncoding {
    /// @notice The root chain (L1 itself) has the all-zero chain id.
    bytes32 internal constant ROOT_CHAIN_ID = bytes32(0);

    bytes32 internal constant TRANSFER_TYPEHASH =
        keccak256("Transfer(bytes32 chainId,uint32 slot,address to,address token,uint256 amount,uint64 nonce)");
    bytes32 internal constant WITHDRAW_TYPEHASH =
        keccak256("Withdraw(bytes32 chainId,uint32 slot,address recipient,address token,uint256 amount,uint64 nonce)");
    bytes32 internal constant COMMITMENT_TYPEHASH = keccak256("Commitment(bytes32 chainId,uint64 number,bytes32 blockHash)");
    // Signed by users on a child chain that is a parent itself (docs/TREE.md §3); no contract verifies them yet.
    bytes32 internal constant DEPOSIT_TO_CHILD_TYPEHASH = keccak256(
        "DepositToChild(bytes32 chainId,uint32 slot,bytes32 child,address to,address token,uint256 amount,uint64 nonce)"
    );
    bytes32 internal constant SPAWN_CHILD_TYPEHASH = keccak256(
        "SpawnChild(bytes32 chainId,uint32 slot,bytes32 validatorsHash,uint8 threshold,uint64 challengeWindow,uint64 stallLimit,uint256 bond,uint64 nonce)"
    );

    /// @notice Id of the built-in cross-chain message function (docs/EDGE.md): keccak256 of its name, as for any edge
    ///         function.
    bytes32 internal constant MESSAGE_FN = keccak256("plasma-tree/message/v1");

    /// @notice A down-stream record (a depositHash or an edgeDownRecord) keeps the time it was recorded in its low
    ///         RECORD_TIME_BITS bits, in place of the hash's (docs/SPEC.md §4): the skipped-deposit rule needs the time
    ///         and a second slot per deposit would cost ~20,000 gas. 216 hash bits stay, far beyond any forgery.
    uint256 internal constant RECORD_TIME_BITS = 40;

    /// @notice `hash` stamped with `time` (seconds, < 2^40): what a parent stores under a down nonce.
    function stampRecord(bytes32 hash, uint256 time) internal pure returns (bytes32) {
        return bytes32(((uint256(hash) >> RECORD_TIME_BITS) << RECORD_TIME_BITS) | uint40(time));
    }

    /// @notice Whether stored `record` is `hash` recorded at some time (an empty record is never a hash's).
    function recordIs(bytes32 record, bytes32 hash) internal pure returns (bool) {
        return (uint256(record) ^ uint256(hash)) >> RECORD_TIME_BITS == 0;
    }

    /// @notice Id of the `index`-th (0-based) child of `parent`. Works at any depth of the tree.
    function childChainId(bytes32 parent, uint256 index) internal pure returns (bytes32) {
        return keccak256(abi.encode(parent, index));
    }

    function accountHash(address owner, address token, uint256 balance, uint64 nonce) internal pure returns (bytes32) {
        return keccak256(abi.encode(owner, token, balance, nonce));
    }

    function depositHash(bytes32 chainId, uint64 nonce, address from, address to, address token, uint256 amount)
        internal
        pure
        returns (bytes32 hash)
    {
        // abi.encode of six static words, hashed in place above the free memory pointer without moving it (the
        // deposit is a budgeted path: ~60 gas less than abi.encode's allocation). Narrow types are masked as
        // abi.encode would clean them.
        assembly ("memory-safe") {
            let m := mload(0x40)
            let addressMask := 0xffffffffffffffffffffffffffffffffffffffff
            mstore(m, chainId)
            mstore(add(m, 0x20), and(nonce, 0xffffffffffffffff))
            mstore(add(m, 0x40), and(from, addressMask))
            mstore(add(m, 0x60), and(to, addressMask))
            mstore(add(m, 0x80), and(token, addressMask))
            mstore(add(m, 0xa0), amount)
            hash := keccak256(m, 0xc0)
        }
    }

    function exitHash(Exit calldata e) internal pure returns (bytes32) {
        return keccak256(abi.encode(e.recipient, e.token, e.amount));
    }

    /// @notice What a parent records under a child's nonce for a down edge event, in place of a depositHash. It hashes
    ///         5 words where a depositHash hashes 6, so a record is never both.
    function edgeDownRecord(bytes32 fn, bytes32 child, uint64 nonce, address sender, bytes32 payloadHash)
        internal
        pure
        returns (bytes32)
    {
        return keccak256(abi.encode(fn, child, nonce, sender, payloadHash));
    }

    /// @notice Exit-tree leaf of an up edge event, beside the token exits. It hashes 4 words where an exitHash hashes
    ///         3, so a message leaf can never be paid out as a withdrawal nor an exit relayed as a message.
    function edgeUpLeaf(bytes32 fn, bytes32 sourceChain, address sender, bytes32 payloadHash)
        internal
        pure
        returns (bytes32)
    {
        return keccak256(abi.encode(fn, sourceChain, sender, payloadHash));
    }

    /// @notice The message function's payload.
    function messagePayload(address target, bytes calldata data) internal pure returns (bytes memory) {
        return abi.encode(target, data);
    }

    /// @notice Transaction-tree leaf: the 11 BlockTx words, the hash of the tx's data (empty for kinds 0-2), the
    ///         post-state root and the exit index (the exit leaves the block's earlier txs made): 14 words.
    function txLeafHash(BlockTx calldata t, bytes calldata data, bytes32 postStateRoot, uint64 exitIndex)
        internal
        pure
        returns (bytes32)
    {
        return keccak256(abi.encode(t, keccak256(data), postStateRoot, exitIndex));
    }

    function blockHash(Header calldata h) internal pure returns (bytes32) {
        return keccak256(abi.encode(h));
    }

    /// @notice The one slot stored per commitment: binds the block hash to the end of its challenge window.
    function commitmentRecord(bytes32 blockHash_, uint64 windowEnd) internal pure returns (bytes32) {
        return keccak256(abi.encode(blockHash_, windowEnd));
    }

    function commitmentStructHash(bytes32 chainId, uint64 number, bytes32 blockHash_) internal pure returns (bytes32) {
        return keccak256(abi.encode(COMMITMENT_TYPEHASH, chainId, number, blockHash_));
    }

    function transferStructHash(bytes32 chainId, uint32 slot, address to, address token, uint256 amount, uint64 nonce)
        internal
        pure
        returns (bytes32)
    {
        return keccak256(abi.encode(TRANSFER_TYPEHASH, chainId, slot, to, token, amount, nonce));
    }

    function depositToChildStructHash(
        bytes32 chainId,
        uint32 slot,
        bytes32 child,
        address to,
        address token,
        uint256 amount,
        uint64 nonce
    ) internal pure returns (bytes32) {
        return keccak256(abi.encode(DEPOSIT_TO_CHILD_TYPEHASH, chainId, slot, child, to, token, amount, nonce));
    }

    /// @param validatorsHash keccak256(abi.encodePacked(validators)): one left-padded word per validator, in order.
    function spawnChildStructHash(
        bytes32 chainId,
        uint32 slot,
        bytes32 validatorsHash,
        uint8 threshold,
        uint64 challengeWindow,
        uint64 stallLimit,
        uint256 bond,
        uint64 nonce
    ) internal pure returns (bytes32) {
        return keccak256(abi.encode(SPAWN_CHILD_TYPEHASH, chainId, slot, validatorsHash, threshold, challengeWindow, stallLimit, bond, nonce));
    }

    function withdrawStructHash(
        bytes32 chainId,
        uint32 slot,
        address recipient,
        address token,
        uint256 amount,
        uint64 nonce
    ) internal pure returns (bytes32) {
        return keccak256(abi.encode(WITHDRAW_TYPEHASH, chainId, slot, recipient, token, amount, nonce));
    }
}
