// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Header, BlockTx, TxWitness, AccountWitness, LedgerTxWitness, ChildRecord} from "../lib/PlasmaTypes.sol";
import {PlasmaEncoding} from "../lib/PlasmaEncoding.sol";
import {PlasmaLedgerTree} from "../lib/PlasmaLedgerTree.sol";
import {PlasmaMerkle} from "../lib/PlasmaMerkle.sol";

/// @title PlasmaLedgerModule
/// @notice The shared half of the transition proofs of the ledger kinds (tx kinds 3-15, docs/LEDGER-PROOFS.md): what a
///         kind group's module (PlasmaLedgerExits, PlasmaLedgerRegistry, ...) needs to re-execute one tx of a chain A
///         on the ledger entries and account slots it touches, and to say either why the STF refuses it (the core error
///         code, hashed) or the post-state root re-executing it gives.
/// @dev PlasmaFraudVerifier calls {ledgerTransition} with PlasmaRoot.proveInvalidTransition's 11 arguments as the root
///      received them, then two trailing words the ABI decoder ignores (read from the end of msg.data): the root's
///      EIP-712 domain separator and the root's down-stream record under the tx's nonce (what kind 8 is checked against). The verifier has already checked the tx in the block, the pre-state split into
///      (accountsRoot, ledgerRoot) and the tx's form. A module trusts nothing else: every ledger value a check reads is
///      folded to the ledger root before any answer is returned, every account witness as soon as it is read.
///
///      Ledger witnesses (§1.3): the kind's touch list fixes the keys, in order; a check reads the value of position i
///      with {_read} (the module computes the key itself, so a witness for another key cannot fold). A refusal
///      ({_refuse}) folds every value read so far to the pre-state ledger root. A valid tx ({_ledgerPost}) walks the
///      whole list with a running root: each old leaf must fold to it, each written key moves it to the new leaf.
abstract contract PlasmaLedgerModule {
    /// @dev secp256k1n / 2 (EIP-2).
    uint256 internal constant HALF_CURVE_ORDER = 0x7FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF5D576E7357A4501DDFE92F46681B20A0;
    uint256 internal constant STATE_TREE_DEPTH = 32;
    uint256 internal constant EXIT_TREE_DEPTH = 16;
    uint256 internal constant SIGNATURE_BYTES = 65;
    /// @dev core BURN_ADDRESS: where the burned half of a slashed bond goes (a chain's accounts keep it).
    address internal constant BURN_ADDRESS = 0x000000000000000000000000000000000000dEaD;

    // Ledger entry kinds (core ledgerEntries.ts LedgerKind).
    uint8 internal constant LEDGER_CHILD = 0;
    uint8 internal constant LEDGER_SUBTREE_BALANCE = 1;
    uint8 internal constant LEDGER_DEPOSIT = 2;
    uint8 internal constant LEDGER_COMMITMENT = 3;
    uint8 internal constant LEDGER_SPENT_EXIT = 4;
    uint8 internal constant LEDGER_CHILD_COUNT = 5;
    uint8 internal constant LEDGER_CHILD_STATUS = 8;
    uint8 internal constant LEDGER_ESCAPED_SLOT = 9;
    uint8 internal constant LEDGER_DATA_CHALLENGE = 10;

    /// @notice A witness the touch list needs is missing.
    error MissingLedgerWitness(uint256 position);
    /// @notice Ledger witness `position` does not fold to the root it must (its value or its proof is wrong, or the proof is
    ///         not well formed: PlasmaLedgerTree's refusal, named by position here).
    error InvalidLedgerWitness(uint256 position);
    /// @notice The kind is not one this module proves.
    error KindNotInModule(uint8 kind);
    error MissingAccountWitness(uint256 position);
    error WrongWitnessSlot(uint256 position, uint32 slot, uint32 expected);
    error InvalidAccountProof(uint32 slot);
    /// @notice A check that runs in a call of its own (a strict decode) ran out of gas: send the proof with more.
    error CheckOutOfGas();

    /// @dev What every check of one proof shares. `keys[i]`/`newLeaves[i]` are the touch list as the checks reach it;
    ///      `read` the positions read so far; `written` bit i = position i is written (its new leaf set).
    struct Ctx {
        bytes32 chainId; // A, the chain whose block is disputed: the ledger's selfId
        uint64 now_; // the disputed block's timestamp: the STF's clock
        bytes32 domainSeparator;
        bytes32 accountsRoot; // before the tx
        bytes32 ledgerRoot; // before the tx
        bytes32[] keys;
        bytes32[] newLeaves;
        uint256 read;
        uint256 written;
        uint64 prevDepositNonce; // the previous header's: the down events before this block
        uint64 depositNonce; // the disputed header's
        bytes32 depositRecord; // the root's record under the tx's nonce (kind 8)
    }

    /// @notice Re-executes tx `t` (kind 3-15) of block `h` of chain `chainId` on the witnesses.
    /// @return refusal keccak256 of core's error code when the STF refuses the tx (e.g. keccak256("ALREADY_WITHDRAWN")),
    ///         else 0.
    /// @return postStateRoot The recomputed post-state root when the tx is valid (else 0).
    function ledgerTransition(
        bytes32 chainId,
        Header calldata h,
        uint64,
        Header calldata prev,
        uint64,
        TxWitness calldata t,
        TxWitness calldata,
        bytes32 accountsRoot,
        bytes32 ledgerRoot,
        AccountWitness[] calldata accounts,
        LedgerTxWitness calldata ledger
    ) external view returns (bytes32 refusal, bytes32 postStateRoot) {
        Ctx memory c;
        c.chainId = chainId;
        c.now_ = h.timestamp;
        c.domainSeparator = bytes32(msg.data[msg.data.length - 64:msg.data.length - 32]);
        c.depositRecord = bytes32(msg.data[msg.data.length - 32:]);
        c.prevDepositNonce = prev.depositNonce;
        c.depositNonce = h.depositNonce;
        c.accountsRoot = accountsRoot;
        c.ledgerRoot = ledgerRoot;
        uint256 positions = _touchPositions();
        c.keys = new bytes32[](positions);
        c.newLeaves = new bytes32[](positions);
        return _transition(c, t, accounts, ledger);
    }

    /// @dev The longest touch list of the module's kinds (8; PlasmaLedgerEdges: 3 + MAX_EDGE_WRITES): the size of
    ///      Ctx.keys and Ctx.newLeaves, kept small where it can be (memory a proof pays for).
    function _touchPositions() internal pure virtual returns (uint256) {
        return 8;
    }

    /// @dev The kind's checks, in the STF's order; returns {_refuse} or {_valid}.
    function _transition(Ctx memory c, TxWitness calldata t, AccountWitness[] calldata accounts, LedgerTxWitness calldata w)
        internal
        view
        virtual
        returns (bytes32 refusal, bytes32 postStateRoot);

    // ---- ledger witnesses ---------------------------------------------------------------------------------------

    /// @dev The (not yet authenticated) value of touch position `i`, under `key`.
    function _read(Ctx memory c, LedgerTxWitness calldata w, uint256 i, bytes32 key) internal pure returns (bytes calldata) {
        if (i >= w.entries.length) revert MissingLedgerWitness(i);
        c.keys[i] = key;
        if (i + 1 > c.read) c.read = i + 1;
        return w.entries[i].value;
    }

    /// @dev Position `i` is written: `leaf` is its new leaf (0 = back to the default).
    function _write(Ctx memory c, uint256 i, bytes32 leaf) internal pure {
        c.newLeaves[i] = leaf;
        c.written |= 1 << i;
    }

    /// @dev The STF refuses the tx with core error `code`: every value read so far must be the pre-state's.
    function _refuse(Ctx memory c, LedgerTxWitness calldata w, string memory code) internal pure returns (bytes32, bytes32) {
        for (uint256 i; i < c.read; ++i) {
            (uint256 refused, bytes32 root) = PlasmaLedgerTree.tryRootOfCalldata(c.keys[i], _leaf(w.entries[i].value), w.entries[i].bitmap, w.entries[i].siblings);
            if (refused != 0 || root != c.ledgerRoot) revert InvalidLedgerWitness(i);
        }
        return (keccak256(bytes(code)), 0);
    }

    /// @dev Every check passed: the post-state root from the new accounts root and the ledger walk.
    function _valid(Ctx memory c, LedgerTxWitness calldata w, bytes32 accountsPost) internal pure returns (bytes32, bytes32) {
        bytes32 root = c.ledgerRoot;
        for (uint256 i; i < c.read; ++i) {
            bytes32 oldLeaf = _leaf(w.entries[i].value);
            uint256 refused;
            bytes32 before;
            if ((c.written >> i) & 1 == 1) {
                bytes32 after_;
                (refused, before, after_) = PlasmaLedgerTree.tryUpdateCalldata(c.keys[i], oldLeaf, c.newLeaves[i], w.entries[i].bitmap, w.entries[i].siblings);
                if (refused != 0 || before != root) revert InvalidLedgerWitness(i);
                root = after_;
            } else {
                (refused, before) = PlasmaLedgerTree.tryRootOfCalldata(c.keys[i], oldLeaf, w.entries[i].bitmap, w.entries[i].siblings);
                if (refused != 0 || before != root) revert InvalidLedgerWitness(i);
            }
        }
        return (0, PlasmaMerkle.hashPair(accountsPost, root));
    }

    function _leaf(bytes calldata value) internal pure returns (bytes32) {
        return value.length == 0 ? bytes32(0) : keccak256(value);
    }

    /// @dev The leaf of a one-word value: 0 (the default) stays an empty leaf.
    function _wordLeaf(uint256 word) internal pure returns (bytes32) {
        return word == 0 ? bytes32(0) : keccak256(abi.encode(word));
    }

    /// @dev Runs `call`, a view of this module that answers a bool (a strict decode of prover-given bytes, which reverts
    ///      on malformed input), in a call of its own, so that a revert is the answer false. A call that failed with at
    ///      most 1/64 of the gas left ran out of it: that reverts the proof, as starving it must not fake a refusal.
    function _selfCheck(bytes memory call) internal view returns (bool) {
        uint256 before = gasleft();
        (bool ok, bytes memory answer) = address(this).staticcall(call);
        if (!ok) {
            if (gasleft() <= before / 63) revert CheckOutOfGas();
            return false;
        }
        return abi.decode(answer, (bool));
    }

    // ---- entries ------------------------------------------------------------------------------------------------

    function _childKey(bytes32 child) internal pure returns (bytes32) {
        return PlasmaLedgerTree.key(LEDGER_CHILD, child, 0, 0);
    }

    function _statusKey(bytes32 child) internal pure returns (bytes32) {
        return PlasmaLedgerTree.key(LEDGER_CHILD_STATUS, child, 0, 0);
    }

    function _balanceKey(bytes32 child, address token) internal pure returns (bytes32) {
        return PlasmaLedgerTree.key(LEDGER_SUBTREE_BALANCE, child, bytes32(uint256(uint160(token))), 0);
    }

    function _commitmentKey(bytes32 child, uint256 number) internal pure returns (bytes32) {
        return PlasmaLedgerTree.key(LEDGER_COMMITMENT, child, 0, number);
    }

    function _depositKey(bytes32 child, uint256 nonce) internal pure returns (bytes32) {
        return PlasmaLedgerTree.key(LEDGER_DEPOSIT, child, 0, nonce);
    }

    /// @dev A Child value; `known` false for the empty value (no such child).
    function _child(bytes calldata value) internal pure returns (bool known, ChildRecord memory record) {
        if (value.length == 0) return (false, record);
        return (true, abi.decode(value, (ChildRecord)));
    }

    /// @dev A ChildStatus value's status (0, live, when absent).
    function _status(bytes calldata value) internal pure returns (uint8 status) {
        if (value.length == 0) return 0;
        (status,) = abi.decode(value, (uint8, uint64));
    }

    /// @dev A one-word value (0 when absent).
    function _word(bytes calldata value) internal pure returns (uint256) {
        return value.length == 0 ? 0 : abi.decode(value, (uint256));
    }

    function _childLeaf(ChildRecord memory r) internal pure returns (bytes32) {
        return keccak256(abi.encode(r));
    }

    /// @dev keccak256(abi.encode(blockHash, uint64 windowEnd)): what a Commitment entry holds.
    function _commitmentRecord(bytes32 blockHash, uint64 windowEnd) internal pure returns (bytes32) {
        return keccak256(abi.encode(blockHash, windowEnd));
    }

    /// @dev The root of a depth-16 exit tree with `leaf` at `index` (PlasmaMerkle.computeRoot on a memory proof).
    function _exitTreeRoot(bytes32 leaf, uint256 index, bytes32[] memory proof) internal pure returns (bytes32 node) {
        node = leaf;
        for (uint256 level; level < EXIT_TREE_DEPTH; ++level) {
            node = (index >> level) & 1 == 1 ? PlasmaMerkle.hashPair(proof[level], node) : PlasmaMerkle.hashPair(node, proof[level]);
        }
    }

    // ---- accounts -----------------------------------------------------------------------------------------------

    /// @dev Witness `position`, which must open `slot` in `root` (else it reverts: a bad witness proves nothing).
    function _account(AccountWitness[] calldata accounts, uint256 position, uint32 slot, bytes32 root)
        internal
        pure
        returns (AccountWitness calldata a)
    {
        if (position >= accounts.length) revert MissingAccountWitness(position);
        a = accounts[position];
        if (a.slot != slot) revert WrongWitnessSlot(position, a.slot, slot);
        if (_accountsRootWith(a, _accountLeaf(a)) != root) revert InvalidAccountProof(slot);
    }

    function _accountLeaf(AccountWitness calldata a) internal pure returns (bytes32) {
        if (_isEmpty(a)) return 0;
        return PlasmaEncoding.accountHash(a.owner, a.token, a.balance, a.nonce);
    }

    function _isEmpty(AccountWitness calldata a) internal pure returns (bool) {
        return a.owner == address(0) && a.token == address(0) && a.balance == 0 && a.nonce == 0;
    }

    function _accountsRootWith(AccountWitness calldata a, bytes32 leaf) internal pure returns (bytes32 node) {
        uint256 index = a.slot;
        node = leaf;
        for (uint256 level; level < STATE_TREE_DEPTH; ++level) {
            node = (index >> level) & 1 == 1 ? PlasmaMerkle.hashPair(a.proof[level], node) : PlasmaMerkle.hashPair(node, a.proof[level]);
        }
    }

    /// @dev core `creditedAccount`: the refusal ("" when none) and the accounts root after `amount` of `token` is
    ///      credited to `to` in the witness's slot.
    function _credit(AccountWitness calldata a, address to, address token, uint256 amount)
        internal
        pure
        returns (string memory refusal, bytes32 root)
    {
        if (_isEmpty(a)) return ("", _accountsRootWith(a, PlasmaEncoding.accountHash(to, token, amount, 0)));
        if (a.owner != to || a.token != token) return ("SLOT_OCCUPIED", 0);
        if (a.balance > type(uint256).max - amount) return ("BALANCE_OVERFLOW", 0);
        return ("", _accountsRootWith(a, PlasmaEncoding.accountHash(a.owner, a.token, a.balance + amount, a.nonce)));
    }

    /// @dev core `burn`: the burned half of a slashed bond credited to (BURN_ADDRESS, native) at `x.slot`, opened by
    ///      `accounts[1]` in `root` (the accounts root after the payee's credit); nothing burned needs `x.slot` 0.
    ///      The refusal ("" when none) and the accounts root after it.
    function _burn(AccountWitness[] calldata accounts, BlockTx calldata x, bytes32 root, uint256 burned)
        internal
        pure
        returns (string memory refusal, bytes32)
    {
        if (burned == 0) return (x.slot != 0 ? "BURN_SLOT_UNUSED" : "", root);
        return _credit(_account(accounts, 1, x.slot, root), BURN_ADDRESS, address(0), burned);
    }

    /// @dev core `checkSender`: the refusal ("" when none) of spending `amount` of `token` from the witness's slot by
    ///      `from` with `nonce`.
    function _senderRefusal(AccountWitness calldata a, address from, address token, uint256 amount, uint64 nonce)
        internal
        pure
        returns (string memory)
    {
        if (_isEmpty(a)) return "UNKNOWN_SLOT";
        if (a.owner != from) return "SLOT_OWNER_MISMATCH";
        if (a.token != token) return "SLOT_TOKEN_MISMATCH";
        if (a.nonce != nonce) return "NONCE_MISMATCH";
        if (a.balance < amount) return "INSUFFICIENT_BALANCE";
        return "";
    }

    /// @dev The accounts root after the witness's slot is debited `amount` and its nonce bumped.
    function _debit(AccountWitness calldata a, uint256 amount) internal pure returns (bytes32) {
        return _accountsRootWith(a, PlasmaEncoding.accountHash(a.owner, a.token, a.balance - amount, a.nonce + 1));
    }

    /// @dev An EIP-712 signature of `structHash` in the tree's domain recovers `from` (v ∈ {27, 28}, low s).
    function _signedBy(Ctx memory c, bytes32 structHash, address from, bytes32 r, bytes32 s, uint8 v) internal pure returns (bool) {
        if (v != 27 && v != 28) return false;
        if (uint256(s) > HALF_CURVE_ORDER) return false;
        address signer = ecrecover(keccak256(abi.encodePacked(hex"1901", c.domainSeparator, structHash)), v, r, s);
        return signer != address(0) && signer == from;
    }

    /// @dev PlasmaFraudVerifier.verifyQuorum (PlasmaRoot.commit's rule, core verifyQuorum) in the same order, its
    ///      errors as core's codes ("" when the quorum holds): shared by COMMIT_CHILD and an equivocation's two quorums.
    function _quorumRefusal(address[] memory validatorSet, uint256 threshold, bytes32 digest, bytes memory signatures)
        internal
        pure
        returns (string memory)
    {
        if (signatures.length % SIGNATURE_BYTES != 0) return "BAD_SIGNATURES_LENGTH";
        uint256 count = signatures.length / SIGNATURE_BYTES;
        if (count < threshold) return "NOT_ENOUGH_SIGNATURES";
        address previous;
        uint256 cursor;
        for (uint256 i; i < count; ++i) {
            bytes32 r;
            bytes32 s;
            uint8 v;
            assembly ("memory-safe") {
                let p := add(add(signatures, 0x20), mul(i, 65))
                r := mload(p)
                s := mload(add(p, 0x20))
                v := and(mload(add(p, 0x21)), 0xff) // byte 64 of the signature, read without passing its end
            }
            if (v != 27 && v != 28) return "SIGNATURE_BAD_V";
            if (uint256(s) > HALF_CURVE_ORDER) return "SIGNATURE_HIGH_S";
            address signer = ecrecover(digest, v, r, s);
            if (signer == address(0)) return "INVALID_SIGNATURE";
            if (signer <= previous) return "SIGNERS_NOT_SORTED";
            while (cursor < validatorSet.length && validatorSet[cursor] < signer) ++cursor;
            if (cursor == validatorSet.length || validatorSet[cursor] != signer) return "SIGNER_NOT_VALIDATOR";
            previous = signer;
        }
        return "";
    }
}
