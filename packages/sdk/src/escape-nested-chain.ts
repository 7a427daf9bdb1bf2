/**
 * The nested escape inside a chain parent's ledger (docs/FRAUD.md §4c): A is frozen in the ledger of a chain P (not of
 * the root); the holders of A's descendants leave on P with the very PlasmaNestedEscape calls NestedEscapeClient sends
 * the root, each wrapped in a NESTED_ESCAPE_CALL (kind 16) sent to a node of P: unsigned and free, so anyone submits it;
 * P's ledger judges it (and the root judges P if P lies about it). Same inputs (core's NestedRoute and proofs, e.g. from
 * `@plasma-tree/node`'s `nestedEscapeSourceFromDataDirs`), same results, same codes; P's clock decides finality.
 */
import {
  PlasmaError,
  TxKind,
  encodeEscapeNestedExitCall,
  encodeExitNestedCall,
  encodeReclaimNestedCall,
  hashHeader,
  ledgerKeys,
  normalizeAddress,
  type Address,
  type ChainId,
  type Hex,
  type NestedAccountProof,
  type NestedDepositProof,
  type NestedEscapeCallTx,
  type NestedExitProof,
} from '@plasma-tree/core';
import { ChainEscapeClient, type ChainEscapeClientOptions, type ChainHostEscapeStatus } from './escape-chain.js';
import {
  childOf,
  payAll,
  type NestedAccountResult,
  type NestedEscapeAllResult,
  type NestedEscapeInputs,
  type NestedExitResult,
  type NestedReclaimResult,
} from './escape-nested.js';
import { plasmaError } from './errors.js';
import type { NodeClient, Receipt } from './node-client.js';

/** What a holder of K reads before leaving through P: A's status on P, K's last final block, the caps and what P paid. */
export interface ChainNestedEscapeStatus {
  host: 'chain';
  /** P, the chain whose ledger pays. */
  hostChainId: ChainId;
  parentChainId: ChainId;
  child: ChainId;
  /** A on P (frozen? head, its windowEnd, final by P's clock?). */
  frozen: ChainHostEscapeStatus;
  /** Whether the inputs (when given) are P's head of A with its windowEnd and block hash (else they are stale). */
  inputsMatchHost: boolean | null;
  lastFinalBlock: number | null;
  childHeadNumber: number | null;
  /** Per token: SubtreeBalance(K) in its parent's ledger (when given), what P paid through K so far, what is left. */
  tokens: { token: Address; cap: bigint | null; paid: bigint; left: bigint | null }[];
}

const nestedError = (code: string, message: string, data: Record<string, unknown> = {}, hint?: string): PlasmaError => plasmaError(code, message, data, undefined, hint);

export class ChainNestedEscapeClient {
  readonly host = 'chain' as const;
  /** A's status on P and the submission of unsigned parent-ledger txs (the escape hatch one level down). */
  private readonly hatch: ChainEscapeClient;

  constructor(opts: ChainEscapeClientOptions) {
    this.hatch = new ChainEscapeClient(opts);
  }

  get node(): NodeClient {
    return this.hatch.node;
  }

  async status(parentChainId: ChainId, child: ChainId, opts: { inputs?: NestedEscapeInputs; caps?: ReadonlyMap<Address, bigint>; tokens?: readonly string[] } = {}): Promise<ChainNestedEscapeStatus> {
    const frozen = await this.hatch.getChainStatus(parentChainId);
    const tokens = new Set<Address>([...(opts.tokens ?? []), ...(opts.caps?.keys() ?? [])].map((t) => normalizeAddress(t)));
    const rows: ChainNestedEscapeStatus['tokens'] = [];
    for (const token of tokens) {
      const paid = await this.paid(child, token);
      const cap = opts.caps?.get(token) ?? null;
      rows.push({ token, cap, paid, left: cap === null ? null : cap > paid ? cap - paid : 0n });
    }
    return {
      host: 'chain',
      hostChainId: frozen.parentChainId,
      parentChainId: frozen.chainId,
      child: child.toLowerCase() as ChainId,
      frozen,
      inputsMatchHost: opts.inputs ? await this.matchesHost(opts.inputs, frozen) : null,
      lastFinalBlock: opts.inputs ? Number(opts.inputs.final.block.number) : null,
      childHeadNumber: opts.inputs ? Number(opts.inputs.final.record.headNumber) : null,
      tokens: rows,
    };
  }

  /** What P paid of `token` through `child` (its NestedPaid ledger entry). */
  async paid(child: ChainId, token: string): Promise<bigint> {
    const entry = (await this.node.getLedgerProof(ledgerKeys.nestedPaid(child.toLowerCase() as ChainId, normalizeAddress(token)))).entry as { amount?: bigint | string } | null;
    return entry?.amount === undefined ? 0n : BigInt(entry.amount);
  }

  async isEscaped(child: ChainId, slot: number): Promise<boolean> {
    return this.marked(ledgerKeys.nestedEscaped(child.toLowerCase() as ChainId, slot));
  }

  async isExitPaid(child: ChainId, number: bigint, index: bigint): Promise<boolean> {
    return this.marked(ledgerKeys.nestedExitPaid(child.toLowerCase() as ChainId, number, index));
  }

  async isReclaimed(child: ChainId, nonce: bigint): Promise<boolean> {
    return this.marked(ledgerKeys.nestedReclaimed(child.toLowerCase() as ChainId, nonce));
  }

  // ---------------------------------------------------------------------------------------------- the three calls

