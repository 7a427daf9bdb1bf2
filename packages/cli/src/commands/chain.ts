import type { Command } from 'commander';
import { accountOptions, connectionOptions, examples, intArg, jsonOption, lazy } from '../common.js';

const load = () => import('../actions/chain.js');

export function registerChainCommands(program: Command): void {
  const chain = program.command('chain').description('manage child chains of the root contract');
  const create = chain
    .command('create')
    .description('spawn a new child chain of the root: its validator set, threshold, challenge window and bond (paid by --account)')
    .option('--validators <addresses>', 'comma-separated validator addresses (devnet account names work)')
    .option('--threshold <n>', 'validator signatures a commitment needs (default: a 2/3 majority)', intArg('--threshold', 1, 255))
    .option('--window <seconds>', 'challenge window in seconds', intArg('--window', 1, 30 * 86_400), 7 * 86_400)
    .option('--bond <eth>', 'validator bond in ETH (at least 0.01)', '0.01');
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
}
