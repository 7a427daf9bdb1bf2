/**
 * The state transition function (docs/SPEC.md), pure and deterministic. `applyTx` validates everything
 * before it writes anything, so a refused transaction leaves the state untouched.
 *
 * Signature recovery is the expensive part (~75 µs native) and is separable: a node recovers senders in a
 * worker pool with `recoverSender`, places them with `placeSignedTx(state, tx, ctx, from)` and applies with
 * `{ signatureChecked: true }`.
 *
 * The state is a ChainState: kinds 0-2 touch its accounts only; the parent kinds 3-6 (docs/TREE.md §3) run the
 * ParentLedger's rules on its ledger, with the block's timestamp as the clock, and debit or credit accounts.
 * Kinds 7-9 run edge functions (docs/EDGE.md) through the same steps as the token edges: the down stream's
 * record (kinds 3, 7 down) and its in-order application (kinds 0, 8), the exit-tree append (kinds 2, 7 up) and
 * the up stream's consumption with proof and spent set (kinds 5, 9).
 */
import { bytesToHex, isCanonicalAddress, isHex, MAX_UINT256, normalizeAddress, writeHex, ZERO_BYTES32 } from './bytes.js';
import type { ChainState } from './chainState.js';
import { BUILT_IN_EDGES, edgeRuns, edgeStorageOf, type EdgeContext, type EdgeDirection, type EdgeFunction, type EdgeRegistry, type EdgeStorage } from './edge.js';
import { signedTxDigestBytes, type Eip712Domain, type UnsignedTx } from './eip712.js';
import { edgeDownRecord, hashDeposit, recordIs } from './encoding.js';
import { PlasmaError, type StfErrorCode } from './errors.js';
import { EdgeDeliveryStatus, edgeStorageKeyHash } from './ledgerEntries.js';
import { checkEdgePayload, type ParentLedger } from './parentLedger.js';
import { decodeEscapeChildExitData, encodeEscapeChildExitData } from './fraud.js';
import { decodeNestedEscapeCall, nestedPaymentOf } from './nestedEscapeCall.js';
import { secp256k1Scheme, splitSignature, type SignatureScheme } from './signature.js';
import type { AccountState } from './state.js';
import {
  decodeCommitChildData,
  decodeDepositToChildData,
  decodeEdgeFromChildData,
  decodeEdgeFromParentData,
  decodeEdgeSendData,
  decodeFinalizeChildExitData,
  decodeSpawnChildData,
  decodeProveChildFraudData,
  decodeReclaimChildDepositData,
  decodeFreezeStalledChildData,
  encodeProveChildFraudData,
  encodeReclaimChildDepositData,
  encodeFreezeStalledChildData,
  encodeCommitChildData,
  encodeDepositToChildData,
  encodeEdgeFromChildData,
  encodeEdgeFromParentData,
  encodeEdgeSendData,
  encodeFinalizeChildExitData,
  encodeSpawnChildData,
  decodeChallengeChildDataData,
  decodeChildDataCallData,
  encodeChallengeChildDataData,
  encodeChildDataCallData,
  decodeNestedEscapeCallData,
  encodeNestedEscapeCallData,
  MAX_EDGE_WRITE_BYTES,
  MAX_EDGE_WRITES,
  type EdgeWrite,
} from './txData.js';
import { MAX_TX_DATA_BYTES, MAX_TX_PUBLICATION_BYTES, decodeDataAvailabilityCall, type DataAvailabilityCall } from './dataAvailability.js';
import {
  NATIVE_TOKEN,
  ROOT_CHAIN_ID,
  TxKind,
  ZERO_ADDRESS,
  type Account,
  type Address,
  type BlockTx,
  type ChainId,
  type Deposit,
  type EdgeDownEvent,
  type EdgeUpEvent,
  type Exit,
  type ExitTreeLeaf,
  type Hex,
  type SignedTx,
  type UserSignedTx,
} from './types.js';

const MAX_UINT64 = (1n << 64n) - 1n;

export interface SigningContext {
  /** This chain's id; every user signature binds it. */
  chainId: ChainId;
  domain: Eip712Domain;
  /** Defaults to secp256k1Scheme. */
  scheme?: SignatureScheme;
}

export interface StfContext extends SigningContext {
  /** Highest parent deposit nonce applied before this transaction (0 = none). */
  lastDepositNonce: bigint;
  /** The block's timestamp (seconds): the clock of the ledger's commitments and challenge windows. */
  timestamp: bigint;
  /**
   * The parent's record under `nonce` of this chain's down stream (a depositHash or an edge event's
   * edgeDownRecord), or undefined while the parent's record is not known.
   */
  depositRecord?(nonce: bigint): Hex | undefined;
  /**
   * This chain's parent: the `peer` of its up calls and of the events it receives from above. Defaults to
   * ROOT_CHAIN_ID (a child of L1); a deeper chain must pass its parent's id.
   */
  parentChainId?: ChainId;
  /** The edge functions this chain runs (every validator the same); defaults to the built-ins (BUILT_IN_EDGES). */
  edges?: EdgeRegistry;
}

export interface ApplyOptions {
  /** The caller already recovered the signer and it equals `tx.from` (e.g. in a worker thread). */
  signatureChecked?: boolean;
  /**
   * How an edge tx's stated effect (kinds 7-9: `writes`, kind 8's `status`; docs/SPEC.md "Edge effects") is used:
   * - 'check' (the default): run the halves and refuse the tx (EDGE_EFFECT_MISMATCH) unless it states what they did;
   * - 'fill': run the halves and return what they did in `TxOutcome.edgeEffect` (a producer placing the tx: withEdgeEffect);
   * - 'stated': L1's view (PlasmaLedgerEdges): the checks that do not depend on the edge registry, then the stated
   *   effect applied as it is, no half run. A fraud prover's way to the post-state root L1 computes.
   */
  edgeEffect?: 'check' | 'fill' | 'stated';
}

/** What an edge tx's half did: the storage keys it set, in first-write order, and a down delivery's status. */
export interface EdgeEffect {
  writes: EdgeWrite[];
  /** Kind 8 only. */
  status?: EdgeDeliveryStatus;
}

export interface TxOutcome {
  /** State root after the transaction (the per-transaction trace). */
  postRoot: Hex;
  /** Set for a withdrawal and an up edge call: the leaf it appends to the block's exit tree. */
  exit?: ExitTreeLeaf;
  /** Set for a deposit and a down edge event: the parent nonce it consumed (the block's depositNonce moves to it). */
  downNonce?: bigint;
  /** Set for kinds 7-9 (not in 'stated' mode): what the half did. */
  edgeEffect?: EdgeEffect;
}

/**
 * Applies one block transaction to `state`; throws a PlasmaError (an StfErrorCode, for kinds 3-7 and 9 a
 * ParentLedgerErrorCode, or the code an edge function's half refused with) and leaves `state` as it was.
 */
export function applyTx(state: ChainState, tx: BlockTx, ctx: StfContext, options: ApplyOptions = {}): TxOutcome {
  checkBlockTxForm(tx, state.depth);
  switch (tx.kind) {
    case TxKind.Deposit:
      applyDeposit(state.accounts, tx, ctx);
      return { postRoot: state.root, downNonce: tx.nonce };
    case TxKind.Transfer:
      applySpend(state.accounts, tx, ctx, options);
      return { postRoot: state.root };
    case TxKind.Withdraw:
      applySpend(state.accounts, tx, ctx, options);
      return { postRoot: state.root, exit: { recipient: tx.to, token: tx.token, amount: tx.amount } };
    case TxKind.DepositToChild:
      applyDepositToChild(state, tx, ctx, options);
      return { postRoot: state.root };
    case TxKind.CommitChild:
      applyCommitChild(state.ledger, tx, ctx);
      return { postRoot: state.root };
    case TxKind.FinalizeChildExit:
      applyFinalizeChildExit(state, tx, ctx);
      return { postRoot: state.root };
    case TxKind.SpawnChild:
      applySpawnChild(state, tx, ctx, options);
      return { postRoot: state.root };
    case TxKind.EdgeSend: {
      const { up, effect } = applyEdgeSend(state, tx, ctx, options);
      return { postRoot: state.root, ...(up === undefined ? {} : { exit: up }), ...(effect === undefined ? {} : { edgeEffect: effect }) };
    }
    case TxKind.EdgeFromParent: {
      const effect = applyEdgeFromParent(state, tx, ctx, options);
      return { postRoot: state.root, downNonce: tx.nonce, ...(effect === undefined ? {} : { edgeEffect: effect }) };
    }
    case TxKind.EdgeFromChild: {
      const effect = applyEdgeFromChild(state, tx, ctx, options);
      return { postRoot: state.root, ...(effect === undefined ? {} : { edgeEffect: effect }) };
    }
    case TxKind.ProveChildFraud:
      applyProveChildFraud(state, tx, ctx);
      return { postRoot: state.root };
    case TxKind.EscapeChildExit:
      applyEscapeChildExit(state, tx, ctx);
      return { postRoot: state.root };
    case TxKind.ReclaimChildDeposit:
      applyReclaimChildDeposit(state, tx);
      return { postRoot: state.root };
    case TxKind.FreezeStalledChild:
      // docs/FRAUD.md §8: ParentLedger.freezeStalled at the block's timestamp; nothing moves in the accounts.
      state.ledger.freezeStalled({ child: decodeFreezeStalledChildData(tx.data), now: ctx.timestamp });
      return { postRoot: state.root };
    case TxKind.ChallengeChildData:
      applyChallengeChildData(state, tx, ctx, options);
      return { postRoot: state.root };
    case TxKind.ChildDataCall:
      applyChildDataCall(state, tx, ctx);
      return { postRoot: state.root };
    case TxKind.NestedEscapeCall:
      applyNestedEscapeCall(state, tx, ctx);
      return { postRoot: state.root };
  }
}

