// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Header, Exit, BlockTx} from "../lib/PlasmaTypes.sol";
import {PlasmaEncoding} from "../lib/PlasmaEncoding.sol";
import {PlasmaMerkle} from "../lib/PlasmaMerkle.sol";

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

    function txLeafHash(BlockTx calldata t, bytes32 postStateRoot) external pure returns (bytes32) {
        return PlasmaEncoding.txLeafHash(t, postStateRoot);
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
}
