import {
  BUILT_IN_EDGES,
  ChainState,
  EMPTY_STATE_ROOT,
  ZERO_BYTES32,
  chunkByteBudget,
  plasmaDomain,
  type Account,
  type Address,
  type BlockContext,
  type ChainId,
  type EdgeRegistry,
  type Eip712Domain,
  type Header,
  type Hex,
  type LedgerEntry,
} from '@plasma-tree/core';
import type { BlockWrite, ChainHead, ChainStore } from './db/chainStore.js';
import { nodeError } from './errors.js';
import { SignatureCache } from './signatureCache.js';

/** What the parent (the root contract, or the parent chain's node) says about the chain this node runs. */
export interface ChainParams {
  chainId: ChainId;
  parentChainId: ChainId;
  /** Chain id of the L1 (part of the EIP-712 domain). */
  l1ChainId: bigint;
  rootContract: Address;
  /** Lowercase, in the contract's order. */
  validators: Address[];
  /** Signatures a commitment needs. */
  threshold: number;
  /** Seconds between a commitment and the first withdrawal from it. */
  challengeWindow: number;
  /**
   * How deep the chain is in the tree: 1 for a child of the root contract, its parent's depth + 1 below a chain
   * (absent: 1). It sets the chain's chunk byte budget (core chunkByteBudget, docs/LEDGER-PROOFS.md "A size rule for
   * block data"), which every block this node builds or imports keeps to.
   */
  depth?: number;
}

/**
 * The chain as this node holds it: the store, the account state after the head block (in memory), and the
 * head's header. Only the block producer advances it, through `append`.
 */
export class Chain {
  readonly domain: Eip712Domain;
  /**
   * The newest committed block whose challenge window has passed on the parent's clock (number 0 = none): what
   * this chain's children wait for with finality 'final' (pt_chainInfo.final). Kept in memory by the committer;
   * after a restart it is found again on the committer's first round.
   */
  final: ChainHead = { number: 0, hash: ZERO_BYTES32 };
  /** Signatures already checked on this node: a block replayed twice (checked, then imported) is recovered once. */
  readonly signatures = new SignatureCache();

  private constructor(
    readonly params: ChainParams,
    readonly store: ChainStore,
    readonly state: ChainState,
    private headHeader_: Header | null,
    /** The edge functions this chain runs (NodeOptions `edgeFunctions`; the same on every validator). */
    readonly edges: EdgeRegistry,
  ) {
    this.domain = plasmaDomain(params.l1ChainId, params.rootContract);
  }

  /**
   * What the STF needs of this chain in every block (BlockBuilder, verifyBlock, the mempool's dry runs): its id,
   * the tree's EIP-712 domain, its edge functions, its parent (the peer of its up calls and of down events) and
   * the parent's records of the down stream (deposits, down edge events).
   */
  blockContext(depositRecord?: (nonce: bigint) => Hex | undefined): BlockContext {
    return {
      chainId: this.params.chainId,
      domain: this.domain,
      edges: this.edges,
      parentChainId: this.params.parentChainId,
      chunkBudget: this.chunkBudget,
      ...(depositRecord ? { depositRecord } : {}),
    };
  }

  /** The chain's depth in the tree (ChainParams.depth; 1, a child of the root, when absent). */
  get depth(): number {
    return this.params.depth ?? 1;
  }

  /** The most bytes of txs one data chunk of this chain's blocks may hold (core chunkByteBudget of its depth). */
  get chunkBudget(): number {
    return chunkByteBudget(this.depth);
  }

  /**
   * Rebuilds the state from the stored accounts and ledger entries (the ParentLedger of this chain's children)
   * and checks that it hashes to the head's stateRoot: a store that does not is refused rather than served.
   */
  static async load(params: ChainParams, store: ChainStore, edges: EdgeRegistry = BUILT_IN_EDGES): Promise<Chain> {
    const entries: [number, Account][] = [];
    for await (const entry of store.accounts()) entries.push(entry);
    const ledger: LedgerEntry[] = [];
    for await (const entry of store.ledgerEntries()) ledger.push(entry);
    let state: ChainState;
    try {
      state = ChainState.fromEntries(params.chainId, entries, ledger);
    } catch (e) {
      throw nodeError('STORE_CORRUPT', `the stored ledger cannot be rebuilt: ${(e as Error).message}`,
        'restore the data directory from a backup, or start from an empty one', { ledgerEntries: ledger.length });
    }

    const head = store.head;
    let headHeader: Header | null = null;
    if (head.number > 0) {
      const stored = await store.getBlock(head.number);
      if (!stored || stored.block.hash !== head.hash) {
        throw nodeError('STORE_CORRUPT', `the database names block ${head.number} (${head.hash}) as head but does not hold it`,
          'restore the data directory from a backup, or start from an empty one', { head });
      }
      headHeader = stored.block.header;
    }
    const expected = headHeader?.stateRoot ?? EMPTY_STATE_ROOT;
    if (state.root !== expected) {
      throw nodeError('STORE_CORRUPT', `the ${state.size} stored accounts and ${ledger.length} ledger entries hash to ${state.root}, but head block ${head.number} has stateRoot ${expected}`,
        'restore the data directory from a backup, or start from an empty one', { head, stateRoot: state.root, expected });
    }
    chunkByteBudget(params.depth ?? 1); // an impossible depth is refused at start, not at the first block
    return new Chain(params, store, state, headHeader, edges);
  }

  get head(): ChainHead {
    return this.store.head;
  }

  /** Header of the head block; null before block 1. */
  get headHeader(): Header | null {
    return this.headHeader_;
  }

  /** Highest nonce of the parent's down stream (deposits, down edge events) applied by the chain so far. */
  get depositNonce(): bigint {
    return this.headHeader_?.depositNonce ?? 0n;
  }

  /** Persists a sealed block built on the head; `state` must already hold the block's post-state. */
  async append(write: BlockWrite): Promise<void> {
    await this.store.putBlock(write);
    this.headHeader_ = write.stored.block.header;
  }
}
