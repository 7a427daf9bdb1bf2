import { PlasmaError } from '@plasma-tree/core';

/**
 * Hints for error codes the SDK raises or receives from a node / the root contract. The hint tells the
 * user what to do next; it is shown by the CLI under the error line.
 */
export const ERROR_HINTS: Record<string, string> = {
  // node (JSON-RPC `data.reason`)
  BAD_SIGNATURE: 'the signature does not recover to the sender: sign with the key that owns the account, for the right chain and root contract',
  NONCE_MISMATCH: 'another transaction from this account changed its nonce; send again (the client reads the pending nonce)',
  INSUFFICIENT_BALANCE: 'check the balance with `plasma-tree balance`, or deposit more with `plasma-tree deposit`',
  UNKNOWN_SLOT: 'the sender has no state slot for this token: deposit first with `plasma-tree deposit`',
  SLOT_OWNER_MISMATCH: 'the slot belongs to another owner: let the client fetch your slot (pt_getAccount) before signing',
  SLOT_TOKEN_MISMATCH: 'the slot holds another token: let the client fetch your slot (pt_getAccount) before signing',
  SELF_TRANSFER: 'a transfer to yourself changes nothing: pass another recipient',
  TX_KNOWN: 'this exact transaction is already waiting in the mempool',
  NODE_CLOSING: 'the node is shutting down: retry once it is back',
  MALFORMED_TX: 'the transaction is malformed: check the amount, addresses and the chain id',
  UNKNOWN_ACCOUNT: 'this address holds nothing of this token on the child chain yet: deposit first with `plasma-tree deposit`',
  WRONG_CHAIN: 'the transaction was signed for another chain: check --chain / the node URL',
  MEMPOOL_FULL: 'the node is busy; retry in a few seconds',
  UNKNOWN_TX: 'check the transaction hash; a node only knows the transactions it received or included',
  NOT_A_WITHDRAWAL: 'only withdrawal transactions (`plasma-tree withdraw`) can be finalized on the parent chain',
  // root contract
  CHALLENGE_WINDOW_OPEN: 'wait until the challenge window ends: `plasma-tree finalize <tx> --wait` waits and sends it then',
  ALREADY_WITHDRAWN: 'this exit was already paid out; check `plasma-tree balance` on L1',
  SUBTREE_BALANCE_EXCEEDED: 'the chain holds less of this token than the exit claims: the chain is insolvent or the proof is wrong; report it to the chain operators',
  INVALID_EXIT_PROOF: 'the exit proof does not match the committed block: fetch a fresh proof from an honest node',
  UNKNOWN_COMMITMENT: 'the header and window end are not a live commitment on the parent chain: the block is not committed (yet), or a conviction rolled the chain back below it (its record is dead). For an exit, fetch a fresh proof from an honest node; for an objection, check the chain\'s head (`plasma-tree status`): it may be convicted already',
  UNKNOWN_CHAIN: 'no chain with this id exists under the root contract: check --chain and --root (see devnet.json or `plasma-tree status`)',
  NOT_ENOUGH_SIGNATURES: 'the commitment needs at least `threshold` validator signatures',
  // a commitment's (or an equivocation proof's) signatures, checked by PlasmaRoot.commit and PlasmaFraudVerifier.verifyQuorum
  BAD_SIGNATURES_LENGTH: 'signatures are packed 65 bytes each (r ‖ s ‖ v), sorted by signer: pack them with packSignatures (@plasma-tree/contracts)',
  SIGNATURE_BAD_V: 'v must be 27 or 28: normalize the signature (ethers and core sign that way)',
  SIGNATURE_HIGH_S: 'a signature with s in the upper half of the curve order is malleable and refused: use its canonical low-s form',
  INVALID_SIGNATURE: 'a signature recovers to no address: sign the Commitment of this chain, height and block hash in the tree\'s EIP-712 domain',
  SIGNERS_NOT_SORTED: 'order the signatures by signer address, ascending, each signer once',
  SIGNER_NOT_VALIDATOR: 'only the chain\'s validators sign its commitments: drop the signature of an address outside its validator set',
  ETH_TRANSFER_FAILED: 'the recipient contract refused the ETH: withdraw to an address that accepts ETH',
  ZERO_AMOUNT: 'pass an amount greater than 0',
  ZERO_RECIPIENT: 'pass a recipient address other than 0x0',
  BOND_TOO_LOW: 'a child of the root needs a validator bond of at least 0.2 ETH per started 32 signatures of its threshold (PlasmaRoot.MIN_BOND; core rootMinBond), a child of a chain 0.01 ETH: pass a larger --bond',
  BAD_THRESHOLD: 'the threshold must be between 1 and the number of validators',
  BAD_CHALLENGE_WINDOW: 'the challenge window must be between 1 s and 30 days',
  EMPTY_VALIDATOR_SET: 'pass at least one validator address',
  DUPLICATE_VALIDATOR: 'list every validator once',
  ZERO_ADDRESS_VALIDATOR: 'a validator cannot be the zero address',
  WITHDRAWAL_NOT_COMMITTED: 'the block with this withdrawal is not committed to L1 yet: wait with `plasma-tree finalize <tx> --wait`',
  ERC20_INSUFFICIENT_BALANCE: 'the L1 account holds less of this token than the amount: check `plasma-tree balance`',
  ERC20_INSUFFICIENT_ALLOWANCE: 'approve the root contract to spend the token first (the SDK does it in depositERC20)',
  // edge functions (docs/EDGE.md)
  UNKNOWN_EDGE_FUNCTION: 'the chain does not run this edge function: every validator of the chain must register it (node option edgeFunctions, devnet option, or edgeModule)',
  EDGE_DIRECTION_MISMATCH: 'a down function is called with the child it goes to, an up function without one',
  EDGE_CALL_REFUSED: "the function's send half refused the call: check its arguments and what its storage holds",
  MALFORMED_EDGE_PAYLOAD: 'encode the payload the way the function decodes it (a message: abi.encode(address target, bytes data))',
  EDGE_EFFECT_MISMATCH: "the block states an edge effect its half did not have: the chain's validators run another edge registry than this node (or lie); run the functions they run",
  EDGE_EFFECT_TOO_LARGE: 'an edge half may set at most 4 keys of its storage (a message inbox takes 2) and 8192 bytes of values in all: store a hash of larger data, or split the call',
  PAYLOAD_TOO_LARGE: 'an edge event carries at most 4096 bytes: send a hash or a pointer instead',
  NOT_AN_EDGE: 'an edge call or a message crosses one edge: from a chain to its parent or to one of its children',
  NO_RECEIVE_HALF: 'L1 runs only the message function: send a message to an IPlasmaMessageReceiver contract instead',
  NOT_A_MESSAGE: 'L1 relays messages only: a function of your own reaches L1 through a message to a receiver contract',
  NOT_AN_EDGE_EVENT: 'this transaction or nonce is not an edge event: pass the hash or nonce an edge call returned',
  ALREADY_DELIVERED: 'each up event is delivered once on the parent: nothing to do',
  MESSAGE_REFUSED: 'the receiver reverted; nothing was spent: relay again once it accepts the message',
  DEPOSIT_OUT_OF_ORDER: 'the child applies what comes down an edge in nonce order: wait until the earlier nonces are applied',
  // escape hatch (docs/FRAUD.md §4; PlasmaRoot's custom errors and the SDK's own checks)
  CHAIN_IS_FROZEN: 'the chain is frozen: it takes no commits, deposits or messages; its holders leave with `plasma-tree escape exit`',
  NOT_STALLED: 'the chain committed within its stall limit: `plasma-tree escape status <chain>` shows when it can be frozen',
  CHAIN_NOT_FROZEN: 'the escape hatch opens once the chain is frozen: `plasma-tree escape status <chain>`, then `plasma-tree escape freeze <chain>`',
  HEAD_NOT_FINAL: 'wait until the head\'s challenge window ends (`plasma-tree escape status <chain>` counts down)',
  ALREADY_ESCAPED: 'each account leaves once: check the owner\'s L1 balance',
  NOTHING_TO_ESCAPE: 'the owner holds nothing of this token at the frozen head; an unapplied deposit is reclaimed with `plasma-tree escape reclaim`',
  NOTHING_TO_RECLAIM: 'every deposit was applied by the head (escape with `plasma-tree escape exit`) or already reclaimed',
  NOT_THE_HEAD: 'prove against the root\'s head (chainInfo.headNumber): fetch a fresh escape proof',
  INVALID_ACCOUNT_PROOF: 'the witness does not open the head\'s state root: fetch the proof from another node or data directory',
  DEPOSIT_APPLIED: 'the chain applied this deposit: its amount is in the depositor\'s account, escape with `plasma-tree escape exit`',
  UNKNOWN_DEPOSIT: 'no such deposit is recorded (or it was reclaimed already): list them with `plasma-tree escape reclaim`',
  STALL_FREEZE_NOT_SUPPORTED: 'only a child of the root can be frozen for stalling; a chain under a chain is frozen by a fraud proof on its parent (docs/FRAUD.md §8)',
  PROOF_MISMATCH: 'the source holds another chain, or blocks the root never committed: use another node or data directory',
  // the escape of holders inside a frozen chain's children (docs/FRAUD.md §4b): PlasmaNestedEscape and the SDK's checks
  INVALID_LEDGER_ROOT: "the accounts and ledger roots must be the frozen chain's state at its head, and each level's at its last final block: rebuild the inputs from the data directories (`nestedEscapeSourceFromDataDirs`)",
  INVALID_LEDGER_PROOF: "a proof against the ledger of the child's parent does not fold (`kind`: 0 Child, 1 SubtreeBalance, 2 Deposit, 3 Commitment, 4 SpentExit: the parent paid that exit itself, 9 EscapedSlot: the parent paid that slot itself, escape it one level up): rebuild the proofs from the ledgers of the path at the root's head",
  BAD_LEDGER_PROOF: 'a ledger proof is not well formed (no endpoint in its bitmap, another number of words than it needs, or an opening that does not hash to its sibling): build it with core (LedgerTree.proof) against the tree as it is before the write',
  NOT_LAST_FINAL: "the block given is not the child's last final block in the frozen chain's ledger: build FinalChild with core buildFinalChild (the highest block whose windowEnd <= the head's timestamp)",
  NOT_FINAL: "the child's block was not final at the frozen head's time: only blocks whose windowEnd <= that time leave; later ones may still be disputed",
  NOTHING_FINAL: "no block of the child is final in the frozen chain's ledger: there is no account to escape from; its deposits in flight are reclaimed (`plasma-tree escape nested … ` reclaims them)",
  ALREADY_RECLAIMED: 'each deposit comes back once: check the depositor\'s L1 balance',
  CHILD_DATA_DIR_REQUIRED: "a block of the child is final: its accounts and exits are read from a data directory of the child's node (--data-dir)",
  COMMITMENT_UNKNOWN: "the data directory does not know the frozen chain's head as committed, or its children's commitments: read a node that followed the chain up to its head",
  // fraud proofs (docs/FRAUD.md §3): PlasmaRoot's checks of every proof, then PlasmaFraudVerifier's of its witnesses
  CHALLENGE_WINDOW_CLOSED: 'the block\'s challenge window has ended: it is final and no proof can undo it (object while now < windowEnd; a watcher objects as soon as it sees the commit)',
  WRONG_PREV_HEADER: 'pass the previous block\'s header and windowEnd exactly as committed (block 1: the all-zero header and 0)',
  PROOF_KIND_NOT_SUPPORTED: 'PlasmaRoot proves every tx kind 0-15 (7-9 only their registry-independent refusals: docs/LEDGER-PROOFS.md); a kind above 15 is malformed: prove it with proveMalformedTx',
  NOT_FRAUD: 'the proof shows nothing wrong (the reason names the rule that holds): re-verify the committed block (core findFraud) and build the proof from its own transactions, not from what a node claims; a valid block cannot be convicted',
  ALREADY_CONVICTED: 'nothing to do: the chain is frozen and its bond already taken; its holders leave with `plasma-tree escape exit`',
  TX_NOT_IN_BLOCK: 'a tx witness does not open the block\'s txRoot: build the proof from the committed block\'s transactions and their post-state roots (core buildTransitionProof), with each tx at its own index',
  TX_INDEX_OUT_OF_RANGE: 'a tx index must be below 65,536 (the tx tree has depth 16): check the index of the disputed tx',
  BAD_PRE_TX: 'the pre-state witness must be the tx right before the disputed one (index − 1); for tx 0 the pre-state is the previous block\'s state root',
  PRE_STATE_MISMATCH: 'the accounts and ledger roots given must hash to the state before the disputed tx (the previous tx\'s postStateRoot, or the previous header\'s stateRoot for tx 0): rebuild them from that state',
  MISSING_LEDGER_WITNESS: 'a proof against a tx of kind 3-15 carries one ledger witness per entry its kind touches: build it with core buildLedgerTransitionProof',
  INVALID_LEDGER_WITNESS: 'build the ledger witnesses from the state before the disputed tx, each against the root after the earlier keys are written (core buildLedgerTransitionProof)',
  KIND_NOT_IN_MODULE: 'a bug in the verifier\'s dispatch: report it with the calldata',
  BAD_VALIDATOR_WITNESS: 'pass the child\'s validators, ascending, as the extra witness (core buildLedgerTransitionProof does)',
  BAD_SORT_WITNESS: 'pass the order that sorts the spawned validators ascending as the extra witness (core buildLedgerTransitionProof does)',
  EDGE_EFFECT_NOT_PROVABLE: 'nothing L1 can check is wrong with this edge tx: report the block (docs/LEDGER-PROOFS.md §4.1), and holders should exit while its window is open',
  CHECK_OUT_OF_GAS: 'send the proof again with more gas (estimateGas on the call, not a fixed limit)',
  MISSING_ACCOUNT_WITNESS: 'the proof must open every account the tx reads or writes (sender, then recipient): build it with core buildTransitionProof',
  WRONG_WITNESS_SLOT: 'account witnesses go in the order the tx touches its slots (sender, then recipient): build the proof with core buildTransitionProof',
  BAD_NEXT_TX: 'the next-position witness must be the tx at the disputed index + 1 (all zero when the disputed tx is the block\'s last)',
  EXIT_INDEX_OUT_OF_RANGE: 'an exit index must be below 65,536 (the exit tree has depth 16): fetch a fresh exit proof, or check the exit witness of the proof',
  EXIT_NOT_IN_BLOCK: 'the exit witness (leaf, index, 16 siblings) does not open the header\'s exitRoot: take it from the exit tree the header commits to (published on L1 once its data is challenged, docs/FRAUD.md §9)',
  BAD_PROOF_LENGTH: 'a Merkle proof has a fixed number of siblings (`expected`: 16 for an exit, 10 for a tx chunk, 8 for an exit chunk): build it with core instead of trimming or padding it',
  // data availability (docs/FRAUD.md §9): PlasmaDataAvailability
  WRONG_BOND: 'a data challenge takes exactly DATA_CHALLENGE_BOND (`required`) as its value: send that amount (it comes back if the challenge convicts or lapses, and goes to the publisher if the data is published in time)',
  TOO_LATE_TO_CHALLENGE: 'data can be challenged only in the first half of the block\'s window (before `challengeBefore`): fetch the block from another node, and if nobody serves it, exit while the window is open',
  ALREADY_CHALLENGED: 'someone challenged this block\'s data already: follow that challenge (`challengeOf`); anyone may resolve it once its deadline passed unanswered',
  DATA_ALREADY_PUBLISHED: 'the block\'s data is on L1 already: read it back from the publication transactions (core blockFromPublishedData) instead of challenging or publishing it again',
  EXIT_DATA_ALREADY_PUBLISHED: 'the block\'s exit tree is on L1 already: nothing left to publish (core exitLeavesFromPublishedData reads it back)',
  CHUNK_OUT_OF_ORDER: 'publish chunks in order, from 0: send chunk `expected` next (`publication(chainId, number)` / `exitPublication` give the next one)',
  TOO_MANY_TXS: 'a chunk holds at most 64 transactions: split the block with core blockDataChunks',
  CHUNK_OVER_BUDGET: 'this block cannot be published: its chunk is over the size rule (docs/LEDGER-PROOFS.md "A size rule for block data"); honest validators never make one, and a data challenge convicts the validators who did',
  TOO_MANY_EXIT_LEAVES: 'an exit chunk holds at most 256 leaves: split the exit tree with core blockExitChunks',
  INVALID_CHUNK_PROOF: 'the chunk\'s transactions and siblings do not give the header\'s txRoot: publish the committed block\'s own transactions, built with core blockDataChunks',
  INVALID_EXIT_CHUNK_PROOF: 'the exit chunk\'s leaves and siblings do not give the header\'s exitRoot: publish the committed block\'s exit tree, built with core blockExitChunks',
  LEAVES_AFTER_LAST_CHUNK: 'a short chunk is the last one and the tree must be empty after it: publish every transaction of the block (a tree with a gap can never be completed)',
  EXIT_LEAVES_AFTER_LAST_CHUNK: 'a short exit chunk is the last one and the exit tree must be empty after it: publish every exit leaf of the block',
  RESPONSE_WINDOW_CLOSED: 'the challenge\'s deadline passed: publishing can no longer answer it, and anyone may now resolve it (resolveDataChallenge convicts the block)',
  NO_OPEN_CHALLENGE: 'the block has no open data challenge: it was never challenged, or its challenge was answered, resolved or its bond reclaimed (`challengeOf` shows which)',
  RESPONSE_WINDOW_OPEN: 'the validators may still publish until the challenge\'s deadline: resolve it once now > deadline',
  CHALLENGE_STILL_RESOLVABLE: 'the challenge can still convict the block: resolve it after its deadline (resolveDataChallenge); the bond is reclaimed only once the block\'s window ended unresolved',
  // transport
  NODE_UNREACHABLE: 'is the node running? start it with `plasma-tree node start` or `plasma-tree devnet`',
  NODE_TIMEOUT: 'the node did not answer in time: is it overloaded or stuck? retry, or raise the timeout',
  L1_UNREACHABLE: 'is the L1 node running? start a local one with `plasma-tree devnet`, or pass --l1 <url>',
  INSUFFICIENT_FUNDS: 'the L1 account cannot pay value + gas: fund it on L1 (on a devnet, use one of the dev accounts)',
  TIMEOUT: 'it may still happen: check again later with `plasma-tree status`',
};

