import type { Command } from 'commander';
import { DEFAULT_DEVNET_DIR, examples, intArg, lazy } from '../common.js';

const load = () => import('../actions/devnet.js');

export function registerDevnetCommand(program: Command): void {
  const cmd = program
    .command('devnet')
    .description('start a local devnet: a Hardhat L1, the root contract, a DEV token, child chains with their validator nodes, funded dev accounts')
    .option('--dir <dir>', 'data directory (devnet.json, node databases and logs)', DEFAULT_DEVNET_DIR)
    .option('--chains <names>', 'comma-separated chains to spawn; parent/name puts a chain under another (default: the three-level tree A,B,A/A1,A/A2)')
    .option('--layout <file>', 'JSON file with the chain layout: [{name, parent?, validators?, threshold?, challengeWindow?}]')
    .option('--validators <n>', 'validators per chain', intArg('--validators', 1, 64))
    .option('--threshold <n>', 'signatures per commitment (default: a 2/3 majority)', intArg('--threshold', 1, 64))
    .option('--challenge-window <seconds>', 'challenge window of each chain', intArg('--challenge-window', 1, 30 * 86_400), 30)
    .option('--block-time <ms>', 'child-chain block time', intArg('--block-time', 1, 3_600_000), 500)
    .option('--l1-block-time <ms>', 'L1 block interval (0: only mine on transactions)', intArg('--l1-block-time', 0, 3_600_000), 1000)
    .option('--l1-port <port>', 'port of the Hardhat node (0: any free port)', intArg('--l1-port', 0, 65_535), 8545)
    .option('--rpc-port <port>', 'JSON-RPC port of the first chain\'s node; the next chains count up (0: any free port)', intArg('--rpc-port', 0, 65_535), 8645)
    .option('--accounts <n>', 'dev accounts to fund with DEV tokens', intArg('--accounts', 1, 100), 5)
    .option('--processes', 'run each validator of each chain as its own node process with its own libp2p host on 127.0.0.1 (logs in <dir>/chains/<name>/validator<i>/node.log)')
    .option('--log-level <level>', 'node log level (logs go to <dir>/chains/<name>/node.log)', 'info')
    .option('--edge-module <file>', 'an ESM module exporting `edgeFunctions` (and optionally `messageHandlers`) that every chain runs (docs/EDGE.md)')
    .option('--json', 'print devnet.json once ready instead of the tables');
  examples(cmd, [
    'plasma-tree devnet',
    'plasma-tree devnet --challenge-window 10 --validators 3',
    'plasma-tree devnet --chains A,B --l1-port 0 --rpc-port 0 --dir /tmp/devnet',
    'plasma-tree devnet --processes --validators 4 --chains A,A/A1   # 3-of-4 chains, one process per validator',
    'plasma-tree devnet --chains A,A/A1 --challenge-window 5 --edge-module ./my-edges.ts   # your edge functions on every chain',
    '# then, in another terminal of the same directory:',
    'plasma-tree deposit --account dev0 --amount 1',
  ]);
  cmd.action(lazy(load, 'devnet'));
}
