// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {
    Header, BlockTx, TxWitness, AccountWitness, LedgerTxWitness, ChildRecord, Exit, LedgerProof, FrozenHead, FinalChild, Cap, NestedLevel
} from "../lib/PlasmaTypes.sol";
import {PlasmaLedgerTree} from "../lib/PlasmaLedgerTree.sol";
import {PlasmaNestedPaths} from "../lib/PlasmaNestedPaths.sol";
import {PlasmaLedgerModule} from "./PlasmaLedgerModule.sol";

/// @title PlasmaLedgerNested
/// @notice Transition proofs of kind 16 NESTED_ESCAPE_CALL (docs/FRAUD.md §4c): a chain P pays a holder of a descendant
///         of its frozen child A with the PlasmaNestedEscape call it would send the root, judged against P's ledger.
///         Checks and refusals are core's (`applyNestedEscapeCall` → ParentLedger.nestedEscapeCall, nestedEscapeCall.ts),
///         in their order: the call's strict form and payment (MALFORMED_TX), the credited slot, A frozen in P's ledger
///         with the call's head, final; then the call's own proofs (PlasmaNestedPaths, shared with PlasmaNestedEscape);
///         then P's marks and sums.
/// @dev The call's own proofs run in a call of this module to itself: the "twins" below have PlasmaNestedEscape's three
///      signatures, so the call's bytes are sent verbatim (its calldata-typed arguments fold without a copy), with four
///      words appended (the tx's frozen chain, to, token, amount) that the ABI decoder ignores. A twin reverts
///      Malformed() on anything but the canonical encoding about the frozen chain paying the tx's payee, else with
///      PlasmaNestedPaths' error of the first failing proof, else answers what the host checks and writes next.
///      Touch list: Child(A) R, ChildStatus(A) R, Commitment(A, head) R, the mark W, NestedPaid(level i, token) W for
///      each level (A's child first), SubtreeBalance(A, token) W. Accounts: [toSlot] credited.
contract PlasmaLedgerNested is PlasmaLedgerModule {
    uint8 internal constant LEDGER_NESTED_ESCAPED = 11;
    uint8 internal constant LEDGER_NESTED_EXIT_PAID = 12;
    uint8 internal constant LEDGER_NESTED_RECLAIMED = 13;
    uint8 internal constant LEDGER_NESTED_PAID = 14;
    /// @dev The words appended to the call for a twin: frozen, to, token, amount.
    uint256 private constant TAIL = 128;

    /// @notice The call is not the canonical encoding of one of the three calls about the tx's frozen chain and payee.
    error Malformed();

    /// @dev What a twin answers: each level's child (A's child first) and its cap, the mark's key and refusal.
    struct Judged {
        bytes32[] children;
        uint256[] caps;
        bytes32 mark;
        uint8 method; // 0 escape, 1 exit, 2 reclaim: the mark's refusal
    }


    function _transition(Ctx memory c, TxWitness calldata t, AccountWitness[] calldata accounts, LedgerTxWitness calldata w)
        internal
        view
        override
        returns (bytes32, bytes32)
    {
        BlockTx calldata x = t.tx;
        if (x.kind != 16) revert KindNotInModule(x.kind);
        // The verifier checked the data's head ("wB"), so this decode cannot revert.
        (bytes32 frozen, bytes memory call) = abi.decode(t.data, (bytes32, bytes));
        uint256 before = gasleft();
        (bool ok, bytes memory answer) =
            address(this).staticcall(abi.encodePacked(call, frozen, uint256(uint160(x.to)), uint256(uint160(x.token)), x.amount));
        // A refusal of the call's own proofs comes after the host's checks (core's order): kept until then.
        string memory late;
        Judged memory j;
        if (!ok) {
            if (gasleft() <= before / 63) revert CheckOutOfGas();
            if (answer.length < 4 || bytes4(answer) == Malformed.selector) return _refuse(c, w, "MALFORMED_TX");
            late = _code(answer);
        } else {
            j = abi.decode(answer, (Judged));
            // Room for this path's touch list (5 + levels positions).
            c.keys = new bytes32[](5 + j.children.length);
            c.newLeaves = new bytes32[](5 + j.children.length);
        }
        (string memory no, bytes32 accountsPost) = _credit(_account(accounts, 0, x.toSlot, c.accountsRoot), x.to, x.token, x.amount);
        if (bytes(no).length != 0) return _refuse(c, w, no);

        // ParentLedger.nestedEscapeCall: A frozen here, the call's head A's head with its record, final. The call is
        // canonical (a twin said so): its FrozenHead is its first 12 words.
        (uint64 headNumber, bytes32 headHash, uint64 windowEnd) = _frozenHeadOf(call);
        (bool known, ChildRecord memory record) = _child(_read(c, w, 0, _childKey(frozen)));
        if (!known) return _refuse(c, w, "UNKNOWN_CHAIN");
        if (_status(_read(c, w, 1, _statusKey(frozen))) == 0) return _refuse(c, w, "CHAIN_NOT_FROZEN");
        if (headNumber != record.headNumber || record.headNumber == 0) return _refuse(c, w, "NOT_THE_HEAD");
        if (bytes32(_word(_read(c, w, 2, _commitmentKey(frozen, headNumber)))) != _commitmentRecord(headHash, windowEnd)) {
            return _refuse(c, w, "UNKNOWN_COMMITMENT");
        }
        if (c.now_ < windowEnd) return _refuse(c, w, "CHALLENGE_WINDOW_OPEN");
        if (bytes(late).length != 0) return _refuse(c, w, late);

        // This ledger's marks and sums.
        if (_word(_read(c, w, 3, j.mark)) != 0) {
            return _refuse(c, w, j.method == 0 ? "ALREADY_ESCAPED" : j.method == 1 ? "ALREADY_WITHDRAWN" : "UNKNOWN_DEPOSIT");
        }
        uint256 levels = j.children.length;
        uint256 amount = x.amount;
        for (uint256 i; i < levels; ++i) {
            bytes32 key = PlasmaLedgerTree.key(LEDGER_NESTED_PAID, j.children[i], bytes32(uint256(uint160(x.token))), 0);
            uint256 paid = _word(_read(c, w, 4 + i, key));
            if (paid + amount > j.caps[i]) return _refuse(c, w, "SUBTREE_BALANCE_EXCEEDED");
            _write(c, 4 + i, _wordLeaf(paid + amount));
        }
        uint256 available = _word(_read(c, w, 4 + levels, _balanceKey(frozen, x.token)));
        if (amount > available) return _refuse(c, w, "SUBTREE_BALANCE_EXCEEDED");
        _write(c, 3, _wordLeaf(1));
        _write(c, 4 + levels, _wordLeaf(available - amount));
        return _valid(c, w, accountsPost);
    }

    // ---- the twins: PlasmaNestedEscape's signatures, called by this module on itself --------------------------------

    function escapeNestedExit(
        FrozenHead calldata a,
        NestedLevel[] calldata via,
        FinalChild calldata c,
        bytes32 childLedgerRoot,
        AccountWitness calldata account,
        LedgerProof calldata escapedProof,
        Cap[] calldata caps
    ) external view returns (Judged memory j) {
        _strict(abi.encodeCall(this.escapeNestedExit, (a, via, c, childLedgerRoot, account, escapedProof, caps)), a.chainId, account.owner, account.token, account.balance);
        PlasmaNestedPaths.Path memory p = PlasmaNestedPaths.walk(a, via, c, caps.length);
        PlasmaNestedPaths.checkAccount(p, c, childLedgerRoot, account, escapedProof);
        return _judged(p, account.token, caps, PlasmaLedgerTree.key(LEDGER_NESTED_ESCAPED, p.child, 0, account.slot), 0);
    }

    function exitNested(
        FrozenHead calldata a,
        NestedLevel[] calldata via,
        FinalChild calldata c,
        Header calldata exitBlock,
        uint64 exitWindowEnd,
        LedgerProof calldata exitBlockProof,
        Exit calldata exit,
        uint256 index,
        bytes32[] calldata exitProof,
        LedgerProof calldata spentProof,
        Cap[] calldata caps
    ) external view returns (Judged memory j) {
        _strict(
            abi.encodeCall(this.exitNested, (a, via, c, exitBlock, exitWindowEnd, exitBlockProof, exit, index, exitProof, spentProof, caps)),
            a.chainId, exit.recipient, exit.token, exit.amount
        );
        PlasmaNestedPaths.Path memory p = PlasmaNestedPaths.walk(a, via, c, caps.length);
        PlasmaNestedPaths.checkExit(p, c, exitBlock, exitWindowEnd, exitBlockProof, exit, index, exitProof, spentProof);
        return _judged(p, exit.token, caps, PlasmaLedgerTree.key(LEDGER_NESTED_EXIT_PAID, p.child, bytes32(uint256(exitBlock.number)), index), 1);
    }

    function reclaimNested(
        FrozenHead calldata a,
        NestedLevel[] calldata via,
        FinalChild calldata c,
        uint64 nonce,
        address from,
        address to,
        address token,
        uint256 amount,
        bytes32 record,
        LedgerProof calldata depositProof,
        Cap[] calldata caps
    ) external view returns (Judged memory j) {
        _strict(abi.encodeCall(this.reclaimNested, (a, via, c, nonce, from, to, token, amount, record, depositProof, caps)), a.chainId, from, token, amount);
        PlasmaNestedPaths.Path memory p = PlasmaNestedPaths.walk(a, via, c, caps.length);
        PlasmaNestedPaths.checkDeposit(p, nonce, from, to, token, amount, record, depositProof);
        return _judged(p, token, caps, PlasmaLedgerTree.key(LEDGER_NESTED_RECLAIMED, p.child, 0, nonce), 2);
    }

    // ---- internals ------------------------------------------------------------------------------------------------

    /// @dev The call received (msg.data without the appended words) is `canonical`, about the appended frozen chain,
    ///      and pays the appended (to, token, amount): else Malformed().
    function _strict(bytes memory canonical, bytes32 frozen, address to, address token, uint256 amount) private pure {
        uint256 length = msg.data.length;
        if (length != canonical.length + TAIL || keccak256(canonical) != keccak256(msg.data[:length - TAIL])) revert Malformed();
        (bytes32 txFrozen, uint256 txTo, uint256 txToken, uint256 txAmount) = abi.decode(msg.data[length - TAIL:], (bytes32, uint256, uint256, uint256));
        if (txFrozen != frozen || txTo != uint256(uint160(to)) || txToken != uint256(uint160(token)) || txAmount != amount) revert Malformed();
    }

    /// @dev The caps' proofs (PlasmaNestedPaths.foldCap), then the answer.
    function _judged(PlasmaNestedPaths.Path memory p, address token, Cap[] calldata caps, bytes32 mark, uint8 method)
        private
        pure
        returns (Judged memory j)
    {
        j.caps = new uint256[](caps.length);
        for (uint256 i; i < caps.length; ++i) {
            PlasmaNestedPaths.foldCap(p, i, token, caps[i]);
            j.caps[i] = caps[i].amount;
        }
        (j.children, j.mark, j.method) = (p.children, mark, method);
    }

    /// @dev The FrozenHead of a canonical call (its first 12 argument words): the head's number, hash and windowEnd.
    function _frozenHeadOf(bytes memory nestedCall) private pure returns (uint64 headNumber, bytes32 headHash, uint64 windowEnd) {
        assembly ("memory-safe") {
            let args := add(nestedCall, 36) // the length word, then the selector
            headNumber := mload(add(args, 64)) // chainId, then head: chainId, number, …
            headHash := keccak256(add(args, 32), 256) // blockHash = keccak256(abi.encode(head)): its 8 words
            windowEnd := mload(add(args, 288))
        }
    }

    /// @dev Core's code for a twin's revert: PlasmaNestedPaths' errors and PlasmaLedgerTree's BadLedgerProof; any
    ///      other revert reverts the proof.
    function _code(bytes memory answer) private pure returns (string memory) {
        bytes4 s = bytes4(answer);
        if (s == PlasmaNestedPaths.InvalidLedgerRoot.selector) return "INVALID_LEDGER_ROOT";
        if (s == PlasmaNestedPaths.InvalidLedgerProof.selector) return "INVALID_LEDGER_PROOF";
        if (s == PlasmaLedgerTree.BadLedgerProof.selector) return "BAD_LEDGER_PROOF";
        if (s == PlasmaNestedPaths.NotLastFinal.selector) return "NOT_LAST_FINAL";
        if (s == PlasmaNestedPaths.NotFinal.selector) return "NOT_FINAL";
        if (s == PlasmaNestedPaths.NothingFinal.selector) return "NOTHING_FINAL";
        if (s == PlasmaNestedPaths.UnknownCommitment.selector) return "UNKNOWN_COMMITMENT";
        if (s == PlasmaNestedPaths.ZeroAmount.selector) return "ZERO_AMOUNT";
        if (s == PlasmaNestedPaths.InvalidAccountProof.selector) return "INVALID_ACCOUNT_PROOF";
        if (s == PlasmaNestedPaths.BadProofLength.selector) return "BAD_PROOF_LENGTH";
        if (s == PlasmaNestedPaths.ExitIndexOutOfRange.selector) return "EXIT_INDEX_OUT_OF_RANGE";
        if (s == PlasmaNestedPaths.InvalidExitProof.selector) return "INVALID_EXIT_PROOF";
        if (s == PlasmaNestedPaths.DepositApplied.selector) return "DEPOSIT_APPLIED";
        if (s == PlasmaNestedPaths.UnknownDeposit.selector) return "UNKNOWN_DEPOSIT";
        assembly ("memory-safe") {
            revert(add(answer, 32), mload(answer))
        }
    }
}
