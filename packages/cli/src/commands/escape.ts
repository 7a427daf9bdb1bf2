import type { Command } from 'commander';
import type { Address, ChainId } from '@plasma-tree/core';
import type { EscapeHatch } from '@plasma-tree/sdk';
import type { DevnetInfo } from '@plasma-tree/devnet';
import type { Provider } from 'ethers';
import { accountOptions, collect, connectionOptions, examples, jsonOption, print, printJson } from '../common.js';
import type { AccountFlags, ConnectionFlags } from '../context.js';

type Flags = ConnectionFlags & AccountFlags & { json?: boolean; owner?: string; token?: string | string[]; dataDir?: string; depositor?: string; parentNode?: string; parentDataDir?: string; viaDataDir?: string[]; frozen?: string; hostNode?: string };

/**
 * `plasma-tree escape …`: the escape hatch of a frozen chain at any depth (docs/FRAUD.md §4, §8). A child of the root
 * leaves on L1 (PlasmaRoot); a child of a chain leaves on its parent chain (ESCAPE_CHILD_EXIT / RECLAIM_CHILD_DEPOSIT
 * sent to the parent's node; unsigned and free). Works with every validator of the frozen chain offline: its host
 * (L1, or a node of the parent chain) and a proof source (a node URL, or a stopped node's data directory) are enough.
 * The parent and its node come from devnet.json, or `--parent-node <url>`.
 */
