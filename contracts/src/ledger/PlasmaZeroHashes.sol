// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {PlasmaLedgerTree} from "../lib/PlasmaLedgerTree.sol";

/// @title PlasmaZeroHashes
/// @notice Code that is data: the 256 empty-subtree hashes of the ledger tree (PlasmaLedgerTree.ZERO_HASHES, 8 KiB),
///         deployed once so that every ledger module reads them with one EXTCODECOPY instead of carrying them in its
///         own code (or hashing them: 256 keccaks, ~36,000 gas a proof). Its runtime code is the table and nothing else:
///         calling it runs zero[0]'s first byte, STOP.
contract PlasmaZeroHashes {
    constructor() {
        bytes memory table = PlasmaLedgerTree.ZERO_HASHES;
        assembly ("memory-safe") {
            return(add(table, 0x20), mload(table))
        }
    }
}
