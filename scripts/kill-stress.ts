/**
 * `npm run stress -- [--kills N] [--seed S] [--senders K] [--logs DIR]`: the SIGKILL stress run of issue 5 with as
 * many kills as you like (the test suite runs 20: test/quorum.kill-stress.multiprocess.e2e.test.ts). Prints progress
 * and a summary table; exits 1 when a block or an accepted transaction was lost.
 */
import { mkdirSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { runKillStress } from '../test/helpers/killStress.js';

const { values } = parseArgs({
  options: { kills: { type: 'string', default: '20' }, seed: { type: 'string' }, senders: { type: 'string' }, logs: { type: 'string' } },
});
if (values.logs) mkdirSync(values.logs, { recursive: true });
const report = await runKillStress({
  kills: Number(values.kills),
  ...(values.seed ? { seed: Number(values.seed) } : {}),
  ...(values.senders ? { senders: Number(values.senders) } : {}),
  ...(values.logs ? { logDir: values.logs } : {}),
  log: (line) => console.error(line),
});
const byRole = (role: string) => report.kills.filter((k) => k.role === role).length;
const ok = report.forks.length === 0 && report.lostBlocks.length === 0 && report.includedEverywhere === report.accepted && report.conserved && report.committedOnL1 >= report.blocks;
console.log(`
seed                         ${report.seed}
kills (validator / full)     ${report.kills.length} (${byRole('validator')} / ${byRole('full node')})
blocks                       ${report.blocks}
transactions accepted        ${report.accepted}
included on every node       ${report.includedEverywhere}
lost blocks / forks          ${report.lostBlocks.length} / ${report.forks.length}
value conserved              ${report.conserved ? 'yes' : 'NO'}
committed on L1 up to        ${report.committedOnL1}
duration                     ${(report.durationMs / 1000).toFixed(1)} s
result                       ${ok ? 'PASS' : 'FAIL'}`);
process.exit(ok ? 0 : 1);