export function registerEscapeCommands(program: Command): void {
  const escape = program.command('escape').description('leave a frozen chain (any depth) without its validators: status, freeze a stalled chain, exit, reclaim deposits');
  const parentNode = (cmd: Command) =>
    cmd.option('--parent-node <url>', "for a chain under a chain: a node of its parent chain, where the hatch is (default: the devnet's; without it the chain is taken as a child of the root)");

  const status = escape
    .command('status <chain>')
    .description("status of a chain on its parent (L1 or a parent chain): live / frozen, its head and whether it is final (by the parent's clock), its stall limit and the countdown to stallable, subtree balances")
    .option('--token <token>', 'also show the subtree balance of this token (repeatable; ETH and the devnet token are always shown)', collect);
  connectionOptions(status, { chain: false, node: false, nodes: false });
  parentNode(status);
  jsonOption(status);
  examples(status, ['plasma-tree escape status A', 'plasma-tree escape status A1   # a chain under A: read on A\'s node', 'plasma-tree escape status 0x<chain id> --l1 https://… --root 0x…']);
  status.action((chain: string, flags: Flags) => statusAction(chain, flags));

  const freeze = escape
    .command('freeze <chain>')
    .description('freeze a live chain that committed nothing for longer than its stall limit (anyone may): PlasmaRoot.freezeStalled on L1 for a child of the root (--account pays the gas), a FREEZE_STALLED_CHILD on the parent chain for a chain under a chain (free, no signature)');
  connectionOptions(freeze, { chain: false, node: false, nodes: false });
  parentNode(freeze);
  accountOptions(freeze);
  jsonOption(freeze);
  examples(freeze, ['plasma-tree escape freeze A --account dev0', 'plasma-tree escape freeze A1   # a chain under A: a FREEZE_STALLED_CHILD sent to A\'s node']);
  freeze.action((chain: string, flags: Flags) => freezeAction(chain, flags));

  const exit = escape
    .command('exit <chain>')
    .description("pay an owner's whole balance of a token at a frozen chain's final head to the owner on the chain's parent: on L1 (--account pays the gas), or on the parent chain (free, no signature)")
    .option('--owner <address>', 'the account on the chain (default: --account\'s address)')
    .option('--token <token>', 'ETH, DEV on a devnet, or an ERC-20 address', 'ETH')
    .option('--data-dir <dir>', "read the proof offline from a node's data directory (a stopped node, a backup)");
  connectionOptions(exit, { chain: false, nodes: false });
  parentNode(exit);
  accountOptions(exit);
  jsonOption(exit);
  examples(exit, [
    'plasma-tree escape exit A --account dev1 --data-dir .devnet/chains/A',
    'plasma-tree escape exit 0x<chain id> --owner 0xAb… --token ETH --node http://full-node:8645 --account payer',
    'plasma-tree escape exit A1 --owner dev2 --data-dir .devnet/chains/A1   # paid on A',
  ]);
  exit.action((chain: string, flags: Flags) => exitAction(chain, flags));

  const reclaim = escape
    .command('reclaim <chain>')
    .description('return the deposits a frozen chain never applied to their depositors on its parent (on L1 --account pays the gas; on a parent chain it is free)')
    .option('--depositor <address>', 'only this depositor\'s deposits');
  connectionOptions(reclaim, { chain: false, node: false, nodes: false });
  parentNode(reclaim);
  accountOptions(reclaim);
  jsonOption(reclaim);
  examples(reclaim, ['plasma-tree escape reclaim A --account dev0', 'plasma-tree escape reclaim A --account dev0 --depositor dev3']);
  reclaim.action((chain: string, flags: Flags) => reclaimAction(chain, flags));

  const nested = escape
    .command('nested <child>')
    .description("leave a descendant K of a frozen chain A (PlasmaNestedEscape, docs/FRAUD.md §4b, §4c): every slot of the owner at K's last final block in its parent's ledger, K's exits to it that the parent never paid, its deposits to K in flight; along the path A → … → K, read offline from the chains' data directories. Paid on L1 when A is a child of the root (--account pays the gas), on A's parent chain when A is under a chain (free: NESTED_ESCAPE_CALL)")
    .option('--frozen <chain>', "the frozen ancestor A of K (default: K's ancestor that is a child of the root)")
    .option('--host-node <url>', "a node of A's parent when it is a chain, whose ledger pays (default: the devnet's; without it A is taken as a child of the root)")
    .option('--parent-data-dir <dir>', "a data directory of the frozen chain A's node (a stopped node, a backup; default: the devnet's)")
    .option('--via-data-dir <dir>', "a data directory of a chain between A and K, A's child first (repeatable; default: the devnet's; none when K is A's child)", collect)
    .option('--data-dir <dir>', "a data directory of K's node (default: the devnet's); needed once a block of K is final")
    .option('--owner <address>', "whose slots, exits and deposits (default: --account's address)");
  connectionOptions(nested, { chain: false, node: false, nodes: false });
  accountOptions(nested);
  jsonOption(nested);
  examples(nested, [
    'plasma-tree escape nested A1 --parent-data-dir .devnet/chains/A --data-dir .devnet/chains/A1 --account dev1',
    'plasma-tree escape nested 0x<K id> --parent-data-dir /backup/A --data-dir /backup/K --account payer --owner 0xAb… --json',
    'plasma-tree escape nested 0x<J id> --parent-data-dir /backup/A --via-data-dir /backup/K --data-dir /backup/J --account payer',
    'plasma-tree escape nested K --frozen A --owner dev2   # A under chain P: paid on P (its node from devnet.json)',
    'plasma-tree escape nested 0x<K id> --parent-data-dir /backup/A --data-dir /backup/K --host-node http://127.0.0.1:8645 --owner 0xAb…',
  ]);
  nested.action((child: string, flags: Flags) => nestedAction(child, flags));
}

// ---- actions (loaded on use: --help never loads ethers or the protocol code) ----------------------------------

interface Ctx {
  client: EscapeHatch;
  /** Where the hatch is: 'L1', or the parent chain's name (or id). */
  hostName: string;
  chainId: ChainId;
  name: string;
  devnet?: DevnetInfo;
  provider: Provider;
  close(): void;
}

