import { PlasmaError, type Hex } from '@plasma-tree/core';
import type { PlasmaClient, WithdrawalStatus } from '@plasma-tree/sdk';
import { makeClient, parseAmount, resolveAddress, resolveToken, type AccountFlags, type ConnectionFlags } from '../context.js';
import { print, printJson } from '../common.js';
import { Spinner, bar, c, ce, formatAmount, formatDuration, kv } from '../ui.js';
import { addr } from '../fmt.js';

type Flags = ConnectionFlags & AccountFlags & { json?: boolean; amount?: string; token?: string; to?: string; wait?: boolean };

const chainLabel = (b: { conn: { chainName?: string; chainId: string } }) => (b.conn.chainName ? `chain ${b.conn.chainName}` : `chain ${b.conn.chainId.slice(0, 10)}…`);

function txHashArg(v: string): Hex {
  if (!/^0x[0-9a-fA-F]{64}$/.test(v)) {
    throw new PlasmaError('INVALID_TX_HASH', `not a transaction hash: ${JSON.stringify(v)}`, { hint: 'pass the 0x + 64 hex digit hash that `plasma-tree withdraw` printed' });
  }
  return v.toLowerCase() as Hex;
}

export async function deposit(flags: Flags): Promise<void> {
  const b = await makeClient(flags, { signer: true });
  try {
    const token = resolveToken(flags.token, b.conn.devnet);
    const info = await b.client.tokenInfo(token);
    const amount = parseAmount(flags.amount, info.decimals, info.symbol);
    const to = flags.to ? resolveAddress(flags.to, b.conn.devnet, '--to') : undefined;
    const what = `${formatAmount(amount, info.decimals)} ${info.symbol}`;
    const sp = new Spinner(process.stderr, { quiet: flags.json }).start(`depositing ${what} into ${chainLabel(b)}: sending the parent's transaction…`);
    let d;
    try {
      d = await b.client.deposit(token, amount, { to });
    } catch (e) {
      sp.fail(`deposit of ${what} failed`);
      throw e;
    }
    const where = d.on === 'l1' ? 'L1' : `parent chain ${d.parentChainId.slice(0, 10)}…`;
    sp.succeed(`deposited ${what} on ${where} (deposit #${d.nonce}${d.approveTxHash ? ', after an approval' : ''})`);
    let creditedAt: number | undefined;
    if (flags.wait !== false) {
      const sp2 = new Spinner(process.stderr, { quiet: flags.json }).start(`waiting for ${chainLabel(b)} to credit deposit #${d.nonce}…`);
      const info2 = await b.client.waitForDeposit(d, {
        onProgress: (p) => sp2.update(`waiting for ${chainLabel(b)} to credit deposit #${d.nonce} (chain has applied #${p.depositNonce}) ${ce.dim(`${Math.round(p.elapsedMs / 1000)} s`)}`),
      }).catch((e) => {
        sp2.fail();
        throw e;
      });
      creditedAt = info2.head.number;
      sp2.succeed(`credited on ${chainLabel(b)} in block #${creditedAt}`);
    }
    if (flags.json) return printJson({ ...d, symbol: info.symbol, decimals: info.decimals, creditedInBlock: creditedAt ?? null });
    print(kv([
      [d.on === 'l1' ? 'L1 tx' : 'parent-chain tx', d.txHash],
      ['deposit nonce', String(d.nonce)],
      ['to', addr(d.to)],
      ['amount', what],
      ['chain', `${b.conn.chainName ?? ''} ${d.chainId}`.trim()],
    ]));
    if (flags.wait === false) print(c.dim(`\n  the child chain credits it once its parent's block is final for it; check with \`plasma-tree balance\``));
  } finally {
    b.close();
  }
}

export async function transfer(flags: Flags): Promise<void> {
  if (!flags.to) throw new PlasmaError('MISSING_RECIPIENT', 'no recipient given', { hint: 'pass --to <address>' });
  await sendTx('transfer', flags);
}

export async function withdraw(flags: Flags): Promise<void> {
  await sendTx('withdraw', flags);
}

export async function finalize(hashArg: string, flags: Flags): Promise<void> {
  const txHash = txHashArg(hashArg);
  const b = await makeClient(flags, { signer: true });
  try {
    if (flags.wait) await waitWithCountdown(b.client, txHash, !!flags.json);
    const proof = await b.client.getWithdrawalProof(txHash);
    const t = await b.client.tokenInfo(proof.exit.token);
    const what = `${formatAmount(proof.exit.amount, t.decimals)} ${t.symbol}`;
    const parent = (await b.client.parentChainId()) === `0x${'00'.repeat(32)}` ? 'L1' : 'the parent chain';
    const sp = new Spinner(process.stderr, { quiet: flags.json }).start(`finalizing: paying ${what} to ${addr(proof.exit.recipient)} on ${parent}…`);
    const r = await b.client.finalizeExit(txHash).catch((e) => {
      sp.fail(`finalization of ${what} failed`);
      throw e;
    });
    sp.succeed(`paid out ${what} to ${addr(r.recipient)} on ${parent}`);
    if (flags.json) return printJson({ ...r, withdrawalTxHash: txHash, symbol: t.symbol, decimals: t.decimals });
    print(kv([
      [r.on === 'l1' ? 'L1 tx' : 'parent-chain tx', r.txHash],
      ['recipient', addr(r.recipient)],
      ['amount', what],
      ...(r.gasUsed !== undefined ? [['gas used', r.gasUsed.toLocaleString('en-US')] as [string, string]] : [['block', `#${r.blockNumber} of the parent chain`] as [string, string]]),
    ]));
  } finally {
    b.close();
  }
}

