import type { Command } from 'commander';
import { collect, accountOptions, connectionOptions, examples, jsonOption, lazy } from '../common.js';

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
    .description('chain info: validators, head, committed height, deposits, open challenge windows')
    .option('--lookback <blocks>', 'L1 blocks to scan for commitments', '10000');
  connectionOptions(status);
  jsonOption(status);
  examples(status, ['plasma-tree status', 'plasma-tree status --chain A --json', 'plasma-tree status 0x<withdrawal tx hash>']);
  status.action(lazy(load, 'status'));
}
