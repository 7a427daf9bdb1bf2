/**
 * The producer's one hook into fault injection (NodeOptions `faults`): when a block is due for the planned fault,
 * the honest block the BlockBuilder holds is dropped and a forged one is sealed in its place, on the same parent
 * state, then signed, stored and committed exactly like an honest block. The node then carries on from its forged
 * block, as a lying operator would: its store is coherent with it (the state it persists hashes to the forged
 * header's stateRoot), so a restart resumes from it.
 *
 * What was injected is recorded in `<dataDir>/faults.json` (written atomically before the block is stored), so a
 * restart neither injects a `once` fault again nor serves a withheld block, and equivocations stay available.
 */
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import {
  blockFromJson,
  chunkSizes,
  blockToJson,
  type Block,
  type BlockBuilder,
  type BlockContext,
  type ChainState,
  type Header,
  type Hex,
} from '@plasma-tree/core';
import type { Chain } from '../chain.js';
import type { ChildDepositRecord } from '../db/chainStore.js';
import { nodeError } from '../errors.js';
import { signCommitment, type ValidatorKey } from '../l1/signatureCollector.js';
import type { Logger } from '../logger.js';
import { forgeBlock, honestStep, preStateRoot, type Forged } from './forge.js';
import { RECIPES, type Recipe } from './kinds.js';
import type { FaultKind, ResolvedFaultPlan } from './plan.js';

/** What the producer has gathered for the block it is about to seal. */
export interface SealInput {
  parent: Header | null;
  state: ChainState;
  ctx: BlockContext;
  /** By position in the builder's block. */
  txHashes: readonly Hex[];
  touchedSlots: ReadonlySet<number>;
  childDeposits: readonly ChildDepositRecord[];
}

/** The block to store, with the hashes and indexes that go with its transactions. */
export interface Sealed {
  block: Block;
  txHashes: Hex[];
  touchedSlots: Set<number>;
  childDeposits: ChildDepositRecord[];
}

/** The hook the block producer calls (undefined when faults are off). */
export interface FaultHook {
  /** The forged block when `builder`'s block is due for the fault; undefined: seal `builder` honestly. */
  seal(builder: BlockBuilder, input: SealInput): Sealed | undefined;
  /** True when block `number` is built without the chain's chunk byte budget (oversized-chunk). */
  ignoresChunkBudget(number: bigint): boolean;
}

/** A second block this node signed for a height it committed another block at. */
export interface Equivocation {
  number: number;
  block: Block;
  signatures: Hex[];
}

interface Injected {
  kind: FaultKind;
  number: number;
  /** The forged block's hash (none for withhold-data: the block is honest). */
  hash?: Hex;
}

interface FaultsFile {
  injected: Injected[];
  equivocations: { number: number; block: unknown; signatures: Hex[] }[];
}

export const FAULTS_FILE = 'faults.json';

export class FaultInjector implements FaultHook {
  private readonly injected: Injected[];
  private readonly equivocations = new Map<number, Equivocation>();
  private readonly file: string;

  constructor(
    readonly plan: ResolvedFaultPlan,
    private readonly c: { chain: Chain; dataDir: string; keys: readonly ValidatorKey[]; logger: Logger },
  ) {
    this.file = join(c.dataDir, FAULTS_FILE);
    const saved = readFaultsFile(this.file);
    this.injected = saved.injected;
    for (const e of saved.equivocations) this.equivocations.set(e.number, { number: e.number, block: blockFromJson(e.block), signatures: e.signatures });
  }

  /** What pt_chainInfo reports as `faults`. */
  info(): { kind: FaultKind; atBlock: number | null; once: boolean; injected: number[] } {
    const { kind, atBlock, once } = this.plan;
    return { kind, atBlock: atBlock === undefined ? null : Number(atBlock), once, injected: this.injected.filter((i) => i.kind === kind).map((i) => i.number) };
  }

  /** Whether block `number` is withheld (never served over RPC). */
  withholds(number: number): boolean {
    return this.injected.some((i) => i.kind === 'withhold-data' && i.number === number);
  }

  equivocation(number: number): Equivocation | undefined {
    return this.equivocations.get(number);
  }

