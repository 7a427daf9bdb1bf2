import { PlasmaError, rootMinBond } from '@plasma-tree/core';
import type { FaultPlan } from '@plasma-tree/node';

/** The name of the root chain (L1) in a layout's `parent` field. */
export const ROOT = 'root';

/**
 * One chain of the devnet tree, as data. A tree is a list of these: `[{ name: 'A' }, { name: 'B' },
 * { name: 'A1', parent: 'A' }, { name: 'A2', parent: 'A' }]`.
 */
export interface ChainSpec {
  /** Unique, short: it names the chain in devnet.json, the CLI (`--chain A`) and the data dir. */
  name: string;
  /** Name of the parent chain, or 'root' (default) for a child of the root contract. */
  parent?: string;
  /** Number of validators (default: the devnet's `validators`, else 1). */
  validators?: number;
  /** Signatures a commitment needs (default: the devnet's `threshold`, else a 2/3 majority). */
  threshold?: number;
  /** Seconds (default: the devnet's `challengeWindow`). */
  challengeWindow?: number;
  /**
   * Seconds without a commit after which anyone may freeze the chain (docs/FRAUD.md §2, §8): challengeWindow .. 30 days.
   * Default: the parent's, max(7 days, challengeWindow) (PlasmaRoot.spawnChain; a SPAWN_CHILD without a limit).
   */
  stallLimit?: number;
  /**
   * Validator bond in wei: default and minimum ROOT_MIN_BOND (0.2 ETH, PlasmaRoot.MIN_BOND, docs/FRAUD.md §1) for a child
   * of the root, MIN_BOND (0.01 ETH, a chain's SPAWN_CHILD rule) for a child of a chain.
   */
  bond?: bigint;
  /** JSON-RPC port of the chain's node (default: the devnet's rpcPort + position; 0 = any free port). */
  rpcPort?: number;
  /**
   * For a child of a child chain: when its node applies a deposit made on the parent chain (NodeOptions
   * `parent.finality`; default: the devnet's `parentFinality`). Not allowed on a child of the root (it follows L1).
   */
  parentFinality?: 'committed' | 'final';
  /**
   * FAULT INJECTION, for tests only: the chain's validator node produces an invalid block (NodeOptions `faults`,
   * docs/FRAUD.md §5). No chain is faulty unless its spec says so. Which node that is: see `faultyValidator`.
   */
  faults?: FaultPlan;
  /**
   * FAULT INJECTION, for tests only, with `faults`: which validator lies, as an index into the chain's validators
   * (0-based, 0..validators-1; default 0). In processes mode (DevnetOptions `processes`) only that validator's node
   * process gets the fault plan; the others stay honest (in a quorum they refuse its forged proposals). In the
   * default in-process mode one node holds every key of the chain, so that node is faulty whatever this says.
   */
  faultyValidator?: number;
}

/** A ChainSpec with every default applied. */
export interface ResolvedChainSpec {
  name: string;
  parent: string;
  validators: number;
  threshold: number;
  challengeWindow: number;
  /** Only when the spec gave one (PlasmaRoot.spawnChainWithLimits, SPAWN_CHILD's stallLimit). */
  stallLimit?: number;
  bond: bigint;
  rpcPort: number;
  /** Only when the spec gave one. */
  parentFinality?: 'committed' | 'final';
  /** Only when the spec gave one (the node validates it). */
  faults?: FaultPlan;
  /** Only with `faults`: the spec's `faultyValidator`, default 0. */
  faultyValidator?: number;
}

/** Smallest bond of a child of a child chain (core's ParentLedger, SPAWN_CHILD). */
export const MIN_BOND = 10n ** 16n;
/** Smallest bond of a child of the root (PlasmaRoot.MIN_BOND: half of it pays the worst-case fraud proof). */
export const ROOT_MIN_BOND = 2n * 10n ** 17n;

/** 2/3 majority: 1 of 1, 2 of 2, 2 of 3, 3 of 4, … */
export function defaultThreshold(validators: number): number {
  return Math.min(validators, Math.floor((2 * validators) / 3) + 1);
}

function bad(message: string, hint: string, data: Record<string, unknown> = {}): PlasmaError {
  return new PlasmaError('BAD_LAYOUT', message, { data, hint });
}

/**
 * Validates a chain layout and fills in defaults. Parents come before their children in the result, so a
 * caller can spawn the chains in order.
 */
