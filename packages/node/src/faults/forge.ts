/**
 * Sealing a block the way a lying validator would: its transactions re-executed one by one on the parent's state,
 * some of them by a step that lies, and every root (trace, txRoot, exitRoot, stateRoot) recomputed over what the
 * lie left, so that the block looks consistent wherever that is possible. Only fault injection uses this; the
 * honest producer seals with core's BlockBuilder.
 */
import {
  applyTx,
  bytesToHex,
  computeExitRoot,
  computeTxRoot,
  EMPTY_STATE_ROOT,
  hashHeader,
  ZERO_BYTES32,
  type Block,
  type BlockContext,
  type BlockTx,
  type ChainState,
  type ExitTreeLeaf,
  type Header,
  type Hex,
  type StfContext,
  type TxOutcome,
} from '@plasma-tree/core';

/** One transaction of a forged block: what it is in the block, and what applying it did to the state. */
export interface ForgedTx {
  tx: BlockTx;
  outcome: TxOutcome;
  /** Account slots the step wrote beyond the ones its transaction names (an operator's mint). */
  slots?: number[];
}

/** Applies one transaction (honestly or not) to `state`; throws to give up the fault for this block. */
export type ForgeStep = (state: ChainState, ctx: StfContext) => ForgedTx;

/** The honest step: the STF, the signature already checked when the transaction was first applied. */
export const honestStep = (tx: BlockTx): ForgeStep => (state, ctx) => ({ tx, outcome: applyTx(state, tx, ctx, { signatureChecked: true }) });

export interface ForgeOptions {
  parent: Header | null;
  /** The parent block's post-state; left at the forged block's post-state (or as it was when `dryRun`/on error). */
  state: ChainState;
  ctx: BlockContext;
  timestamp: bigint;
  steps: readonly ForgeStep[];
  /** Header fields the lie sets after the honest ones are computed (a claimed depositNonce). */
  header?: (honest: Header, exits: readonly ExitTreeLeaf[]) => Partial<Header>;
  /** The exit tree the lie commits to (and serves, as a real operator must to be paid) in place of the txs' exits. */
  exits?: (honest: readonly ExitTreeLeaf[]) => ExitTreeLeaf[];
  /** Undo the state changes afterwards (a block signed but never applied here: an equivocation). */
  dryRun?: boolean;
}

export interface Forged {
  block: Block;
  /** Slots written by lying steps beyond their transactions' own. */
  extraSlots: number[];
}

export function forgeBlock({ parent, state, ctx, timestamp, steps, header: patch, exits: patchExits, dryRun }: ForgeOptions): Forged {
  const stfCtx: StfContext = { ...ctx, lastDepositNonce: parent?.depositNonce ?? 0n, timestamp };
  const txs: BlockTx[] = [];
  const postRoots: Hex[] = [];
  let exits: ExitTreeLeaf[] = [];
  const extraSlots: number[] = [];
  state.checkpoint();
  try {
    for (const step of steps) {
      const { tx, outcome, slots } = step(state, stfCtx);
      txs.push(tx);
      postRoots.push(outcome.postRoot);
      if (outcome.exit !== undefined) exits.push(outcome.exit);
      // A lying step may apply nonces out of order: the stream never goes back, as the header's claim cannot.
      if (outcome.downNonce !== undefined && outcome.downNonce > stfCtx.lastDepositNonce) stfCtx.lastDepositNonce = outcome.downNonce;
      if (slots) extraSlots.push(...slots);
    }
    if (patchExits) exits = patchExits(exits);
    const honest: Header = {
      chainId: ctx.chainId.toLowerCase() as Hex,
      number: (parent?.number ?? 0n) + 1n,
      parentHash: parent === null ? ZERO_BYTES32 : hashHeader(parent),
      txRoot: bytesToHex(computeTxRoot(txs, postRoots)),
      stateRoot: state.root,
      exitRoot: bytesToHex(computeExitRoot(exits)),
      depositNonce: stfCtx.lastDepositNonce,
      timestamp,
    };
    const header = { ...honest, ...patch?.(honest, exits) };
    const block: Block = { header, hash: hashHeader(header), txs, postRoots, exits };
    if (dryRun) state.revert();
    else state.commit();
    return { block, extraSlots };
  } catch (e) {
    state.revert();
    throw e;
  }
}

/** The pre-state root a forged block starts from (what the builder checked). */
export function preStateRoot(parent: Header | null): Hex {
  return parent === null ? EMPTY_STATE_ROOT : (parent.stateRoot.toLowerCase() as Hex);
}
