// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Header, BlockTx, TxWitness, AccountWitness, ExitWitness} from "./lib/PlasmaTypes.sol";
import {PlasmaEncoding} from "./lib/PlasmaEncoding.sol";
import {PlasmaMerkle} from "./lib/PlasmaMerkle.sol";

/// @title PlasmaFraudVerifier
/// @notice The stateless half of the fraud proofs of docs/FRAUD.md §3 (phase 1): transaction-tree and accounts-tree
///         proofs, the form of a block transaction, and the state transition of kinds 0-2 (DEPOSIT, TRANSFER,
///         WITHDRAW) re-executed on one or two account witnesses. Every function is pure: PlasmaRoot reads its own
///         storage (commitment records, deposit records, validator sets), passes the facts in, and calls this
///         contract with STATICCALL. It is a separate contract so that PlasmaRoot stays under the 24 KiB code limit.
/// @dev The rules are docs/SPEC.md "State transition function" word for word, as core's `applyTx` runs them; the shared
///      vectors (contracts/test/fraud-vectors.test.ts) check both sides agree on leaves and roots byte for byte.
///      A witness that does not verify (a bad Merkle proof, a pre-state root that does not split) reverts: a proof
///      built on wrong data proves nothing. A transaction the rules refuse returns its fault code.
contract PlasmaFraudVerifier {
    /// @notice Depth of a block's transaction tree (SPEC: at most 65,536 txs per block).
    uint256 public constant TX_TREE_DEPTH = 16;
    /// @notice Depth of a block's exit tree (token exits and up edge events).
    uint256 public constant EXIT_TREE_DEPTH = 16;
    /// @notice Depth of a chain's accounts tree.
    uint256 public constant STATE_TREE_DEPTH = 32;
    /// @notice At most this many storage writes in an edge tx's stated effect (core MAX_EDGE_WRITES, docs/SPEC.md).
    uint256 public constant MAX_EDGE_WRITES = 4;
    /// @notice At most this many bytes of values in an edge tx's stated effect (core MAX_EDGE_WRITE_BYTES).
    uint256 public constant MAX_EDGE_WRITE_BYTES = 8192;
    /// @notice At most this many bytes of a tx's data (core MAX_TX_DATA_BYTES): a tx takes at most 65,536 bytes in a
    ///         publication call (its 16 fixed words and its padded data, core publicationSize) at every depth, so that
    ///         a data chunk always fits one tx of its host (docs/LEDGER-PROOFS.md "A size rule for block data").
    uint256 public constant MAX_TX_DATA_BYTES = 65_024;
    /// @notice State root before block 1: keccak256(zero[32] ‖ zero[256]) (SPEC "State").
    bytes32 public constant EMPTY_STATE_ROOT = 0xa116e19a7984f21055d07b606c55628a5ffbf8ae1261c1e9f4e3a61620cf810a;

    // Fault codes of {transitionFault}: why the STF refuses the transaction (0 = it does not).
    uint8 public constant VALID = 0;
    /// The words break the kind's form (docs/SPEC.md "Transactions inside a block"; core's checkBlockTxForm).
    uint8 public constant FAULT_MALFORMED = 1;
    uint8 public constant FAULT_ZERO_AMOUNT = 2;
    uint8 public constant FAULT_SELF_TRANSFER = 3;
    /// The signature does not recover `from` in the tree's EIP-712 domain (or breaks v ∈ {27, 28}, low s).
    uint8 public constant FAULT_BAD_SIGNATURE = 4;
    uint8 public constant FAULT_UNKNOWN_SLOT = 5;
    uint8 public constant FAULT_SLOT_OWNER_MISMATCH = 6;
    uint8 public constant FAULT_SLOT_TOKEN_MISMATCH = 7;
    uint8 public constant FAULT_NONCE_MISMATCH = 8;
    uint8 public constant FAULT_INSUFFICIENT_BALANCE = 9;
    /// The credited slot holds another (owner, token).
    uint8 public constant FAULT_SLOT_OCCUPIED = 10;
    uint8 public constant FAULT_BALANCE_OVERFLOW = 11;
    /// Everything checks, but the recomputed post-state root is not the tx's `postStateRoot`.
    uint8 public constant FAULT_POST_ROOT_MISMATCH = 12;
    /// A deposit whose nonce is not `prev.depositNonce + index + 1` (applied twice, out of order, not down-stream first).
    uint8 public constant FAULT_DEPOSIT_OUT_OF_ORDER = 13;
    /// A deposit in order but above the header's depositNonce.
    uint8 public constant FAULT_DEPOSIT_BEYOND_HEADER = 14;
    /// A deposit the parent did not record (forged): its depositHash is not the parent's record under its nonce.
    uint8 public constant FAULT_DEPOSIT_MISMATCH = 15;
    /// A tx of kind 3-15 the STF refuses on its pre-state (its ledger module names the reason: {ledgerTransition}).
    uint8 public constant FAULT_LEDGER_REFUSED = 16;

    /// @notice The modules that re-execute the ledger kinds (docs/LEDGER-PROOFS.md §5.2), by kind group; address(0):
    ///         that group is not provable yet (ProofKindNotSupported). Stateless, called with STATICCALL.
    address public immutable ledgerRegistry; // 3 DEPOSIT_TO_CHILD, 4 COMMIT_CHILD, 6 SPAWN_CHILD, 13 FREEZE_STALLED_CHILD
    address public immutable ledgerExits; // 5 FINALIZE_CHILD_EXIT, 11 ESCAPE_CHILD_EXIT, 12 RECLAIM_CHILD_DEPOSIT
    address public immutable ledgerObjections; // 14 CHALLENGE_CHILD_DATA, 15 CHILD_DATA_CALL
    address public immutable ledgerEdges; // 7 EDGE_SEND, 8 EDGE_FROM_PARENT, 9 EDGE_FROM_CHILD (refusals only)
    address public immutable ledgerChildFraud; // 10 PROVE_CHILD_FRAUD
    address public immutable ledgerNested; // 16 NESTED_ESCAPE_CALL

    /// @dev secp256k1n / 2 (EIP-2), as in PlasmaRoot and core's signature rules.
    uint256 private constant HALF_CURVE_ORDER = 0x7FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF5D576E7357A4501DDFE92F46681B20A0;

    /// @notice What PlasmaRoot knows of the disputed block and hands to {transitionFault}.
    struct TransitionInput {
        bytes32 domainSeparator; // the root's EIP-712 domain: every chain of the tree shares it
        bytes32 chainId;
        bytes32 txRoot; // the disputed header's
        bytes32 prevStateRoot; // the state root before tx 0: the previous header's, EMPTY_STATE_ROOT for block 1
        uint64 prevDepositNonce; // the previous header's depositNonce (0 for block 1)
        uint64 depositNonce; // the disputed header's
        bytes32 depositRecord; // the root's record under tx.nonce (read by kinds 0 and 8)
    }

    error TxIndexOutOfRange(uint256 index);
    error TxNotInBlock(uint256 index);
    error BadPreTx(uint256 index, uint256 expected);
    error PreStateMismatch(bytes32 preStateRoot, bytes32 accountsRoot, bytes32 ledgerRoot);
    error MissingAccountWitness(uint256 position);
    error WrongWitnessSlot(uint256 position, uint32 slot, uint32 expected);
    error InvalidAccountProof(uint32 slot);
    error BadNextTx(uint256 index, uint256 expected);
    error ExitIndexOutOfRange(uint256 index);
    error ExitNotInBlock(uint256 index);
    /// @notice No module proves transitions of this tx kind yet (docs/LEDGER-PROOFS.md §7).
    error ProofKindNotSupported(uint8 kind);
    /// @notice A ledger module's call ran out of gas (it failed with at most 1/64 of the gas left): send the proof with
    ///         more. Typed, so that a caller judging a nested proof never takes it for a witness that does not decode.
    error CheckOutOfGas();
    // {verifyQuorum}: PlasmaRoot's errors of the same names
    error BadSignaturesLength(uint256 length);
    error NotEnoughSignatures(uint256 count, uint256 threshold);
    error SignatureBadV(uint256 position, uint8 v);
    error SignatureHighS(uint256 position);
    error InvalidSignature(uint256 position);
    error SignersNotSorted(uint256 position, address previous, address signer);
    error SignerNotValidator(uint256 position, address signer);

    /// @param modules The ledger modules: registry, exits, objections, edges, child fraud, nested escape (address(0) for
    ///        a group not deployed).
    constructor(address[6] memory modules) {
        ledgerRegistry = modules[0];
        ledgerExits = modules[1];
        ledgerObjections = modules[2];
        ledgerEdges = modules[3];
        ledgerChildFraud = modules[4];
        ledgerNested = modules[5];
    }

    // ---------------------------------------------------------------------------------------------------------------
    // The proofs. Each takes the arguments of its PlasmaRoot entry point exactly as the root received them (`msg.data`
    // without the selector), so the root forwards them without re-encoding its largest arguments.
    // ---------------------------------------------------------------------------------------------------------------

    /// @notice Re-executes tx `t` of a block on its pre-state and says why the STF refuses it (0 if it does not).
    /// @param rootArgs The arguments of PlasmaRoot.proveInvalidTransition: `(bytes32 chainId, Header h, uint64
    ///        windowEnd, Header prev, uint64 prevWindowEnd, TxWitness t, TxWitness preTx, bytes32 accountsRoot, bytes32
    ///        ledgerRoot, AccountWitness[] accounts)`. The root has checked `h` and `prev` against its records.
    /// @dev Reverts unless `t` is in `input.txRoot`; its pre-state root is `input.prevStateRoot` for index 0, else
    ///      `preTx.postStateRoot` where `preTx` is the block's tx `index - 1` (checked in the same tree); that root must
    ///      be `keccak256(accountsRoot ‖ ledgerRoot)`. `accounts[0]` opens the debited slot (kinds 1, 2) or the
    ///      credited one (kind 0) in `accountsRoot`; `accounts[1]` the credited slot of a transfer, in the accounts root
    ///      after the sender's update. A witness is only needed once a check reaches it (a bad signature needs none).
    ///      Kinds 3-15 (docs/LEDGER-PROOFS.md): after the same checks of `t`, its pre-state and its form, the kind's
    ///      ledger module re-executes it on the 11th argument, a LedgerTxWitness; a module's revert (a bad witness, out
    ///      of gas) reverts the proof, so no refusal can be faked by starving it.
    /// @return fault A FAULT_* code, or VALID.
    /// @return postStateRoot The recomputed post-state root when every check passed (else 0).
    function transitionFault(TransitionInput calldata input, bytes calldata rootArgs)
        external
        view
        returns (uint8 fault, bytes32 postStateRoot)
    {
        (,,,,, TxWitness memory t, TxWitness memory preTx, bytes32 accountsRoot, bytes32 ledgerRoot, AccountWitness[] memory accounts)
        = abi.decode(rootArgs, (bytes32, Header, uint64, Header, uint64, TxWitness, TxWitness, bytes32, bytes32, AccountWitness[]));
        if (t.tx.kind <= 2) return transition(input, t, preTx, accountsRoot, ledgerRoot, accounts);
        address module = ledgerModuleOf(t.tx.kind); // first: a kind no module proves is refused as it always was
        _checkPreState(input, t, preTx, accountsRoot, ledgerRoot);
        if (isMalformed(t.tx, t.data)) return (FAULT_MALFORMED, 0);
        bytes32 refusal;
        (refusal, postStateRoot) = _ledgerCall(module, input.domainSeparator, input.depositRecord, rootArgs);
        if (refusal != 0) return (FAULT_LEDGER_REFUSED, 0);
        if (postStateRoot != t.postStateRoot) return (FAULT_POST_ROOT_MISMATCH, postStateRoot);
    }

    /// @notice What the ledger module of `kind` says of the proof `rootArgs` (PlasmaRoot.proveInvalidTransition's 11
    ///         arguments), given the root's down-stream record under the tx's nonce (only kind 8 reads it): keccak256 of
    ///         core's refusal code (0 = valid) and the recomputed post-state root. It does not check the tx against the
    ///         block: {transitionFault} does, before calling it.
    function ledgerTransition(bytes32 domainSeparator, bytes32 depositRecord, uint8 kind, bytes calldata rootArgs)
        external
        view
        returns (bytes32 refusal, bytes32 postStateRoot)
    {
        return _ledgerCall(ledgerModuleOf(kind), domainSeparator, depositRecord, rootArgs);
    }

    /// @notice The module that proves transitions of tx `kind` (3-16); reverts ProofKindNotSupported when none does.
    function ledgerModuleOf(uint8 kind) public view returns (address module) {
        module = kind == 3 || kind == 4 || kind == 6 || kind == 13 ? ledgerRegistry
            : kind == 5 || kind == 11 || kind == 12 ? ledgerExits
            : kind == 14 || kind == 15 ? ledgerObjections
            : kind >= 7 && kind <= 9 ? ledgerEdges
            : kind == 10 ? ledgerChildFraud
            : kind == 16 ? ledgerNested
            : address(0);
        if (module == address(0)) revert ProofKindNotSupported(kind);
    }

    function _ledgerCall(address module, bytes32 domainSeparator, bytes32 depositRecord, bytes calldata rootArgs)
        private
        view
        returns (bytes32 refusal, bytes32 postStateRoot)
    {
        // PlasmaLedgerModule.ledgerTransition(the 11 arguments), then the domain separator and the record after them.
        uint256 before = gasleft();
        (bool ok, bytes memory answer) =
            module.staticcall(abi.encodePacked(LEDGER_TRANSITION_SELECTOR, rootArgs, domainSeparator, depositRecord));
        if (!ok) {
            if (gasleft() <= before / 63) revert CheckOutOfGas();
            assembly ("memory-safe") {
                revert(add(answer, 0x20), mload(answer))
            }
        }
        (refusal, postStateRoot) = abi.decode(answer, (bytes32, bytes32));
    }

    /// @dev PlasmaLedgerModule.ledgerTransition's selector.
    bytes4 private constant LEDGER_TRANSITION_SELECTOR = bytes4(keccak256(
        "ledgerTransition(bytes32,(bytes32,uint64,bytes32,bytes32,bytes32,bytes32,uint64,uint64),uint64,(bytes32,uint64,bytes32,bytes32,bytes32,bytes32,uint64,uint64),uint64,((uint8,uint32,uint32,address,address,address,uint256,uint64,bytes32,bytes32,uint8),bytes,bytes32,uint64,uint256,bytes32[16]),((uint8,uint32,uint32,address,address,address,uint256,uint64,bytes32,bytes32,uint8),bytes,bytes32,uint64,uint256,bytes32[16]),bytes32,bytes32,(uint32,address,address,uint256,uint64,bytes32[32])[],((bytes,uint256,bytes32[])[],bytes))"
    ));

    /// @notice {transitionFault} on decoded arguments (the shared vectors call it directly).
    function transition(
        TransitionInput memory input,
        TxWitness memory t,
        TxWitness memory preTx,
        bytes32 accountsRoot,
        bytes32 ledgerRoot,
        AccountWitness[] memory accounts
    ) public pure returns (uint8 fault, bytes32 postStateRoot) {
        _checkPreState(input, t, preTx, accountsRoot, ledgerRoot);

        BlockTx memory x = t.tx;
        if (isMalformed(x, t.data)) return (FAULT_MALFORMED, 0);
        bytes32 root;
        if (x.kind == 0) {
            // Down stream first (docs/FRAUD.md §3): the block's first `depositNonce - prevDepositNonce` txs are the
            // parent's next events in nonce order, so the deposit at `index` carries nonce prev + index + 1.
            if (x.nonce != uint256(input.prevDepositNonce) + t.index + 1) return (FAULT_DEPOSIT_OUT_OF_ORDER, 0);
            if (x.nonce > input.depositNonce) return (FAULT_DEPOSIT_BEYOND_HEADER, 0);
            if (!PlasmaEncoding.recordIs(input.depositRecord, keccak256(abi.encode(input.chainId, x.nonce, x.from, x.to, x.token, x.amount)))) {
                return (FAULT_DEPOSIT_MISMATCH, 0);
            }
            (fault, root) = _credit(x, accountsRoot, accounts, 0);
        } else {
            (fault, root) = _spend(input, x, accountsRoot, accounts);
        }
        if (fault != VALID) return (fault, 0);
        postStateRoot = PlasmaMerkle.hashPair(root, ledgerRoot);
        if (postStateRoot != t.postStateRoot) return (FAULT_POST_ROOT_MISMATCH, postStateRoot);
    }

    /// @dev Reverts unless `t` is in the block and its pre-state root (the previous header's, or `preTx`'s post-state
    ///      root) is keccak256(accountsRoot ‖ ledgerRoot).
    function _checkPreState(TransitionInput memory input, TxWitness memory t, TxWitness memory preTx, bytes32 accountsRoot, bytes32 ledgerRoot)
        private
        pure
    {
        if (txRootOf(t) != input.txRoot) revert TxNotInBlock(t.index);
        bytes32 pre = input.prevStateRoot;
        if (t.index != 0) {
            if (preTx.index != t.index - 1) revert BadPreTx(preTx.index, t.index - 1);
            if (txRootOf(preTx) != input.txRoot) revert TxNotInBlock(preTx.index);
            pre = preTx.postStateRoot;
        }
        if (PlasmaMerkle.hashPair(accountsRoot, ledgerRoot) != pre) revert PreStateMismatch(pre, accountsRoot, ledgerRoot);
    }

    /// @dev TRANSFER and WITHDRAW: the sender checks, the debit, and for a transfer the credit.
    function _spend(TransitionInput memory input, BlockTx memory x, bytes32 accountsRoot, AccountWitness[] memory accounts)
        private
        pure
        returns (uint8, bytes32)
    {
        if (x.amount == 0) return (FAULT_ZERO_AMOUNT, 0);
        if (x.kind == 1 && x.toSlot == x.slot) return (FAULT_SELF_TRANSFER, 0);
        if (!_signedByFrom(input.domainSeparator, input.chainId, x)) return (FAULT_BAD_SIGNATURE, 0);
        AccountWitness memory a = _witness(accounts, 0, x.slot);
        if (accountsRootOf(a) != accountsRoot) revert InvalidAccountProof(a.slot);
        if (_isEmpty(a)) return (FAULT_UNKNOWN_SLOT, 0);
        if (a.owner != x.from) return (FAULT_SLOT_OWNER_MISMATCH, 0);
        if (a.token != x.token) return (FAULT_SLOT_TOKEN_MISMATCH, 0);
        if (a.nonce != x.nonce) return (FAULT_NONCE_MISMATCH, 0);
        if (a.balance < x.amount) return (FAULT_INSUFFICIENT_BALANCE, 0);
        bytes32 root = accountsRootWith(a, PlasmaEncoding.accountHash(a.owner, a.token, a.balance - x.amount, a.nonce + 1));
        if (x.kind == 2) return (VALID, root);
        return _credit(x, root, accounts, 1);
    }

    /// @dev Credits `x.amount` of `x.token` to `x.to` in slot `x.toSlot`, opened by `accounts[position]` in `root`.
    function _credit(BlockTx memory x, bytes32 root, AccountWitness[] memory accounts, uint256 position)
        private
        pure
        returns (uint8, bytes32)
    {
        AccountWitness memory r = _witness(accounts, position, x.toSlot);
        if (accountsRootOf(r) != root) revert InvalidAccountProof(r.slot);
        bytes32 leaf;
        if (_isEmpty(r)) {
            leaf = PlasmaEncoding.accountHash(x.to, x.token, x.amount, 0);
        } else {
            if (r.owner != x.to || r.token != x.token) return (FAULT_SLOT_OCCUPIED, 0);
            if (r.balance > type(uint256).max - x.amount) return (FAULT_BALANCE_OVERFLOW, 0);
            leaf = PlasmaEncoding.accountHash(r.owner, r.token, r.balance + x.amount, r.nonce);
        }
        return (VALID, accountsRootWith(r, leaf));
    }

    function _witness(AccountWitness[] memory accounts, uint256 position, uint32 slot)
        private
        pure
        returns (AccountWitness memory a)
    {
        if (position >= accounts.length) revert MissingAccountWitness(position);
        a = accounts[position];
        if (a.slot != slot) revert WrongWitnessSlot(position, a.slot, slot);
    }

    /// @dev The user's EIP-712 signature of a TRANSFER or WITHDRAW recovers `from` (v ∈ {27, 28}, low s, as core's rules).
    function _signedByFrom(bytes32 domainSeparator, bytes32 chainId, BlockTx memory x) private pure returns (bool) {
        if (x.v != 27 && x.v != 28) return false;
        if (uint256(x.s) > HALF_CURVE_ORDER) return false;
        bytes32 structHash = x.kind == 1
            ? PlasmaEncoding.transferStructHash(chainId, x.slot, x.to, x.token, x.amount, x.nonce)
            : PlasmaEncoding.withdrawStructHash(chainId, x.slot, x.to, x.token, x.amount, x.nonce);
        bytes32 digest = keccak256(abi.encodePacked(hex"1901", domainSeparator, structHash));
        address signer = ecrecover(digest, x.v, x.r, x.s);
        return signer != address(0) && signer == x.from;
    }

    /// @notice Whether position `t.index` of block `h`, one of its first `h.depositNonce - prev.depositNonce` txs (the
    ///         down events its header claims), fails to hold the parent's next event: a kind other than 0 or 8, or the
    ///         wrong nonce. An all-zero `t` (tx, data and postStateRoot) stands for the empty leaf. Reverts unless `t` is
    ///         in `h.txRoot`.
    /// @param rootArgs The arguments of PlasmaRoot.proveMissingDownEvent: `(bytes32 chainId, Header h, uint64 windowEnd,
    ///        Header prev, uint64 prevWindowEnd, TxWitness t)`.
    /// @return reason 0 if the block is at fault, else why it is not.
    function missingDownEvent(bytes calldata rootArgs) external pure returns (bytes32 reason) {
        (, Header memory h,, Header memory prev,, TxWitness memory t) =
            abi.decode(rootArgs, (bytes32, Header, uint64, Header, uint64, TxWitness));
        if (t.index >= uint256(h.depositNonce) - prev.depositNonce) return "NOT_A_DOWN_POSITION";
        BlockTx memory x = t.tx;
        bool empty = _isEmptyTx(t);
        if (txRootWith(t, empty ? bytes32(0) : txLeaf(t)) != h.txRoot) revert TxNotInBlock(t.index);
        if (!empty && (x.kind == 0 || x.kind == 8) && x.nonce == uint256(prev.depositNonce) + t.index + 1) {
            return "DOWN_EVENT_PRESENT";
        }
    }

    /// @notice Whether block `h`'s exit tree is not the exits its transactions make (docs/FRAUD.md §3, InvalidExits).
    ///         Every tx leaf carries its exit index (the leaves the txs before it made), so one or two txs and one exit
    ///         leaf decide it: (a) `t` makes an exit (makesExit) and the leaf `e` at `t.exitIndex` is not the one its
    ///         words give; (b) `t` is tx 0 and its exit index is not 0; (c) `next` (tx `t.index + 1`) has an exit index
    ///         other than `t`'s plus the exit `t` makes; (d) `next` is the empty position (so `t` is the last tx) and
    ///         `e` is a non-zero leaf at or past `t`'s exit index plus its exit. A block without txs is `t` = the empty
    ///         position 0 (all zero), and any non-zero `e` convicts it. Empty positions are all-zero witnesses, as in
    ///         {missingDownEvent}. Reverts unless `t`, `next` (when read) and `e` (when read) are in `h`'s trees.
    /// @param rootArgs The arguments of PlasmaRoot.proveInvalidExits: `(bytes32 chainId, Header h, uint64 windowEnd,
    ///        Header prev, uint64 prevWindowEnd, TxWitness t, TxWitness next, ExitWitness e)`.
    /// @return reason 0 if the block is at fault, else why it is not.
    function invalidExits(bytes calldata rootArgs) external pure returns (bytes32 reason) {
        (, Header memory h,,,, TxWitness memory t, TxWitness memory next, ExitWitness memory e) =
            abi.decode(rootArgs, (bytes32, Header, uint64, Header, uint64, TxWitness, TxWitness, ExitWitness));
        bool empty = _isEmptyTx(t);
        if (txRootWith(t, empty ? bytes32(0) : txLeaf(t)) != h.txRoot) revert TxNotInBlock(t.index);
        if (empty) {
            if (t.index != 0) return "NOT_THE_FIRST_TX";
            return _exitLeafAt(h, e) != 0 ? bytes32(0) : bytes32("NO_EXTRA_EXIT");
        }
        if (t.index == 0 && t.exitIndex != 0) return 0;
        bool made = makesExit(t.tx, t.data);
        uint256 count = uint256(t.exitIndex) + (made ? 1 : 0);
        if (made && e.index == t.exitIndex) {
            if (count > 1 << EXIT_TREE_DEPTH) return 0; // no room left in the exit tree for t's exit
            return _exitLeafAt(h, e) == expectedExitLeaf(h.chainId, t.tx, t.data) ? bytes32("EXIT_MATCHES") : bytes32(0);
        }
        // The last position of a full tx tree has no next one.
        if (t.index + 1 < 1 << TX_TREE_DEPTH) {
            if (next.index != t.index + 1) revert BadNextTx(next.index, t.index + 1);
            bool nextEmpty = _isEmptyTx(next);
            if (txRootWith(next, nextEmpty ? bytes32(0) : txLeaf(next)) != h.txRoot) revert TxNotInBlock(next.index);
            if (!nextEmpty) return next.exitIndex != count ? bytes32(0) : bytes32("EXIT_INDEX_OK");
        }
        if (e.index < count) return "NOT_PAST_THE_EXITS";
        return _exitLeafAt(h, e) != 0 ? bytes32(0) : bytes32("NO_EXTRA_EXIT");
    }

    /// @notice Whether a block transaction appends a leaf to the exit tree, from its words: a WITHDRAW, or an EDGE_SEND
    ///         whose data (`abi.encode(bytes32 fn, bytes32 child, bytes payload)`) names child 0 (core's makesExit).
    function makesExit(BlockTx memory x, bytes memory data) public pure returns (bool) {
        if (x.kind == 2) return true;
        if (x.kind != 7 || data.length < 64) return false;
        bytes32 child;
        assembly ("memory-safe") {
            child := mload(add(data, 64))
        }
        return child == 0;
    }

    /// @notice The exit-tree leaf a transaction that makes an exit gives: a WITHDRAW's exitHash(to, token, amount), an up
    ///         EDGE_SEND's edgeUpLeaf(fn, chainId, from, keccak256(payload)) (reverts on data that does not decode).
    function expectedExitLeaf(bytes32 chainId, BlockTx memory x, bytes memory data) public pure returns (bytes32) {
        if (x.kind == 2) return keccak256(abi.encode(x.to, x.token, x.amount));
        (bytes32 fn,, bytes memory payload) = abi.decode(data, (bytes32, bytes32, bytes));
        return keccak256(abi.encode(fn, chainId, x.from, keccak256(payload)));
    }

    /// @dev The leaf of `e` after checking it under `h.exitRoot`.
    function _exitLeafAt(Header memory h, ExitWitness memory e) private pure returns (bytes32) {
        uint256 index = e.index;
        if (index >> EXIT_TREE_DEPTH != 0) revert ExitIndexOutOfRange(index);
        bytes32 node = e.leaf;
        for (uint256 level; level < EXIT_TREE_DEPTH; ++level) {
            node = (index >> level) & 1 == 1 ? PlasmaMerkle.hashPair(e.proof[level], node) : PlasmaMerkle.hashPair(node, e.proof[level]);
        }
        if (node != h.exitRoot) revert ExitNotInBlock(index);
        return e.leaf;
    }

    /// @dev An all-zero witness: the empty position of the tx tree.
    function _isEmptyTx(TxWitness memory t) private pure returns (bool) {
        BlockTx memory x = t.tx;
        return x.kind == 0 && x.slot == 0 && x.toSlot == 0 && x.from == address(0) && x.to == address(0)
            && x.token == address(0) && x.amount == 0 && x.nonce == 0 && x.r == 0 && x.s == 0 && x.v == 0 && t.data.length == 0
            && t.postStateRoot == 0 && t.exitIndex == 0;
    }

    /// @notice Whether tx `t` of block `h` (in `h.txRoot`, else it reverts) breaks its kind's form ({isMalformed}).
    /// @param rootArgs The arguments of PlasmaRoot.proveMalformedTx: `(bytes32 chainId, Header h, uint64 windowEnd,
    ///        Header prev, uint64 prevWindowEnd, TxWitness t)`.
    function malformedTx(bytes calldata rootArgs) external pure returns (bool) {
        (, Header memory h,,,, TxWitness memory t) = abi.decode(rootArgs, (bytes32, Header, uint64, Header, uint64, TxWitness));
        if (txRootOf(t) != h.txRoot) revert TxNotInBlock(t.index);
        return isMalformed(t.tx, t.data);
    }

    /// @notice The state root an escape proves: keccak256(accounts root of the witness ‖ ledgerRoot).
    /// @param rootArgs The arguments of PlasmaRoot.escapeExit: `(bytes32 chainId, Header head, uint64 windowEnd, bytes32
    ///        ledgerRoot, AccountWitness account)`.
    function escapeStateRoot(bytes calldata rootArgs) external pure returns (bytes32) {
        (,,, bytes32 ledgerRoot, AccountWitness memory account) =
            abi.decode(rootArgs, (bytes32, Header, uint64, bytes32, AccountWitness));
        return PlasmaMerkle.hashPair(accountsRootOf(account), ledgerRoot);
    }

    /// @notice Reverts unless `signatures` holds at least `threshold` valid, low-s signatures of `digest` by distinct
    ///         members of `validatorSet` (ascending), in ascending signer order: PlasmaRoot.commit's rule, with its
    ///         errors, for the two quorums of an equivocation.
    function verifyQuorum(address[] calldata validatorSet, uint256 threshold, bytes32 digest, bytes calldata signatures)
        external
        pure
    {
        if (signatures.length % 65 != 0) revert BadSignaturesLength(signatures.length);
        uint256 count = signatures.length / 65;
        if (count < threshold) revert NotEnoughSignatures(count, threshold);
        address previous = address(0);
        uint256 cursor = 0;
        for (uint256 i; i < count; ++i) {
            bytes32 r;
            bytes32 s;
            uint8 v;
            assembly ("memory-safe") {
                let p := add(signatures.offset, mul(i, 65))
                r := calldataload(p)
                s := calldataload(add(p, 0x20))
                v := byte(0, calldataload(add(p, 0x40)))
            }
            if (v != 27 && v != 28) revert SignatureBadV(i, v);
            if (uint256(s) > HALF_CURVE_ORDER) revert SignatureHighS(i);
            address signer = ecrecover(digest, v, r, s);
            if (signer == address(0)) revert InvalidSignature(i);
            if (signer <= previous) revert SignersNotSorted(i, previous, signer);
            address candidate;
            while (cursor < validatorSet.length && (candidate = validatorSet[cursor]) < signer) ++cursor;
            if (candidate != signer) revert SignerNotValidator(i, signer);
            previous = signer;
        }
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Form, leaves and trees
    // ---------------------------------------------------------------------------------------------------------------

    /// @notice Whether the words break the kind's form (docs/SPEC.md "Transactions inside a block", core's
    ///         checkBlockTxForm): kind > 16, data over MAX_TX_DATA_BYTES, a word the kind must leave 0 that is not 0,
    ///         non-empty data in kinds 0-2, or data of kinds 3-15 that is not its kind's one canonical abi.encode (core's
    ///         strict decoders, txData.ts).
    function isMalformed(BlockTx memory x, bytes memory data) public pure returns (bool) {
        uint8 k = x.kind;
        if (k > 16 || data.length > MAX_TX_DATA_BYTES) return true;
        if (k <= 2 ? data.length != 0 : !_canonical(data, _dataLayout(k))) return true;
        bool noSignature = x.r == 0 && x.s == 0 && x.v == 0;
        bool noValue = x.toSlot == 0 && x.to == address(0) && x.token == address(0) && x.amount == 0;
        if (k == 0) return x.slot != 0 || !noSignature;
        if (k == 1) return false;
        if (k == 2 || k == 3) return x.toSlot != 0;
        if (k == 4) return x.slot != 0 || x.from != address(0) || !noValue || x.nonce != 0 || !noSignature;
        if (k == 5) return x.slot != 0 || x.from != address(0) || x.nonce != 0 || !noSignature;
        // 6 SPAWN_CHILD and 14 CHALLENGE_CHILD_DATA (docs/FRAUD.md §9b): a signed bond from the native slot.
        if (k == 6 || k == 14) return x.toSlot != 0 || x.to != address(0) || x.token != address(0);
        if (k == 7) return !noValue;
        // 8: the delivery's status is 1 (delivered) or 2 (failed) (core decodeEdgeFromParentData).
        if (k == 8) return x.slot != 0 || !noValue || !noSignature || (_wordAt(data, 64) != 1 && _wordAt(data, 64) != 2);
        if (k == 9) return x.slot != 0 || !noValue || x.nonce != 0 || !noSignature;
        // 11 ESCAPE_CHILD_EXIT (docs/FRAUD.md §8): unsigned; to, token, amount repeat the account witness in data.
        // 16 NESTED_ESCAPE_CALL (§4c): the same form; to, token, amount are who the call in data pays.
        if (k == 11 || k == 16) return x.slot != 0 || x.from != address(0) || x.nonce != 0 || !noSignature;
        // 12 RECLAIM_CHILD_DEPOSIT (§8): unsigned; from, to, token, amount, nonce are the deposit given back.
        if (k == 12) return x.slot != 0 || !noSignature;
        // 13 FREEZE_STALLED_CHILD (§8): every word 0; the child is in data.
        if (k == 13) return x.slot != 0 || x.from != address(0) || !noValue || x.nonce != 0 || !noSignature;
        // 10 PROVE_CHILD_FRAUD (docs/FRAUD.md §7) and 15 CHILD_DATA_CALL (§9b): unsigned, `to` is who is paid, the payment
        // is not a word; `slot` is where a slashed bond's burned half goes (0 when nothing burns, checked when applied).
        return x.from != address(0) || x.token != address(0) || x.to == address(0) || x.amount != 0 || x.nonce != 0
            || !noSignature;
    }

    /// @dev The head of kind `k`'s data (docs/SPEC.md, core txData.ts), one letter per head word: `w` any word (bytes32,
    ///      uint256), `a` an address, `1`/`4`/`8` a uint8/uint32/uint64, `B` a dynamic `bytes`, `X` a dynamic `bytes32[]`,
    ///      `L` a dynamic `address[]`, `W` a dynamic EdgeWrite[] (`(bytes32 keyHash, bytes value)[]`, at most
    ///      MAX_EDGE_WRITES, MAX_EDGE_WRITE_BYTES of values). A Header is `w8wwww88`, an Exit `aaw`, an AccountWitness `4aaw8` and 32 words.
    function _dataLayout(uint8 k) private pure returns (bytes memory) {
        if (k == 3 || k == 12 || k == 13) return "w"; // child
        if (k == 4) return "ww8wwww88B"; // child, header, signatures
        if (k == 5) return "ww8wwww888aawwX"; // child, header, windowEnd, exit, index, proof
        if (k == 6) return "L188"; // validators, threshold, challengeWindow, stallLimit
        if (k == 7) return "wwBW"; // fn, child, payload, writes
        if (k == 8) return "wB1W"; // fn, payload, status, writes
        if (k == 15 || k == 16) return "wB"; // child (16: the frozen chain), call
        if (k == 9) return "ww8wwww888wBwXW"; // child, header, windowEnd, fn, payload, index, proof, writes
        if (k == 10) return "w1B"; // child, fraudKind, args
        if (k == 11) return "ww8wwww888w4aaw8wwwwwwwwwwwwwwwwwwwwwwwwwwwwwwww"; // child, head, windowEnd, ledgerRoot, account
        return "ww8wwww888"; // 14: child, header, windowEnd
    }

    /// @dev Whether `data` is the canonical abi.encode of `layout`: every static word in its type's range, each dynamic
    ///      part where the one before it ends (its offset the running tail), `bytes` zero-padded, nothing after the last.
    ///      Never reverts: a malformed encoding is an answer, not an error.
    function _canonical(bytes memory data, bytes memory layout) private pure returns (bool) {
        uint256 len = data.length;
        uint256 tail = layout.length * 32;
        if (len < tail) return false;
        for (uint256 i; i < layout.length; ++i) {
            bytes1 t = layout[i];
            uint256 w = _wordAt(data, i * 32);
            if (t == "w") continue;
            if (t == "a" || t == "1" || t == "4" || t == "8") {
                uint256 bits = t == "a" ? 160 : t == "1" ? 8 : t == "4" ? 32 : 64;
                if (w >> bits != 0) return false;
                continue;
            }
            if (w != tail || tail + 32 > len) return false;
            uint256 count = _wordAt(data, tail);
            tail += 32;
            if (count > len) return false; // bounds every product below
            if (t == "W") {
                tail = _canonicalWrites(data, tail, count);
                if (tail == 0) return false;
                continue;
            }
            uint256 size = t == "B" ? (count + 31) & ~uint256(31) : count * 32;
            if (tail + size > len) return false;
            if (t == "B") {
                for (uint256 j = tail + count; j < tail + size; ++j) {
                    if (data[j] != 0) return false;
                }
            } else if (t == "L") {
                for (uint256 j; j < count; ++j) {
                    if (_wordAt(data, tail + j * 32) >> 160 != 0) return false;
                }
            }
            tail += size;
        }
        return tail == len;
    }

    /// @dev The canonical EdgeWrite[] of `count` elements whose offsets start at `start`: each offset the running tail
    ///      (counted from `start`), each element keyHash (none twice), the value's offset 64, its length, its zero-padded
    ///      bytes.
    ///      Returns where it ends, 0 when it is not canonical.
    function _canonicalWrites(bytes memory data, uint256 start, uint256 count) private pure returns (uint256 tail) {
        uint256 len = data.length;
        if (count > MAX_EDGE_WRITES) return 0;
        uint256 total; // bytes of values
        tail = start + count * 32;
        for (uint256 j; j < count; ++j) {
            uint256 offset = _wordAt(data, start + j * 32);
            if (tail + 96 > len || offset > len || start + offset != tail || _wordAt(data, tail + 32) != 64) return 0;
            // Each key hash once (core decodeEdge…Data): L1 walks one ledger witness per key.
            for (uint256 i; i < j; ++i) {
                if (_wordAt(data, start + _wordAt(data, start + i * 32)) == _wordAt(data, tail)) return 0;
            }
            uint256 size = _wordAt(data, tail + 64);
            if (size > len) return 0;
            total += size;
            if (total > MAX_EDGE_WRITE_BYTES) return 0;
            uint256 end = tail + 96 + ((size + 31) & ~uint256(31));
            if (end > len) return 0;
            for (uint256 i = tail + 96 + size; i < end; ++i) {
                if (data[i] != 0) return 0;
            }
            tail = end;
        }
    }

    function _wordAt(bytes memory data, uint256 offset) private pure returns (uint256 w) {
        assembly ("memory-safe") {
            w := mload(add(add(data, 0x20), offset))
        }
    }

    /// @notice The tx-tree leaf of a witness: keccak256(abi.encode(tx, keccak256(data), postStateRoot, exitIndex)) (SPEC
    ///         txLeafHash).
    function txLeaf(TxWitness memory t) public pure returns (bytes32) {
        return keccak256(abi.encode(t.tx, keccak256(t.data), t.postStateRoot, t.exitIndex));
    }

    /// @notice The transaction root the witness's leaf and siblings give.
    function txRootOf(TxWitness memory t) public pure returns (bytes32) {
        return txRootWith(t, txLeaf(t));
    }

    /// @notice The transaction root that `leaf` at the witness's index and siblings gives (the zero leaf proves an
    ///         empty position).
    function txRootWith(TxWitness memory t, bytes32 leaf) public pure returns (bytes32 node) {
        uint256 index = t.index;
        if (index >> TX_TREE_DEPTH != 0) revert TxIndexOutOfRange(index);
        node = leaf;
        for (uint256 level; level < TX_TREE_DEPTH; ++level) {
            node = (index >> level) & 1 == 1 ? PlasmaMerkle.hashPair(t.proof[level], node) : PlasmaMerkle.hashPair(node, t.proof[level]);
        }
    }

    /// @notice The accounts-tree leaf of a witness: 0 for the empty slot, else accountHash.
    function accountLeaf(AccountWitness memory a) public pure returns (bytes32) {
        return _isEmpty(a) ? bytes32(0) : PlasmaEncoding.accountHash(a.owner, a.token, a.balance, a.nonce);
    }

    /// @notice The accounts root the witness's leaf and siblings give.
    function accountsRootOf(AccountWitness memory a) public pure returns (bytes32) {
        return accountsRootWith(a, accountLeaf(a));
    }

    /// @notice The accounts root after the witness's slot is set to `leaf` (the same siblings).
    function accountsRootWith(AccountWitness memory a, bytes32 leaf) public pure returns (bytes32 node) {
        uint256 index = a.slot;
        node = leaf;
        for (uint256 level; level < STATE_TREE_DEPTH; ++level) {
            node = (index >> level) & 1 == 1 ? PlasmaMerkle.hashPair(a.proof[level], node) : PlasmaMerkle.hashPair(node, a.proof[level]);
        }
    }

    function _isEmpty(AccountWitness memory a) private pure returns (bool) {
        return a.owner == address(0) && a.token == address(0) && a.balance == 0 && a.nonce == 0;
    }
}
