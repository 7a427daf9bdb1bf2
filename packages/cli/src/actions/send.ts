import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { PlasmaError, ROOT_CHAIN_ID, type Address } from '@plasma-tree/core';
import { planRoute, readRouteState, readTokenInfo, type HopState, type Route, type RouteProgress, type RouteState, type TokenInfo, type TreeClient, type TreeNode } from '@plasma-tree/sdk';
import type { DevnetInfo } from '@plasma-tree/devnet';
import { makeTreeClient, parseAmount, resolveAddress, resolveToken, type AccountFlags, type ConnectionFlags } from '../context.js';
import { print, printJson } from '../common.js';
import { Spinner, bar, c, ce, compactDuration, formatAmount, formatDuration, shortHex, table } from '../ui.js';
import { chainArg, routeEstimates } from './route.js';
import { renderRoute } from '../tree-view.js';
import { addr } from '../fmt.js';

type Flags = ConnectionFlags & AccountFlags & {
  from?: string;
  to?: string;
  amount?: string;
  token?: string;
  recipient?: string;
  state?: string;
  resume?: string;
  json?: boolean;
};

const usage = (message: string, hint: string) => new PlasmaError('INVALID_ARGUMENTS', message, { hint });

/** Checks the flags before anything touches the network or a key. */
function checkFlags(flags: Flags): void {
  if (flags.resume !== undefined) {
    const extra = (['from', 'to', 'amount', 'recipient', 'state'] as const).filter((k) => flags[k] !== undefined);
    if (extra.length) {
      throw usage(`--resume takes the route from its state file; it cannot be combined with ${extra.map((k) => `--${k}`).join(', ')}`,
        'run `plasma-tree send --resume <file>` alone (with your --account), or start a new route without --resume');
    }
    readRouteState(resolve(flags.resume)); // ROUTE_STATE_NOT_FOUND / CORRUPT before asking for a key
    return;
  }
  const missing = (['from', 'to', 'amount'] as const).filter((k) => flags[k] === undefined);
  if (missing.length) {
    throw usage(`missing ${missing.map((k) => `--${k}`).join(', ')}`, 'pass --from <chain> --to <chain> --amount <n> (chains: names such as A1, 32-byte ids, or L1), or --resume <file>');
  }
  if (flags.from!.trim().toLowerCase() === flags.to!.trim().toLowerCase()) {
    throw usage('--from and --to are the same chain: there is nothing to move across', 'to pay someone on one chain, use `plasma-tree transfer`');
  }
  if (flags.state !== undefined && existsSync(resolve(flags.state))) {
    throw usage(`the state file ${flags.state} exists already`, `continue its route with \`plasma-tree send --resume ${flags.state}\`, or pass another --state`);
  }
}

function defaultStateFile(from: string, to: string): string {
  const stamp = new Date().toISOString().replace(/[-:]/g, '').replace(/\..*$/, '').replace('T', '-');
  const safe = (s: string) => (/^0x[0-9a-fA-F]{64}$/.test(s) ? s.slice(0, 10) : s.replace(/[^A-Za-z0-9_-]/g, '_'));
  return resolve('.plasma-tree', 'routes', `${safe(from)}-${safe(to)}-${stamp}.json`);
}

async function tokenInfoOf(b: { provider: import('ethers').Provider; devnet?: DevnetInfo }, token: Address): Promise<TokenInfo> {
  const d = b.devnet;
  if (d && d.token.address.toLowerCase() === token) return { address: token, symbol: d.token.symbol, decimals: d.token.decimals };
  return readTokenInfo(b.provider, token);
}

export async function send(flags: Flags): Promise<void> {
  checkFlags(flags);
  const b = await makeTreeClient(flags, { signer: true });
  const ac = new AbortController();
  // The first Ctrl-C stops the route after the step in progress (its state is saved); a second one exits now.
  const onSignal = () => {
    if (ac.signal.aborted) process.exit(130);
    process.stderr.write(`${ce.dim('SIGINT:')} stopping after the step in progress (Ctrl-C again to quit now)…\n`);
    ac.abort(new Error('interrupted'));
  };
  process.on('SIGINT', onSignal);
  try {
    const treeNow = await b.tree.readTree({ tokens: [] });
    let route: Route;
    let stateFile: string;
    let token: TokenInfo;
    let amount: bigint;
    let recipient: Address | undefined;
    let resumed: RouteState | undefined;
    if (flags.resume !== undefined) {
      stateFile = resolve(flags.resume);
      resumed = readRouteState(stateFile);
      token = await tokenInfoOf(b, resumed.token);
      amount = BigInt(resumed.amount);
      route = planRoute(treeNow, resumed.from, resumed.to, routeEstimates({}, b.devnet).estimates);
    } else {
      const from = chainArg(treeNow, flags.from!, '--from');
      const to = chainArg(treeNow, flags.to!, '--to');
      token = await tokenInfoOf(b, resolveToken(flags.token, b.devnet));
      amount = parseAmount(flags.amount, token.decimals, token.symbol);
      recipient = flags.recipient ? resolveAddress(flags.recipient, b.devnet, '--recipient') : undefined;
      route = planRoute(treeNow, from.chainId, to.chainId, routeEstimates({}, b.devnet).estimates);
      stateFile = resolve(flags.state ?? defaultStateFile(flags.from!, flags.to!));
    }
    const what = `${formatAmount(amount, token.decimals)} ${token.symbol}`;
    if (!flags.json) {
      print(renderRoute(route, treeNow));
      print();
      print(`  ${c.bold(resumed ? 'resuming' : 'moving')} ${what}${recipient ? ` to ${addr(recipient)}` : resumed && resumed.recipient !== resumed.account ? ` to ${addr(resumed.recipient)}` : ''}`);
      print(`  ${c.dim('state file')} ${stateFile}`);
      print(c.dim(`  interrupted? go on with: plasma-tree send --resume ${stateFile}${flags.account ? ` --account ${flags.account}` : ''}`));
      if (resumed) print(hopTable(resumed, b.tree, treeNow));
      print();
    }

    const progress = new ProgressView(b.tree, route, !!flags.json);
    let result;
    try {
      result = resumed
        ? await b.tree.resumeRoute(stateFile, { signal: ac.signal, onProgress: (p) => progress.on(p) })
        : await b.tree.executeRoute(route, { token: token.address, amount, recipient, stateFile, signal: ac.signal, onProgress: (p) => progress.on(p) });
    } catch (e) {
      progress.stop();
      if (e instanceof PlasmaError && e.code !== 'ABORTED' && existsSync(stateFile)) {
        process.stderr.write(`${ce.yellow('note')} the route's progress is kept in ${stateFile}: fix the cause, then \`plasma-tree send --resume ${stateFile}\`\n`);
      }
      throw e;
    }
    progress.stop();
    if (flags.json) return printJson({ stateFile, ...result.state, symbol: token.symbol, decimals: token.decimals });
    print();
    print(hopTable(result.state, b.tree, treeNow));
    print(`\n  ${c.green('done')}: ${what} arrived on ${b.tree.nameOf(result.state.to)}${result.state.recipient !== result.state.account ? ` for ${addr(result.state.recipient)}` : ''}`);
  } finally {
    process.off('SIGINT', onSignal);
    b.close();
  }
}

