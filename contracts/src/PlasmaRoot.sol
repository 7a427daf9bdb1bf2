// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {TransientSlot} from "@openzeppelin/contracts/utils/TransientSlot.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";

import {Header, Exit, TxWitness, AccountWitness, ExitWitness} from "./lib/PlasmaTypes.sol";
import {PlasmaEncoding} from "./lib/PlasmaEncoding.sol";
import {PlasmaMerkle} from "./lib/PlasmaMerkle.sol";
import {IValidatorSetSource, ValidatorSets} from "./lib/ValidatorSets.sol";
import {IPlasmaMessageReceiver} from "./interfaces/IPlasmaMessageReceiver.sol";
import {PlasmaFraudVerifier} from "./PlasmaFraudVerifier.sol";
import {PlasmaDataAvailability} from "./PlasmaDataAvailability.sol";
import {PlasmaNestedEscape} from "./PlasmaNestedEscape.sol";

/// @title PlasmaRoot
/// @notice The root-chain (L1) contract of a Plasma Tree: the parent side for every child of the root.
///         It keeps a registry of child chains, takes deposits (parent half of transferToChild), stores one hash per
///         validator-signed block commitment, pays out exits after the challenge window (parent half of
///         transferToParent), and carries edge events (docs/EDGE.md): any down event, and messages up to L1
///         contracts. Deeper levels of the tree run the same parent logic inside child chains; this contract
///         only ever sees its direct children, whose ids are `keccak256(abi.encode(bytes32(0), index))`.
/// @dev Core safety property: every child chain has a per-token `subtreeBalance` (what it and its descendants hold on
///      this contract). Withdrawals can never exceed it, so even a child whose validators sign a fraudulent block can
///      only lose funds that were deposited into that child, never anybody else's.
///      Encodings and rules follow docs/SPEC.md word for word.
///      Objections (docs/FRAUD.md, phase 1): a one-call proof that a committed block inside its challenge window is
///      invalid rolls the chain back to the block before it, slashes the bond (half to the challenger, half burned)
///      and freezes the chain; a chain whose validators stall can be frozen too. A frozen chain takes nothing new and
///      its holders leave through the escape hatch ({escapeExit}, {reclaimDeposit}).
contract PlasmaRoot is EIP712, ReentrancyGuardTransient, IValidatorSetSource {
    using SafeERC20 for IERC20;
    using TransientSlot for *;

    // ---------------------------------------------------------------------------------------------------------------
    // Constants
    // ---------------------------------------------------------------------------------------------------------------

    /// @notice Smallest validator bond accepted by {spawnChain}; it is what a fraud proof slashes. Sized so that half
    ///         of it pays the worst-case proof (500,000 gas) at 200 gwei: 0.1 ether (docs/FRAUD.md §1). A threshold of
    ///         32 or more needs MIN_BOND more per 32 signatures (`MIN_BOND * (1 + threshold / 32)`): an equivocation
    ///         proof checks up to two quorums at ~5,200 gas a signature, and half the bond must still pay it.
    uint256 public constant MIN_BOND = 0.2 ether;
    /// @notice Stall limit of a chain spawned with {spawnChain} (at least its challenge window).
    uint64 public constant DEFAULT_STALL_LIMIT = 7 days;
    /// @notice Where the unrewarded half of a slashed bond goes.
    address internal constant BURN_ADDRESS = address(0xdead);
    /// @notice Chain status: accepts commits, deposits and down events.
    uint8 internal constant STATUS_LIVE = 0;
    /// @notice Chain status: a fraud proof convicted its validators.
    uint8 internal constant STATUS_FROZEN_FRAUD = 1;
    /// @notice Chain status: it committed nothing for longer than its stall limit.
    uint8 internal constant STATUS_FROZEN_STALLED = 2;
    // Fraud kinds (FraudProven.kind); 0-2 are the tx kinds whose transition was invalid. Internal like the statuses
    // (core's FraudKind and ChainStatus enums): every public getter deepens the dispatcher of the budgeted paths.
    uint8 internal constant FRAUD_INVALID_DEPOSIT = 0;
    uint8 internal constant FRAUD_INVALID_TRANSFER = 1;
    uint8 internal constant FRAUD_INVALID_WITHDRAW = 2;
    uint8 internal constant FRAUD_MISSING_DOWN_EVENT = 3;
    uint8 internal constant FRAUD_MALFORMED_TX = 4;
    uint8 internal constant FRAUD_EQUIVOCATION = 5;
    uint8 internal constant FRAUD_BAD_TIMESTAMP = 6;
    uint8 internal constant FRAUD_INVALID_EXITS = 7;
    uint8 internal constant FRAUD_UNAVAILABLE_DATA = 8;
    uint8 internal constant FRAUD_SKIPPED_DEPOSIT = 9;
    /// A tx of kind 3-15 (a chain parent's ledger kinds) is an invalid transition (docs/LEDGER-PROOFS.md).
    uint8 internal constant FRAUD_INVALID_LEDGER_TX = 10;
    /// @notice Largest validator set (bounds the gas of {spawnChain}; a commit pays per signature it carries). Internal,
    ///         like EXIT_TREE_DEPTH: core's MAX_VALIDATORS is the same number, and the root's code size has no room
    ///         for getters nobody reads on chain.
    uint256 internal constant MAX_VALIDATORS = 256;
    /// @notice Longest challenge window a chain may choose.
    uint64 internal constant MAX_CHALLENGE_WINDOW = 30 days;
    /// @notice Depth of every block's exit tree (SPEC: at most 65,536 exits per block).
    uint256 internal constant EXIT_TREE_DEPTH = 16;
    /// @notice Largest edge-event payload (docs/EDGE.md). Every validator of the child replays the event, so its size
    ///         is bounded like any other block content.
    uint256 public constant MAX_EDGE_PAYLOAD = 4096;
    /// @notice Id of the built-in message function: keccak256("plasma-tree/message/v1").
    bytes32 public constant MESSAGE_FN = PlasmaEncoding.MESSAGE_FN;

    uint256 private constant SIGNATURE_LENGTH = 65;
    /// @dev secp256k1n / 2: a larger `s` is the malleable twin of a valid signature (EIP-2).
    uint256 private constant HALF_CURVE_ORDER = 0x7FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF5D576E7357A4501DDFE92F46681B20A0;
    /// @dev Transient slot holding the set {spawnChain} is writing (length here, element i at slot + 1 + i).
    bytes32 private constant PENDING_SET_SLOT = keccak256("plasma-tree.PlasmaRoot.pendingValidatorSet");

    /// @dev keccak256 of 256 zero bytes: the hash of the all-zero header a proof about block 1 gives as its `prev`.
    /// @dev The state root before block 1 (docs/SPEC.md "State").
    bytes32 private constant EMPTY_STATE_ROOT = 0xa116e19a7984f21055d07b606c55628a5ffbf8ae1261c1e9f4e3a61620cf810a;
    bytes32 private constant ZERO_HEADER_HASH = 0xd397b3b043d87fcd6fad1291ff0bfd16401c274896d8c63a923727f077b8e0b5;

    /// @dev Hash of the (constant) init code of validator-set contracts: with the chain id it gives their address.
    bytes32 private immutable _validatorSetCodeHash = ValidatorSets.initCodeHash();
    /// @notice The stateless verifier of the fraud proofs (leaves, trees, the transition of kinds 0-2).
    PlasmaFraudVerifier public immutable fraudVerifier;
    /// @notice The data-availability challenges of the root's children (docs/FRAUD.md §9), created by the constructor;
    ///         the one caller of {convictUnavailable}.
    PlasmaDataAvailability public immutable dataAvailability;
    /// @notice The escape of holders inside a frozen child's own children (docs/FRAUD.md §4 phase 2), created by the
    ///         constructor; the one caller of {payNested}.
    PlasmaNestedEscape public immutable nestedEscape;

    // ---------------------------------------------------------------------------------------------------------------
    // Storage
    // ---------------------------------------------------------------------------------------------------------------

    /// @dev Everything {commit} and the deposit functions read or write, packed into ONE slot so that each of them
    ///      pays for a single cold SLOAD. The narrow types cannot overflow in practice (2^48 deposits, timestamps up
    ///      to the year 36812) and every narrowing is checked.
    struct ChainState {
        uint64 headNumber; // number of the last committed block (0 = none)
        uint40 headWindowEnd; // windowEnd of that block: with the head's record it pins down the head's hash
        uint48 headDepositNonce; // depositNonce of that block (the lower bound for the next one)
        uint48 depositCount; // deposits made so far = nonce of the last one
        uint32 challengeWindow; // seconds
        uint8 threshold; // signatures needed; 0 means "no such chain"
        uint8 status; // STATUS_LIVE, STATUS_FROZEN_FRAUD or STATUS_FROZEN_STALLED: read with the rest, no extra SLOAD
        // 8 bits free: a validator-set version for rotations.
    }

    struct Chain {
        ChainState state;
        address spawner;
        uint96 bond;
        uint256 index; // position among the root's children
        uint40 spawnedAt; // the last activity before the first commit
        uint40 frozenAt; // 0 while live
        uint32 stallLimit; // seconds without a commit after which anyone may freeze the chain
        /// number => keccak256(abi.encode(blockHash, uint64 windowEnd)): the single slot stored per commitment.
        mapping(uint256 number => bytes32) commitmentRecord;
        /// nonce => depositHash, or the edgeDownRecord of a down edge event: one nonce stream, so the child applies
        /// everything sent down its edge in one total order.
        mapping(uint256 nonce => bytes32) depositRecord;
        /// token => amount the chain and its descendants hold here; caps every withdrawal.
        mapping(address token => uint256) subtreeBalance;
        /// (number << 8 | index >> 8) => bitmap of consumed exit-tree leaves, token exits and messages alike
        /// (index < 2^16, so keys never collide).
        mapping(uint256 word => uint256) withdrawnBitmap;
        /// (slot >> 8) => bitmap of the account slots paid out by {escapeExit}.
        mapping(uint256 word => uint256) escapedBitmap;
    }
    // The validator set is not in storage: it is the code of a contract at validatorSetAddress(chainId).

    mapping(bytes32 chainId => Chain) private _chains;
    bytes32[] private _children;

    /// @notice A chain's configuration and head, as returned by {chainInfo}.
    struct ChainInfo {
        bytes32 parentChainId;
        uint256 index;
        address spawner;
        uint256 bond;
        uint8 threshold;
        uint64 challengeWindow;
        uint256 validatorCount;
        uint64 headNumber;
        uint64 headWindowEnd;
        uint64 headDepositNonce;
        uint64 depositCount;
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Events
    // ---------------------------------------------------------------------------------------------------------------

    /// @param validators The validator set, in ascending address order (as stored).
    event ChainSpawned(
        bytes32 indexed chainId,
        uint256 indexed index,
        address indexed spawner,
        address[] validators,
        uint8 threshold,
        uint64 challengeWindow,
        uint256 bond
    );
    event Deposited(
        bytes32 indexed chainId, uint64 indexed nonce, address from, address to, address token, uint256 amount
    );
    event Committed(
        bytes32 indexed chainId,
        uint64 indexed number,
        bytes32 blockHash,
        bytes32 stateRoot,
        bytes32 exitRoot,
        uint64 windowEnd
    );
    event WithdrawalFinalized(
        bytes32 indexed chainId,
        uint64 indexed number,
        uint256 indexed index,
        address recipient,
        address token,
        uint256 amount
    );
    /// @param payload Emitted in full: the child's validators take the event from here (the record only hashes it).
    event EdgeEventSent(bytes32 indexed chainId, uint64 indexed nonce, bytes32 indexed fn, address sender, bytes payload);
    event MessageRelayed(bytes32 indexed chainId, uint64 indexed number, uint256 index, address sender, address target);
    /// @param number The convicted block; the head is now `number - 1`.
    /// @param kind A FRAUD_* constant.
    /// @param reward What the challenger received: half the bond (0 when the bond was already slashed).
    event FraudProven(bytes32 indexed chainId, uint64 indexed number, uint8 kind, address indexed challenger, uint256 reward);
    /// @param status STATUS_FROZEN_FRAUD or STATUS_FROZEN_STALLED.
    event ChainFrozen(bytes32 indexed chainId, uint8 status);
    event EscapeExit(bytes32 indexed chainId, uint32 indexed slot, address owner, address token, uint256 amount);
    event DepositReclaimed(bytes32 indexed chainId, uint64 indexed nonce, address from, address token, uint256 amount);

    // ---------------------------------------------------------------------------------------------------------------
    // Errors
    // ---------------------------------------------------------------------------------------------------------------

    // spawnChain
    error BondTooLow(uint256 bond, uint256 minimum);
    error EmptyValidatorSet();
    error TooManyValidators(uint256 count, uint256 maximum);
    error ZeroAddressValidator();
    error DuplicateValidator(address validator);
    error BadThreshold(uint256 threshold, uint256 validatorCount);
    error BadChallengeWindow(uint64 challengeWindow, uint64 maximum);
    // shared
    error UnknownChain(bytes32 chainId);
    error ZeroAmount();
    // deposits
    error ZeroRecipient();
    error NotAnERC20(address token);
    // sendEdgeEvent
    error PayloadTooLarge(uint256 length, uint256 maximum);
    // commit
    error ChainIdMismatch(bytes32 chainId, bytes32 headerChainId);
    error WrongBlockNumber(uint64 expected, uint64 actual);
    error WrongParentHash(uint64 number, bytes32 parentHash);
    error DepositNonceOutOfRange(uint64 depositNonce, uint64 minimum, uint64 maximum);
    error BadSignaturesLength(uint256 length);
    error NotEnoughSignatures(uint256 count, uint256 threshold);
    error SignatureBadV(uint256 position, uint8 v);
    error SignatureHighS(uint256 position);
    error InvalidSignature(uint256 position);
    error SignersNotSorted(uint256 position, address previous, address signer);
    error SignerNotValidator(uint256 position, address signer);
    // finalizeWithdrawal (and relayMessage, up to AlreadyWithdrawn)
    error UnknownCommitment(bytes32 chainId, uint64 number);
    error ChallengeWindowOpen(uint64 windowEnd, uint256 now);
    error ExitIndexOutOfRange(uint256 index);
    error BadProofLength(uint256 length, uint256 expected);
    error InvalidExitProof(bytes32 chainId, uint64 number, uint256 index);
    error AlreadyWithdrawn(bytes32 chainId, uint64 number, uint256 index);
    error SubtreeBalanceExceeded(bytes32 chainId, address token, uint256 requested, uint256 available);
    error EthTransferFailed(address recipient, uint256 amount);
    // status, stall
    /// @dev Not `ChainFrozen`: Solidity forbids an error and an event (ChainFrozen, docs/FRAUD.md) of the same name.
    error ChainIsFrozen(bytes32 chainId, uint8 status);
    error BadStallLimit(uint64 stallLimit, uint64 minimum, uint64 maximum);
    error NotStalled(bytes32 chainId, uint64 lastActivity, uint64 stallLimit, uint256 now);
    // fraud proofs
    error ChallengeWindowClosed(uint64 windowEnd, uint256 now);
    error WrongPrevHeader(uint64 number);
    error NotFraud(uint8 kind, bytes32 reason);
    error AlreadyConvicted(bytes32 chainId);
    // escape hatch
    error ChainNotFrozen(bytes32 chainId);
    error NotTheHead(uint64 number, uint64 head);
    error InvalidAccountProof(bytes32 chainId, uint32 slot);
    error AlreadyEscaped(bytes32 chainId, uint32 slot);
    error DepositApplied(bytes32 chainId, uint64 nonce, uint64 headDepositNonce);
    error UnknownDeposit(bytes32 chainId, uint64 nonce);

    /// @param verifier The PlasmaFraudVerifier this root calls (contracts/deploy.ts deploys both in one call).
    constructor(PlasmaFraudVerifier verifier) EIP712("PlasmaTree", "1") {
        fraudVerifier = verifier;
        dataAvailability = new PlasmaDataAvailability();
        nestedEscape = new PlasmaNestedEscape();
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Child registry
    // ---------------------------------------------------------------------------------------------------------------

    /// @notice Registers a new child chain of the root. `msg.value` is the validators' bond.
    /// @param validatorSet The signers of the chain's commitments: non-empty, distinct, non-zero, in any order (they
    ///        are stored, reported and expected in signatures in ascending address order).
    /// @param threshold How many distinct validator signatures a commitment needs (1..validatorSet.length).
    /// @param challengeWindow Seconds between a commitment and the first withdrawal from it (1..MAX_CHALLENGE_WINDOW).
    /// @return chainId keccak256(abi.encode(bytes32(0), index)) where index = number of children before this one.
    /// @dev The stall limit is DEFAULT_STALL_LIMIT, or the challenge window when that is longer.
    function spawnChain(address[] calldata validatorSet, uint8 threshold, uint64 challengeWindow)
        external
        payable
        returns (bytes32 chainId)
    {
        uint64 stall = challengeWindow > DEFAULT_STALL_LIMIT ? challengeWindow : DEFAULT_STALL_LIMIT;
        return _spawn(validatorSet, threshold, challengeWindow, stall);
    }

    /// @notice {spawnChain} with a chosen stall limit: after `stallLimit_` seconds without a commit (or, before the first
    ///         one, since the spawn) anyone may freeze the chain with {freezeStalled} and its holders escape.
    /// @param stallLimit_ Seconds, from the chain's challenge window up to MAX_CHALLENGE_WINDOW (a shorter limit would let
    ///        a chain be frozen while its head can still be rolled back for no fault of its own).
    function spawnChainWithLimits(address[] calldata validatorSet, uint8 threshold, uint64 challengeWindow, uint64 stallLimit_)
        external
        payable
        returns (bytes32 chainId)
    {
        return _spawn(validatorSet, threshold, challengeWindow, stallLimit_);
    }

    function _spawn(address[] calldata validatorSet, uint8 threshold, uint64 challengeWindow, uint64 stall)
        private
        returns (bytes32 chainId)
    {
        uint256 minBond = MIN_BOND * (1 + uint256(threshold) / 32);
        if (msg.value < minBond) revert BondTooLow(msg.value, minBond);
        uint256 n = validatorSet.length;
        if (n == 0) revert EmptyValidatorSet();
        if (n > MAX_VALIDATORS) revert TooManyValidators(n, MAX_VALIDATORS);
        if (threshold == 0 || threshold > n) revert BadThreshold(threshold, n);
        if (challengeWindow == 0 || challengeWindow > MAX_CHALLENGE_WINDOW) {
            revert BadChallengeWindow(challengeWindow, MAX_CHALLENGE_WINDOW);
        }
        if (stall < challengeWindow || stall > MAX_CHALLENGE_WINDOW) revert BadStallLimit(stall, challengeWindow, MAX_CHALLENGE_WINDOW);
        address[] memory sorted = _sortedDistinct(validatorSet);

        uint256 index = _children.length;
        chainId = PlasmaEncoding.childChainId(PlasmaEncoding.ROOT_CHAIN_ID, index);
        _children.push(chainId);

        Chain storage c = _chains[chainId];
        c.state.challengeWindow = uint32(challengeWindow); // <= 30 days, checked above
        c.state.threshold = threshold;
        c.spawner = msg.sender;
        c.bond = SafeCast.toUint96(msg.value);
        c.index = index;
        c.spawnedAt = uint40(block.timestamp);
        c.stallLimit = uint32(stall); // <= 30 days, checked above
        _writeValidatorSet(chainId, sorted);

        emit ChainSpawned(chainId, index, msg.sender, sorted, threshold, challengeWindow, msg.value);
    }

    /// @dev Copies `set` to memory in ascending order; rejects the zero address and duplicates.
    function _sortedDistinct(address[] calldata set) private pure returns (address[] memory sorted) {
        sorted = set; // ABI decoding has checked that every element is a clean 20-byte address
        // Insertion sort on the raw words: linear for sorted input; 256 validators in reverse order cost ~4M gas more.
        assembly ("memory-safe") {
            let base := add(sorted, 0x20)
            let n := mload(sorted)
            for { let i := 1 } lt(i, n) { i := add(i, 1) } {
                let key := mload(add(base, shl(5, i)))
                let j := i
                for {} gt(j, 0) { j := sub(j, 1) } {
                    let before := mload(add(base, shl(5, sub(j, 1))))
                    if iszero(gt(before, key)) { break }
                    mstore(add(base, shl(5, j)), before)
                }
                mstore(add(base, shl(5, j)), key)
            }
        }
        if (sorted[0] == address(0)) revert ZeroAddressValidator();
        for (uint256 i = 1; i < sorted.length; ++i) {
            if (sorted[i] == sorted[i - 1]) revert DuplicateValidator(sorted[i]);
        }
    }

    /// @dev Deploys the set as contract code at validatorSetAddress(chainId). The constructor of that contract reads the
    ///      set back through {pendingValidatorSet}, from transient storage.
    function _writeValidatorSet(bytes32 chainId, address[] memory set) private {
        PENDING_SET_SLOT.asUint256().tstore(set.length);
        for (uint256 i; i < set.length; ++i) {
            bytes32(uint256(PENDING_SET_SLOT) + 1 + i).asAddress().tstore(set[i]);
        }
        ValidatorSets.deploy(_validatorSetSalt(chainId));
        PENDING_SET_SLOT.asUint256().tstore(0);
    }

    /// @inheritdoc IValidatorSetSource
    /// @dev Empty except while {spawnChain} deploys a set.
    function pendingValidatorSet() external view returns (address[] memory set) {
        set = new address[](PENDING_SET_SLOT.asUint256().tload());
        for (uint256 i; i < set.length; ++i) {
            set[i] = bytes32(uint256(PENDING_SET_SLOT) + 1 + i).asAddress().tload();
        }
    }

    /// @dev A validator rotation will mix a version number (kept in ChainState's spare bits) into this salt.
    function _validatorSetSalt(bytes32 chainId) private pure returns (bytes32) {
        return chainId;
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Deposits (parent half of transferToChild)
    // ---------------------------------------------------------------------------------------------------------------

    /// @notice Deposits `msg.value` wei for `to` on child chain `chainId`.
    /// @return nonce The deposit's per-chain nonce (1, 2, 3, ...); the child credits deposits in nonce order.
    function depositETH(bytes32 chainId, address to) external payable returns (uint64 nonce) {
        if (msg.value == 0) revert ZeroAmount();
        (Chain storage c, uint256 packed) = _liveChain(chainId);
        if (to == address(0)) revert ZeroRecipient();
        return _recordDeposit(c, packed, chainId, to, address(0), msg.value);
    }

    /// @notice Deposits `amount` of ERC-20 `token` (needs an allowance) for `to` on child chain `chainId`.
    /// @dev Credits `amount`, so fee-on-transfer and rebasing tokens are NOT supported (wrap them first, as with the
    ///      OP and Arbitrum standard bridges): crediting the amount actually received takes two balanceOf calls and
    ///      a reentrancy guard, ~2,200 gas, which would lift a steady-state deposit from ~79,600 to ~81,800, over the
    ///      80,000 budget. Such a token would only short the holders of that same token.
    ///      Effects come before the token pull, so a token calling back into this contract sees consistent state.
    /// @return nonce The deposit's per-chain nonce.
    function depositERC20(bytes32 chainId, address token, address to, uint256 amount) external returns (uint64 nonce) {
        if (amount == 0) revert ZeroAmount();
        if (token == address(0)) revert NotAnERC20(token); // ETH goes through depositETH
        (Chain storage c, uint256 packed) = _liveChain(chainId);
        if (to == address(0)) revert ZeroRecipient();
        nonce = _recordDeposit(c, packed, chainId, to, token, amount);
        IERC20(token).safeTransferFrom(msg.sender, address(this), amount);
    }

    function _recordDeposit(Chain storage c, uint256 packed, bytes32 chainId, address to, address token, uint256 amount)
        private
        returns (uint64 nonce)
    {
        nonce = _takeNonce(c, packed);
        c.subtreeBalance[token] += amount;
        c.depositRecord[nonce] = PlasmaEncoding.stampRecord(PlasmaEncoding.depositHash(chainId, nonce, msg.sender, to, token, amount), block.timestamp);
        emit Deposited(chainId, nonce, msg.sender, to, token, amount);
    }

    /// @dev Takes the chain's next nonce, shared by deposits and down edge events: `packed` is the chain's state as
    ///      {_liveChain} read it, written back with depositCount + 1 (bits 152-199) in one SSTORE, no second SLOAD.
    function _takeNonce(Chain storage c, uint256 packed) private returns (uint64 nonce) {
        nonce = uint48(packed >> 152) + 1; // checked: reverts rather than wrap at 2^48
        assembly ("memory-safe") {
            sstore(c.slot, or(and(packed, not(shl(152, 0xffffffffffff))), shl(152, nonce)))
        }
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Down edge events (parent half of any edge function sent to a child; docs/EDGE.md)
    // ---------------------------------------------------------------------------------------------------------------

    /// @notice Sends edge event `fn` with `payload` down to child chain `child`; the child runs the function's receive
    ///         half when it applies the event's nonce. Carries no value: tokens travel with deposits.
    /// @dev The sender is `msg.sender`, so a contract can be the parent half of its own edge function. Refusals:
    ///      PayloadTooLarge, UnknownChain, and an overflow of the deposit count (as for deposits).
    /// @return nonce The event's nonce in the chain's deposit stream; `depositRecord(child, nonce)` is its
    ///         edgeDownRecord.
    function sendEdgeEvent(bytes32 child, bytes32 fn, bytes calldata payload) external returns (uint64 nonce) {
        return _sendEdgeEvent(child, fn, payload);
    }

    /// @notice Sends a message to `target` on child chain `child` (docs/EDGE.md `message`): the edge event MESSAGE_FN
    ///         with payload `abi.encode(target, data)`. The child delivers it to the handler registered for `target`,
    ///         or keeps it in its inbox if there is none.
    /// @return nonce The event's nonce in the chain's deposit stream.
    function sendMessage(bytes32 child, address target, bytes calldata data) external returns (uint64 nonce) {
        return _sendEdgeEvent(child, MESSAGE_FN, PlasmaEncoding.messagePayload(target, data));
    }

    function _sendEdgeEvent(bytes32 child, bytes32 fn, bytes memory payload) private returns (uint64 nonce) {
        if (payload.length > MAX_EDGE_PAYLOAD) revert PayloadTooLarge(payload.length, MAX_EDGE_PAYLOAD);
        (Chain storage c, uint256 packed) = _liveChain(child);
        nonce = _takeNonce(c, packed);
        c.depositRecord[nonce] = PlasmaEncoding.stampRecord(PlasmaEncoding.edgeDownRecord(fn, child, nonce, msg.sender, keccak256(payload)), block.timestamp);
        emit EdgeEventSent(child, nonce, fn, msg.sender, payload);
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Commitments
    // ---------------------------------------------------------------------------------------------------------------

    /// @notice Commits the next block of child chain `chainId`. Anyone may submit; the validators' signatures are the
    ///         authority.
    /// @param h The block header; its hash is keccak256(abi.encode(h)).
    /// @param signatures Packed 65-byte signatures `r ‖ s ‖ v` (v ∈ {27, 28}, low s), concatenated without padding, at
    ///        least `threshold` of them, over the EIP-712 message Commitment(chainId, number, blockHash), ordered by
    ///        signer address strictly ascending. Packed rather than `bytes[]` to save ~1,000 gas of calldata.
    function commit(bytes32 chainId, Header calldata h, bytes calldata signatures) external {
        Chain storage c = _chains[chainId];
        ChainState memory s = c.state; // the one cold SLOAD of chain data
        if (s.threshold == 0) revert UnknownChain(chainId);
        if (s.status != STATUS_LIVE) revert ChainIsFrozen(chainId, s.status);
        if (h.chainId != chainId) revert ChainIdMismatch(chainId, h.chainId);

        uint64 number = h.number;
        if (number != s.headNumber + 1) revert WrongBlockNumber(s.headNumber + 1, number);
        // The head's hash is not stored separately (that would cost a second SSTORE per commit): the head's record
        // and its windowEnd from the packed state pin it down just as well.
        if (
            number == 1
                ? h.parentHash != bytes32(0)
                : c.commitmentRecord[s.headNumber] != PlasmaEncoding.commitmentRecord(h.parentHash, s.headWindowEnd)
        ) revert WrongParentHash(number, h.parentHash);

        uint64 depositNonce = h.depositNonce;
        if (depositNonce < s.headDepositNonce || depositNonce > s.depositCount) {
            revert DepositNonceOutOfRange(depositNonce, s.headDepositNonce, s.depositCount);
        }

        bytes32 blockHash = PlasmaEncoding.blockHash(h);
        _verifyQuorum(
            ValidatorSets.read(validatorSetAddress(chainId)),
            s.threshold,
            _hashTypedDataV4(PlasmaEncoding.commitmentStructHash(chainId, number, blockHash)),
            signatures
        );

        uint40 windowEnd = SafeCast.toUint40(block.timestamp + s.challengeWindow);
        c.commitmentRecord[number] = PlasmaEncoding.commitmentRecord(blockHash, windowEnd);
        s.headNumber = number;
        s.headWindowEnd = windowEnd;
        s.headDepositNonce = uint48(depositNonce); // <= depositCount, a uint48
        _storeState(c, s);

        emit Committed(chainId, number, blockHash, h.stateRoot, h.exitRoot, windowEnd);
    }

    /// @dev Writes `s` with a single SSTORE where `c.state = s` would read-modify-write the slot once per field
    ///      (~900 gas). Solidity packs struct members from the low-order bits up, in declaration order: a field added
    ///      to ChainState must be added here too. The tests read every field back through {chainInfo}.
    function _storeState(Chain storage c, ChainState memory s) private {
        uint256 packed = uint256(s.headNumber) | (uint256(s.headWindowEnd) << 64) | (uint256(s.headDepositNonce) << 104)
            | (uint256(s.depositCount) << 152) | (uint256(s.challengeWindow) << 200) | (uint256(s.threshold) << 232)
            | (uint256(s.status) << 240);
        assembly ("memory-safe") {
            sstore(c.slot, packed) // c.slot is the slot of c.state, Chain's first member
        }
    }

    /// @dev Reverts unless `signatures` holds at least `threshold` valid, low-s signatures of `digest` by distinct
    ///      members of `validatorSet` (ascending) in ascending signer order. Both lists ascend, so distinctness is one
    ///      comparison per signature and membership is a single forward scan of the set.
    function _verifyQuorum(
        address[] memory validatorSet,
        uint256 threshold,
        bytes32 digest,
        bytes calldata signatures
    ) private pure {
        if (signatures.length % SIGNATURE_LENGTH != 0) revert BadSignaturesLength(signatures.length);
        uint256 count = signatures.length / SIGNATURE_LENGTH;
        if (count < threshold) revert NotEnoughSignatures(count, threshold);

        uint256 n = validatorSet.length;
        address previous = address(0);
        uint256 cursor = 0; // validators before the cursor are below every signer still to come
        for (uint256 i; i < count; ++i) {
            address signer = _recoverSigner(digest, signatures, i);
            if (signer <= previous) revert SignersNotSorted(i, previous, signer);
            address candidate;
            while (cursor < n && (candidate = validatorSet[cursor]) < signer) {
                unchecked {
                    ++cursor;
                }
            }
            if (candidate != signer) revert SignerNotValidator(i, signer);
            previous = signer;
        }
    }

    /// @dev Signer of the `i`-th packed signature; rejects a bad v, a high s (malleability) and a failed recovery.
    function _recoverSigner(bytes32 digest, bytes calldata signatures, uint256 i) private pure returns (address signer) {
        bytes32 r;
        bytes32 s;
        uint8 v;
        assembly ("memory-safe") {
            let p := add(signatures.offset, mul(i, SIGNATURE_LENGTH))
            r := calldataload(p)
            s := calldataload(add(p, 0x20))
            v := byte(0, calldataload(add(p, 0x40)))
        }
        if (v != 27 && v != 28) revert SignatureBadV(i, v);
        if (uint256(s) > HALF_CURVE_ORDER) revert SignatureHighS(i);
        signer = ecrecover(digest, v, r, s);
        if (signer == address(0)) revert InvalidSignature(i);
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Withdrawals (parent half of transferToParent)
    // ---------------------------------------------------------------------------------------------------------------

    /// @notice Pays out exit `index` of committed block `h` of chain `chainId` once its challenge window has passed.
    ///         Anyone may call it; the funds always go to `e.recipient`.
    /// @param h The committed header (its exitRoot holds the exit).
    /// @param windowEnd The block's windowEnd, from its Committed event.
    /// @param e The exit: recipient, token (address(0) = ETH), amount.
    /// @param index The exit's position among the block's exits (< 2^16).
    /// @param proof The 16 siblings of the exit leaf, from the leaf upward (empty subtrees padded with zero hashes).
    function finalizeWithdrawal(
        bytes32 chainId,
        Header calldata h,
        uint64 windowEnd,
        Exit calldata e,
        uint256 index,
        bytes32[] calldata proof
    ) external nonReentrant {
        Chain storage c = _chains[chainId];
        _verifyFinal(c, chainId, h, windowEnd);
        if (e.amount == 0) revert ZeroAmount();
        _consumeExitLeaf(c, chainId, h, PlasmaEncoding.exitHash(e), index, proof);
        _debitSubtree(c, chainId, e.token, e.amount);
        emit WithdrawalFinalized(chainId, h.number, index, e.recipient, e.token, e.amount);
        _pay(e.token, e.recipient, e.amount); // last: all effects are done (checks-effects-interactions)
    }

    /// @dev Checks that `h` is a committed block of the chain whose challenge window has passed.
    function _verifyFinal(Chain storage c, bytes32 chainId, Header calldata h, uint64 windowEnd) private view {
        uint64 number = h.number;
        // `number <= headNumber` keeps blocks above the head unusable once fraud proofs can roll the head back.
        if (
            number > c.state.headNumber
                || c.commitmentRecord[number] != PlasmaEncoding.commitmentRecord(PlasmaEncoding.blockHash(h), windowEnd)
        ) revert UnknownCommitment(chainId, number);
        if (block.timestamp < windowEnd) revert ChallengeWindowOpen(windowEnd, block.timestamp);
    }

    /// @dev Checks that `leaf` (a token exit's or an up edge event's) is leaf `index` of `h`'s exit tree, then marks
    ///      the index spent. One spent set for both kinds of leaf: an index is consumed once, whatever it holds.
    function _consumeExitLeaf(
        Chain storage c,
        bytes32 chainId,
        Header calldata h,
        bytes32 leaf,
        uint256 index,
        bytes32[] calldata proof
    ) private {
        // Without this bound the bits above 16 would be ignored and one leaf could be consumed under many indices.
        if (index >> EXIT_TREE_DEPTH != 0) revert ExitIndexOutOfRange(index);
        if (proof.length != EXIT_TREE_DEPTH) revert BadProofLength(proof.length, EXIT_TREE_DEPTH);
        if (PlasmaMerkle.computeRoot(leaf, index, proof) != h.exitRoot) {
            revert InvalidExitProof(chainId, h.number, index);
        }
        _markWithdrawn(c, chainId, h.number, index);
    }

    /// @dev Sets the leaf's bit in the chain's bitmap; reverts if it was already set.
    function _markWithdrawn(Chain storage c, bytes32 chainId, uint64 number, uint256 index) private {
        uint256 word = (uint256(number) << 8) | (index >> 8);
        uint256 bit = 1 << (index & 0xff);
        uint256 bits = c.withdrawnBitmap[word];
        if (bits & bit != 0) revert AlreadyWithdrawn(chainId, number, index);
        c.withdrawnBitmap[word] = bits | bit;
    }

    /// @dev The core safety property: a chain never takes out more of a token than its subtree put in.
    function _debitSubtree(Chain storage c, bytes32 chainId, address token, uint256 amount) private {
        uint256 available = c.subtreeBalance[token];
        if (amount > available) revert SubtreeBalanceExceeded(chainId, token, amount, available);
        c.subtreeBalance[token] = available - amount;
    }

    function _pay(address token, address recipient, uint256 amount) private {
        if (token == address(0)) {
            bool ok;
            assembly ("memory-safe") {
                // No return data is copied: a recipient cannot make the caller pay for a huge revert message.
                ok := call(gas(), recipient, amount, 0, 0, 0, 0)
            }
            if (!ok) revert EthTransferFailed(recipient, amount);
        } else {
            IERC20(token).safeTransfer(recipient, amount);
        }
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Up messages (parent half of `message` sent from a child to L1; docs/EDGE.md)
    // ---------------------------------------------------------------------------------------------------------------

    /// @notice Delivers message leaf `index` of committed block `h` of chain `child` to `target` once the block's
    ///         challenge window has passed: calls `target.onPlasmaMessage(child, sender, data)`. Anyone may call it.
    ///         The message's leaf is consumed in the spent set of withdrawals, so it is delivered at most once.
    /// @dev The checks of {finalizeWithdrawal} in the same order, without the amount and the subtree balance (messages
    ///      carry no tokens). If the target reverts, the relay reverts with its error and nothing is spent, so the
    ///      message can be relayed again once the target accepts it: a message is never lost to a failed call, and
    ///      a caller cannot get it marked delivered by starving the call of gas. `nonReentrant`, as
    ///      {finalizeWithdrawal}: the target cannot relay or withdraw while it runs.
    /// @param h The committed header (its exitRoot holds the message's leaf).
    /// @param windowEnd The block's windowEnd, from its Committed event.
    /// @param sender The message's sender on the child chain.
    /// @param target The L1 contract the message is for, an IPlasmaMessageReceiver (without code the call reverts).
    /// @param data The message's data.
    /// @param index The leaf's position in the block's exit tree (< 2^16).
    /// @param proof The 16 siblings of the leaf, from the leaf upward.
    function relayMessage(
        bytes32 child,
        Header calldata h,
        uint64 windowEnd,
        address sender,
        address target,
        bytes calldata data,
        uint256 index,
        bytes32[] calldata proof
    ) external nonReentrant {
        Chain storage c = _chains[child];
        _verifyFinal(c, child, h, windowEnd);
        bytes32 leaf =
            PlasmaEncoding.edgeUpLeaf(MESSAGE_FN, child, sender, keccak256(PlasmaEncoding.messagePayload(target, data)));
        _consumeExitLeaf(c, child, h, leaf, index, proof);
        emit MessageRelayed(child, h.number, index, sender, target);
        IPlasmaMessageReceiver(target).onPlasmaMessage(child, sender, data); // last: all effects are done
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Stalled chains (docs/FRAUD.md §2)
    // ---------------------------------------------------------------------------------------------------------------

    /// @notice Freezes a live chain that committed nothing for longer than its stall limit, so that its holders can
    ///         leave through the escape hatch. Anyone may call it. No slash: the validators may simply be offline.
    /// @dev Last activity = the head's commit time (headWindowEnd − challengeWindow), or the spawn before block 1.
    function freezeStalled(bytes32 chainId) external {
        (Chain storage c,) = _liveChain(chainId);
        uint64 lastActivity = c.state.headNumber == 0 ? uint64(c.spawnedAt) : uint64(c.state.headWindowEnd) - c.state.challengeWindow;
        uint64 limit = c.stallLimit;
        if (block.timestamp <= uint256(lastActivity) + limit) revert NotStalled(chainId, lastActivity, limit, block.timestamp);
        _setStatus(c, STATUS_FROZEN_STALLED);
        c.frozenAt = uint40(block.timestamp);
        emit ChainFrozen(chainId, STATUS_FROZEN_STALLED);
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Fraud proofs (docs/FRAUD.md §3, phase 1: the root's direct children)
    // ---------------------------------------------------------------------------------------------------------------

    /// @notice Proves that transaction `t` of committed block `h` is refused by the state transition function, or that
    ///         its post-state root is not what it claims. On success the chain is rolled back to `h.number - 1`, its bond
    ///         slashed (half to the caller, half burned) and frozen. A tx of kind 3-15 (the ledger kinds of a chain
    ///         that is a parent, docs/LEDGER-PROOFS.md) takes an 11th argument the selector leaves out, a LedgerTxWitness
    ///         that the verifier decodes from msg.data (FraudProven kind FRAUD_INVALID_LEDGER_TX).
    /// @param h The disputed block: committed, at most the head, its challenge window still open.
    /// @param windowEnd Its windowEnd (Committed event).
    /// @param prev The block before it, `prevWindowEnd` its windowEnd; for block 1 an all-zero header and 0.
    /// @param t The transaction, with its place in `h.txRoot`.
    /// @param preTx Tx `t.index - 1` of the same block (its post-state root is `t`'s pre-state root); ignored for index 0,
    ///        whose pre-state root is `prev.stateRoot` (the empty state root for block 1).
    /// @param accountsRoot The pre-state's accounts root, `ledgerRoot` its ledger root: keccak256 of both is the pre-state root.
    /// @param accounts The slot witnesses in the pre-state: the sender's (kinds 1, 2) or the credited slot (kind 0), then
    ///        for a transfer the recipient's, in the accounts root after the sender's update.
    function proveInvalidTransition(
        bytes32 chainId,
        Header calldata h,
        uint64 windowEnd,
        Header calldata prev,
        uint64 prevWindowEnd,
        TxWitness calldata t,
        TxWitness calldata preTx,
        bytes32 accountsRoot,
        bytes32 ledgerRoot,
        AccountWitness[] calldata accounts
    ) external nonReentrant {
        Chain storage c = _chains[chainId];
        _checkDisputed(c, chainId, h, windowEnd, prev, prevWindowEnd);
        uint8 kind = t.tx.kind;
        (uint8 fault,) =
            fraudVerifier.transitionFault(_transitionInput(c, chainId, h, prev, t), msg.data[4:]);
        if (fault == 0) revert NotFraud(kind, "TX_VALID");
        _convict(c, chainId, h.number, prev.depositNonce, prevWindowEnd, kind > 2 ? FRAUD_INVALID_LEDGER_TX : kind, msg.sender);
    }

    /// @dev What the verifier needs to know of block `h` from this contract.
    function _transitionInput(Chain storage c, bytes32 chainId, Header calldata h, Header calldata prev, TxWitness calldata t)
        private
        view
        returns (PlasmaFraudVerifier.TransitionInput memory)
    {
        return PlasmaFraudVerifier.TransitionInput({
            domainSeparator: _domainSeparatorV4(),
            chainId: chainId,
            txRoot: h.txRoot,
            prevStateRoot: h.number == 1 ? EMPTY_STATE_ROOT : prev.stateRoot,
            prevDepositNonce: prev.depositNonce,
            depositNonce: h.depositNonce,
            depositRecord: c.depositRecord[t.tx.nonce] // kinds 0 and 8 check the down stream against it
        });
    }

    /// @notice Proves that block `h` claims down events it does not apply: its header's depositNonce says its first
    ///         `h.depositNonce - prev.depositNonce` txs are the parent's next deposits and down edge events in nonce
    ///         order, and tx `t.index` among them is not (another kind, or the wrong nonce). An empty position is proven
    ///         with an all-zero `t` (tx, data, postStateRoot) and the siblings of the zero leaf.
    function proveMissingDownEvent(
        bytes32 chainId,
        Header calldata h,
        uint64 windowEnd,
        Header calldata prev,
        uint64 prevWindowEnd,
        TxWitness calldata t
    ) external nonReentrant {
        Chain storage c = _chains[chainId];
        _checkDisputed(c, chainId, h, windowEnd, prev, prevWindowEnd);
        bytes32 reason = fraudVerifier.missingDownEvent(msg.data[4:]);
        if (reason != 0) revert NotFraud(FRAUD_MISSING_DOWN_EVENT, reason);
        _convict(c, chainId, h.number, prev.depositNonce, prevWindowEnd, FRAUD_MISSING_DOWN_EVENT, msg.sender);
    }

    /// @notice Proves that tx `t` of block `h` breaks its kind's form (PlasmaFraudVerifier.isMalformed).
    function proveMalformedTx(
        bytes32 chainId,
        Header calldata h,
        uint64 windowEnd,
        Header calldata prev,
        uint64 prevWindowEnd,
        TxWitness calldata t
    ) external nonReentrant {
        Chain storage c = _chains[chainId];
        _checkDisputed(c, chainId, h, windowEnd, prev, prevWindowEnd);
        if (!fraudVerifier.malformedTx(msg.data[4:])) revert NotFraud(FRAUD_MALFORMED_TX, "WELL_FORMED");
        _convict(c, chainId, h.number, prev.depositNonce, prevWindowEnd, FRAUD_MALFORMED_TX, msg.sender);
    }

    /// @notice Proves that block `h`'s exit tree is not the exits its transactions make (an exit that no tx made, a
    ///         wrong exit where a withdrawal's should be, or exit indexes that do not add up):
    ///         PlasmaFraudVerifier.invalidExits says how `t`, `next` and `e` show it.
    function proveInvalidExits(
        bytes32 chainId,
        Header calldata h,
        uint64 windowEnd,
        Header calldata prev,
        uint64 prevWindowEnd,
        TxWitness calldata t,
        TxWitness calldata next,
        ExitWitness calldata e
    ) external nonReentrant {
        Chain storage c = _chains[chainId];
        _checkDisputed(c, chainId, h, windowEnd, prev, prevWindowEnd);
        bytes32 reason = fraudVerifier.invalidExits(msg.data[4:]);
        if (reason != 0) revert NotFraud(FRAUD_INVALID_EXITS, reason);
        _convict(c, chainId, h.number, prev.depositNonce, prevWindowEnd, FRAUD_INVALID_EXITS, msg.sender);
    }

    /// @notice Proves that block `h` skipped a down event past its deadline: the next one after its depositNonce was
    ///         recorded more than the chain's stall limit before `h` was committed here (`windowEnd - challengeWindow`).
    ///         A child applies what its parent sends within the time it may go without committing at all.
    function proveSkippedDeposit(bytes32 chainId, Header calldata h, uint64 windowEnd, Header calldata prev, uint64 prevWindowEnd)
        external
        nonReentrant
    {
        Chain storage c = _chains[chainId];
        _checkDisputed(c, chainId, h, windowEnd, prev, prevWindowEnd);
        uint64 next = h.depositNonce + 1;
        // Recorded at or after h's depositNonce was final: nothing to skip (depositCount never moves back).
        if (next > c.state.depositCount || uint40(uint256(c.depositRecord[next])) + uint256(c.stallLimit) >= windowEnd - c.state.challengeWindow) {
            revert NotFraud(FRAUD_SKIPPED_DEPOSIT, "NOTHING_OVERDUE");
        }
        _convict(c, chainId, h.number, prev.depositNonce, prevWindowEnd, FRAUD_SKIPPED_DEPOSIT, msg.sender);
    }

    /// @notice Proves that block `h` has a timestamp before its parent's, or after the time it was committed here
    ///         (`windowEnd - challengeWindow`).
    function proveBadTimestamp(bytes32 chainId, Header calldata h, uint64 windowEnd, Header calldata prev, uint64 prevWindowEnd)
        external
        nonReentrant
    {
        Chain storage c = _chains[chainId];
        _checkDisputed(c, chainId, h, windowEnd, prev, prevWindowEnd);
        if (h.timestamp >= prev.timestamp && h.timestamp <= windowEnd - c.state.challengeWindow) {
            revert NotFraud(FRAUD_BAD_TIMESTAMP, "TIMESTAMP_OK");
        }
        _convict(c, chainId, h.number, prev.depositNonce, prevWindowEnd, FRAUD_BAD_TIMESTAMP, msg.sender);
    }


    /// @notice Proves that a quorum of the chain's validators signed two different headers for one height. Slashes and
    ///         freezes in every case. If the committed block at that height is `h1` or `h2` (with `windowEnd`), is at most
    ///         the head and its window is open, the chain also rolls back to the block before it (`prev`,
    ///         `prevWindowEnd`, checked as in every proof); otherwise `windowEnd`, `prev` and `prevWindowEnd` are ignored.
    /// @param sigs1 A quorum's Commitment signatures of `h1`, packed as for {commit}; `sigs2` the same for `h2`.
    function proveEquivocation(
        bytes32 chainId,
        Header calldata h1,
        bytes calldata sigs1,
        Header calldata h2,
        bytes calldata sigs2,
        uint64 windowEnd,
        Header calldata prev,
        uint64 prevWindowEnd
    ) external nonReentrant {
        Chain storage c = _knownChain(chainId);
        if (h2.number != h1.number) revert NotFraud(FRAUD_EQUIVOCATION, "DIFFERENT_HEIGHTS");
        uint64 number = h1.number;
        bytes32 record = c.commitmentRecord[number];
        bytes32 record1 = _quorumSigned(c, chainId, h1, sigs1, windowEnd, record);
        bytes32 record2 = _quorumSigned(c, chainId, h2, sigs2, windowEnd, record);
        if (record1 == record2) revert NotFraud(FRAUD_EQUIVOCATION, "SAME_HEADER");
        bool rollBack = number != 0 && number <= c.state.headNumber && block.timestamp < windowEnd
            && (record == record1 || record == record2);
        if (rollBack) {
            _checkPrev(c, number, prev, prevWindowEnd);
            _convict(c, chainId, number, prev.depositNonce, prevWindowEnd, FRAUD_EQUIVOCATION, msg.sender);
        } else {
            // Nothing to undo; a chain convicted before has nothing left to slash either.
            if (c.state.status == STATUS_FROZEN_FRAUD) revert AlreadyConvicted(chainId);
            _slashAndFreeze(c, chainId, number, FRAUD_EQUIVOCATION, msg.sender);
        }
    }

    /// @dev Reverts unless a quorum of the chain's validators signed `h` (a header of this chain); returns the
    ///      commitment record `h` would have with `windowEnd`. A header whose record is `stored` (the record of its
    ///      height) had its quorum checked by {commit}: its signatures are not checked again, which halves the proof.
    function _quorumSigned(Chain storage c, bytes32 chainId, Header calldata h, bytes calldata sigs, uint64 windowEnd, bytes32 stored)
        private
        view
        returns (bytes32 record)
    {
        if (h.chainId != chainId) revert ChainIdMismatch(chainId, h.chainId);
        bytes32 hash = PlasmaEncoding.blockHash(h);
        record = PlasmaEncoding.commitmentRecord(hash, windowEnd);
        if (record == stored) return record;
        fraudVerifier.verifyQuorum(
            ValidatorSets.read(validatorSetAddress(chainId)),
            c.state.threshold,
            _hashTypedDataV4(PlasmaEncoding.commitmentStructHash(chainId, h.number, hash)),
            sigs
        );
    }

    /// @notice Convicts block `number` of an unanswered data-availability challenge (docs/FRAUD.md §9): rollback to the
    ///         block before it (`prevDepositNonce`, `prevWindowEnd`), slash (half the bond to `challenger`) and freeze,
    ///         kind FRAUD_UNAVAILABLE_DATA. Only {dataAvailability} calls it, after the checks of every proof (the block's
    ///         record, `0 < number <= head`, its window open, the previous block's record) made with this contract's
    ///         views: the module is part of this contract (created by its constructor), and its checks here would cost
    ///         PlasmaRoot's code size what it does not have.
    function convictUnavailable(bytes32 chainId, uint64 number, uint64 prevDepositNonce, uint64 prevWindowEnd, address challenger)
        external
        nonReentrant
    {
        require(msg.sender == address(dataAvailability));
        _convict(_chains[chainId], chainId, number, prevDepositNonce, prevWindowEnd, FRAUD_UNAVAILABLE_DATA, challenger);
    }

    /// @dev The common checks of a proof against block `h`: it is committed (its record), not above the head (records
    ///      above a rolled-back head are dead), its window is open; `prev` is the block before it.
    function _checkDisputed(
        Chain storage c,
        bytes32 chainId,
        Header calldata h,
        uint64 windowEnd,
        Header calldata prev,
        uint64 prevWindowEnd
    ) private view {
        uint64 number = h.number;
        if (
            number == 0 || number > c.state.headNumber
                || c.commitmentRecord[number] != PlasmaEncoding.commitmentRecord(PlasmaEncoding.blockHash(h), windowEnd)
        ) revert UnknownCommitment(chainId, number);
        if (block.timestamp >= windowEnd) revert ChallengeWindowClosed(windowEnd, block.timestamp);
        _checkPrev(c, number, prev, prevWindowEnd);
    }

    /// @dev `prev` is committed block `number - 1` with `prevWindowEnd`, or, for block 1, the all-zero header with 0.
    function _checkPrev(Chain storage c, uint64 number, Header calldata prev, uint64 prevWindowEnd) private view {
        bytes32 prevHash = PlasmaEncoding.blockHash(prev);
        if (
            number == 1
                ? prevHash != ZERO_HEADER_HASH || prevWindowEnd != 0
                : c.commitmentRecord[number - 1] != PlasmaEncoding.commitmentRecord(prevHash, prevWindowEnd)
        ) revert WrongPrevHeader(number);
    }

    /// @dev A successful proof against block `number` (docs/FRAUD.md §1): the head goes back to `number - 1` (with the
    ///      previous block's windowEnd and depositNonce; records above it stay in storage but every reader requires
    ///      `number <= head`), then the slash and the freeze. Later blocks have later windows, so none of their exits
    ///      has been paid. Callers are nonReentrant; the payments come last.
    function _convict(
        Chain storage c,
        bytes32 chainId,
        uint64 number,
        uint64 prevDepositNonce,
        uint64 prevWindowEnd,
        uint8 kind,
        address beneficiary
    ) private {
        // The low 152 bits of the packed state are (headNumber, headWindowEnd, headDepositNonce); prevWindowEnd and
        // prevDepositNonce are a committed block's (or 0), so they fit their fields.
        uint256 head = uint256(number - 1) | (uint256(prevWindowEnd) << 64) | (uint256(prevDepositNonce) << 104);
        assembly ("memory-safe") {
            sstore(c.slot, or(and(sload(c.slot), not(sub(shl(152, 1), 1))), head))
        }
        _slashAndFreeze(c, chainId, number, kind, beneficiary);
    }

    /// @dev Takes the whole bond: half to `beneficiary` (the prover; a data challenger for FRAUD_UNAVAILABLE_DATA), the rest
    ///      burned (so validators who object to their own fraud still lose half); freezes the chain for fraud.
    function _slashAndFreeze(Chain storage c, bytes32 chainId, uint64 number, uint8 kind, address beneficiary) private {
        uint8 was = c.state.status;
        if (was != STATUS_FROZEN_FRAUD) {
            _setStatus(c, STATUS_FROZEN_FRAUD);
            if (was == STATUS_LIVE) c.frozenAt = uint40(block.timestamp);
        }
        uint256 bond = c.bond;
        uint256 reward = bond / 2;
        c.bond = 0;
        emit FraudProven(chainId, number, kind, beneficiary, reward);
        if (was != STATUS_FROZEN_FRAUD) emit ChainFrozen(chainId, STATUS_FROZEN_FRAUD);
        if (reward != 0) _pay(address(0), beneficiary, reward);
        if (bond - reward != 0) _pay(address(0), BURN_ADDRESS, bond - reward);
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Escape hatch (docs/FRAUD.md §4)
    // ---------------------------------------------------------------------------------------------------------------

    /// @notice Pays account slot `account.slot` of a frozen chain's final head to its owner: its whole balance, once per
    ///         slot, capped by the chain's subtree balance like every withdrawal. Anyone may call it; no validator is
    ///         needed. Exits of final blocks are still paid by {finalizeWithdrawal} (they left the accounts already).
    /// @param head The chain's head (chainInfo.headNumber), `windowEnd` its windowEnd, which must have passed: the
    ///        head can no longer be rolled back.
    /// @param ledgerRoot The head's ledger root: keccak256(accounts root ‖ ledgerRoot) must be `head.stateRoot`.
    /// @param account The slot in the head's accounts tree.
    function escapeExit(bytes32 chainId, Header calldata head, uint64 windowEnd, bytes32 ledgerRoot, AccountWitness calldata account)
        external
        nonReentrant
    {
        Chain storage c = _frozenChain(chainId);
        uint64 headNumber = c.state.headNumber;
        if (head.number != headNumber || headNumber == 0) revert NotTheHead(head.number, headNumber);
        _verifyFinal(c, chainId, head, windowEnd);
        if (account.balance == 0) revert ZeroAmount();
        if (fraudVerifier.escapeStateRoot(msg.data[4:]) != head.stateRoot) revert InvalidAccountProof(chainId, account.slot);
        uint256 word = account.slot >> 8;
        uint256 bit = 1 << (account.slot & 0xff);
        uint256 bits = c.escapedBitmap[word];
        if (bits & bit != 0) revert AlreadyEscaped(chainId, account.slot);
        c.escapedBitmap[word] = bits | bit;
        _debitSubtree(c, chainId, account.token, account.balance);
        emit EscapeExit(chainId, account.slot, account.owner, account.token, account.balance);
        _pay(account.token, account.owner, account.balance);
    }

    /// @notice Returns a deposit that a frozen chain never applied (`nonce > head depositNonce`: funds in flight on the
    ///         edge) to its depositor, once. The head of a frozen chain can only move back, so such a deposit is never
    ///         applied later. Down edge events carry no value: their records never match a depositHash.
    function reclaimDeposit(bytes32 chainId, uint64 nonce, address from, address to, address token, uint256 amount)
        external
        nonReentrant
    {
        Chain storage c = _frozenChain(chainId);
        uint64 applied = c.state.headDepositNonce;
        if (nonce <= applied) revert DepositApplied(chainId, nonce, applied);
        if (!PlasmaEncoding.recordIs(c.depositRecord[nonce], PlasmaEncoding.depositHash(chainId, nonce, from, to, token, amount))) {
            revert UnknownDeposit(chainId, nonce);
        }
        delete c.depositRecord[nonce]; // once: a second claim finds no record
        _debitSubtree(c, chainId, token, amount);
        emit DepositReclaimed(chainId, nonce, from, token, amount);
        _pay(token, from, amount);
    }

    /// @notice Pays `amount` of `token` to `to` from frozen chain `chainId`'s subtree balance, for a holder inside one of
    ///         its children. Only {nestedEscape} calls it, after its proofs against the chain's final ledger (capped
    ///         there by the child's subtree balance in that ledger); here, as every withdrawal, by the chain's own.
    function payNested(bytes32 chainId, address token, address to, uint256 amount) external nonReentrant {
        require(msg.sender == address(nestedEscape));
        Chain storage c = _frozenChain(chainId);
        _debitSubtree(c, chainId, token, amount);
        _pay(token, to, amount);
    }

    /// @dev Writes the status byte of the packed state (bits 240-247), leaving the other fields as they are.
    function _setStatus(Chain storage c, uint8 status) private {
        assembly ("memory-safe") {
            sstore(c.slot, or(and(sload(c.slot), not(shl(240, 0xff))), shl(240, status)))
        }
    }

    function _frozenChain(bytes32 chainId) private view returns (Chain storage c) {
        c = _knownChain(chainId);
        if (c.state.status == STATUS_LIVE) revert ChainNotFrozen(chainId);
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Views
    // ---------------------------------------------------------------------------------------------------------------

    /// @notice Number of children of the root spawned so far.
    function childCount() external view returns (uint256) {
        return _children.length;
    }

    /// @notice Id of the `index`-th child of the root.
    function childAt(uint256 index) external view returns (bytes32) {
        return _children[index];
    }

    /// @notice Whether `chainId` is a child of this contract.
    function chainExists(bytes32 chainId) external view returns (bool) {
        return _chains[chainId].state.threshold != 0;
    }

    /// @notice Configuration and head of a child chain. Reverts with UnknownChain for an unknown id.
    function chainInfo(bytes32 chainId) external view returns (ChainInfo memory info) {
        Chain storage c = _knownChain(chainId);
        ChainState memory s = c.state;
        info = ChainInfo({
            parentChainId: PlasmaEncoding.ROOT_CHAIN_ID,
            index: c.index,
            spawner: c.spawner,
            bond: c.bond,
            threshold: s.threshold,
            challengeWindow: s.challengeWindow,
            validatorCount: ValidatorSets.read(validatorSetAddress(chainId)).length,
            headNumber: s.headNumber,
            headWindowEnd: s.headWindowEnd,
            headDepositNonce: s.headDepositNonce,
            depositCount: s.depositCount
        });
    }

    /// @notice The validator set of a chain, in ascending address order. Reverts with UnknownChain for an unknown id.
    function validators(bytes32 chainId) external view returns (address[] memory) {
        _knownChain(chainId);
        return ValidatorSets.read(validatorSetAddress(chainId));
    }

    /// @notice Whether `account` is in the validator set of `chainId` (false for an unknown chain).
    function isValidator(bytes32 chainId, address account) external view returns (bool) {
        address[] memory set = ValidatorSets.read(validatorSetAddress(chainId));
        for (uint256 i; i < set.length; ++i) {
            if (set[i] == account) return true;
        }
        return false;
    }

    /// @notice The contract whose code holds the validator set of `chainId` (computed, whether or not it exists).
    function validatorSetAddress(bytes32 chainId) public view returns (address) {
        return ValidatorSets.locate(_validatorSetSalt(chainId), _validatorSetCodeHash);
    }

    /// @notice Amount of `token` held here for chain `chainId` and its subtree; the cap on its withdrawals.
    function subtreeBalance(bytes32 chainId, address token) external view returns (uint256) {
        return _chains[chainId].subtreeBalance[token];
    }

    /// @notice What chain `chainId`'s nonce `nonce` holds (0 if none): a deposit's depositHash or a down edge event's
    ///         edgeDownRecord.
    function depositRecord(bytes32 chainId, uint64 nonce) external view returns (bytes32) {
        return _chains[chainId].depositRecord[nonce];
    }

    /// @notice keccak256(abi.encode(blockHash, uint64 windowEnd)) of block `number` of chain `chainId` (0 if none).
    function commitmentRecord(bytes32 chainId, uint64 number) external view returns (bytes32) {
        return _chains[chainId].commitmentRecord[number];
    }

    /// @notice Whether exit-tree leaf `index` of block `number` of chain `chainId` has been consumed: a token exit
    ///         paid out, or a message relayed.
    function isWithdrawn(bytes32 chainId, uint64 number, uint256 index) external view returns (bool) {
        if (index >> EXIT_TREE_DEPTH != 0) return false;
        uint256 bits = _chains[chainId].withdrawnBitmap[(uint256(number) << 8) | (index >> 8)];
        return bits & (1 << (index & 0xff)) != 0;
    }

    /// @notice A chain's status (STATUS_LIVE, STATUS_FROZEN_FRAUD, STATUS_FROZEN_STALLED) and when it was frozen (0 while
    ///         live). Reverts with UnknownChain for an unknown id.
    function chainStatus(bytes32 chainId) external view returns (uint8 status, uint64 frozenAt) {
        Chain storage c = _knownChain(chainId);
        return (c.state.status, c.frozenAt);
    }

    /// @notice Seconds without a commit after which {freezeStalled} freezes the chain.
    function stallLimit(bytes32 chainId) external view returns (uint64) {
        return _knownChain(chainId).stallLimit;
    }

    /// @notice Whether {escapeExit} has paid account slot `slot` of chain `chainId`.
    function isEscaped(bytes32 chainId, uint32 slot) external view returns (bool) {
        return _chains[chainId].escapedBitmap[slot >> 8] & (1 << (slot & 0xff)) != 0;
    }

    /// @notice The EIP-712 domain separator {commit} uses (name "PlasmaTree", version "1", this chain, this contract).
    function domainSeparator() external view returns (bytes32) {
        return _domainSeparatorV4();
    }

    /// @notice The EIP-712 digest validators sign for block `number` of chain `chainId`.
    function commitmentDigest(bytes32 chainId, uint64 number, bytes32 blockHash) external view returns (bytes32) {
        return _hashTypedDataV4(PlasmaEncoding.commitmentStructHash(chainId, number, blockHash));
    }

    function _knownChain(bytes32 chainId) private view returns (Chain storage c) {
        c = _chains[chainId];
        if (c.state.threshold == 0) revert UnknownChain(chainId);
    }

    /// @dev A known chain that is not frozen, and its packed state. Threshold and status come from the one packed slot,
    ///      with one SLOAD: the freeze check costs the deposits nothing but a shift and a compare.
    function _liveChain(bytes32 chainId) private view returns (Chain storage c, uint256 packed) {
        c = _chains[chainId];
        assembly ("memory-safe") {
            packed := sload(c.slot) // c.state, Chain's first member
        }
        if (uint8(packed >> 232) == 0) revert UnknownChain(chainId);
        uint8 status = uint8(packed >> 240);
        if (status != STATUS_LIVE) revert ChainIsFrozen(chainId, status);
    }
}
