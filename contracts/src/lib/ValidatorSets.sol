// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Create2} from "@openzeppelin/contracts/utils/Create2.sol";

/// @notice Implemented by the contract that deploys {ValidatorSetCode}: the set the constructor copies.
interface IValidatorSetSource {
    /// @return validators The set being written (ascending), only meaningful during the deployment.
    function pendingValidatorSet() external view returns (address[] memory validators);
}

/// @title ValidatorSetCode
/// @notice A validator set stored as contract code ("SSTORE2"): runtime code = 0x00 ‖ one 32-byte word per address,
///         ascending. The leading STOP byte makes the code inert if anyone calls it.
/// @dev The init code is constant (the data comes from a call back to the deployer, not from constructor arguments),
///      so the CREATE2 address depends on (deployer, salt) only and can be recomputed without reading storage.
contract ValidatorSetCode {
    constructor() {
        bytes memory code = abi.encodePacked(hex"00", IValidatorSetSource(msg.sender).pendingValidatorSet());
        assembly ("memory-safe") {
            return(add(code, 0x20), mload(code))
        }
    }
}

/// @title ValidatorSets
/// @notice Writes and reads validator sets kept as contract code. Reading a set costs one EXTCODECOPY (2,600 gas cold
///         plus 3 gas per validator) however many signatures are checked, where a `mapping(address => bool)` costs a
///         cold SLOAD (2,100 gas) per signature: ~3,500 gas less for a 3-of-4 commit, ~140,000 less for 67-of-100.
library ValidatorSets {
    /// @dev keccak256 of {ValidatorSetCode}'s (constant) init code; callers cache it in an immutable.
    function initCodeHash() internal pure returns (bytes32) {
        return keccak256(type(ValidatorSetCode).creationCode);
    }

    /// @notice Deploys the set the caller's `pendingValidatorSet()` currently returns, at a salt-determined address.
    function deploy(bytes32 salt) internal returns (address store) {
        store = address(new ValidatorSetCode{salt: salt}());
    }

    /// @notice Where {deploy} with `salt` puts the set of this contract (whether or not it exists yet).
    function locate(bytes32 salt, bytes32 codeHash) internal view returns (address) {
        return Create2.computeAddress(salt, codeHash);
    }

    /// @notice The set stored at `store`, ascending; empty if there is no code there.
    function read(address store) internal view returns (address[] memory validators) {
        assembly ("memory-safe") {
            let size := extcodesize(store)
            let n := 0
            if size { n := div(sub(size, 1), 0x20) }
            // The code after the STOP byte is exactly the body of an address[] in memory.
            validators := mload(0x40)
            mstore(validators, n)
            extcodecopy(store, add(validators, 0x20), 1, mul(n, 0x20))
            mstore(0x40, add(add(validators, 0x20), mul(n, 0x20)))
        }
    }
}