  seal(builder: BlockBuilder, input: SealInput): Sealed | undefined {
    const { kind } = this.plan;
    const number = Number(builder.number);
    if (!this.due(number)) return undefined;
    if (kind === 'withhold-data') {
      // The block itself is honest; only the RPC lies about it.
      this.record({ kind, number });
      this.c.logger.error(`FAULT INJECTED: withhold-data: block ${number} will be committed but never served`, { number });
      return undefined;
    }
    if (kind === 'oversized-chunk') {
      // Built without the budget (ignoresChunkBudget): the fault is in only if a chunk came out over it.
      const budget = this.c.chain.chunkBudget;
      const sizes = chunkSizes(builder.transactions);
      const over = sizes.findIndex((bytes) => bytes > budget);
      if (over < 0) return undefined;
      this.record({ kind, number });
      this.c.logger.error(`FAULT INJECTED: oversized-chunk: chunk ${over} of block ${number} takes ${sizes[over]} bytes, over the chain's budget of ${budget}`, { number, chunk: over, bytes: sizes[over], budget });
      return undefined;
    }

    const txs = builder.transactions.slice();
    const { chain } = this.c;
    const recipeInput = { txs, parent: input.parent, timestamp: builder.timestamp, chainId: chain.params.chainId, domain: chain.domain, operator: this.c.keys[0].address, state: input.state };
    const recipe: Recipe | undefined = kind === 'equivocate' ? { items: txs.map((tx, from) => ({ from, step: honestStep(tx) })), target: 0 } : RECIPES[kind](recipeInput);
    if (recipe === undefined) return undefined;

    builder.abort();
    if (input.state.root !== preStateRoot(input.parent)) throw new Error(`fault injection: the state after abort() is not block ${number}'s pre-state`);
    const base = { parent: input.parent, state: input.state, ctx: input.ctx, timestamp: recipe.timestamp ?? builder.timestamp };

    let other: Equivocation | undefined;
    if (kind === 'equivocate') {
      // The other block: the same transactions one second later, valid on its own, signed, never applied here.
      const alt = forgeBlock({ ...base, timestamp: builder.timestamp + 1n, steps: recipe.items.map((i) => i.step), dryRun: true }).block;
      const subject = { chainId: alt.header.chainId, number: alt.header.number, blockHash: alt.hash };
      other = { number, block: alt, signatures: signCommitment(this.c.keys, chain.domain, subject).map((s) => s.signature) };
    }

    let forged: Forged;
    try {
      forged = forgeBlock({ ...base, steps: recipe.items.map((i) => i.step), header: recipe.header, exits: recipe.exits });
    } catch (e) {
      // The lie cannot be made to look consistent in this block (a later tx fails on the lying state, …):
      // seal it honestly and let the fault wait for the next one.
      this.c.logger.warn(`fault ${kind} could not be injected into block ${number}; it waits for a later block`, { error: e });
      const honest = forgeBlock({ ...base, timestamp: builder.timestamp, steps: txs.map(honestStep) });
      return { block: honest.block, txHashes: [...input.txHashes], touchedSlots: new Set(input.touchedSlots), childDeposits: [...input.childDeposits] };
    }

    const { block } = forged;
    if (other) this.equivocations.set(number, other);
    this.record({ kind, number, hash: block.hash });
    this.c.logger.error(`FAULT INJECTED: ${kind} in block ${number}`, { number, hash: block.hash, tx: recipe.target, ...(other ? { otherHash: other.block.hash } : {}) });

    // Hashes and indexes follow the transactions to their new positions.
    const position = new Map<number, number>();
    recipe.items.forEach((item, i) => item.from < 0 || position.has(item.from) || position.set(item.from, i));
    const touchedSlots = new Set([...input.touchedSlots, ...forged.extraSlots].filter((slot) => input.state.get(slot) !== undefined));
    return {
      block,
      txHashes: recipe.items.map((item) => item.hash ?? input.txHashes[item.from]),
      touchedSlots,
      childDeposits: input.childDeposits.map((d) => ({ ...d, index: position.get(d.index) ?? d.index })),
    };
  }

  ignoresChunkBudget(number: bigint): boolean {
    return this.plan.kind === 'oversized-chunk' && this.due(Number(number));
  }

  private due(number: number): boolean {
    const { kind, atBlock, once } = this.plan;
    if (atBlock !== undefined && BigInt(number) < atBlock) return false;
    return !once || !this.injected.some((i) => i.kind === kind);
  }

  /** Persists an injection before its block is stored: a crash in between loses the fault, never repeats it. */
  private record(entry: Injected): void {
    this.injected.push(entry);
    const content: FaultsFile = {
      injected: this.injected,
      equivocations: [...this.equivocations.values()].map((e) => ({ number: e.number, block: blockToJson(e.block), signatures: e.signatures })),
    };
    mkdirSync(dirname(this.file), { recursive: true });
    const tmp = `${this.file}.tmp`;
    writeFileSync(tmp, `${JSON.stringify(content, null, 2)}\n`);
    renameSync(tmp, this.file);
  }
}

function readFaultsFile(file: string): FaultsFile {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { injected: [], equivocations: [] };
    throw e;
  }
  try {
    const parsed = JSON.parse(text) as FaultsFile;
    if (!Array.isArray(parsed.injected) || !Array.isArray(parsed.equivocations)) throw new Error('missing injected/equivocations');
    return parsed;
  } catch (e) {
    throw nodeError('STORE_CORRUPT', `${file} (what this node's fault injection recorded) cannot be read: ${(e as Error).message}`,
      `delete ${file}: the node then forgets which faults it injected (a once-only fault may be injected again)`, { file });
  }
}
