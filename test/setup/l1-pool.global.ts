/**
 * vitest globalSetup: one `hardhat node` per worker slot, started once for the whole run. A test file takes its
 * worker's node with startTestL1 (reset to genesis, ~50 ms) instead of spawning one (~2 s): about a hundred files
 * start an L1. ./l1-pool.ts hands each worker its node.
 */
import type { TestProject } from 'vitest/node';
import { startHardhatNode, type HardhatNode } from '@plasma-tree/contracts';

/** Worker slots (VITEST_POOL_ID 1..N): the unit project runs two files at a time, the processes project one. */
const SLOTS = 2;

declare module 'vitest' {
  export interface ProvidedContext {
    /** The pooled L1 of worker slot i + 1 (VITEST_POOL_ID). */
    l1Pool: string[];
  }
}

let nodes: HardhatNode[] = [];

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  nodes = await Promise.all(Array.from({ length: SLOTS }, () => startHardhatNode()));
  project.provide('l1Pool', nodes.map((n) => n.url));
  return async () => {
    await Promise.all(nodes.map((n) => n.stop()));
  };
}
