import type { Command } from 'commander';
import { accountOptions, connectionOptions, examples, jsonOption, print, printJson } from '../common.js';
import type { AccountFlags, ConnectionFlags } from '../context.js';

type Flags = ConnectionFlags & AccountFlags & { json?: boolean; parentNode?: string };

/** What an action gets: the client of the chain's host, and how to name the host. */
interface Ctx {
  client: import('@plasma-tree/sdk').DataChallenger;
  chainId: import('@plasma-tree/core').ChainId;
  /** 'L1', or the parent chain's name (or its node). */
  hostName: string;
}

/**
 * `plasma-tree challenge …`: a data-availability challenge by hand at any depth (docs/FRAUD.md §9, §9b), for a holder
 * whose chain's nodes do not serve a committed block (the watcher does the same on its own). A child of the root is
 * challenged on L1 (PlasmaRoot's module, the SDK's DataChallengeClient); a chain under a chain on its parent chain
 * (CHALLENGE_CHILD_DATA / CHILD_DATA_CALL sent to the parent's node, ChainDataChallengeClient), the way `plasma-tree
 * escape` picks its hatch. The parent and its node come from devnet.json, or `--parent-node <url>`.
 */
export function registerChallengeCommands(program: Command): void {
  const challenge = program.command('challenge').description('challenge a committed block (any depth) whose data nobody serves: status, file (with the bond), resolve, reclaim');
  const parentNode = (cmd: Command) =>
    cmd.option('--parent-node <url>', "for a chain under a chain: a node of its parent chain, where its blocks are committed (default: the devnet's; without it the chain is taken as a child of the root)");

  const status = challenge
    .command('status <chain> <block>')
    .description("a block's data on its parent (L1 or the parent chain): published or not, its challenge (open / answered / convicted / lapsed) and the deadlines");
  connectionOptions(status, { chain: false, node: false, nodes: false });
  parentNode(status);
  jsonOption(status);
  examples(status, ['plasma-tree challenge status A 7', 'plasma-tree challenge status A1 3   # a chain under A: read on A\'s node']);
  status.action((chain: string, block: string, flags: Flags) => run(chain, block, flags, false, async ({ client, chainId, hostName }, n) => {
    const s = await client.status(chainId, n);
    if (flags.json) return printJson(s);
    const on = hostName === 'L1' ? 'on L1' : `on ${hostName}`;
    const left = (t: number) => (t > s.now ? `in ${t - s.now} s` : `${s.now - t} s ago`);
    print(`block ${n}: data ${s.published ? `published ${on}` : `not published ${on}`}; challenge: ${s.status}${s.status === 'none' ? '' : ` by ${s.challenger}`}`);
    if (s.status === 'open') print(`  the validators must publish by ${s.deadline} (${left(s.deadline)})${s.canResolve ? ': past it, `plasma-tree challenge resolve` convicts the block' : ''}`);
    print(`  challenges accepted until ${s.challengeBefore} (${left(s.challengeBefore)}); the window ends ${s.windowEnd} (${left(s.windowEnd)})${s.canChallenge ? '; `plasma-tree challenge file` challenges it' : ''}`);
    if (s.canReclaim) print('  nobody resolved it in time: `plasma-tree challenge reclaim` gives the bond back to the challenger');
  }));

  const file = challenge
    .command('file <chain> <block>')
    .description('challenge with the bond (--account pays: 0.2 ETH on L1 for a child of the root, 0.01 of the native coin on the parent chain for a chain under a chain): the validators must publish the block within a quarter of the window, or it is convicted; the bond goes to them if they do');
  connectionOptions(file, { chain: false, node: false, nodes: false });
  parentNode(file);
  accountOptions(file);
  jsonOption(file);
  examples(file, ['plasma-tree challenge file A 7 --account dev5', 'plasma-tree challenge file A1 3 --account dev5   # signed CHALLENGE_CHILD_DATA on A, the bond from dev5\'s ETH on A']);
  file.action((chain: string, block: string, flags: Flags) => run(chain, block, flags, 'always', async ({ client, chainId }, n) => {
    const r = await client.challenge(chainId, n);
    if (flags.json) return printJson(r);
    print(`challenged block ${n} (tx ${r.txHash}): its validators must publish it by ${r.deadline}; then \`plasma-tree challenge resolve\``);
  }));

  const resolve = challenge
    .command('resolve <chain> <block>')
    .description('after the deadline, an unanswered challenge (anyone\'s) convicts the block: rolled back, half the bond to the challenger, the chain frozen (on L1 --account pays the gas; on a parent chain it is free)');
  connectionOptions(resolve, { chain: false, node: false, nodes: false });
  parentNode(resolve);
  accountOptions(resolve);
  jsonOption(resolve);
  examples(resolve, ['plasma-tree challenge resolve A 7 --account dev5', 'plasma-tree challenge resolve A1 3   # a CHILD_DATA_CALL on A, no account needed']);
  resolve.action((chain: string, block: string, flags: Flags) => run(chain, block, flags, 'l1', async ({ client, chainId }, n) => {
    const r = await client.resolve(chainId, n);
    if (flags.json) return printJson(r);
    print(`block ${n} convicted for unavailable data (tx ${r.txHash}): the chain is frozen; its holders leave with \`plasma-tree escape\``);
  }));

  const reclaim = challenge
    .command('reclaim <chain> <block>')
    .description('an open challenge nobody resolved before the block\'s window ended (or whose block was rolled back): its bond back to the challenger (on L1 --account pays the gas; on a parent chain it is free)');
  connectionOptions(reclaim, { chain: false, node: false, nodes: false });
  parentNode(reclaim);
  accountOptions(reclaim);
  jsonOption(reclaim);
  examples(reclaim, ['plasma-tree challenge reclaim A 7 --account dev5', 'plasma-tree challenge reclaim A1 3']);
  reclaim.action((chain: string, block: string, flags: Flags) => run(chain, block, flags, 'l1', async ({ client, chainId, hostName }, n) => {
    const r = await client.reclaim(chainId, n);
    if (flags.json) return printJson(r);
    print(`the bond of the challenge of block ${n} went back to its challenger on ${hostName} (tx ${r.txHash})`);
  }));
}

