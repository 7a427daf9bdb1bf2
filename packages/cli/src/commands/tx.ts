import type { Command } from 'commander';
import { accountOptions, connectionOptions, examples, jsonOption, lazy } from '../common.js';

const load = () => import('../actions/tx.js');

export function registerTxCommands(program: Command): void {
  // ------------------------------------------------------------------ deposit
  const deposit = program
    .command('deposit')
    .description('deposit ETH or an ERC-20 into a chain from its parent: on L1 through the root contract (approving the token first when needed), or as a DEPOSIT_TO_CHILD on the parent chain for a deeper chain (--chain A1)')
    .option('--amount <n>', 'amount in token units, e.g. 1.5')
    .option('--token <ETH|DEV|address>', 'ETH, the devnet token DEV, or an ERC-20 address', 'ETH')
    .option('--to <address>', 'recipient on the child chain (default: yourself; devnet account names work)')
    .option('--no-wait', 'return once the L1 transaction is mined, without waiting for the child chain to credit it');
  connectionOptions(deposit);
  accountOptions(deposit);
  jsonOption(deposit);
  examples(deposit, [
    'PLASMA_TREE_PRIVATE_KEY=0x… plasma-tree deposit --amount 1 --token ETH',
    'plasma-tree deposit --account dev1 --amount 500 --token DEV --to dev2',
    'plasma-tree deposit --account dev0 --chain A1 --amount 0.5   # from dev0\'s balance on A, its parent',
  ]);
  deposit.action(lazy(load, 'deposit'));

  // ------------------------------------------------------------------ transfer
  const transfer = program
    .command('transfer')
    .description('send tokens to another account on the child chain (signed as EIP-712 typed data)')
    .option('--to <address>', 'recipient (devnet account names work: dev1)')
    .option('--amount <n>', 'amount in token units, e.g. 0.25')
    .option('--token <ETH|DEV|address>', 'ETH, DEV or an ERC-20 address', 'ETH')
    .option('--no-wait', 'return once the node accepted it, without waiting for a block');
  connectionOptions(transfer);
  accountOptions(transfer);
  jsonOption(transfer);
  examples(transfer, [
    'plasma-tree transfer --to 0x70997970C51812dc3A010C7d01b50e0d17dc79C8 --amount 0.25 --token ETH',
    'plasma-tree transfer --account dev0 --to dev1 --amount 10 --token DEV --json',
  ]);
  transfer.action(lazy(load, 'transfer'));

  // ------------------------------------------------------------------ withdraw
  const withdraw = program
    .command('withdraw')
    .description('start a withdrawal to the parent (L1, or the parent chain): burns on the chain now, pays out on the parent after the challenge window (`finalize`)')
    .option('--amount <n>', 'amount in token units')
    .option('--token <ETH|DEV|address>', 'ETH, DEV or an ERC-20 address', 'ETH')
    .option('--to <address>', 'recipient on L1 (default: yourself)')
    .option('--no-wait', 'return once the node accepted it, without waiting for a block');
  connectionOptions(withdraw);
  accountOptions(withdraw);
  jsonOption(withdraw);
  examples(withdraw, [
    'plasma-tree withdraw --amount 0.5 --token ETH',
    '# then, once the challenge window is over (or wait for it with a countdown):',
    'plasma-tree finalize 0x<withdrawal tx hash> --wait',
  ]);
  withdraw.action(lazy(load, 'withdraw'));

  // ------------------------------------------------------------------ finalize
  const finalize = program
    .command('finalize')
    .argument('<txHash>', 'hash of the withdrawal on the child chain (printed by `plasma-tree withdraw`)')
    .description('pay a withdrawal out on the parent once its challenge window is over: on L1 for a child of the root, as a FINALIZE_CHILD_EXIT on the parent chain below that')
    .option('--wait', 'wait for inclusion, commitment and the end of the challenge window (with a countdown), then finalize');
  connectionOptions(finalize);
  accountOptions(finalize);
  jsonOption(finalize);
  examples(finalize, [
    'plasma-tree finalize 0x3f…9a            # fails with CHALLENGE_WINDOW_OPEN while the window is open',
    'plasma-tree finalize 0x3f…9a --wait     # shows a countdown, then finalizes',
    'plasma-tree finalize 0x3f…9a --chain A1 --wait   # a withdrawal on A1, paid on A',
  ]);
  finalize.action(lazy(load, 'finalize'));
}

