import type { Command } from 'commander';
import { collect, accountOptions, connectionOptions, examples, intArg, jsonOption, lazy } from '../common.js';

const load = () => import('../actions/read.js');

export function registerReadCommands(program: Command): void {
  // ------------------------------------------------------------------ balance
  const balance = program
    .command('balance')
    .argument('[address]', 'account to show (default: your key\'s address; devnet account names work: dev1)')
    .description('balances on the child chain and on L1, and what the root contract holds for the chain\'s subtree')
    .option('--token <ETH|DEV|address>', 'token to show (repeatable; default: ETH and the devnet token)', collect);
  connectionOptions(balance);
  accountOptions(balance);
  jsonOption(balance);
  examples(balance, ['plasma-tree balance', 'plasma-tree balance dev1 --token DEV', 'plasma-tree balance 0x7099…79C8 --json']);
  balance.action(lazy(load, 'balance'));

  // ------------------------------------------------------------------ status
  const status = program
    .command('status')
    .argument('[txHash]', 'show where this child-chain transaction stands instead (e.g. a withdrawal)')
    .description('the tree of chains from L1 down (validators, committed head, subtree balances, open challenge windows), then the details of one chain')
    .option('--token <ETH|DEV|address>', 'token column of the tree (repeatable; default: ETH and the devnet token)', collect)
    .option('--lookback <blocks>', 'L1 blocks to scan for the chain details\' commitments', '10000');
  connectionOptions(status);
  jsonOption(status);
  examples(status, ['plasma-tree status', 'plasma-tree status --chain B', 'plasma-tree status --json   # the tree as JSON, amounts as strings', 'plasma-tree status 0x<withdrawal tx hash>']);
  status.action(lazy(load, 'status'));

  // ------------------------------------------------------------------ route
  const route = program
    .command('route')
    .description('plan moving tokens between two chains of the tree: up to the common ancestor, then down, with the expected time of each hop (planning only)')
    .requiredOption('--from <chain>', 'where the tokens are: a chain name (A), a 32-byte chain id, or L1')
    .requiredOption('--to <chain>', 'where they should go: a chain name, a chain id, or L1')
    .option('--commit-time <seconds>', 'estimate: from a transaction to its block committed on the parent (default: 2 on a devnet, else 30)', intArg('--commit-time', 0, 30 * 86_400))
    .option('--confirmations <n>', 'L1 confirmations a child chain waits for before crediting a deposit (default: 1 on a devnet, else 2)', intArg('--confirmations', 0, 1000))
    .option('--l1-block-time <seconds>', 'L1 block interval (default: the devnet\'s, else 12)', intArg('--l1-block-time', 1, 3600));
  connectionOptions(route, { chain: false, node: false });
  jsonOption(route);
  examples(route, ['plasma-tree route --from A --to B', 'plasma-tree route --from L1 --to A --json', 'plasma-tree route --from 0x<chain id> --to L1 --confirmations 64']);
  route.action(lazy(() => import('../actions/route.js'), 'route'));
}