async function sendTx(kind: 'transfer' | 'withdraw', flags: Flags): Promise<void> {
  const b = await makeClient(flags, { signer: true });
  try {
    const token = resolveToken(flags.token, b.conn.devnet);
    const info = await b.client.tokenInfo(token);
    const amount = parseAmount(flags.amount, info.decimals, info.symbol);
    const to = flags.to ? resolveAddress(flags.to, b.conn.devnet, '--to') : undefined;
    const what = `${formatAmount(amount, info.decimals)} ${info.symbol}`;
    const sp = new Spinner(process.stderr, { quiet: flags.json }).start(`${kind === 'transfer' ? 'sending' : 'withdrawing'} ${what}: signing and submitting…`);
    const r = await (kind === 'transfer' ? b.client.transfer({ to: to!, token, amount }) : b.client.withdraw({ token, amount, to })).catch((e) => {
      sp.fail(`${kind} of ${what} failed`);
      throw e;
    });
    let blockNumber: number | null = null;
    if (flags.wait !== false) {
      sp.update(`${kind} of ${what} accepted; waiting for a block on ${chainLabel(b)}…`);
      const receipt = await b.client.waitForReceipt(r.hash, 'included').catch((e) => {
        sp.fail();
        throw e;
      });
      blockNumber = receipt.blockNumber;
      sp.succeed(`${kind === 'transfer' ? `sent ${what} to ${addr(r.to)}` : `withdrawal of ${what} to ${addr(r.to)} on the parent chain started`}, included in block #${blockNumber}`);
    } else {
      sp.succeed(`${kind} of ${what} accepted by the node`);
    }
    if (flags.json) return printJson({ ...r, symbol: info.symbol, decimals: info.decimals, blockNumber });
    print(kv([
      ['tx hash', r.hash],
      ['from', addr(r.from)],
      [kind === 'transfer' ? 'to' : 'to (on the parent)', addr(r.to)],
      ['amount', what],
      ['nonce', String(r.nonce)],
      ['block', blockNumber === null ? 'pending' : `#${blockNumber}`],
    ]));
    if (kind === 'withdraw') {
      print(`\n  ${c.bold('next')}: the exit is paid on the parent (L1, or the parent chain) once its block is committed and the challenge window is over:`);
      print(`  ${c.cyan(`plasma-tree finalize ${r.hash} --wait`)}`);
    }
  } finally {
    b.close();
  }
}

/** Polls the withdrawal and renders the wait: a spinner until committed, then a countdown bar. */
async function waitWithCountdown(client: PlasmaClient, txHash: Hex, quiet: boolean): Promise<WithdrawalStatus> {
  const ac = new AbortController();
  const onSignal = () => ac.abort(new Error('interrupted'));
  process.once('SIGINT', onSignal);
  const sp = new Spinner(process.stderr, { quiet });
  let last: WithdrawalStatus | undefined;
  let deadline = 0;
  let windowLength = 0;
  const render = () => {
    if (!last) return;
    switch (last.state) {
      case 'pending':
        return sp.update('waiting for the withdrawal to be included in a block…');
      case 'included':
        return sp.update(`block #${last.blockNumber} holds the withdrawal; waiting for its commitment on the parent…`);
      case 'committed':
        return sp.update(`block #${last.blockNumber} committed; reading its challenge window…`);
      case 'challenge-window': {
        const left = Math.max(0, (deadline - Date.now()) / 1000);
        const total = Math.max(windowLength, left, 1);
        return sp.update(`challenge window ${bar(1 - left / total)} ${ce.bold(formatDuration(left))} left ${ce.dim(`(block #${last.blockNumber}, ends ${new Date(last.windowEnd! * 1000).toLocaleTimeString()} by the parent's clock)`)}`);
      }
      default:
        return undefined;
    }
  };
  sp.start('looking up the withdrawal…');
  const ticker = setInterval(render, 250);
  try {
    windowLength = (await client.chainInfo()).challengeWindow;
    const s = await client.waitForWindow(txHash, {
      signal: ac.signal,
      onRetry: (e, n) => sp.update(`${ce.yellow(e.code)}: ${e.message.split(' — ')[0]}; retrying (${n}/10)…`),
      onProgress: (st) => {
        last = st;
        if (st.secondsLeft !== null) deadline = Date.now() + st.secondsLeft * 1000;
        render();
      },
    });
    if (s.state === 'finalized') {
      sp.stop();
      throw new PlasmaError('ALREADY_WITHDRAWN', `withdrawal ${txHash} was already paid out on the parent`, { data: { txHash }, hint: 'nothing to do: check the balance with `plasma-tree balance`' });
    }
    sp.succeed(`challenge window of block #${s.blockNumber} is over`);
    return s;
  } catch (e) {
    sp.stop();
    if (e instanceof PlasmaError && e.code === 'ABORTED') {
      throw new PlasmaError('ABORTED', 'stopped waiting', { hint: `the withdrawal is safe; wait again any time with \`plasma-tree finalize ${txHash} --wait\`` });
    }
    throw e;
  } finally {
    clearInterval(ticker);
    process.off('SIGINT', onSignal);
  }
}