export function resolveLayout(
  chains: ChainSpec[],
  defaults: { validators?: number; threshold?: number; challengeWindow: number; rpcPort: number },
): ResolvedChainSpec[] {
  if (!Array.isArray(chains) || chains.length === 0) throw bad('the layout has no chains', 'pass at least one chain, e.g. [{ name: "A" }]');
  const names = new Set<string>();
  for (const c of chains) {
    if (typeof c?.name !== 'string' || !/^[A-Za-z0-9][A-Za-z0-9_-]{0,31}$/.test(c.name)) {
      throw bad(`invalid chain name ${JSON.stringify(c?.name)}`, 'use 1-32 letters, digits, "_" or "-", e.g. "A" or "A1"');
    }
    if (c.name === ROOT) throw bad('"root" is the name of L1 itself', 'pick another chain name');
    if (names.has(c.name)) throw bad(`chain name ${c.name} is used twice`, 'give every chain its own name');
    names.add(c.name);
  }
  const resolved = chains.map((c, i): ResolvedChainSpec => {
    const parent = c.parent ?? ROOT;
    if (parent !== ROOT && !names.has(parent)) throw bad(`chain ${c.name}: unknown parent ${JSON.stringify(parent)}`, `use "root" or the name of another chain (${[...names].join(', ')})`);
    if (parent === c.name) throw bad(`chain ${c.name} is its own parent`, 'pick another parent');
    const validators = c.validators ?? defaults.validators ?? 1;
    if (!Number.isInteger(validators) || validators < 1 || validators > 64) throw bad(`chain ${c.name}: validators must be 1..64, got ${validators}`, 'a devnet chain has 1 to 64 validators');
    const threshold = c.threshold ?? (defaults.threshold !== undefined ? Math.min(defaults.threshold, validators) : defaultThreshold(validators));
    if (!Number.isInteger(threshold) || threshold < 1 || threshold > validators) {
      throw bad(`chain ${c.name}: threshold ${threshold} is not in 1..${validators}`, 'the threshold must be between 1 and the number of validators');
    }
    const challengeWindow = c.challengeWindow ?? defaults.challengeWindow;
    if (!Number.isInteger(challengeWindow) || challengeWindow < 1 || challengeWindow > 30 * 86_400) {
      throw bad(`chain ${c.name}: challenge window must be 1 s .. 30 days, got ${challengeWindow}`, 'pass a whole number of seconds');
    }
    if (c.stallLimit !== undefined && (!Number.isInteger(c.stallLimit) || c.stallLimit < challengeWindow || c.stallLimit > 30 * 86_400)) {
      throw bad(`chain ${c.name}: stall limit must be its challenge window (${challengeWindow} s) .. 30 days, got ${c.stallLimit}`, 'pass a whole number of seconds, or leave it out for the default (7 days, or the window when longer)');
    }
    const stall = c.stallLimit !== undefined ? { stallLimit: c.stallLimit } : {};
    // A child of the root: 0.2 ETH per started 32 signatures of its threshold (PlasmaRoot.MIN_BOND, docs/FRAUD.md §1).
    const minBond = parent === ROOT ? rootMinBond(threshold) : MIN_BOND;
    const bond = c.bond ?? minBond;
    if (bond < minBond) {
      const eth = Number(minBond) / 1e18;
      throw bad(`chain ${c.name}: bond ${bond} wei is below the minimum ${eth} ETH`, `pass a bond of at least ${minBond} wei (${eth} ETH)`);
    }
    const rpcPort = c.rpcPort ?? (defaults.rpcPort === 0 ? 0 : defaults.rpcPort + i);
    if (c.faultyValidator !== undefined) {
      if (c.faults === undefined) {
        throw bad(`chain ${c.name}: faultyValidator without faults`, 'give the chain a fault plan (faults: { kind }) too, or leave faultyValidator out', { chain: c.name });
      }
      if (typeof c.faultyValidator !== 'number' || !Number.isInteger(c.faultyValidator) || c.faultyValidator < 0 || c.faultyValidator >= validators) {
        throw bad(`chain ${c.name}: faultyValidator must be 0..${validators - 1} (an index into its ${validators} validator${validators === 1 ? '' : 's'}), got ${String(c.faultyValidator)}`,
          `pass a whole number from 0 to ${validators - 1}, or leave it out for validator 0`, { chain: c.name, validators });
      }
    }
    const faults = c.faults !== undefined ? { faults: c.faults, faultyValidator: c.faultyValidator ?? 0 } : {};
    if (c.parentFinality !== undefined) {
      if (c.parentFinality !== 'committed' && c.parentFinality !== 'final') {
        throw bad(`chain ${c.name}: parentFinality must be "committed" or "final", got ${JSON.stringify(c.parentFinality)}`, 'leave it out to use the devnet\'s');
      }
      if (parent === ROOT) throw bad(`chain ${c.name}: parentFinality is for children of child chains`, 'a child of the root follows L1 (l1Confirmations): leave parentFinality out');
      return { name: c.name, parent, validators, threshold, challengeWindow, ...stall, bond, rpcPort, parentFinality: c.parentFinality, ...faults };
    }
    return { name: c.name, parent, validators, threshold, challengeWindow, ...stall, bond, rpcPort, ...faults };
  });
  // Parents first (stable topological order); a cycle means some chain never gets placed.
  const out: ResolvedChainSpec[] = [];
  const placed = new Set<string>([ROOT]);
  while (out.length < resolved.length) {
    const next = resolved.filter((c) => !placed.has(c.name) && placed.has(c.parent));
    if (next.length === 0) {
      const stuck = resolved.filter((c) => !placed.has(c.name)).map((c) => c.name);
      throw bad(`the layout has a cycle among ${stuck.join(', ')}`, 'every chain must descend from "root"');
    }
    for (const c of next) {
      out.push(c);
      placed.add(c.name);
    }
  }
  return out;
}
