import { configDefaults, defineConfig } from 'vitest/config';

// Files that run alone, one at a time, after the others: the cross-package e2e tests, the multiprocess ones, and
// the unit files whose assertions race real time (libp2p nodes, polling nodes and watchers, devnets, child
// processes, wall-clock windows). Two at a time on 2 cores pushed a cli.test.ts case from ~11 s to 44 s of its 60 s.
const PROCESSES = [
  'test/**/*.test.ts',
  '**/*.multiprocess*.test.ts',
  'packages/cli/test/{cli,message,send}.test.ts',
  'packages/devnet/test/{devnet,nested}.test.ts',
  'packages/node/test/{badPeers,childDataResponder,childParent,edgeFollower,faults,faults-ledger,ledger,node,quorum,quorum-faults}.test.ts',
  'packages/p2p/test/{gossip,host,request}.test.ts',
  'packages/prover/test/service.test.ts',
  'packages/sdk/test/{client,data-challenge-chain,tree}.test.ts',
  'packages/watcher/test/**/*.test.ts',
];

export default defineConfig({
  ssr: { resolve: { conditions: ['source'] } },
  test: {
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // CI reads the JSON report (.ci/run prints `N passed, N failed` from it); it sums both projects.
    reporters: ['default', ['json', { outputFile: '.vitest-report.json' }]],
    env: { HARDHAT_CONFIG: new URL('./contracts/hardhat.config.cjs', import.meta.url).pathname },
    // One Hardhat node per worker slot for the whole run, reset per file instead of spawned (startTestL1).
    globalSetup: ['test/setup/l1-pool.global.ts'],
    setupFiles: ['test/setup/l1-pool.ts'],
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          include: ['packages/*/test/**/*.test.ts', 'contracts/test/**/*.test.ts'],
          exclude: [...configDefaults.exclude, ...PROCESSES],
          // In-process files (each its own Hardhat node, temp dirs, port 0) run two at a time: one at a time they
          // leave about a third of 2 cores idle, waiting on their node (245 s -> 173 s for this project).
          maxWorkers: 2,
          sequence: { groupOrder: 0 },
        },
      },
      {
        extends: true,
        test: {
          name: 'processes',
          include: PROCESSES,
          maxWorkers: 1,
          fileParallelism: false,
          sequence: { groupOrder: 1 },
        },
      },
    ],
  },
});
