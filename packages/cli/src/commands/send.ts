import type { Command } from 'commander';
import { accountOptions, connectionOptions, examples, jsonOption, lazy } from '../common.js';

export function registerSendCommand(program: Command): void {
  const send = program
    .command('send')
    .description('move tokens between any two chains of the tree, hop by hop (up: withdraw, wait for the window, finalize on the parent; down: deposit, wait until applied), with a resumable state file; `route` only plans')
    .option('--from <chain>', 'where the tokens are: a chain name (A1), a 32-byte chain id, or L1')
    .option('--to <chain>', 'where they should go: a chain name, a chain id, or L1')
    .option('--amount <n>', 'amount in token units, e.g. 1.5')
    .option('--token <ETH|DEV|address>', 'ETH, the devnet token DEV, or an ERC-20 address', 'ETH')
    .option('--recipient <address>', 'who receives the tokens on --to (default: yourself; devnet account names work)')
    .option('--state <file>', 'where to keep the progress (default: ./.plasma-tree/routes/<from>-<to>-<time>.json)')
    .option('--resume <file>', 'continue the route of a state file where it stopped');
  connectionOptions(send, { chain: false, node: false });
  accountOptions(send);
  jsonOption(send);
  examples(send, [
    'plasma-tree send --account dev0 --from A1 --to A2 --amount 10 --token DEV',
    'plasma-tree send --account dev0 --from L1 --to A1 --amount 0.5 --state move.json',
    'plasma-tree send --account dev0 --from A2 --to L1 --amount 5 --token DEV --recipient dev1',
    '# interrupted (Ctrl-C, a crash)? go on where it stopped, never repeating a step:',
    'plasma-tree send --account dev0 --resume move.json',
  ]);
  send.action(lazy(() => import('../actions/send.js'), 'send'));
}
