import { hashHeader, isPlasmaError, type Block, type Hex, type PlasmaError } from '@plasma-tree/core';
import { BlockAssembly } from './blockAssembly.js';
import type { Chain } from './chain.js';
import { nodeError } from './errors.js';
import { blockTxHash } from './txHash.js';

/** Seconds a peer's block timestamp may run ahead of this node's clock (clock skew between validators). */
export const MAX_FUTURE_SECONDS = 15n;

/** Errors of a peer's block that may pass once this node knows more of the parent (a deposit not yet confirmed here). */
export function isRetryableBlockError(e: unknown): boolean {
  return isPlasmaError(e, 'DEPOSIT_UNKNOWN');
}

interface Replayed {
  assembly: BlockAssembly;
  /** The block as this node sealed it from the peer's transactions (the same hash). */
  block: Block;
}

/**
 * Replays `block` (a peer's proposal or a decided block) on the chain's head, transaction by transaction through
 * the STF (signatures recovered, deposits checked against this node's own records of the parent), and checks that
 * it seals to the same header. The state holds the block's post-state inside an open checkpoint on return; on
 * any refusal it is back at the head and the error says why: INVALID_BLOCK (data.reason, data.txIndex) or the
 * STF's code (DEPOSIT_UNKNOWN: this node has not seen that deposit yet, retry later).
 */
function replay(chain: Chain, block: Block, depositRecord: (nonce: bigint) => Hex | undefined, now: bigint): Replayed {
  const { header } = block;
  const head = chain.head;
  if (header.number !== BigInt(head.number + 1) || (chain.headHeader !== null && header.parentHash !== head.hash)) {
    throw nodeError('BLOCK_NOT_NEXT', `block ${header.number} (parent ${header.parentHash}) does not follow this node's head ${head.number} (${head.hash})`,
      'sync the blocks before it first', { number: String(header.number), head: head.number });
  }
  if (hashHeader(header) !== block.hash) {
    throw invalid(block, 'HASH_MISMATCH', `its header hashes to ${hashHeader(header)}`);
  }
  if (header.timestamp > now + MAX_FUTURE_SECONDS) {
    throw invalid(block, 'FUTURE_TIMESTAMP', `its timestamp ${header.timestamp} is ahead of this node's clock (${now})`);
  }
  const depth = chain.state.checkpointDepth;
  chain.state.checkpoint();
  try {
    const assembly = new BlockAssembly(chain, depositRecord, header.timestamp);
    for (const [index, tx] of block.txs.entries()) {
      try {
        assembly.addBlockTx(tx, blockTxHash(tx, chain.params.chainId, chain.domain));
      } catch (e) {
        if (isRetryableBlockError(e) || !isPlasmaError(e)) throw e;
        // The chain's chunk byte budget (docs/LEDGER-PROOFS.md "A size rule for block data"): a chunk over it could
        // not be published on a data challenge, so the block is refused as verifyBlock refuses it.
        const reason = e.code === 'CHUNK_FULL' || e.code === 'TX_TOO_LARGE' ? 'CHUNK_OVER_BUDGET' : e.code;
        throw invalid(block, reason, `transaction ${index} is refused: ${e.message}`, index);
      }
    }
    const sealed = assembly.builder.seal();
    if (sealed.hash !== block.hash) {
      throw invalid(block, 'HEADER_MISMATCH', `its transactions seal to ${sealed.hash}, not to ${block.hash} (a root, the deposit nonce or the timestamp differs)`);
    }
    return { assembly, block: sealed };
  } catch (e) {
    while (chain.state.checkpointDepth > depth) chain.state.revert();
    throw e;
  }
}

function invalid(block: Block, reason: string, detail: string, txIndex?: number): PlasmaError {
  return nodeError('INVALID_BLOCK', `block ${block.header.number} (${block.hash}) is invalid: ${detail}`,
    'a peer sent a block the protocol refuses: it is not applied, and the peer is penalised', { reason, number: String(block.header.number), ...(txIndex === undefined ? {} : { txIndex }) });
}

/** How long a validator lets a proposal leave out a down event it has seen confirmed (ms): the proposer's view of the
 *  parent may lag its own by a poll or two. */
export const DOWN_EVENT_GRACE_MS = 5_000;

/**
 * Refuses a proposal that leaves out the next down event while this node has seen it confirmed for longer than
 * `graceMs` (INVALID_BLOCK, reason SKIPS_DOWN_EVENT). The STF cannot see this lie, but the parent convicts it once a
 * block that skips the event is committed past the chain's stall limit (docs/FRAUD.md §3, SkippedDeposit): an honest
 * validator that co-signed it would be slashed with the liar.
 */
export function checkDownStream(block: Block, confirmedAt: (nonce: bigint) => number | undefined, now = Date.now(), graceMs = DOWN_EVENT_GRACE_MS): void {
  const next = block.header.depositNonce + 1n;
  const seen = confirmedAt(next);
  if (seen !== undefined && now - seen > graceMs) {
    throw invalid(block, 'SKIPS_DOWN_EVENT', `it leaves out down event ${next}, confirmed here ${Math.round((now - seen) / 1000)} s ago (a proposal may lag by ${graceMs / 1000} s)`);
  }
}

/** Checks a proposed block without changing anything (throws as `importBlock`). */
export function checkBlock(chain: Chain, block: Block, depositRecord: (nonce: bigint) => Hex | undefined, now = unixNow()): void {
  const depth = chain.state.checkpointDepth;
  replay(chain, block, depositRecord, now);
  while (chain.state.checkpointDepth > depth) chain.state.revert();
}

/**
 * Applies a decided block (its `seals`: the validators' commitment signatures) on the head, calls `onApplied` in the
 * same tick, and persists it in one atomic write; returns the hashes its transactions are filed under (the mempool drops them). Throws as `replay`
 * and changes nothing then; a failed write leaves memory ahead of the disk, so the caller must stop the node.
 */
export async function importBlock(
  chain: Chain,
  block: Block,
  seals: Hex[],
  depositRecord: (nonce: bigint) => Hex | undefined,
  now = unixNow(),
  onApplied?: (txHashes: Hex[]) => void,
): Promise<Hex[]> {
  const depth = chain.state.checkpointDepth;
  const { assembly, block: sealed } = replay(chain, block, depositRecord, now);
  chain.state.commit();
  if (chain.state.checkpointDepth !== depth) throw new Error('importBlock: unbalanced state checkpoints');
  const { txHashes, touchedSlots, childDeposits } = assembly;
  // In the tick the state changed (the mempool settles what the block included): an admission running while the
  // block is written must see state and pending transactions agree, or it would accept a nonce gap.
  onApplied?.(txHashes);
  await chain.append(assembly.write({ block: sealed, txHashes, touchedSlots, childDeposits }, seals, []));
  return txHashes;
}

export function unixNow(): bigint {
  return BigInt(Math.floor(Date.now() / 1000));
}