function applyDeposit(state: AccountState, tx: BlockTx, ctx: StfContext): void {
  const deposit: Deposit = { chainId: ctx.chainId, nonce: tx.nonce, from: tx.from, to: tx.to, token: tx.token, amount: tx.amount };
  applyNextDownEvent(ctx, tx.nonce, hashDeposit(deposit), DEPOSIT);
  const credited = creditedAccount(state, tx);
  state.put(tx.toSlot, credited);
}

/** What the down stream's refusals say about the event they refuse. */
interface DownEventKind {
  name: string;
  fields: string;
}
const DEPOSIT: DownEventKind = { name: 'deposit', fields: 'from, to, token and amount' };
const DOWN_EDGE_EVENT: DownEventKind = { name: 'edge event', fields: 'fn, sender and payload' };

/**
 * The child side of the down stream, shared by deposits and down edge events: `nonce` must be the next one, and
 * `found` (the event's record as this chain computes it) must equal the parent's record under it.
 */
function applyNextDownEvent(ctx: StfContext, nonce: bigint, found: Hex, what: DownEventKind): void {
  const expectedNonce = ctx.lastDepositNonce + 1n;
  if (nonce !== expectedNonce) {
    throw stfError('DEPOSIT_OUT_OF_ORDER', `${what.name} nonce ${nonce} applied but the next one is ${expectedNonce}`, {
      hint: 'apply the parent chain deposits and edge events in nonce order, each exactly once',
      data: { expected: String(expectedNonce), found: String(nonce) },
    });
  }
  const record = ctx.depositRecord?.(nonce);
  if (record === undefined) {
    throw stfError('DEPOSIT_UNKNOWN', `the parent's record of ${what.name} ${nonce} is not known here`, {
      hint: 'sync the parent chain up to this nonce, then retry',
      data: { nonce: String(nonce) },
    });
  }
  if (!recordIs(record, found)) {
    throw stfError('DEPOSIT_MISMATCH', `${what.name} ${nonce} hashes to ${found} but the parent recorded ${record}`, {
      hint: `copy ${what.fields} of the ${what.name} exactly as the parent recorded them`,
      data: { nonce: String(nonce), expected: record, found },
    });
  }
}

/** TRANSFER and WITHDRAW: the sender-side checks are the same. */
function applySpend(state: AccountState, tx: BlockTx, ctx: StfContext, options: ApplyOptions): void {
  const isTransfer = tx.kind === TxKind.Transfer;
  if (tx.amount === 0n) {
    throw stfError('ZERO_AMOUNT', 'the amount is 0', { hint: 'send a positive amount' });
  }
  if (isTransfer && tx.toSlot === tx.slot) {
    throw stfError('SELF_TRANSFER', `a transfer from slot ${tx.slot} back to itself`, {
      hint: 'send to another address, or to another token slot',
      data: { slot: tx.slot },
    });
  }
  const sender = state.get(tx.slot);
  checkSender(tx.slot, sender, tx);
  const credited = isTransfer ? creditedAccount(state, tx) : undefined;
  if (!options.signatureChecked) checkBlockTxSigner(tx, ctx);

  state.put(tx.slot, { owner: sender.owner, token: sender.token, balance: sender.balance - tx.amount, nonce: sender.nonce + 1n });
  if (credited !== undefined) state.put(tx.toSlot, credited);
}

/** DEPOSIT_TO_CHILD: the sender-side checks of a withdrawal, then ParentLedger.deposit, then the debit. */
function applyDepositToChild(state: ChainState, tx: BlockTx, ctx: StfContext, options: ApplyOptions): void {
  const child = decodeDepositToChildData(tx.data);
  if (tx.amount === 0n) throw stfError('ZERO_AMOUNT', 'the amount is 0', { hint: 'deposit a positive amount' });
  const sender = state.accounts.get(tx.slot);
  checkSender(tx.slot, sender, tx);
  if (!options.signatureChecked) checkBlockTxSigner(tx, ctx);
  // The ledger checks everything before it writes; the debit below cannot fail after the checks above.
  state.ledger.deposit({ child, from: tx.from, to: tx.to, token: tx.token, amount: tx.amount, now: ctx.timestamp });
  state.accounts.put(tx.slot, debited(sender, tx.amount));
}

/** COMMIT_CHILD: ParentLedger.commit of the child's header and quorum, at the block's timestamp. */
function applyCommitChild(ledger: ParentLedger, tx: BlockTx, ctx: StfContext): void {
  const { child, header, signatures } = decodeCommitChildData(tx.data);
  ledger.commit({ child, header, signatures, now: ctx.timestamp, domain: ctx.domain, scheme: ctx.scheme });
}

/** FINALIZE_CHILD_EXIT: ParentLedger.finalizeExit, then the exit's amount credited to slot `toSlot`. */
function applyFinalizeChildExit(state: ChainState, tx: BlockTx, ctx: StfContext): void {
  const { child, header, windowEnd, exit, index, proof } = decodeFinalizeChildExitData(tx.data);
  if (exit.recipient !== tx.to || exit.token !== tx.token || exit.amount !== tx.amount) {
    throw stfError('MALFORMED_TX', `tx.to, tx.token and tx.amount must repeat the exit in tx.data (${exit.recipient}, ${exit.token}, ${exit.amount})`, {
      hint: 'build the transaction with placeSignedTx',
      data: { field: 'data' },
    });
  }
  const credited = creditedAccount(state.accounts, tx);
  state.ledger.finalizeExit({ child, header, windowEnd, exit, index, proof, now: ctx.timestamp });
  state.accounts.put(tx.toSlot, credited);
}

/**
 * SPAWN_CHILD: the bond is spent from the signer's native-token slot, then ParentLedger.spawnChild at the block's
 * timestamp (the child's spawnedAt); a stallLimit of 0 takes the default (PlasmaRoot.spawnChain), any other is
 * checked as PlasmaRoot.spawnChainWithLimits checks it.
 */
function applySpawnChild(state: ChainState, tx: BlockTx, ctx: StfContext, options: ApplyOptions): void {
  const { validators, threshold, challengeWindow, stallLimit } = decodeSpawnChildData(tx.data);
  const sender = state.accounts.get(tx.slot);
  checkSender(tx.slot, sender, tx);
  if (!options.signatureChecked) checkBlockTxSigner(tx, ctx);
  state.ledger.spawnChild({ validators, threshold, challengeWindow, bond: tx.amount, spawner: tx.from, now: ctx.timestamp, ...(stallLimit === 0n ? {} : { stallLimit }) });
  state.accounts.put(tx.slot, debited(sender, tx.amount));
}

/**
 * PROVE_CHILD_FRAUD (docs/FRAUD.md §7): ParentLedger.proveFraud at the block's timestamp, then the slashed bond moves
 * to accounts: bond / 2 to (to, native) at `toSlot` (empty or holding that pair), the rest to BURN_ADDRESS's native
 * slot (its slot, else the lowest free one after the reward's), so the bonds that leave the ledger stay in the
 * chain's accounts and the subtree invariant stays an equality. A zero amount writes no account.
 */
