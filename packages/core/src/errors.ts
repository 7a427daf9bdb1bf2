/**
 * Every error Plasma Tree raises carries a stable `code`, typed `data` and a `hint` that tells the user what
 * to do. Codes are part of the public API (JSON-RPC returns them as `data.reason`).
 */
export class PlasmaError<Code extends string = string, Data extends object = Record<string, unknown>> extends Error {
  readonly code: Code;
  readonly data: Data;
  readonly hint: string;

  constructor(code: Code, message: string, opts: { data?: Data; hint?: string; cause?: unknown } = {}) {
    super(opts.hint ? `${message} — ${opts.hint}` : message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'PlasmaError';
    this.code = code;
    this.data = (opts.data ?? {}) as Data;
    this.hint = opts.hint ?? '';
  }

  toJSON(): { code: Code; message: string; data: Data } {
    return { code: this.code, message: this.message, data: this.data };
  }
}

export function isPlasmaError(e: unknown, code?: string): e is PlasmaError {
  return e instanceof PlasmaError && (code === undefined || e.code === code);
}

/** Rejections of the state transition function (docs/SPEC.md); the node returns them as `data.reason`. */
export type StfErrorCode =
  | 'BAD_SIGNATURE'
  | 'WRONG_CHAIN'
  | 'NONCE_MISMATCH'
  | 'INSUFFICIENT_BALANCE'
  | 'ZERO_AMOUNT'
  | 'UNKNOWN_SLOT'
  | 'SLOT_OWNER_MISMATCH'
  | 'SLOT_TOKEN_MISMATCH'
  | 'SELF_TRANSFER'
  | 'SLOT_OCCUPIED'
  | 'DEPOSIT_OUT_OF_ORDER'
  | 'DEPOSIT_MISMATCH'
  /** The parent's record for a deposit is not known (yet): not a fraud, retry once the parent is synced. */
  | 'DEPOSIT_UNKNOWN'
  | 'BALANCE_OVERFLOW'
  | 'MALFORMED_TX'
  /** An edge call or event names a function this chain's registry does not run (docs/EDGE.md). */
  | 'UNKNOWN_EDGE_FUNCTION'
  /** A down function called up (zero child) or an up function called down, or received from the wrong side. */
  | 'EDGE_DIRECTION_MISMATCH'
  /** An edge function's half refused with an error that is not a PlasmaError (the message says why). */
  | 'EDGE_CALL_REFUSED'
  /** An edge tx states an effect (writes, a delivery's status) that is not what its half did (docs/SPEC.md "Edge effects"). */
  | 'EDGE_EFFECT_MISMATCH'
  /** An edge half set more than MAX_EDGE_WRITES keys of its storage, or values of more than MAX_EDGE_WRITE_BYTES in all. */
  | 'EDGE_EFFECT_TOO_LARGE'
  /** A payload that is not the canonical encoding its function decodes (e.g. the message function's). */
  | 'MALFORMED_EDGE_PAYLOAD'
  /** A conviction that burns nothing (the child's bond is already gone) names a burn slot: `slot` must be 0. */
  | 'BURN_SLOT_UNUSED';

/**
 * Refusals of the parent rules (ParentLedger, docs/TREE.md §1): each is a PlasmaRoot custom error, its name in
 * SCREAMING_SNAKE_CASE, and `data` holds the error's arguments by their Solidity names (integers as decimal
 * strings), so a child-chain host and the root contract refuse the same inputs in the same words.
 */
export type ParentLedgerErrorCode =
  // spawnChild
  | 'BOND_TOO_LOW'
  | 'EMPTY_VALIDATOR_SET'
  | 'TOO_MANY_VALIDATORS'
  | 'ZERO_ADDRESS_VALIDATOR'
  | 'DUPLICATE_VALIDATOR'
  | 'BAD_THRESHOLD'
  | 'BAD_CHALLENGE_WINDOW'
  /** BadStallLimit(stallLimit, minimum, maximum): outside the challenge window .. 30 days. */
  | 'BAD_STALL_LIMIT'
  // freezeStalled (FREEZE_STALLED_CHILD, docs/FRAUD.md §8): NotStalled(chainId, lastActivity, stallLimit, now)
  | 'NOT_STALLED'
  // shared
  | 'UNKNOWN_CHAIN'
  | 'ZERO_AMOUNT'
  // deposit
  | 'ZERO_RECIPIENT'
  // recordEdgeEvent (and the up half of an edge call): PayloadTooLarge(length, maximum)
  | 'PAYLOAD_TOO_LARGE'
  // commit
  | 'CHAIN_ID_MISMATCH'
  | 'WRONG_BLOCK_NUMBER'
  | 'WRONG_PARENT_HASH'
  | 'DEPOSIT_NONCE_OUT_OF_RANGE'
  | 'BAD_SIGNATURES_LENGTH'
  | 'NOT_ENOUGH_SIGNATURES'
  | 'SIGNATURE_BAD_V'
  | 'SIGNATURE_HIGH_S'
  | 'INVALID_SIGNATURE'
  | 'SIGNERS_NOT_SORTED'
  | 'SIGNER_NOT_VALIDATOR'
  // finalizeExit, consumeEdgeEvent
  | 'UNKNOWN_COMMITMENT'
  | 'CHALLENGE_WINDOW_OPEN'
  | 'EXIT_INDEX_OUT_OF_RANGE'
  | 'BAD_PROOF_LENGTH'
  | 'INVALID_EXIT_PROOF'
  | 'ALREADY_WITHDRAWN'
  | 'SUBTREE_BALANCE_EXCEEDED'
  // objections (proveFraud, docs/FRAUD.md §7): PlasmaRoot's errors, then PlasmaFraudVerifier's
  | 'CHAIN_IS_FROZEN'
  | 'CHALLENGE_WINDOW_CLOSED'
  | 'WRONG_PREV_HEADER'
  | 'PROOF_KIND_NOT_SUPPORTED'
  | 'NOT_FRAUD'
  | 'ALREADY_CONVICTED'
  | 'TX_INDEX_OUT_OF_RANGE'
  | 'TX_NOT_IN_BLOCK'
  | 'BAD_PRE_TX'
  | 'BAD_NEXT_TX'
  | 'EXIT_INDEX_OUT_OF_RANGE'
  | 'EXIT_NOT_IN_BLOCK'
  | 'PRE_STATE_MISMATCH'
  | 'MISSING_ACCOUNT_WITNESS'
  | 'WRONG_WITNESS_SLOT'
  | 'INVALID_ACCOUNT_PROOF'
  // a ledger-kind transition proof inside a chain parent (fraud kind 10, docs/LEDGER-PROOFS.md): the ledger modules' witness errors
  | 'MISSING_LEDGER_WITNESS'
  | 'INVALID_LEDGER_WITNESS'
  | 'BAD_VALIDATOR_WITNESS'
  | 'BAD_SORT_WITNESS'
  // the escape hatch inside a chain (escapeExit, reclaimDeposit, docs/FRAUD.md §8): PlasmaRoot's errors
  | 'CHAIN_NOT_FROZEN'
  | 'NOT_THE_HEAD'
  | 'ALREADY_ESCAPED'
  | 'DEPOSIT_APPLIED'
  | 'UNKNOWN_DEPOSIT'
  // the nested escape inside a chain (NESTED_ESCAPE_CALL, docs/FRAUD.md §4c): PlasmaNestedEscape's errors
  | 'INVALID_LEDGER_ROOT'
  | 'INVALID_LEDGER_PROOF'
  | 'NOT_LAST_FINAL'
  | 'NOT_FINAL'
  | 'NOTHING_FINAL'
  /** PlasmaLedgerTree's BadLedgerProof(reason, words): a ledger proof with no endpoint, the wrong number of words, or a false opening. */
  | 'BAD_LEDGER_PROOF'
  // data availability inside a chain (CHALLENGE_CHILD_DATA, CHILD_DATA_CALL, docs/FRAUD.md §9b): PlasmaDataAvailability's errors
  | 'WRONG_BOND'
  | 'TOO_LATE_TO_CHALLENGE'
  | 'DATA_ALREADY_PUBLISHED'
  | 'ALREADY_CHALLENGED'
  | 'CHUNK_OUT_OF_ORDER'
  | 'RESPONSE_WINDOW_CLOSED'
  | 'TOO_MANY_TXS'
  | 'INVALID_CHUNK_PROOF'
  | 'LEAVES_AFTER_LAST_CHUNK'
  | 'EXIT_DATA_ALREADY_PUBLISHED'
  | 'TOO_MANY_EXIT_LEAVES'
  | 'INVALID_EXIT_CHUNK_PROOF'
  | 'EXIT_LEAVES_AFTER_LAST_CHUNK'
  | 'NO_OPEN_CHALLENGE'
  | 'RESPONSE_WINDOW_OPEN'
  | 'CHALLENGE_STILL_RESOLVABLE'
  /** CHILD_DATA_CALL's `to` is not the challenger of the challenge it resolves or reclaims. */
  | 'NOT_THE_CHALLENGER'
  /** OpenZeppelin's SafeCastOverflowedUintDowncast(bits, value): a bond or windowEnd too wide for PlasmaRoot's storage. */
  | 'SAFE_CAST_OVERFLOWED_UINT_DOWNCAST'
  /** Solidity's Panic(0x11): a deposit counter or a subtree balance past the maximum of its type. */
  | 'ARITHMETIC_OVERFLOW';

/** Every code `@plasma-tree/core` raises. */
export type CoreErrorCode =
  | StfErrorCode
  | ParentLedgerErrorCode
  | 'MALFORMED_BLOCK'
  | 'INVALID_BLOCK'
  | 'BLOCK_FULL'
  /** BlockBuilder: the tx does not fit the rest of its chunk's byte budget (chunkByteBudget): it waits for the next block. */
  | 'CHUNK_FULL'
  /** BlockBuilder: the tx alone is over the chunk's byte budget: no block of this chain can hold it. */
  | 'TX_TOO_LARGE'
  /** chunkByteBudget: a chain's depth outside 1..MAX_CHAIN_DEPTH. */
  | 'INVALID_DEPTH'
  | 'STATE_ROOT_MISMATCH'
  | 'STATE_FULL'
  | 'INVALID_ACCOUNT'
  | 'NO_CHECKPOINT'
  | 'BACKEND_UNAVAILABLE'
  | 'INVALID_HEX'
  | 'INVALID_ADDRESS'
  | 'INVALID_PRIVATE_KEY'
  | 'VALUE_OUT_OF_RANGE'
  | 'INVALID_MERKLE_INPUT'
  /** defineEdgeFunction / createEdgeRegistry: not a runnable edge function, or a message handler for a bad address. */
  | 'INVALID_EDGE_FUNCTION'
  /** createEdgeRegistry: two functions with one name (so one id), or two handlers for one message target. */
  | 'DUPLICATE_EDGE_FUNCTION';
