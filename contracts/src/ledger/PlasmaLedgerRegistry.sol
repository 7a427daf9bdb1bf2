// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {TxWitness, AccountWitness, LedgerTxWitness, ChildRecord} from "../lib/PlasmaTypes.sol";
import {PlasmaLedgerModule} from "./PlasmaLedgerModule.sol";

/// @title PlasmaLedgerRegistry
/// @notice Transition proofs of the kinds that run a chain's registry of children (docs/LEDGER-PROOFS.md §4):
///         13 FREEZE_STALLED_CHILD. Checks and refusals are core's (ParentLedger.freezeStalled), in its order.
contract PlasmaLedgerRegistry is PlasmaLedgerModule {
    /// @dev ChildStatus 2: frozen because it stalled (core ChainStatus.FrozenStalled).
    uint8 private constant STATUS_FROZEN_STALLED = 2;
    uint256 private constant FROZEN_AT_BITS = 40;

    function _transition(Ctx memory c, TxWitness calldata t, AccountWitness[] calldata accounts, LedgerTxWitness calldata w)
        internal
        pure
        override
        returns (bytes32, bytes32)
    {
        uint8 kind = t.tx.kind;
        if (kind == 13) return _freezeStalledChild(c, t, w);
        accounts; // the kinds to come (3, 4, 6) spend from accounts
        revert KindNotInModule(kind);
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
}
