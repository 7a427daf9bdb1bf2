// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @notice A data challenger that cannot take ETH back (no receive function): it makes calls with value for its owner,
///         so a test can check that such a challenger cannot block the conviction of the block it challenged.
contract RefusingChallenger {
    function forward(address target, bytes calldata data) external payable {
        (bool ok, bytes memory result) = target.call{value: msg.value}(data);
        if (!ok) {
            assembly ("memory-safe") {
                revert(add(result, 0x20), mload(result))
            }
        }
    }
}