/** `signer`: the hatch on L1 sends L1 transactions (a chain host takes unsigned ones: no account is needed there). */
async function context(chain: string, flags: Flags, signer: boolean): Promise<Ctx> {
  const { resolveL1, findDevnetChain, l1Provider, resolveWallet, resolveChainArg } = await import('../context.js');
  const { PlasmaError, ROOT_CHAIN_ID } = await import('@plasma-tree/core');
  const { EscapeClient, ChainEscapeClient } = await import('@plasma-tree/sdk');
  const { l1Url, rootContract, devnet } = resolveL1(flags);
  if (!rootContract) throw new PlasmaError('MISSING_CONFIG', 'no root contract given', { hint: 'pass --root <address>, or start a devnet (`plasma-tree devnet`)' });
  const { chainId, dev } = resolveChainArg(chain, devnet);
  const provider = await l1Provider(l1Url);
  try {
    const name = dev?.name ?? chainId;
    // The host: a chain parent (devnet.json knows it and its node; --parent-node says so by hand), else L1.
    const parentDev = dev && dev.parentChainId.toLowerCase() !== ROOT_CHAIN_ID ? findDevnetChain(devnet, dev.parentChainId) : undefined;
    if (dev && dev.parentChainId.toLowerCase() !== ROOT_CHAIN_ID && !parentDev && !flags.parentNode) {
      throw new PlasmaError('PARENT_NODE_REQUIRED', `chain ${name} is a child of chain ${dev.parentChainId}, which the devnet file does not list`, { hint: 'pass --parent-node <url> (a node of the parent chain)' });
    }
    const parentUrl = flags.parentNode ?? parentDev?.nodeUrl;
    if (parentUrl) {
      const client = new ChainEscapeClient({ parentNode: parentUrl, ...(dev ? { parentChainId: dev.parentChainId } : {}) });
      return { client, hostName: parentDev?.name ?? `the parent chain (${parentUrl})`, chainId, name, devnet, provider, close: () => provider.destroy() };
    }
    const l1 = signer ? (await resolveWallet(flags, devnet)).connect(provider) : provider;
    return { client: new EscapeClient({ l1, rootContract }), hostName: 'L1', chainId, name, devnet, provider, close: () => provider.destroy() };
  } catch (e) {
    provider.destroy();
    throw e;
  }
}

async function statusAction(chain: string, flags: Flags): Promise<void> {
  const ctx = await context(chain, flags, false);
  try {
    const { resolveToken } = await import('../context.js');
    const { readTokenInfo } = await import('@plasma-tree/sdk');
    const { c, kv, formatAmount, formatDuration } = await import('../ui.js');
    const s = await ctx.client.getChainStatus(ctx.chainId);
    const tokens = new Set<Address>([resolveToken('ETH', ctx.devnet)]);
    if (ctx.devnet) tokens.add(ctx.devnet.token.address);
    for (const t of (flags.token as string[] | undefined) ?? []) tokens.add(resolveToken(t, ctx.devnet));
    const balances = await ctx.client.subtreeBalances(ctx.chainId, [...tokens]);
    const reclaimable = s.status === 'live' ? [] : await ctx.client.reclaimableDeposits({ chainId: ctx.chainId });
    if (flags.json) return printJson({ ...s, subtreeBalances: Object.fromEntries(balances), reclaimableDeposits: reclaimable });
    const clock = s.host === 'l1' ? 'L1 time' : `${ctx.hostName}'s time`;
    const rows: Array<[string, string]> = [
      ['chain', `${ctx.name}${ctx.name !== ctx.chainId ? ` ${c.dim(ctx.chainId)}` : ''}`],
      ['hatch on', s.host === 'l1' ? 'L1 (PlasmaRoot)' : `${ctx.hostName} ${c.dim(s.parentChainId)} (kinds 11-13, free)`],
      ['status', s.status === 'live' ? c.green('live') : c.red(`${s.status} (since ${clock} ${s.frozenAt})`)],
      ['head', s.headNumber === 0 ? 'none (nothing committed)' : `#${s.headNumber}, window end ${s.headWindowEnd}`],
      ['head final', s.headNumber === 0 ? '-' : s.headFinal ? c.green('yes') : c.yellow(`no: ${formatDuration(s.secondsUntilFinal)} left`)],
      s.stallLimit === null
        ? ['stall limit', "unknown (the parent chain's node predates the stall rule)"]
        : ['stall limit', `${formatDuration(s.stallLimit)} (last activity at ${clock} ${s.lastActivity})`],
      ['stallable', s.status !== 'live' || s.secondsUntilStallable === null ? '-' : s.secondsUntilStallable === 0 ? c.yellow('now: `plasma-tree escape freeze`') : `in ${formatDuration(s.secondsUntilStallable)}`],
      ['deposits', `${s.headDepositNonce} applied of ${s.depositCount} recorded${reclaimable.length ? `, ${reclaimable.length} reclaimable` : ''}`],
    ];
    for (const [token, amount] of balances) {
      const info = await readTokenInfo(ctx.provider, token);
      rows.push([`subtree ${info.symbol}`, `${formatAmount(amount, info.decimals)} ${info.symbol}`]);
    }
    print(kv(rows));
    if (s.status !== 'live' && s.headFinal) print(`\n  ${c.bold('next')}: holders leave with ${c.cyan(`plasma-tree escape exit ${chain} --account <payer> --owner <address> (--node <url> | --data-dir <dir>)`)}`);
  } finally {
    ctx.close();
  }
}

