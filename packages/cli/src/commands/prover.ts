import { readFile, writeFile } from 'node:fs/promises';
import { InvalidArgumentError, type Command } from 'commander';
import { collect, examples, intArg, jsonOption, print, printJson } from '../common.js';
import { Spinner, bar, c, ce, kv, table } from '../ui.js';

// The prover package is loaded inside the actions only: `--help` never loads snarkjs or WebGPU.
const loadProver = () => import('@plasma-tree/prover');
type ProverModule = Awaited<ReturnType<typeof loadProver>>;

const ENV_URL = 'PLASMA_TREE_PROVER_URL';
const DEFAULT_URL = 'http://127.0.0.1:8547';
const BACKENDS = ['auto', 'webgpu', 'cpu', 'snarkjs'] as const;
type Backend = (typeof BACKENDS)[number];

function backendArg(v: string): Backend {
  if (!(BACKENDS as readonly string[]).includes(v)) throw new InvalidArgumentError(`--backend must be one of ${BACKENDS.join(', ')}`);
  return v as Backend;
}

const seconds = (ms: number | undefined) => (ms === undefined ? '–' : `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`);
const shortId = (id: string) => id.slice(0, 8);

// ---------------------------------------------------------------------------------------------- start

interface StartFlags {
  port?: number;
  host?: string;
  circuit?: string[];
  config?: string;
  backend?: Backend;
  maxQueue?: number;
  maxPerClient?: number;
  concurrency?: number;
  maxBodyMb?: number;
  jobTimeout?: number;
  drain?: boolean;
  quiet?: boolean;
}

async function proverStart(flags: StartFlags): Promise<void> {
  const p: ProverModule = await loadProver();
  const cfg = flags.config ? await p.readServiceConfig(flags.config) : {};
  const circuits = [...(cfg.circuits ?? []), ...(flags.circuit ?? []).map((s) => p.parseCircuitSpec(s))];
  if (!circuits.length) {
    throw new p.ProverError('INVALID_INPUT', 'no circuits to prove', { hint: 'pass --circuit name=path/to/circuit.zkey:path/to/circuit.wasm (repeatable) or --config file.json' });
  }
  if (cfg.backend !== undefined && !(BACKENDS as readonly string[]).includes(cfg.backend)) {
    throw new p.ProverError('INVALID_INPUT', `${flags.config}: "backend" must be one of ${BACKENDS.join(', ')}`, { hint: 'or leave it out (auto)' });
  }
  const backend = flags.backend ?? (cfg.backend as Backend | undefined) ?? 'auto';
  const log = (s: string) => {
    if (!flags.quiet) process.stderr.write(`${ce.dim(new Date().toISOString().slice(11, 19))} ${s}\n`);
  };
  const t0 = Date.now();
  const server = await p.startProverServer({
    circuits,
    backend,
    host: flags.host ?? cfg.host,
    port: flags.port ?? cfg.port,
    concurrency: flags.concurrency ?? cfg.concurrency,
    maxQueue: flags.maxQueue ?? cfg.maxQueue,
    maxQueuedPerClient: flags.maxPerClient ?? cfg.maxQueuedPerClient,
    maxBodyBytes: flags.maxBodyMb !== undefined ? flags.maxBodyMb * 1024 * 1024 : cfg.maxBodyBytes,
    ...(flags.jobTimeout ? { jobTimeoutMs: flags.jobTimeout * 1000 } : {}),
    onEvent: (e) => {
      const j = e.job;
      const head = `job ${ce.bold(shortId(j.id))} ${j.circuit} ${ce.dim(`client=${j.client}`)}`;
      if (e.type === 'submitted') log(`${head} queued${j.position ? ` (${j.position} ahead)` : ''}`);
      else if (e.type === 'started') log(`${head} started ${ce.dim(`after ${seconds(j.timings.queuedMs)} in the queue`)}`);
      else if (j.state === 'done') log(`${head} ${ce.green('done')} in ${seconds((j.timings.witnessMs ?? 0) + (j.timings.proveMs ?? 0))}`);
      else if (j.state === 'failed') log(`${head} ${ce.red('failed')} ${j.error?.code}: ${j.error?.message}`);
      else log(`${head} ${ce.yellow('cancelled')}${j.error ? `: ${j.error.message}` : ''}`);
    },
  });
  const s = server.service;
  const h = s.health();
  print(`${c.green('●')} ${c.bold('prover service')} listening on ${c.bold(server.url)}`);
  print(kv([
    ['backend', `${h.backend} ${c.dim(`— ${h.description}`)}`],
    ['queue', `${h.maxQueue} jobs, ${h.maxQueuedPerClient} per client, ${h.concurrency} at a time`],
    ['started in', `${((Date.now() - t0) / 1000).toFixed(1)} s`],
  ]));
  print(table(s.circuits().map((ci) => [ci.name, String(ci.nPublic), String(ci.nVars), String(ci.domainSize), ci.acceptsInput ? 'input or wtns' : 'wtns only']), {
    head: ['circuit', 'public', 'wires', 'domain', 'jobs send'],
    alignRight: [1, 2, 3],
  }));
  if (!['127.0.0.1', 'localhost', '::1'].includes(server.host)) {
    process.stderr.write(`${ce.yellow('warning')}: listening on ${server.host} without authentication; put it behind a proxy that checks credentials\n`);
  }
  print(c.dim(`  jobs stay in memory: a restart loses them (clients resubmit). Ctrl-C to stop${flags.drain ? ' (after the queued jobs)' : ''}`));

  await new Promise<void>((resolve) => {
    let stopping = false;
    const stop = (signal: string) => {
      if (stopping) process.exit(130);
      stopping = true;
      const now = s.health();
      process.stderr.write(`${ce.dim(`${signal}:`)} stopping the prover service${flags.drain ? `, finishing ${now.running + now.queued} job(s) first` : now.running + now.queued ? `, cancelling ${now.running + now.queued} job(s)` : ''}… ${ce.dim('(again to force)')}\n`);
      void server.close({ drain: !!flags.drain }).then(resolve, resolve);
    };
    process.on('SIGINT', () => stop('SIGINT'));
    process.on('SIGTERM', () => stop('SIGTERM'));
  });
  process.stderr.write(`${ce.green('✓')} prover service stopped\n`);
}

