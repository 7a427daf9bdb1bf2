import type { Command } from 'commander';
import { accountOptions, connectionOptions, examples, jsonOption, print, printJson } from '../common.js';
import type { AccountFlags, ConnectionFlags } from '../context.js';

type Flags = ConnectionFlags & AccountFlags & { json?: boolean };

/**
 * `plasma-tree challenge …`: a data-availability challenge at the root by hand (docs/FRAUD.md §9), for a holder whose
 * chain's nodes do not serve a committed block (the watcher does the same on its own). A thin shell over the SDK's
 * DataChallengeClient.
 */
export function registerChallengeCommands(program: Command): void {
  const challenge = program.command('challenge').description('challenge a committed block of a child of the root whose data nobody serves: status, file (0.2 ETH bond), resolve');

  const status = challenge
    .command('status <chain> <block>')
    .description("a block's data on L1: published or not, its challenge (open / answered / convicted / lapsed) and the deadlines");
  connectionOptions(status, { chain: false, node: false, nodes: false });
  jsonOption(status);
  examples(status, ['plasma-tree challenge status A 7']);
  status.action((chain: string, block: string, flags: Flags) => run(chain, block, flags, false, async (c, chainId, n) => {
    const s = await c.status(chainId, n);
    if (flags.json) return printJson(s);
    const left = (t: number) => (t > s.now ? `in ${t - s.now} s` : `${s.now - t} s ago`);
    print(`block ${n}: data ${s.published ? 'published on L1' : 'not published on L1'}; challenge: ${s.status}${s.status === 'none' ? '' : ` by ${s.challenger}`}`);
    if (s.status === 'open') print(`  the validators must publish by ${s.deadline} (${left(s.deadline)})${s.canResolve ? ': past it, `plasma-tree challenge resolve` convicts the block' : ''}`);
    print(`  challenges accepted until ${s.challengeBefore} (${left(s.challengeBefore)}); the window ends ${s.windowEnd} (${left(s.windowEnd)})${s.canChallenge ? '; `plasma-tree challenge file` challenges it' : ''}`);
  }));

  const file = challenge
    .command('file <chain> <block>')
    .description('challengeData with the 0.2 ETH bond (--account pays): the validators must publish the block on L1 within a quarter of the window, or it is convicted; the bond goes to them if they do');
  connectionOptions(file, { chain: false, node: false, nodes: false });
  accountOptions(file);
  jsonOption(file);
  examples(file, ['plasma-tree challenge file A 7 --account dev5']);
  file.action((chain: string, block: string, flags: Flags) => run(chain, block, flags, true, async (c, chainId, n) => {
    const r = await c.challenge(chainId, n);
    if (flags.json) return printJson(r);
    print(`challenged block ${n} (tx ${r.txHash}): its validators must publish it by ${r.deadline}; then \`plasma-tree challenge resolve\``);
  }));

  const resolve = challenge
    .command('resolve <chain> <block>')
    .description('after the deadline, an unanswered challenge (anyone\'s) convicts the block: rolled back, half the bond to the challenger, the chain frozen (--account pays the gas)');
  connectionOptions(resolve, { chain: false, node: false, nodes: false });
  accountOptions(resolve);
  jsonOption(resolve);
  examples(resolve, ['plasma-tree challenge resolve A 7 --account dev5']);
  resolve.action((chain: string, block: string, flags: Flags) => run(chain, block, flags, true, async (c, chainId, n) => {
    const r = await c.resolve(chainId, n);
    if (flags.json) return printJson(r);
    print(`block ${n} convicted for unavailable data (tx ${r.txHash}): the chain is frozen; its holders leave with \`plasma-tree escape\``);
  }));
}

async function run(
  chain: string,
  block: string,
  flags: Flags,
  signer: boolean,
  act: (client: import('@plasma-tree/sdk').DataChallengeClient, chainId: import('@plasma-tree/core').ChainId, number: number) => Promise<void>,
): Promise<void> {
  const { PlasmaError } = await import('@plasma-tree/core');
  const { resolveL1, resolveChainArg, l1Provider, resolveWallet } = await import('../context.js');
  const { DataChallengeClient } = await import('@plasma-tree/sdk');
  const number = Number(block);
  if (!Number.isSafeInteger(number) || number < 1) throw new PlasmaError('INVALID_BLOCK_NUMBER', `invalid block number ${JSON.stringify(block)}`, { hint: 'pass a committed block number, 1 or more' });
  const { l1Url, rootContract, devnet } = resolveL1(flags);
  if (!rootContract) throw new PlasmaError('MISSING_CONFIG', 'no root contract given', { hint: 'pass --root <address>, or start a devnet (`plasma-tree devnet`)' });
  const { chainId } = resolveChainArg(chain, devnet);
  const provider = await l1Provider(l1Url);
  try {
    const l1 = signer ? (await resolveWallet(flags, devnet)).connect(provider) : provider;
    await act(new DataChallengeClient({ l1, rootContract }), chainId, number);
  } finally {
    provider.destroy();
  }
}
