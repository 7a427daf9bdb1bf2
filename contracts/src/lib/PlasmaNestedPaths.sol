// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Header, Exit, AccountWitness, LedgerProof, FrozenHead, FinalChild, Cap, NestedLevel} from "./PlasmaTypes.sol";
import {PlasmaEncoding} from "./PlasmaEncoding.sol";
import {PlasmaMerkle} from "./PlasmaMerkle.sol";
import {PlasmaLedgerTree} from "./PlasmaLedgerTree.sol";

/// @title PlasmaNestedPaths
/// @notice The checks of a nested escape that read nothing of its host (docs/FRAUD.md §4b, §4c): the split of the frozen
///         head, the path of last final blocks, each method's own proofs and the caps' proofs. PlasmaNestedEscape (the
///         root host: A frozen at the root, storage for what was paid) and PlasmaLedgerNested (a chain host's ledger,
///         judged at the root: NESTED_ESCAPE_CALL) share them; core's nestedEscapeCall.ts is their TypeScript twin.
library PlasmaNestedPaths {
    // Ledger kinds (core ledgerEntries.ts): the second argument of InvalidLedgerProof.
    uint8 internal constant KIND_CHILD = 0;
    uint8 internal constant KIND_SUBTREE_BALANCE = 1;
    uint8 internal constant KIND_DEPOSIT = 2;
    uint8 internal constant KIND_COMMITMENT = 3;
    uint8 internal constant KIND_SPENT_EXIT = 4;
    uint8 internal constant KIND_ESCAPED_SLOT = 9;
    uint256 internal constant EXIT_TREE_DEPTH = 16;
    uint256 internal constant STATE_TREE_DEPTH = 32;

    // PlasmaNestedEscape declares the same errors (its ABI names them to callers).
    error UnknownCommitment(bytes32 chainId, uint64 number);
    error ZeroAmount();
    error InvalidAccountProof(bytes32 chainId, uint32 slot);
    error ExitIndexOutOfRange(uint256 index);
    error BadProofLength(uint256 length, uint256 expected);
    error InvalidExitProof(bytes32 chainId, uint64 number, uint256 index);
    error DepositApplied(bytes32 chainId, uint64 nonce, uint64 headDepositNonce);
    error UnknownDeposit(bytes32 chainId, uint64 nonce);
    error InvalidLedgerRoot(bytes32 chainId);
    error InvalidLedgerProof(bytes32 child, uint8 kind);
    error NotLastFinal(bytes32 child, uint64 number);
    error NotFinal(bytes32 child, uint64 number, uint64 windowEnd, uint64 time);
    error NothingFinal(bytes32 child);

    /// @dev The path a call walked: the holder's chain, its last final block n and n's depositNonce, the clock and the
    ///      ledger root of its parent, and per level (A's child first) the child and the ledger root it is proved in.
    struct Path {
        bytes32 child;
        uint64 n;
        uint64 depositNonce;
        uint64 time;
        bytes32 ledgerRoot;
        bytes32[] children;
        bytes32[] ledgerRoots;
    }

    /// @dev A's head splits into (accountsRoot, ledgerRoot); then each level of `via` is a child of the previous one (of
    ///      A first) with a last final block n > 0 whose state root splits into (accountsRoot, ledgerRoot); the next
    ///      level is proved in that ledger at n's timestamp; `c` is the holder's chain, the last level. One cap per level.
    function walk(FrozenHead calldata a, NestedLevel[] calldata via, FinalChild calldata c, uint256 capCount)
        internal
        pure
        returns (Path memory p)
    {
        if (PlasmaMerkle.hashPair(a.accountsRoot, a.ledgerRoot) != a.head.stateRoot) revert InvalidLedgerRoot(a.chainId);
        p.time = a.head.timestamp;
        uint256 depth = via.length;
        if (capCount != depth + 1) revert BadProofLength(capCount, depth + 1);
        p.children = new bytes32[](depth + 1);
        p.ledgerRoots = new bytes32[](depth + 1);
        bytes32 parent = a.chainId;
        p.ledgerRoot = a.ledgerRoot;
        for (uint256 i;; ++i) {
            // one finalChild for every level (the holder's chain `c` last) keeps the code small
            FinalChild calldata fc = i < depth ? via[i].child : c;
            (bytes32 child, uint64 n, uint64 depositNonce) = finalChild(parent, p.ledgerRoot, p.time, fc);
            p.children[i] = child;
            p.ledgerRoots[i] = p.ledgerRoot;
            if (i == depth) {
                (p.child, p.n, p.depositNonce) = (child, n, depositNonce);
                return p;
            }
            if (n == 0) revert NothingFinal(child);
            NestedLevel calldata level = via[i];
            if (PlasmaMerkle.hashPair(level.accountsRoot, level.ledgerRoot) != fc.block.stateRoot) revert InvalidLedgerRoot(child);
            parent = child;
            p.ledgerRoot = level.ledgerRoot;
            p.time = fc.block.timestamp;
        }
    }

    /// @dev The Child entry of `parent`'s child `c.record.index` in `ledgerRoot`, and its last final block n at `time`:
    ///      n <= head with windowEnd <= time, and block n + 1 (when n < head) with windowEnd > time. Returns the child,
    ///      n and n's depositNonce (0 when n = 0).
    function finalChild(bytes32 parent, bytes32 ledgerRoot, uint64 time, FinalChild calldata c)
        internal
        pure
        returns (bytes32 child, uint64 n, uint64 depositNonce)
    {
        child = PlasmaEncoding.childChainId(parent, c.record.index);
        fold(ledgerRoot, child, KIND_CHILD, PlasmaLedgerTree.key(KIND_CHILD, child, 0, 0), keccak256(abi.encode(c.record)), c.recordProof);
        n = c.block.number;
        uint64 head = c.record.headNumber;
        if (n > head) revert NotLastFinal(child, n);
        if (n > 0) {
            if (c.block.chainId != child) revert UnknownCommitment(child, n);
            fold(ledgerRoot, child, KIND_COMMITMENT, PlasmaLedgerTree.key(KIND_COMMITMENT, child, 0, n), commitmentLeaf(PlasmaEncoding.blockHash(c.block), c.windowEnd), c.blockProof);
            if (c.windowEnd > time) revert NotFinal(child, n, c.windowEnd, time);
            depositNonce = c.block.depositNonce;
        }
        if (n < head) {
            fold(ledgerRoot, child, KIND_COMMITMENT, PlasmaLedgerTree.key(KIND_COMMITMENT, child, 0, n + 1), commitmentLeaf(c.nextHash, c.nextWindowEnd), c.nextProof);
            if (c.nextWindowEnd <= time) revert NotLastFinal(child, n);
        }
    }

    /// @dev escapeNestedExit's own proofs: a final block, a paying slot of its accounts tree, and the EscapedSlot entry
    ///      ABSENT from its parent's ledger (a slot the parent paid itself is in the parent's accounts).
    function checkAccount(Path memory p, FinalChild calldata c, bytes32 childLedgerRoot, AccountWitness calldata account, LedgerProof calldata escapedProof)
        internal
        pure
    {
        bytes32 child = p.child;
        if (p.n == 0) revert NothingFinal(child);
        uint32 slot = account.slot;
        if (account.balance == 0) revert ZeroAmount();
        bytes32 node = PlasmaEncoding.accountHash(account.owner, account.token, account.balance, account.nonce);
        for (uint256 level; level < STATE_TREE_DEPTH; ++level) {
            bytes32 sibling = account.proof[level];
            node = (slot >> level) & 1 == 1 ? PlasmaMerkle.hashPair(sibling, node) : PlasmaMerkle.hashPair(node, sibling);
        }
        if (PlasmaMerkle.hashPair(node, childLedgerRoot) != c.block.stateRoot) revert InvalidAccountProof(child, slot);
        fold(p.ledgerRoot, child, KIND_ESCAPED_SLOT, PlasmaLedgerTree.key(KIND_ESCAPED_SLOT, child, 0, slot), 0, escapedProof);
    }

    /// @dev exitNested's own proofs: block m (0 < m <= n, so final) with its Commitment entry, the exit under its exit
    ///      root, and the SpentExit entry ABSENT from the parent's ledger.
    function checkExit(
        Path memory p,
        FinalChild calldata c,
        Header calldata exitBlock,
        uint64 exitWindowEnd,
        LedgerProof calldata exitBlockProof,
        Exit calldata exit,
        uint256 index,
        bytes32[] calldata exitProof,
        LedgerProof calldata spentProof
    ) internal pure {
        bytes32 child = p.child;
        uint64 m = exitBlock.number;
        // n's window bounds every earlier block's: windows grow with commit time.
        if (m == 0 || m > p.n) revert NotFinal(child, m, exitWindowEnd, p.time);
        if (exitBlock.chainId != child) revert InvalidLedgerProof(child, KIND_COMMITMENT);
        bytes32 exitBlockHash = PlasmaEncoding.blockHash(exitBlock);
        // Block n's Commitment entry was folded by walk: only another block's is proved here.
        if (m != p.n || exitWindowEnd != c.windowEnd || exitBlockHash != PlasmaEncoding.blockHash(c.block)) {
            fold(p.ledgerRoot, child, KIND_COMMITMENT, PlasmaLedgerTree.key(KIND_COMMITMENT, child, 0, m), commitmentLeaf(exitBlockHash, exitWindowEnd), exitBlockProof);
        }
        if (exitProof.length != EXIT_TREE_DEPTH) revert BadProofLength(exitProof.length, EXIT_TREE_DEPTH);
        if (index >> EXIT_TREE_DEPTH != 0) revert ExitIndexOutOfRange(index);
        if (PlasmaMerkle.computeRoot(PlasmaEncoding.exitHash(exit), index, exitProof) != exitBlock.exitRoot) {
            revert InvalidExitProof(child, m, index);
        }
        fold(p.ledgerRoot, child, KIND_SPENT_EXIT, PlasmaLedgerTree.key(KIND_SPENT_EXIT, child, bytes32(uint256(m)), index), 0, spentProof);
    }

    /// @dev reclaimNested's own proofs: a deposit above n's depositNonce whose Deposit entry (the stamped record) folds.
    function checkDeposit(
        Path memory p,
        uint64 nonce,
        address from,
        address to,
        address token,
        uint256 amount,
        bytes32 record,
        LedgerProof calldata depositProof
    ) internal pure {
        bytes32 child = p.child;
        if (nonce <= p.depositNonce) revert DepositApplied(child, nonce, p.depositNonce);
        if (
            !PlasmaEncoding.recordIs(record, PlasmaEncoding.depositHash(child, nonce, from, to, token, amount))
                || PlasmaLedgerTree.rootOfCalldata(
                    PlasmaLedgerTree.key(KIND_DEPOSIT, child, 0, nonce), keccak256(abi.encode(record)), depositProof.bitmap, depositProof.siblings) != p.ledgerRoot
        ) revert UnknownDeposit(child, nonce);
    }

    /// @dev SubtreeBalance(child i, token) in its parent's ledger is `cap.amount`.
    function foldCap(Path memory p, uint256 i, address token, Cap calldata cap) internal pure {
        bytes32 child = p.children[i];
        uint256 available = cap.amount;
        fold(
            p.ledgerRoots[i],
            child,
            KIND_SUBTREE_BALANCE,
            PlasmaLedgerTree.key(KIND_SUBTREE_BALANCE, child, bytes32(uint256(uint160(token))), 0),
            available == 0 ? bytes32(0) : keccak256(abi.encode(available)),
            cap.proof);
    }

    /// @dev Reverts unless `leaf` under `key` folds to `ledgerRoot` with `proof`.
    function fold(bytes32 ledgerRoot, bytes32 child, uint8 kind, bytes32 key, bytes32 leaf, LedgerProof calldata proof)
        internal
        pure
    {
        if (PlasmaLedgerTree.rootOfCalldata(key, leaf, proof.bitmap, proof.siblings) != ledgerRoot) {
            revert InvalidLedgerProof(child, kind);
        }
    }

    /// @dev The leaf of a Commitment entry: keccak256 of its value, the record keccak256(abi.encode(blockHash, windowEnd)).
    function commitmentLeaf(bytes32 blockHash, uint64 windowEnd) internal pure returns (bytes32) {
        return keccak256(abi.encode(PlasmaEncoding.commitmentRecord(blockHash, windowEnd)));
    }
}
