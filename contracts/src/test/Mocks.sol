// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @notice Recipient that refuses ETH.
contract EthRejecter {
    receive() external payable {
        revert("no ETH");
    }
}

/// @notice Recipient that, when paid, calls `target` with `payload` (e.g. finalizes another exit) and records what
///         happened, so a test can check the reentrancy guard stopped it while the outer payout went through.
contract ReentrantRecipient {
    address public target;
    bytes public payload;
    bool public reentered;
    bool public reentrySucceeded;
    bytes public reentryResult;

    function arm(address target_, bytes calldata payload_) external {
        target = target_;
        payload = payload_;
    }

    receive() external payable {
        if (target == address(0) || reentered) return;
        reentered = true;
        (reentrySucceeded, reentryResult) = target.call(payload);
    }
}
