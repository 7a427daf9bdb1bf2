// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Header, BlockTx, PublishedTx} from "./lib/PlasmaTypes.sol";
import {PlasmaEncoding} from "./lib/PlasmaEncoding.sol";
import {PlasmaMerkle} from "./lib/PlasmaMerkle.sol";
import {PlasmaDataChunks} from "./lib/PlasmaDataChunks.sol";
import {PlasmaRoot} from "./PlasmaRoot.sol";

/// @title PlasmaDataAvailability
/// @notice On-chain data-availability challenges for the root's children (docs/FRAUD.md §9). Anyone who cannot get the
///         data of a committed block challenges it with a bond in the first half of the block's challenge window; the
///         block's data must then be published here (as calldata, chunk by chunk) within a quarter of the window, or
///         anyone may have PlasmaRoot convict the block (FRAUD_UNAVAILABLE_DATA: rollback, slash, freeze). Published
///         data answers the challenge and its bond goes to whoever completed the publication.
/// @dev Created by PlasmaRoot's constructor (its immutable `dataAvailability`); reads the root through its views only and
///      is the one caller of {PlasmaRoot.convictUnavailable}. The transactions are NOT stored: readers decode them from the
///      input of the transactions that emitted {BlockDataPublished} (a direct call of {publishBlockData}).
contract PlasmaDataAvailability {
    // ---------------------------------------------------------------------------------------------------------------
    // Constants
    // ---------------------------------------------------------------------------------------------------------------

    /// @notice What {challengeData} takes. It pays the publication of any block of up to 64 transfers at 200 gwei (one
    ///         full chunk, the empty chunk that ends it and the empty exit tree: ~790,000 gas, 0.158 ether; calldata
    ///         dominates, at EIP-7623's floor price); docs/FRAUD.md §9 has the measured figures.
    uint256 public constant DATA_CHALLENGE_BOND = 0.2 ether;
    /// @notice A chunk is the aligned subtree of 2^CHUNK_LEVEL leaves of the block's transaction tree.
    uint256 public constant CHUNK_LEVEL = 6;
    /// @notice Transactions per chunk (2^CHUNK_LEVEL).
    uint256 public constant CHUNK_SIZE = 64;
    /// @notice Chunks of a full transaction tree (depth 16): 2^(16 - CHUNK_LEVEL).
    uint256 public constant CHUNK_COUNT = 1024;
    /// @dev Siblings from a chunk's root up to the transaction root.
    uint256 private constant PROOF_LENGTH = 10;
    /// @notice B(1): the most bytes one chunk's txs may take in a publishBlockData call (core ROOT_CHILD_CHUNK_BYTES).
    uint256 public constant CHUNK_BYTE_BUDGET = 122_880;
    /// @dev What a tx takes in the call besides its data (core PUBLISHED_TX_FIXED_BYTES).
    uint256 private constant PUBLISHED_TX_FIXED_BYTES = 512;
    /// @notice An exit chunk is the aligned subtree of 2^EXIT_CHUNK_LEVEL leaves of the block's exit tree (leaves are
    ///         32-byte hashes: 256 of them cost less calldata than one chunk of transactions).
    uint256 public constant EXIT_CHUNK_LEVEL = 8;
    /// @notice Exit leaves per exit chunk (2^EXIT_CHUNK_LEVEL).
    uint256 public constant EXIT_CHUNK_SIZE = 256;
    /// @notice Exit chunks of a full exit tree (depth 16).
    uint256 public constant EXIT_CHUNK_COUNT = 256;
    /// @dev Siblings from an exit chunk's root up to the exit root.
    uint256 private constant EXIT_PROOF_LENGTH = 8;
    /// @dev keccak256 of 256 zero bytes: the hash of the all-zero header a proof about block 1 gives as its `prev`.
    bytes32 private constant ZERO_HEADER_HASH = 0xd397b3b043d87fcd6fad1291ff0bfd16401c274896d8c63a923727f077b8e0b5;

    /// @notice Challenge status (challengeOf): none, open (waiting for the data), answered (the data came in time),
    ///         convicted ({resolveDataChallenge}), lapsed (the bond went back by {reclaimChallengeBond}).
    uint8 public constant CHALLENGE_NONE = 0;
    uint8 public constant CHALLENGE_OPEN = 1;
    uint8 public constant CHALLENGE_ANSWERED = 2;
    uint8 public constant CHALLENGE_CONVICTED = 3;
    uint8 public constant CHALLENGE_LAPSED = 4;

    /// @notice The PlasmaRoot that created this module.
    PlasmaRoot public immutable root;

    // ---------------------------------------------------------------------------------------------------------------
    // Storage
    // ---------------------------------------------------------------------------------------------------------------

    /// @dev One slot per committed block: its challenge and how far its data was published. A chain's block number names
    ///      one commitment for good: a block is only ever replaced by a rollback, and every rollback freezes the chain.
    struct BlockData {
        address challenger;
        uint40 deadline; // the publication must complete by then (inclusive)
        uint8 status; // CHALLENGE_*
        uint16 nextChunk; // chunks 0 .. nextChunk - 1 are published
        uint16 nextExitChunk; // exit chunks 0 .. nextExitChunk - 1 are published
        bool txsPublished; // the last transaction chunk is published
        bool published; // both trees are published: the whole block (transactions and exit leaves) is on L1
    }

    mapping(bytes32 chainId => mapping(uint64 number => BlockData)) private _blocks;

    // ---------------------------------------------------------------------------------------------------------------
    // Events and errors
    // ---------------------------------------------------------------------------------------------------------------

    /// @param deadline The publication must be complete by then (unix seconds, inclusive).
    event DataChallenged(bytes32 indexed chainId, uint64 indexed number, address indexed challenger, uint64 deadline);
    /// @param complete This chunk ended the block: its whole transaction list is published.
    event BlockDataPublished(bytes32 indexed chainId, uint64 indexed number, uint256 chunk, bool complete);
    /// @param complete This chunk ended the block's exit tree: all its leaves are published.
    event ExitDataPublished(bytes32 indexed chainId, uint64 indexed number, uint256 chunk, bool complete);
    /// @param status CHALLENGE_ANSWERED, CHALLENGE_CONVICTED or CHALLENGE_LAPSED.
    /// @param bondTo Who got the challenge bond: the publisher, the challenger (or, if it cannot take ETH, the resolver).
    event DataChallengeSettled(bytes32 indexed chainId, uint64 indexed number, uint8 status, address bondTo);

    // PlasmaRoot's (the module checks with the root's views and lets the root's own reverts through)
    error UnknownChain(bytes32 chainId);
    error UnknownCommitment(bytes32 chainId, uint64 number);
    error ChainIsFrozen(bytes32 chainId, uint8 status);
    error ChallengeWindowClosed(uint64 windowEnd, uint256 now);
    error WrongPrevHeader(uint64 number);
    error BadProofLength(uint256 length, uint256 expected);
    error EthTransferFailed(address recipient, uint256 amount);
    // challengeData
    error WrongBond(uint256 value, uint256 required);
    error TooLateToChallenge(uint64 challengeBefore, uint256 now);
    error AlreadyChallenged(bytes32 chainId, uint64 number, address challenger);
    error DataAlreadyPublished(bytes32 chainId, uint64 number);
    // publishBlockData
    error ChunkOutOfOrder(uint256 chunk, uint256 expected);
    error TooManyTxs(uint256 count, uint256 maximum);
    /// @notice The chunk's txs take `bytes_` of the call, over B(1) (docs/LEDGER-PROOFS.md "A size rule for block data"):
    ///         honest validators never make such a block, so a challenged one cannot be answered and convicts.
    error ChunkOverBudget(uint256 bytes_, uint256 budget);
    error InvalidChunkProof(bytes32 chainId, uint64 number, uint256 chunk);
    error LeavesAfterLastChunk(bytes32 chainId, uint64 number, uint256 chunk);
    error TooManyExitLeaves(uint256 count, uint256 maximum);
    error InvalidExitChunkProof(bytes32 chainId, uint64 number, uint256 chunk);
    error ExitLeavesAfterLastChunk(bytes32 chainId, uint64 number, uint256 chunk);
    error ExitDataAlreadyPublished(bytes32 chainId, uint64 number);
    error ResponseWindowClosed(uint64 deadline, uint256 now);
    // resolveDataChallenge, reclaimChallengeBond
    error NoOpenChallenge(bytes32 chainId, uint64 number);
    error ResponseWindowOpen(uint64 deadline, uint256 now);
    error ChallengeStillResolvable(bytes32 chainId, uint64 number, uint64 windowEnd);

    constructor() {
        root = PlasmaRoot(msg.sender);
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Challenge, publish, resolve
    // ---------------------------------------------------------------------------------------------------------------

    /// @notice Challenges the availability of committed block `h`'s data: its validators (or anyone) must publish it with
    ///         {publishBlockData} by `block.timestamp + challengeWindow / 4`. `msg.value` must be DATA_CHALLENGE_BOND.
    /// @dev Only in the first half of the block's window (`block.timestamp < windowEnd - challengeWindow / 2`), so that the
    ///      deadline leaves at least a quarter of the window to ordinary fraud proofs on the published data, and an
    ///      unanswered challenge is always resolved (rolled back) inside the window. One challenge per block; a block
    ///      whose data is published cannot be challenged.
    function challengeData(bytes32 chainId, Header calldata h, uint64 windowEnd) external payable {
        if (msg.value != DATA_CHALLENGE_BOND) revert WrongBond(msg.value, DATA_CHALLENGE_BOND);
        (uint8 status,) = root.chainStatus(chainId); // UnknownChain
        if (status != 0) revert ChainIsFrozen(chainId, status);
        uint64 window = _checkCommitted(chainId, h, windowEnd);
        uint64 challengeBefore = windowEnd - window / 2;
        if (block.timestamp >= challengeBefore) revert TooLateToChallenge(challengeBefore, block.timestamp);
        uint64 number = h.number;
        BlockData storage b = _blocks[chainId][number];
        if (b.published) revert DataAlreadyPublished(chainId, number);
        if (b.status != CHALLENGE_NONE) revert AlreadyChallenged(chainId, number, b.challenger);
        uint64 deadline = uint64(block.timestamp) + window / 4;
        b.challenger = msg.sender;
        b.deadline = uint40(deadline); // < windowEnd, a uint40 in the root
        b.status = CHALLENGE_OPEN;
        emit DataChallenged(chainId, number, msg.sender, deadline);
    }

    /// @notice Publishes chunk `chunk` of committed block `h`'s transactions: `txs` are the leaves `chunk * CHUNK_SIZE ..`
    ///         of its transaction tree (at most CHUNK_SIZE; missing leaves at the end are empty) and `proof` the
    ///         PROOF_LENGTH siblings of the chunk's subtree root up to `h.txRoot`. Anyone may publish, challenged or not;
    ///         chunks go in order 0, 1, 2, …, and a chunk that is not full is the last one (a block of exactly
    ///         k * CHUNK_SIZE transactions publishes an empty chunk k; chunk CHUNK_COUNT - 1 is always the last). The last
    ///         chunk proves the tree holds nothing after it. Completing the data answers an open challenge (in time: not
    ///         after its deadline), and its bond goes to the sender of the last chunk.
    function publishBlockData(
        bytes32 chainId,
        Header calldata h,
        uint64 windowEnd,
        uint256 chunk,
        PublishedTx[] calldata txs,
        bytes32[] calldata proof
    ) external {
        _checkCommitted(chainId, h, windowEnd);
        uint64 number = h.number;
        BlockData memory d = _blocks[chainId][number]; // one SLOAD
        if (d.txsPublished) revert DataAlreadyPublished(chainId, number);
        if (chunk != d.nextChunk) revert ChunkOutOfOrder(chunk, d.nextChunk);
        bool open = d.status == CHALLENGE_OPEN;
        if (open && block.timestamp > d.deadline) revert ResponseWindowClosed(d.deadline, block.timestamp);
        if (txs.length > CHUNK_SIZE) revert TooManyTxs(txs.length, CHUNK_SIZE);
        _checkChunkBudget(txs);
        if (proof.length != PROOF_LENGTH) revert BadProofLength(proof.length, PROOF_LENGTH);
        if (PlasmaMerkle.computeRoot(_chunkRoot(txs), chunk, proof) != h.txRoot) revert InvalidChunkProof(chainId, number, chunk);
        bool complete = txs.length < CHUNK_SIZE || chunk == CHUNK_COUNT - 1;
        if (complete && !PlasmaDataChunks.emptyAfter(chunk, proof, CHUNK_LEVEL)) revert LeavesAfterLastChunk(chainId, number, chunk);

        if (complete) d.txsPublished = true;
        else d.nextChunk = uint16(chunk + 1); // < CHUNK_COUNT
        emit BlockDataPublished(chainId, number, chunk, complete);
        _store(d, chainId, number, open);
    }

    /// @notice Publishes chunk `chunk` of committed block `h`'s exit tree: `leaves` are its leaves `chunk *
    ///         EXIT_CHUNK_SIZE ..` (at most EXIT_CHUNK_SIZE; missing ones at the end are empty) and `proof` the
    ///         EXIT_PROOF_LENGTH siblings of the chunk's subtree root up to `h.exitRoot`, under the rules of
    ///         {publishBlockData} (in order; a chunk that is not full is the last and proves nothing follows it). A block
    ///         is published, and a challenge answered, once both its transactions and its exit leaves are: an exit tree
    ///         nobody can read could hide an exit no transaction made until the window has passed (proveInvalidExits
    ///         needs its leaves).
    function publishExitData(
        bytes32 chainId,
        Header calldata h,
        uint64 windowEnd,
        uint256 chunk,
        bytes32[] calldata leaves,
        bytes32[] calldata proof
    ) external {
        _checkCommitted(chainId, h, windowEnd);
        uint64 number = h.number;
        BlockData memory d = _blocks[chainId][number];
        if (d.published || d.nextExitChunk == EXIT_CHUNK_COUNT) revert ExitDataAlreadyPublished(chainId, number);
        if (chunk != d.nextExitChunk) revert ChunkOutOfOrder(chunk, d.nextExitChunk);
        bool open = d.status == CHALLENGE_OPEN;
        if (open && block.timestamp > d.deadline) revert ResponseWindowClosed(d.deadline, block.timestamp);
        if (leaves.length > EXIT_CHUNK_SIZE) revert TooManyExitLeaves(leaves.length, EXIT_CHUNK_SIZE);
        if (proof.length != EXIT_PROOF_LENGTH) revert BadProofLength(proof.length, EXIT_PROOF_LENGTH);
        if (PlasmaMerkle.computeRoot(PlasmaDataChunks.rootOf(leaves, EXIT_CHUNK_LEVEL), chunk, proof) != h.exitRoot) {
            revert InvalidExitChunkProof(chainId, number, chunk);
        }
        bool complete = leaves.length < EXIT_CHUNK_SIZE || chunk == EXIT_CHUNK_COUNT - 1;
        if (complete && !PlasmaDataChunks.emptyAfter(chunk, proof, EXIT_CHUNK_LEVEL)) revert ExitLeavesAfterLastChunk(chainId, number, chunk);
        // nextExitChunk == EXIT_CHUNK_COUNT marks the exit tree complete (its last chunk is EXIT_CHUNK_COUNT - 1).
        d.nextExitChunk = complete ? uint16(EXIT_CHUNK_COUNT) : uint16(chunk + 1);
        emit ExitDataPublished(chainId, number, chunk, complete);
        _store(d, chainId, number, open);
    }

    /// @dev Writes the progress; once both trees are in, the block is published and an open challenge answered (its bond
    ///      to the sender of the completing chunk, who paid the gas).
    function _store(BlockData memory d, bytes32 chainId, uint64 number, bool open) private {
        bool complete = d.txsPublished && d.nextExitChunk == EXIT_CHUNK_COUNT;
        if (complete) {
            d.published = true;
            if (open) d.status = CHALLENGE_ANSWERED;
        }
        _blocks[chainId][number] = d; // one SSTORE: the struct is one slot
        if (complete && open) {
            emit DataChallengeSettled(chainId, number, CHALLENGE_ANSWERED, msg.sender);
            _pay(msg.sender, DATA_CHALLENGE_BOND);
        }
    }

    /// @notice Convicts block `h` whose challenge was not answered by its deadline: PlasmaRoot rolls the chain back to
    ///         `prev` (`prevWindowEnd`; block 1 takes the all-zero header and 0, as every proof), slashes its bond (half
    ///         to the challenger) and freezes it (FraudProven kind 8, FRAUD_UNAVAILABLE_DATA). Anyone may call it after
    ///         the deadline while the block's window is open, with the checks of every proof, in the root's order and
    ///         with its errors (UnknownCommitment, ChallengeWindowClosed, WrongPrevHeader). The challenger's bond goes
    ///         back to it.
    /// @dev A challenger that cannot take ETH must not be able to block the conviction (one challenge per block): if
    ///      paying it fails, the reward and the bond go to the caller instead.
    function resolveDataChallenge(bytes32 chainId, Header calldata h, uint64 windowEnd, Header calldata prev, uint64 prevWindowEnd)
        external
    {
        uint64 number = h.number;
        BlockData storage b = _blocks[chainId][number];
        if (b.status != CHALLENGE_OPEN) revert NoOpenChallenge(chainId, number);
        uint64 deadline = b.deadline;
        if (block.timestamp <= deadline) revert ResponseWindowOpen(deadline, block.timestamp);
        _checkCommitted(chainId, h, windowEnd);
        if (block.timestamp >= windowEnd) revert ChallengeWindowClosed(windowEnd, block.timestamp);
        bytes32 prevHash = PlasmaEncoding.blockHash(prev);
        if (
            number == 1
                ? prevHash != ZERO_HEADER_HASH || prevWindowEnd != 0
                : root.commitmentRecord(chainId, number - 1) != PlasmaEncoding.commitmentRecord(prevHash, prevWindowEnd)
        ) revert WrongPrevHeader(number);

        address beneficiary = b.challenger;
        b.status = CHALLENGE_CONVICTED; // before the calls: a payee re-entering finds nothing open
        uint64 prevDepositNonce = prev.depositNonce;
        try root.convictUnavailable(chainId, number, prevDepositNonce, prevWindowEnd, beneficiary) {}
        catch (bytes memory reason) {
            if (reason.length < 4 || bytes4(reason) != EthTransferFailed.selector) _bubble(reason);
            beneficiary = msg.sender;
            root.convictUnavailable(chainId, number, prevDepositNonce, prevWindowEnd, beneficiary);
        }
        if (!_trySend(beneficiary, DATA_CHALLENGE_BOND)) {
            beneficiary = msg.sender;
            _pay(beneficiary, DATA_CHALLENGE_BOND);
        }
        emit DataChallengeSettled(chainId, number, CHALLENGE_CONVICTED, beneficiary);
    }

    /// @notice Gives an open challenge's bond back to its challenger once it can no longer be resolved: the block's
    ///         window has ended (nobody resolved it in time), or the block is no longer at most the head (another proof
    ///         rolled the chain back below it).
    function reclaimChallengeBond(bytes32 chainId, Header calldata h, uint64 windowEnd) external {
        uint64 number = h.number;
        BlockData storage b = _blocks[chainId][number];
        if (b.status != CHALLENGE_OPEN) revert NoOpenChallenge(chainId, number);
        if (root.commitmentRecord(chainId, number) != PlasmaEncoding.commitmentRecord(PlasmaEncoding.blockHash(h), windowEnd)) {
            revert UnknownCommitment(chainId, number);
        }
        if (number <= root.chainInfo(chainId).headNumber && block.timestamp < windowEnd) {
            revert ChallengeStillResolvable(chainId, number, windowEnd);
        }
        b.status = CHALLENGE_LAPSED;
        address challenger = b.challenger;
        emit DataChallengeSettled(chainId, number, CHALLENGE_LAPSED, challenger);
        _pay(challenger, DATA_CHALLENGE_BOND);
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Views
    // ---------------------------------------------------------------------------------------------------------------

    /// @notice The challenge of block `number` of chain `chainId`: its challenger, deadline and status (CHALLENGE_*).
    function challengeOf(bytes32 chainId, uint64 number) external view returns (address challenger, uint64 deadline, uint8 status) {
        BlockData storage b = _blocks[chainId][number];
        return (b.challenger, b.deadline, b.status);
    }

    /// @notice Whether the whole transaction list of block `number` of chain `chainId` was published here.
    function isPublished(bytes32 chainId, uint64 number) external view returns (bool) {
        return _blocks[chainId][number].published;
    }

    /// @notice The next chunk {publishBlockData} takes for block `number` (chunks before it are published), and whether
    ///         the publication is complete.
    function publication(bytes32 chainId, uint64 number) external view returns (uint256 nextChunk, bool complete) {
        BlockData storage b = _blocks[chainId][number];
        return (b.nextChunk, b.txsPublished);
    }

    /// @notice The next exit chunk {publishExitData} takes for block `number`, and whether its exit tree is complete.
    function exitPublication(bytes32 chainId, uint64 number) external view returns (uint256 nextChunk, bool complete) {
        BlockData storage b = _blocks[chainId][number];
        return (b.nextExitChunk, b.nextExitChunk == EXIT_CHUNK_COUNT);
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Internals
    // ---------------------------------------------------------------------------------------------------------------

    /// @dev `h` is committed block `h.number` of the chain with `windowEnd`, `0 < number <= head`; returns the chain's
    ///      challenge window.
    function _checkCommitted(bytes32 chainId, Header calldata h, uint64 windowEnd) private view returns (uint64) {
        PlasmaRoot.ChainInfo memory info = root.chainInfo(chainId); // UnknownChain
        uint64 number = h.number;
        if (
            number == 0 || number > info.headNumber
                || root.commitmentRecord(chainId, number) != PlasmaEncoding.commitmentRecord(PlasmaEncoding.blockHash(h), windowEnd)
        ) revert UnknownCommitment(chainId, number);
        return info.challengeWindow;
    }

    /// @dev The transaction-tree leaf of `t` (docs/SPEC.md "Transactions inside a block"): the one place the leaf is made.
    function _leaf(PublishedTx calldata t) private pure returns (bytes32) {
        return PlasmaEncoding.txLeafHash(t.tx, t.data, t.postStateRoot, t.exitIndex);
    }

    /// @dev B(1), what one chunk of a child of the root may take (core ROOT_CHILD_CHUNK_BYTES), by core's publicationSize:
    ///      each tx PUBLISHED_TX_FIXED_BYTES (its words in this call) plus its data padded to whole words.
    function _checkChunkBudget(PublishedTx[] calldata txs) private pure {
        uint256 size;
        for (uint256 i; i < txs.length; ++i) size += PUBLISHED_TX_FIXED_BYTES + ((txs[i].data.length + 31) & ~uint256(31));
        if (size > CHUNK_BYTE_BUDGET) revert ChunkOverBudget(size, CHUNK_BYTE_BUDGET);
    }

    /// @dev Root of the chunk's subtree (height CHUNK_LEVEL): `txs`' leaves, then empty leaves.
    function _chunkRoot(PublishedTx[] calldata txs) private pure returns (bytes32) {
        uint256 n = txs.length;
        bytes32[] memory nodes = new bytes32[](n);
        for (uint256 i; i < n; ++i) {
            nodes[i] = _leaf(txs[i]);
        }
        return PlasmaDataChunks.rootOf(nodes, CHUNK_LEVEL);
    }

    function _trySend(address to, uint256 amount) private returns (bool ok) {
        assembly ("memory-safe") {
            ok := call(gas(), to, amount, 0, 0, 0, 0) // no return data copied
        }
    }

    function _pay(address to, uint256 amount) private {
        if (!_trySend(to, amount)) revert EthTransferFailed(to, amount);
    }

    function _bubble(bytes memory reason) private pure {
        assembly ("memory-safe") {
            revert(add(reason, 0x20), mload(reason))
        }
    }
}