/** `signer`: 'always' (a challenge is signed on either host), 'l1' (only L1 sends signed transactions), or false. */
async function run(chain: string, block: string, flags: Flags, signer: 'always' | 'l1' | false, act: (ctx: Ctx, number: number) => Promise<void>): Promise<void> {
  const { PlasmaError, ROOT_CHAIN_ID } = await import('@plasma-tree/core');
  const { resolveL1, resolveChainArg, findDevnetChain, l1Provider, resolveWallet } = await import('../context.js');
  const { DataChallengeClient, ChainDataChallengeClient } = await import('@plasma-tree/sdk');
  const number = Number(block);
  if (!Number.isSafeInteger(number) || number < 1) throw new PlasmaError('INVALID_BLOCK_NUMBER', `invalid block number ${JSON.stringify(block)}`, { hint: 'pass a committed block number, 1 or more' });
  const { l1Url, rootContract, devnet } = resolveL1(flags);
  if (!rootContract) throw new PlasmaError('MISSING_CONFIG', 'no root contract given', { hint: 'pass --root <address>, or start a devnet (`plasma-tree devnet`)' });
  const { chainId, dev } = resolveChainArg(chain, devnet);
  // The host: a chain parent (devnet.json knows it and its node; --parent-node says so by hand), else L1.
  const underChain = dev !== undefined && dev.parentChainId.toLowerCase() !== ROOT_CHAIN_ID;
  const parentDev = underChain ? findDevnetChain(devnet, dev.parentChainId) : undefined;
  if (underChain && !parentDev && !flags.parentNode) {
    throw new PlasmaError('PARENT_NODE_REQUIRED', `chain ${dev.name} is a child of chain ${dev.parentChainId}, which the devnet file does not list`, { hint: 'pass --parent-node <url> (a node of the parent chain)' });
  }
  const parentUrl = flags.parentNode ?? parentDev?.nodeUrl;
  if (parentUrl) {
    const wallet = signer === 'always' ? await resolveWallet(flags, devnet) : undefined;
    const client = new ChainDataChallengeClient({ parentNode: parentUrl, ...(underChain ? { parentChainId: dev.parentChainId } : {}), ...(wallet ? { signer: wallet } : {}) });
    return act({ client, chainId, hostName: parentDev?.name ?? `the parent chain (${parentUrl})` }, number);
  }
  const provider = await l1Provider(l1Url);
  try {
    const l1 = signer ? (await resolveWallet(flags, devnet)).connect(provider) : provider;
    await act({ client: new DataChallengeClient({ l1, rootContract }), chainId, hostName: 'L1' }, number);
  } finally {
    provider.destroy();
  }
}
