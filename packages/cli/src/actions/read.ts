import type { Provider } from 'ethers';
import { NATIVE_TOKEN, PlasmaError, type Address, type ChainId, type Hex } from '@plasma-tree/core';
import { NodeTreeSource, PlasmaClient, readTokenInfo, readTree, treeToJson, type ChainInfo, type Commitment, type ParentChainState, type TokenInfo } from '@plasma-tree/sdk';
import type { DevnetInfo } from '@plasma-tree/devnet';
import { l1Provider, makeClient, resolveConnection, resolveL1, resolveToken, type AccountFlags, type Connection, type ConnectionFlags } from '../context.js';
import { print, printJson } from '../common.js';
import { c, formatAmount, formatDuration, humanDuration, kv, shortHex, table } from '../ui.js';
import { renderTree } from '../tree-view.js';
import { addr } from '../fmt.js';

type Flags = ConnectionFlags & AccountFlags & { json?: boolean; token?: string[] };

export async function balance(address: string | undefined, flags: Flags): Promise<void> {
  const b = await makeClient(flags, { signer: false, address });
  try {
    const owner = address ? await b.client.address() : b.wallet ? (b.wallet.address.toLowerCase() as Address) : undefined;
    if (!owner) {
      throw new PlasmaError('NO_ACCOUNT', 'whose balance?', { hint: 'pass an address (plasma-tree balance 0x…), --account <name>, or set PLASMA_TREE_PRIVATE_KEY' });
    }
    const tokens = flags.token?.length ? flags.token.map((t) => resolveToken(t, b.conn.devnet)) : [NATIVE_TOKEN, ...(b.conn.devnet ? [b.conn.devnet.token.address] : [])];
    const rows = await Promise.all(tokens.map(async (token) => {
      const [info, child, l1, subtree] = await Promise.all([
        b.client.tokenInfo(token),
        b.client.balance(token, owner),
        b.client.l1Balance(token, owner),
        b.client.subtreeBalance(token),
      ]);
      return { token, symbol: info.symbol, decimals: info.decimals, child, l1, subtree };
    }));
    if (flags.json) return printJson({ address: owner, chainId: b.conn.chainId, chain: b.conn.chainName ?? null, balances: rows });
    const chain = b.conn.chainName ? `chain ${b.conn.chainName}` : 'child chain';
    print(`${c.bold(addr(owner))}  ${c.dim(`on ${chain} ${shortHex(b.conn.chainId)}`)}\n`);
    print(table(
      rows.map((r) => [r.symbol, formatAmount(r.child, r.decimals), formatAmount(r.l1, r.decimals), formatAmount(r.subtree, r.decimals)]),
      { head: ['token', chain, 'L1', `subtree (all of ${chain})`], alignRight: [1, 2, 3] },
    ));
  } finally {
    b.close();
  }
}

