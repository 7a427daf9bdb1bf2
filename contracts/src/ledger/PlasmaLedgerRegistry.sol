// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Header, BlockTx, TxWitness, AccountWitness, LedgerTxWitness, ChildRecord} from "../lib/PlasmaTypes.sol";
import {PlasmaEncoding} from "../lib/PlasmaEncoding.sol";
import {PlasmaLedgerTree} from "../lib/PlasmaLedgerTree.sol";
import {PlasmaLedgerModule} from "./PlasmaLedgerModule.sol";

/// @title PlasmaLedgerRegistry
/// @notice Transition proofs of the kinds that run a chain's registry of children (docs/LEDGER-PROOFS.md §4):
///         3 DEPOSIT_TO_CHILD, 4 COMMIT_CHILD, 6 SPAWN_CHILD and 13 FREEZE_STALLED_CHILD. Checks and refusals are
///         core's (stf.ts apply*, then ParentLedger.deposit, commit, spawnChild, freezeStalled), in their order.
contract PlasmaLedgerRegistry is PlasmaLedgerModule {

    /// @dev ChildStatus 2: frozen because it stalled (core ChainStatus.FrozenStalled).
    uint8 private constant STATUS_FROZEN_STALLED = 2;
    // Widths of PlasmaRoot's storage fields (core parentLedger.ts): a wider value is SAFE_CAST_OVERFLOWED_UINT_DOWNCAST.
    uint256 private constant FROZEN_AT_BITS = 40;
    uint256 private constant WINDOW_END_BITS = 40;
    uint256 private constant SPAWNED_AT_BITS = 40;
    uint256 private constant BOND_BITS = 96;
    uint256 private constant DEPOSIT_COUNT_BITS = 48;
    // PlasmaRoot's registry limits (core MIN_BOND, MAX_VALIDATORS, MAX_CHALLENGE_WINDOW, DEFAULT_STALL_LIMIT).
    uint256 private constant MIN_BOND = 0.01 ether;
    uint256 private constant MAX_VALIDATORS = 256;
    uint256 private constant MAX_CHALLENGE_WINDOW = 30 days;
    uint256 private constant DEFAULT_STALL_LIMIT = 7 days;

    /// @notice Kind 4's extra witness is not the child's validator set (keccak256(abi.encodePacked) ≠ validatorSetHash).
    error BadValidatorWitness();
    /// @notice Kind 6's extra witness is not a permutation that sorts the validators ascending.
    error BadSortWitness();

    function _transition(Ctx memory c, TxWitness calldata t, AccountWitness[] calldata accounts, LedgerTxWitness calldata w)
        internal
        pure
        override
        returns (bytes32, bytes32)
    {
        uint8 kind = t.tx.kind;
        if (kind == 3) return _depositToChild(c, t, accounts, w);
        if (kind == 4) return _commitChild(c, t, w);
        if (kind == 6) return _spawnChild(c, t, accounts, w);
        if (kind == 13) return _freezeStalledChild(c, t, w);
        revert KindNotInModule(kind);
    }

    /// @dev Touch list: Child(C) W (depositCount), ChildStatus(C) R, SubtreeBalance(C, token) W, Deposit(C, nonce) w.
    ///      Accounts: [slot] debited.
    function _depositToChild(Ctx memory c, TxWitness calldata t, AccountWitness[] calldata accounts, LedgerTxWitness calldata w)
        private
        pure
        returns (bytes32, bytes32)
    {
        bytes32 child = abi.decode(t.data, (bytes32));
        BlockTx calldata x = t.tx;
        // stf.ts applyDepositToChild: amount, sender, signature; then ParentLedger.deposit.
        if (x.amount == 0) return _refuse(c, w, "ZERO_AMOUNT");
        AccountWitness calldata sender = _account(accounts, 0, x.slot, c.accountsRoot);
        string memory no = _senderRefusal(sender, x.from, x.token, x.amount, x.nonce);
        if (bytes(no).length != 0) return _refuse(c, w, no);
        bytes32 structHash = PlasmaEncoding.depositToChildStructHash(c.chainId, x.slot, child, x.to, x.token, x.amount, x.nonce);
        if (!_signedBy(c, structHash, x.from, x.r, x.s, x.v)) return _refuse(c, w, "BAD_SIGNATURE");

        (bool known, ChildRecord memory record) = _child(_read(c, w, 0, _childKey(child)));
        if (!known) return _refuse(c, w, "UNKNOWN_CHAIN");
        if (_status(_read(c, w, 1, _statusKey(child))) != 0) return _refuse(c, w, "CHAIN_IS_FROZEN");
        if (x.to == address(0)) return _refuse(c, w, "ZERO_RECIPIENT");
        uint256 nonce = uint256(record.depositCount) + 1;
        if (nonce >> DEPOSIT_COUNT_BITS != 0) return _refuse(c, w, "ARITHMETIC_OVERFLOW");
        uint256 balance = _word(_read(c, w, 2, _balanceKey(child, x.token)));
        if (x.amount > type(uint256).max - balance) return _refuse(c, w, "ARITHMETIC_OVERFLOW");
        // core stamps with uintInput(now, 40): a wider clock is an input error there, not a cast.
        if (uint256(c.now_) >> PlasmaEncoding.RECORD_TIME_BITS != 0) return _refuse(c, w, "VALUE_OUT_OF_RANGE");

        bytes32 stamped = PlasmaEncoding.stampRecord(PlasmaEncoding.depositHash(child, uint64(nonce), x.from, x.to, x.token, x.amount), c.now_);
        record.depositCount = uint64(nonce);
        _write(c, 0, _childLeaf(record));
        _write(c, 2, _wordLeaf(balance + x.amount));
        _read(c, w, 3, _depositKey(child, nonce)); // written only: its old value is whatever the witness folds
        _write(c, 3, _wordLeaf(uint256(stamped)));
        return _valid(c, w, _debit(sender, x.amount));
    }

    /// @dev Touch list: Child(C) W (head), ChildStatus(C) R, Commitment(C, headNumber) R (only when number > 1),
    ///      Commitment(C, number) w. No accounts. `w.extra` = abi.encode(address[] validators), C's set ascending.
    function _commitChild(Ctx memory c, TxWitness calldata t, LedgerTxWitness calldata w) private pure returns (bytes32, bytes32) {
        (bytes32 child, Header memory header, bytes memory signatures) = abi.decode(t.data, (bytes32, Header, bytes));
        (bool known, ChildRecord memory record) = _child(_read(c, w, 0, _childKey(child)));
        if (!known) return _refuse(c, w, "UNKNOWN_CHAIN");
        if (_status(_read(c, w, 1, _statusKey(child))) != 0) return _refuse(c, w, "CHAIN_IS_FROZEN");
        if (header.chainId != child) return _refuse(c, w, "CHAIN_ID_MISMATCH");
        if (header.number != uint256(record.headNumber) + 1) return _refuse(c, w, "WRONG_BLOCK_NUMBER");
        // ParentLedger.extendsHead: block 1 on zero, any other on the head's record (hash and windowEnd).
        uint256 position = 2;
        if (header.number == 1) {
            if (header.parentHash != 0) return _refuse(c, w, "WRONG_PARENT_HASH");
        } else {
            bytes32 head = bytes32(_word(_read(c, w, position++, _commitmentKey(child, record.headNumber))));
            if (head != _commitmentRecord(header.parentHash, record.headWindowEnd)) return _refuse(c, w, "WRONG_PARENT_HASH");
        }
        if (header.depositNonce < record.headDepositNonce || header.depositNonce > record.depositCount) {
            return _refuse(c, w, "DEPOSIT_NONCE_OUT_OF_RANGE");
        }
        bytes32 blockHash = keccak256(abi.encode(header));
        {
            address[] memory validators = abi.decode(w.extra, (address[]));
            if (keccak256(abi.encodePacked(validators)) != record.validatorSetHash) revert BadValidatorWitness();
            bytes32 digest = keccak256(
                abi.encodePacked(hex"1901", c.domainSeparator, PlasmaEncoding.commitmentStructHash(child, header.number, blockHash))
            );
            string memory no = _quorumRefusal(validators, record.threshold, digest, signatures);
            if (bytes(no).length != 0) return _refuse(c, w, no);
        }
        uint256 windowEnd = uint256(c.now_) + record.challengeWindow;
        if (windowEnd >> WINDOW_END_BITS != 0) return _refuse(c, w, "SAFE_CAST_OVERFLOWED_UINT_DOWNCAST");

        _read(c, w, position, _commitmentKey(child, header.number)); // written only
        _write(c, position, _wordLeaf(uint256(_commitmentRecord(blockHash, uint64(windowEnd)))));
        record.headNumber = header.number;
        record.headWindowEnd = uint64(windowEnd);
        record.headDepositNonce = header.depositNonce;
        _write(c, 0, _childLeaf(record));
        return _valid(c, w, c.accountsRoot);
    }

    /// @dev Touch list: ChildCount W (index + 1), Child(childChainId(A, index)) w (the new record). Accounts: [slot]
    ///      debited by the bond. `w.extra` = abi.encode(uint16[] order): validators[order[i]] ascending in i, which
    ///      replaces an on-chain sort.
    function _spawnChild(Ctx memory c, TxWitness calldata t, AccountWitness[] calldata accounts, LedgerTxWitness calldata w)
        private
        pure
        returns (bytes32, bytes32)
    {
        (address[] memory validators, uint8 threshold, uint64 challengeWindow, uint64 stallLimit) =
            abi.decode(t.data, (address[], uint8, uint64, uint64));
        BlockTx calldata x = t.tx;
        AccountWitness calldata sender = _account(accounts, 0, x.slot, c.accountsRoot);
        {
            string memory no = _senderRefusal(sender, x.from, x.token, x.amount, x.nonce);
            if (bytes(no).length != 0) return _refuse(c, w, no);
        }
        // Signed as given (stallLimit 0 = the default), validators hashed in the order given.
        bytes32 structHash = PlasmaEncoding.spawnChildStructHash(
            c.chainId, x.slot, keccak256(abi.encodePacked(validators)), threshold, challengeWindow, stallLimit, x.amount, x.nonce
        );
        if (!_signedBy(c, structHash, x.from, x.r, x.s, x.v)) return _refuse(c, w, "BAD_SIGNATURE");

        // ParentLedger.spawnChild.
        if (x.amount < MIN_BOND) return _refuse(c, w, "BOND_TOO_LOW");
        uint256 count = validators.length;
        if (count == 0) return _refuse(c, w, "EMPTY_VALIDATOR_SET");
        if (count > MAX_VALIDATORS) return _refuse(c, w, "TOO_MANY_VALIDATORS");
        if (threshold == 0 || threshold > count) return _refuse(c, w, "BAD_THRESHOLD");
        if (challengeWindow == 0 || challengeWindow > MAX_CHALLENGE_WINDOW) return _refuse(c, w, "BAD_CHALLENGE_WINDOW");
        uint256 limit = stallLimit != 0 ? stallLimit : challengeWindow > DEFAULT_STALL_LIMIT ? challengeWindow : DEFAULT_STALL_LIMIT;
        if (limit < challengeWindow || limit > MAX_CHALLENGE_WINDOW) return _refuse(c, w, "BAD_STALL_LIMIT");
        address[] memory sorted = _sorted(validators, abi.decode(w.extra, (uint16[])));
        {
            string memory no = _distinctRefusal(sorted);
            if (bytes(no).length != 0) return _refuse(c, w, no);
        }
        if (x.amount >> BOND_BITS != 0 || uint256(c.now_) >> SPAWNED_AT_BITS != 0) return _refuse(c, w, "SAFE_CAST_OVERFLOWED_UINT_DOWNCAST");

        uint256 index = _word(_read(c, w, 0, PlasmaLedgerTree.key(LEDGER_CHILD_COUNT, 0, 0, 0)));
        _write(c, 0, _wordLeaf(index + 1));
        bytes32 child = PlasmaEncoding.childChainId(c.chainId, index);
        _read(c, w, 1, _childKey(child)); // written only
        ChildRecord memory record;
        record.index = index;
        record.spawner = x.from;
        record.bond = x.amount;
        record.threshold = threshold;
        record.challengeWindow = challengeWindow;
        record.validatorSetHash = keccak256(abi.encodePacked(sorted));
        record.spawnedAt = c.now_;
        record.stallLimit = uint64(limit);
        _write(c, 1, _childLeaf(record));
        return _valid(c, w, _debit(sender, x.amount));
    }

    /// @dev Touch list: Child(C) R, ChildStatus(C) W. No accounts.
    function _freezeStalledChild(Ctx memory c, TxWitness calldata t, LedgerTxWitness calldata w) private pure returns (bytes32, bytes32) {
        bytes32 child = abi.decode(t.data, (bytes32));
        (bool known, ChildRecord memory record) = _child(_read(c, w, 0, _childKey(child)));
        if (!known) return _refuse(c, w, "UNKNOWN_CHAIN");
        if (_status(_read(c, w, 1, _statusKey(child))) != 0) return _refuse(c, w, "CHAIN_IS_FROZEN");
        // core lastActivityOf, in signed arithmetic as core's bigints.
        int256 lastActivity = record.headNumber == 0
            ? int256(uint256(record.spawnedAt))
            : int256(uint256(record.headWindowEnd)) - int256(uint256(record.challengeWindow));
        if (int256(uint256(c.now_)) <= lastActivity + int256(uint256(record.stallLimit))) return _refuse(c, w, "NOT_STALLED");
        if (uint256(c.now_) >> FROZEN_AT_BITS != 0) return _refuse(c, w, "SAFE_CAST_OVERFLOWED_UINT_DOWNCAST");
        _write(c, 1, keccak256(abi.encode(STATUS_FROZEN_STALLED, c.now_)));
        return _valid(c, w, c.accountsRoot);
    }

    // ---- validator sets -----------------------------------------------------------------------------------------

    /// @dev `validators` in the order the witness gives: each index once (else BadSortWitness), ascending (checked by
    ///      {_distinctRefusal}).
    function _sorted(address[] memory validators, uint16[] memory order) private pure returns (address[] memory sorted) {
        uint256 count = validators.length; // ≤ MAX_VALIDATORS: one bitmap word marks the indices taken
        if (order.length != count) revert BadSortWitness();
        sorted = new address[](count);
        uint256 taken;
        for (uint256 i; i < count; ++i) {
            uint256 j = order[i];
            if (j >= count || (taken >> j) & 1 == 1) revert BadSortWitness();
            taken |= 1 << j;
            sorted[i] = validators[j];
        }
    }

    /// @dev core sortedDistinct on a sorted list: ZERO_ADDRESS_VALIDATOR, then DUPLICATE_VALIDATOR ("" when none). The
    ///      whole order is checked first, so a witness that is no sort reverts whatever the list holds.
    function _distinctRefusal(address[] memory sorted) private pure returns (string memory) {
        bool duplicate;
        for (uint256 i = 1; i < sorted.length; ++i) {
            if (sorted[i] < sorted[i - 1]) revert BadSortWitness();
            if (sorted[i] == sorted[i - 1]) duplicate = true;
        }
        if (sorted[0] == address(0)) return "ZERO_ADDRESS_VALIDATOR";
        if (duplicate) return "DUPLICATE_VALIDATOR";
        return "";
    }
}
