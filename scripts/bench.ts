/**
 * `npm run bench`: throughput of one node and the gas of every root-contract path that moves value.
 * Writes bench-results/bench.json and prints a readable table. Targets come from the foundation issue.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { measureGas } from '@plasma-tree/contracts';
import { runThroughputBench } from '@plasma-tree/node/bench';

interface Row { metric: string; value: number; unit: string; target: string; ok: boolean }

const txCount = Number(process.env.BENCH_TXS ?? 100_000);

async function main(): Promise<void> {
  const rows: Row[] = [];
  console.error('measuring gas on a fresh Hardhat node…');
  const gas = await measureGas();
  const gasTargets: Record<string, number> = {
    depositETH: 80_000,
    depositERC20: 80_000,
    commit3of4: 80_000,
    finalizeWithdrawalETH: 120_000,
    finalizeWithdrawalERC20: 120_000,
    // docs/FRAUD.md §1: every objection fits in one call that MIN_BOND / 2 pays for at 200 gwei
    proveInvalidTransition: 500_000,
    proveMissingDownEvent: 500_000,
    proveMalformedTx: 500_000,
    proveBadTimestamp: 500_000,
    proveEquivocation3of4: 500_000,
    proveEquivocation22of32: 500_000,
    freezeStalled: 500_000,
    escapeExit: 500_000,
    reclaimDeposit: 500_000,
  };
  for (const [name, value] of Object.entries(gas)) {
    const target = gasTargets[name];
    rows.push({ metric: `gas ${name}`, value: Number(value), unit: 'gas', target: target ? `< ${target.toLocaleString('en-US')}` : '', ok: target ? Number(value) < target : true });
  }

  console.error(`measuring throughput with ${txCount.toLocaleString('en-US')} signed transfers…`);
  const tp = await runThroughputBench({ txCount, onProgress: (msg: string) => console.error(`  ${msg}`) });
  rows.push({ metric: 'signed transfers / s (submitted → committed)', value: Math.round(tp.tps), unit: 'tx/s', target: '>= 10,000', ok: tp.tps >= 10_000 });

  const result = {
    date: new Date().toISOString(),
    machine: { cpus: cpus().length, model: cpus()[0]?.model, node: process.version },
    gas,
    throughput: tp,
    rows,
  };
  mkdirSync('bench-results', { recursive: true });
  writeFileSync('bench-results/bench.json', JSON.stringify(result, (_k, v) => (typeof v === 'bigint' ? v.toString() : v), 2));

  const w = Math.max(...rows.map((r) => r.metric.length));
  console.log(`\n${'metric'.padEnd(w)} | ${'value'.padStart(12)} | unit | target      | ok`);
  console.log(`${'-'.repeat(w)}-|-${'-'.repeat(12)}-|------|-------------|---`);
  for (const r of rows) {
    console.log(`${r.metric.padEnd(w)} | ${r.value.toLocaleString('en-US').padStart(12)} | ${r.unit.padEnd(4)} | ${r.target.padEnd(11)} | ${r.ok ? 'yes' : 'NO'}`);
  }
  console.log('\nwritten to bench-results/bench.json');
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
