import { InvalidArgumentError, Option, type Command } from 'commander';
import { ENV_VALIDATOR_KEYS, collect, connectionOptions, examples, intArg, lazy } from '../common.js';

const load = () => import('../actions/node.js');

/**
 * The fault kinds of NodeOptions `faults` (packages/node/src/faults/plan.ts FAULT_KIND_NAMES; the action validates the
 * name). Spelled out so that --help does not load the node; cli.test.ts keeps it equal to the node's list.
 */
export const FAULT_KINDS = 'bad-signature, bad-nonce, overspend, wrong-amount, bad-post-root, forged-deposit, duplicate-deposit, deposit-out-of-order, missing-down-event, skip-deposit, bad-exit-root, wrong-exit, bad-timestamp, equivocate, withhold-data, oversized-chunk, double-finalize, ledger-post-root, early-freeze, false-conviction';

/** `<kind>[@block]`: the form only (loading the node to check the kind would slow every --help down). */
function faultSpec(value: string): string {
  if (!/^[a-z-]+(@[0-9]+)?$/.test(value.trim())) throw new InvalidArgumentError(`expected <kind>[@block], e.g. overspend or bad-nonce@3; kinds: ${FAULT_KINDS}`);
  return value.trim();
}

export function registerNodeCommands(program: Command): void {
  const node = program.command('node').description('run a child-chain node');
  const start = node
    .command('start')
    .description(`start a validator node (with validator keys) or a full node (without) of a child chain; runs until Ctrl-C`)
    .option('--config <file>', 'JSON config: {dataDir, l1RpcUrl, rootContract, chainId, rpc: {host, port}, blockTimeMs, l1Confirmations, …}; flags override it')
    .option('--data-dir <dir>', 'database directory (default ./.data/<chain id prefix>)')
    .option('--rpc-host <host>', 'JSON-RPC listen address (default 127.0.0.1)')
    .option('--rpc-port <port>', 'JSON-RPC port (default 8645; 0: any free port)', intArg('--rpc-port', 0, 65_535))
    .option('--block-time <ms>', 'seal a block at most this often (default 1000)', intArg('--block-time', 1, 3_600_000))
    .option('--l1-confirmations <n>', 'L1 blocks a deposit waits before it is applied (default 2)', intArg('--l1-confirmations', 0, 1000))
    .option('--parent-node <url>', 'for a child of a chain (not of the root contract): the JSON-RPC URL of the parent chain\'s node to follow')
    .option('--parent-finality <final|committed>', 'with --parent-node: apply a deposit once the parent\'s block holding it is final (default) or committed on its own parent')
    .option('--edge-module <file>', 'an ESM module exporting `edgeFunctions` (and optionally `messageHandlers`): the edge functions this chain runs; every validator of the chain must run the same (docs/EDGE.md)')
    .option('--validator <name|address>', `sign with this keystore key (repeatable); or set ${ENV_VALIDATOR_KEYS}=0xkey1,0xkey2`, collect)
    .option('--keystore <dir>', 'keystore directory for --validator')
    .option('--log-level <level>', 'debug | info | warn | error (default info)')
    .option('--log-format <format>', 'pretty (default on a terminal) | json')
    .option('--p2p-listen <multiaddr>', 'join the chain\'s peer-to-peer network, listening here (repeatable; e.g. /ip4/127.0.0.1/tcp/9100; docs/CONSENSUS.md)', collect)
    .option('--bootstrap <multiaddr>', 'a peer to dial, as its log prints it: /ip4/…/tcp/…/p2p/12D3KooW… (repeatable; implies --p2p-listen /ip4/127.0.0.1/tcp/0)', collect)
    .option('--round-timeout <ms>', 'quorum consensus: round 0 lasts this long, round r (1 + r) times as long (default 2000)', intArg('--round-timeout', 50, 600_000))
    .option('--inject-fault <kind[@block]>', `WARNING, TESTS ONLY: this validator produces, signs and commits an invalid block (docs/FRAUD.md §5), in the first block from <block> (default: the next) that has what the fault needs; never use it on a chain that holds value. Kinds: ${FAULT_KINDS}`, faultSpec);
  connectionOptions(start, { node: false, nodes: false });
  start.addOption(new Option('--private-key <key>', 'refused: keys never go on the command line').hideHelp());
  examples(start, [
    `${ENV_VALIDATOR_KEYS}=0xkey1 plasma-tree node start --chain 0x<id> --l1 http://127.0.0.1:8545 --root 0x<root>`,
    `${ENV_VALIDATOR_KEYS}=0xkey2 plasma-tree node start --config node.json --data-dir .data/v2 --p2p-listen /ip4/127.0.0.1/tcp/9102 --bootstrap /ip4/127.0.0.1/tcp/9101/p2p/12D3KooW…`,
    'plasma-tree node start --config node.json --validator alice --validator bob',
    `${ENV_VALIDATOR_KEYS}=0xkey plasma-tree node start --chain 0x<child of A> --parent-node http://127.0.0.1:8645 --rpc-port 8660`,
  ]);
  start.action(lazy(load, 'nodeStart'));
}