const arrow = (h: { kind: string }) => (h.kind === 'up' ? '↑' : '↓');

/** The hops with their recorded step and transactions. */
function hopTable(state: RouteState, tree: TreeClient, treeNow: TreeNode): string {
  const name = (id: string) => (id === ROOT_CHAIN_ID ? 'L1' : (findName(treeNow, id) ?? tree.nameOf(id)));
  const txs = (h: HopState) => [h.withdrawTxHash, h.depositTxHash, h.finalizeTxHash].filter(Boolean).map((x) => shortHex(x!)).join(' ');
  const rows = state.hops.map((h, i) => [
    String(i + 1),
    `${arrow(h)} ${name(h.from)} → ${name(h.to)}`,
    h.step === 'done' ? c.green('done') : h.step,
    h.depositNonce ? `deposit #${h.depositNonce}` : h.blockNumber !== undefined ? `block #${h.blockNumber}` : '',
    txs(h),
  ]);
  return table(rows, { head: ['#', 'hop', 'state', 'at', 'transactions'] });
}

function findName(tree: TreeNode, id: string): string | undefined {
  if (tree.chainId === id) return tree.name;
  for (const ch of tree.children) {
    const n = findName(ch, id);
    if (n) return n;
  }
  return undefined;
}

/** One line per step on stderr, and a spinner with the countdown while a hop waits. */
class ProgressView {
  private sp: Spinner | undefined;
  private deadline = 0;
  private windowTotal = 0;
  private last: RouteProgress | undefined;
  private lastStepAt = Date.now();
  private readonly ticker: NodeJS.Timeout;

  constructor(private readonly tree: TreeClient, private readonly route: Route, private readonly quiet: boolean) {
    this.ticker = setInterval(() => this.render(), 250);
    this.ticker.unref();
  }

  private label(p: RouteProgress): string {
    return `hop ${p.hopIndex + 1}/${p.hopCount} ${arrow(p.hop)} ${this.tree.nameOf(p.hop.from)} → ${this.tree.nameOf(p.hop.to)}`;
  }

  on(p: RouteProgress): void {
    if (p.type === 'step') {
      this.sp?.stop();
      this.sp = undefined;
      this.last = undefined;
      const took = ((Date.now() - this.lastStepAt) / 1000).toFixed(1);
      this.lastStepAt = Date.now();
      if (!this.quiet) process.stderr.write(`${ce.green('✓')} ${this.label(p)}: ${p.step === 'done' ? ce.bold(p.message) : p.message} ${ce.dim(`(+${took} s)`)}\n`);
      return;
    }
    if (p.withdrawalState === 'challenge-window' && p.secondsLeft != null) {
      if (this.last?.withdrawalState !== 'challenge-window' || this.last.hopIndex !== p.hopIndex) this.windowTotal = p.secondsLeft;
      this.deadline = Date.now() + p.secondsLeft * 1000;
    }
    this.last = p;
    this.render();
  }

  private render(): void {
    const p = this.last;
    if (!p) return;
    let text = `${this.label(p)}: ${p.message}`;
    if (p.withdrawalState === 'challenge-window') {
      const left = Math.max(0, (this.deadline - Date.now()) / 1000);
      const total = Math.max(this.windowTotal, left, 1);
      text = `${this.label(p)}: challenge window ${bar(1 - left / total)} ${ce.bold(formatDuration(left))} left ${ce.dim(`(by ${this.tree.nameOf(p.hop.to)}'s clock)`)}`;
    } else {
      const expected = this.route.hops[p.hopIndex]?.expectedSeconds;
      if (expected) text += ce.dim(` (the hop takes ~${compactDuration(expected)})`);
    }
    if (this.sp) this.sp.update(text);
    else this.sp = new Spinner(process.stderr, { quiet: this.quiet }).start(text);
  }

  stop(): void {
    clearInterval(this.ticker);
    this.sp?.stop();
    this.sp = undefined;
  }
}
