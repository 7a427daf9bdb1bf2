import { readFileSync } from 'node:fs';
import { relative, resolve } from 'node:path';
import { PlasmaError } from '@plasma-tree/core';
import { startDevnet, type ChainSpec, type Devnet } from '@plasma-tree/devnet';
import { DEFAULT_DEVNET_DIR, print, printJson } from '../common.js';
import { c, ce, formatAmount, humanDuration, table } from '../ui.js';
import { addr } from '../fmt.js';

interface Flags {
  dir: string;
  chains?: string;
  layout?: string;
  validators?: number;
  threshold?: number;
  challengeWindow: number;
  blockTime: number;
  l1BlockTime: number;
  l1Port: number;
  rpcPort: number;
  accounts: number;
  logLevel: 'debug' | 'info' | 'warn' | 'error';
  processes?: boolean;
  edgeModule?: string;
  json?: boolean;
}

/** The default devnet: a tree of three levels, root → A, B; A → A1, A2 (docs/TREE.md). */
export const DEFAULT_CHAINS = 'A,B,A/A1,A/A2';

/** `A,B,A/A1` → chains A and B under the root, A1 under A. */
export function parseChains(spec: string): ChainSpec[] {
  return spec
    .split(',')
    .map((item) => item.trim())
    .filter(Boolean)
    .map((item) => {
      const parts = item.split('/');
      const name = parts.at(-1)!.trim();
      const parent = parts.length > 1 ? parts.at(-2)!.trim() : undefined;
      return parent ? { name, parent } : { name };
    });
}

function readLayout(file: string): ChainSpec[] {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new PlasmaError('BAD_LAYOUT', `cannot read the chain layout ${file}: ${(e as Error).message}`, { hint: 'pass a JSON file like [{"name":"A"},{"name":"B","validators":3,"threshold":2}]' });
  }
  const chains = Array.isArray(raw) ? raw : (raw as { chains?: unknown })?.chains;
  if (!Array.isArray(chains)) throw new PlasmaError('BAD_LAYOUT', `${file} holds no list of chains`, { hint: 'the file is a JSON array of {name, parent?, validators?, threshold?, challengeWindow?}' });
  return chains.map((ch) => ({ ...ch, bond: ch.bond !== undefined ? BigInt(ch.bond) : undefined }));
}

export async function devnet(flags: Flags): Promise<void> {
  const chains: ChainSpec[] = flags.layout
    ? readLayout(flags.layout)
    : parseChains(flags.chains ?? DEFAULT_CHAINS);
  const t0 = Date.now();
  // Ctrl-C or a kill while starting: exit, and the exit hooks kill what already runs (the L1, node processes).
  const early = () => process.exit(130);
  process.once('SIGINT', early);
  process.once('SIGTERM', early);
  let devnet: Devnet;
  try {
    devnet = await startDevnet({
      dataDir: resolve(flags.dir),
      chains,
      validators: flags.validators,
      threshold: flags.threshold,
      challengeWindow: flags.challengeWindow,
      blockTimeMs: flags.blockTime,
      l1BlockTimeMs: flags.l1BlockTime,
      l1Port: flags.l1Port,
      rpcPort: flags.rpcPort,
      fundAccounts: flags.accounts,
      logLevel: flags.logLevel,
      ...(flags.processes ? { processes: true } : {}),
      ...(flags.edgeModule !== undefined ? { edgeModule: resolve(flags.edgeModule) } : {}),
      onProgress: (p) => {
        if (!flags.json) process.stderr.write(`${ce.dim(`[${(p.elapsedMs / 1000).toFixed(1).padStart(5)} s]`)} ${p.message}\n`);
      },
    });
  } catch (e) {
    if (e instanceof PlasmaError) throw e;
    throw new PlasmaError('DEVNET_FAILED', `the devnet did not start: ${(e as Error).message}`, {
      hint: /artifact/i.test((e as Error).message) ? 'compile the contracts first: `npm run build:contracts`' : 'see the error above; node logs are in <dir>/chains/<name>/node.log',
      cause: e,
    });
  } finally {
    process.off('SIGINT', early);
    process.off('SIGTERM', early);
  }

  if (flags.json) printJson(stripClose(devnet));
  else printDevnet(devnet, Date.now() - t0);

  await new Promise<void>((resolvePromise) => {
    let stopping = false;
    const stop = (signal: string) => {
      if (stopping) {
        process.stderr.write(`${ce.red('forced exit')}\n`);
        process.exit(130);
      }
      stopping = true;
      if (!flags.json) process.stderr.write(`\n${ce.dim(`${signal}:`)} stopping the devnet…\n`);
      devnet.close().then(
        () => {
          if (!flags.json) process.stderr.write(`${ce.green('✓')} devnet stopped\n`);
          resolvePromise();
        },
        (err) => {
          process.stderr.write(`${ce.red('error')} ${(err as Error).message}\n`);
          process.exitCode = 1;
          resolvePromise();
        },
      );
    };
    process.on('SIGINT', () => stop('SIGINT'));
    process.on('SIGTERM', () => stop('SIGTERM'));
  });
}

