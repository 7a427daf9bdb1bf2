// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

// The wire types of docs/SPEC.md. Every field is a static ABI word, so `abi.encode` of any of these
// structs is exactly the word layout the TypeScript side hashes.

/// @notice A child-chain block header. `keccak256(abi.encode(header))` (256 bytes) is the block hash.
struct Header {
    bytes32 chainId;
    uint64 number; // 1, 2, 3, ...
    bytes32 parentHash; // 0 for block 1
    bytes32 txRoot; // depth-16 tree of txLeafHash
    bytes32 stateRoot; // depth-32 sparse tree of accountHash
    bytes32 exitRoot; // depth-16 tree of exitHash
    uint64 depositNonce; // highest parent deposit nonce applied so far (0 = none)
    uint64 timestamp;
}

/// @notice One leaf of a block's exit tree (child half of transferToParent).
struct Exit {
    address recipient;
    address token; // address(0) = ETH
    uint256 amount;
}

/// @notice The uniform 11-word form of every transaction inside a block (kind 0 deposit, 1 transfer, 2 withdraw,
///         3 deposit to a child, 4 commit a child's block, 5 finalize a child's exit, 6 spawn a child). A tx also has
///         `bytes data` (empty for kinds 0-2), hashed into its leaf next to these words (PlasmaEncoding.txLeafHash).
struct BlockTx {
    uint8 kind;
    uint32 slot;
    uint32 toSlot;
    address from;
    address to;
    address token;
    uint256 amount;
    uint64 nonce;
    bytes32 r;
    bytes32 s;
    uint8 v;
}

/// @notice A transaction of a block with its place in the block's transaction tree (docs/FRAUD.md §3): the leaf is
///         `txLeafHash(tx, keccak256(data), postStateRoot, exitIndex)` at `index` (< 2^16) under `header.txRoot`.
struct TxWitness {
    BlockTx tx;
    bytes data;
    bytes32 postStateRoot;
    uint64 exitIndex; // exit-tree leaves made by the block's txs before this one
    uint256 index;
    bytes32[16] proof; // siblings from the leaf upward
}

/// @notice One transaction of a published block (PlasmaDataAvailability, a CHILD_DATA_CALL's publishBlockData): exactly
///         the preimage of its transaction-tree leaf (`txLeafHash(tx, keccak256(data), postStateRoot, exitIndex)`).
struct PublishedTx {
    BlockTx tx;
    bytes data;
    bytes32 postStateRoot;
    uint64 exitIndex; // exit-tree leaves made by the block's txs before this one
}

/// @notice One leaf of a block's exit tree with its place under `header.exitRoot` (0 = an empty position).
struct ExitWitness {
    bytes32 leaf;
    uint256 index;
    bytes32[16] proof; // siblings from the leaf upward
}

/// @notice One slot of a chain's accounts tree (depth 32) with its siblings. An empty slot is given as owner = token =
///         0, balance = nonce = 0, and its leaf is bytes32(0); any other slot's leaf is accountHash(owner, token,
///         balance, nonce).
struct AccountWitness {
    uint32 slot;
    address owner;
    address token;
    uint256 balance;
    uint64 nonce;
    bytes32[32] proof; // siblings from the leaf upward
}

// ---- the escape of holders inside a frozen chain's children (PlasmaNestedEscape, docs/FRAUD.md §4b) ------

/// @notice A compressed proof of one entry of a ledger tree (core `LedgerTree.proof(key)`, PlasmaLedgerTree.rootOf):
///         bit `i` of `bitmap` set = the level-`i` sibling is not the empty subtree; `siblings` are those, leaf upward.
struct LedgerProof {
    uint256 bitmap;
    bytes32[] siblings;
}

/// @notice The value of a Child ledger entry (core `ledgerEntries.ts`, 12 words): `keccak256(abi.encode(record))` is
///         its leaf under `ledgerKey(0, child, 0, 0)`.
struct ChildRecord {
    uint256 index;
    address spawner;
    uint256 bond;
    uint8 threshold;
    uint64 challengeWindow;
    bytes32 validatorSetHash;
    uint64 headNumber;
    uint64 headWindowEnd;
    uint64 headDepositNonce;
    uint64 depositCount;
    uint64 spawnedAt;
    uint64 stallLimit;
}

/// @notice A frozen child of the root at its final head: keccak256(accountsRoot ‖ ledgerRoot) is `head.stateRoot`.
struct FrozenHead {
    bytes32 chainId;
    Header head;
    uint64 windowEnd;
    bytes32 accountsRoot;
    bytes32 ledgerRoot;
}

/// @notice K in the frozen chain's ledger and K's last final block n (`block` all zero, `windowEnd` 0 and `blockProof`
///         empty when n = 0); block n + 1's hash, windowEnd and Commitment proof when n < record.headNumber (else
///         zero and empty).
struct FinalChild {
    ChildRecord record;
    LedgerProof recordProof;
    Header block;
    uint64 windowEnd;
    LedgerProof blockProof;
    bytes32 nextHash;
    uint64 nextWindowEnd;
    LedgerProof nextProof;
}

/// @notice A chain between the frozen chain A and the holder's chain on a nested path (docs/FRAUD.md §4b): `child` in
///         its parent's ledger (A's at its head for the first level, the previous level's ledger after that) with its
///         last final block n > 0, and the two halves of n's state root (keccak256(accountsRoot ‖ ledgerRoot) =
///         child.block.stateRoot): `ledgerRoot` is the ledger the next level is proved in.
struct NestedLevel {
    FinalChild child;
    bytes32 accountsRoot;
    bytes32 ledgerRoot;
}

/// @notice SubtreeBalance(K, token) in the frozen chain's ledger with its proof (amount 0: the entry is absent).
struct Cap {
    uint256 amount;
    LedgerProof proof;
}

/// @notice One key of an edge function's storage as an edge tx's half left it (docs/SPEC.md "Edge effects", core
///         txData.ts EdgeWrite): `keyHash` = keccak256 of the storage key, `value` its value after the half (empty =
///         deleted). Kinds 7-9 state their effect as an `EdgeWrite[]` (at most 16, each key hash once, in first-write
///         order): the ledger entry EdgeStorage(fn, keyHash) is set to it.
struct EdgeWrite {
    bytes32 keyHash;
    bytes value;
}

// ---- transition proofs of the ledger kinds (tx kinds 3-15, docs/LEDGER-PROOFS.md) ---------------------------------

/// @notice One ledger entry a disputed tx touches: its value BEFORE the tx (`abi.encode` of the entry's fields, core
///         `ledgerEntryValue`; empty = the default, leaf 0) and its compressed proof (PlasmaLedgerTree), taken against
///         the ledger root with the touch list's earlier keys already written (docs/LEDGER-PROOFS.md §1.3).
struct LedgerEntryWitness {
    bytes value;
    uint256 bitmap;
    bytes32[] siblings;
}

/// @notice The 11th argument of PlasmaRoot.proveInvalidTransition for a tx of kind 3-15: one witness per ledger key
///         the tx touches, in its kind's touch order, and the kind's extra witness (empty for most kinds).
struct LedgerTxWitness {
    LedgerEntryWitness[] entries;
    bytes extra;
}