// ---------------------------------------------------------------------------------------------- prove

interface ProveFlags {
  url?: string;
  circuit: string;
  input?: string;
  wtns?: string;
  out?: string;
  public?: string;
  client?: string;
  priority?: number;
  json?: boolean;
}

async function readJsonFile(p: ProverModule, file: string, what: string): Promise<Record<string, unknown>> {
  let v: unknown;
  try {
    v = JSON.parse(await readFile(file, 'utf8'));
  } catch (e) {
    throw new p.ProverError('INVALID_INPUT', `cannot read the ${what} ${file}: ${(e as Error).message}`, { hint: 'pass a JSON object of the circuit\'s input signals, e.g. {"a": "3", "b": ["1", "2"]}' });
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new p.ProverError('INVALID_INPUT', `${file} is not a JSON object`, { hint: 'the input is {"signal": value, …}' });
  return v as Record<string, unknown>;
}

async function proverProve(flags: ProveFlags): Promise<void> {
  const p: ProverModule = await loadProver();
  if (!flags.input === !flags.wtns) throw new p.ProverError('INVALID_INPUT', 'pass exactly one of --input and --wtns', { hint: '--input input.json (the service computes the witness) or --wtns witness.wtns' });
  const witness = flags.input
    ? { input: await readJsonFile(p, flags.input, 'input') }
    : { wtns: new Uint8Array(await readFile(flags.wtns!).catch((e: Error) => {
      throw new p.ProverError('INVALID_WITNESS', `cannot read ${flags.wtns}: ${e.message}`, { hint: 'pass a .wtns made by snarkjs or generate_witness.js' });
    })) };
  const client = new p.ProverClient({ url: flags.url, ...(flags.client ? { client: flags.client } : {}) });
  const spinner = new Spinner(process.stderr, { quiet: !!flags.json }).start(`submitting to ${client.url}`);
  const ctrl = new AbortController();
  let interrupted = false;
  const onSigint = () => {
    if (interrupted) process.exit(130);
    interrupted = true;
    ctrl.abort();
  };
  process.on('SIGINT', onSigint);
  let res;
  try {
    res = await client.proveWitness(flags.circuit, witness, {
      signal: ctrl.signal,
      ...(flags.priority !== undefined ? { priority: flags.priority } : {}),
      onUpdate: (j) => {
        if (j.state === 'queued') spinner.update(`job ${shortId(j.id)} queued: ${j.position ?? 0} ahead`, 'queued');
      },
      onProgress: (pr, j) => spinner.update(`job ${shortId(j.id)} ${bar(pr.fraction)} ${String(Math.round(pr.fraction * 100)).padStart(3)}% ${pr.stage}`, 'running'),
    });
  } catch (e) {
    spinner.fail(interrupted ? 'interrupted: the job was cancelled' : 'no proof');
    throw e;
  } finally {
    process.off('SIGINT', onSigint);
  }
  const t = res.job.timings;
  spinner.succeed(`proof for ${flags.circuit} ${c.dim(`(job ${shortId(res.job.id)}: ${seconds(t.queuedMs)} queued, ${seconds((t.witnessMs ?? 0) + (t.proveMs ?? 0))} proving)`)}`);
  if (flags.out) await writeFile(flags.out, `${JSON.stringify(res.proof, null, 2)}\n`);
  if (flags.public) await writeFile(flags.public, `${JSON.stringify(res.publicSignals, null, 2)}\n`);
  if (flags.json) printJson({ id: res.job.id, proof: res.proof, publicSignals: res.publicSignals, timings: t });
  else if (!flags.out) printJson({ proof: res.proof, publicSignals: res.publicSignals });
  else print(kv([['proof', flags.out], ...(flags.public ? [['public', flags.public] as [string, string]] : [['public signals', res.publicSignals.join(', ')] as [string, string]])]));
}

// ---------------------------------------------------------------------------------------------- status / cancel

async function proverStatus(flags: { url?: string; limit: number; json?: boolean }): Promise<void> {
  const p: ProverModule = await loadProver();
  const client = new p.ProverClient({ url: flags.url, reconnectTimeoutMs: 0 });
  const [health, circuits, jobs] = await Promise.all([client.health(), client.circuits(), client.jobs({ limit: flags.limit })]);
  if (flags.json) return printJson({ url: client.url, health, circuits, jobs });
  print(`${health.status === 'ok' ? c.green('●') : c.yellow('●')} ${c.bold('prover service')} ${client.url} ${c.dim(`(${health.status}, up ${health.uptimeS} s)`)}`);
  print(kv([
    ['backend', `${health.backend} ${c.dim(`— ${health.description}`)}`],
    ['queue', `${health.running}/${health.concurrency} running, ${health.queued}/${health.maxQueue} queued (${health.maxQueuedPerClient} per client)`],
  ]));
  print();
  print(table(circuits.map((ci) => [ci.name, String(ci.nPublic), String(ci.domainSize), String(ci.jobs.submitted), String(ci.jobs.done), String(ci.jobs.failed), String(ci.jobs.cancelled)]), {
    title: 'circuits',
    head: ['name', 'public', 'domain', 'submitted', 'done', 'failed', 'cancelled'],
    alignRight: [1, 2, 3, 4, 5, 6],
  }));
  print();
  if (!jobs.length) return print(c.dim('  no jobs yet'));
  const stateColor: Record<string, (s: string) => string> = { done: c.green, failed: c.red, cancelled: c.yellow, running: c.cyan, queued: (s) => s };
  print(table(jobs.map((j) => [
    shortId(j.id),
    j.circuit,
    j.client,
    stateColor[j.state](j.state) + (j.state === 'queued' ? c.dim(` #${j.position}`) : j.state === 'running' && j.progress ? c.dim(` ${Math.round(j.progress.fraction * 100)}% ${j.progress.stage}`) : ''),
    j.createdAt.slice(11, 19),
    seconds(j.timings.queuedMs),
    j.timings.witnessMs !== undefined || j.timings.proveMs !== undefined ? seconds((j.timings.witnessMs ?? 0) + (j.timings.proveMs ?? 0)) : '–',
    j.error ? `${j.error.code}: ${j.error.message}`.slice(0, 60) : '',
  ]), { title: `recent jobs (newest first, at most ${flags.limit})`, head: ['job', 'circuit', 'client', 'state', 'submitted', 'queued', 'proving', 'error'], alignRight: [5, 6] }));
}

async function proverCancel(id: string, flags: { url?: string; json?: boolean }): Promise<void> {
  const p: ProverModule = await loadProver();
  const client = new p.ProverClient({ url: flags.url });
  // The service log and `prover status` show the first 8 characters: accept a unique prefix.
  if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(id)) {
    const matches = (await client.jobs({ limit: 1000 })).filter((j) => j.id.startsWith(id.toLowerCase()));
    if (matches.length !== 1) {
      throw new p.ProverError('JOB_NOT_FOUND', matches.length ? `${matches.length} jobs start with ${id}` : `no job starts with ${id}`, { hint: 'give more of the id (`plasma-tree prover status --json` lists them)' });
    }
    id = matches[0].id;
  }
  const job = await client.cancel(id);
  if (flags.json) return printJson(job);
  print(`job ${job.id}: ${job.state}`);
}