function applyProveChildFraud(state: ChainState, tx: BlockTx, ctx: StfContext): void {
  const { child, fraudKind, args } = decodeProveChildFraudData(tx.data);
  // The slot rule is checked before the proof, so a refusal for it never depends on the bond.
  creditedAccount(state.accounts, { ...tx, amount: 0n });
  state.checkpoint();
  try {
    const { reward, burned } = state.ledger.proveFraud({ child, fraudKind, args, now: ctx.timestamp, domain: ctx.domain, scheme: ctx.scheme });
    if (reward > 0n) state.accounts.put(tx.toSlot, creditedAccount(state.accounts, { ...tx, amount: reward }));
    burn(state, tx, burned);
    state.commit();
  } catch (e) {
    state.revert();
    throw e;
  }
}

/**
 * ESCAPE_CHILD_EXIT (docs/FRAUD.md §8): ParentLedger.escapeExit at the block's timestamp, then the slot's balance is
 * credited to its owner at `toSlot`. The words repeat the witness (to = owner, token, amount = balance), so a tx's
 * effect on the accounts can be read from its words, as a FINALIZE_CHILD_EXIT's.
 */
function applyEscapeChildExit(state: ChainState, tx: BlockTx, ctx: StfContext): void {
  const { child, head, windowEnd, ledgerRoot, account } = decodeEscapeChildExitData(tx.data);
  if (account.owner !== tx.to || account.token !== tx.token || account.balance !== tx.amount) {
    throw stfError('MALFORMED_TX', `tx.to, tx.token and tx.amount must repeat the account witness in tx.data (${account.owner}, ${account.token}, ${account.balance})`, {
      hint: 'build the transaction with placeSignedTx',
      data: { field: 'data' },
    });
  }
  const credited = creditedAccount(state.accounts, tx);
  state.ledger.escapeExit({ child, head, windowEnd, ledgerRoot, account, now: ctx.timestamp });
  state.accounts.put(tx.toSlot, credited);
}

/**
 * NESTED_ESCAPE_CALL (docs/FRAUD.md §4c): `data` holds the frozen child A and a PlasmaNestedEscape call about A's
 * descendants; the call decodes strictly and is about A, and `to`, `token`, `amount` repeat who it pays (else
 * MALFORMED_TX); ParentLedger.nestedEscapeCall judges it; the amount goes to (to, token) at `toSlot`.
 */
function applyNestedEscapeCall(state: ChainState, tx: BlockTx, ctx: StfContext): void {
  const { frozen, call: input } = decodeNestedEscapeCallData(tx.data);
  const call = decodeNestedEscapeCall(input);
  if (call.route.frozen.chainId.toLowerCase() !== frozen.toLowerCase()) {
    throw stfError('MALFORMED_TX', `the call is about frozen chain ${call.route.frozen.chainId}, the transaction names ${frozen}`, {
      hint: "name the call's frozen chain (route.frozen.chainId) in the transaction",
      data: { field: 'data' },
    });
  }
  const pay = nestedPaymentOf(call);
  if (normalizeAddress(pay.to) !== tx.to || normalizeAddress(pay.token) !== tx.token || pay.amount !== tx.amount) {
    throw stfError('MALFORMED_TX', `tx.to, tx.token and tx.amount must repeat who the call pays (${pay.to}, ${pay.token}, ${pay.amount})`, {
      hint: 'build the transaction with placeSignedTx',
      data: { field: 'data' },
    });
  }
  const credited = creditedAccount(state.accounts, tx);
  state.ledger.nestedEscapeCall(call, ctx.timestamp);
  state.accounts.put(tx.toSlot, credited);
}

/**
 * RECLAIM_CHILD_DEPOSIT (docs/FRAUD.md §8): the words are the deposit (from, to, token, amount, nonce); ParentLedger.
 * reclaimDeposit, then the amount goes back to the depositor `from` at `toSlot` (empty or holding (from, token)).
 */
function applyReclaimChildDeposit(state: ChainState, tx: BlockTx): void {
  const child = decodeReclaimChildDepositData(tx.data);
  const credited = creditedAccount(state.accounts, { ...tx, to: tx.from });
  state.ledger.reclaimDeposit({ child, nonce: tx.nonce, from: tx.from, to: tx.to, token: tx.token, amount: tx.amount });
  state.accounts.put(tx.toSlot, credited);
}

/**
 * CHALLENGE_CHILD_DATA (docs/FRAUD.md §9b): the bond is spent from the signer's native-token slot into the ledger's
 * challenge entry (ParentLedger.challengeData at the block's timestamp).
 */
function applyChallengeChildData(state: ChainState, tx: BlockTx, ctx: StfContext, options: ApplyOptions): void {
  const { child, header, windowEnd } = decodeChallengeChildDataData(tx.data);
  const sender = state.accounts.get(tx.slot);
  checkSender(tx.slot, sender, tx);
  if (!options.signatureChecked) checkBlockTxSigner(tx, ctx);
  state.ledger.challengeData({ child, header, windowEnd, challenger: tx.from, bond: tx.amount, now: ctx.timestamp });
  state.accounts.put(tx.slot, debited(sender, tx.amount));
}

/**
 * CHILD_DATA_CALL (docs/FRAUD.md §9b): the module call in data, run by the ledger at the block's timestamp for the
 * child the data names (the call's chainId must be it). What leaves the ledger goes to (to, native) at `toSlot`: the
 * bond of a challenge this publication answered, or for a resolve the reward and the challenger's bond (the burned half
 * to BURN_ADDRESS, as a fraud proof's), for a reclaim the bond. A resolve or a reclaim pays the challenger only, so
 * `to` must be it (NOT_THE_CHALLENGER).
 */
function applyChildDataCall(state: ChainState, tx: BlockTx, ctx: StfContext): void {
  const { child, call: input } = decodeChildDataCallData(tx.data);
  let call: DataAvailabilityCall;
  try {
    call = decodeDataAvailabilityCall(input);
  } catch (e) {
    throw stfError('MALFORMED_TX', `tx.data's call is not a publishBlockData, publishExitData, resolveDataChallenge or reclaimChallengeBond call: ${(e as Error).message}`, {
      hint: 'encode the call with encodePublishBlockDataCall, encodePublishExitDataCall, encodeResolveDataChallengeCall or encodeReclaimChallengeBondCall',
      data: { field: 'data' },
      cause: e,
    });
  }
  if (call.chainId.toLowerCase() !== child) {
    throw stfError('MALFORMED_TX', `the call is for chain ${call.chainId}, the transaction names child ${child}`, {
      hint: "encode the call with the child's id as its chainId",
      data: { field: 'data' },
    });
  }
  creditedAccount(state.accounts, { ...tx, amount: 0n });
  state.checkpoint();
  try {
    let paid = 0n;
    let burned = 0n;
    switch (call.method) {
      case 'publishBlockData':
      case 'publishExitData':
        paid = state.ledger.publishData(call, ctx.timestamp).bond;
        break;
      case 'resolveDataChallenge': {
        const r = state.ledger.resolveDataChallenge(call, ctx.timestamp);
        checkChallenger(r.challenger, tx.to);
        paid = r.reward + r.bond;
        burned = r.burned;
        break;
      }
      case 'reclaimChallengeBond': {
        const r = state.ledger.reclaimChallengeBond(call, ctx.timestamp);
        checkChallenger(r.challenger, tx.to);
        paid = r.bond;
        break;
      }
    }
    if (paid > 0n) state.accounts.put(tx.toSlot, creditedAccount(state.accounts, { ...tx, amount: paid }));
    burn(state, tx, burned);
    state.commit();
  } catch (e) {
    state.revert();
    throw e;
  }
}

/**
 * The burned half of a slashed bond goes to BURN_ADDRESS's native account at `tx.slot` (empty or holding that pair, else
 * SLOT_OCCUPIED): a word of the tx, so that PlasmaRoot can recompute the post-state root (docs/LEDGER-PROOFS.md §4.2).
 * Nothing burned (the bond was taken before): `slot` must be 0 (BURN_SLOT_UNUSED), so a tx has one form.
 */
function burn(state: ChainState, tx: BlockTx, burned: bigint): void {
  if (burned > 0n) {
    state.accounts.put(tx.slot, creditedAccount(state.accounts, { ...tx, toSlot: tx.slot, to: BURN_ADDRESS, amount: burned }));
  } else if (tx.slot !== 0) {
    throw stfError('BURN_SLOT_UNUSED', `the tx burns nothing (the child's bond is already gone) yet names burn slot ${tx.slot}`, {
      hint: 'place the tx with placeSignedTx: slot 0 when the child has no bond left',
      data: { slot: tx.slot },
    });
  }
}

