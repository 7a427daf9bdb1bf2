import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { Command } from 'commander';
import { ENV_PRIVATE_KEY, collect, examples, intArg, print, printJson } from '../common.js';
import { c, ce, compactDuration, table } from '../ui.js';

interface Flags {
  rpc?: string;
  root?: string;
  chain?: string[];
  devnet?: string;
  key?: string;
  dataDir: string;
  port: number;
  freezeStalled?: boolean;
  confirmations?: number;
  logLevel: 'debug' | 'info' | 'warn' | 'error';
  json?: boolean;
}

export function registerWatchCommand(program: Command): void {
  const cmd = program
    .command('watch')
    .description('watch chains at any level: re-execute every committed block and prove invalid ones to PlasmaRoot (children of the root) or to the parent chain (PROVE_CHILD_FRAUD); runs until Ctrl-C')
    .option('--rpc <url>', 'L1 JSON-RPC URL (default: the devnet\'s)')
    .option('--root <address>', 'PlasmaRoot address (default: the devnet\'s)')
    .option('--chain <id|name>[=url,url]', 'a chain to watch, with its node URLs (tried in order); repeatable. A chain below a chain needs its parent watched too. A devnet chain name takes the devnet\'s node URL', collect)
    .option('--devnet <file>', 'take the L1, the root and the chains (every chain, all levels) from a devnet.json', undefined)
    .option('--key <keyfile|account>', `the objector's key: a file holding the hex key, or a devnet account (dev0…); default: env ${ENV_PRIVATE_KEY}. Raw keys on the command line are refused`)
    .option('--data-dir <dir>', 'where the watcher keeps its progress', '.watcher')
    .option('--port <port>', 'status server port (GET /status, /metrics, /healthz; 0: any free port)', intArg('--port', 0, 65_535), 8550)
    .option('--freeze-stalled', 'call freezeStalled on a chain past its stall limit')
    .option('--confirmations <n>', 'L1 blocks an event must be buried under before the watcher acts on it (default 1)', intArg('--confirmations', 0, 1000))
    .option('--log-level <level>', 'debug | info | warn | error (logs go to stderr as JSON)', 'warn')
    .option('--json', 'print the status document as JSON lines instead of the live table');
  examples(cmd, [
    'plasma-tree watch --devnet .devnet/devnet.json --key dev4 --port 0',
    `${ENV_PRIVATE_KEY}=0x… plasma-tree watch --rpc http://127.0.0.1:8545 --root 0x<root> --chain 0x<id>=http://127.0.0.1:8645,http://10.0.0.2:8645 --freeze-stalled`,
  ]);
  cmd.action((flags: Flags) => watch(flags));
}

