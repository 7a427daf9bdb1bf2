// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Header, BlockTx, TxWitness, AccountWitness, LedgerTxWitness, ChildRecord, Exit} from "../lib/PlasmaTypes.sol";
import {PlasmaEncoding} from "../lib/PlasmaEncoding.sol";
import {PlasmaLedgerTree} from "../lib/PlasmaLedgerTree.sol";
import {PlasmaMerkle} from "../lib/PlasmaMerkle.sol";
import {PlasmaLedgerModule} from "./PlasmaLedgerModule.sol";

/// @title PlasmaLedgerExits
/// @notice Transition proofs of the kinds that pay a child's holders out of a chain's ledger (docs/LEDGER-PROOFS.md §4):
///         5 FINALIZE_CHILD_EXIT (the theft this design is for: an exit paid twice, early, above the subtree balance,
///         or one the child never made), 11 ESCAPE_CHILD_EXIT and 12 RECLAIM_CHILD_DEPOSIT. Checks and refusals are
///         core's (`applyFinalizeChildExit` → ParentLedger.finalizeExit, `applyEscapeChildExit` → escapeExit,
///         `applyReclaimChildDeposit` → reclaimDeposit), in their order; contracts/test/ledger-fraud*.test.ts compare
///         both sides.
contract PlasmaLedgerExits is PlasmaLedgerModule {

    function _transition(Ctx memory c, TxWitness calldata t, AccountWitness[] calldata accounts, LedgerTxWitness calldata w)
        internal
        pure
        override
        returns (bytes32, bytes32)
    {
        uint8 kind = t.tx.kind;
        if (kind == 5) return _finalizeChildExit(c, t, accounts, w);
        if (kind == 11) return _escapeChildExit(c, t, accounts, w);
        if (kind == 12) return _reclaimChildDeposit(c, t, accounts, w);
        revert KindNotInModule(kind);
    }

    /// @dev Touch list: Child(C) R, Commitment(C, number) R, SpentExit(C, number, index) W, SubtreeBalance(C, token) W.
    ///      Accounts: [toSlot] credited.
    function _finalizeChildExit(Ctx memory c, TxWitness calldata t, AccountWitness[] calldata accounts, LedgerTxWitness calldata w)
        private
        pure
        returns (bytes32, bytes32)
    {
        (bytes32 child, Header memory header, uint64 windowEnd, Exit memory exit, uint256 index, bytes32[] memory proof) =
            abi.decode(t.data, (bytes32, Header, uint64, Exit, uint256, bytes32[]));
        BlockTx calldata x = t.tx;
        if (exit.recipient != x.to || exit.token != x.token || exit.amount != x.amount) return _refuse(c, w, "MALFORMED_TX");
        (string memory no, bytes32 accountsPost) = _credit(_account(accounts, 0, x.toSlot, c.accountsRoot), x.to, x.token, x.amount);
        if (bytes(no).length != 0) return _refuse(c, w, no);

        // ParentLedger.consumeUp: the block must be committed under this windowEnd, at or below the head.
        (, ChildRecord memory record) = _child(_read(c, w, 0, _childKey(child)));
        if (header.number > record.headNumber) return _refuse(c, w, "UNKNOWN_COMMITMENT");
        bytes32 committed = bytes32(_word(_read(c, w, 1, _commitmentKey(child, header.number))));
        if (committed != _commitmentRecord(keccak256(abi.encode(header)), windowEnd)) return _refuse(c, w, "UNKNOWN_COMMITMENT");
        if (c.now_ < windowEnd) return _refuse(c, w, "CHALLENGE_WINDOW_OPEN");
        if (exit.amount == 0) return _refuse(c, w, "ZERO_AMOUNT");
        if (index >> EXIT_TREE_DEPTH != 0) return _refuse(c, w, "EXIT_INDEX_OUT_OF_RANGE");
        if (proof.length != EXIT_TREE_DEPTH) return _refuse(c, w, "BAD_PROOF_LENGTH");
        if (_exitTreeRoot(keccak256(abi.encode(exit.recipient, exit.token, exit.amount)), index, proof) != header.exitRoot) {
            return _refuse(c, w, "INVALID_EXIT_PROOF");
        }
        bytes32 spentKey = PlasmaLedgerTree.key(LEDGER_SPENT_EXIT, child, bytes32(uint256(header.number)), index);
        if (_word(_read(c, w, 2, spentKey)) != 0) return _refuse(c, w, "ALREADY_WITHDRAWN");
        uint256 available = _word(_read(c, w, 3, _balanceKey(child, exit.token)));
        if (exit.amount > available) return _refuse(c, w, "SUBTREE_BALANCE_EXCEEDED");

        _write(c, 2, _wordLeaf(1));
        _write(c, 3, _wordLeaf(available - exit.amount));
        return _valid(c, w, accountsPost);
    }

    /// @dev Touch list: Child(C) R, ChildStatus(C) R, Commitment(C, head.number) R, EscapedSlot(C, slot) W,
    ///      SubtreeBalance(C, token) W. Accounts: [toSlot] credited. `data` is PlasmaRoot.escapeExit's argument list
    ///      (the verifier checked its canonical layout, so the decode cannot revert).
    function _escapeChildExit(Ctx memory c, TxWitness calldata t, AccountWitness[] calldata accounts, LedgerTxWitness calldata w)
        private
        pure
        returns (bytes32, bytes32)
    {
        (bytes32 child, Header memory head, uint64 windowEnd, bytes32 ledgerRoot, AccountWitness memory account) =
            abi.decode(t.data, (bytes32, Header, uint64, bytes32, AccountWitness));
        BlockTx calldata x = t.tx;
        if (account.owner != x.to || account.token != x.token || account.balance != x.amount) return _refuse(c, w, "MALFORMED_TX");
        (string memory no, bytes32 accountsPost) = _credit(_account(accounts, 0, x.toSlot, c.accountsRoot), x.to, x.token, x.amount);
        if (bytes(no).length != 0) return _refuse(c, w, no);

        // ParentLedger.escapeExit: a frozen child's head, final, whose state holds the account.
        (bool known, ChildRecord memory record) = _child(_read(c, w, 0, _childKey(child)));
        if (!known) return _refuse(c, w, "UNKNOWN_CHAIN");
        if (_status(_read(c, w, 1, _statusKey(child))) == 0) return _refuse(c, w, "CHAIN_NOT_FROZEN");
        if (head.number != record.headNumber || record.headNumber == 0) return _refuse(c, w, "NOT_THE_HEAD");
        bytes32 committed = bytes32(_word(_read(c, w, 2, _commitmentKey(child, head.number))));
        if (committed != _commitmentRecord(keccak256(abi.encode(head)), windowEnd)) return _refuse(c, w, "UNKNOWN_COMMITMENT");
        if (c.now_ < windowEnd) return _refuse(c, w, "CHALLENGE_WINDOW_OPEN");
        if (account.balance == 0) return _refuse(c, w, "ZERO_AMOUNT");
        if (PlasmaMerkle.hashPair(_accountsRootOf(account), ledgerRoot) != head.stateRoot) return _refuse(c, w, "INVALID_ACCOUNT_PROOF");
        bytes32 escapedKey = PlasmaLedgerTree.key(LEDGER_ESCAPED_SLOT, child, 0, account.slot);
        if (_word(_read(c, w, 3, escapedKey)) != 0) return _refuse(c, w, "ALREADY_ESCAPED");
        uint256 available = _word(_read(c, w, 4, _balanceKey(child, account.token)));
        if (account.balance > available) return _refuse(c, w, "SUBTREE_BALANCE_EXCEEDED");

        _write(c, 3, _wordLeaf(1));
        _write(c, 4, _wordLeaf(available - account.balance));
        return _valid(c, w, accountsPost);
    }

    /// @dev Touch list: Child(C) R, ChildStatus(C) R, Deposit(C, nonce) W (deleted), SubtreeBalance(C, token) W.
    ///      Accounts: [toSlot] credited to the depositor (`from`).
    function _reclaimChildDeposit(Ctx memory c, TxWitness calldata t, AccountWitness[] calldata accounts, LedgerTxWitness calldata w)
        private
        pure
        returns (bytes32, bytes32)
    {
        bytes32 child = abi.decode(t.data, (bytes32));
        BlockTx calldata x = t.tx;
        (string memory no, bytes32 accountsPost) = _credit(_account(accounts, 0, x.toSlot, c.accountsRoot), x.from, x.token, x.amount);
        if (bytes(no).length != 0) return _refuse(c, w, no);

        (bool known, ChildRecord memory record) = _child(_read(c, w, 0, _childKey(child)));
        if (!known) return _refuse(c, w, "UNKNOWN_CHAIN");
        if (_status(_read(c, w, 1, _statusKey(child))) == 0) return _refuse(c, w, "CHAIN_NOT_FROZEN");
        if (x.nonce <= record.headDepositNonce) return _refuse(c, w, "DEPOSIT_APPLIED");
        bytes32 stored = bytes32(_word(_read(c, w, 2, _depositKey(child, x.nonce))));
        // A down edge event shares the stream but its record never equals a depositHash.
        if (!PlasmaEncoding.recordIs(stored, PlasmaEncoding.depositHash(child, x.nonce, x.from, x.to, x.token, x.amount))) {
            return _refuse(c, w, "UNKNOWN_DEPOSIT");
        }
        uint256 available = _word(_read(c, w, 3, _balanceKey(child, x.token)));
        if (x.amount > available) return _refuse(c, w, "SUBTREE_BALANCE_EXCEEDED");

        _write(c, 2, 0);
        _write(c, 3, _wordLeaf(available - x.amount));
        return _valid(c, w, accountsPost);
    }

    /// @dev PlasmaFraudVerifier.accountsRootOf on a memory witness (this module is pure: no call to the verifier). The
    ///      escaped account has a balance, so it is never the empty leaf.
    function _accountsRootOf(AccountWitness memory a) private pure returns (bytes32 node) {
        node = PlasmaEncoding.accountHash(a.owner, a.token, a.balance, a.nonce);
        for (uint256 level; level < STATE_TREE_DEPTH; ++level) {
            node = (a.slot >> level) & 1 == 1 ? PlasmaMerkle.hashPair(a.proof[level], node) : PlasmaMerkle.hashPair(node, a.proof[level]);
        }
    }
}