/** Where a conviction of `child` placed on `state` burns (placeSignedTx): BURN_ADDRESS's native slot, else a free slot that is not `toSlot`; 0 when the child has no bond to burn. */
function burnSlotOf(state: SlotIndex, child: ChainId, toSlot: number): number {
  const { ledger } = state;
  if (ledger === undefined) {
    throw new PlasmaError('LEDGER_REQUIRED', 'placing a conviction (kind 10, or a resolve of kind 15) needs the chain\'s ledger', { hint: 'pass the ChainState to placeSignedTx, not its accounts' });
  }
  if (!ledger.hasChild(child) || ledger.childInfo(child).bond === 0n) return 0;
  const own = state.slotOf(BURN_ADDRESS, NATIVE_TOKEN);
  if (own !== undefined) return own;
  let free = state.nextFreeSlot();
  // toSlot may be that free slot (the reward's recipient is new): the burn takes the next free one.
  while (free === toSlot || state.get(free) !== undefined) free++;
  return free;
}

function checkChallenger(challenger: Address, to: Address): void {
  if (challenger !== to) {
    throw new PlasmaError('NOT_THE_CHALLENGER', `the challenge's bond goes back to its challenger ${challenger}, the transaction pays ${to}`, {
      hint: 'set `to` to the challenger (ParentLedger.dataChallenge, pt_getDataChallenge)',
      data: { challenger, to },
    });
  }
}

/** Where the burned half of a slashed bond goes on a chain parent (PlasmaRoot's BURN_ADDRESS, address(0xdead)). */
export const BURN_ADDRESS: Address = '0x000000000000000000000000000000000000dead';

// ---- edge functions (docs/EDGE.md) ------------------------------------------------------------------------

/**
 * EDGE_SEND: the sender owns the slot (any token) and signed its nonce; the function runs this way; the payload
 * fits; the send half runs; then the down stream's record (down) or the exit-tree leaf (up, returned).
 */
function applyEdgeSend(state: ChainState, tx: BlockTx, ctx: StfContext, options: ApplyOptions): { up?: EdgeUpEvent; effect?: EdgeEffect } {
  const { fn, child, payload, writes } = decodeEdgeSendData(tx.data);
  const sender = state.accounts.get(tx.slot);
  // Any token will do: the call spends nothing, and the slot's nonce is the replay guard.
  checkSender(tx.slot, sender, { from: tx.from, token: sender?.token ?? tx.token, nonce: tx.nonce, amount: 0n });
  if (!options.signatureChecked) checkBlockTxSigner(tx, ctx);
  const direction: EdgeDirection = child === ZERO_BYTES32 ? 'up' : 'down';
  const stated = options.edgeEffect === 'stated';
  const edge = stated ? undefined : runnableEdge(ctx, fn, direction, 'called');
  checkEdgePayload(payload);
  const ledger = state.ledger;
  const nextNonce = direction === 'down' && ledger.hasChild(child) ? ledger.childInfo(child).depositCount + 1n : undefined;
  const peer = direction === 'down' ? child : parentChainOf(ctx);
  let up: EdgeUpEvent | undefined;
  let effect: EdgeEffect | undefined;
  ledger.checkpoint();
  try {
    if (edge === undefined) applyStatedWrites(ledger, fn, writes);
    else effect = { writes: runEdgeHalf(edge, 'send', payload, { chainId: state.chainId, peer, sender: tx.from, timestamp: ctx.timestamp, nonce: nextNonce }, ledger) };
    if (direction === 'down') ledger.recordEdgeEvent({ child, fn, sender: tx.from, payload, now: ctx.timestamp });
    else up = { fn, sourceChain: state.chainId, sender: tx.from, payload };
    if (effect !== undefined && options.edgeEffect !== 'fill') checkEdgeEffect(tx, { writes }, effect);
    ledger.commitCheckpoint();
  } catch (e) {
    ledger.revert();
    throw e;
  }
  state.accounts.put(tx.slot, debited(sender, 0n));
  return { ...(up === undefined ? {} : { up }), ...(effect === undefined ? {} : { effect }) };
}

/**
 * EDGE_FROM_PARENT: the next event of the down stream, matching the parent's record; then the receive half. An
 * event is consumed even when it cannot be delivered (unknown function, a half that throws): refusing it would
 * stall every later deposit. Its writes are undone and the delivery is recorded as failed.
 */
function applyEdgeFromParent(state: ChainState, tx: BlockTx, ctx: StfContext, options: ApplyOptions): EdgeEffect | undefined {
  const { fn, payload, status: statedStatus, writes } = decodeEdgeFromParentData(tx.data);
  applyNextDownEvent(ctx, tx.nonce, edgeDownRecord({ fn, child: state.chainId, nonce: tx.nonce, sender: tx.from, payload }), DOWN_EDGE_EVENT);
  const ledger = state.ledger;
  if (options.edgeEffect === 'stated') {
    applyStatedWrites(ledger, fn, writes);
    ledger.recordEdgeDelivery(tx.nonce, fn, statedStatus);
    return undefined;
  }
  const edge = (ctx.edges ?? BUILT_IN_EDGES).get(fn);
  let effect: EdgeEffect = { writes: [], status: EdgeDeliveryStatus.Failed };
  ledger.checkpoint();
  try {
    if (edge !== undefined && edgeRuns(edge, 'down')) {
      ledger.checkpoint();
      try {
        const done = runEdgeHalf(edge, 'receive', payload, { chainId: state.chainId, peer: parentChainOf(ctx), sender: tx.from, timestamp: ctx.timestamp, nonce: tx.nonce }, ledger);
        ledger.commitCheckpoint();
        effect = { writes: done, status: EdgeDeliveryStatus.Delivered };
      } catch {
        ledger.revert();
      }
    }
    if (options.edgeEffect !== 'fill') checkEdgeEffect(tx, { writes, status: statedStatus }, effect);
    ledger.recordEdgeDelivery(tx.nonce, fn, effect.status!);
    ledger.commitCheckpoint();
  } catch (e) {
    ledger.revert();
    throw e;
  }
  return effect;
}

/** EDGE_FROM_CHILD: consumeEdgeEvent (proof, window, spent set), then the receive half; a refusal undoes both. */
function applyEdgeFromChild(state: ChainState, tx: BlockTx, ctx: StfContext, options: ApplyOptions): EdgeEffect | undefined {
  const { child, header, windowEnd, fn, payload, index, proof, writes } = decodeEdgeFromChildData(tx.data);
  const stated = options.edgeEffect === 'stated';
  const edge = stated ? undefined : runnableEdge(ctx, fn, 'up', 'received');
  const ledger = state.ledger;
  let effect: EdgeEffect | undefined;
  ledger.checkpoint();
  try {
    ledger.consumeEdgeEvent({ child, header, windowEnd, fn, sender: tx.from, payload, index, proof, now: ctx.timestamp });
    if (edge === undefined) applyStatedWrites(ledger, fn, writes);
    else effect = { writes: runEdgeHalf(edge, 'receive', payload, { chainId: state.chainId, peer: child, sender: tx.from, timestamp: ctx.timestamp }, ledger) };
    if (effect !== undefined && options.edgeEffect !== 'fill') checkEdgeEffect(tx, { writes }, effect);
    ledger.commitCheckpoint();
  } catch (e) {
    ledger.revert();
    throw e;
  }
  return effect;
}

/** L1's view of a half: the stated writes, each under its key hash in `fn`'s storage. */
function applyStatedWrites(ledger: ParentLedger, fn: Hex, writes: readonly EdgeWrite[]): void {
  for (const w of writes) ledger.setEdgeStorageAt(fn, w.keyHash, w.value);
}

/** EDGE_EFFECT_MISMATCH unless the tx states exactly what its half did (same keys, order, values; kind 8 its status). */
function checkEdgeEffect(tx: BlockTx, stated: EdgeEffect, done: EdgeEffect): void {
  const same =
    stated.status === done.status &&
    stated.writes.length === done.writes.length &&
    stated.writes.every((w, i) => w.keyHash.toLowerCase() === done.writes[i].keyHash && w.value.toLowerCase() === done.writes[i].value);
  if (!same) {
    throw stfError('EDGE_EFFECT_MISMATCH', `the edge tx (kind ${tx.kind}) states an effect its half did not have: ${describeEffect(stated)} stated, ${describeEffect(done)} done`, {
      hint: "a producer fills the effect when it places the tx (BlockBuilder, withEdgeEffect): every key the half set, in first-write order, with its value after",
      data: { stated: describeEffect(stated), done: describeEffect(done) },
    });
  }
}

