import type { Command } from 'commander';
import { accountOptions, connectionOptions, examples, intArg, jsonOption, lazy } from '../common.js';

const load = () => import('../actions/message.js');

export function registerMessageCommands(program: Command): void {
  const message = program
    .command('message')
    .description('messages across one edge of the tree (docs/EDGE.md): send, relay an up message on its parent, read a chain\'s inbox');

  // ------------------------------------------------------------------ message send
  const send = message
    .command('send')
    .description('send a message from a chain (or L1) to its parent or one of its children: to a message handler on a chain, or to an IPlasmaMessageReceiver contract on L1')
    .option('--from <chain>', 'where it is sent: a chain name (A1), a 32-byte chain id, or L1')
    .option('--to <chain>', 'where it arrives: the parent or a child of --from (a name, an id, or L1)')
    .option('--target <address>', 'the receiver: a handler\'s address on a chain, a receiver contract on L1 (devnet account names work)')
    .option('--data <hex>', 'the message bytes, 0x-hex', '0x')
    .option('--token <ETH|DEV|address>', 'on a chain: sign from your slot of this token (the message moves nothing)', 'ETH')
    .option('--wait', 'down: wait until the child applied it (delivered or failed); up: wait until it can be relayed on the parent');
  connectionOptions(send, { chain: false, node: false });
  accountOptions(send);
  jsonOption(send);
  examples(send, [
    'plasma-tree message send --account dev0 --from L1 --to A --target 0x…aa --data 0x1234 --wait',
    'plasma-tree message send --account dev0 --from A --to L1 --target 0x<receiver contract> --data 0xc0ffee',
    'plasma-tree message send --account dev0 --from A --to A1 --target 0x…aa --data 0x01',
  ]);
  send.action(lazy(load, 'messageSend'));

  // ------------------------------------------------------------------ message relay
  const relay = message
    .command('relay')
    .argument('<txHash>', 'the up message\'s transaction on --chain (printed by `message send`)')
    .description('deliver an up message on the parent of --chain once its challenge window is over: PlasmaRoot.relayMessage on L1 (the receiver contract runs), an EDGE_FROM_CHILD on a parent chain (its handler runs)')
    .option('--chain <name|id>', 'the chain the message was sent from')
    .option('--wait', 'wait for the commitment and the end of the window (with a countdown), then relay');
  connectionOptions(relay, { chain: false, node: false });
  accountOptions(relay);
  jsonOption(relay);
  examples(relay, [
    'plasma-tree message relay 0x3f…9a --chain A --account dev0          # CHALLENGE_WINDOW_OPEN while the window is open',
    'plasma-tree message relay 0x3f…9a --chain A1 --account dev0 --wait  # delivered on A, A1\'s parent',
  ]);
  relay.action(lazy(load, 'messageRelay'));

  // ------------------------------------------------------------------ message inbox
  const inbox = message
    .command('inbox')
    .description('the messages a chain received, in order of arrival (from its parent and its children)')
    .option('--chain <name|id>', 'the chain whose inbox to show')
    .option('--from-index <n>', 'first message to show (1-based)', intArg('--from-index', 1))
    .option('--limit <n>', 'at most this many messages (at most 1000)', intArg('--limit', 1, 1000));
  connectionOptions(inbox, { chain: false, node: false });
  jsonOption(inbox);
  examples(inbox, ['plasma-tree message inbox --chain A', 'plasma-tree message inbox --chain A1 --from-index 10 --limit 5 --json']);
  inbox.action(lazy(load, 'messageInbox'));
}
