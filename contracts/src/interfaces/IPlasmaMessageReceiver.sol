// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @title IPlasmaMessageReceiver
/// @notice What an L1 contract implements to receive the messages a child chain sends up (docs/EDGE.md, `message`).
///         PlasmaRoot.relayMessage calls it once the child's block holding the message is final.
interface IPlasmaMessageReceiver {
    /// @notice Delivers one message. Reverting refuses it for now: the whole relay reverts, the message stays
    ///         unspent and anyone may relay it again later, so a receiver that is paused or short of funds loses
    ///         nothing by reverting.
    /// @dev Only trust a call whose `msg.sender` is the PlasmaRoot you expect: anybody can call this function
    ///      directly. Then trust `sourceChain` only as far as its validators: a quorum that signs a lie can send any
    ///      message from its chain, and no subtree balance caps what a message does. While this runs, the root
    ///      refuses to relay messages and finalize withdrawals (reentrancy guard); sending messages and deposits down
    ///      is allowed, so a receiver can answer.
    /// @param sourceChain The child chain the message comes from (a direct child of the root).
    /// @param sender The account that sent the message on that chain.
    /// @param data The message's bytes, as the sender wrote them.
    function onPlasmaMessage(bytes32 sourceChain, address sender, bytes calldata data) external;
}
