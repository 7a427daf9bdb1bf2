/**
 * Issue 5's SIGKILL stress run (test/helpers/killStress.ts): a 3-of-4 chain as five real processes under a steady
 * stream of transfers; a random node is SIGKILLed at a random moment and restarted KILLS (6) times. Every block any node
 * ever reported is still the block every node holds, no two nodes ever held different blocks at one height, every
 * transaction a node answered with a hash is included on every node, value is conserved and L1 holds the head.
 * More kills: `npm run stress -- --kills 100`. Set KILL_STRESS_SEED to replay a run, KILL_STRESS_LOGS=<dir> for logs.
 */
import { expect, it } from 'vitest';
import { runKillStress } from './helpers/killStress.js';

const KILLS = 6; // about 8 s a kill: the suite's largest file; `npm run stress -- --kills N` runs more

it(`survives ${KILLS} random SIGKILLs under load with no block and no accepted transaction lost`, { timeout: 420_000 }, async () => {
  const report = await runKillStress({
    kills: KILLS,
    ...(process.env.KILL_STRESS_SEED ? { seed: Number(process.env.KILL_STRESS_SEED) } : {}),
    ...(process.env.KILL_STRESS_LOGS ? { logDir: process.env.KILL_STRESS_LOGS } : {}),
    log: (line) => console.log(`[kill-stress] ${line}`),
  });
  expect(report.kills).toHaveLength(KILLS);
  // Validators and the full node both died, several times each.
  expect(report.kills.some((k) => k.role === 'validator')).toBe(true);
  expect(report.accepted).toBeGreaterThan(KILLS * 5);
  expect(report.forks).toEqual([]);
  expect(report.lostBlocks).toEqual([]);
  expect(report.missing).toEqual([]);
  expect(report.includedEverywhere).toBe(report.accepted);
  expect(report.conserved).toBe(true);
  expect(report.committedOnL1).toBeGreaterThanOrEqual(report.blocks);
});