function describeEffect(effect: EdgeEffect): string {
  const status = effect.status === undefined ? '' : `status ${effect.status}, `;
  return `${status}${effect.writes.length} write(s) [${effect.writes.map((w) => w.keyHash.slice(0, 10)).join(', ')}]`;
}

/** `tx` (kind 7, 8 or 9) with `effect` as its stated effect: the block form a producer seals. */
export function withEdgeEffect(tx: BlockTx, effect: EdgeEffect): BlockTx {
  switch (tx.kind) {
    case TxKind.EdgeSend:
      return { ...tx, data: encodeEdgeSendData({ ...decodeEdgeSendData(tx.data), writes: effect.writes }) };
    case TxKind.EdgeFromParent:
      return { ...tx, data: encodeEdgeFromParentData({ ...decodeEdgeFromParentData(tx.data), writes: effect.writes, status: effect.status }) };
    case TxKind.EdgeFromChild:
      return { ...tx, data: encodeEdgeFromChildData({ ...decodeEdgeFromChildData(tx.data), writes: effect.writes }) };
    default:
      return tx;
  }
}

/** The registered function `fn`, refused unless it runs for events travelling `direction`. */
function runnableEdge(ctx: StfContext, fn: Hex, direction: EdgeDirection, how: 'called' | 'received'): EdgeFunction {
  const edge = (ctx.edges ?? BUILT_IN_EDGES).get(fn);
  if (edge === undefined) {
    throw stfError('UNKNOWN_EDGE_FUNCTION', `edge function ${fn} is not registered on this chain`, {
      hint: "call a function this chain's registry runs, or ask its validators to add it (node option edgeFunctions); nothing was spent, retry then",
      data: { fn },
    });
  }
  if (!edgeRuns(edge, direction)) {
    const fix = edge.direction === 'down' ? 'call it with the id of a child chain' : 'call it with child = 0x00…00 (up to the parent)';
    throw stfError('EDGE_DIRECTION_MISMATCH', `edge function ${edge.name} runs ${edge.direction}, it was ${how} ${direction}`, {
      hint: how === 'called' ? fix : `a ${edge.direction} function's events do not come from a child`,
      data: { fn, name: edge.name, expected: edge.direction, found: direction },
    });
  }
  return edge;
}

/**
 * Decodes `payload` and runs one half of `edge` with its own storage in `ledger`; returns the keys it set (its
 * effect). A refusal is the half's PlasmaError, or EDGE_CALL_REFUSED carrying the message of any other error.
 */
function runEdgeHalf(edge: EdgeFunction, half: 'send' | 'receive', payload: Hex, base: Omit<EdgeContext, 'storage'>, ledger: ParentLedger): EdgeWrite[] {
  const storage = edgeStorageOf(ledger, edge.fn);
  const keys = new Map<Hex, Hex>();
  const set = (key: Hex, value: Hex): void => {
    // The same key in another case is the same key (edgeStorageKeyHash hashes its bytes).
    const lower = (isHex(key) ? key.toLowerCase() : key) as Hex;
    storage.set(key, value);
    if (!keys.has(lower)) {
      if (keys.size === MAX_EDGE_WRITES) throw effectTooLarge(edge, half, `set more than ${MAX_EDGE_WRITES} keys`);
      keys.set(lower, edgeStorageKeyHash(key));
    }
  };
  const recorded: EdgeStorage = Object.freeze({ get: storage.get, set, delete: (key: Hex) => set(key, '0x') });
  const ctx: EdgeContext = Object.freeze({ ...base, storage: recorded });
  try {
    const args = edge.decode(payload);
    if (half === 'send') edge.send?.(ctx, args);
    else edge.receive(ctx, args);
  } catch (e) {
    if (e instanceof PlasmaError) throw e;
    throw stfError('EDGE_CALL_REFUSED', `the ${half} half of edge function ${edge.name} refused: ${e instanceof Error ? e.message : String(e)}`, {
      hint: 'the function refused these arguments: check the payload against what the function expects',
      data: { fn: edge.fn, name: edge.name, half },
      cause: e,
    });
  }
  const writes = [...keys].map(([key, keyHash]) => ({ keyHash, value: (storage.get(key) ?? '0x').toLowerCase() as Hex }));
  const bytes = writes.reduce((n, w) => n + (w.value.length - 2) / 2, 0);
  if (bytes > MAX_EDGE_WRITE_BYTES) throw effectTooLarge(edge, half, `left ${bytes} bytes of values`);
  return writes;
}

function effectTooLarge(edge: EdgeFunction, half: 'send' | 'receive', what: string): PlasmaError {
  return stfError('EDGE_EFFECT_TOO_LARGE', `the ${half} half of edge function ${edge.name} ${what}`, {
    hint: `an edge half may set at most ${MAX_EDGE_WRITES} keys of its storage, ${MAX_EDGE_WRITE_BYTES} bytes of values in all (the tx states them; L1 proves each): store a hash of larger data`,
    data: { fn: edge.fn, name: edge.name, half, maxWrites: MAX_EDGE_WRITES, maxBytes: MAX_EDGE_WRITE_BYTES },
  });
}

function parentChainOf(ctx: StfContext): ChainId {
  return (ctx.parentChainId ?? ROOT_CHAIN_ID).toLowerCase() as ChainId;
}

function debited(sender: Account, amount: bigint): Account {
  return { owner: sender.owner, token: sender.token, balance: sender.balance - amount, nonce: sender.nonce + 1n };
}

/** What a mempool has already promised out of a slot: the transactions waiting and the amount they spend. */
export interface PendingSpend {
  count: number;
  spend: bigint;
}

/**
 * The sender-side rules of TRANSFER and WITHDRAW, shared by the STF and by a node's mempool (which checks a
 * transaction against the slot's state after the transactions it already accepted, `pending`).
 */
export function checkSender(
  slot: number,
  sender: Account | undefined,
  spend: { from: Address; token: Address; nonce: bigint; amount: bigint },
  pending?: PendingSpend,
): asserts sender is Account {
  if (sender === undefined) {
    throw stfError('UNKNOWN_SLOT', `slot ${slot} is empty`, {
      hint: 'sign with the slot that holds your balance (pt_getAccount returns it); deposit first if you have none',
      data: { slot },
    });
  }
  if (sender.owner !== spend.from) {
    throw stfError('SLOT_OWNER_MISMATCH', `slot ${slot} belongs to ${sender.owner}, not to the signer ${spend.from}`, {
      hint: "sign with the key of the slot's owner, for this chain's EIP-712 domain (L1 chain id and root contract)",
      data: { slot, expected: sender.owner, found: spend.from },
    });
  }
  if (sender.token !== spend.token) {
    throw stfError('SLOT_TOKEN_MISMATCH', `slot ${slot} holds token ${sender.token}, the tx spends ${spend.token}`, {
      hint: 'each token has its own slot: look it up with pt_getAccount(owner, token)',
      data: { slot, expected: sender.token, found: spend.token },
    });
  }
  const nonce = sender.nonce + BigInt(pending?.count ?? 0);
  if (nonce !== spend.nonce) {
    throw stfError('NONCE_MISMATCH', `slot ${slot} expects nonce ${nonce}, the tx has ${spend.nonce}`, {
      hint: pending
        ? 'sign again with pendingNonce from pt_getAccount (it counts the transactions waiting in the mempool)'
        : 'sign again with the nonce from pt_getAccount (pendingNonce while earlier txs are pending)',
      data: { slot, expected: String(nonce), found: String(spend.nonce) },
    });
  }
  const available = sender.balance - (pending?.spend ?? 0n);
  if (available < spend.amount) {
    const what = pending ? `can spend ${available} (balance ${sender.balance} minus pending transactions)` : `holds ${sender.balance}`;
    throw stfError('INSUFFICIENT_BALANCE', `slot ${slot} ${what}, the tx spends ${spend.amount}`, {
      hint: pending ? 'lower the amount, wait for pending transactions, or deposit more' : 'lower the amount or deposit more first',
      data: { slot, balance: String(sender.balance), available: String(available), amount: String(spend.amount) },
    });
  }
}

/** The recipient slot after receiving `tx.amount`, checked but not written. */
function creditedAccount(state: AccountState, tx: BlockTx): Account {
  const recipient = state.get(tx.toSlot);
  if (recipient === undefined) return { owner: tx.to, token: tx.token, balance: tx.amount, nonce: 0n };
  if (recipient.owner !== tx.to || recipient.token !== tx.token) {
    throw stfError('SLOT_OCCUPIED', `slot ${tx.toSlot} holds (${recipient.owner}, ${recipient.token}), not (${tx.to}, ${tx.token})`, {
      hint: 'credit the slot that already holds the recipient and token, or an empty one',
      data: { slot: tx.toSlot, owner: recipient.owner, token: recipient.token },
    });
  }
  const balance = recipient.balance + tx.amount;
  if (balance > MAX_UINT256) {
    throw stfError('BALANCE_OVERFLOW', `slot ${tx.toSlot} would exceed 2^256-1`, {
      hint: 'send to another account',
      data: { slot: tx.toSlot, balance: String(recipient.balance), amount: String(tx.amount) },
    });
  }
  return { owner: recipient.owner, token: recipient.token, balance, nonce: recipient.nonce };
}

