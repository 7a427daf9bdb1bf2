import { existsSync, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { PlasmaError, type Hex } from '@plasma-tree/core';
import { PlasmaNode, createLogger, parseFaultSpec, type LogLevel, type NodeOptions } from '@plasma-tree/node';
import { findDevnetChain, loadDevnet, resolveWallet } from '../context.js';
import { ENV_VALIDATOR_KEYS, print } from '../common.js';
import { keyOnCommandLineError, parsePrivateKey } from '../keys.js';
import { c, ce, kv } from '../ui.js';
import { addr } from '../fmt.js';

interface Flags {
  config?: string;
  devnetDir?: string;
  l1?: string;
  root?: string;
  chain?: string;
  dataDir?: string;
  rpcHost?: string;
  rpcPort?: number;
  blockTime?: number;
  l1Confirmations?: number;
  logLevel?: LogLevel;
  logFormat?: 'pretty' | 'json';
  validator?: string[];
  keystore?: string;
  privateKey?: string;
  parentNode?: string;
  parentFinality?: string;
  edgeModule?: string;
  injectFault?: string;
  p2pListen?: string[];
  bootstrap?: string[];
  roundTimeout?: number;
}

/** The subset of NodeOptions a config file may hold (no keys: those come from the environment or a keystore). */
type NodeConfigFile = Partial<Omit<NodeOptions, 'validatorKeys' | 'logger'>> & { validatorKeys?: never };

function readConfig(file: string): NodeConfigFile {
  let cfg: NodeConfigFile & Record<string, unknown>;
  try {
    cfg = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new PlasmaError('BAD_CONFIG', `cannot read the node config ${file}: ${(e as Error).message}`, { hint: 'pass a JSON file: {"dataDir", "l1RpcUrl", "rootContract", "chainId", "rpc": {"port"}, "blockTimeMs", …}' });
  }
  if ('validatorKeys' in cfg || 'privateKey' in cfg) {
    throw new PlasmaError('BAD_CONFIG', `${file} holds keys`, { hint: `keep keys out of config files: use ${ENV_VALIDATOR_KEYS} or --validator <keystore name>` });
  }
  return cfg;
}

/** Logs for people on a terminal: `12:00:01 info  producer  block sealed number=3 txs=2`. */
function prettyWriter(): (line: string) => void {
  const colors: Record<string, (s: string) => string> = { debug: ce.dim, info: ce.cyan, warn: ce.yellow, error: ce.red };
  return (line) => {
    try {
      const { time, level, module, msg, ...rest } = JSON.parse(line);
      const extras = Object.entries(rest).map(([k, v]) => `${ce.dim(`${k}=`)}${typeof v === 'string' ? v : JSON.stringify(v)}`).join(' ');
      const t = typeof time === 'string' ? time.slice(11, 19) : '';
      process.stderr.write(`${ce.dim(t)} ${(colors[level] ?? ((s: string) => s))(String(level).padEnd(5))} ${ce.dim(String(module ?? '').padEnd(10))} ${msg}${extras ? ` ${extras}` : ''}\n`);
    } catch {
      process.stderr.write(line);
    }
  };
}

function parentFinality(v: string | undefined): 'final' | 'committed' {
  if (v === undefined || v === 'final' || v === 'committed') return v ?? 'final';
  throw new PlasmaError('BAD_CONFIG', `--parent-finality must be final or committed, got ${JSON.stringify(v)}`, { hint: 'use final (safe: after the parent\'s challenge window) or committed (faster)' });
}

export async function nodeStart(flags: Flags): Promise<void> {
  if (flags.parentFinality !== undefined && flags.parentNode === undefined) {
    throw new PlasmaError('BAD_CONFIG', '--parent-finality needs --parent-node', { hint: 'pass --parent-node <url of the parent chain\'s node>, or leave --parent-finality out' });
  }
  parentFinality(flags.parentFinality);
  const cfg = flags.config ? readConfig(flags.config) : {};
  const devnet = loadDevnet(flags);
  const chainArg = flags.chain ?? process.env.PLASMA_TREE_CHAIN ?? cfg.chainId;
  const devChain = findDevnetChain(devnet, chainArg);
  const chainId = devChain?.chainId ?? chainArg;
  if (!chainId || !/^0x[0-9a-fA-F]{64}$/.test(chainId)) {
    throw new PlasmaError('MISSING_CONFIG', chainId ? `unknown chain ${JSON.stringify(chainId)}` : 'no chain given', { hint: 'pass --chain <32-byte id> (or a devnet chain name), or chainId in --config' });
  }
  const l1RpcUrl = flags.l1 ?? process.env.PLASMA_TREE_L1_URL ?? cfg.l1RpcUrl ?? devnet?.l1.url;
  const rootContract = flags.root ?? process.env.PLASMA_TREE_ROOT ?? cfg.rootContract ?? devnet?.rootContract;
  if (!l1RpcUrl) throw new PlasmaError('MISSING_CONFIG', 'no L1 URL given', { hint: 'pass --l1 <url>, l1RpcUrl in --config, or run next to a devnet' });
  if (!rootContract) throw new PlasmaError('MISSING_CONFIG', 'no root contract given', { hint: 'pass --root <address>, rootContract in --config, or run next to a devnet' });

  // Keys: keystore (--validator) and/or the environment. Never flags.
  if (flags.privateKey !== undefined) throw keyOnCommandLineError();
  const validatorKeys: Hex[] = [];
  for (const name of flags.validator ?? []) {
    validatorKeys.push((await resolveWallet({ account: name, keystore: flags.keystore }, devnet && { ...devnet, accounts: [...devnet.accounts, ...devnet.chains.flatMap((ch) => ch.validators)] })).privateKey as Hex);
  }
  const env = process.env[ENV_VALIDATOR_KEYS];
  if (env) env.split(',').map((k) => k.trim()).filter(Boolean).forEach((k, i) => validatorKeys.push(parsePrivateKey(k, `${ENV_VALIDATOR_KEYS} entry ${i + 1}`).privateKey as Hex));

  const dataDir = resolve(flags.dataDir ?? cfg.dataDir ?? `.data/${chainId.slice(2, 10)}`);
  const logFormat = flags.logFormat ?? (process.stderr.isTTY ? 'pretty' : 'json');
  const level = flags.logLevel ?? cfg.logLevel ?? 'info';
  const logger = createLogger({ level, write: logFormat === 'pretty' ? prettyWriter() : undefined });
  const fresh = !existsSync(dataDir);
  // The flag's path is relative to the current directory, a config file's to the file (it travels with it).
  const edgeModule = flags.edgeModule !== undefined
    ? resolve(flags.edgeModule)
    : typeof cfg.edgeModule === 'string' && flags.config && !cfg.edgeModule.startsWith('file:') ? resolve(dirname(resolve(flags.config)), cfg.edgeModule) : cfg.edgeModule;
  const n = await PlasmaNode.init({
    ...cfg,
    dataDir,
    l1RpcUrl,
    rootContract: rootContract as Hex,
    chainId: chainId.toLowerCase() as Hex,
    validatorKeys,
    rpc: { host: flags.rpcHost ?? cfg.rpc?.host, port: flags.rpcPort ?? cfg.rpc?.port },
    blockTimeMs: flags.blockTime ?? cfg.blockTimeMs,
    l1Confirmations: flags.l1Confirmations ?? cfg.l1Confirmations,
    ...(flags.parentNode !== undefined ? { parent: { kind: 'child' as const, nodeUrl: flags.parentNode, finality: parentFinality(flags.parentFinality) } } : {}),
    ...(edgeModule !== undefined ? { edgeModule } : {}),
    ...(flags.injectFault !== undefined ? { faults: parseFaultSpec(flags.injectFault) } : {}),
    ...(flags.p2pListen !== undefined || flags.bootstrap !== undefined
      ? { p2p: { ...cfg.p2p, ...(flags.p2pListen ? { listen: flags.p2pListen } : {}), ...(flags.bootstrap ? { bootstrap: flags.bootstrap } : {}) } }
      : {}),
    ...(flags.roundTimeout !== undefined ? { roundTimeoutMs: flags.roundTimeout } : {}),
    logger,
  });
  const p = n.chain;
  print(`${c.green('●')} ${c.bold(`${validatorKeys.length ? 'validator' : 'full'} node of chain ${devChain?.name ?? ''} ${p.chainId}`.replace(/\s+/g, ' '))}`);
  print(kv([
    ['JSON-RPC', c.bold(n.rpcUrl)],
    ['L1', l1RpcUrl],
    ['root contract', addr(p.rootContract)],
    ['validators', `${p.threshold}-of-${p.validators.length}; this node signs for ${validatorKeys.length}`],
    ['data dir', `${dataDir}${fresh ? c.dim(' (new)') : ''}`],
    ['head', `#${n.head.number}`],
    ...(n.p2p ? [['p2p', `${n.p2p.mode} · ${n.p2p.addresses.join(' ')}`] as [string, string]] : []),
  ]));
  print(c.dim('  Ctrl-C to stop'));

  await new Promise<void>((resolvePromise) => {
    let stopping = false;
    const stop = (signal: string) => {
      if (stopping) process.exit(130);
      stopping = true;
      process.stderr.write(`${ce.dim(`${signal}:`)} stopping the node…\n`);
      void n.close();
    };
    process.on('SIGINT', () => stop('SIGINT'));
    process.on('SIGTERM', () => stop('SIGTERM'));
    void n.closed.then(() => resolvePromise());
  });
  if (n.failure) {
    const f = n.failure;
    if (f instanceof PlasmaError) throw f;
    throw new PlasmaError('NODE_FAILED', `the node stopped after an error: ${(f as Error)?.message ?? f}`, { hint: 'see the log above; restart it: it resumes from the last complete block', cause: f });
  }
  process.stderr.write(`${ce.green('✓')} node stopped\n`);
}
