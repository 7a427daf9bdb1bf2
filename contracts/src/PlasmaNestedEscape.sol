// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Header, Exit, AccountWitness, LedgerProof, ChildRecord, FrozenHead, FinalChild, Cap} from "./lib/PlasmaTypes.sol";
import {PlasmaEncoding} from "./lib/PlasmaEncoding.sol";
import {PlasmaMerkle} from "./lib/PlasmaMerkle.sol";
import {PlasmaLedgerTree} from "./lib/PlasmaLedgerTree.sol";
import {PlasmaRoot} from "./PlasmaRoot.sol";

/// @notice A chain between the frozen chain A and the holder's chain on a nested path (docs/FRAUD.md §4b): `child` in
///         its parent's ledger (A's at its head for the first level, the previous level's ledger after that) with its
///         last final block n > 0, and the two halves of n's state root (keccak256(accountsRoot ‖ ledgerRoot) =
///         child.block.stateRoot): `ledgerRoot` is the ledger the next level is proved in.
struct NestedLevel {
    FinalChild child;
    bytes32 accountsRoot;
    bytes32 ledgerRoot;
}

/// @title PlasmaNestedEscape
/// @notice The escape of holders inside a frozen chain's descendants (docs/FRAUD.md §4b, §4 phase 2). A is a frozen
///         child of the root whose head H is final. A's ledger (inside H.stateRoot) holds its children's Child entries,
///         commitment records, deposit records and subtree balances: with A frozen, no descendant of A can exit on A
///         again, so none of their holders can leave. They leave here along a PATH A → K1 → … → Kd (d >= 1): K1 is a
///         child of A and its LAST FINAL block n1 in A's ledger is judged at T0 = H.timestamp (A's clock stopped at H);
///         each next Ki+1 is a child of Ki in Ki's ledger at ni (the ledgerRoot half of ni's state root), its last final
///         block judged at Ti = ni's timestamp. The holder's chain is Kd: an account of its state at nd
///         ({escapeNestedExit}), an exit of a block <= nd that Kd-1 never paid ({exitNested}), a deposit Kd-1 recorded
///         for Kd that nd did not apply ({reclaimNested}). What is taken out is capped at EVERY level by
///         SubtreeBalance(Ki, token) in Ki-1's ledger, less what this module paid through Ki already, and, through
///         {PlasmaRoot.payNested}, by A's subtree balance at the root. Anyone may call; the payee is fixed by the proof.
/// @dev Every bitmap and `paid` account is keyed (A, Ki): Ki = childChainId(Ki-1, index) is computed here from its
///      parent's id, so a chain id is the hash of its whole path from the root, and two different paths never share a
///      key. The path's snapshot is unique: A's head cannot move, so neither can any ni. Created by PlasmaRoot's
///      constructor (its immutable `nestedEscape`), the one caller of {PlasmaRoot.payNested}; reads the root through
///      its views. Every state change comes before the root pays (which is nonReentrant).
contract PlasmaNestedEscape {
    // Ledger kinds (core ledgerEntries.ts): the second argument of InvalidLedgerProof.
    uint8 internal constant KIND_CHILD = 0;
    uint8 internal constant KIND_SUBTREE_BALANCE = 1;
    uint8 internal constant KIND_DEPOSIT = 2;
    uint8 internal constant KIND_COMMITMENT = 3;
    uint8 internal constant KIND_SPENT_EXIT = 4;
    uint8 internal constant KIND_ESCAPED_SLOT = 9;
    uint256 internal constant EXIT_TREE_DEPTH = 16;
    uint256 internal constant STATE_TREE_DEPTH = 32;

    /// @notice The PlasmaRoot that created this module.
    PlasmaRoot public immutable root;

    /// @dev (A, K) => (slot >> 8) => bitmap of the account slots of K paid here.
    mapping(bytes32 chainId => mapping(bytes32 child => mapping(uint256 word => uint256))) private _escaped;
    /// @dev (A, K) => (number << 8 | index >> 8) => bitmap of K's exit-tree leaves paid here (index < 2^16).
    mapping(bytes32 chainId => mapping(bytes32 child => mapping(uint256 word => uint256))) private _exitPaid;
    /// @dev (A, K) => (nonce >> 8) => bitmap of K's deposits given back here.
    mapping(bytes32 chainId => mapping(bytes32 child => mapping(uint256 word => uint256))) private _reclaimed;
    /// @dev (A, K) => token => what this module paid through K (to K's holders and to its descendants'): at most
    ///      SubtreeBalance(K, token) in K's parent's ledger.
    mapping(bytes32 chainId => mapping(bytes32 child => mapping(address token => uint256))) private _paid;

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

    event NestedEscapeExit(bytes32 indexed chainId, bytes32 indexed child, uint32 slot, address owner, address token, uint256 amount);
    event NestedExitPaid(
        bytes32 indexed chainId, bytes32 indexed child, uint64 number, uint256 index, address recipient, address token, uint256 amount
    );
    event NestedDepositReclaimed(bytes32 indexed chainId, bytes32 indexed child, uint64 nonce, address from, address token, uint256 amount);

    // PlasmaRoot's, where the meaning is the same (UnknownChain comes from the root itself)
    error ChainNotFrozen(bytes32 chainId);
    error NotTheHead(uint64 number, uint64 head);
    error UnknownCommitment(bytes32 chainId, uint64 number);
    error ChallengeWindowOpen(uint64 windowEnd, uint256 now);
    error ZeroAmount();
    error InvalidAccountProof(bytes32 chainId, uint32 slot);
    error AlreadyEscaped(bytes32 chainId, uint32 slot);
    error ExitIndexOutOfRange(uint256 index);
    error BadProofLength(uint256 length, uint256 expected);
    error InvalidExitProof(bytes32 chainId, uint64 number, uint256 index);
    error AlreadyWithdrawn(bytes32 chainId, uint64 number, uint256 index);
    error SubtreeBalanceExceeded(bytes32 chainId, address token, uint256 requested, uint256 available);
    error DepositApplied(bytes32 chainId, uint64 nonce, uint64 headDepositNonce);
    error UnknownDeposit(bytes32 chainId, uint64 nonce);
    // this module's
    /// @notice keccak256(accountsRoot ‖ ledgerRoot) is not the state root of `chainId`'s block: the frozen head, or a
    ///         level's last final block.
    error InvalidLedgerRoot(bytes32 chainId);
    /// @notice An entry of `kind` about `child` does not fold to the ledger root of `child`'s parent.
    error InvalidLedgerProof(bytes32 child, uint8 kind);
    /// @notice Block `number` of `child` is not its last final block at its parent's time.
    error NotLastFinal(bytes32 child, uint64 number);
    /// @notice Block `number` of `child` was not final at `time` (its parent's clock): `windowEnd > time`.
    error NotFinal(bytes32 child, uint64 number, uint64 windowEnd, uint64 time);
    /// @notice No block of `child` was final at its parent's time: no account to escape from, no ledger below it.
    error NothingFinal(bytes32 child);

    constructor() {
        root = PlasmaRoot(msg.sender);
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Entry points. Each takes the frozen head `a`, the levels `via` between A and the holder's chain K (empty: K is a
    // child of A), K's FinalChild `c` in its parent's ledger, and `caps`: SubtreeBalance of the token for each level's
    // child in its parent's ledger (via's children first, K's last: via.length + 1 of them, else BadProofLength).
    // ---------------------------------------------------------------------------------------------------------------

    /// @notice Pays account slot `account.slot` of K's last final block (its whole balance, once per slot) to its owner.
    /// @param childLedgerRoot K's ledger root at block n: keccak256(accounts root of `account` ‖ it) must be n's stateRoot.
    /// @param escapedProof The ABSENCE of the EscapedSlot entry (K, slot) in K's parent's ledger (leaf 0): a slot the
    ///        parent already paid (ESCAPE_CHILD_EXIT, K frozen in it) is in the parent's accounts.
    function escapeNestedExit(
        FrozenHead calldata a,
        NestedLevel[] calldata via,
        FinalChild calldata c,
        bytes32 childLedgerRoot,
        AccountWitness calldata account,
        LedgerProof calldata escapedProof,
        Cap[] calldata caps
    ) external {
        bytes32[] memory zeros = PlasmaLedgerTree.zeroHashes();
        Path memory p = _path(a, via, c, caps.length, zeros);
        bytes32 child = p.child;
        if (p.n == 0) revert NothingFinal(child);
        uint256 amount = account.balance;
        uint32 slot = account.slot;
        if (amount == 0) revert ZeroAmount();
        // The accounts root of the witness (PlasmaFraudVerifier.accountsRootOf of a non-empty slot), folded here.
        bytes32 node = PlasmaEncoding.accountHash(account.owner, account.token, amount, account.nonce);
        for (uint256 level; level < STATE_TREE_DEPTH; ++level) {
            bytes32 sibling = account.proof[level];
            node = (slot >> level) & 1 == 1 ? PlasmaMerkle.hashPair(sibling, node) : PlasmaMerkle.hashPair(node, sibling);
        }
        if (PlasmaMerkle.hashPair(node, childLedgerRoot) != c.block.stateRoot) revert InvalidAccountProof(child, slot);
        _fold(p.ledgerRoot, child, KIND_ESCAPED_SLOT, PlasmaLedgerTree.key(KIND_ESCAPED_SLOT, child, 0, slot), 0, escapedProof, zeros);
        mapping(uint256 => uint256) storage escaped = _escaped[a.chainId][child];
        uint256 bit = 1 << (slot & 0xff);
        uint256 bits = escaped[slot >> 8];
        if (bits & bit != 0) revert AlreadyEscaped(child, slot);
        escaped[slot >> 8] = bits | bit;
        _capped(a.chainId, p, account.token, amount, caps, zeros);
        emit NestedEscapeExit(a.chainId, child, slot, account.owner, account.token, amount);
        root.payNested(a.chainId, account.token, account.owner, amount);
    }

    /// @notice Pays exit `index` of K's block `exitBlock` (0 < number <= n: final) that K's parent never paid.
    /// @param exitWindowEnd The block's windowEnd in K's parent's ledger; `exitBlockProof` its Commitment entry.
    /// @param exitProof The 16 siblings of the exit leaf under `exitBlock.exitRoot`.
    /// @param spentProof The ABSENCE of the SpentExit entry (K, number, index) in K's parent's ledger (leaf 0).
    function exitNested(
        FrozenHead calldata a,
        NestedLevel[] calldata via,
        FinalChild calldata c,
        Header calldata exitBlock,
        uint64 exitWindowEnd,
        LedgerProof calldata exitBlockProof,
        Exit calldata exit,
        uint256 index,
        bytes32[] calldata exitProof,
        LedgerProof calldata spentProof,
        Cap[] calldata caps
    ) external {
        bytes32[] memory zeros = PlasmaLedgerTree.zeroHashes();
        Path memory p = _path(a, via, c, caps.length, zeros);
        bytes32 child = p.child;
        uint64 m = exitBlock.number;
        // n's window bounds every earlier block's: windows grow with commit time.
        if (m == 0 || m > p.n) revert NotFinal(child, m, exitWindowEnd, p.time);
        if (exitBlock.chainId != child) revert InvalidLedgerProof(child, KIND_COMMITMENT);
        bytes32 exitBlockHash = PlasmaEncoding.blockHash(exitBlock);
        // Block n's Commitment entry was folded by _path: only another block's is proved here.
        if (m != p.n || exitWindowEnd != c.windowEnd || exitBlockHash != PlasmaEncoding.blockHash(c.block)) {
            _fold(p.ledgerRoot, child, KIND_COMMITMENT, PlasmaLedgerTree.key(KIND_COMMITMENT, child, 0, m), _commitmentLeaf(exitBlockHash, exitWindowEnd), exitBlockProof, zeros);
        }
        if (exitProof.length != EXIT_TREE_DEPTH) revert BadProofLength(exitProof.length, EXIT_TREE_DEPTH);
        if (index >> EXIT_TREE_DEPTH != 0) revert ExitIndexOutOfRange(index);
        if (PlasmaMerkle.computeRoot(PlasmaEncoding.exitHash(exit), index, exitProof) != exitBlock.exitRoot) {
            revert InvalidExitProof(child, m, index);
        }
        _fold(p.ledgerRoot, child, KIND_SPENT_EXIT, PlasmaLedgerTree.key(KIND_SPENT_EXIT, child, bytes32(uint256(m)), index), 0, spentProof, zeros);
        mapping(uint256 => uint256) storage paid = _exitPaid[a.chainId][child];
        uint256 word = (uint256(m) << 8) | (index >> 8);
        uint256 bit = 1 << (index & 0xff);
        uint256 bits = paid[word];
        if (bits & bit != 0) revert AlreadyWithdrawn(child, m, index);
        paid[word] = bits | bit;
        _capped(a.chainId, p, exit.token, exit.amount, caps, zeros);
        emit NestedExitPaid(a.chainId, child, m, index, exit.recipient, exit.token, exit.amount);
        root.payNested(a.chainId, exit.token, exit.recipient, exit.amount);
    }

    /// @notice Gives deposit `nonce` that K's parent recorded for K, and that K's last final block did not apply (funds
    ///         in flight on the edge to K), back to its depositor `from`, once.
    /// @param record The Deposit entry's value as the parent's ledger keeps it (the depositHash stamped with its time);
    ///        `depositProof` its proof.
    function reclaimNested(
        FrozenHead calldata a,
        NestedLevel[] calldata via,
        FinalChild calldata c,
        uint64 nonce,
        address from,
        address to,
        address token,
        uint256 amount,
        bytes32 record,
        LedgerProof calldata depositProof,
        Cap[] calldata caps
    ) external {
        bytes32[] memory zeros = PlasmaLedgerTree.zeroHashes();
        Path memory p = _path(a, via, c, caps.length, zeros);
        bytes32 child = p.child;
        uint64 applied = p.depositNonce;
        if (nonce <= applied) revert DepositApplied(child, nonce, applied);
        if (
            !PlasmaEncoding.recordIs(record, PlasmaEncoding.depositHash(child, nonce, from, to, token, amount))
                || PlasmaLedgerTree.rootOfCalldata(
                    PlasmaLedgerTree.key(KIND_DEPOSIT, child, 0, nonce), keccak256(abi.encode(record)), depositProof.bitmap, depositProof.siblings, zeros
                ) != p.ledgerRoot
        ) revert UnknownDeposit(child, nonce);
        mapping(uint256 => uint256) storage reclaimed = _reclaimed[a.chainId][child];
        uint256 bit = 1 << (nonce & 0xff);
        uint256 bits = reclaimed[nonce >> 8];
        if (bits & bit != 0) revert UnknownDeposit(child, nonce);
        reclaimed[nonce >> 8] = bits | bit;
        _capped(a.chainId, p, token, amount, caps, zeros);
        emit NestedDepositReclaimed(a.chainId, child, nonce, from, token, amount);
        root.payNested(a.chainId, token, from, amount);
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Views (`child`: any descendant of A, keyed by its own id, which is its path's)
    // ---------------------------------------------------------------------------------------------------------------

    /// @notice Whether {escapeNestedExit} has paid slot `slot` of `child`, a descendant of frozen chain `chainId`.
    function isNestedEscaped(bytes32 chainId, bytes32 child, uint32 slot) external view returns (bool) {
        return _escaped[chainId][child][slot >> 8] & (1 << (slot & 0xff)) != 0;
    }

    /// @notice Whether {exitNested} has paid exit `index` of block `number` of `child`, a descendant of frozen chain `chainId`.
    function isNestedExitPaid(bytes32 chainId, bytes32 child, uint64 number, uint256 index) external view returns (bool) {
        if (index >> EXIT_TREE_DEPTH != 0) return false;
        return _exitPaid[chainId][child][(uint256(number) << 8) | (index >> 8)] & (1 << (index & 0xff)) != 0;
    }

    /// @notice Whether {reclaimNested} has given back deposit `nonce` of `child`, a descendant of frozen chain `chainId`.
    function isNestedReclaimed(bytes32 chainId, bytes32 child, uint64 nonce) external view returns (bool) {
        return _reclaimed[chainId][child][nonce >> 8] & (1 << (nonce & 0xff)) != 0;
    }

    /// @notice What this module paid of `token` through `child`, a descendant of frozen chain `chainId` (to its holders
    ///         and to its own descendants'): at most SubtreeBalance(child, token) in its parent's ledger.
    function nestedPaid(bytes32 chainId, bytes32 child, address token) external view returns (uint256) {
        return _paid[chainId][child][token];
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Checks
    // ---------------------------------------------------------------------------------------------------------------

    /// @dev A is frozen, `a.head` is its head with its record, final, and split into its accounts and ledger roots.
    ///      Returns T, A's clock at its head.
    function _frozenHead(FrozenHead calldata a) private view returns (uint64) {
        bytes32 chainId = a.chainId;
        (uint8 status,) = root.chainStatus(chainId); // UnknownChain from the root
        if (status == 0) revert ChainNotFrozen(chainId);
        uint64 number = a.head.number;
        uint64 headNumber = root.chainInfo(chainId).headNumber;
        if (number != headNumber || headNumber == 0) revert NotTheHead(number, headNumber);
        uint64 windowEnd = a.windowEnd;
        if (root.commitmentRecord(chainId, number) != PlasmaEncoding.commitmentRecord(PlasmaEncoding.blockHash(a.head), windowEnd)) {
            revert UnknownCommitment(chainId, number);
        }
        if (block.timestamp < windowEnd) revert ChallengeWindowOpen(windowEnd, block.timestamp);
        if (PlasmaMerkle.hashPair(a.accountsRoot, a.ledgerRoot) != a.head.stateRoot) revert InvalidLedgerRoot(chainId);
        return a.head.timestamp;
    }

    /// @dev Walks the path from A's frozen head: each level of `via` is a child of the previous one (of A first) with a
    ///      last final block n > 0 whose state root splits into (accountsRoot, ledgerRoot); the next level is proved in
    ///      that ledger at n's timestamp; `c` is the holder's chain, the last level.
    function _path(FrozenHead calldata a, NestedLevel[] calldata via, FinalChild calldata c, uint256 capCount, bytes32[] memory zeros)
        private
        view
        returns (Path memory p)
    {
        p.time = _frozenHead(a);
        uint256 depth = via.length;
        if (capCount != depth + 1) revert BadProofLength(capCount, depth + 1);
        p.children = new bytes32[](depth + 1);
        p.ledgerRoots = new bytes32[](depth + 1);
        bytes32 parent = a.chainId;
        p.ledgerRoot = a.ledgerRoot;
        for (uint256 i;; ++i) {
            // one _finalChild for every level (the holder's chain `c` last) keeps the module's code small
            FinalChild calldata fc = i < depth ? via[i].child : c;
            (bytes32 child, uint64 n, uint64 depositNonce) = _finalChild(parent, p.ledgerRoot, p.time, fc, zeros);
            p.children[i] = child;
            p.ledgerRoots[i] = p.ledgerRoot;
            if (i == depth) return Path(child, n, depositNonce, p.time, p.ledgerRoot, p.children, p.ledgerRoots);
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
    function _finalChild(bytes32 parent, bytes32 ledgerRoot, uint64 time, FinalChild calldata c, bytes32[] memory zeros)
        private
        pure
        returns (bytes32 child, uint64 n, uint64 depositNonce)
    {
        child = PlasmaEncoding.childChainId(parent, c.record.index);
        _fold(ledgerRoot, child, KIND_CHILD, PlasmaLedgerTree.key(KIND_CHILD, child, 0, 0), keccak256(abi.encode(c.record)), c.recordProof, zeros);
        n = c.block.number;
        uint64 head = c.record.headNumber;
        if (n > head) revert NotLastFinal(child, n);
        if (n > 0) {
            if (c.block.chainId != child) revert UnknownCommitment(child, n);
            _fold(ledgerRoot, child, KIND_COMMITMENT, PlasmaLedgerTree.key(KIND_COMMITMENT, child, 0, n), _commitmentLeaf(PlasmaEncoding.blockHash(c.block), c.windowEnd), c.blockProof, zeros);
            if (c.windowEnd > time) revert NotFinal(child, n, c.windowEnd, time);
            depositNonce = c.block.depositNonce;
        }
        if (n < head) {
            _fold(ledgerRoot, child, KIND_COMMITMENT, PlasmaLedgerTree.key(KIND_COMMITMENT, child, 0, n + 1), _commitmentLeaf(c.nextHash, c.nextWindowEnd), c.nextProof, zeros);
            if (c.nextWindowEnd <= time) revert NotLastFinal(child, n);
        }
    }

    /// @dev At every level of the path, SubtreeBalance(child, token) in its parent's ledger is `caps[i].amount`, and
    ///      what this module paid through that child of the token stays within it.
    function _capped(bytes32 chainId, Path memory p, address token, uint256 amount, Cap[] calldata caps, bytes32[] memory zeros) private {
        bytes32 tokenWord = bytes32(uint256(uint160(token)));
        for (uint256 i; i < caps.length; ++i) {
            bytes32 child = p.children[i];
            uint256 available = caps[i].amount;
            _fold(
                p.ledgerRoots[i],
                child,
                KIND_SUBTREE_BALANCE,
                PlasmaLedgerTree.key(KIND_SUBTREE_BALANCE, child, tokenWord, 0),
                available == 0 ? bytes32(0) : keccak256(abi.encode(available)),
                caps[i].proof,
                zeros
            );
            uint256 paid = _paid[chainId][child][token];
            if (paid + amount > available) revert SubtreeBalanceExceeded(child, token, amount, available > paid ? available - paid : 0);
            _paid[chainId][child][token] = paid + amount;
        }
    }

    /// @dev Reverts unless `leaf` under `key` folds to `ledgerRoot` with `proof`.
    function _fold(
        bytes32 ledgerRoot,
        bytes32 child,
        uint8 kind,
        bytes32 key,
        bytes32 leaf,
        LedgerProof calldata proof,
        bytes32[] memory zeros
    ) private pure {
        if (PlasmaLedgerTree.rootOfCalldata(key, leaf, proof.bitmap, proof.siblings, zeros) != ledgerRoot) {
            revert InvalidLedgerProof(child, kind);
        }
    }

    /// @dev The leaf of a Commitment entry: keccak256 of its value, the record keccak256(abi.encode(blockHash, windowEnd)).
    function _commitmentLeaf(bytes32 blockHash, uint64 windowEnd) private pure returns (bytes32) {
        return keccak256(abi.encode(PlasmaEncoding.commitmentRecord(blockHash, windowEnd)));
    }
}
