import { PlasmaError, ROOT_CHAIN_ID, type Hex } from '@plasma-tree/core';
import type { EdgeUpStatus, TreeClient } from '@plasma-tree/sdk';
import { makeTreeClient, resolveAddress, resolveToken, type AccountFlags, type ConnectionFlags } from '../context.js';
import { print, printJson } from '../common.js';
import { Spinner, bar, c, ce, formatDuration, kv, shortHex, table } from '../ui.js';
import { addr } from '../fmt.js';

type Flags = ConnectionFlags & AccountFlags & {
  from?: string;
  to?: string;
  target?: string;
  data?: string;
  token?: string;
  wait?: boolean;
  fromIndex?: number;
  limit?: number;
  json?: boolean;
};

const usage = (message: string, hint: string) => new PlasmaError('INVALID_ARGUMENTS', message, { hint });

function txHashArg(v: string): Hex {
  if (!/^0x[0-9a-fA-F]{64}$/.test(v)) {
    throw new PlasmaError('INVALID_TX_HASH', `not a transaction hash: ${JSON.stringify(v)}`, { hint: 'pass the 0x + 64 hex digit hash that `plasma-tree message send` printed' });
  }
  return v.toLowerCase() as Hex;
}

function dataArg(v: string | undefined): Hex {
  const d = (v ?? '0x').trim();
  if (!/^0x([0-9a-fA-F]{2})*$/.test(d)) {
    throw new PlasmaError('INVALID_PAYLOAD', `--data must be 0x-hex bytes, got ${JSON.stringify(v)}`, { hint: 'pass an even number of hex digits after 0x, e.g. --data 0xc0ffee (0x is empty data)' });
  }
  return d.toLowerCase() as Hex;
}

function requireChain(flags: Flags, what: string): string {
  if (flags.chain === undefined) throw usage(`missing --chain: ${what}`, 'pass --chain <name|id>, e.g. --chain A (see `plasma-tree status` for the chains)');
  return flags.chain;
}

/** `0x1234…abcd (40 bytes)` for long data, the whole hex for short. */
function dataCell(data: Hex): string {
  const bytes = (data.length - 2) / 2;
  return bytes <= 16 ? data : `${shortHex(data, 8)} ${c.dim(`(${bytes} bytes)`)}`;
}

