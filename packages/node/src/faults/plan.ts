/**
 * What fault a validator node injects (NodeOptions `faults`, docs/FRAUD.md §5): a test tool to make a node lie on
 * purpose, so that watchers, fraud proofs and the escape hatch can be tested against real invalid blocks. Off by
 * default; never set it on a chain that holds value.
 */
import { PlasmaError } from '@plasma-tree/core';

/** Every fault a node can inject, with the block it needs and what it does (the CLI help lists these lines). */
export const FAULT_KINDS = {
  'bad-signature': 'a transfer whose signature does not recover its sender',
  'bad-nonce': 'a transfer with a nonce other than its sender\'s',
  overspend: 'a transfer of more than the sender holds (the sender left at 0, the recipient credited all of it)',
  'wrong-amount': 'a transfer whose recipient is credited twice what its sender is debited',
  'bad-post-root': 'after the block\'s last tx, the operator mints itself 1000 ETH on the chain: that tx\'s post-state root is not the re-execution\'s',
  'forged-deposit': 'a deposit credited 1000 times what the parent recorded under its nonce',
  'duplicate-deposit': 'the block\'s last deposit applied a second time, right after the down stream',
  'deposit-out-of-order': 'the block\'s first two deposits swapped (needs a block with two)',
  'missing-down-event': 'the block\'s last down event left out while the header still claims it (its funds vanish)',
  'skip-deposit': 'every block from then on leaves the parent\'s down stream out (its header claims none of it); fraud once a block is committed more than the stall limit after the first event it skipped was recorded',
  'bad-exit-root': 'an exit tree (header exitRoot and the exits served) with one more exit, of 1000 ETH to the operator, that no tx made',
  'wrong-exit': 'the exit-tree leaf of the block\'s last withdrawal pays 1000 ETH to the operator instead (needs a block with a withdrawal)',
  'bad-timestamp': 'a block timestamp one second before the parent block\'s (from block 2 on)',
  equivocate: 'a second, different block (timestamp + 1 s) signed for the same height; served by pt_getEquivocation',
  'withhold-data': 'the block is committed, but pt_getBlockByNumber/ByHash answer null for it',
  'oversized-chunk': 'the block ignores the chain\'s chunk byte budget, so its first chunk takes more bytes than B(depth) and can never be published on a data challenge (needs a mempool holding more bytes than a chunk may: e.g. 30 messages of 4,000 bytes)',
  'double-finalize': 'the block\'s last FINALIZE_CHILD_EXIT followed by a copy of itself: the same child exit paid again (needs a chain with children)',
  'ledger-post-root': 'after the block\'s last tx of a ledger kind PlasmaRoot proves, the operator mints itself 1000 ETH on the chain: that tx\'s post-state root is not the re-execution\'s',
  'early-freeze': 'a FREEZE_STALLED_CHILD of a live child that is not stalled, after the block\'s last tx (needs a chain with children)',
  'false-conviction': 'a PROVE_CHILD_FRAUD right after the block\'s last COMMIT_CHILD of a child\'s block 1, with a bad-timestamp proof of that honest block: the child frozen, its bond to the operator (needs a chain with children)',
} as const;

export type FaultKind = keyof typeof FAULT_KINDS;

export const FAULT_KIND_NAMES = Object.keys(FAULT_KINDS) as FaultKind[];

/** NodeOptions `faults`. */
export interface FaultPlan {
  kind: FaultKind;
  /**
   * The first block number that may be faulty. Default: the next block the node produces. The fault goes into
   * the first block from there that has what it needs (a transfer, a deposit, two deposits, a parent block, a
   * child exit finalized, a live child).
   */
  atBlock?: bigint | number | string;
  /** Inject into one block (default; skip-deposit: every block), or into every suitable block from `atBlock` on. */
  once?: boolean;
}

export interface ResolvedFaultPlan {
  kind: FaultKind;
  atBlock: bigint | undefined;
  once: boolean;
}

function badFaults(field: string, message: string, hint: string): PlasmaError {
  return new PlasmaError('BAD_CONFIG', `${field}: ${message}`, { data: { field }, hint });
}

const KIND_HINT = `use one of ${FAULT_KIND_NAMES.join(', ')}`;

/** Validates NodeOptions `faults` (undefined: off). Throws BAD_CONFIG naming the field. */
export function resolveFaultPlan(value: unknown): ResolvedFaultPlan | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'object') throw badFaults('faults', 'expected { kind, atBlock?, once? }', `leave faults out (the default), or ${KIND_HINT}`);
  const plan = value as Record<string, unknown>;
  if (typeof plan.kind !== 'string' || !(plan.kind in FAULT_KINDS)) {
    throw badFaults('faults.kind', `unknown fault ${JSON.stringify(plan.kind)}`, KIND_HINT);
  }
  let atBlock: bigint | undefined;
  if (plan.atBlock !== undefined) {
    const raw = plan.atBlock;
    const ok = (typeof raw === 'bigint') || (typeof raw === 'number' && Number.isSafeInteger(raw)) || (typeof raw === 'string' && /^[0-9]{1,19}$/.test(raw));
    atBlock = ok ? BigInt(raw as bigint | number | string) : undefined;
    if (atBlock === undefined || atBlock < 1n) throw badFaults('faults.atBlock', `expected a block number >= 1, got ${JSON.stringify(String(raw))}`, 'leave atBlock out for the next suitable block');
  }
  if (plan.once !== undefined && typeof plan.once !== 'boolean') throw badFaults('faults.once', 'expected true or false', 'leave once out to inject a single fault');
  // A deposit skipped once is applied by the next block: the lie is to keep skipping it.
  return { kind: plan.kind as FaultKind, atBlock, once: plan.once ?? plan.kind !== 'skip-deposit' };
}

/** `<kind>[@block]`, the CLI form (`--inject-fault bad-nonce@3`). Throws BAD_CONFIG. */
export function parseFaultSpec(spec: string): FaultPlan {
  const match = /^([a-z-]+)(?:@([0-9]+))?$/.exec(spec.trim());
  if (!match) throw badFaults('--inject-fault', `expected <kind>[@block], got ${JSON.stringify(spec)}`, `e.g. bad-nonce or overspend@3; ${KIND_HINT}`);
  const plan = resolveFaultPlan({ kind: match[1], ...(match[2] !== undefined ? { atBlock: match[2] } : {}) })!;
  return { kind: plan.kind, ...(plan.atBlock !== undefined ? { atBlock: plan.atBlock } : {}) };
}

/** The line a faulty node logs at start (and the CLI prints). */
export function faultWarning(kind: FaultKind): string {
  return `FAULT INJECTION ENABLED: ${kind} — this node will produce invalid blocks`;
}