  async escape(inputs: NestedEscapeInputs, proof: NestedAccountProof): Promise<NestedAccountResult> {
    const { A, K } = await this.ready(inputs);
    if (inputs.final.block.number === 0n) {
      throw nestedError('NOTHING_FINAL', `no block of ${K} is final in its parent's ledger (below ${A}'s final head): no account to escape from`, { parentChainId: A, child: K });
    }
    const slot = proof.account.slot;
    if (await this.isEscaped(K, slot)) {
      throw nestedError('ALREADY_ESCAPED', `slot ${slot} of ${K} (${proof.account.owner}, ${proof.account.token}) was already paid on chain ${this.hatch.parentChainId}`, { parentChainId: A, child: K, slot });
    }
    const r = await this.send(A, encodeEscapeNestedExitCall(inputs, proof));
    return { kind: 'account', slot, to: normalizeAddress(proof.account.owner), token: normalizeAddress(proof.account.token), amount: proof.account.balance, ...r };
  }

  async exit(inputs: NestedEscapeInputs, proof: NestedExitProof): Promise<NestedExitResult> {
    const { A, K } = await this.ready(inputs);
    const number = proof.exitBlock.header.number;
    if (await this.isExitPaid(K, number, proof.index)) {
      throw nestedError('ALREADY_WITHDRAWN', `exit ${proof.index} of block ${number} of ${K} was already paid on chain ${this.hatch.parentChainId}`, { parentChainId: A, child: K, number: number.toString(), index: proof.index.toString() });
    }
    const r = await this.send(A, encodeExitNestedCall(inputs, proof));
    return { kind: 'exit', number, index: proof.index, to: normalizeAddress(proof.exit.recipient), token: normalizeAddress(proof.exit.token), amount: proof.exit.amount, ...r };
  }

  async reclaim(inputs: NestedEscapeInputs, proof: NestedDepositProof): Promise<NestedReclaimResult> {
    const { A, K } = await this.ready(inputs);
    if (await this.isReclaimed(K, proof.nonce)) {
      throw nestedError('ALREADY_RECLAIMED', `deposit ${proof.nonce} to ${K} was already given back on chain ${this.hatch.parentChainId}`, { parentChainId: A, child: K, nonce: proof.nonce.toString() });
    }
    const r = await this.send(A, encodeReclaimNestedCall(inputs, proof));
    return { kind: 'deposit', nonce: proof.nonce, to: normalizeAddress(proof.from), token: normalizeAddress(proof.token), amount: proof.amount, ...r };
  }

  /** Every account, exit and deposit given, one kind-16 tx each, skipping what P paid already; any other refusal throws. */
  async escapeAll(inputs: NestedEscapeInputs, proofs: { accounts?: readonly NestedAccountProof[]; exits?: readonly NestedExitProof[]; deposits?: readonly NestedDepositProof[] }): Promise<NestedEscapeAllResult> {
    return payAll(this, inputs, proofs);
  }

  // ---------------------------------------------------------------------------------------------- internals

  /** A frozen on P, the inputs P's head of A as committed, the head final by P's clock. */
  private async ready(inputs: NestedEscapeInputs): Promise<{ A: ChainId; K: ChainId }> {
    const A = inputs.frozen.chainId.toLowerCase() as ChainId;
    const K = childOf(inputs);
    const s = await this.hatch.getChainStatus(A);
    if (s.status === 'live') {
      throw nestedError('CHAIN_NOT_FROZEN', `chain ${A} is live on chain ${s.parentChainId}: its children's holders leave through it, the nested escape opens once it is frozen`, { chainId: A },
        'if its validators stay silent, freeze it after its stall limit: `plasma-tree escape freeze <chain>`');
    }
    if (!(await this.matchesHost(inputs, s))) {
      throw nestedError('PROOF_MISMATCH', `the inputs are for block ${inputs.frozen.head.number} of ${A} (windowEnd ${inputs.frozen.windowEnd}); chain ${s.parentChainId} holds block ${s.headNumber} (windowEnd ${s.headWindowEnd}) as its head`,
        { chainId: A, headNumber: s.headNumber }, "rebuild them from a data directory of the frozen chain at its parent's head (a fraud proof may have rolled it back)");
    }
    if (!s.headFinal) {
      throw nestedError('HEAD_NOT_FINAL', `the head (block ${s.headNumber}) of chain ${A} is still inside its challenge window on chain ${s.parentChainId}: ${s.secondsUntilFinal} s left`,
        { chainId: A, headWindowEnd: s.headWindowEnd, secondsLeft: s.secondsUntilFinal }, `a fraud proof may still roll it back: escape once the parent's clock reaches ${s.headWindowEnd}`);
    }
    return { A, K };
  }

  private async matchesHost(inputs: NestedEscapeInputs, s: ChainHostEscapeStatus): Promise<boolean> {
    if (Number(inputs.frozen.head.number) !== s.headNumber || Number(inputs.frozen.windowEnd) !== s.headWindowEnd) return false;
    const c = await this.node.getCommitment(s.chainId, s.headNumber);
    return c !== null && c !== undefined && c.blockHash.toLowerCase() === hashHeader(inputs.frozen.head).toLowerCase() && c.windowEnd === s.headWindowEnd;
  }

  private async marked(key: Hex): Promise<boolean> {
    const p = await this.node.getLedgerProof(key);
    return p.entry !== null && p.entry !== undefined;
  }

  private async send(A: ChainId, call: Hex): Promise<{ txHash: Hex; gasUsed: bigint; blockNumber: number }> {
    const tx: NestedEscapeCallTx = { kind: TxKind.NestedEscapeCall, chainId: this.hatch.parentChainId, frozen: A, call };
    const receipt: Receipt = await this.hatch.submit('NESTED_ESCAPE_CALL', tx);
    return { txHash: receipt.txHash, gasUsed: 0n, blockNumber: receipt.blockNumber ?? 0 };
  }
}
