/**
 * Groth16 on the `webgpu` backend (llvmpipe in CI): G1 MSMs and the H NTTs on the device, G2 on ffjavascript.
 * Same checks as the CPU suite: snarkjs verifies, same public signals, byte-for-byte snarkjs's proof for the
 * same r and s, abort and progress.
 */
import { groth16 } from 'snarkjs';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { ProverError } from '../src/errors.js';
import type { ProverGpu } from '../src/gpu/device.js';
import { PROVE_STAGES, type ProveProgress } from '../src/groth16/api.js';
import { type Groth16PipelineProver, createGroth16Prover } from '../src/groth16/index.js';
import { proveWithFixedRandomness } from '../src/groth16/pipeline.js';
import { type Fixture, type FixtureName, devFixture, stopFfjavascript, tempDir, withSnarkjsRandomness } from './helpers/circuits.js';
import { describeGpu, suiteSetup, testGpu } from './helpers/gpu.js';

const NAMES: FixtureName[] = ['chain', 'bits', 'multiplier', 'private'];
const fx = {} as Record<FixtureName, Fixture>;
let tmp: Awaited<ReturnType<typeof tempDir>> | undefined;

beforeAll(async () => {
  tmp = await tempDir();
  for (const n of NAMES) fx[n] = await devFixture(n, tmp.dir);
});
afterAll(async () => {
  await stopFfjavascript();
  await tmp?.remove();
});

const wasmOf = (f: Fixture) => ({ input: f.input, wasm: f.circuit.wasm });

describeGpu('groth16 on WebGPU', () => {
  let gpu: ProverGpu;
  let prover: Groth16PipelineProver;
  suiteSetup(async () => {
    gpu = await testGpu();
    prover = (await createGroth16Prover({ backend: 'webgpu', gpu })) as Groth16PipelineProver;
  });
  afterAll(async () => {
    await prover?.close();
    gpu?.destroy();
  });

  it('is the webgpu backend on the given device', () => {
    expect(prover.backend).toBe('webgpu');
    expect(prover.description).toMatch(/WebGPU/);
  });

  for (const name of NAMES) {
    it(`${name}: verifies, snarkjs's public signals; fixed r, s: byte for byte snarkjs's proof`, async () => {
      const f = fx[name];
      const ours = await prover.prove(f.zkey, wasmOf(f));
      expect(await groth16.verify(f.vk, ours.publicSignals, ours.proof)).toBe(true);
      const r = 987654321n + BigInt(name.length);
      const s = 123456789n;
      const fixed = await proveWithFixedRandomness(prover, f.zkey, wasmOf(f), { r, s });
      const ref = await withSnarkjsRandomness([r, s], () => groth16.fullProve(f.input, f.circuit.wasm, f.zkey));
      expect(JSON.stringify(fixed.proof)).toBe(JSON.stringify(ref.proof));
      expect(ours.publicSignals).toEqual(ref.publicSignals);
    });
  }

  it('a tampered proof is rejected', async () => {
    const f = fx.chain;
    const { proof, publicSignals } = await prover.prove(f.zkey, wasmOf(f));
    expect(await groth16.verify(f.vk, publicSignals, { ...proof, pi_c: proof.pi_a })).toBe(false);
    expect(await groth16.verify(f.vk, [String(BigInt(publicSignals[0]) + 1n)], proof)).toBe(false);
  });

  it('progress in stage order ending at 1; abort between GPU stages; still usable', async () => {
    const f = fx.bits;
    const events: ProveProgress[] = [];
    const res = await prover.prove(f.zkey, wasmOf(f), { onProgress: (p) => events.push(p) });
    expect(events.map((e) => e.stage)).toEqual([...PROVE_STAGES, 'assemble']);
    for (let i = 1; i < events.length; i++) expect(events[i].fraction).toBeGreaterThanOrEqual(events[i - 1].fraction);
    expect(events.at(-1)!.fraction).toBe(1);
    expect(res.timings.ntt).toBeGreaterThanOrEqual(0);
    expect(res.timings['msm-b2']).toBeGreaterThanOrEqual(0);

    const ac = new AbortController();
    const err = await prover
      .prove(f.zkey, wasmOf(f), { signal: ac.signal, onProgress: (p) => p.stage === 'msm-c' && ac.abort() })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ProverError);
    expect((err as ProverError).code).toBe('ABORTED');
    const again = await prover.prove(f.zkey, wasmOf(f));
    expect(await groth16.verify(f.vk, again.publicSignals, again.proof)).toBe(true);
  });
});
