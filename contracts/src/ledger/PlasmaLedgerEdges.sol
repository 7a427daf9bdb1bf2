// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Header, BlockTx, TxWitness, AccountWitness, LedgerTxWitness, ChildRecord, EdgeWrite} from "../lib/PlasmaTypes.sol";
import {PlasmaEncoding} from "../lib/PlasmaEncoding.sol";
import {PlasmaLedgerTree} from "../lib/PlasmaLedgerTree.sol";
import {PlasmaLedgerModule} from "./PlasmaLedgerModule.sol";

/// @title PlasmaLedgerEdges
/// @notice Transition proofs of the edge kinds (docs/LEDGER-PROOFS.md §4.1). The edge registry (which functions a chain
///         runs, what their halves do) is node configuration L1 does not know, so an edge tx states its effect in its
///         data (SPEC v4 "Edge effects": `EdgeWrite[] writes`, every key of the function's storage its half set, and
///         kind 8's delivery status); L1 judges what does not depend on the registry:
///         - a refusal from a registry-independent check:
///           - 8 EDGE_FROM_PARENT: the down stream, as kind 0 deposits are checked (the event at block position
///             `index` carries nonce prev.depositNonce + index + 1, at most the header's depositNonce, and is the event
///             the root recorded under it): a down message the root never sent, sent twice or out of order;
///           - 9 EDGE_FROM_CHILD: ParentLedger.consumeUp's checks of the up event (committed block, window passed, exit
///             proof, spent set): an up message delivered twice, early, or one the child never sent;
///           - 7 EDGE_SEND: the sender's slot and nonce, the EIP-712 signature, the payload's size, a down call's child
///             (known, live, a nonce left, a clock that fits the record's 40 bits): a call forged in a user's name,
///             or replayed;
///         - else the post-state root of the tx with its stated effect applied (core applyTx with `edgeEffect:
///           'stated'`): the sender's nonce (7), a down call's record in the child's stream (7), the delivery's record
///           (8), the up event spent (9), and each stated write in the function's storage. A block whose post root is
///           not that is convicted, whatever the halves did; whether the stated effect is what the halves did is for
///           the chain's own re-execution (EDGE_EFFECT_MISMATCH), not for L1.
/// @dev The refusal codes are core's (stf.ts applyNextDownEvent and fraud.ts for kind 8, parentLedger.ts consumeUp
///      for kind 9); core's edgeLedgerRefusal (ledgerFraud.ts) runs the same checks in the same order, and
///      ledgerTouchPlan lists the touch positions in this contract's order. The tx's form (at most MAX_EDGE_WRITES
///      writes, each key hash once, kind 8's status 1 or 2) was checked by PlasmaFraudVerifier.isMalformed.
contract PlasmaLedgerEdges is PlasmaLedgerModule {

    /// @dev EIP-712 EdgeCall (core eip712.ts EDGE_CALL_TYPES): what a user signs for an EDGE_SEND.
    bytes32 private constant EDGE_CALL_TYPEHASH =
        keccak256("EdgeCall(bytes32 chainId,uint32 slot,bytes32 fn,bytes32 child,bytes32 payloadHash,uint64 nonce)");
    /// @dev PlasmaRoot.MAX_EDGE_PAYLOAD, core MAX_EDGE_PAYLOAD.
    uint256 private constant MAX_EDGE_PAYLOAD = 4096;
    /// @dev A child's down-stream nonce is a uint48 (PlasmaRoot; core ParentLedger nextDownNonce).
    uint256 private constant DOWN_NONCE_BITS = 48;
    /// @dev PlasmaFraudVerifier.MAX_EDGE_WRITES, core MAX_EDGE_WRITES: the most writes an edge tx states.
    uint256 private constant MAX_EDGE_WRITES = 4;
    // Ledger entry kinds of this chain's own side of its edges (core ledgerEntries.ts LedgerKind).
    uint8 private constant LEDGER_EDGE_STORAGE = 6;
    uint8 private constant LEDGER_EDGE_DELIVERY = 7;
    // Where each kind's `EdgeWrite[] writes` offset sits in its data's head, in words (core txData.ts).
    uint256 private constant SEND_WRITES_WORD = 3; // fn, child, payload, writes
    uint256 private constant FROM_PARENT_WRITES_WORD = 3; // fn, payload, status, writes
    uint256 private constant FROM_CHILD_WRITES_WORD = 14; // child, header (8), windowEnd, fn, payload, index, proof, writes

    /// @dev Up to 3 fixed entries, then at most MAX_EDGE_WRITES (4, PlasmaFraudVerifier.isMalformed) stated writes.
    function _touchPositions() internal pure override returns (uint256) {
        return 3 + MAX_EDGE_WRITES;
    }

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

    /// @dev Touch list: a down call: Child(C) W (depositCount), ChildStatus(C) R, Deposit(C, nonce) w (the call's
    ///      stamped record), then the stated writes; an up call: the stated writes. Accounts: [slot], its nonce bumped.
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
        bytes32 payloadHash = keccak256(payload);
        bytes32 structHash = keccak256(abi.encode(EDGE_CALL_TYPEHASH, c.chainId, x.slot, fn, child, payloadHash, x.nonce));
        if (!_signedBy(c, structHash, x.from, x.r, x.s, x.v)) return _refuse(c, w, "BAD_SIGNATURE");
        if (payload.length > MAX_EDGE_PAYLOAD) return _refuse(c, w, "PAYLOAD_TOO_LARGE");
        uint256 position;
        if (child != 0) {
            // ParentLedger.recordEdgeEvent: a live child, its next down nonce, the record stamped with the clock.
            (bool known, ChildRecord memory record) = _child(_read(c, w, 0, _childKey(child)));
            if (!known) return _refuse(c, w, "UNKNOWN_CHAIN");
            if (_status(_read(c, w, 1, _statusKey(child))) != 0) return _refuse(c, w, "CHAIN_IS_FROZEN");
            uint256 nonce = uint256(record.depositCount) + 1;
            if (nonce >> DOWN_NONCE_BITS != 0) return _refuse(c, w, "ARITHMETIC_OVERFLOW");
            // core stamps with uintInput(now, 40): a wider clock is an input error there, not a cast.
            if (uint256(c.now_) >> PlasmaEncoding.RECORD_TIME_BITS != 0) return _refuse(c, w, "VALUE_OUT_OF_RANGE");
            record.depositCount = uint64(nonce);
            _write(c, 0, _childLeaf(record));
            _read(c, w, 2, _depositKey(child, nonce)); // written only: its old value is whatever the witness folds
            bytes32 stamped = PlasmaEncoding.stampRecord(PlasmaEncoding.edgeDownRecord(fn, child, uint64(nonce), x.from, payloadHash), c.now_);
            _write(c, 2, _wordLeaf(uint256(stamped)));
            position = 3;
        }
        _applyWrites(c, w, fn, _writesOf(t.data, SEND_WRITES_WORD), position);
        return _valid(c, w, _debit(a, 0));
    }

    /// @dev Touch list: EdgeDelivery(nonce) w (fn and the stated status), then the stated writes. No accounts: the down
    ///      stream is the root's own records.
    function _edgeFromParent(Ctx memory c, TxWitness calldata t, LedgerTxWitness calldata w) private pure returns (bytes32, bytes32) {
        (bytes32 fn, bytes memory payload, uint8 status) = abi.decode(t.data, (bytes32, bytes, uint8));
        BlockTx calldata x = t.tx;
        // Down stream first (docs/FRAUD.md §3): the event at position `index` is the parent's event prev + index + 1.
        if (x.nonce != uint256(c.prevDepositNonce) + t.index + 1) return _refuse(c, w, "DEPOSIT_OUT_OF_ORDER");
        if (x.nonce > c.depositNonce) return _refuse(c, w, "DEPOSIT_BEYOND_HEADER");
        bytes32 record = PlasmaEncoding.edgeDownRecord(fn, c.chainId, x.nonce, x.from, keccak256(payload));
        if (!PlasmaEncoding.recordIs(c.depositRecord, record)) return _refuse(c, w, "DEPOSIT_MISMATCH");
        // ParentLedger.recordEdgeDelivery; a delivery's value is never the default (status 1 or 2).
        _read(c, w, 0, PlasmaLedgerTree.key(LEDGER_EDGE_DELIVERY, 0, 0, x.nonce)); // written only
        _write(c, 0, keccak256(abi.encode(fn, status)));
        _applyWrites(c, w, fn, _writesOf(t.data, FROM_PARENT_WRITES_WORD), 1);
        return _valid(c, w, c.accountsRoot);
    }

    /// @dev Touch list: Child(C) R, Commitment(C, number) R, SpentExit(C, number, index) W, then the stated writes.
    ///      No accounts.
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
        _write(c, 2, _wordLeaf(1));
        _applyWrites(c, w, fn, _writesOf(t.data, FROM_CHILD_WRITES_WORD), 3);
        return _valid(c, w, c.accountsRoot);
    }

    /// @dev The stated writes at touch positions `from`, `from + 1`, ...: EdgeStorage(fn, keyHash) set to the stated
    ///      value (ParentLedger.setEdgeStorageAt), its leaf keccak256(abi.encode(value)), 0 for the empty value.
    function _applyWrites(Ctx memory c, LedgerTxWitness calldata w, bytes32 fn, EdgeWrite[] calldata writes, uint256 from) private pure {
        for (uint256 j; j < writes.length; ++j) {
            EdgeWrite calldata e = writes[j];
            _read(c, w, from + j, PlasmaLedgerTree.key(LEDGER_EDGE_STORAGE, fn, e.keyHash, 0)); // written only
            _write(c, from + j, e.value.length == 0 ? bytes32(0) : keccak256(abi.encode(e.value)));
        }
    }

    /// @dev The `EdgeWrite[]` whose offset is head word `word` of `data`, read in place (the verifier checked the
    ///      canonical layout: the offset and every element are inside `data`).
    function _writesOf(bytes calldata data, uint256 word) private pure returns (EdgeWrite[] calldata writes) {
        bytes calldata tail = data[uint256(bytes32(data[word * 32:word * 32 + 32])):];
        assembly ("memory-safe") {
            writes.length := calldataload(tail.offset)
            writes.offset := add(tail.offset, 32)
        }
    }
}
