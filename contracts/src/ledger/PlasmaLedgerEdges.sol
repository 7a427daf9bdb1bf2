// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Header, BlockTx, TxWitness, AccountWitness, LedgerTxWitness, ChildRecord} from "../lib/PlasmaTypes.sol";
import {PlasmaEncoding} from "../lib/PlasmaEncoding.sol";
import {PlasmaLedgerTree} from "../lib/PlasmaLedgerTree.sol";
import {PlasmaLedgerModule} from "./PlasmaLedgerModule.sol";

/// @title PlasmaLedgerEdges
/// @notice Transition proofs of the edge kinds as far as L1 can judge them (docs/LEDGER-PROOFS.md §4.1): the edge
///         registry (which functions a chain runs, what their halves write) is node configuration L1 does not know, so
///         a refusal is provable only when it comes from a check that does not depend on it; a tx that passes every
///         such check is not judged (EdgeEffectNotProvable: the proof proves nothing, the root reverts).
///         - 8 EDGE_FROM_PARENT: the down stream, as kind 0 deposits are checked (the event at block position `index`
///           carries nonce prev.depositNonce + index + 1, at most the header's depositNonce, and is the event the root
///           recorded under it): a down message the root never sent, sent twice or out of order.
///         - 9 EDGE_FROM_CHILD: ParentLedger.consumeUp's checks of the up event (committed block, window passed, exit
///           proof, spent set): an up message delivered twice, early, or one the child never sent.
///         - 7 EDGE_SEND: the sender's slot and nonce, the EIP-712 signature, the payload's size, a down call's child
///           (known, live, a nonce left): a call forged in a user's name, or replayed.
/// @dev The refusal codes are core's (stf.ts applyNextDownEvent and fraud.ts for kind 8, parentLedger.ts consumeUp
///      for kind 9); core's edgeLedgerRefusal (ledgerFraud.ts) runs the same checks in the same order.
contract PlasmaLedgerEdges is PlasmaLedgerModule {
    constructor(address zeroHashes_) PlasmaLedgerModule(zeroHashes_) {}

    /// @notice The tx passes every check L1 can make of its kind; what its edge halves did is not provable (§4.1).
    error EdgeEffectNotProvable(uint8 kind);

    /// @dev EIP-712 EdgeCall (core eip712.ts EDGE_CALL_TYPES): what a user signs for an EDGE_SEND.
    bytes32 private constant EDGE_CALL_TYPEHASH =
        keccak256("EdgeCall(bytes32 chainId,uint32 slot,bytes32 fn,bytes32 child,bytes32 payloadHash,uint64 nonce)");
    /// @dev PlasmaRoot.MAX_EDGE_PAYLOAD, core MAX_EDGE_PAYLOAD.
    uint256 private constant MAX_EDGE_PAYLOAD = 4096;
    /// @dev A child's down-stream nonce is a uint48 (PlasmaRoot; core ParentLedger nextDownNonce).
    uint256 private constant DOWN_NONCE_BITS = 48;

    function _transition(Ctx memory c, TxWitness calldata t, AccountWitness[] calldata accounts, LedgerTxWitness calldata w)
        internal
        pure
        override
        returns (bytes32, bytes32)
    {
        uint8 kind = t.tx.kind;
        if (kind == 7) return _edgeSend(c, t, accounts, w);
        if (kind == 8) return _edgeFromParent(c, t, w);
        if (kind == 9) return _edgeFromChild(c, t, w);
        revert KindNotInModule(kind);
    }

    /// @dev Touch list (a down call): Child(C) R, ChildStatus(C) R. Accounts: [slot], checked, not judged further.
    function _edgeSend(Ctx memory c, TxWitness calldata t, AccountWitness[] calldata accounts, LedgerTxWitness calldata w)
        private
        pure
        returns (bytes32, bytes32)
    {
        (bytes32 fn, bytes32 child, bytes memory payload) = abi.decode(t.data, (bytes32, bytes32, bytes));
        BlockTx calldata x = t.tx;
        AccountWitness calldata a = _account(accounts, 0, x.slot, c.accountsRoot);
        // Any token will do: the call spends nothing, and the slot's nonce is the replay guard (core applyEdgeSend).
        string memory no = _senderRefusal(a, x.from, a.token, 0, x.nonce);
        if (bytes(no).length != 0) return _refuse(c, w, no);
        bytes32 structHash = keccak256(abi.encode(EDGE_CALL_TYPEHASH, c.chainId, x.slot, fn, child, keccak256(payload), x.nonce));
        if (!_signedBy(c, structHash, x.from, x.r, x.s, x.v)) return _refuse(c, w, "BAD_SIGNATURE");
        if (payload.length > MAX_EDGE_PAYLOAD) return _refuse(c, w, "PAYLOAD_TOO_LARGE");
        if (child != 0) {
            (bool known, ChildRecord memory record) = _child(_read(c, w, 0, _childKey(child)));
            if (!known) return _refuse(c, w, "UNKNOWN_CHAIN");
            if (_status(_read(c, w, 1, _statusKey(child))) != 0) return _refuse(c, w, "CHAIN_IS_FROZEN");
            if ((uint256(record.depositCount) + 1) >> DOWN_NONCE_BITS != 0) return _refuse(c, w, "ARITHMETIC_OVERFLOW");
        }
        revert EdgeEffectNotProvable(7);
    }

    /// @dev No ledger entry is read: the down stream is the root's own records.
    function _edgeFromParent(Ctx memory c, TxWitness calldata t, LedgerTxWitness calldata w) private pure returns (bytes32, bytes32) {
        (bytes32 fn, bytes memory payload) = abi.decode(t.data, (bytes32, bytes));
        BlockTx calldata x = t.tx;
        // Down stream first (docs/FRAUD.md §3): the event at position `index` is the parent's event prev + index + 1.
        if (x.nonce != uint256(c.prevDepositNonce) + t.index + 1) return _refuse(c, w, "DEPOSIT_OUT_OF_ORDER");
        if (x.nonce > c.depositNonce) return _refuse(c, w, "DEPOSIT_BEYOND_HEADER");
        bytes32 record = PlasmaEncoding.edgeDownRecord(fn, c.chainId, x.nonce, x.from, keccak256(payload));
        if (!PlasmaEncoding.recordIs(c.depositRecord, record)) return _refuse(c, w, "DEPOSIT_MISMATCH");
        revert EdgeEffectNotProvable(8);
    }

    /// @dev Touch list: Child(C) R, Commitment(C, number) R, SpentExit(C, number, index) R.
    function _edgeFromChild(Ctx memory c, TxWitness calldata t, LedgerTxWitness calldata w) private pure returns (bytes32, bytes32) {
        (bytes32 child, Header memory header, uint64 windowEnd, bytes32 fn, bytes memory payload, uint256 index, bytes32[] memory proof) =
            abi.decode(t.data, (bytes32, Header, uint64, bytes32, bytes, uint256, bytes32[]));
        (, ChildRecord memory record) = _child(_read(c, w, 0, _childKey(child)));
        if (header.number > record.headNumber) return _refuse(c, w, "UNKNOWN_COMMITMENT");
        bytes32 committed = bytes32(_word(_read(c, w, 1, _commitmentKey(child, header.number))));
        if (committed != _commitmentRecord(keccak256(abi.encode(header)), windowEnd)) return _refuse(c, w, "UNKNOWN_COMMITMENT");
        if (c.now_ < windowEnd) return _refuse(c, w, "CHALLENGE_WINDOW_OPEN");
        if (index >> EXIT_TREE_DEPTH != 0) return _refuse(c, w, "EXIT_INDEX_OUT_OF_RANGE");
        if (proof.length != EXIT_TREE_DEPTH) return _refuse(c, w, "BAD_PROOF_LENGTH");
        bytes32 leaf = PlasmaEncoding.edgeUpLeaf(fn, child, t.tx.from, keccak256(payload));
        if (_exitTreeRoot(leaf, index, proof) != header.exitRoot) return _refuse(c, w, "INVALID_EXIT_PROOF");
        bytes32 spentKey = PlasmaLedgerTree.key(LEDGER_SPENT_EXIT, child, bytes32(uint256(header.number)), index);
        if (_word(_read(c, w, 2, spentKey)) != 0) return _refuse(c, w, "ALREADY_WITHDRAWN");
        revert EdgeEffectNotProvable(9);
    }

}
