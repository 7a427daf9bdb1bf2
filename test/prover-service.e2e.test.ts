/**
 * The prover service as real processes: `plasma-tree prover start` (the CLI, `cpu` backend) in a child process,
 * `ProverClient`s in this one.
 * - two clients submit concurrently; every proof verifies with snarkjs;
 * - a client that stops waiting (AbortController) does not stop its job;
 * - the service is SIGKILLed while clients wait and restarted on the same port: a plain `wait` reports that the
 *   job was lost (jobs live in memory), `prove` resubmits and gets its proof, a wait with a short reconnect
 *   budget reports SERVICE_UNAVAILABLE with the URL and the command to run;
 * - SIGTERM stops the service cleanly.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ProverClient, isProverError } from '@plasma-tree/prover';
import { buildWorkCircuit, verify, type TestCircuit } from '../packages/prover/test/helpers/service-circuit.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const SLOW = 4_000_000; // rounds: ~0.5 s of witness time

interface Service {
  child: ChildProcess;
  url: string;
  stdout: () => string;
  stderr: () => string;
  exited: Promise<number | null>;
}

function startService(circuit: TestCircuit, port = 0): Promise<Service> {
  const child = spawn(process.execPath, [
    '--conditions=source', '--import', 'tsx', 'packages/cli/src/bin.ts',
    'prover', 'start', '--port', String(port), '--backend', 'cpu',
    '--circuit', `work=${circuit.zkey}:${circuit.wasm}`,
  ], { cwd: ROOT, env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: undefined }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout!.setEncoding('utf8').on('data', (d: string) => (out += d));
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (err += d));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the service did not print its URL in 30 s:\n${out}\n${err}`)), 30_000);
    const check = () => {
      const m = /listening on (http:\/\/[\d.]+:\d+)/.exec(out);
      if (!m || !out.includes('Ctrl-C to stop')) return; // the whole banner
      clearTimeout(timer);
      child.stdout!.off('data', check);
      resolve({ child, url: m[1], stdout: () => out, stderr: () => err, exited });
    };
    child.stdout!.on('data', check);
    void exited.then((code) => reject(new Error(`the service exited (${code}) before printing its URL:\n${out}\n${err}`)));
  });
}

const input = (a: number, b: number, rounds = 0) => ({ a: String(a), b: String(b), rounds: String(rounds) });

async function expectProof(c: TestCircuit, res: { proof: unknown; publicSignals: string[] }, a: number, b: number): Promise<void> {
  expect(res.publicSignals[0]).toBe(String(a * b));
  expect(await verify(c.vkey, res.publicSignals, res.proof)).toBe(true);
}

describe('prover service across processes', () => {
  let circuit: TestCircuit;
  let service: Service | undefined;

  beforeAll(async () => {
    circuit = await buildWorkCircuit();
    service = await startService(circuit);
  });

  afterAll(() => {
    if (service && service.child.exitCode === null) service.child.kill('SIGKILL');
  });

  it('proves for two clients at once; a client that stops waiting does not stop its job', async () => {
    const { url } = service!;
    expect(service!.stdout()).toMatch(/backend\s+cpu/);
    expect(service!.stdout()).toMatch(/work\s+3\s+6\s+8\s+input or wtns/);
    const a = new ProverClient({ url, client: 'chain-A' });
    const b = new ProverClient({ url, client: 'chain-B' });

    const slow = await a.submit('work', { input: input(3, 4, SLOW) });
    const ctrl = new AbortController();
    const abandoned = a.wait(slow.id, { signal: ctrl.signal, onUpdate: (j) => j.state === 'running' && ctrl.abort() }).then(() => 'done', (e: { code: string }) => e.code);
    const results = await Promise.all([
      a.prove('work', input(5, 6)),
      b.prove('work', input(7, 8)),
      a.prove('work', input(9, 10)),
      b.prove('work', input(11, 12)),
    ]);
    expect(await abandoned).toBe('ABORTED');
    for (const [i, [x, y]] of [[5, 6], [7, 8], [9, 10], [11, 12]].entries()) await expectProof(circuit, results[i], x, y);
    expect(results.map((r) => r.job.client)).toEqual(['chain-A', 'chain-B', 'chain-A', 'chain-B']);

    const finished = await a.wait(slow.id);
    expect(finished.state).toBe('done');
    await expectProof(circuit, finished.result, 3, 4);
    expect(service!.stderr()).toMatch(new RegExp(`job ${slow.id.slice(0, 8)} work client=chain-A done`));
  });

  it('survives a SIGKILL of the service: wait reports the lost job, prove resubmits after the restart', async () => {
    const { url } = service!;
    const port = Number(new URL(url).port);
    const a = new ProverClient({ url, client: 'chain-A', reconnectTimeoutMs: 20_000 });
    const impatient = new ProverClient({ url, client: 'chain-B', reconnectTimeoutMs: 300 });

    const lost = await a.submit('work', { input: input(2, 3, 4 * SLOW) });
    const waitLost = a.wait(lost.id).then(() => undefined, (e: unknown) => e);
    const proving = a.prove('work', input(4, 7, SLOW));
    const bJob = await impatient.submit('work', { input: input(1, 2, SLOW) });
    const waitImpatient = impatient.wait(bJob.id).then(() => undefined, (e: unknown) => e);
    for (let i = 0; (await a.status(lost.id)).state !== 'running'; i++) {
      expect(i).toBeLessThan(200);
      await new Promise((r) => setTimeout(r, 20));
    }

    service!.child.kill('SIGKILL');
    expect(await service!.exited).toBe(null);
    const down = await waitImpatient;
    expect(isProverError(down, 'SERVICE_UNAVAILABLE'), String(down)).toBe(true);
    expect((down as Error).message).toContain(url);
    expect((down as { hint: string }).hint).toContain(`plasma-tree prover start --port ${port}`);

    service = await startService(circuit, port);
    expect(service.url).toBe(url);
    const e = (await waitLost) as { code: string; message: string; hint: string; data: { lost?: boolean } };
    expect(isProverError(e, 'JOB_NOT_FOUND'), String(e)).toBe(true);
    expect(e.data.lost).toBe(true);
    expect(e.message).toMatch(/restarted/);
    expect(e.hint).toMatch(/submit it again/);

    const res = await proving;
    await expectProof(circuit, res, 4, 7);
    expect(res.job.instance).not.toBe(lost.instance);
  });

  it('stops on SIGTERM', async () => {
    service!.child.kill('SIGTERM');
    expect(await service!.exited).toBe(0);
    expect(service!.stderr()).toMatch(/prover service stopped/);
  });
});
