// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Header, BlockTx, TxWitness, AccountWitness, LedgerTxWitness, ChildRecord, PublishedTx} from "../lib/PlasmaTypes.sol";
import {PlasmaMerkle} from "../lib/PlasmaMerkle.sol";
import {PlasmaDataChunks} from "../lib/PlasmaDataChunks.sol";
import {PlasmaLedgerTree} from "../lib/PlasmaLedgerTree.sol";
import {PlasmaLedgerModule} from "./PlasmaLedgerModule.sol";

/// @title PlasmaLedgerObjections
/// @notice Transition proofs of the kinds that object to a child's block inside a chain (docs/LEDGER-PROOFS.md §4,
///         docs/FRAUD.md §9b): 14 CHALLENGE_CHILD_DATA and 15 CHILD_DATA_CALL (its publishBlockData, publishExitData,
///         reclaimChallengeBond and resolveDataChallenge calls). Checks and refusals are core's
///         (`applyChallengeChildData` → challengeData, `applyChildDataCall` → publishData / reclaimChallengeBond /
///         resolveDataChallenge), in their order. A resolve burns half the child's bond at the tx's `slot` (§4.2).
contract PlasmaLedgerObjections is PlasmaLedgerModule {

    /// @dev core CHILD_DATA_CHALLENGE_BOND (= MIN_BOND).
    uint256 private constant CHILD_DATA_CHALLENGE_BOND = 0.01 ether;
    /// @dev core's chunks (PlasmaDataAvailability's): a tx chunk is a subtree of height 6 (64 txs) of the depth-16 tx
    ///      tree, an exit chunk one of height 8 (256 leaves) of the depth-16 exit tree.
    uint256 private constant DATA_CHUNK_LEVEL = 6;
    uint256 private constant DATA_CHUNK_SIZE = 64;
    uint256 private constant DATA_CHUNK_COUNT = 1024;
    uint256 private constant DATA_CHUNK_PROOF_LENGTH = 10;
    uint256 private constant EXIT_DATA_CHUNK_LEVEL = 8;
    uint256 private constant EXIT_DATA_CHUNK_SIZE = 256;
    uint16 private constant EXIT_DATA_CHUNK_COUNT = 256;
    uint256 private constant EXIT_DATA_CHUNK_PROOF_LENGTH = 8;
    uint256 private constant TREE_DEPTH = 16;
    uint256 private constant MAX_SAFE_INTEGER = 2 ** 53 - 1;
    uint256 private constant FROZEN_AT_BITS = 40;

    // core DataChallengeStatus and ChainStatus.
    uint8 private constant CHALLENGE_OPEN = 1;
    uint8 private constant CHALLENGE_ANSWERED = 2;
    uint8 private constant CHALLENGE_CONVICTED = 3;
    uint8 private constant CHALLENGE_LAPSED = 4;
    uint8 private constant STATUS_FROZEN_FRAUD = 1;

    /// @dev keccak256(abi.encode(Header(0, …, 0))): the previous header of block 1 (PlasmaRoot.ZERO_HEADER_HASH).
    bytes32 private constant ZERO_HEADER_HASH = 0xd397b3b043d87fcd6fad1291ff0bfd16401c274896d8c63a923727f077b8e0b5;

    bytes32 private constant CHALLENGE_CHILD_DATA_TYPEHASH = keccak256(
        "ChallengeChildData(bytes32 chainId,uint32 slot,bytes32 child,uint64 number,bytes32 blockHash,uint64 windowEnd,uint256 bond,uint64 nonce)"
    );

    // PlasmaDataAvailability's calls (core DATA_AVAILABILITY_SIGNATURES).
    bytes4 private constant RESOLVE_SELECTOR = bytes4(keccak256(
        "resolveDataChallenge(bytes32,(bytes32,uint64,bytes32,bytes32,bytes32,bytes32,uint64,uint64),uint64,(bytes32,uint64,bytes32,bytes32,bytes32,bytes32,uint64,uint64),uint64)"
    ));
    bytes4 private constant RECLAIM_SELECTOR =
        bytes4(keccak256("reclaimChallengeBond(bytes32,(bytes32,uint64,bytes32,bytes32,bytes32,bytes32,uint64,uint64),uint64)"));
    bytes4 private constant PUBLISH_BLOCK_SELECTOR = bytes4(keccak256(
        "publishBlockData(bytes32,(bytes32,uint64,bytes32,bytes32,bytes32,bytes32,uint64,uint64),uint64,uint256,((uint8,uint32,uint32,address,address,address,uint256,uint64,bytes32,bytes32,uint8),bytes,bytes32,uint64)[],bytes32[])"
    ));
    bytes4 private constant PUBLISH_EXIT_SELECTOR =
        bytes4(keccak256("publishExitData(bytes32,(bytes32,uint64,bytes32,bytes32,bytes32,bytes32,uint64,uint64),uint64,uint256,bytes32[],bytes32[])"));

    /// @dev The argument words of the static calls, and which of them are uint64 (bit i = word i): a header's number,
    ///      depositNonce, timestamp, then windowEnd (and prev's, prevWindowEnd).
    uint256 private constant RECLAIM_WORDS = 10;
    uint256 private constant RECLAIM_UINT64_WORDS = (1 << 2) | (1 << 7) | (1 << 8) | (1 << 9);
    uint256 private constant RESOLVE_WORDS = 19;
    uint256 private constant RESOLVE_UINT64_WORDS = RECLAIM_UINT64_WORDS | (1 << 11) | (1 << 16) | (1 << 17) | (1 << 18);


    /// @dev A DataChallenge value (core ledgerEntries.ts; uint16 and bool encode as core's uint32 and uint8 words).
    struct DataChallenge {
        address challenger;
        uint64 deadline;
        uint8 status;
        uint256 bond;
        uint16 nextChunk;
        bool txsPublished;
        uint16 nextExitChunk;
    }

    function _transition(Ctx memory c, TxWitness calldata t, AccountWitness[] calldata accounts, LedgerTxWitness calldata w)
        internal
        view
        override
        returns (bytes32, bytes32)
    {
        uint8 kind = t.tx.kind;
        if (kind == 14) return _challengeChildData(c, t, accounts, w);
        if (kind == 15) return _childDataCall(c, t, accounts, w);
        revert KindNotInModule(kind);
    }

    // ---- 14 CHALLENGE_CHILD_DATA --------------------------------------------------------------------------------

    /// @dev Touch list: Child(C) R, ChildStatus(C) R, Commitment(C, number) R, DataChallenge(C, number) W.
    ///      Accounts: [slot] debited by the bond.
    function _challengeChildData(Ctx memory c, TxWitness calldata t, AccountWitness[] calldata accounts, LedgerTxWitness calldata w)
        private
        pure
        returns (bytes32, bytes32)
    {
        (bytes32 child, Header memory header, uint64 windowEnd) = abi.decode(t.data, (bytes32, Header, uint64));
        BlockTx calldata x = t.tx;
        AccountWitness calldata sender = _account(accounts, 0, x.slot, c.accountsRoot);
        string memory no = _senderRefusal(sender, x.from, x.token, x.amount, x.nonce);
        if (bytes(no).length != 0) return _refuse(c, w, no);
        bytes32 blockHash = keccak256(abi.encode(header));
        bytes32 structHash = keccak256(
            abi.encode(CHALLENGE_CHILD_DATA_TYPEHASH, c.chainId, x.slot, child, header.number, blockHash, windowEnd, x.amount, x.nonce)
        );
        if (!_signedBy(c, structHash, x.from, x.r, x.s, x.v)) return _refuse(c, w, "BAD_SIGNATURE");

        // ParentLedger.challengeData.
        if (x.amount != CHILD_DATA_CHALLENGE_BOND) return _refuse(c, w, "WRONG_BOND");
        (bool known, ChildRecord memory record) = _child(_read(c, w, 0, _childKey(child)));
        if (!known) return _refuse(c, w, "UNKNOWN_CHAIN");
        if (_status(_read(c, w, 1, _statusKey(child))) != 0) return _refuse(c, w, "CHAIN_IS_FROZEN");
        if (!_committed(c, w, 2, child, record, header.number, blockHash, windowEnd)) return _refuse(c, w, "UNKNOWN_COMMITMENT");
        // Only in the first half of the block's window (core's signed arithmetic: a windowEnd below W/2 is always late).
        uint256 half = record.challengeWindow / 2;
        if (windowEnd < half || c.now_ >= windowEnd - half) return _refuse(c, w, "TOO_LATE_TO_CHALLENGE");
        DataChallenge memory d = _dataChallenge(_read(c, w, 3, _dataChallengeKey(child, header.number)));
        if (d.txsPublished && d.nextExitChunk == EXIT_DATA_CHUNK_COUNT) return _refuse(c, w, "DATA_ALREADY_PUBLISHED");
        if (d.status != 0) return _refuse(c, w, "ALREADY_CHALLENGED");

        d.challenger = x.from;
        // Fits in uint64 (core's word): now < windowEnd − W/2, so now + W/4 < windowEnd.
        d.deadline = uint64(uint256(c.now_) + record.challengeWindow / 4);
        d.status = CHALLENGE_OPEN;
        d.bond = x.amount;
        _write(c, 3, keccak256(abi.encode(d)));
        return _valid(c, w, _debit(sender, x.amount));
    }

    // ---- 15 CHILD_DATA_CALL -------------------------------------------------------------------------------------

    /// @dev core applyChildDataCall: the call decodes strictly and names the tx's child (else MALFORMED_TX), `toSlot`
    ///      can take (to, native), then the call.
    function _childDataCall(Ctx memory c, TxWitness calldata t, AccountWitness[] calldata accounts, LedgerTxWitness calldata w)
        private
        view
        returns (bytes32, bytes32)
    {
        // t.data is canonical (the verifier checked the form): child, offset 0x40, length, the call.
        bytes32 child = bytes32(t.data[0:32]);
        bytes calldata call = t.data[96:96 + uint256(bytes32(t.data[64:96]))];
        bytes4 selector = call.length < 4 ? bytes4(0) : bytes4(call[:4]);
        bool publish = selector == PUBLISH_BLOCK_SELECTOR || selector == PUBLISH_EXIT_SELECTOR;
        bool resolve = selector == RESOLVE_SELECTOR;
        if (!publish && !resolve && selector != RECLAIM_SELECTOR) return _refuse(c, w, "MALFORMED_TX");
        bool canonical = publish
            ? _selfCheck(abi.encodeCall(this.canonicalPublishCall, (call)))
            : _canonicalStatic(call, resolve ? RESOLVE_WORDS : RECLAIM_WORDS, resolve ? RESOLVE_UINT64_WORDS : RECLAIM_UINT64_WORDS);
        if (!canonical || bytes32(call[4:36]) != child) return _refuse(c, w, "MALFORMED_TX");
        BlockTx calldata x = t.tx;
        AccountWitness calldata payee = _account(accounts, 0, x.toSlot, c.accountsRoot);
        (string memory no,) = _credit(payee, x.to, x.token, 0);
        if (bytes(no).length != 0) return _refuse(c, w, no);
        if (publish) return _publishData(c, x, call, accounts, w);
        return resolve ? _resolveDataChallenge(c, x, call, accounts, w) : _reclaimChallengeBond(c, x, call, accounts, w);
    }

    /// @dev ParentLedger.publishData: one chunk of a committed block's txs or exit tree, in order; the chunk that
    ///      completes both trees answers an open challenge, whose bond goes to `to`. Touch list: Child(C) R,
    ///      Commitment(C, number) R, DataChallenge(C, number) W. Accounts: [toSlot] credited with the bond.
    function _publishData(Ctx memory c, BlockTx calldata x, bytes calldata call, AccountWitness[] calldata accounts, LedgerTxWitness calldata w)
        private
        pure
        returns (bytes32, bytes32)
    {
        bool blockData = bytes4(call[:4]) == PUBLISH_BLOCK_SELECTOR;
        // Both calls start (chainId, Header h, uint64 windowEnd, uint256 chunk): 11 static words.
        (bytes32 child, Header memory h, uint64 windowEnd, uint256 chunk) = abi.decode(call[4:4 + 11 * 32], (bytes32, Header, uint64, uint256));
        (bool known, ChildRecord memory record) = _child(_read(c, w, 0, _childKey(child)));
        if (!known) return _refuse(c, w, "UNKNOWN_CHAIN");
        if (!_committed(c, w, 1, child, record, h.number, keccak256(abi.encode(h)), windowEnd)) return _refuse(c, w, "UNKNOWN_COMMITMENT");
        DataChallenge memory d = _dataChallenge(_read(c, w, 2, _dataChallengeKey(child, h.number)));
        bool open = d.status == CHALLENGE_OPEN;
        string memory no = blockData ? _publishTxs(c, call, d, h, chunk, open) : _publishExits(c, call, d, h, chunk, open);
        if (bytes(no).length != 0) return _refuse(c, w, no);
        uint256 paid;
        if (open && d.txsPublished && d.nextExitChunk == EXIT_DATA_CHUNK_COUNT) {
            paid = d.bond;
            d.status = CHALLENGE_ANSWERED;
            d.bond = 0;
        }
        _write(c, 2, keccak256(abi.encode(d)));
        return _pay(c, x, accounts, w, paid, 0);
    }

    /// @dev publishBlockData's checks ("" when it holds), and the progress it makes in `d`.
    function _publishTxs(Ctx memory c, bytes calldata call, DataChallenge memory d, Header memory h, uint256 chunk, bool open)
        private
        pure
        returns (string memory)
    {
        (,,,, PublishedTx[] memory txs, bytes32[] memory proof) = abi.decode(call[4:], (bytes32, Header, uint64, uint256, PublishedTx[], bytes32[]));
        if (d.txsPublished) return "DATA_ALREADY_PUBLISHED";
        if (chunk != d.nextChunk) return "CHUNK_OUT_OF_ORDER";
        if (open && c.now_ > d.deadline) return "RESPONSE_WINDOW_CLOSED";
        if (txs.length > DATA_CHUNK_SIZE) return "TOO_MANY_TXS";
        if (proof.length != DATA_CHUNK_PROOF_LENGTH) return "BAD_PROOF_LENGTH";
        bytes32[] memory leaves = new bytes32[](txs.length);
        for (uint256 i; i < txs.length; ++i) {
            // PlasmaEncoding.txLeafHash, on memory.
            leaves[i] = keccak256(abi.encode(txs[i].tx, keccak256(txs[i].data), txs[i].postStateRoot, txs[i].exitIndex));
        }
        if (_chunkProofRoot(PlasmaDataChunks.rootOf(leaves, DATA_CHUNK_LEVEL), chunk, proof) != h.txRoot) return "INVALID_CHUNK_PROOF";
        bool complete = txs.length < DATA_CHUNK_SIZE || chunk == DATA_CHUNK_COUNT - 1;
        if (complete && !PlasmaDataChunks.emptyAfter(chunk, proof, DATA_CHUNK_LEVEL)) return "LEAVES_AFTER_LAST_CHUNK";
        if (complete) d.txsPublished = true;
        else d.nextChunk = uint16(chunk + 1);
        return "";
    }

    /// @dev publishExitData's checks ("" when it holds), and the progress it makes in `d`.
    function _publishExits(Ctx memory c, bytes calldata call, DataChallenge memory d, Header memory h, uint256 chunk, bool open)
        private
        pure
        returns (string memory)
    {
        (,,,, bytes32[] memory leaves, bytes32[] memory proof) = abi.decode(call[4:], (bytes32, Header, uint64, uint256, bytes32[], bytes32[]));
        // core: published (both trees) or the exit tree complete, which the first implies.
        if (d.nextExitChunk == EXIT_DATA_CHUNK_COUNT) return "EXIT_DATA_ALREADY_PUBLISHED";
        if (chunk != d.nextExitChunk) return "CHUNK_OUT_OF_ORDER";
        if (open && c.now_ > d.deadline) return "RESPONSE_WINDOW_CLOSED";
        if (leaves.length > EXIT_DATA_CHUNK_SIZE) return "TOO_MANY_EXIT_LEAVES";
        if (proof.length != EXIT_DATA_CHUNK_PROOF_LENGTH) return "BAD_PROOF_LENGTH";
        if (_chunkProofRoot(PlasmaDataChunks.rootOf(leaves, EXIT_DATA_CHUNK_LEVEL), chunk, proof) != h.exitRoot) return "INVALID_EXIT_CHUNK_PROOF";
        bool complete = leaves.length < EXIT_DATA_CHUNK_SIZE || chunk == EXIT_DATA_CHUNK_COUNT - 1;
        if (complete && !PlasmaDataChunks.emptyAfter(chunk, proof, EXIT_DATA_CHUNK_LEVEL)) return "EXIT_LEAVES_AFTER_LAST_CHUNK";
        d.nextExitChunk = complete ? EXIT_DATA_CHUNK_COUNT : uint16(chunk + 1);
        return "";
    }

    /// @notice Whether `call` is a publishBlockData or publishExitData call as core decodes it (decodeDataAvailabilityCall):
    ///         in range (chunk below its count, at most a chunk of txs or leaves, at most 16 siblings, exit indexes below
    ///         2^53) and its one canonical encoding. Reverts when it does not decode ({_selfCheck} makes that false).
    function canonicalPublishCall(bytes calldata call) external pure returns (bool) {
        bytes memory again;
        if (bytes4(call[:4]) == PUBLISH_BLOCK_SELECTOR) {
            (bytes32 id, Header memory h, uint64 windowEnd, uint256 chunk, PublishedTx[] memory txs, bytes32[] memory proof) =
                abi.decode(call[4:], (bytes32, Header, uint64, uint256, PublishedTx[], bytes32[]));
            if (chunk >= DATA_CHUNK_COUNT || txs.length > DATA_CHUNK_SIZE || proof.length > TREE_DEPTH) return false;
            for (uint256 i; i < txs.length; ++i) {
                if (txs[i].exitIndex > MAX_SAFE_INTEGER) return false;
            }
            again = abi.encodeWithSelector(PUBLISH_BLOCK_SELECTOR, id, h, windowEnd, chunk, txs, proof);
        } else {
            (bytes32 id, Header memory h, uint64 windowEnd, uint256 chunk, bytes32[] memory leaves, bytes32[] memory proof) =
                abi.decode(call[4:], (bytes32, Header, uint64, uint256, bytes32[], bytes32[]));
            if (chunk >= EXIT_DATA_CHUNK_COUNT || leaves.length > EXIT_DATA_CHUNK_SIZE || proof.length > TREE_DEPTH) return false;
            again = abi.encodeWithSelector(PUBLISH_EXIT_SELECTOR, id, h, windowEnd, chunk, leaves, proof);
        }
        return keccak256(again) == keccak256(call);
    }

    /// @dev ParentLedger.reclaimChallengeBond, then the bond to the challenger. Touch list: DataChallenge(C, number) W,
    ///      Commitment(C, number) R, Child(C) R. Accounts: [toSlot] credited.
    function _reclaimChallengeBond(Ctx memory c, BlockTx calldata x, bytes calldata call, AccountWitness[] calldata accounts, LedgerTxWitness calldata w)
        private
        pure
        returns (bytes32, bytes32)
    {
        (bytes32 child, Header memory header, uint64 windowEnd) = abi.decode(call[4:], (bytes32, Header, uint64));
        DataChallenge memory d = _dataChallenge(_read(c, w, 0, _dataChallengeKey(child, header.number)));
        if (d.status != CHALLENGE_OPEN) return _refuse(c, w, "NO_OPEN_CHALLENGE");
        bytes32 committed = bytes32(_word(_read(c, w, 1, _commitmentKey(child, header.number))));
        if (committed != _commitmentRecord(keccak256(abi.encode(header)), windowEnd)) return _refuse(c, w, "UNKNOWN_COMMITMENT");
        (bool known, ChildRecord memory record) = _child(_read(c, w, 2, _childKey(child)));
        if (!known) return _refuse(c, w, "UNKNOWN_CHAIN");
        if (header.number <= record.headNumber && c.now_ < windowEnd) return _refuse(c, w, "CHALLENGE_STILL_RESOLVABLE");
        if (d.challenger != x.to) return _refuse(c, w, "NOT_THE_CHALLENGER");

        uint256 bond = d.bond;
        d.status = CHALLENGE_LAPSED;
        d.bond = 0;
        _write(c, 0, keccak256(abi.encode(d)));
        return _pay(c, x, accounts, w, bond, 0);
    }

    /// @dev ParentLedger.resolveDataChallenge (the block convicted: rolled back, slashed, frozen), then the reward and
    ///      the bond to the challenger. Touch list: DataChallenge(C, number) W, Child(C) W, Commitment(C, number) R,
    ///      Commitment(C, number − 1) R (Commitment(C, 0), always empty, for block 1), ChildStatus(C) W.
    ///      Accounts: [toSlot] credited, [slot] the burned half.
    function _resolveDataChallenge(Ctx memory c, BlockTx calldata x, bytes calldata call, AccountWitness[] calldata accounts, LedgerTxWitness calldata w)
        private
        pure
        returns (bytes32, bytes32)
    {
        (bytes32 child, Header memory header, uint64 windowEnd, Header memory prev, uint64 prevWindowEnd) =
            abi.decode(call[4:], (bytes32, Header, uint64, Header, uint64));
        uint64 number = header.number;
        DataChallenge memory d = _dataChallenge(_read(c, w, 0, _dataChallengeKey(child, number)));
        if (d.status != CHALLENGE_OPEN) return _refuse(c, w, "NO_OPEN_CHALLENGE");
        if (c.now_ <= d.deadline) return _refuse(c, w, "RESPONSE_WINDOW_OPEN");
        (bool known, ChildRecord memory record) = _child(_read(c, w, 1, _childKey(child)));
        if (!known) return _refuse(c, w, "UNKNOWN_CHAIN");
        if (!_committed(c, w, 2, child, record, number, keccak256(abi.encode(header)), windowEnd)) return _refuse(c, w, "UNKNOWN_COMMITMENT");
        if (c.now_ >= windowEnd) return _refuse(c, w, "CHALLENGE_WINDOW_CLOSED");
        bytes32 prevCommitted = bytes32(_word(_read(c, w, 3, _commitmentKey(child, number - 1))));
        bool prevOk = number == 1
            ? keccak256(abi.encode(prev)) == ZERO_HEADER_HASH && prevWindowEnd == 0
            : prevCommitted == _commitmentRecord(keccak256(abi.encode(prev)), prevWindowEnd);
        if (!prevOk) return _refuse(c, w, "WRONG_PREV_HEADER");

        // convict + slashAndFreeze: ChildStatus becomes frozen by fraud unless it already is (frozenAt kept if frozen).
        bytes calldata statusValue = _read(c, w, 4, _statusKey(child));
        if (_status(statusValue) != STATUS_FROZEN_FRAUD) {
            uint64 frozenAt = _status(statusValue) == 0 ? c.now_ : _frozenAt(statusValue);
            if (uint256(frozenAt) >> FROZEN_AT_BITS != 0) return _refuse(c, w, "SAFE_CAST_OVERFLOWED_UINT_DOWNCAST");
            _write(c, 4, keccak256(abi.encode(STATUS_FROZEN_FRAUD, frozenAt)));
        }
        if (d.challenger != x.to) return _refuse(c, w, "NOT_THE_CHALLENGER");

        uint256 reward = record.bond / 2;
        uint256 burned = record.bond - reward;
        uint256 bond = d.bond;
        d.status = CHALLENGE_CONVICTED;
        d.bond = 0;
        _write(c, 0, keccak256(abi.encode(d)));
        record.headNumber = number - 1;
        record.headWindowEnd = prevWindowEnd;
        record.headDepositNonce = prev.depositNonce;
        record.bond = 0;
        _write(c, 1, _childLeaf(record));
        return _pay(c, x, accounts, w, reward + bond, burned);
    }

    /// @dev Credits `amount` (when not 0) of the tx's token to `to` at `toSlot` and burns `burned` at `slot` (core's
    ///      order: a refusal of either credit is still a provable refusal), then the post root.
    function _pay(Ctx memory c, BlockTx calldata x, AccountWitness[] calldata accounts, LedgerTxWitness calldata w, uint256 amount, uint256 burned)
        private
        pure
        returns (bytes32, bytes32)
    {
        string memory no;
        bytes32 accountsPost = c.accountsRoot;
        if (amount != 0) {
            (no, accountsPost) = _credit(accounts[0], x.to, x.token, amount);
            if (bytes(no).length != 0) return _refuse(c, w, no);
        }
        (no, accountsPost) = _burn(accounts, x, accountsPost, burned);
        if (bytes(no).length != 0) return _refuse(c, w, no);
        return _valid(c, w, accountsPost);
    }

    // ---- helpers ------------------------------------------------------------------------------------------------

    /// @dev ParentLedger.checkCommitted: `0 < number <= head` and Commitment(C, number) (read at touch position `i`
    ///      only then, as core) binds `blockHash` to `windowEnd`.
    function _committed(
        Ctx memory c,
        LedgerTxWitness calldata w,
        uint256 i,
        bytes32 child,
        ChildRecord memory record,
        uint64 number,
        bytes32 blockHash,
        uint64 windowEnd
    ) private pure returns (bool) {
        if (number == 0 || number > record.headNumber) return false;
        return bytes32(_word(_read(c, w, i, _commitmentKey(child, number)))) == _commitmentRecord(blockHash, windowEnd);
    }

    /// @dev The root of a chunk's subtree root `node` at `chunk` with its siblings `proof` (PlasmaMerkle.computeRoot on
    ///      memory).
    function _chunkProofRoot(bytes32 node, uint256 chunk, bytes32[] memory proof) private pure returns (bytes32) {
        for (uint256 level; level < proof.length; ++level) {
            node = (chunk >> level) & 1 == 1 ? PlasmaMerkle.hashPair(proof[level], node) : PlasmaMerkle.hashPair(node, proof[level]);
        }
        return node;
    }

    function _dataChallengeKey(bytes32 child, uint256 number) private pure returns (bytes32) {
        return PlasmaLedgerTree.key(LEDGER_DATA_CHALLENGE, child, 0, number);
    }

    /// @dev A DataChallenge value (all zero when absent).
    function _dataChallenge(bytes calldata value) private pure returns (DataChallenge memory d) {
        if (value.length != 0) d = abi.decode(value, (DataChallenge));
    }

    function _frozenAt(bytes calldata statusValue) private pure returns (uint64 frozenAt) {
        (, frozenAt) = abi.decode(statusValue, (uint8, uint64));
    }

    /// @dev core decodeDataAvailabilityCall on a call of static arguments: exactly `words` words after the selector,
    ///      each word flagged in `uint64Words` below 2^64 (core decodes, encodes again and compares).
    function _canonicalStatic(bytes calldata call, uint256 words, uint256 uint64Words) private pure returns (bool) {
        if (call.length != 4 + words * 32) return false;
        for (uint256 i; i < words; ++i) {
            if ((uint64Words >> i) & 1 == 1 && uint256(bytes32(call[4 + i * 32:36 + i * 32])) >> 64 != 0) return false;
        }
        return true;
    }
}