/** The user-signed fields of a block tx of kind 1, 2, 3, 6, 7 or 14, on this chain. */
function unsignedOf(tx: BlockTx, chainId: ChainId): UnsignedTx {
  const { slot, to, token, amount, nonce } = tx;
  switch (tx.kind) {
    case TxKind.DepositToChild:
      return { kind: tx.kind, chainId, slot, child: decodeDepositToChildData(tx.data), to, token, amount, nonce };
    case TxKind.SpawnChild: {
      const { validators, threshold, challengeWindow, stallLimit } = decodeSpawnChildData(tx.data);
      return { kind: tx.kind, chainId, slot, validators, threshold, challengeWindow, stallLimit, bond: amount, nonce };
    }
    case TxKind.EdgeSend:
      return { kind: tx.kind, chainId, slot, ...decodeEdgeSendData(tx.data), nonce };
    case TxKind.ChallengeChildData:
      return { kind: tx.kind, chainId, slot, ...decodeChallengeChildDataData(tx.data), bond: amount, nonce };
    default:
      return { kind: tx.kind as TxKind.Transfer | TxKind.Withdraw, chainId, slot, to, token, amount, nonce };
  }
}

/**
 * The EIP-712 digest a user signed for a block tx of kind 1, 2, 3, 6 or 7 on `chainId`: what the node files the tx
 * under (pt_sendTransaction's hash), recomputed from the block form by a node that imports a peer's block.
 */
export function blockTxDigest(domain: Eip712Domain, chainId: ChainId, tx: BlockTx): Hex {
  return bytesToHex(signedTxDigestBytes(domain, unsignedOf(tx, chainId)));
}

/** Throws BAD_SIGNATURE unless the EIP-712 signature of user-signed block tx `tx` (kind 1, 2, 3, 6, 7 or 14) recovers `tx.from`. */
export function checkBlockTxSigner(tx: BlockTx, ctx: SigningContext): void {
  const digest = signedTxDigestBytes(ctx.domain, unsignedOf(tx, ctx.chainId));
  const signature = new Uint8Array(65);
  writeHex(signature, 0, tx.r, 32);
  writeHex(signature, 32, tx.s, 32);
  signature[64] = tx.v;
  const signer = (ctx.scheme ?? secp256k1Scheme).recover(digest, signature);
  if (signer !== tx.from) throw wrongSigner(signer, tx.from);
}

/** Whether a user signs `tx` (transfer, withdrawal, deposit to a child, spawn, edge call), i.e. it has a sender. */
export function isUserSignedTx(tx: SignedTx): tx is UserSignedTx {
  switch (tx.kind) {
    case TxKind.Transfer:
    case TxKind.Withdraw:
    case TxKind.DepositToChild:
    case TxKind.SpawnChild:
    case TxKind.EdgeSend:
    case TxKind.ChallengeChildData:
      return true;
    default:
      return false;
  }
}

/**
 * The sender of a user-signed tx on this chain (the step a node runs in its worker pool). Throws WRONG_CHAIN
 * when the tx names another chain, BAD_SIGNATURE when the signature is malformed.
 */
export function recoverSender(tx: UserSignedTx, ctx: SigningContext): Address {
  checkChain(tx, ctx);
  return (ctx.scheme ?? secp256k1Scheme).recover(signedTxDigestBytes(ctx.domain, tx), tx.signature);
}

/**
 * What placing a transaction needs of the state: where a pair lives, the next free slot, and for a conviction (kinds 10
 * and 15) the chain's ledger (whether the child still has a bond to burn): a ChainState has all of it.
 */
export type SlotIndex = Pick<AccountState, 'slotOf' | 'nextFreeSlot' | 'get'> & { readonly ledger?: Pick<ParentLedger, 'hasChild' | 'childInfo'> };

/**
 * Turns a SignedTx into its block form, choosing the recipient slot where it has one (a transfer, an exit paid
 * here): the slot already holding (to, token), else the lowest free slot. Recovers the sender of a user-signed
 * tx unless `from` (already recovered) is given. Place and apply one transaction at a time: the next free slot
 * moves as accounts are created.
 */
export function placeSignedTx(state: SlotIndex, tx: SignedTx, ctx: SigningContext, from?: Address): BlockTx {
  checkChain(tx, ctx);
  switch (tx.kind) {
    case TxKind.Transfer:
    case TxKind.Withdraw: {
      const { r, s, v } = splitSignature(tx.signature);
      const sender = from ?? recoverSender(tx, ctx);
      const to = normalizeAddress(tx.to);
      const token = normalizeAddress(tx.token);
      const toSlot = tx.kind === TxKind.Withdraw ? 0 : (state.slotOf(to, token) ?? state.nextFreeSlot());
      return { kind: tx.kind, slot: tx.slot, toSlot, from: normalizeAddress(sender), to, token, amount: tx.amount, nonce: tx.nonce, r, s, v, data: '0x' };
    }
    case TxKind.DepositToChild: {
      const { r, s, v } = splitSignature(tx.signature);
      const sender = from ?? recoverSender(tx, ctx);
      const to = normalizeAddress(tx.to);
      const token = normalizeAddress(tx.token);
      const data = encodeDepositToChildData(tx.child.toLowerCase() as ChainId);
      return { kind: tx.kind, slot: tx.slot, toSlot: 0, from: normalizeAddress(sender), to, token, amount: tx.amount, nonce: tx.nonce, r, s, v, data };
    }
    case TxKind.SpawnChild: {
      const { r, s, v } = splitSignature(tx.signature);
      const sender = from ?? recoverSender(tx, ctx);
      const validators = tx.validators.map((validator) => normalizeAddress(validator));
      const data = encodeSpawnChildData({ validators, threshold: tx.threshold, challengeWindow: tx.challengeWindow, stallLimit: tx.stallLimit ?? 0n });
      const spawn = { kind: tx.kind, slot: tx.slot, toSlot: 0, from: normalizeAddress(sender), to: ZERO_ADDRESS, token: NATIVE_TOKEN };
      return { ...spawn, amount: tx.bond, nonce: tx.nonce, r, s, v, data };
    }
    case TxKind.CommitChild: {
      const data = encodeCommitChildData({ child: tx.child.toLowerCase() as ChainId, header: tx.header, signatures: tx.signatures });
      return { ...unsignedWords(tx.kind), data };
    }
    case TxKind.EdgeSend: {
      const { r, s, v } = splitSignature(tx.signature);
      const sender = from ?? recoverSender(tx, ctx);
      const data = encodeEdgeSendData({ fn: lower(tx.fn), child: lower(tx.child), payload: lower(tx.payload) });
      const call = { kind: tx.kind, slot: tx.slot, toSlot: 0, from: normalizeAddress(sender), to: ZERO_ADDRESS, token: ZERO_ADDRESS };
      return { ...call, amount: 0n, nonce: tx.nonce, r, s, v, data };
    }
    case TxKind.EdgeFromChild: {
      const { child, header, windowEnd, fn, payload, index, proof } = tx;
      const data = encodeEdgeFromChildData({ child: lower(child), header, windowEnd, fn: lower(fn), payload: lower(payload), index, proof });
      return { ...unsignedWords(tx.kind), from: normalizeAddress(tx.sender), data };
    }
    case TxKind.ProveChildFraud: {
      const to = normalizeAddress(tx.to);
      const data = encodeProveChildFraudData({ child: lower(tx.child), fraudKind: tx.fraudKind, args: lower(tx.args) });
      const toSlot = state.slotOf(to, NATIVE_TOKEN) ?? state.nextFreeSlot();
      return { ...unsignedWords(tx.kind), slot: burnSlotOf(state, lower(tx.child), toSlot), toSlot, to, data };
    }
    case TxKind.EscapeChildExit: {
      const account = { ...tx.account, owner: normalizeAddress(tx.account.owner), token: normalizeAddress(tx.account.token), proof: tx.account.proof.map(lower) };
      const data = encodeEscapeChildExitData({ child: lower(tx.child), head: tx.head, windowEnd: tx.windowEnd, ledgerRoot: lower(tx.ledgerRoot), account });
      const toSlot = state.slotOf(account.owner, account.token) ?? state.nextFreeSlot();
      return { ...unsignedWords(tx.kind), toSlot, to: account.owner, token: account.token, amount: account.balance, data };
    }
    case TxKind.ReclaimChildDeposit: {
      const from = normalizeAddress(tx.from);
      const token = normalizeAddress(tx.token);
      const toSlot = state.slotOf(from, token) ?? state.nextFreeSlot();
      const data = encodeReclaimChildDepositData(lower(tx.child));
      return { ...unsignedWords(tx.kind), toSlot, from, to: normalizeAddress(tx.to), token, amount: tx.amount, nonce: tx.nonce, data };
    }
    case TxKind.FreezeStalledChild:
      return { ...unsignedWords(tx.kind), data: encodeFreezeStalledChildData(lower(tx.child)) };
    case TxKind.NestedEscapeCall: {
      const pay = nestedPaymentOf(decodeNestedEscapeCall(tx.call));
      const to = normalizeAddress(pay.to);
      const token = normalizeAddress(pay.token);
      const toSlot = state.slotOf(to, token) ?? state.nextFreeSlot();
      return { ...unsignedWords(tx.kind), toSlot, to, token, amount: pay.amount, data: encodeNestedEscapeCallData({ frozen: lower(tx.frozen), call: lower(tx.call) }) };
    }
    case TxKind.ChallengeChildData: {
      const { r, s, v } = splitSignature(tx.signature);
      const sender = from ?? recoverSender(tx, ctx);
      const data = encodeChallengeChildDataData({ child: lower(tx.child), header: tx.header, windowEnd: tx.windowEnd });
      const challenge = { kind: tx.kind, slot: tx.slot, toSlot: 0, from: normalizeAddress(sender), to: ZERO_ADDRESS, token: NATIVE_TOKEN };
      return { ...challenge, amount: tx.bond, nonce: tx.nonce, r, s, v, data };
    }
    case TxKind.ChildDataCall: {
      const to = normalizeAddress(tx.to);
      const data = encodeChildDataCallData({ child: lower(tx.child), call: lower(tx.call) });
      const toSlot = state.slotOf(to, NATIVE_TOKEN) ?? state.nextFreeSlot();
      // Only a resolve burns (half the child's bond); the other calls leave slot 0.
      let resolves = false;
      try {
        resolves = decodeDataAvailabilityCall(tx.call).method === 'resolveDataChallenge';
      } catch {
        // a call that does not decode is refused when applied (MALFORMED_TX)
      }
      return { ...unsignedWords(tx.kind), slot: resolves ? burnSlotOf(state, lower(tx.child), toSlot) : 0, toSlot, to, data };
    }
    case TxKind.FinalizeChildExit: {
      const exit: Exit = { recipient: normalizeAddress(tx.exit.recipient), token: normalizeAddress(tx.exit.token), amount: tx.exit.amount };
      const data = encodeFinalizeChildExitData({ child: tx.child.toLowerCase() as ChainId, header: tx.header, windowEnd: tx.windowEnd, exit, index: tx.index, proof: tx.proof });
      const toSlot = state.slotOf(exit.recipient, exit.token) ?? state.nextFreeSlot();
      return { ...unsignedWords(tx.kind), toSlot, to: exit.recipient, token: exit.token, amount: exit.amount, data };
    }
    default:
      throw stfError('MALFORMED_TX', `unknown transaction kind ${String((tx as { kind: unknown }).kind)}`, {
        hint: 'deposits and edge events from the parent come from the parent chain; submit kinds 1-7 and 9-15',
        data: { field: 'kind' },
      });
  }
}