function stripClose(d: Devnet) {
  const { close: _c, stopNode: _s, restartNode: _r, stopValidator: _sv, restartValidator: _rv, ...rest } = d;
  return rest;
}

function printDevnet(d: Devnet, ms: number): void {
  const rel = (p: string) => {
    const r = relative(process.cwd(), p);
    return r && !r.startsWith('..') ? r : p;
  };
  print();
  print(`${c.green('●')} ${c.bold('Plasma Tree devnet is up')} ${c.dim(`(${(ms / 1000).toFixed(1)} s)`)}`);
  print();
  print(table([
    ['L1 (Hardhat)', d.l1.url, c.dim(`chain id ${d.l1.chainId}${d.l1.blockTimeMs ? `, a block every ${d.l1.blockTimeMs / 1000} s` : ''}`)],
    ...d.chains.flatMap((ch) => ch.nodes?.length
      ? ch.nodes.map((n) => [`chain ${ch.name} validator ${n.index}`, n.rpcUrl, c.dim(`JSON-RPC (pt_*), pid ${n.pid ?? '-'}, peer …${n.peerId.slice(-8)}`)])
      : [[`chain ${ch.name} node`, ch.nodeUrl, c.dim('JSON-RPC (pt_*)')]]),
  ], { title: '  Endpoints' }));
  print();
  print(table([
    ['PlasmaRoot', addr(d.rootContract)],
    [`${d.token.symbol} (ERC-20)`, addr(d.token.address)],
  ], { title: '  Contracts' }));
  print();
  print(table(
    d.chains.map((ch) => [ch.name, ch.chainId, ch.parent, `${ch.threshold}-of-${ch.validators.length}`, humanDuration(ch.challengeWindow)]),
    { title: '  Chains', head: ['name', 'chain id', 'parent', 'validators', 'window'] },
  ));
  print();
  const tokens = formatAmount(BigInt(d.token.perAccount), d.token.decimals);
  print(table(
    d.accounts.map((a) => [a.name, addr(a.address), a.privateKey]),
    { title: `  Dev accounts  ${c.dim(`(10,000 ETH and ${tokens} ${d.token.symbol} each; well-known Hardhat keys: never use them on a real network)`)}`, head: ['name', 'address', 'private key'] },
  ));
  print();
  print(`  ${c.bold('Try it')} ${c.dim('(in another terminal, in this directory)')}`);
  const dir = rel(d.dataDir);
  const dirFlag = dir === DEFAULT_DEVNET_DIR ? '' : ` --devnet-dir ${dir}`;
  print(`    ${c.cyan(`plasma-tree deposit --account dev0 --amount 1${dirFlag}`)}`);
  print(`    ${c.cyan(`plasma-tree transfer --account dev0 --to dev1 --amount 0.25${dirFlag}`)}`);
  print(`    ${c.cyan(`plasma-tree withdraw --account dev0 --amount 0.5${dirFlag}`)}`);
  print(`    ${c.cyan(`plasma-tree balance --account dev0${dirFlag}`)}      ${c.cyan(`plasma-tree status${dirFlag}`)}`);
  print();
  const logs = d.chains[0]?.nodes?.length ? `${rel(d.chains[0].dataDir)}/validator<i>/node.log` : `${rel(d.chains[0]?.dataDir ?? d.dataDir)}/node.log`;
  print(c.dim(`  wrote ${rel(d.configFile ?? '')}; node logs in ${logs}`));
  print(`  ${c.bold('Ctrl-C')} to stop`);
}
