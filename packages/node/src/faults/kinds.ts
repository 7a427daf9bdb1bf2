/**
 * The lies, one recipe per fault kind (docs/FRAUD.md §5): given the honest block's transactions, which of them the
 * forged block holds, in which order, which are applied by a lying step, and which header fields lie. A recipe
 * returns undefined when the block lacks what the fault needs (the fault then waits for a later block).
 */
import {
  ChainStatus,
  FraudKind,
  LedgerKind,
  ZERO_HEADER,
  decodeCommitChildData,
  encodeFraudProofArgs,
  ledgerKeys,
  type ChildEntry,
  NATIVE_TOKEN,
  PROVABLE_LEDGER_KINDS,
  TxKind,
  bytesToHex,
  isDownStreamTx,
  makesExit,
  placeSignedTx,
  secp256k1Scheme,
  transferDigest,
  type Account,
  type Address,
  type BlockTx,
  type ChainId,
  type ChainState,
  type Eip712Domain,
  type ExitTreeLeaf,
  type Header,
  type Hex,
  type TxOutcome,
} from '@plasma-tree/core';
import { blockTxHash } from '../txHash.js';
import { honestStep, type ForgeStep, type ForgeOptions } from './forge.js';
import type { FaultKind } from './plan.js';

/** What a recipe knows of the block being sealed. */
export interface RecipeInput {
  /** The honest block's transactions, in order. */
  txs: readonly BlockTx[];
  parent: Header | null;
  timestamp: bigint;
  chainId: ChainId;
  domain: Eip712Domain;
  /** The address the operator's lies pay (its first validator key). */
  operator: Address;
  /** The state as the honest block leaves it (its ledger: which children there are): read, never written. */
  state: ChainState;
}

/**
 * A forged block: each position names the honest transaction it comes from (for hashes and indexes) and its step;
 * a transaction the lie adds (`from` -1) names the hash it is filed under.
 */
export interface Recipe {
  items: { from: number; step: ForgeStep; hash?: Hex }[];
  timestamp?: bigint;
  header?: ForgeOptions['header'];
  exits?: ForgeOptions['exits'];
  /** The honest transaction the lie is about (for the log). */
  target: number;
}

/** What the operator's lies are worth: 1000 ETH. */
export const LIE_AMOUNT = 1000n * 10n ** 18n;
/** Signs the bad signatures: a key that is nobody's account on any chain. */
const FORGER_KEY = bytesToHex(new TextEncoder().encode('plasma-tree fault-injection key!')) as Hex;

const honest = (txs: readonly BlockTx[]) => txs.map((tx, from) => ({ from, step: honestStep(tx) }));

/** The honest items with the one at `index` applied by `step` instead. */
function replaced(txs: readonly BlockTx[], index: number, step: ForgeStep): Recipe {
  const items = honest(txs);
  items[index] = { from: index, step };
  return { items, target: index };
}

function lastIndex(txs: readonly BlockTx[], test: (tx: BlockTx) => boolean): number {
  for (let i = txs.length - 1; i >= 0; i--) if (test(txs[i])) return i;
  return -1;
}

/** How many transactions open the block with the parent's down stream. */
const downCount = (txs: readonly BlockTx[]): number => {
  const first = txs.findIndex((tx) => !isDownStreamTx(tx));
  return first < 0 ? txs.length : first;
};

/** `amount` of `tx.token` credited to `tx.toSlot` for `tx.to`, without the STF's checks: what a lie writes. */
function credit(state: ChainState, slot: number, owner: Address, token: Address, amount: bigint): void {
  const held = state.get(slot);
  const account: Account = held === undefined ? { owner, token, balance: amount, nonce: 0n } : { ...held, balance: held.balance + amount };
  state.accounts.put(slot, account);
}

/** A deposit applied with no nonce or record check: the lying half of forged, duplicate and out-of-order deposits. */
const creditDeposit = (tx: BlockTx, amount = tx.amount): ForgeStep => (state) => {
  credit(state, tx.toSlot, tx.to, tx.token, amount);
  return { tx: { ...tx, amount }, outcome: { postRoot: state.root, downNonce: tx.nonce } };
};

/** The transfer applied as the STF would, then `after` (the lie) on top; `shown` is what the block records. */
const transferThen = (tx: BlockTx, shown: BlockTx, after?: (state: ChainState) => void): ForgeStep => (state, ctx) => {
  const outcome: TxOutcome = honestStep(tx)(state, ctx).outcome;
  after?.(state);
  return { tx: shown, outcome: { ...outcome, postRoot: state.root } };
};

/** The tx applied as the STF would, then LIE_AMOUNT minted to the operator: the tx's post root is not the STF's. */
const thenMint = (tx: BlockTx, operator: Address): ForgeStep => (state, ctx) => {
  const { outcome } = honestStep(tx)(state, ctx);
  const slot = state.slotOf(operator, NATIVE_TOKEN) ?? state.nextFreeSlot();
  credit(state, slot, operator, NATIVE_TOKEN, LIE_AMOUNT);
  return { tx, outcome: { ...outcome, postRoot: state.root }, slots: [slot] };
};