/**
 * Hints of contract errors whose name two contracts use for different things, by signature: PlasmaFraudVerifier's
 * `InvalidAccountProof(uint32)` is a fraud proof's account witness, PlasmaRoot's `InvalidAccountProof(bytes32,uint32)`
 * the escape hatch's (ERROR_HINTS.INVALID_ACCOUNT_PROOF).
 */
export const REVERT_HINTS: Record<string, string> = {
  'InvalidAccountProof(uint32)': 'an account witness of the proof does not open the accounts root of the state before the disputed tx: build it from that state (core buildTransitionProof)',
};

export function hintFor(code: string, fallback = ''): string {
  return ERROR_HINTS[code] ?? fallback;
}

/** `SubtreeBalanceExceeded` → `SUBTREE_BALANCE_EXCEEDED`. */
export function errorNameToCode(name: string): string {
  return name
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1_$2')
    .toUpperCase();
}

export function plasmaError(code: string, message: string, data: Record<string, unknown> = {}, cause?: unknown, hint?: string): PlasmaError {
  return new PlasmaError(code, message, { data, hint: hint ?? hintFor(code), cause });
}

/** The message of a PlasmaError without the ` — hint` suffix core appends. */
export function bareMessage(e: PlasmaError): string {
  const suffix = e.hint ? ` — ${e.hint}` : '';
  return suffix && e.message.endsWith(suffix) ? e.message.slice(0, -suffix.length) : e.message;
}