async function watch(flags: Flags): Promise<void> {
  // Loaded here: --help and usage errors never load ethers or the protocol code.
  const [{ PlasmaError }, { Watcher, createLogger }] = await Promise.all([import('@plasma-tree/core'), import('@plasma-tree/watcher')]);
  const { readDevnetInfo } = await import('@plasma-tree/devnet');
  const { keyOnCommandLineError, looksLikePrivateKey, parsePrivateKey } = await import('../keys.js');

  const devnet = flags.devnet === undefined ? undefined : readDevnetInfo(existsSync(flags.devnet) && statSync(flags.devnet).isDirectory() ? flags.devnet : dirname(flags.devnet));
  if (flags.devnet !== undefined && !devnet) throw new PlasmaError('MISSING_CONFIG', `no devnet.json at ${flags.devnet}`, { hint: 'start a devnet (`plasma-tree devnet`) or pass --rpc, --root and --chain' });
  const rpc = flags.rpc ?? devnet?.l1.url;
  const root = flags.root ?? devnet?.rootContract;
  if (!rpc) throw new PlasmaError('MISSING_CONFIG', 'no L1 URL given', { hint: 'pass --rpc <url>, or --devnet <devnet.json>' });
  if (!root) throw new PlasmaError('MISSING_CONFIG', 'no root contract given', { hint: 'pass --root <address>, or --devnet <devnet.json>' });

  const chains = (flags.chain ?? []).map((spec) => {
    const [nameOrId, urls] = spec.split('=', 2);
    const known = devnet?.chains.find((ch) => ch.name === nameOrId || ch.chainId === nameOrId.toLowerCase());
    const chainId = known?.chainId ?? nameOrId.toLowerCase();
    if (!/^0x[0-9a-f]{64}$/.test(chainId)) throw new PlasmaError('BAD_CONFIG', `unknown chain ${JSON.stringify(nameOrId)}`, { hint: 'pass a 32-byte chain id, or a chain name of the devnet given with --devnet' });
    const nodes = urls ? urls.split(',').map((u) => u.trim()).filter(Boolean) : known ? nodeUrlsOf(known) : [];
    if (nodes.length === 0) throw new PlasmaError('BAD_CONFIG', `no node URL for chain ${nameOrId}`, { hint: `pass --chain ${nameOrId}=http://host:port[,http://host2:port]` });
    return { chainId: chainId as `0x${string}`, name: known?.name ?? chainId.slice(0, 10), nodes };
  });
  if (chains.length === 0 && devnet) {
    for (const ch of devnet.chains) chains.push({ chainId: ch.chainId, name: ch.name, nodes: nodeUrlsOf(ch) });
  }
  if (chains.length === 0) throw new PlasmaError('BAD_CONFIG', 'no chain to watch', { hint: 'pass --chain <id>=<node url> (repeatable), or --devnet <devnet.json>' });

  let key: `0x${string}` | undefined;
  if (flags.key !== undefined) {
    if (looksLikePrivateKey(flags.key)) throw keyOnCommandLineError();
    const account = devnet?.accounts.find((a) => a.name === flags.key);
    if (account) key = account.privateKey;
    else if (existsSync(flags.key)) key = parsePrivateKey(readFileSync(flags.key, 'utf8'), `key file ${flags.key}`).privateKey as `0x${string}`;
    else throw new PlasmaError('BAD_CONFIG', `--key ${flags.key} is neither a key file nor a devnet account`, { hint: `pass a file holding the hex key, or set ${ENV_PRIVATE_KEY}` });
  } else if (process.env[ENV_PRIVATE_KEY]) {
    key = parsePrivateKey(process.env[ENV_PRIVATE_KEY]!, ENV_PRIVATE_KEY).privateKey as `0x${string}`;
  }
  if (!key) process.stderr.write(`${ce.yellow('warning')}: no key: the watcher reports findings but cannot object (pass --key or set ${ENV_PRIVATE_KEY})\n`);

  const watcher = await Watcher.init({
    l1RpcUrl: rpc,
    rootContract: root as `0x${string}`,
    chains,
    key,
    dataDir: resolve(flags.dataDir),
    confirmations: flags.confirmations,
    freezeStalled: flags.freezeStalled,
    status: { host: '127.0.0.1', port: flags.port },
    logger: createLogger({ level: flags.logLevel }),
  });
  if (!flags.json) process.stderr.write(`${ce.green('●')} watching ${chains.length} chain(s) as ${watcher.address ?? '(no key)'}; status at ${watcher.statusUrl}/status, metrics at ${watcher.statusUrl}/metrics\n`);

  const tty = !!process.stdout.isTTY && !flags.json;
  let last = '';
  const render = () => {
    const s = watcher.status();
    if (flags.json) {
      const line = JSON.stringify(s);
      if (line !== last) printJson(s);
      last = line;
      return;
    }
    const rows = s.chains.map((ch) => {
      const open = ch.findings.filter((f) => !f.resolved);
      const findings = ch.findings.length === 0
        ? c.green('none')
        : ch.findings.map((f) => {
            const o = f.objection ? ` ${f.objection.status}${f.objection.reactionL1Blocks !== undefined ? ` (+${f.objection.reactionL1Blocks} L1 blocks)` : ''}` : f.provable ? '' : ' (report only)';
            const clock = !f.resolved && f.kind !== 'stalled_chain' ? ` ${f.urgent ? c.red(compactDuration(f.timeLeft)) : compactDuration(f.timeLeft)} left` : '';
            return `${(open.includes(f) ? c.red : c.dim)(`${f.kind}@${f.height}`)}${o}${clock}`;
          }).join('; ');
      return [ch.name, ch.status === 'live' ? ch.status : c.yellow(ch.status), `${ch.headVerified}/${ch.headCommitted}`, String(ch.lag), findings];
    });
    const out = table(rows, { head: ['chain', 'status', 'verified/committed', 'lag', 'findings'], alignRight: [3] });
    const header = `${c.bold('plasma-tree watch')} ${c.dim(`L1 ${s.l1.head} (synced ${s.l1.synced}, ${s.l1.confirmations} conf.)  ${new Date().toISOString().slice(11, 19)}`)}`;
    if (tty) process.stdout.write(`\x1b[H\x1b[2J${header}\n${out}\n${c.dim('Ctrl-C to stop')}\n`);
    else if (out !== last) print(`${header}\n${out}`);
    last = out;
  };
  const timer = setInterval(render, 1000);
  render();
  await new Promise<void>((resolvePromise) => {
    const stop = () => {
      clearInterval(timer);
      watcher.close().then(() => resolvePromise(), () => resolvePromise());
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
}

/** Every node of a devnet chain (each validator process with `--processes`), so the watcher survives one going down. */
function nodeUrlsOf(chain: { nodeUrl: string; nodes?: { rpcUrl: string }[] }): string[] {
  return chain.nodes?.length ? chain.nodes.map((n) => n.rpcUrl) : [chain.nodeUrl];
}
