/**
 * The prover service in process: HTTP on port 0, the real `cpu` Groth16 backend (and snarkjs's for the
 * `prover` witness mode), a tiny circom circuit compiled and set up at test time (helpers/circuit.ts). Every
 * proof is checked with `snarkjs.groth16.verify`.
 */
import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as snarkjs from 'snarkjs';
import { isProverError } from '../src/errors.js';
import { createSnarkjsProver } from '../src/groth16/snarkjs.js';
import { FairQueue, ProverClient, startProverServer, type JobInfo, type ProverServer, type ServiceEvent } from '../src/service/index.js';
import { buildWorkCircuit, verify, type TestCircuit } from './helpers/service-circuit.js';

let circuit: TestCircuit;

/** ~0.12 s of witness time per million rounds on this machine: long enough to watch, cancel or queue behind. */
const SLOW = 4_000_000;
const input = (a: number | string, b: number | string, rounds: number = 0) => ({ a: String(a), b: String(b), rounds: String(rounds) });

async function expectProverError(p: Promise<unknown>, code: string): Promise<Error & { code: string; hint: string; data: Record<string, unknown> }> {
  try {
    await p;
  } catch (e) {
    expect(isProverError(e), String(e)).toBe(true);
    expect((e as { code: string }).code, (e as Error).message).toBe(code);
    return e as Error & { code: string; hint: string; data: Record<string, unknown> };
  }
  throw new Error(`expected ${code}, but it resolved`);
}

async function expectVerified(job: { result?: JobInfo['result'] }, a: number, b: number): Promise<void> {
  expect(job.result).toBeDefined();
  const { proof, publicSignals } = job.result!;
  expect(publicSignals[0]).toBe(String(a * b));
  expect(publicSignals[2]).toBe(String(b));
  expect(await verify(circuit.vkey, publicSignals, proof)).toBe(true);
}

async function untilState(client: ProverClient, id: string, state: JobInfo['state']): Promise<JobInfo> {
  for (let i = 0; i < 500; i++) {
    const j = await client.status(id);
    if (j.state === state) return j;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`job ${id} never became ${state}`);
}

async function post(url: string, body: string, headers: Record<string, string> = {}): Promise<{ status: number; body: any; headers: Headers }> {
  const res = await fetch(`${url}/v1/jobs`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined, headers: res.headers };
}

beforeAll(async () => {
  circuit = await buildWorkCircuit();
});

describe('FairQueue', () => {
  const item = (id: string, client: string, priority = 0) => ({ id, client, priority });

  it('serves clients round-robin, by priority within a client, and knows every position', () => {
    const q = new FairQueue<ReturnType<typeof item>>();
    for (const x of [item('a1', 'A'), item('a2', 'A'), item('a3', 'A'), item('b1', 'B'), item('c1', 'C'), item('b2', 'B', 5), item('a4', 'A', 1)]) q.push(x);
    expect(q.order().map((x) => x.id)).toEqual(['a4', 'b2', 'c1', 'a1', 'b1', 'a2', 'a3']);
    expect(q.positionOf('b1')).toBe(4);
    expect(q.sizeOf('A')).toBe(4);
    expect(q.remove('c1')?.id).toBe('c1');
    expect(q.remove('c1')).toBeUndefined();
    const served: string[] = [];
    served.push(q.shift()!.id);
    q.push(item('c2', 'C'));
    while (q.size) served.push(q.shift()!.id);
    // C rejoins at the back of the ring: after B's and A's turns.
    expect(served).toEqual(['a4', 'b2', 'a1', 'c2', 'b1', 'a2', 'a3']);
    expect(q.shift()).toBeUndefined();
  });
});

