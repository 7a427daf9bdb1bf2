// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Header, Exit, BlockTx} from "../lib/PlasmaTypes.sol";
import {PlasmaEncoding} from "../lib/PlasmaEncoding.sol";
import {PlasmaMerkle} from "../lib/PlasmaMerkle.sol";
import {PlasmaLedgerTree} from "../lib/PlasmaLedgerTree.sol";

/// @notice Exposes every hash of docs/SPEC.md, computed by the same library code PlasmaRoot uses, so that
///         cross-language vector tests can compare the TypeScript implementation against Solidity byte for byte.
contract EncodingHarness {
    bytes32 private constant DOMAIN_TYPEHASH =
        keccak256("EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)");

    function childChainId(bytes32 parent, uint256 index) external pure returns (bytes32) {
        return PlasmaEncoding.childChainId(parent, index);
    }

    function accountHash(address owner, address token, uint256 balance, uint64 nonce) external pure returns (bytes32) {
        return PlasmaEncoding.accountHash(owner, token, balance, nonce);
    }

    function depositHash(bytes32 chainId, uint64 nonce, address from, address to, address token, uint256 amount)
        external
        pure
        returns (bytes32)
    {
        return PlasmaEncoding.depositHash(chainId, nonce, from, to, token, amount);
    }

    function exitHash(Exit calldata e) external pure returns (bytes32) {
        return PlasmaEncoding.exitHash(e);
    }

    // Edge events (docs/EDGE.md). The harness hashes the payload, so a vector checks the payload hash too.

    function messageFn() external pure returns (bytes32) {
        return PlasmaEncoding.MESSAGE_FN;
    }

    function stampRecord(bytes32 hash, uint256 time) external pure returns (bytes32) {
        return PlasmaEncoding.stampRecord(hash, time);
    }

    function recordIs(bytes32 record, bytes32 hash) external pure returns (bool) {
        return PlasmaEncoding.recordIs(record, hash);
    }

    function edgeDownRecord(bytes32 fn, bytes32 child, uint64 nonce, address sender, bytes calldata payload)
        external
        pure
        returns (bytes32)
    {
        return PlasmaEncoding.edgeDownRecord(fn, child, nonce, sender, keccak256(payload));
    }

    function edgeUpLeaf(bytes32 fn, bytes32 sourceChain, address sender, bytes calldata payload)
        external
        pure
        returns (bytes32)
    {
        return PlasmaEncoding.edgeUpLeaf(fn, sourceChain, sender, keccak256(payload));
    }

    function messagePayload(address target, bytes calldata data) external pure returns (bytes memory) {
        return PlasmaEncoding.messagePayload(target, data);
    }

    /// @notice abi.decode of a message payload: what an L1 contract reading one would see.
    function decodeMessagePayload(bytes calldata payload) external pure returns (address target, bytes memory data) {
        return abi.decode(payload, (address, bytes));
    }

    /// @notice The exit-tree leaf of a message, exactly as PlasmaRoot.relayMessage computes it.
    function messageUpLeaf(bytes32 sourceChain, address sender, address target, bytes calldata data)
        external
        pure
        returns (bytes32)
    {
        return PlasmaEncoding.edgeUpLeaf(
            PlasmaEncoding.MESSAGE_FN, sourceChain, sender, keccak256(PlasmaEncoding.messagePayload(target, data))
        );
    }

    function txLeafHash(BlockTx calldata t, bytes calldata data, bytes32 postStateRoot, uint64 exitIndex)
        external
        pure
        returns (bytes32)
    {
        return PlasmaEncoding.txLeafHash(t, data, postStateRoot, exitIndex);
    }

    // The `data` layouts of the tree kinds (docs/SPEC.md), as Solidity's ABI encoder writes them.

    function depositToChildData(bytes32 child) external pure returns (bytes memory) {
        return abi.encode(child);
    }

    function commitChildData(bytes32 child, Header calldata header, bytes calldata signatures)
        external
        pure
        returns (bytes memory)
    {
        return abi.encode(child, header, signatures);
    }

    function finalizeChildExitData(
        bytes32 child,
        Header calldata header,
        uint64 windowEnd,
        Exit calldata exit,
        uint256 index,
        bytes32[] calldata proof
    ) external pure returns (bytes memory) {
        return abi.encode(child, header, windowEnd, exit, index, proof);
    }

    function spawnChildData(address[] calldata validators, uint8 threshold, uint64 challengeWindow, uint64 stallLimit)
        external
        pure
        returns (bytes memory)
    {
        return abi.encode(validators, threshold, challengeWindow, stallLimit);
    }

    /// @notice abi.decode of a FINALIZE_CHILD_EXIT payload: what a contract reading it would see.
    function decodeFinalizeChildExitData(bytes calldata data)
        external
        pure
        returns (bytes32 child, Header memory header, uint64 windowEnd, Exit memory exit, uint256 index, bytes32[] memory proof)
    {
        return abi.decode(data, (bytes32, Header, uint64, Exit, uint256, bytes32[]));
    }

    function blockHash(Header calldata h) external pure returns (bytes32) {
        return PlasmaEncoding.blockHash(h);
    }

    function commitmentRecord(bytes32 blockHash_, uint64 windowEnd) external pure returns (bytes32) {
        return PlasmaEncoding.commitmentRecord(blockHash_, windowEnd);
    }

    /// @notice Root of a tree holding `leaf` at `index` (no depth check: the proof length is the depth).
    function merkleRoot(bytes32 leaf, uint256 index, bytes32[] calldata proof) external pure returns (bytes32) {
        return PlasmaMerkle.computeRoot(leaf, index, proof);
    }

    function hashPair(bytes32 left, bytes32 right) external pure returns (bytes32) {
        return PlasmaMerkle.hashPair(left, right);
    }

    function zeroHash(uint256 level) external pure returns (bytes32) {
        return PlasmaMerkle.zeroHash(level);
    }

    /// @notice zero[0..depth] inclusive.
    function zeroHashes(uint256 depth) external pure returns (bytes32[] memory zs) {
        zs = new bytes32[](depth + 1);
        for (uint256 i = 1; i <= depth; ++i) {
            zs[i] = PlasmaMerkle.hashPair(zs[i - 1], zs[i - 1]);
        }
    }

    function transferTypehash() external pure returns (bytes32) {
        return PlasmaEncoding.TRANSFER_TYPEHASH;
    }

    function withdrawTypehash() external pure returns (bytes32) {
        return PlasmaEncoding.WITHDRAW_TYPEHASH;
    }

    function commitmentTypehash() external pure returns (bytes32) {
        return PlasmaEncoding.COMMITMENT_TYPEHASH;
    }

    function depositToChildTypehash() external pure returns (bytes32) {
        return PlasmaEncoding.DEPOSIT_TO_CHILD_TYPEHASH;
    }

    function spawnChildTypehash() external pure returns (bytes32) {
        return PlasmaEncoding.SPAWN_CHILD_TYPEHASH;
    }

    function validatorsHash(address[] calldata validators) external pure returns (bytes32) {
        return keccak256(abi.encodePacked(validators));
    }

    /// @notice The Plasma Tree EIP-712 domain separator for a root contract at `verifyingContract` on this L1.
    function domainSeparator(address verifyingContract) public view returns (bytes32) {
        return keccak256(
            abi.encode(DOMAIN_TYPEHASH, keccak256("PlasmaTree"), keccak256("1"), block.chainid, verifyingContract)
        );
    }

    function transferDigest(
        address verifyingContract,
        bytes32 chainId,
        uint32 slot,
        address to,
        address token,
        uint256 amount,
        uint64 nonce
    ) external view returns (bytes32) {
        return _typedData(
            verifyingContract, PlasmaEncoding.transferStructHash(chainId, slot, to, token, amount, nonce)
        );
    }

    function withdrawDigest(
        address verifyingContract,
        bytes32 chainId,
        uint32 slot,
        address recipient,
        address token,
        uint256 amount,
        uint64 nonce
    ) external view returns (bytes32) {
        return _typedData(
            verifyingContract, PlasmaEncoding.withdrawStructHash(chainId, slot, recipient, token, amount, nonce)
        );
    }

    function depositToChildDigest(
        address verifyingContract,
        bytes32 chainId,
        uint32 slot,
        bytes32 child,
        address to,
        address token,
        uint256 amount,
        uint64 nonce
    ) external view returns (bytes32) {
        return _typedData(
            verifyingContract, PlasmaEncoding.depositToChildStructHash(chainId, slot, child, to, token, amount, nonce)
        );
    }

    function spawnChildDigest(
        address verifyingContract,
        bytes32 chainId,
        uint32 slot,
        bytes32 validatorsHash_,
        uint8 threshold,
        uint64 challengeWindow,
        uint64 stallLimit,
        uint256 bond,
        uint64 nonce
    ) external view returns (bytes32) {
        return _typedData(
            verifyingContract,
            PlasmaEncoding.spawnChildStructHash(chainId, slot, validatorsHash_, threshold, challengeWindow, stallLimit, bond, nonce)
        );
    }

    function commitmentDigest(address verifyingContract, bytes32 chainId, uint64 number, bytes32 blockHash_)
        external
        view
        returns (bytes32)
    {
        return _typedData(verifyingContract, PlasmaEncoding.commitmentStructHash(chainId, number, blockHash_));
    }

    function _typedData(address verifyingContract, bytes32 structHash) private view returns (bytes32) {
        return keccak256(abi.encodePacked("\x19\x01", domainSeparator(verifyingContract), structHash));
    }

    // The ledger tree (docs/TREE.md §2): keys, compact proofs and one-proof writes, as core's LedgerTree makes them.

    function ledgerKey(uint8 kind, bytes32 child, bytes32 a, uint256 b) external pure returns (bytes32) {
        return PlasmaLedgerTree.key(kind, child, a, b);
    }

    function ledgerRootOfCalldata(bytes32 k, bytes32 leaf, uint256 bitmap, bytes32[] calldata siblings) external pure returns (bytes32) {
        return PlasmaLedgerTree.rootOfCalldata(k, leaf, bitmap, siblings);
    }

    function ledgerUpdate(bytes32 k, bytes32 oldLeaf, bytes32 newLeaf, uint256 bitmap, bytes32[] calldata siblings)
        external
        pure
        returns (bytes32 oldRoot, bytes32 newRoot)
    {
        return PlasmaLedgerTree.updateCalldata(k, oldLeaf, newLeaf, bitmap, siblings);
    }

    function ledgerLeafNode(bytes32 k, bytes32 leaf) external pure returns (bytes32) {
        return PlasmaLedgerTree.leafNode(k, leaf);
    }
}