export async function messageSend(flags: Flags): Promise<void> {
  const missing = (['from', 'to', 'target'] as const).filter((k) => flags[k] === undefined);
  if (missing.length) {
    throw usage(`missing ${missing.map((k) => `--${k}`).join(', ')}`, 'pass --from <chain> --to <chain> --target <address> [--data 0x…] (chains: names such as A1, 32-byte ids, or L1)');
  }
  const data = dataArg(flags.data);
  const b = await makeTreeClient(flags, { signer: true });
  try {
    const tree = b.tree;
    const target = resolveAddress(flags.target!, b.devnet, '--target');
    const token = resolveToken(flags.token, b.devnet);
    const from = tree.chainId(flags.from!);
    const to = tree.chainId(flags.to!);
    const route = `${tree.nameOf(from)} → ${tree.nameOf(to)}`;
    const sp = new Spinner(process.stderr, { quiet: flags.json }).start(`sending a message ${route} to ${addr(target)}…`);
    const sent = await tree.sendMessage({ from, to, target, data, token }).catch((e) => {
      sp.fail(`message ${route} failed`);
      throw e;
    });
    sp.succeed(`message ${route} sent (${sent.direction === 'down' ? `nonce #${sent.nonce} on ${tree.nameOf(to)}'s stream` : `up event of block #${sent.blockNumber}`})`);
    let delivery: Awaited<ReturnType<TreeClient['waitForEdgeDelivery']>> | undefined;
    if (flags.wait) {
      const sp2 = new Spinner(process.stderr, { quiet: flags.json }).start(sent.direction === 'down'
        ? `waiting for ${tree.nameOf(to)} to apply nonce #${sent.nonce}…`
        : `waiting for the commitment of block #${sent.blockNumber} on ${tree.nameOf(to)} and its challenge window…`);
      delivery = await tree.waitForEdgeDelivery(sent).catch((e) => {
        sp2.fail();
        throw e;
      });
      if (delivery.direction === 'down') {
        if (delivery.status === 'delivered') sp2.succeed(`delivered on ${tree.nameOf(to)}`);
        else sp2.fail(`applied on ${tree.nameOf(to)}, but its handler refused it: consumed as failed`);
      } else {
        sp2.succeed(delivery.status === 'delivered' ? `already relayed on ${tree.nameOf(to)}` : `the window is over: it can be relayed on ${tree.nameOf(to)}`);
      }
    }
    if (flags.json) return printJson({ ...sent, fromName: tree.nameOf(from), toName: tree.nameOf(to), ...(delivery ? { delivery } : {}) });
    print(kv([
      ['direction', `${sent.direction} (${route})`],
      [sent.on === 'l1' ? 'L1 tx' : 'tx hash', sent.txHash],
      ...(sent.nonce !== undefined ? [['nonce', `#${sent.nonce}`] as [string, string]] : [['block', `#${sent.blockNumber} of ${tree.nameOf(from)}`] as [string, string]]),
      ['sender', addr(sent.sender)],
      ['target', addr(target)],
      ['data', dataCell(data)],
      ...(delivery?.direction === 'down' ? [['delivery', delivery.status === 'delivered' ? c.green('delivered') : c.red('failed')] as [string, string]] : []),
    ]));
    if (sent.direction === 'up' && (!delivery || delivery.status === 'ready')) {
      const account = flags.account ? ` --account ${flags.account}` : '';
      print(`\n  ${c.bold('next')}: it is delivered on ${tree.nameOf(to)} once its block is committed there and the challenge window is over:`);
      print(`  ${c.cyan(`plasma-tree message relay ${sent.txHash} --chain ${flags.from}${account} --wait`)}`);
    } else if (sent.direction === 'down' && !flags.wait) {
      print(c.dim(`\n  ${tree.nameOf(to)} applies it in nonce order; see it with \`plasma-tree message inbox --chain ${flags.to}\``));
    }
  } finally {
    b.close();
  }
}

export async function messageRelay(hashArg: string, flags: Flags): Promise<void> {
  const txHash = txHashArg(hashArg);
  const chainRef = requireChain(flags, 'the chain the message was sent from');
  const b = await makeTreeClient(flags, { signer: true });
  try {
    const tree = b.tree;
    const chain = tree.chainId(chainRef);
    if (chain === ROOT_CHAIN_ID) throw usage('--chain L1: messages from L1 go down and need no relay', 'pass the chain the up message was sent from');
    const parent = await tree.parentOf(chain);
    if (flags.wait) await waitWithCountdown(tree, chainRef, txHash, !!flags.json);
    const sp = new Spinner(process.stderr, { quiet: flags.json }).start(`relaying the message of ${tree.nameOf(chain)} on ${tree.nameOf(parent)}…`);
    const r = await tree.relayUp(chain, txHash).catch((e) => {
      sp.fail('relay failed');
      throw e;
    });
    sp.succeed(`delivered on ${tree.nameOf(parent)}${r.message ? ` to ${addr(r.message.target)}` : ''}`);
    if (flags.json) return printJson({ ...r, messageTxHash: txHash });
    print(kv([
      [r.on === 'l1' ? 'L1 tx' : 'parent-chain tx', r.txHash],
      ['from', `${tree.nameOf(chain)}, block #${r.sourceBlock}, exit-tree index ${r.index}`],
      ['sender', addr(r.sender)],
      ...(r.message ? [['target', addr(r.message.target)] as [string, string], ['data', dataCell(r.message.data)] as [string, string]] : [['fn', r.fn] as [string, string]]),
      ...(r.gasUsed !== undefined ? [['gas used', r.gasUsed.toLocaleString('en-US')] as [string, string]] : [['block', `#${r.blockNumber} of ${tree.nameOf(parent)}`] as [string, string]]),
    ]));
  } finally {
    b.close();
  }
}

export async function messageInbox(flags: Flags): Promise<void> {
  const chainRef = requireChain(flags, 'the chain whose inbox to show');
  const b = await makeTreeClient(flags, { signer: false });
  try {
    const tree = b.tree;
    const messages = await tree.inbox(chainRef, { fromIndex: flags.fromIndex, limit: flags.limit });
    if (flags.json) return printJson(messages.map((m) => ({ ...m, sourceName: tree.nameOf(m.sourceChain) })));
    const title = `inbox of ${tree.nameOf(chainRef)}`;
    if (messages.length === 0) {
      print(`  ${c.bold(title)}: ${c.dim(flags.fromIndex && flags.fromIndex > 1 ? `no messages from #${flags.fromIndex} on` : 'no messages yet')}`);
      return;
    }
    const rows = messages.map((m) => [String(m.index), tree.nameOf(m.sourceChain), addr(m.sender), addr(m.target), dataCell(m.data)]);
    print(table(rows, { head: ['#', 'from', 'sender', 'target', 'data'], alignRight: [0], title: `  ${title}` }));
  } finally {
    b.close();
  }
}

/** Polls the up message and renders the wait: a spinner until committed, then a countdown bar. */
async function waitWithCountdown(tree: TreeClient, chain: string, txHash: Hex, quiet: boolean): Promise<void> {
  const ac = new AbortController();
  const onSignal = () => ac.abort(new Error('interrupted'));
  process.once('SIGINT', onSignal);
  const sp = new Spinner(process.stderr, { quiet });
  let last: EdgeUpStatus | undefined;
  let deadline = 0;
  let windowLength = 1;
  const parentName = tree.nameOf(await tree.parentOf(chain));
  const render = () => {
    if (!last) return;
    switch (last.state) {
      case 'pending':
        return sp.update('waiting for the message to be included in a block…');
      case 'included':
        return sp.update(`block #${last.blockNumber} holds the message; waiting for its commitment on ${parentName}…`);
      case 'committed':
        return sp.update(`block #${last.blockNumber} committed; reading its challenge window…`);
      case 'challenge-window': {
        const left = Math.max(0, (deadline - Date.now()) / 1000);
        const total = Math.max(windowLength, left, 1);
        return sp.update(`challenge window ${bar(1 - left / total)} ${ce.bold(formatDuration(left))} left ${ce.dim(`(block #${last.blockNumber}, by ${parentName}'s clock)`)}`);
      }
      default:
        return undefined;
    }
  };
  sp.start('looking up the message…');
  const ticker = setInterval(render, 250);
  try {
    windowLength = (await tree.chainInfo(chain)).challengeWindow;
    const s = await tree.client(chain).waitForEdgeUp(txHash, {
      signal: ac.signal,
      onRetry: (e, n) => sp.update(`${ce.yellow(e.code)}: ${e.message.split(' — ')[0]}; retrying (${n}/10)…`),
      onProgress: (st) => {
        last = st;
        if (st.secondsLeft !== null) deadline = Date.now() + st.secondsLeft * 1000;
        render();
      },
    });
    if (s.status === 'delivered') {
      sp.stop();
      throw new PlasmaError('ALREADY_DELIVERED', `the message ${txHash} was already relayed on ${parentName}`, { data: { txHash }, hint: 'nothing to do: each message is delivered once' });
    }
    sp.succeed(`challenge window of block #${s.blockNumber} is over`);
  } catch (e) {
    sp.stop();
    if (e instanceof PlasmaError && e.code === 'ABORTED') {
      throw new PlasmaError('ABORTED', 'stopped waiting', { hint: `the message is safe; wait again any time with \`plasma-tree message relay ${txHash} --chain ${chain} --wait\`` });
    }
    throw e;
  } finally {
    clearInterval(ticker);
    process.off('SIGINT', onSignal);
  }
}