async function freezeAction(chain: string, flags: Flags): Promise<void> {
  const ctx = await context(chain, flags, true);
  try {
    const r = await ctx.client.freezeStalled(ctx.chainId);
    if (flags.json) return printJson(r);
    print(`chain ${ctx.name} frozen at ${ctx.hostName === 'L1' ? 'L1 time' : `${ctx.hostName}'s time`} ${r.frozenAt} (tx ${r.txHash}); its holders can leave with \`plasma-tree escape exit\``);
  } finally {
    ctx.close();
  }
}

async function exitAction(chain: string, flags: Flags): Promise<void> {
  const { PlasmaError } = await import('@plasma-tree/core');
  if ((flags.node === undefined) === (flags.dataDir === undefined)) {
    throw new PlasmaError('MISSING_PROOF_SOURCE', 'give one proof source: --node <url> or --data-dir <dir>', {
      hint: 'a running node of the chain (a full node, a watcher) answers pt_getEscapeProof; a stopped node\'s data directory (or a backup) works offline',
    });
  }
  const ctx = await context(chain, flags, true);
  try {
    const { resolveAddress, resolveToken, resolveWallet } = await import('../context.js');
    const { readTokenInfo } = await import('@plasma-tree/sdk');
    const { formatAmount } = await import('../ui.js');
    const owner = flags.owner !== undefined ? resolveAddress(flags.owner, ctx.devnet, '--owner') : ((await resolveWallet(flags, ctx.devnet)).address.toLowerCase() as Address);
    const token = resolveToken(flags.token as string | undefined, ctx.devnet);
    // The node package reads a data directory; the SDK only knows sources (node and SDK never import each other).
    const proofSource = flags.node ?? (await import('@plasma-tree/node')).dataDirEscapeProofSource(flags.dataDir!);
    const r = await ctx.client.escapeExit({ chainId: ctx.chainId, owner, token, proofSource });
    if (flags.json) return printJson(r);
    const info = await readTokenInfo(ctx.provider, token);
    print(`paid ${formatAmount(r.amount, info.decimals)} ${info.symbol} to ${r.owner} on ${ctx.hostName} (slot ${r.slot} of head #${r.headNumber}; tx ${r.txHash}${r.host === 'chain' ? `, block ${r.blockNumber}` : ''})`);
  } finally {
    ctx.close();
  }
}

async function reclaimAction(chain: string, flags: Flags): Promise<void> {
  const ctx = await context(chain, flags, true);
  try {
    const { resolveAddress } = await import('../context.js');
    const depositor = flags.depositor === undefined ? undefined : resolveAddress(flags.depositor, ctx.devnet, '--depositor');
    const r = await ctx.client.reclaimDeposits({ chainId: ctx.chainId, depositor });
    if (flags.json) return printJson(r);
    for (const d of r) print(`deposit ${d.nonce}: ${d.amount} of ${d.token} back to ${d.from} on ${ctx.hostName} (tx ${d.txHash})`);
  } finally {
    ctx.close();
  }
}

/**
 * `escape nested <child>`: the inputs from the frozen chain A's, the via chains' and K's data directories (node
 * `nestedEscapeSourceFromDataDirs`), at A's head on its host, then every payment through the SDK: NestedEscapeClient on
 * L1 when A is a child of the root, ChainNestedEscapeClient (NESTED_ESCAPE_CALL on A's parent chain) when it is not.
 * What the host paid already is skipped.
 */
async function nestedAction(child: string, flags: Flags): Promise<void> {
  const { resolveL1, resolveChainArg, findDevnetChain, l1Provider, resolveWallet, resolveAddress } = await import('../context.js');
  const { PlasmaError, ROOT_CHAIN_ID } = await import('@plasma-tree/core');
  const { ChainNestedEscapeClient, NestedEscapeClient, readTokenInfo, plasmaRoot } = await import('@plasma-tree/sdk');
  // The node package reads data directories; the SDK sends (node and SDK never import each other).
  const { nestedEscapeSourceFromDataDirs } = await import('@plasma-tree/node');
  const { l1Url, rootContract, devnet } = resolveL1(flags);
  const { chainId: K, dev } = resolveChainArg(child, devnet);
  if (dev && dev.parentChainId.toLowerCase() === ROOT_CHAIN_ID) {
    throw new PlasmaError('NOT_NESTED', `chain ${dev.name} is a child of the root: its holders leave with \`plasma-tree escape exit ${dev.name}\``, { hint: 'the nested escape is for a descendant of a frozen chain' });
  }
  // The devnet's path: K's ancestors up to the child of the root; the frozen chain A is one of them (--frozen, default
  // the child of the root), the ones below A are the via chains.
  const ancestors: NonNullable<ReturnType<typeof findDevnetChain>>[] = [];
  for (let p = dev ? findDevnetChain(devnet, dev.parentChainId) : undefined; p; p = p.parentChainId.toLowerCase() === ROOT_CHAIN_ID ? undefined : findDevnetChain(devnet, p.parentChainId)) ancestors.unshift(p);
  const frozenAt = flags.frozen === undefined ? 0 : ancestors.findIndex((a) => a.name === flags.frozen || a.chainId.toLowerCase() === flags.frozen!.toLowerCase());
  if (frozenAt < 0) {
    throw new PlasmaError('NOT_AN_ANCESTOR', `${flags.frozen} is not a chain above ${dev?.name ?? K} in the devnet`, { hint: `name one of ${ancestors.map((a) => a.name).join(', ') || 'its ancestors'}, or pass --parent-data-dir` });
  }
  const parentDev = ancestors[frozenAt];
  const parentDataDir = flags.parentDataDir ?? parentDev?.dataDir;
  const viaDataDirs = flags.viaDataDir ?? (flags.parentDataDir === undefined ? ancestors.slice(frozenAt + 1).map((d) => d.dataDir) : []);
  const childDataDir = flags.dataDir ?? dev?.dataDir;
  if (!parentDataDir) {
    throw new PlasmaError('MISSING_PROOF_SOURCE', 'give the frozen parent chain\'s data directory: --parent-data-dir <dir>', { hint: "a stopped node's data directory of the parent chain (or a backup) holds its final ledger" });
  }
  // Where A's holders' holders are paid: A's parent chain when it is a chain (its node), else L1.
  const hostDev = parentDev && parentDev.parentChainId.toLowerCase() !== ROOT_CHAIN_ID ? findDevnetChain(devnet, parentDev.parentChainId) : undefined;
  const hostNode = flags.hostNode ?? hostDev?.nodeUrl;
  if (!hostNode && !rootContract) throw new PlasmaError('MISSING_CONFIG', 'no root contract given', { hint: 'pass --root <address>, or start a devnet (`plasma-tree devnet`)' });
  const provider = await l1Provider(l1Url);
  try {
    const wallet = hostNode ? undefined : (await resolveWallet(flags, devnet)).connect(provider);
    const owner = flags.owner !== undefined ? resolveAddress(flags.owner, devnet, '--owner') : wallet ? (wallet.address.toLowerCase() as Address) : undefined;
    if (!owner) throw new PlasmaError('MISSING_OWNER', 'whose slots, exits and deposits? pass --owner <address> (or --account)', { hint: 'on a chain host nothing is signed: --owner is enough' });
    const read = (parentNumber?: number) => nestedEscapeSourceFromDataDirs({ parentDataDir, viaDataDirs, childDataDir, child: K, owner, ...(parentNumber === undefined ? {} : { parentNumber }) });
    let source = await read();
    const chainHost = hostNode ? new ChainNestedEscapeClient({ parentNode: hostNode, ...(hostDev ? { parentChainId: hostDev.chainId } : {}) }) : undefined;
    // Prove against the host's head of A (the store may know later blocks, or a conviction rolled the head back).
    const hostHead = chainHost
      ? Number((await chainHost.node.getChildInfo(source.parentChainId))?.headNumber ?? 0)
      : Number((await plasmaRoot(rootContract!, provider).chainInfo(source.parentChainId)).headNumber);
    if (hostHead !== Number(source.head.number) && hostHead > 0) source = await read(hostHead);
    const client = chainHost ?? new NestedEscapeClient({ l1: wallet!, rootContract: rootContract! });
    const inputs = { frozen: source.frozen, via: source.via, final: source.final };
    if (source.accounts.length + source.exits.length + source.deposits.length === 0) {
      throw new PlasmaError('NOTHING_TO_ESCAPE', `${owner} holds nothing in ${dev?.name ?? K} at its last final block ${source.finalNumber} in its parent's ledger (below ${parentDev?.name ?? source.parentChainId}'s final head), and has no exit or deposit in flight there`, {
        hint: source.skipped.length > 0 ? `left out: ${source.skipped.map((x) => `${x.what}: ${x.reason}`).join('; ')}` : 'check --owner and the child chain',
        data: { owner, child: K, lastFinalBlock: Number(source.finalNumber) },
      });
    }
    const r = await client.escapeAll(inputs, source);
    const path = [source.parentChainId, ...source.path.levels.map((l) => l.child)];
    const out = { parentChainId: source.parentChainId, host: chainHost ? hostDev?.chainId ?? 'chain' : 'L1', child: K, path, owner, parentHead: Number(source.head.number), lastFinalBlock: Number(source.finalNumber), paid: r.paid, skipped: [...r.skipped, ...source.skipped] };
    if (flags.json) return printJson(out);
    const { c, kv, table, formatAmount } = await import('../ui.js');
    print(kv([
      ['frozen chain', `${parentDev?.name ?? source.parentChainId} head #${source.head.number}`],
      ['paid on', chainHost ? `chain ${hostDev?.name ?? hostNode}` : 'L1'],
      ['child', `${dev?.name ?? K}, last final block #${source.finalNumber}`],
      ...(path.length > 2 ? [['path', path.map((id) => findDevnetChain(devnet, id)?.name ?? id).join(' → ')] as [string, string]] : []),
      ['owner', owner],
    ]));
    const rows: string[][] = [];
    for (const p of r.paid) {
      const info = await readTokenInfo(provider, p.token);
      const what = p.kind === 'account' ? `slot ${p.slot}` : p.kind === 'exit' ? `exit ${p.index} of block ${p.number}` : `deposit ${p.nonce}`;
      rows.push([p.kind, what, p.to, `${formatAmount(p.amount, info.decimals)} ${info.symbol}`, p.txHash]);
    }
    print();
    print(rows.length ? table(rows, { head: ['paid', 'what', 'to', 'amount', 'tx'], alignRight: [3] }) : '  nothing paid');
    for (const s of out.skipped) print(`  ${c.dim('skipped')} ${s.what}: ${'code' in s ? `${s.code} (${s.message})` : s.reason}`);
  } finally {
    provider.destroy();
  }
}
