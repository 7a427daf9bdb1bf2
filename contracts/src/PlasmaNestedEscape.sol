// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Header, Exit, AccountWitness, LedgerProof, ChildRecord, FrozenHead, FinalChild, Cap, NestedLevel} from "./lib/PlasmaTypes.sol";
import {PlasmaNestedPaths} from "./lib/PlasmaNestedPaths.sol";
import {PlasmaEncoding} from "./lib/PlasmaEncoding.sol";
import {PlasmaLedgerTree} from "./lib/PlasmaLedgerTree.sol";
import {PlasmaRoot} from "./PlasmaRoot.sol";

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
    uint256 internal constant EXIT_TREE_DEPTH = 16;

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

    event NestedEscapeExit(bytes32 indexed chainId, bytes32 indexed child, uint32 slot, address owner, address token, uint256 amount);
    event NestedExitPaid(
        bytes32 indexed chainId, bytes32 indexed child, uint64 number, uint256 index, address recipient, address token, uint256 amount
    );
    event NestedDepositReclaimed(bytes32 indexed chainId, bytes32 indexed child, uint64 nonce, address from, address token, uint256 amount);

    // PlasmaRoot's, where the meaning is the same (UnknownChain comes from the root itself); the checks of the path and
    // of each method's proofs revert with PlasmaNestedPaths' errors (shared with PlasmaLedgerNested)
    error ChainNotFrozen(bytes32 chainId);
    error NotTheHead(uint64 number, uint64 head);
    error ChallengeWindowOpen(uint64 windowEnd, uint256 now);
    error AlreadyEscaped(bytes32 chainId, uint32 slot);
    error AlreadyWithdrawn(bytes32 chainId, uint64 number, uint256 index);
    error SubtreeBalanceExceeded(bytes32 chainId, address token, uint256 requested, uint256 available);
    // this module's

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
        PlasmaNestedPaths.Path memory p = _path(a, via, c, caps.length);
        bytes32 child = p.child;
        PlasmaNestedPaths.checkAccount(p, c, childLedgerRoot, account, escapedProof);
        uint256 amount = account.balance;
        uint32 slot = account.slot;
        mapping(uint256 => uint256) storage escaped = _escaped[a.chainId][child];
        uint256 bit = 1 << (slot & 0xff);
        uint256 bits = escaped[slot >> 8];
        if (bits & bit != 0) revert AlreadyEscaped(child, slot);
        escaped[slot >> 8] = bits | bit;
        _capped(a.chainId, p, account.token, amount, caps);
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
        PlasmaNestedPaths.Path memory p = _path(a, via, c, caps.length);
        bytes32 child = p.child;
        uint64 m = exitBlock.number;
        PlasmaNestedPaths.checkExit(p, c, exitBlock, exitWindowEnd, exitBlockProof, exit, index, exitProof, spentProof);
        mapping(uint256 => uint256) storage paid = _exitPaid[a.chainId][child];
        uint256 word = (uint256(m) << 8) | (index >> 8);
        uint256 bit = 1 << (index & 0xff);
        uint256 bits = paid[word];
        if (bits & bit != 0) revert AlreadyWithdrawn(child, m, index);
        paid[word] = bits | bit;
        _capped(a.chainId, p, exit.token, exit.amount, caps);
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
        PlasmaNestedPaths.Path memory p = _path(a, via, c, caps.length);
        bytes32 child = p.child;
        PlasmaNestedPaths.checkDeposit(p, nonce, from, to, token, amount, record, depositProof);
        mapping(uint256 => uint256) storage reclaimed = _reclaimed[a.chainId][child];
        uint256 bit = 1 << (nonce & 0xff);
        uint256 bits = reclaimed[nonce >> 8];
        if (bits & bit != 0) revert PlasmaNestedPaths.UnknownDeposit(child, nonce);
        reclaimed[nonce >> 8] = bits | bit;
        _capped(a.chainId, p, token, amount, caps);
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

    /// @dev A is frozen at the root and `a.head` is its head with its record, final (the split of its state root is
    ///      PlasmaNestedPaths.walk's first check).
    function _frozenHead(FrozenHead calldata a) private view {
        bytes32 chainId = a.chainId;
        (uint8 status,) = root.chainStatus(chainId); // UnknownChain from the root
        if (status == 0) revert ChainNotFrozen(chainId);
        uint64 number = a.head.number;
        uint64 headNumber = root.chainInfo(chainId).headNumber;
        if (number != headNumber || headNumber == 0) revert NotTheHead(number, headNumber);
        uint64 windowEnd = a.windowEnd;
        if (root.commitmentRecord(chainId, number) != PlasmaEncoding.commitmentRecord(PlasmaEncoding.blockHash(a.head), windowEnd)) {
            revert PlasmaNestedPaths.UnknownCommitment(chainId, number);
        }
        if (block.timestamp < windowEnd) revert ChallengeWindowOpen(windowEnd, block.timestamp);
    }

    /// @dev The root's checks of A, then the path (PlasmaNestedPaths.walk).
    function _path(FrozenHead calldata a, NestedLevel[] calldata via, FinalChild calldata c, uint256 capCount)
        private
        view
        returns (PlasmaNestedPaths.Path memory)
    {
        _frozenHead(a);
        return PlasmaNestedPaths.walk(a, via, c, capCount);
    }

    /// @dev At every level of the path, SubtreeBalance(child, token) in its parent's ledger is `caps[i].amount`, and
    ///      what this module paid through that child of the token stays within it.
    function _capped(bytes32 chainId, PlasmaNestedPaths.Path memory p, address token, uint256 amount, Cap[] calldata caps) private {
        for (uint256 i; i < caps.length; ++i) {
            PlasmaNestedPaths.foldCap(p, i, token, caps[i]);
            bytes32 child = p.children[i];
            uint256 available = caps[i].amount;
            uint256 paid = _paid[chainId][child][token];
            if (paid + amount > available) revert SubtreeBalanceExceeded(child, token, amount, available > paid ? available - paid : 0);
            _paid[chainId][child][token] = paid + amount;
        }
    }
}