describe('prover service over HTTP (cpu backend)', () => {
  let server: ProverServer;
  let url: string;
  const events: ServiceEvent[] = [];

  beforeAll(async () => {
    server = await startProverServer({
      port: 0,
      backend: 'cpu',
      circuits: [
        { name: 'work', zkey: circuit.zkey, wasm: circuit.wasm },
        { name: 'work-wtns', zkey: circuit.zkey },
      ],
      maxQueue: 8,
      maxQueuedPerClient: 4,
      maxBodyBytes: 16 * 1024,
      onEvent: (e) => events.push(e),
    });
    url = server.url;
    // Warm the prover (ffjavascript's workers, the key cache) so that timings below are about the queue.
    await new ProverClient({ url }).prove('work', input(2, 3));
  });

  afterAll(async () => {
    await server?.close();
  });

  it('proves jobs from two clients, round-robin between them and by priority within one; every proof verifies', async () => {
    const a = new ProverClient({ url, client: 'chain-A' });
    const b = new ProverClient({ url, client: 'chain-B' });
    // A blocker holds the only slot while the jobs queue up, then is cancelled (its witness thread stops).
    const blocker = await a.submit('work', { input: input(7, 1, 50 * SLOW) });
    await untilState(a, blocker.id, 'running');
    // Three jobs of A (the last with a higher priority), then two of B.
    const a1 = await a.submit('work', { input: input(11, 2) });
    const a2 = await a.submit('work', { input: input(11, 3) });
    const a3 = await a.submit('work', { input: input(11, 4) }, { priority: 5 });
    const b1 = await b.submit('work', { input: input(13, 5) });
    const b2 = await b.submit('work', { input: input(13, 6) });
    expect([a1.position, a2.position, a3.position, b1.position, b2.position]).toEqual([0, 1, 0, 1, 3]);
    expect((await a.status(a1.id)).position).toBe(2);
    expect((await a.status(a2.id)).position).toBe(4);
    expect((await a.status(blocker.id)).state).toBe('running');
    await a.cancel(blocker.id);

    const names = new Map([[a1.id, 'a1'], [a2.id, 'a2'], [a3.id, 'a3'], [b1.id, 'b1'], [b2.id, 'b2']]);
    const jobs = await Promise.all([a1, a2, a3, b1, b2].map((s) => (names.get(s.id)!.startsWith('b') ? b : a).wait(s.id)));
    const started = events.filter((e) => e.type === 'started' && names.has(e.job.id)).map((e) => names.get(e.job.id));
    expect(started).toEqual(['a3', 'b1', 'a1', 'b2', 'a2']);
    const ab: Array<[number, number]> = [[11, 2], [11, 3], [11, 4], [13, 5], [13, 6]];
    for (const [i, job] of jobs.entries()) {
      expect(job.state).toBe('done');
      expect(job.client).toBe(i >= 3 ? 'chain-B' : 'chain-A');
      expect(job.timings.queuedMs).toBeGreaterThan(0);
      expect(job.timings.witnessMs).toBeGreaterThan(0);
      await expectVerified(job, ...ab[i]);
    }
  });

  it('fails a job the circuit rejects with INVALID_WITNESS and goes on with the next', async () => {
    const client = new ProverClient({ url, client: 'chain-A' });
    const bad = await client.submit('work', { input: input(0, 5) }); // a = 0: the inverse constraint fails
    const unknownSignal = await client.submit('work', { input: { ...input(1, 1), extra: '1' } });
    const missing = await client.submit('work', { input: { a: '1', b: '1' } });
    // A witness of the right format for another statement: the prover itself finds it does not fit.
    const wtns = { type: 'mem' as const, data: undefined as Uint8Array | undefined };
    await snarkjs.wtns.calculate(input(3, 4), circuit.wasm, wtns);
    const truncated = await client.submit('work-wtns', { wtns: wtns.data!.subarray(0, wtns.data!.length - 32) });
    const good = await client.submit('work', { input: input(6, 7) });

    const e = await expectProverError(client.wait(bad.id), 'INVALID_WITNESS');
    expect(e.message).toMatch(/Assert Failed/);
    expect(e.hint).toMatch(/input signals/);
    expect(e.data.jobId).toBe(bad.id);
    await expectProverError(client.wait(unknownSignal.id), 'INVALID_WITNESS');
    await expectProverError(client.wait(missing.id), 'INVALID_WITNESS');
    const t = await client.wait(truncated.id).then(() => undefined, (err: unknown) => err as { code: string });
    expect(t?.code).toMatch(/INVALID_WITNESS|PROVE_FAILED/);
    await expectVerified(await client.wait(good.id), 6, 7);
    const failed = await client.status(bad.id);
    expect(failed.state).toBe('failed');
    expect(failed.error?.code).toBe('INVALID_WITNESS');
    expect(failed.result).toBeUndefined();
  });

  it('keeps proving a job whose event stream the client dropped', async () => {
    const client = new ProverClient({ url, client: 'chain-B' });
    const { id } = await client.submit('work', { input: input(5, 9, 2 * SLOW) });
    const seen: string[] = [];
    await new Promise<void>((resolve, reject) => {
      const req = request(`${url}/v1/jobs/${id}/events`, (res) => {
        expect(res.headers['content-type']).toMatch(/text\/event-stream/);
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          seen.push(chunk);
          // Drop the connection as soon as the job is seen running.
          if (/"state":"running"/.test(seen.join(''))) {
            req.destroy();
            resolve();
          }
        });
      });
      req.on('error', (e) => (seen.length ? undefined : reject(e)));
      req.end();
    });
    expect((await client.status(id)).state).toBe('running');
    const done = await client.wait(id, { onProgress: () => {} });
    await expectVerified(done, 5, 9);
    expect((await client.health()).status).toBe('ok');
  });

  it('stops waiting on abort without cancelling the job', async () => {
    const client = new ProverClient({ url, client: 'chain-A' });
    const { id } = await client.submit('work', { input: input(3, 3, SLOW) });
    const ctrl = new AbortController();
    await expectProverError(client.wait(id, { signal: ctrl.signal, onUpdate: (j) => j.state === 'running' && ctrl.abort() }), 'ABORTED');
    await expectVerified(await client.wait(id), 3, 3);
  });

  it('cancels a queued job and a running one (its witness thread stops at once); the queue goes on', async () => {
    const client = new ProverClient({ url, client: 'chain-C' });
    const running = await client.submit('work', { input: input(2, 2, 50 * SLOW) }); // ~25 s if not stopped
    const queued = await client.submit('work', { input: input(2, 3) });
    await untilState(client, running.id, 'running');
    const progress: number[] = [];
    const waiter = client.wait(running.id, { onProgress: (p) => progress.push(p.fraction) });
    waiter.catch(() => {}); // checked below, after the cancellations

    const q = await client.cancel(queued.id);
    expect(q.state).toBe('cancelled');
    expect(q.position).toBeUndefined();
    const t0 = Date.now();
    const r = await client.cancel(running.id);
    expect(r.state).toBe('cancelled');
    expect(r.error?.code).toBe('ABORTED');
    const e = await expectProverError(waiter, 'ABORTED');
    expect(e.message).toMatch(/cancelled/);
    expect(progress.length).toBeGreaterThan(0);

    const next = await client.prove('work', input(4, 4));
    await expectVerified(next.job, 4, 4);
    expect(Date.now() - t0).toBeLessThan(5000);
    // An ended job stays as it ended.
    expect((await client.cancel(next.job.id)).state).toBe('done');
    expect((await client.status(queued.id)).state).toBe('cancelled');
  });

  it('refuses jobs over the per-client and the global queue limits with QUEUE_FULL and Retry-After', async () => {
    const c = new ProverClient({ url, client: 'flood' });
    const blocker = await c.submit('work', { input: input(1, 1, 50 * SLOW) });
    await untilState(c, blocker.id, 'running');
    const ids = [];
    for (let i = 0; i < 4; i++) ids.push((await c.submit('work', { input: input(1, i) })).id);
    const perClient = await post(url, JSON.stringify({ circuit: 'work', input: input(1, 1), client: 'flood' }));
    expect(perClient.status).toBe(429);
    expect(perClient.body.error.code).toBe('QUEUE_FULL');
    expect(Number(perClient.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    for (let i = 0; i < 4; i++) ids.push((await new ProverClient({ url, client: `other-${i}` }).submit('work', { input: input(1, i) })).id);
    const e = await expectProverError(new ProverClient({ url, client: 'late' }).submit('work', { input: input(1, 1) }), 'QUEUE_FULL');
    expect(e.data.status).toBe(503);
    expect(e.data.retryAfterS).toBeGreaterThanOrEqual(1);
    expect(e.hint).toMatch(/Retry-After/);
    for (const id of [blocker.id, ...ids]) await c.cancel(id);
    expect((await c.health()).queued).toBe(0);
  });

  it('answers unknown jobs, circuits and endpoints with their codes', async () => {
    const client = new ProverClient({ url });
    await expectProverError(client.status('no-such-job'), 'JOB_NOT_FOUND');
    await expectProverError(client.cancel('no-such-job'), 'JOB_NOT_FOUND');
    await expectProverError(client.wait('no-such-job'), 'JOB_NOT_FOUND');
    const e = await expectProverError(client.submit('nope', { input: input(1, 1) }), 'CIRCUIT_NOT_FOUND');
    expect(e.hint).toContain('work');
    expect(e.data.status).toBe(404);
    const events = await fetch(`${url}/v1/jobs/no-such-job/events`);
    expect(events.status).toBe(404);
    expect((await events.json()).error.code).toBe('JOB_NOT_FOUND');
    const route = await fetch(`${url}/v2/jobs`);
    expect(route.status).toBe(404);
    expect((await route.json()).error.hint).toMatch(/endpoints/);
    expect((await fetch(`${url}/v1/jobs`, { method: 'PUT' })).status).toBe(405);
    expect((await fetch(`${url}/v1/circuits/nope`)).status).toBe(404);
    const circuits = await client.circuits();
    expect(circuits.map((c) => [c.name, c.acceptsInput, c.nPublic])).toEqual([['work', true, 3], ['work-wtns', false, 3]]);
    const vkey = await client.verificationKey('work');
    expect(vkey.IC).toEqual(circuit.vkey.IC);
  });

  it('rejects malformed and oversized bodies, and survives a client that drops mid-upload', async () => {
    const cases: Array<[string, number, string, RegExp?]> = [
      ['{"circuit": "work", ', 400, 'INVALID_INPUT', /not JSON/],
      ['[1, 2]', 400, 'INVALID_INPUT', /not a JSON object/],
      ['{"input": {}}', 400, 'INVALID_INPUT', /"circuit"/],
      [JSON.stringify({ circuit: 'work', input: {}, wtns: 'AAAA' }), 400, 'INVALID_INPUT', /exactly one/],
      [JSON.stringify({ circuit: 'work', input: [1] }), 400, 'INVALID_INPUT', /JSON object of signal/],
      [JSON.stringify({ circuit: 'work', input: {}, priority: 1.5 }), 400, 'INVALID_INPUT', /priority/],
      [JSON.stringify({ circuit: 'work', input: {}, client: 'a b' }), 400, 'INVALID_INPUT', /client/],
      [JSON.stringify({ circuit: 'work', input: {}, path: '/etc/passwd' }), 400, 'INVALID_INPUT', /unknown field "path"/],
      [JSON.stringify({ circuit: 'work', wtns: 'not base64!' }), 400, 'INVALID_WITNESS', /base64/],
      [JSON.stringify({ circuit: 'work', wtns: Buffer.from('zkey and more bytes').toString('base64') }), 400, 'INVALID_WITNESS', /magic/],
      [JSON.stringify({ circuit: 'work-wtns', input: input(1, 1) }), 400, 'INVALID_INPUT', /no witness generator/],
      [JSON.stringify({ circuit: 'work', input: { a: 'x'.repeat(20_000) } }), 413, 'INVALID_INPUT', /larger than/],
    ];
    for (const [body, status, code, message] of cases) {
      const r = await post(url, body);
      expect(r.status, String(body).slice(0, 80)).toBe(status);
      expect(r.body.error.code).toBe(code);
      if (message) expect(r.body.error.message).toMatch(message);
      expect(r.body.error.hint).toBeTruthy();
    }

    // Chunked (no Content-Length) past the limit: 413 as well.
    const chunked = await new Promise<number>((resolve, reject) => {
      const req = request(`${url}/v1/jobs`, { method: 'POST', headers: { 'content-type': 'application/json' } }, (res) => {
        res.resume();
        resolve(res.statusCode!);
      });
      req.on('error', reject);
      req.write('{"circuit": "work", "input": {"a": "');
      req.write('1'.repeat(17_000));
      req.end('"}}');
    });
    expect(chunked).toBe(413);

    // Half a body, then the client vanishes.
    await new Promise<void>((resolve) => {
      const req = request(`${url}/v1/jobs`, { method: 'POST', headers: { 'content-type': 'application/json', 'content-length': '1000' } });
      req.on('error', () => resolve());
      req.write('{"circuit": "work", "inp', () => setTimeout(() => {
        req.destroy();
        resolve();
      }, 50));
    });
    const after = await new ProverClient({ url }).prove('work', input(8, 8));
    await expectVerified(after.job, 8, 8);
  });

  it('exports Prometheus metrics: jobs by state, queue depth, durations, per-circuit counters', async () => {
    const text = await (await fetch(`${url}/metrics`)).text();
    expect(text).toMatch(/^# TYPE plasma_prover_jobs gauge$/m);
    expect(text).toMatch(/^plasma_prover_jobs\{state="done"\} [1-9]\d*$/m);
    expect(text).toMatch(/^plasma_prover_jobs\{state="failed"\} [1-9]\d*$/m);
    expect(text).toMatch(/^plasma_prover_jobs\{state="cancelled"\} [1-9]\d*$/m);
    expect(text).toMatch(/^plasma_prover_queue_depth 0$/m);
    expect(text).toMatch(/^plasma_prover_jobs_submitted_total\{circuit="work"\} [1-9]\d*$/m);
    expect(text).toMatch(/^plasma_prover_jobs_finished_total\{circuit="work",state="done"\} [1-9]\d*$/m);
    expect(text).toMatch(/^plasma_prover_job_errors_total\{circuit="work",code="INVALID_WITNESS"\} 3$/m);
    expect(text).toMatch(/^plasma_prover_jobs_rejected_total\{reason="queue_full"\} 1$/m);
    expect(text).toMatch(/^plasma_prover_jobs_rejected_total\{reason="client_queue_full"\} 1$/m);
    expect(text).toMatch(/^# TYPE plasma_prover_proof_duration_seconds histogram$/m);
    expect(text).toMatch(/^plasma_prover_proof_duration_seconds_bucket\{circuit="work",le="\+Inf"\} [1-9]\d*$/m);
    expect(text).toMatch(/^plasma_prover_proof_duration_seconds_count\{circuit="work"\} [1-9]\d*$/m);
    expect(text).toMatch(/^plasma_prover_info\{backend="cpu",instance="[0-9a-f-]{36}"\} 1$/m);
    const jobs = await new ProverClient({ url }).jobs({ state: 'failed' });
    expect(jobs.length).toBeGreaterThanOrEqual(3);
    expect(jobs.every((j) => j.state === 'failed' && j.result === undefined)).toBe(true);
  });
});

describe('prover service lifecycle (snarkjs prover, witness computed by the prover)', () => {
  it('proves .wtns and inputs over polling, evicts finished jobs, and on close cancels what is left', async () => {
    const server = await startProverServer({
      port: 0,
      prover: createSnarkjsProver(),
      witness: 'prover',
      circuits: [{ name: 'work', zkey: circuit.zkey, wasm: circuit.wasm }],
      maxFinished: 2,
    });
    try {
      const client = new ProverClient({ url: server.url, transport: 'poll', pollIntervalMs: 20 });
      const wtns = { type: 'mem' as const, data: undefined as Uint8Array | undefined };
      await snarkjs.wtns.calculate(input(9, 2), circuit.wasm, wtns);
      const fromWtns = await client.proveWitness('work', { wtns: wtns.data! });
      await expectVerified(fromWtns.job, 9, 2);
      const fromInput = await client.prove('work', input(4, 5));
      await expectVerified(fromInput.job, 4, 5);
      await expectProverError(client.prove('work', input(0, 5)), 'INVALID_WITNESS');
      // maxFinished 2: the first job is gone.
      await expectProverError(client.status(fromWtns.job.id), 'JOB_NOT_FOUND');
      expect((await client.status(fromInput.job.id)).state).toBe('done');

      // Queue two jobs behind a running one, then close: all three end cancelled, and waiters hear it.
      const sse = new ProverClient({ url: server.url });
      const subs = [];
      for (let i = 0; i < 3; i++) subs.push(await sse.submit('work', { input: input(1, 1, SLOW) }));
      const waits = subs.map((s) => sse.wait(s.id).then(() => 'done', (e: { code: string }) => e.code));
      await untilState(sse, subs[0].id, 'running');
      await server.close();
      expect(await Promise.all(waits)).toEqual(['ABORTED', 'ABORTED', 'ABORTED']);
      const after = await expectProverError(new ProverClient({ url: server.url, reconnectTimeoutMs: 0 }).submit('work', { input: input(1, 1) }), 'SERVICE_UNAVAILABLE');
      expect(after.hint).toContain('plasma-tree prover start');
      expect(after.message).toContain(server.url);
    } finally {
      await server.close();
    }
  });

  it('runs `concurrency` jobs at once, and drains: queued jobs finish, new ones are refused while it does', async () => {
    const server = await startProverServer({ port: 0, backend: 'snarkjs', concurrency: 2, circuits: [{ name: 'work', zkey: circuit.zkey, wasm: circuit.wasm }] });
    const client = new ProverClient({ url: server.url });
    const a = await client.submit('work', { input: input(2, 5, SLOW) });
    const b = await client.submit('work', { input: input(3, 5, SLOW) });
    const c = await client.submit('work', { input: input(4, 5) });
    await Promise.all([untilState(client, a.id, 'running'), untilState(client, b.id, 'running')]);
    expect(await client.health()).toMatchObject({ running: 2, queued: 1, concurrency: 2 });
    const waits = [client.wait(a.id), client.wait(b.id), client.wait(c.id)];
    const closing = server.close({ drain: true });
    await expectProverError(client.submit('work', { input: input(1, 1) }), 'SERVICE_UNAVAILABLE');
    expect((await fetch(`${server.url}/healthz`)).status).toBe(503);
    expect((await client.health()).status).toBe('draining');
    const [ja, jb, jc] = await Promise.all(waits);
    await expectVerified(ja, 2, 5);
    await expectVerified(jb, 3, 5);
    await expectVerified(jc, 4, 5);
    await closing;
  });
});
