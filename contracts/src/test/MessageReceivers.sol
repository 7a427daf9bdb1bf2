// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IPlasmaMessageReceiver} from "../interfaces/IPlasmaMessageReceiver.sol";

/// @notice Records every message it is given, with the caller, so a test can check what the root delivered. While
///         `refusing` it reverts instead, as a paused receiver would: the relay must revert and stay retryable.
contract RecordingReceiver is IPlasmaMessageReceiver {
    struct Call {
        address caller;
        bytes32 sourceChain;
        address sender;
        bytes data;
    }

    error MessageRefused(bytes32 sourceChain, address sender);

    Call[] private _calls;
    bool public refusing;

    function setRefusing(bool refusing_) external {
        refusing = refusing_;
    }

    function onPlasmaMessage(bytes32 sourceChain, address sender, bytes calldata data) external {
        if (refusing) revert MessageRefused(sourceChain, sender);
        _calls.push(Call(msg.sender, sourceChain, sender, data));
    }

    function callCount() external view returns (uint256) {
        return _calls.length;
    }

    function callAt(uint256 i) external view returns (Call memory) {
        return _calls[i];
    }
}

/// @notice On its first message after {arm}, calls `target` with `payload` (e.g. relays another message, or sends
///         one down) and records the outcome without reverting, so a test can see what the root allowed mid-relay
///         while the outer relay goes through.
contract ReentrantReceiver is IPlasmaMessageReceiver {
    address public target;
    bytes public payload;
    bool public reentered;
    bool public reentrySucceeded;
    bytes public reentryResult;

    function arm(address target_, bytes calldata payload_) external {
        target = target_;
        payload = payload_;
        reentered = false;
        reentrySucceeded = false;
        delete reentryResult;
    }

    function onPlasmaMessage(bytes32, address, bytes calldata) external {
        if (target == address(0) || reentered) return;
        reentered = true;
        (reentrySucceeded, reentryResult) = target.call(payload);
    }
}

/// @notice Accepts every message and does nothing: the gas benchmark measures the root's own part of a relay.
contract MessageSink is IPlasmaMessageReceiver {
    function onPlasmaMessage(bytes32, address, bytes calldata) external {}
}