/** The words of a tx nobody signs (kinds 4, 5, 8-13, 15): all zero but the kind. */
function unsignedWords(kind: TxKind): Omit<BlockTx, 'data'> {
  return { kind, slot: 0, toSlot: 0, from: ZERO_ADDRESS, to: ZERO_ADDRESS, token: ZERO_ADDRESS, amount: 0n, nonce: 0n, r: ZERO_BYTES32, s: ZERO_BYTES32, v: 0 };
}

/** The block form of a parent deposit, credited to the recipient's existing slot for the token, else a free one. */
export function placeDeposit(state: SlotIndex, deposit: Deposit): BlockTx {
  const to = normalizeAddress(deposit.to);
  const token = normalizeAddress(deposit.token);
  return {
    kind: TxKind.Deposit,
    slot: 0,
    toSlot: state.slotOf(to, token) ?? state.nextFreeSlot(),
    from: normalizeAddress(deposit.from),
    to,
    token,
    amount: deposit.amount,
    nonce: deposit.nonce,
    r: ZERO_BYTES32,
    s: ZERO_BYTES32,
    v: 0,
    data: '0x',
  };
}

/** The block form of a down edge event the parent recorded for this chain (nothing to place: it has no slot). */
export function placeEdgeFromParent(event: EdgeDownEvent): BlockTx {
  const data = encodeEdgeFromParentData({ fn: lower(event.fn), payload: lower(event.payload) });
  return { ...unsignedWords(TxKind.EdgeFromParent), from: normalizeAddress(event.sender), nonce: event.nonce, data };
}

function lower(hex: Hex): Hex {
  return hex.toLowerCase() as Hex;
}

function checkChain(tx: SignedTx, ctx: SigningContext): void {
  if (typeof tx.chainId !== 'string' || tx.chainId.toLowerCase() !== ctx.chainId.toLowerCase()) {
    throw stfError('WRONG_CHAIN', `the tx is for chain ${String(tx.chainId)}, this is chain ${ctx.chainId}`, {
      hint: 'send it to the node of the chain it was signed for, or sign it again for this chain',
      data: { expected: ctx.chainId, found: tx.chainId },
    });
  }
}

/**
 * The SPEC's block form: field ranges, canonical addresses, and the fixed fields of each kind (docs/SPEC.md
 * "Transactions inside a block": e.g. a deposit has slot = 0 and r = s = v = 0, a withdrawal toSlot = 0, kinds
 * 0-2 have empty data). The layout of `data` itself is checked when the kind decodes it.
 */
