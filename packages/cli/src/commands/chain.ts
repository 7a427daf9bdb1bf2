import type { Command } from 'commander';
import { accountOptions, connectionOptions, examples, intArg, jsonOption, lazy } from '../common.js';

const load = () => import('../actions/chain.js');

export function registerChainCommands(program: Command): void {
  const chain = program.command('chain').description('manage child chains: of the root contract (create), or of any chain (spawn)');
  const create = chain
    .command('create')
    .description('spawn a new child chain of the root: its validator set, threshold, challenge window and bond (paid by --account)')
    .option('--validators <addresses>', 'comma-separated validator addresses (devnet account names work)')
    .option('--threshold <n>', 'validator signatures a commitment needs (default: a 2/3 majority)', intArg('--threshold', 1, 255))
    .option('--window <seconds>', 'challenge window in seconds', intArg('--window', 1, 30 * 86_400), 7 * 86_400)
    .option('--stall-limit <seconds>', 'seconds without a commit after which anyone may freeze the chain (`escape freeze`): the window up to 30 days (default: 7 days, or the window when longer; PlasmaRoot.spawnChainWithLimits)', intArg('--stall-limit', 1, 30 * 86_400))
    .option('--bond <eth>', 'validator bond in ETH (default and minimum: 0.2 per started 32 signatures of the threshold, PlasmaRoot.MIN_BOND)');
  connectionOptions(create, { chain: false, node: false });
  accountOptions(create);
  jsonOption(create);
  examples(create, [
    'plasma-tree chain create --validators 0xAb…01,0xAb…02,0xAb…03 --threshold 2 --window 604800 --bond 1',
    'plasma-tree chain create --account dev0 --validators dev3,dev4 --window 60   # on a devnet',
    '# then run a validator node for it:',
    'PLASMA_TREE_VALIDATOR_KEYS=0x… plasma-tree node start --chain 0x<chain id> --rpc-port 8650',
  ]);
  create.action(lazy(load, 'keysNew'));

  const spawn = chain
    .command('spawn')
    .description('spawn a child of any chain of the tree: a SPAWN_CHILD on the parent chain\'s node (the bond comes from your ETH there), or PlasmaRoot.spawnChain with --parent L1')
    .option('--parent <chain>', 'the parent: a chain name (A), a 32-byte chain id, or L1')
    .option('--validators <addresses>', 'comma-separated validator addresses (devnet account names work)')
    .option('--threshold <n>', 'validator signatures a commitment needs (default: a 2/3 majority)', intArg('--threshold', 1, 255))
    .option('--window <seconds>', 'challenge window in seconds, by the parent\'s clock', intArg('--window', 1, 30 * 86_400), 7 * 86_400)
    .option('--stall-limit <seconds>', 'seconds without a commit (by the parent\'s clock) after which anyone may freeze the child (`escape freeze`): the window up to 30 days (default: 7 days, or the window when longer); signed in the SPAWN_CHILD', intArg('--stall-limit', 1, 30 * 86_400))
    .option('--bond <eth>', 'validator bond in ETH (default and minimum: for a child of L1 0.2 per started 32 signatures of the threshold, for a child of a chain 0.01)');
  connectionOptions(spawn, { chain: false, node: false });
  accountOptions(spawn);
  jsonOption(spawn);
  examples(spawn, [
    'plasma-tree chain spawn --account dev0 --parent A --validators dev3 --window 60',
    'plasma-tree chain spawn --account dev0 --parent A --validators dev3 --window 60 --stall-limit 3600   # frozen after an hour of silence',
    'plasma-tree chain spawn --parent 0x<chain id> --validators 0xAb…01,0xAb…02 --threshold 2 --nodes 0x<chain id>=http://127.0.0.1:8646',
    '# then run a validator node for it, following its parent\'s node:',
    'PLASMA_TREE_VALIDATOR_KEYS=0x… plasma-tree node start --chain 0x<new chain id> --rpc-port 8660',
  ]);
  spawn.action(lazy(load, 'spawn'));
}