export async function status(txHash: string | undefined, flags: Flags & { lookback: string }): Promise<void> {
  if (txHash) {
    const b = await makeClient({ ...flags, account: undefined }, { signer: false, address: undefined });
    try {
      return await txStatus(b.client, txHash as Hex, !!flags.json);
    } finally {
      b.close();
    }
  }
  const { l1Url, rootContract, devnet } = resolveL1(flags);
  if (!rootContract) throw missingRoot();
  // The details below the tree: --chain (or the devnet's first chain); without one, the tree alone.
  const chainArg = flags.chain ?? process.env.PLASMA_TREE_CHAIN;
  const conn = chainArg !== undefined || devnet?.chains.length ? resolveConnection(flags) : undefined;
  const provider = await l1Provider(l1Url);
  try {
    const tokens = await resolveTokenInfos(provider, flags.token, devnet);
    const client = conn && new PlasmaClient({ l1: provider, rootContract, chainId: conn.chainId, nodeUrl: conn.nodeUrl });
    const lookbackBlocks = Number(flags.lookback) || 10_000;
    const [tree, details, network] = await Promise.all([
      readTree({
        provider, rootContract, tokens: tokens.map((t) => t.address), names: devnetNames(devnet),
        sourceFor: nodeSources({ ...devnetNodeUrls(devnet), ...(conn ? { [conn.chainId]: conn.nodeUrl } : {}) }),
      }),
      client
        ? Promise.all([client.chainInfo(), client.parentChainState(), client.openWindows({ lookbackBlocks }), client.l1Time()]).then(
          ([info, parent, windows, l1Time]) => ({ ok: true as const, info, parent, windows, l1Time }),
          (error: unknown) => ({ ok: false as const, error }),
        )
        : undefined,
      provider.getNetwork(),
    ]);
    const l1ChainId = Number(network.chainId);
    if (flags.json) {
      if (details && !details.ok) throw details.error;
      return printJson({
        l1Url, l1ChainId, rootContract,
        tree: treeToJson(tree),
        ...(conn && details?.ok ? { chain: conn.chainName ?? null, nodeUrl: conn.nodeUrl, node: details.info, l1: details.parent, openWindows: details.windows, l1Time: details.l1Time } : {}),
      });
    }
    print(`${c.bold('Plasma tree')}  ${c.dim(`on L1 chain ${l1ChainId} at ${l1Url}, root contract ${addr(rootContract)}`)}\n`);
    print(renderTree(tree, { tokens, l1ChainId }));
    print(c.dim('\n  head: last block committed on the parent · balances: what the parent holds for the chain and its descendants\n  (for L1: what the root contract holds, validator bonds included)'));
    if (!conn || !details) return;
    print();
    // The tree is out; a node that does not answer fails the command after it.
    if (!details.ok) throw details.error;
    printChainDetails(conn, details.info, details.parent, details.windows);
  } finally {
    provider.destroy();
  }
}

function missingRoot(): PlasmaError {
  return new PlasmaError('MISSING_CONFIG', 'no root contract given', {
    data: { flag: '--root <address>', env: 'PLASMA_TREE_ROOT' },
    hint: 'pass --root <address> (or set PLASMA_TREE_ROOT), or start a devnet with `plasma-tree devnet` in this directory (or point --devnet-dir at its data dir)',
  });
}

/** Chain names of the devnet by chain id, for the tree. */
export function devnetNames(devnet: DevnetInfo | undefined): Record<string, string> {
  return Object.fromEntries((devnet?.chains ?? []).map((ch) => [ch.chainId, ch.name]));
}

/** Node URLs of the devnet's chains by chain id. */
export function devnetNodeUrls(devnet: DevnetInfo | undefined): Record<string, string> {
  return Object.fromEntries((devnet?.chains ?? []).filter((ch) => ch.nodeUrl).map((ch) => [ch.chainId.toLowerCase(), ch.nodeUrl]));
}

/**
 * `readTree`'s `sourceFor`: the root contract for L1; below it, the chain's node (by `nodeUrls`) when it answers
 * `pt_getChildren` with children. A chain with no known node, none that answers, or no children is a leaf.
 */
export function nodeSources(nodeUrls: Record<string, string>, opts: { timeoutMs?: number } = {}): NonNullable<Parameters<typeof readTree>[0]['sourceFor']> {
  const urls = new Map(Object.entries(nodeUrls).map(([id, url]) => [id.toLowerCase(), url]));
  return async (node, root) => {
    if (node.depth === 0) return root;
    const url = urls.get(node.chainId.toLowerCase());
    if (!url) return undefined;
    const source = new NodeTreeSource({ node: { url, timeoutMs: opts.timeoutMs ?? 5_000 }, hostId: node.chainId as ChainId });
    const children = await source.client.getChildren().catch(() => []);
    return children.length ? source : undefined;
  };
}