const isTransfer = (tx: BlockTx) => tx.kind === TxKind.Transfer;
const isDeposit = (tx: BlockTx) => tx.kind === TxKind.Deposit;
const isFinalize = (tx: BlockTx) => tx.kind === TxKind.FinalizeChildExit;

export const RECIPES: Record<Exclude<FaultKind, 'equivocate' | 'withhold-data' | 'oversized-chunk'>, (input: RecipeInput) => Recipe | undefined> = {
  'bad-signature': ({ txs, domain, chainId }) => {
    const i = lastIndex(txs, isTransfer);
    if (i < 0) return undefined;
    const tx = txs[i];
    // The transfer's own message, signed by a key that is not its sender's.
    const digest = transferDigest(domain, { chainId, slot: tx.slot, to: tx.to, token: tx.token, amount: tx.amount, nonce: tx.nonce });
    const signature = secp256k1Scheme.sign(digest, FORGER_KEY);
    const forged = { ...tx, r: `0x${signature.slice(2, 66)}` as Hex, s: `0x${signature.slice(66, 130)}` as Hex, v: parseInt(signature.slice(130, 132), 16) };
    return replaced(txs, i, transferThen(tx, forged));
  },

  'bad-nonce': ({ txs }) => {
    const i = lastIndex(txs, isTransfer);
    if (i < 0) return undefined;
    return replaced(txs, i, transferThen(txs[i], { ...txs[i], nonce: txs[i].nonce + 1n }));
  },

  overspend: ({ txs }) => {
    const i = lastIndex(txs, isTransfer);
    if (i < 0) return undefined;
    const tx = txs[i];
    return replaced(txs, i, (state) => {
      const sender = state.get(tx.slot)!;
      // More than the sender holds; the sender is left at 0 and the recipient gets all of it.
      const amount = sender.balance + tx.amount;
      state.accounts.put(tx.slot, { ...sender, balance: 0n, nonce: sender.nonce + 1n });
      credit(state, tx.toSlot, tx.to, tx.token, amount);
      return { tx: { ...tx, amount }, outcome: { postRoot: state.root } };
    });
  },

  'wrong-amount': ({ txs }) => {
    const i = lastIndex(txs, isTransfer);
    if (i < 0) return undefined;
    const tx = txs[i];
    return replaced(txs, i, transferThen(tx, tx, (state) => credit(state, tx.toSlot, tx.to, tx.token, tx.amount)));
  },

  'bad-post-root': ({ txs, operator }) => {
    if (txs.length === 0) return undefined;
    const i = txs.length - 1;
    return replaced(txs, i, thenMint(txs[i], operator));
  },

  'forged-deposit': ({ txs }) => {
    const i = lastIndex(txs.slice(0, downCount(txs)), isDeposit);
    if (i < 0) return undefined;
    return replaced(txs, i, creditDeposit(txs[i], txs[i].amount * 1000n));
  },

  'duplicate-deposit': ({ txs }) => {
    const down = downCount(txs);
    const i = lastIndex(txs.slice(0, down), isDeposit);
    if (i < 0) return undefined;
    const items = honest(txs);
    // Right after the down stream, where the header's depositNonce says none may be.
    items.splice(down, 0, { from: i, step: creditDeposit(txs[i]) });
    return { items, target: i };
  },

  'deposit-out-of-order': ({ txs }) => {
    const down = downCount(txs);
    const i = txs.findIndex((tx, k) => k + 1 < down && isDeposit(tx) && isDeposit(txs[k + 1]));
    if (i < 0) return undefined;
    const items = honest(txs);
    items[i] = { from: i + 1, step: creditDeposit(txs[i + 1]) };
    items[i + 1] = { from: i, step: creditDeposit(txs[i]) };
    return { items, target: i };
  },

  'missing-down-event': ({ txs }) => {
    const down = downCount(txs);
    if (down === 0) return undefined;
    const items = honest(txs);
    items.splice(down - 1, 1);
    // The header keeps the honest depositNonce: it claims the event the block leaves out.
    const claimed = txs[down - 1].nonce;
    return { items, target: down - 1, header: () => ({ depositNonce: claimed }) };
  },

  'skip-deposit': ({ txs }) => {
    const down = downCount(txs);
    if (down === 0) return undefined;
    // The header's depositNonce stays the parent's: the block claims nothing it leaves out and the STF accepts it.
    // Only the deadline convicts it, once a commit comes more than the stall limit after the first event skipped.
    return { items: honest(txs).slice(down), target: 0 };
  },

  'bad-exit-root': ({ txs, operator }) => {
    if (txs.length === 0) return undefined;
    const extra: ExitTreeLeaf = { recipient: operator, token: NATIVE_TOKEN, amount: LIE_AMOUNT };
    return { items: honest(txs), target: txs.length - 1, exits: (exits) => [...exits, extra] };
  },

  'wrong-exit': ({ txs, operator }) => {
    const i = lastIndex(txs, (tx) => tx.kind === TxKind.Withdraw);
    if (i < 0) return undefined;
    const at = txs.slice(0, i).filter((tx) => makesExit(tx)).length;
    const lie: ExitTreeLeaf = { recipient: operator, token: NATIVE_TOKEN, amount: LIE_AMOUNT };
    return { items: honest(txs), target: i, exits: (exits) => exits.map((leaf, j) => (j === at ? lie : leaf)) };
  },

  'bad-timestamp': ({ txs, parent }) => {
    if (parent === null || parent.timestamp === 0n) return undefined;
    return { items: honest(txs), target: 0, timestamp: parent.timestamp - 1n };
  },

  'double-finalize': ({ txs }) => {
    const i = lastIndex(txs, isFinalize);
    if (i < 0) return undefined;
    const tx = txs[i];
    const items = honest(txs);
    // Right after the honest payment, so that the copy finds the exit spent: the ledger is left as the payment left
    // it (spent, the subtree balance lowered once) and only the recipient is credited again.
    items.splice(i + 1, 0, {
      from: i,
      step: (state) => {
        credit(state, tx.toSlot, tx.to, tx.token, tx.amount);
        return { tx, outcome: { postRoot: state.root } };
      },
    });
    return { items, target: i };
  },

  'ledger-post-root': ({ txs, operator }) => {
    // A kind PlasmaRoot cannot judge yet would make a lie nobody can prove at the root.
    const i = lastIndex(txs, (tx) => PROVABLE_LEDGER_KINDS.has(tx.kind));
    if (i < 0) return undefined;
    return replaced(txs, i, thenMint(txs[i], operator));
  },

  'early-freeze': ({ txs, state, timestamp, chainId, domain }) => {
    const { ledger } = state;
    // A stalled child may honestly be frozen: the lie needs one the stall rule protects.
    const child = ledger.children().find((c) => ledger.childStatus(c).status === ChainStatus.Live && timestamp <= ledger.lastActivity(c) + ledger.stallLimit(c));
    if (child === undefined) return undefined;
    const tx = placeSignedTx(state, { kind: TxKind.FreezeStalledChild, chainId, child }, { chainId, domain });
    const items: Recipe['items'] = honest(txs);
    items.push({
      from: -1,
      hash: blockTxHash(tx, chainId, domain),
      step: (lying, ctx) => {
        // The entry ParentLedger.freezeStalled writes, without its NOT_STALLED check.
        lying.ledger.unsafeWrite({ kind: LedgerKind.ChildStatus, child, status: ChainStatus.FrozenStalled, frozenAt: ctx.timestamp });
        return { tx, outcome: { postRoot: lying.root } };
      },
    });
    // The lie is about no honest tx: the log names the added one's position.
    return { items, target: txs.length };
  },

  'false-conviction': ({ txs, timestamp, chainId, domain, operator, state }) => {
    // A block 1 committed in this very block: its header is known here and its previous one is the zero header.
    const i = lastIndex(txs, (tx) => tx.kind === TxKind.CommitChild && decodeCommitChildData(tx.data).header.number === 1n);
    if (i < 0) return undefined;
    const { child, header } = decodeCommitChildData(txs[i].data);
    // A proof that proves nothing: the honest block's timestamp is in order (ParentLedger refuses it, NOT_FRAUD).
    const windowEnd = timestamp + state.ledger.childInfo(child).challengeWindow;
    const proof = { kind: FraudKind.BadTimestamp, header, prev: ZERO_HEADER } as const;
    const signed = { kind: TxKind.ProveChildFraud, chainId, child, fraudKind: FraudKind.BadTimestamp, args: encodeFraudProofArgs(proof, { windowEnd, prevWindowEnd: 0n }), to: operator } as const;
    const items: Recipe['items'] = honest(txs);
    items.splice(i + 1, 0, {
      from: -1,
      hash: blockTxHash(placeSignedTx(state, signed, { chainId, domain }), chainId, domain),
      step: (lying, ctx) => {
        const tx = placeSignedTx(lying, signed, { chainId, domain });
        // ParentLedger.proveFraud's writes without its checks: frozen by fraud, the whole bond to the operator.
        const entry = lying.ledger.entry(ledgerKeys.child(child)) as ChildEntry;
        lying.ledger.unsafeWrite({ kind: LedgerKind.ChildStatus, child, status: ChainStatus.FrozenFraud, frozenAt: ctx.timestamp });
        lying.ledger.unsafeWrite({ ...entry, bond: 0n });
        credit(lying, tx.toSlot, operator, NATIVE_TOKEN, entry.bond);
        return { tx, outcome: { postRoot: lying.root } };
      },
    });
    return { items, target: i };
  },
};