// ---------------------------------------------------------------------------------------------- registration

export function registerProverCommands(program: Command): void {
  const prover = program.command('prover').description('the shared Groth16 prover service: run it, get proofs from it, watch its queue');
  const urlOption = (cmd: Command) => cmd.option('--url <url>', `the prover service (env ${ENV_URL}; default ${DEFAULT_URL})`);

  const start = prover
    .command('start')
    .description('run a prover service: takes proving jobs over HTTP from any number of chains\' nodes, one queue fair between them; runs until Ctrl-C')
    .option('--port <port>', 'listen port (default 8547; 0: any free port)', intArg('--port', 0, 65_535))
    .option('--host <host>', 'listen address (default 127.0.0.1; the service has no authentication)')
    .option('--circuit <name=zkey[:wasm]>', 'a circuit jobs may name: its .zkey and, for jobs that send inputs, its witness wasm (repeatable)', collect)
    .option('--config <file>', 'JSON: {"port", "host", "backend", "concurrency", "maxQueue", "maxQueuedPerClient", "maxBodyBytes", "circuits": [{"name", "zkey", "wasm"}]} (paths relative to the file); flags override it')
    .option('--backend <auto|webgpu|cpu|snarkjs>', 'the Groth16 backend (default auto: WebGPU, else CPU)', backendArg)
    .option('--max-queue <n>', 'queued jobs, all clients together (default 64); more get QUEUE_FULL (HTTP 503)', intArg('--max-queue', 1, 1_000_000))
    .option('--max-per-client <n>', 'queued jobs per client label (default 16); more get QUEUE_FULL (HTTP 429)', intArg('--max-per-client', 1, 1_000_000))
    .option('--concurrency <n>', 'jobs proving at once (default 1: one proof saturates the device)', intArg('--concurrency', 1, 64))
    .option('--max-body-mb <n>', 'largest request body in MiB (default 64)', intArg('--max-body-mb', 1, 4096))
    .option('--job-timeout <seconds>', 'fail a job running longer than this (default: no limit)', intArg('--job-timeout', 1, 86_400))
    .option('--drain', 'on Ctrl-C/SIGTERM, finish queued and running jobs before stopping (default: cancel them)')
    .option('--quiet', 'no log line per job');
  examples(start, [
    'plasma-tree prover start --circuit transfer=build/transfer.zkey:build/transfer_js/transfer.wasm',
    'plasma-tree prover start --config prover.json --backend webgpu --max-queue 200',
    'plasma-tree prover start --port 0 --backend cpu --circuit exit=exit.zkey   # jobs send .wtns files',
  ]);
  start.action(proverStart);

  const prove = prover
    .command('prove')
    .description('get a proof from a prover service, with its progress live')
    .requiredOption('--circuit <name>', 'a circuit the service has (see `prover status`)')
    .option('--input <file.json>', 'the circuit\'s input signals (the service computes the witness)')
    .option('--wtns <file.wtns>', 'or a witness computed here')
    .option('--out <proof.json>', 'write the proof here (default: print proof and public signals as JSON)')
    .option('--public <public.json>', 'write the public signals here')
    .option('--client <label>', 'the label the job is queued under (chain id or node name): the unit of fairness')
    .option('--priority <n>', 'among your own queued jobs, higher first (-100..100)', (v: string) => {
      const n = Number(v);
      if (!Number.isInteger(n) || n < -100 || n > 100) throw new InvalidArgumentError('--priority must be an integer in [-100, 100]');
      return n;
    });
  urlOption(prove);
  jsonOption(prove);
  examples(prove, [
    'plasma-tree prover prove --circuit transfer --input input.json --out proof.json --public public.json',
    'plasma-tree prover prove --url http://10.0.0.5:8547 --circuit exit --wtns exit.wtns --client chain-A',
    'snarkjs groth16 verify verification_key.json public.json proof.json',
  ]);
  prove.action(proverProve);

  const status = prover
    .command('status')
    .description('the service\'s backend, circuits, queue and recent jobs')
    .option('--limit <n>', 'recent jobs to list', intArg('--limit', 1, 1000), 20);
  urlOption(status);
  jsonOption(status);
  examples(status, ['plasma-tree prover status', 'plasma-tree prover status --url http://127.0.0.1:8547 --json']);
  status.action(proverStatus);

  const cancel = prover
    .command('cancel')
    .argument('<job>', 'the job id (from `prover status --json` or the service log)')
    .description('cancel a job: a queued one is removed, a running one aborted');
  urlOption(cancel);
  jsonOption(cancel);
  examples(cancel, ['plasma-tree prover cancel 1fa0d3cc-…']);
  cancel.action(proverCancel);
}
