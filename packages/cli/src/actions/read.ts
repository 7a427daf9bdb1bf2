import { NATIVE_TOKEN, PlasmaError, type Address, type Hex } from '@plasma-tree/core';
import { makeClient, resolveToken, type AccountFlags, type ConnectionFlags } from '../context.js';
import { print, printJson } from '../common.js';
import { c, formatAmount, formatDuration, humanDuration, kv, shortHex, table } from '../ui.js';
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
  const b = await makeClient({ ...flags, account: undefined }, { signer: false, address: undefined });
  try {
    if (txHash) return await txStatus(b.client, txHash as Hex, !!flags.json);
    const [info, parent, windows, l1Time] = await Promise.all([
      b.client.chainInfo(),
      b.client.parentChainState(),
      b.client.openWindows({ lookbackBlocks: Number(flags.lookback) || 10_000 }),
      b.client.l1Time(),
    ]);
    if (flags.json) return printJson({ chain: b.conn.chainName ?? null, nodeUrl: b.conn.nodeUrl, l1Url: b.conn.l1Url, node: info, l1: parent, openWindows: windows, l1Time });
    const name = b.conn.chainName ? `Chain ${b.conn.chainName}` : 'Chain';
    print(`${c.bold(name)}  ${info.chainId}  ${c.dim(info.parentChainId === '0x' + '00'.repeat(32) ? '(child of the root)' : `(child of ${shortHex(info.parentChainId)})`)}\n`);
    const behind = info.head.number - info.committed.number;
    print(kv([
      ['node', b.conn.nodeUrl],
      ['L1', `${b.conn.l1Url}  ${c.dim(`(chain id ${info.l1ChainId})`)}`],
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
  } finally {
    b.close();
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
