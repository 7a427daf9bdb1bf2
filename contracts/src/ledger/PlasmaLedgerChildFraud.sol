// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Header, BlockTx, TxWitness, ExitWitness, AccountWitness, LedgerTxWitness, ChildRecord} from "../lib/PlasmaTypes.sol";
import {PlasmaEncoding} from "../lib/PlasmaEncoding.sol";
import {PlasmaFraudVerifier} from "../PlasmaFraudVerifier.sol";
import {PlasmaLedgerModule} from "./PlasmaLedgerModule.sol";
import {PlasmaLedgerRegistry} from "./PlasmaLedgerRegistry.sol";
import {PlasmaLedgerTree} from "../lib/PlasmaLedgerTree.sol";

/// @title PlasmaLedgerChildFraud
/// @notice Transition proofs of 10 PROVE_CHILD_FRAUD (docs/LEDGER-PROOFS.md §4, docs/FRAUD.md §7): a chain A convicts
///         its child C on A's own ledger with the proof PlasmaRoot would take against a child of the root. This module
///         re-runs that conviction on A's ledger witnesses: core's `applyProveChildFraud` → ParentLedger.proveFraud, its
///         checks in its order and its error codes. So a lying quorum of A that convicts an honest child (and takes its
///         bond) is itself convicted at the root.
/// @dev The nested fraud checks are PlasmaFraudVerifier's own: this module asks its caller (the verifier, which
///      STATICCALLs it) to judge C's block, with C's facts read from A's ledger. A direct caller gets the answer of
///      whatever contract it is, which binds nobody: only the verifier's answer reaches PlasmaRoot. The verifier's
///      witness errors (TxNotInBlock, InvalidAccountProof, ...) are refusals of A's tx, as ParentLedger throws them;
///      any other revert (out of gas) reverts the proof, so no refusal can be faked by starving a call.
///      Fraud kind 10 (InvalidLedgerTx: C's tx of a ledger kind, 3-15) goes through the verifier's `transitionFault`
///      too, which hands it to the kind's ledger module (this one again for a nested kind 10) with C's 11 arguments
///      and the two trailing words (the tree's domain separator, A's Deposit(C, nonce) record for a kind 8); the
///      modules' witness errors (MissingLedgerWitness, InvalidLedgerWitness and the tree's BadLedgerProof,
///      BadValidatorWitness, BadSortWitness) are refusals as well, CheckOutOfGas reverts the proof.
///
///      Touch list (read up front, so a refusal folds them all): Child(C), Commitment(C, number), Commitment(C,
///      number − 1) when number ≥ 2, Deposit(C, n) for fraud kinds 0 (the nested deposit's nonce), 9
///      (h.depositNonce + 1) and 10 when the nested tx is a kind 8 EDGE_FROM_PARENT (its nonce), ChildStatus(C).
///      `w.extra` = abi.encode(address[] validators), C's set ascending, for an equivocation (5). Accounts: [toSlot] credited with the reward, [slot] with the burned half
///      (the burn slot is a word of the tx, §4.2).
contract PlasmaLedgerChildFraud is PlasmaLedgerModule {

    // core FraudKind.
    uint8 private constant FRAUD_DEPOSIT = 0;
    uint8 private constant FRAUD_WITHDRAW = 2;
    uint8 private constant FRAUD_MISSING_DOWN_EVENT = 3;
    uint8 private constant FRAUD_MALFORMED_TX = 4;
    uint8 private constant FRAUD_EQUIVOCATION = 5;
    uint8 private constant FRAUD_BAD_TIMESTAMP = 6;
    uint8 private constant FRAUD_INVALID_EXITS = 7;
    uint8 private constant FRAUD_SKIPPED_DEPOSIT = 9;
    uint8 private constant FRAUD_INVALID_LEDGER_TX = 10;

    /// @dev The tx kind whose transition reads the parent's down-stream record (EDGE_FROM_PARENT).
    uint8 private constant KIND_EDGE_FROM_PARENT = 8;

    uint8 private constant STATUS_LIVE = 0;
    uint8 private constant STATUS_FROZEN_FRAUD = 1;
    uint256 private constant FROZEN_AT_BITS = 40;
    uint256 private constant RECORD_TIME_BITS = 40;

    /// @dev keccak256(abi.encode(Header(0, …, 0))): the previous header of block 1 (PlasmaRoot.ZERO_HEADER_HASH).
    bytes32 private constant ZERO_HEADER_HASH = 0xd397b3b043d87fcd6fad1291ff0bfd16401c274896d8c63a923727f077b8e0b5;
    /// @dev The state root before block 1 (PlasmaFraudVerifier.EMPTY_STATE_ROOT).
    bytes32 private constant EMPTY_STATE_ROOT = 0xa116e19a7984f21055d07b606c55628a5ffbf8ae1261c1e9f4e3a61620cf810a;
    /// @dev Panic(uint256): 0x11 is a checked arithmetic overflow (core's ARITHMETIC_OVERFLOW).
    bytes4 private constant PANIC_SELECTOR = 0x4e487b71;
    /// @dev core's decoder reads a witness's tx index, exit index and an exit's index as JS numbers: above 2^53 − 1
    ///      the args are MALFORMED_TX (decodeFraudProofArgs), not an index out of range.
    uint256 private constant MAX_SAFE_INTEGER = 2 ** 53 - 1;
    /// @dev core's decoder takes at most 257 words in a nested ledger witness's proof (MAX_LEDGER_PROOF_WORDS: a sibling
    ///      at each of 255 levels, then a two-word opening).
    uint256 private constant MAX_LEDGER_SIBLINGS = 257;

    /// @notice The equivocation's extra witness is not the child's validator set.
    error BadValidatorWitness();

    /// @dev What every fraud kind's arguments start with (an equivocation's: h2, sigs and windows aside).
    struct Disputed {
        Header h;
        uint64 windowEnd;
        Header prev;
        uint64 prevWindowEnd;
    }

    /// @dev The values of the touch list (unauthenticated until {_refuse} or {_valid} folds them).
    struct Entries {
        bool known;
        ChildRecord record;
        bytes32 commitment; // Commitment(C, number)
        bytes32 prevCommitment; // Commitment(C, number − 1), 0 below block 2
        bytes32 deposit; // Deposit(C, n) for fraud kinds 0, 9 and 10 of a kind 8 (else 0)
        uint256 statusPosition;
    }

    function _transition(Ctx memory c, TxWitness calldata t, AccountWitness[] calldata accounts, LedgerTxWitness calldata w)
        internal
        view
        override
        returns (bytes32, bytes32)
    {
        if (t.tx.kind != 10) revert KindNotInModule(t.tx.kind);
        // t.data is canonical (the verifier checked the form "w1B"): child, fraudKind, offset 0x60, length, args.
        bytes32 child = bytes32(t.data[0:32]);
        uint8 fraudKind = uint8(uint256(bytes32(t.data[32:64])));
        bytes calldata args = t.data[128:128 + uint256(bytes32(t.data[96:128]))];
        BlockTx calldata x = t.tx;
        // The slot rule comes before the proof (core applyProveChildFraud), so its refusal never depends on the bond.
        AccountWitness calldata payee = _account(accounts, 0, x.toSlot, c.accountsRoot);
        (string memory no,) = _credit(payee, x.to, x.token, 0);
        if (bytes(no).length != 0) return _refuse(c, w, no);
        if (!_canonicalArgs(fraudKind, args)) return _refuse(c, w, "MALFORMED_TX");
        if (fraudKind == FRAUD_EQUIVOCATION) return _equivocation(c, x, accounts, w, child, args);

        Disputed memory d = abi.decode(args[:18 * 32], (Disputed));
        // The nested tx's own deposit record: a deposit's (0), or a kind 8's down-stream record (10); both by its nonce.
        bool nestedDeposit = fraudKind == FRAUD_DEPOSIT
            || (fraudKind == FRAUD_INVALID_LEDGER_TX && _nestedTxWord(args, 0) == KIND_EDGE_FROM_PARENT);
        uint256 depositNonce;
        if (nestedDeposit) depositNonce = _nestedTxWord(args, 7);
        if (fraudKind == FRAUD_SKIPPED_DEPOSIT) depositNonce = uint256(d.h.depositNonce) + 1;
        Entries memory e = _readEntries(c, w, child, d.h.number, nestedDeposit || fraudKind == FRAUD_SKIPPED_DEPOSIT, depositNonce);

        // ParentLedger.checkDisputed.
        bytes32 blockHash = keccak256(abi.encode(d.h));
        if (!e.known || d.h.number == 0 || d.h.number > e.record.headNumber || e.commitment != _commitmentRecord(blockHash, d.windowEnd)) {
            return _refuse(c, w, "UNKNOWN_COMMITMENT");
        }
        if (c.now_ >= d.windowEnd) return _refuse(c, w, "CHALLENGE_WINDOW_CLOSED");
        if (!_prevHolds(e, d.h.number, d.prev, d.prevWindowEnd)) return _refuse(c, w, "WRONG_PREV_HEADER");

        no = _nestedRefusal(c.domainSeparator, child, fraudKind, args, d, e);
        if (bytes(no).length != 0) return _refuse(c, w, no);
        return _convict(c, x, accounts, w, e, true, d.h.number, d.prev.depositNonce, d.prevWindowEnd);
    }

    /// @dev The fraud kind's own check of C's block (ParentLedger.proveFraud's switch): "" when the block is at fault.
    function _nestedRefusal(bytes32 domainSeparator, bytes32 child, uint8 fraudKind, bytes calldata args, Disputed memory d, Entries memory e)
        private
        view
        returns (string memory)
    {
        PlasmaFraudVerifier judge = PlasmaFraudVerifier(msg.sender);
        if (fraudKind <= FRAUD_WITHDRAW || fraudKind == FRAUD_INVALID_LEDGER_TX) {
            // (Disputed, TxWitness t, TxWitness preTx, bytes32, bytes32, AccountWitness[] accounts): heads 18, 19, 22;
            // fraud kind 10's 11th argument, the LedgerTxWitness of C's ledger-kind tx: head 23.
            uint256 heads = (1 << 18) | (1 << 19) | (1 << 22);
            if (fraudKind == FRAUD_INVALID_LEDGER_TX) heads |= 1 << 23;
            else if (_nestedTxWord(args, 0) > FRAUD_WITHDRAW) return "PROOF_KIND_NOT_SUPPORTED";
            PlasmaFraudVerifier.TransitionInput memory input = PlasmaFraudVerifier.TransitionInput({
                domainSeparator: domainSeparator, // the tree's one domain: C signs in it as A does
                chainId: child,
                txRoot: d.h.txRoot,
                prevStateRoot: d.h.number == 1 ? EMPTY_STATE_ROOT : d.prev.stateRoot,
                prevDepositNonce: d.prev.depositNonce,
                depositNonce: d.h.depositNonce,
                depositRecord: e.deposit // 0 unless the nested tx is a deposit or a kind 8
            });
            // A ledger kind goes on to its module with the domain separator and the record appended (_ledgerCall).
            uint256 before = gasleft();
            try judge.transitionFault(input, _rootArgs(child, args, heads)) returns (uint8 fault, bytes32) {
                return fault == 0 ? "NOT_FRAUD" : "";
            } catch (bytes memory reason) {
                _outOfGas(before);
                return _witnessRefusal(reason);
            }
        }
        if (fraudKind == FRAUD_BAD_TIMESTAMP) {
            // Not before its parent, not after its commit (windowEnd − challengeWindow; core's signed arithmetic).
            bool inOrder = d.windowEnd >= e.record.challengeWindow && d.h.timestamp >= d.prev.timestamp
                && d.h.timestamp <= d.windowEnd - e.record.challengeWindow;
            return inOrder ? "NOT_FRAUD" : "";
        }
        if (fraudKind == FRAUD_SKIPPED_DEPOSIT) {
            // core isSkippedDeposit: recorded (the next nonce is at most the count) more than stallLimit before the commit.
            if (uint256(d.h.depositNonce) + 1 > e.record.depositCount || d.windowEnd < e.record.challengeWindow) return "NOT_FRAUD";
            uint256 recordedAt = uint256(e.deposit) & ((1 << RECORD_TIME_BITS) - 1);
            return recordedAt + e.record.stallLimit < d.windowEnd - e.record.challengeWindow ? "" : "NOT_FRAUD";
        }
        // 3, 4, 7: the verifier's functions on PlasmaRoot's argument list for C: (Disputed, TxWitness t, ...) with t's
        // head at 18, and for 7 `next`'s at 19 (the ExitWitness is static, inline).
        bytes memory call = fraudKind == FRAUD_INVALID_EXITS
            ? abi.encodeCall(judge.invalidExits, (_rootArgs(child, args, (1 << 18) | (1 << 19))))
            : fraudKind == FRAUD_MISSING_DOWN_EVENT
                ? abi.encodeCall(judge.missingDownEvent, (_rootArgs(child, args, 1 << 18)))
                : abi.encodeCall(judge.malformedTx, (_rootArgs(child, args, 1 << 18)));
        uint256 gasBefore = gasleft();
        (bool ok, bytes memory answer) = address(judge).staticcall(call);
        if (!ok) {
            _outOfGas(gasBefore);
            return _witnessRefusal(answer);
        }
        // missingDownEvent and invalidExits answer a reason (0 = at fault); malformedTx whether the tx is malformed.
        if (fraudKind == FRAUD_MALFORMED_TX) return abi.decode(answer, (bool)) ? "" : "NOT_FRAUD";
        return abi.decode(answer, (bytes32)) == 0 ? "" : "NOT_FRAUD";
    }

    // ---- 5 equivocation ------------------------------------------------------------------------------------------

    /// @dev ParentLedger.proveEquivocation: two headers of one height, each committed here or signed by C's quorum.
    function _equivocation(Ctx memory c, BlockTx calldata x, AccountWitness[] calldata accounts, LedgerTxWitness calldata w, bytes32 child, bytes calldata args)
        private
        pure
        returns (bytes32, bytes32)
    {
        (Header memory h1, bytes memory sigs1, Header memory h2, bytes memory sigs2, uint64 windowEnd, Header memory prev, uint64 prevWindowEnd) =
            abi.decode(args, (Header, bytes, Header, bytes, uint64, Header, uint64));
        uint64 number = h1.number;
        Entries memory e = _readEntries(c, w, child, number, false, 0);
        if (!e.known) return _refuse(c, w, "UNKNOWN_CHAIN");
        if (h2.number != number) return _refuse(c, w, "NOT_FRAUD");
        (string memory no, bytes32 record1) = _quorumSigned(c, w, child, e, h1, sigs1, windowEnd);
        if (bytes(no).length != 0) return _refuse(c, w, no);
        bytes32 record2;
        (no, record2) = _quorumSigned(c, w, child, e, h2, sigs2, windowEnd);
        if (bytes(no).length != 0) return _refuse(c, w, no);
        if (record1 == record2) return _refuse(c, w, "NOT_FRAUD");
        bool rollBack = number != 0 && number <= e.record.headNumber && c.now_ < windowEnd && (e.commitment == record1 || e.commitment == record2);
        if (rollBack) {
            if (!_prevHolds(e, number, prev, prevWindowEnd)) return _refuse(c, w, "WRONG_PREV_HEADER");
            return _convict(c, x, accounts, w, e, true, number, prev.depositNonce, prevWindowEnd);
        }
        // Nothing to undo; a child convicted before has nothing left to slash either.
        if (_status(w.entries[e.statusPosition].value) == STATUS_FROZEN_FRAUD) return _refuse(c, w, "ALREADY_CONVICTED");
        return _convict(c, x, accounts, w, e, false, 0, 0, 0);
    }

    /// @dev ParentLedger's quorumSigned: the header names C, and unless it is the recorded one C's quorum signed it.
    function _quorumSigned(
        Ctx memory c,
        LedgerTxWitness calldata w,
        bytes32 child,
        Entries memory e,
        Header memory h,
        bytes memory signatures,
        uint64 windowEnd
    ) private pure returns (string memory no, bytes32 own) {
        if (h.chainId != child) return ("CHAIN_ID_MISMATCH", 0);
        bytes32 blockHash = keccak256(abi.encode(h));
        own = _commitmentRecord(blockHash, windowEnd);
        if (own == e.commitment) return ("", own);
        address[] memory validators = abi.decode(w.extra, (address[]));
        if (keccak256(abi.encodePacked(validators)) != e.record.validatorSetHash) revert BadValidatorWitness();
        bytes32 digest = keccak256(abi.encodePacked(hex"1901", c.domainSeparator, PlasmaEncoding.commitmentStructHash(child, h.number, blockHash)));
        no = _quorumRefusal(validators, e.record.threshold, digest, signatures);
    }

    // ---- the conviction -------------------------------------------------------------------------------------------

    /// @dev ParentLedger.convict (rolled back to `number − 1` when `rollBack`) and slashAndFreeze, then the reward to
    ///      `toSlot`: bond / 2 to (to, native), the rest burned at `slot` (core applyProveChildFraud).
    function _convict(
        Ctx memory c,
        BlockTx calldata x,
        AccountWitness[] calldata accounts,
        LedgerTxWitness calldata w,
        Entries memory e,
        bool rollBack,
        uint64 number,
        uint64 prevDepositNonce,
        uint64 prevWindowEnd
    ) private pure returns (bytes32, bytes32) {
        ChildRecord memory record = e.record;
        if (rollBack) {
            record.headNumber = number - 1;
            record.headWindowEnd = prevWindowEnd;
            record.headDepositNonce = prevDepositNonce;
        }
        bytes calldata statusValue = w.entries[e.statusPosition].value;
        uint8 status = _status(statusValue);
        if (status != STATUS_FROZEN_FRAUD) {
            uint64 frozenAt = status == STATUS_LIVE ? c.now_ : _frozenAt(statusValue);
            if (uint256(frozenAt) >> FROZEN_AT_BITS != 0) return _refuse(c, w, "SAFE_CAST_OVERFLOWED_UINT_DOWNCAST");
            _write(c, e.statusPosition, keccak256(abi.encode(STATUS_FROZEN_FRAUD, frozenAt)));
        }
        uint256 reward = record.bond / 2;
        uint256 burned = record.bond - reward;
        record.bond = 0;
        _write(c, 0, _childLeaf(record));
        bytes32 accountsPost = c.accountsRoot;
        string memory no;
        if (reward != 0) {
            (no, accountsPost) = _credit(accounts[0], x.to, x.token, reward);
            if (bytes(no).length != 0) return _refuse(c, w, no);
        }
        (no, accountsPost) = _burn(accounts, x, accountsPost, burned);
        if (bytes(no).length != 0) return _refuse(c, w, no);
        return _valid(c, w, accountsPost);
    }

    // ---- helpers ------------------------------------------------------------------------------------------------

    /// @dev Reads the touch list (positions in order: Child, Commitment(number), Commitment(number − 1) from block 2,
    ///      Deposit(`depositNonce`) when `withDeposit`, ChildStatus).
    function _readEntries(Ctx memory c, LedgerTxWitness calldata w, bytes32 child, uint64 number, bool withDeposit, uint256 depositNonce)
        private
        pure
        returns (Entries memory e)
    {
        (e.known, e.record) = _child(_read(c, w, 0, _childKey(child)));
        e.commitment = bytes32(_word(_read(c, w, 1, _commitmentKey(child, number))));
        uint256 position = 2;
        if (number >= 2) e.prevCommitment = bytes32(_word(_read(c, w, position++, _commitmentKey(child, number - 1))));
        if (withDeposit) e.deposit = bytes32(_word(_read(c, w, position++, _depositKey(child, depositNonce))));
        _read(c, w, position, _statusKey(child));
        e.statusPosition = position;
    }

    /// @dev ParentLedger.checkPrev: `prev` is committed block number − 1 with prevWindowEnd, or the zero header with
    ///      0 for block 1.
    function _prevHolds(Entries memory e, uint64 number, Header memory prev, uint64 prevWindowEnd) private pure returns (bool) {
        bytes32 prevHash = keccak256(abi.encode(prev));
        return number == 1 ? prevHash == ZERO_HEADER_HASH && prevWindowEnd == 0 : e.prevCommitment == _commitmentRecord(prevHash, prevWindowEnd);
    }

    /// @dev core's code of a witness error of PlasmaFraudVerifier or of a ledger module (ParentLedger throws them as
    ///      refusals); any other revert (CheckOutOfGas, a panic) reverts the proof.
    function _witnessRefusal(bytes memory reason) private pure returns (string memory) {
        // Out of gas is CheckOutOfGas at every level ({_outOfGas}, the verifier's _ledgerCall), so an empty revert is a
        // witness that does not decode (a ledger value, an extra): core's INVALID_LEDGER_WITNESS. So is a decoder's
        // Panic(0x41), an array length past 2^64 in an extra.
        if (reason.length == 0) return "INVALID_LEDGER_WITNESS";
        bytes4 selector = reason.length >= 4 ? bytes4(reason) : bytes4(0);
        if (selector == PlasmaFraudVerifier.TxNotInBlock.selector) return "TX_NOT_IN_BLOCK";
        if (selector == PlasmaFraudVerifier.BadPreTx.selector) return "BAD_PRE_TX";
        if (selector == PlasmaFraudVerifier.PreStateMismatch.selector) return "PRE_STATE_MISMATCH";
        if (selector == PlasmaFraudVerifier.MissingAccountWitness.selector) return "MISSING_ACCOUNT_WITNESS";
        if (selector == PlasmaFraudVerifier.WrongWitnessSlot.selector) return "WRONG_WITNESS_SLOT";
        if (selector == PlasmaFraudVerifier.InvalidAccountProof.selector) return "INVALID_ACCOUNT_PROOF";
        if (selector == PlasmaFraudVerifier.BadNextTx.selector) return "BAD_NEXT_TX";
        if (selector == PlasmaFraudVerifier.ExitIndexOutOfRange.selector) return "EXIT_INDEX_OUT_OF_RANGE";
        if (selector == PlasmaFraudVerifier.ExitNotInBlock.selector) return "EXIT_NOT_IN_BLOCK";
        if (selector == PlasmaFraudVerifier.TxIndexOutOfRange.selector) return "TX_INDEX_OUT_OF_RANGE";
        if (selector == PlasmaFraudVerifier.ProofKindNotSupported.selector) return "PROOF_KIND_NOT_SUPPORTED";
        // The ledger modules' (fraud kind 10); their account errors have the verifier's signatures, so its selectors.
        if (selector == MissingLedgerWitness.selector) return "MISSING_LEDGER_WITNESS";
        if (selector == InvalidLedgerWitness.selector) return "INVALID_LEDGER_WITNESS";
        if (selector == BadValidatorWitness.selector) return "BAD_VALIDATOR_WITNESS";
        if (selector == PlasmaLedgerRegistry.BadSortWitness.selector) return "BAD_SORT_WITNESS";
        // A nested ledger proof whose sibling count is not its bitmap's: core's ledgerProofRoot folds it to nothing.
        if (selector == PlasmaLedgerTree.BadLedgerProof.selector) return "INVALID_LEDGER_WITNESS";
        if (selector == PANIC_SELECTOR && reason.length == 36 && uint256(bytes32(_slice(reason, 4))) == 0x11) return "ARITHMETIC_OVERFLOW";
        if (selector == PANIC_SELECTOR && reason.length == 36 && uint256(bytes32(_slice(reason, 4))) == 0x41) return "INVALID_LEDGER_WITNESS";
        assembly ("memory-safe") {
            revert(add(reason, 0x20), mload(reason))
        }
    }

    /// @dev A nested call that failed with at most 1/64 of the gas it had left ran out of it: that reverts the proof
    ///      (CheckOutOfGas), as starving a call must not fake a refusal.
    function _outOfGas(uint256 before) private view {
        if (gasleft() <= before / 63) revert CheckOutOfGas();
    }

    /// @dev PlasmaRoot's argument list for C: `child`, then `args` (canonical), each top-level offset (bit i of
    ///      `offsetHeads` = head word i of `args` is one) moved by the word put before it. No decoding, no copy but one.
    function _rootArgs(bytes32 child, bytes calldata args, uint256 offsetHeads) private pure returns (bytes memory out) {
        out = abi.encodePacked(child, args);
        for (uint256 i = 18; i < 24; ++i) {
            if ((offsetHeads >> i) & 1 == 0) continue;
            assembly ("memory-safe") {
                let at := add(out, add(0x40, mul(i, 0x20))) // past the length word and `child`
                mstore(at, add(mload(at), 0x20))
            }
        }
    }

    /// @dev Word `i` of the nested tx (BlockTx, inline at the start of the TxWitness whose offset is head word 18):
    ///      0 its kind, 7 its nonce. `args` is canonical, so the offset is in range.
    function _nestedTxWord(bytes calldata args, uint256 i) private pure returns (uint256) {
        uint256 at = uint256(bytes32(args[18 * 32:19 * 32])) + i * 32;
        return uint256(bytes32(args[at:at + 32]));
    }

    function _slice(bytes memory data, uint256 offset) private pure returns (bytes32 word) {
        assembly ("memory-safe") {
            word := mload(add(add(data, 0x20), offset))
        }
    }

    /// @dev core decodeFraudProofArgs: a known fraud kind (0-7, 9, 10) and args that decode and encode back to themselves
    ///      ({canonicalArgs} in a call of its own, so a decoding revert is an answer).
    function _canonicalArgs(uint8 fraudKind, bytes calldata args) private view returns (bool) {
        if (fraudKind > FRAUD_INVALID_LEDGER_TX || fraudKind == 8) return false;
        return _selfCheck(abi.encodeCall(this.canonicalArgs, (fraudKind, args)));
    }

    /// @notice Whether `args` are the one canonical abi.encode of fraud kind `fraudKind`'s PlasmaRoot arguments after
    ///         chainId (core encodeFraudProofArgs) within core decoder's bounds (a tx witness's indexes and an exit's
    ///         at most 2^53 − 1, a ledger witness's proof at most 257 words); reverts when they do not decode.
    function canonicalArgs(uint8 fraudKind, bytes calldata args) external pure returns (bool) {
        bytes memory again;
        if (fraudKind <= FRAUD_WITHDRAW) {
            (Disputed memory d, TxWitness memory t, TxWitness memory preTx, bytes32 accountsRoot, bytes32 ledgerRoot, AccountWitness[] memory accounts) =
                abi.decode(args, (Disputed, TxWitness, TxWitness, bytes32, bytes32, AccountWitness[]));
            // The proof is against a tx of its own kind, or of a ledger kind (core: PROOF_KIND_NOT_SUPPORTED then).
            if (t.tx.kind != fraudKind && t.tx.kind <= FRAUD_WITHDRAW) return false;
            if (_unsafeIndex(t) || _unsafeIndex(preTx)) return false;
            again = abi.encode(d, t, preTx, accountsRoot, ledgerRoot, accounts);
        } else if (fraudKind == FRAUD_INVALID_LEDGER_TX) {
            // PlasmaRoot.proveInvalidTransition's arguments for a ledger-kind tx: the 10 and C's LedgerTxWitness.
            (Disputed memory d, TxWitness memory t, TxWitness memory preTx, bytes32 accountsRoot, bytes32 ledgerRoot, AccountWitness[] memory accounts, LedgerTxWitness memory ledger) =
                abi.decode(args, (Disputed, TxWitness, TxWitness, bytes32, bytes32, AccountWitness[], LedgerTxWitness));
            if (t.tx.kind <= FRAUD_WITHDRAW) return false; // a tx of kind 0-2 is fraud kind 0-2's
            if (_unsafeIndex(t) || _unsafeIndex(preTx)) return false;
            for (uint256 i; i < ledger.entries.length; ++i) {
                if (ledger.entries[i].siblings.length > MAX_LEDGER_SIBLINGS) return false;
            }
            again = abi.encode(d, t, preTx, accountsRoot, ledgerRoot, accounts, ledger);
        } else if (fraudKind == FRAUD_EQUIVOCATION) {
            (Header memory h1, bytes memory sigs1, Header memory h2, bytes memory sigs2, uint64 windowEnd, Header memory prev, uint64 prevWindowEnd) =
                abi.decode(args, (Header, bytes, Header, bytes, uint64, Header, uint64));
            again = abi.encode(h1, sigs1, h2, sigs2, windowEnd, prev, prevWindowEnd);
        } else if (fraudKind == FRAUD_INVALID_EXITS) {
            (Disputed memory d, TxWitness memory t, TxWitness memory next, ExitWitness memory exit) =
                abi.decode(args, (Disputed, TxWitness, TxWitness, ExitWitness));
            if (_unsafeIndex(t) || _unsafeIndex(next) || exit.index > MAX_SAFE_INTEGER) return false;
            again = abi.encode(d, t, next, exit);
        } else if (fraudKind == FRAUD_MISSING_DOWN_EVENT || fraudKind == FRAUD_MALFORMED_TX) {
            (Disputed memory d, TxWitness memory t) = abi.decode(args, (Disputed, TxWitness));
            if (_unsafeIndex(t)) return false;
            again = abi.encode(d, t);
        } else {
            again = abi.encode(abi.decode(args, (Disputed)));
        }
        return keccak256(again) == keccak256(args);
    }

    /// @dev A tx witness's index or exit index past core's decoder (MAX_SAFE_INTEGER).
    function _unsafeIndex(TxWitness memory t) private pure returns (bool) {
        return t.index > MAX_SAFE_INTEGER || t.exitIndex > MAX_SAFE_INTEGER;
    }

    function _frozenAt(bytes calldata statusValue) private pure returns (uint64 frozenAt) {
        (, frozenAt) = abi.decode(statusValue, (uint8, uint64));
    }
}