export function checkBlockTxForm(tx: BlockTx, stateDepth = 32): void {
  const maxSlot = 2 ** stateDepth;
  const bad = (field: string, expected: string, value: unknown): never => {
    throw stfError('MALFORMED_TX', `tx.${field} must be ${expected}, got ${describe(value)}`, {
      hint: 'build block transactions with placeSignedTx/placeDeposit, or decode them with blockTxFromJson',
      data: { field },
    });
  };
  const kind = tx.kind;
  if (!Number.isInteger(kind) || kind < TxKind.Deposit || kind > TxKind.NestedEscapeCall) bad('kind', 'an integer in 0..16', kind);
  if (!Number.isInteger(tx.slot) || tx.slot < 0 || tx.slot >= maxSlot) bad('slot', `a slot in 0..2^${stateDepth}-1`, tx.slot);
  if (!Number.isInteger(tx.toSlot) || tx.toSlot < 0 || tx.toSlot >= maxSlot) bad('toSlot', `a slot in 0..2^${stateDepth}-1`, tx.toSlot);
  if (!isCanonicalAddress(tx.from)) bad('from', 'a lowercase 0x address', tx.from);
  if (!isCanonicalAddress(tx.to)) bad('to', 'a lowercase 0x address', tx.to);
  if (!isCanonicalAddress(tx.token)) bad('token', 'a lowercase 0x address', tx.token);
  if (typeof tx.amount !== 'bigint' || tx.amount < 0n || tx.amount > MAX_UINT256) bad('amount', 'a uint256 bigint', tx.amount);
  if (typeof tx.nonce !== 'bigint' || tx.nonce < 0n || tx.nonce > MAX_UINT64) bad('nonce', 'a uint64 bigint', tx.nonce);
  if (!isHex(tx.r, 32)) bad('r', '32 bytes of 0x-hex', tx.r);
  if (!isHex(tx.s, 32)) bad('s', '32 bytes of 0x-hex', tx.s);
  if (!Number.isInteger(tx.v) || tx.v < 0 || tx.v > 255) bad('v', 'a uint8', tx.v);
  if (!isHex(tx.data)) bad('data', '0x-hex bytes', tx.data);
  // The size rule (docs/LEDGER-PROOFS.md "A size rule for block data"): a tx takes at most MAX_TX_PUBLICATION_BYTES
  // in a publication call at every depth, i.e. its data at most MAX_TX_DATA_BYTES (PlasmaFraudVerifier.isMalformed).
  const dataBytes = (tx.data.length - 2) / 2;
  if (dataBytes > MAX_TX_DATA_BYTES) {
    throw stfError('MALFORMED_TX', `tx.data must be at most ${MAX_TX_DATA_BYTES} bytes (a tx takes at most ${MAX_TX_PUBLICATION_BYTES} bytes in a publication call), got ${dataBytes}`, {
      hint: 'a tx that big cannot be published in a data chunk: split what it carries over several txs',
      data: { field: 'data', bytes: dataBytes, max: MAX_TX_DATA_BYTES },
    });
  }
  const none = (field: 'slot' | 'toSlot', what: string): void => {
    if (tx[field] !== 0) bad(field, `0 in ${what}`, tx[field]);
  };
  const noSignature = (what: string): void => {
    if (tx.r !== ZERO_BYTES32) bad('r', `zero in ${what}`, tx.r);
    if (tx.s !== ZERO_BYTES32) bad('s', `zero in ${what}`, tx.s);
    if (tx.v !== 0) bad('v', `0 in ${what}`, tx.v);
  };
  const zeroAddress = (field: 'from' | 'to' | 'token', what: string): void => {
    if (tx[field] !== ZERO_ADDRESS) bad(field, `the zero address in ${what}`, tx[field]);
  };
  /** An edge call or event moves no tokens: no recipient, token or amount. */
  const noValue = (what: string): void => {
    none('toSlot', what);
    zeroAddress('to', what);
    zeroAddress('token', what);
    if (tx.amount !== 0n) bad('amount', `0 in ${what}`, tx.amount);
  };
  /** A user-signed bond from the signer's native slot (a spawn, a data challenge): no recipient. */
  const nativeBond = (what: string): void => {
    none('toSlot', what);
    zeroAddress('to', what);
    if (tx.token !== NATIVE_TOKEN) bad('token', `the native token (the zero address) in ${what}`, tx.token);
  };
  /** Unsigned, paying `to` (never address(0)) what the ledger releases at execution, which is not a word. */
  // `slot` is where the slashed bond's burned half goes (0 when nothing burns: checked when applied).
  const unsignedPayment = (what: string): void => {
    zeroAddress('from', what);
    zeroAddress('token', what);
    if (tx.to === ZERO_ADDRESS) bad('to', `a non-zero recipient in ${what}`, tx.to);
    if (tx.amount !== 0n) bad('amount', `0 in ${what}`, tx.amount);
    if (tx.nonce !== 0n) bad('nonce', `0 in ${what}`, tx.nonce);
    noSignature(what);
  };
  if (kind <= TxKind.Withdraw && tx.data !== '0x') bad('data', `empty (0x) in kind ${kind}`, tx.data);
  // The data of kinds 3-15 is its kind's one canonical abi.encode (docs/SPEC.md): part of the form, so a block that
  // holds any other is convicted as MalformedTx (PlasmaFraudVerifier.isMalformed checks the same layouts).
  if (kind > TxKind.Withdraw) checkTxData(kind, tx.data);
  switch (kind) {
    case TxKind.Deposit:
      none('slot', 'a deposit');
      noSignature('a deposit');
      break;
    case TxKind.Withdraw:
      none('toSlot', 'a withdrawal');
      break;
    case TxKind.DepositToChild:
      none('toSlot', 'a deposit to a child');
      break;
    case TxKind.CommitChild:
      none('slot', 'a commitment');
      none('toSlot', 'a commitment');
      zeroAddress('from', 'a commitment');
      zeroAddress('to', 'a commitment');
      zeroAddress('token', 'a commitment');
      if (tx.amount !== 0n) bad('amount', '0 in a commitment', tx.amount);
      if (tx.nonce !== 0n) bad('nonce', '0 in a commitment', tx.nonce);
      noSignature('a commitment');
      break;
    case TxKind.FinalizeChildExit:
      none('slot', 'an exit finalization');
      zeroAddress('from', 'an exit finalization');
      if (tx.nonce !== 0n) bad('nonce', '0 in an exit finalization', tx.nonce);
      noSignature('an exit finalization');
      break;
    case TxKind.SpawnChild:
      nativeBond('a spawn');
      break;
    case TxKind.EdgeSend:
      noValue('an edge call');
      break;
    case TxKind.EdgeFromParent:
      none('slot', 'an edge event from the parent');
      noValue('an edge event from the parent');
      noSignature('an edge event from the parent');
      break;
    case TxKind.EdgeFromChild:
      none('slot', 'an edge event from a child');
      noValue('an edge event from a child');
      if (tx.nonce !== 0n) bad('nonce', '0 in an edge event from a child', tx.nonce);
      noSignature('an edge event from a child');
      break;
    case TxKind.ProveChildFraud:
      // The reward is the bond at execution, not a word: amount stays 0; `to` is who is paid, so never address(0).
      unsignedPayment('a fraud proof');
      break;
    case TxKind.EscapeChildExit:
      // to, token, amount: the witness's owner, token and balance (checked against data when applied).
      none('slot', 'an escape');
      zeroAddress('from', 'an escape');
      if (tx.nonce !== 0n) bad('nonce', '0 in an escape', tx.nonce);
      noSignature('an escape');
      break;
    case TxKind.ReclaimChildDeposit:
      // from, to, token, amount, nonce: the deposit; toSlot: the depositor's slot credited.
      none('slot', 'a reclaimed deposit');
      noSignature('a reclaimed deposit');
      break;
    case TxKind.FreezeStalledChild:
      // Every word 0: the child is in data, nobody signs, nothing moves.
      none('slot', 'a stall freeze');
      noValue('a stall freeze');
      zeroAddress('from', 'a stall freeze');
      if (tx.nonce !== 0n) bad('nonce', '0 in a stall freeze', tx.nonce);
      noSignature('a stall freeze');
      break;
    case TxKind.ChallengeChildData:
      nativeBond('a data challenge');
      break;
    case TxKind.ChildDataCall:
      // What leaves the ledger goes to `to`: a fraud proof's form.
      unsignedPayment('a data call');
      break;
    case TxKind.NestedEscapeCall:
      // An escape's form: to, token, amount are who the call pays (checked against data when applied).
      none('slot', 'a nested escape');
      zeroAddress('from', 'a nested escape');
      if (tx.nonce !== 0n) bad('nonce', '0 in a nested escape', tx.nonce);
      noSignature('a nested escape');
      break;
  }
}

/** Decodes `data` strictly with its kind's decoder (MALFORMED_TX, field `data`, when it is not canonical). */
function checkTxData(kind: TxKind, data: Hex): void {
  switch (kind) {
    case TxKind.DepositToChild:
    case TxKind.ReclaimChildDeposit:
    case TxKind.FreezeStalledChild:
      decodeDepositToChildData(data);
      return;
    case TxKind.CommitChild:
      decodeCommitChildData(data);
      return;
    case TxKind.FinalizeChildExit:
      decodeFinalizeChildExitData(data);
      return;
    case TxKind.SpawnChild:
      decodeSpawnChildData(data);
      return;
    case TxKind.EdgeSend:
      decodeEdgeSendData(data);
      return;
    case TxKind.EdgeFromParent:
      decodeEdgeFromParentData(data);
      return;
    case TxKind.EdgeFromChild:
      decodeEdgeFromChildData(data);
      return;
    case TxKind.ProveChildFraud:
      decodeProveChildFraudData(data);
      return;
    case TxKind.EscapeChildExit:
      decodeEscapeChildExitData(data);
      return;
    case TxKind.ChallengeChildData:
      decodeChallengeChildDataData(data);
      return;
    case TxKind.ChildDataCall:
      decodeChildDataCallData(data);
      return;
    case TxKind.NestedEscapeCall:
      decodeNestedEscapeCallData(data);
      return;
    default:
      return;
  }
}

function wrongSigner(signer: Address, from: Address): PlasmaError {
  return stfError('BAD_SIGNATURE', `the signature recovers to ${signer}, the tx says it is from ${from}`, {
    hint: 'sign for this chain id and EIP-712 domain (L1 chain id and root contract), with the key of the sender',
    data: { expected: from, found: signer },
  });
}

function describe(value: unknown): string {
  if (typeof value === 'bigint') return `${value}n`;
  if (typeof value === 'string') return `"${value.length > 70 ? `${value.slice(0, 70)}…` : value}"`;
  return String(value);
}

function stfError(code: StfErrorCode, message: string, opts: { hint?: string; data?: Record<string, unknown>; cause?: unknown } = {}): PlasmaError {
  return new PlasmaError(code, message, opts);
}