/** --token values (default: ETH and the devnet token) with symbol and decimals. */
async function resolveTokenInfos(provider: Provider, values: string[] | undefined, devnet: DevnetInfo | undefined): Promise<TokenInfo[]> {
  const addresses = values?.length ? values.map((t) => resolveToken(t, devnet)) : [NATIVE_TOKEN, ...(devnet ? [devnet.token.address] : [])];
  return Promise.all([...new Set(addresses)].map((a) =>
    devnet && a === devnet.token.address ? { address: a, symbol: devnet.token.symbol, decimals: devnet.token.decimals } : readTokenInfo(provider, a)));
}

function printChainDetails(conn: Connection, info: ChainInfo, parent: ParentChainState, windows: Array<Commitment & { secondsLeft: number }>): void {
  const name = conn.chainName ? `Chain ${conn.chainName}` : 'Chain';
  print(`${c.bold(name)}  ${info.chainId}  ${c.dim(info.parentChainId === '0x' + '00'.repeat(32) ? '(child of the root)' : `(child of ${shortHex(info.parentChainId)})`)}\n`);
  const behind = info.head.number - info.committed.number;
  print(kv([
    ['node', conn.nodeUrl],
    ['L1', `${conn.l1Url}  ${c.dim(`(chain id ${info.l1ChainId})`)}`],
    ['root contract', addr(info.rootContract)],
    ['validators', `${info.threshold}-of-${info.validators.length}: ${info.validators.map((v) => shortHex(addr(v), 4)).join(', ')}`],
    ['challenge window', humanDuration(info.challengeWindow)],
    ['head', info.head.number === 0 ? `#0  ${c.dim('(no blocks yet)')}` : `#${info.head.number}  ${c.dim(shortHex(info.head.hash ?? '0x'))}`],
    ['committed on L1', `#${parent.headNumber}${behind > 0 ? c.dim(`  (${behind} block${behind === 1 ? '' : 's'} to commit)`) : ''}`],
    ['deposits', `${info.depositNonce} applied of ${parent.depositCount} made on L1`],
    ['mempool', `${info.mempoolSize} transaction${info.mempoolSize === 1 ? '' : 's'}`],
  ]));
  print();
  if (windows.length === 0) {
    print(c.dim('  no open challenge windows: every committed block is final'));
  } else {
    print(table(
      windows.map((w) => [`#${w.number}`, shortHex(w.blockHash), new Date(w.windowEnd * 1000).toLocaleTimeString(), formatDuration(w.secondsLeft)]),
      { title: '  Open challenge windows', head: ['block', 'hash', 'ends (L1 time)', 'left'], alignRight: [3] },
    ));
  }
}

async function txStatus(client: import('@plasma-tree/sdk').PlasmaClient, txHash: Hex, json: boolean): Promise<void> {
  const receipt = await client.getReceipt(txHash);
  if (!receipt) {
    throw new PlasmaError('UNKNOWN_TX', `the node does not know transaction ${txHash}`, { hint: 'check the hash and --chain / --node' });
  }
  const isWithdrawal = receipt.exitIndex !== null;
  const w = isWithdrawal ? await client.withdrawalStatus(txHash) : undefined;
  if (json) return printJson({ receipt, withdrawal: w ?? null });
  const rows: Array<[string, string]> = [
    ['tx', txHash],
    ['status', receipt.status],
    ['block', receipt.blockNumber === null ? '-' : `#${receipt.blockNumber} (position ${receipt.index})`],
  ];
  if (w) {
    rows.push(['withdrawal', w.state]);
    if (w.windowEnd) rows.push(['window ends', `${new Date(w.windowEnd * 1000).toLocaleString()} (L1 time)`]);
    if (w.state === 'challenge-window') rows.push(['left', formatDuration(w.secondsLeft ?? 0)]);
  }
  print(kv(rows));
  if (w?.state === 'finalizable') print(`\n  ${c.bold('next')}: ${c.cyan(`plasma-tree finalize ${txHash}`)}`);
  if (w && ['pending', 'included', 'committed', 'challenge-window'].includes(w.state)) print(`\n  ${c.bold('next')}: ${c.cyan(`plasma-tree finalize ${txHash} --wait`)}`);
}
