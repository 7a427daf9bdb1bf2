/**
 * Groth16 on the CPU backends: our pipeline (`cpu`: ffjavascript MSMs and FFTs) against snarkjs itself, on four
 * fixture circuits (public inputs and outputs, mostly 0/1 witnesses, ~1,000 constraints, no public signal).
 * Proofs must verify with snarkjs and, with the same blinding factors, equal snarkjs's byte for byte.
 */
import { writeFile, utimes } from 'node:fs/promises';
import { join } from 'node:path';
import { groth16 } from 'snarkjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ProverError, isProverError } from '../src/errors.js';
import { BN254_R } from '../src/field/constants.js';
import { PROVE_STAGES, type Groth16Proof, type Groth16Prover, type ProveProgress } from '../src/groth16/api.js';
import { BinFileWriter, parseBinFile, u32LE } from '../src/groth16/binfile.js';
import { type Groth16PipelineProver, createGroth16Prover } from '../src/groth16/index.js';
import { proveWithFixedRandomness } from '../src/groth16/pipeline.js';
import { computeWitnessWtns, createSnarkjsProver } from '../src/groth16/snarkjs.js';
import { parseWtns } from '../src/groth16/witness.js';
import { devSetup } from '../src/setup/dev.js';
import { type Fixture, type FixtureName, devFixture, stopFfjavascript, tempDir, withSnarkjsRandomness } from './helpers/circuits.js';

const NAMES: FixtureName[] = ['multiplier', 'bits', 'chain', 'private'];
const fx = {} as Record<FixtureName, Fixture>;
let tmp: Awaited<ReturnType<typeof tempDir>>;
let cpu: Groth16PipelineProver;
const snark = createSnarkjsProver();

beforeAll(async () => {
  tmp = await tempDir();
  for (const n of NAMES) fx[n] = await devFixture(n, tmp.dir);
  cpu = (await createGroth16Prover({ backend: 'cpu' })) as Groth16PipelineProver;
});

afterAll(async () => {
  await cpu?.close();
  await stopFfjavascript();
  await tmp?.remove();
});

async function expectCode(p: Promise<unknown>, code: string): Promise<ProverError> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e, `expected ProverError ${code}`).toBeInstanceOf(ProverError);
  expect((e as ProverError).code, (e as Error).message).toBe(code);
  return e as ProverError;
}

const wasmOf = (f: Fixture) => ({ input: f.input, wasm: f.circuit.wasm });

describe('cpu backend = snarkjs', () => {
  for (const name of NAMES) {
    it(`${name}: both proofs verify with the same public signals`, async () => {
      const f = fx[name];
      const ours = await cpu.prove(f.zkey, wasmOf(f));
      const ref = await snark.prove(f.zkey, wasmOf(f));
      expect(ours.publicSignals).toEqual(ref.publicSignals);
      expect(ours.publicSignals).toHaveLength(f.circuit.nPublic);
      expect(await groth16.verify(f.vk, ours.publicSignals, ours.proof)).toBe(true);
      expect(await groth16.verify(f.vk, ref.publicSignals, ref.proof)).toBe(true);
      expect(ours.proof.protocol).toBe('groth16');
      expect(ours.proof.curve).toBe('bn128');
      // Fresh blinding factors each time: two proofs of the same statement differ.
      expect(ours.proof.pi_a).not.toEqual(ref.proof.pi_a);
    });

    it(`${name}: with the same r and s, byte for byte snarkjs's proof`, async () => {
      const f = fx[name];
      const r = 0x1234567890abcdefn * BigInt(name.length);
      const s = BN254_R - 5n;
      const ours = await proveWithFixedRandomness(cpu, f.zkey, wasmOf(f), { r, s });
      const ref = await withSnarkjsRandomness([r, s], () => groth16.fullProve(f.input, f.circuit.wasm, f.zkey));
      expect(JSON.stringify(ours.proof)).toBe(JSON.stringify(ref.proof));
      expect(ours.publicSignals).toEqual(ref.publicSignals);
    });
  }

  it('with r = s = 0 the r,s-free parts equal snarkjs and the proof still verifies', async () => {
    const f = fx.chain;
    const ours = await proveWithFixedRandomness(cpu, f.zkey, wasmOf(f), { r: 0n, s: 0n });
    const ref = await withSnarkjsRandomness([0n, 0n], () => groth16.fullProve(f.input, f.circuit.wasm, f.zkey));
    expect(ours.proof).toEqual(ref.proof);
    expect(await groth16.verify(f.vk, ours.publicSignals, ours.proof)).toBe(true);
  });
});

describe('verification rejects what it must', () => {
  it('a tampered proof, a wrong public signal, another circuit’s key', async () => {
    const f = fx.multiplier;
    const { proof, publicSignals } = await cpu.prove(f.zkey, wasmOf(f));
    expect(publicSignals).toEqual(['42', '137', '3', '11']); // product, scaled = 42·3 + 11, then k, offset
    const tampered: Groth16Proof = structuredClone(proof);
    tampered.pi_a = [proof.pi_c[0], proof.pi_c[1], '1'];
    expect(await groth16.verify(f.vk, publicSignals, tampered)).toBe(false);
    const swapped: Groth16Proof = { ...structuredClone(proof), pi_c: proof.pi_a };
    expect(await groth16.verify(f.vk, publicSignals, swapped)).toBe(false);
    expect(await groth16.verify(f.vk, ['43', ...publicSignals.slice(1)], proof)).toBe(false);
    expect(await groth16.verify(f.vk, [...publicSignals.slice(0, 3), '12'], proof)).toBe(false);
    const other = await devSetup({ r1cs: f.circuit.r1cs, seed: 'another key', log: () => {} });
    expect(await groth16.verify(other.verificationKey, publicSignals, proof)).toBe(false);
  });
});

describe('inputs', () => {
  it('.wtns paths and bytes, .zkey bytes; a cached key is parsed once per path', async () => {
    const f = fx.bits;
    const prover = (await createGroth16Prover({ backend: 'cpu' })) as Groth16PipelineProver;
    try {
      const wtns = (await computeWitnessWtns(wasmOf(f))) as Uint8Array;
      const wtnsPath = join(tmp.dir, 'bits.wtns');
      await writeFile(wtnsPath, wtns);
      const a = await prover.prove(f.zkey, { wtns: wtnsPath });
      const b = await prover.prove(f.zkey, { wtns });
      const c = await prover.prove(f.zkeyBytes, { wtns });
      for (const p of [a, b, c]) expect(await groth16.verify(f.vk, p.publicSignals, p.proof)).toBe(true);
      expect(a.publicSignals).toEqual(b.publicSignals);
      expect(prover.zkeys.parses).toBe(2); // the path once, the bytes once
      // A replaced file (new mtime) is read again.
      await writeFile(f.zkey, f.zkeyBytes);
      await utimes(f.zkey, new Date(), new Date(Date.now() + 5_000));
      await prover.prove(f.zkey, { wtns });
      expect(prover.zkeys.parses).toBe(3);
    } finally {
      await prover.close();
    }
  });

  it('close() waits for a proof in flight', async () => {
    const f = fx.chain;
    const prover = await createGroth16Prover({ backend: 'cpu' });
    const proving = prover.prove(f.zkey, wasmOf(f));
    let closed = false;
    const closing = prover.close().then(() => (closed = true));
    const { proof, publicSignals } = await proving;
    expect(await groth16.verify(f.vk, publicSignals, proof)).toBe(true);
    await closing;
    expect(closed).toBe(true);
  });

  it('progress: stages in order, fractions monotone, ending at 1; timings per stage', async () => {
    const events: ProveProgress[] = [];
    const res = await cpu.prove(fx.chain.zkey, wasmOf(fx.chain), { onProgress: (p) => events.push(p) });
    expect(events.map((e) => e.stage)).toEqual([...PROVE_STAGES, 'assemble']);
    for (let i = 1; i < events.length; i++) expect(events[i].fraction).toBeGreaterThanOrEqual(events[i - 1].fraction);
    expect(events[0].fraction).toBe(0);
    expect(events.at(-1)!.fraction).toBe(1);
    for (const s of PROVE_STAGES) expect(res.timings[s], s).toBeGreaterThanOrEqual(0);
  });

  it('abort: before the start and mid-proof → ABORTED; the prover stays usable', async () => {
    const f = fx.chain;
    const pre = new AbortController();
    pre.abort();
    await expectCode(cpu.prove(f.zkey, wasmOf(f), { signal: pre.signal }), 'ABORTED');
    const mid = new AbortController();
    const seen: string[] = [];
    await expectCode(
      cpu.prove(f.zkey, wasmOf(f), {
        signal: mid.signal,
        onProgress: (p) => {
          seen.push(p.stage);
          if (p.stage === 'msm-b1') mid.abort();
        },
      }),
      'ABORTED',
    );
    expect(seen.at(-1)).toBe('msm-b1');
    const ok = await cpu.prove(f.zkey, wasmOf(f));
    expect(await groth16.verify(f.vk, ok.publicSignals, ok.proof)).toBe(true);
  });
});

/** Section `id`'s data offset in a binfile. */
function sectionOffset(bytes: Uint8Array, id: number): number {
  return parseBinFile(bytes, 'zkey', 2).sections.get(id)![0].offset;
}

describe('errors', () => {
  it('an input the circuit rejects → INVALID_WITNESS (both backends)', async () => {
    const f = fx.multiplier;
    const bad = { input: { ...f.input, a: 0 }, wasm: f.circuit.wasm };
    await expectCode(cpu.prove(f.zkey, bad), 'INVALID_WITNESS');
    await expectCode(snark.prove(f.zkey, bad), 'INVALID_WITNESS');
    await expectCode(cpu.prove(f.zkey, { input: { a: 1 }, wasm: f.circuit.wasm }), 'INVALID_WITNESS');
  });

  it('a witness of the wrong length, or a malformed one → INVALID_WITNESS', async () => {
    const f = fx.multiplier;
    const good = parseWtns((await computeWitnessWtns(wasmOf(f))) as Uint8Array);
    const wtns = (n: number, values: Uint8Array): Uint8Array => {
      const w = new BinFileWriter('wtns', 2);
      const q = new Uint8Array(32);
      let r = BN254_R;
      for (let i = 0; i < 32; i++, r >>= 8n) q[i] = Number(r & 0xffn);
      w.section(1, u32LE(32), q, u32LE(n));
      w.section(2, values);
      return w.finish();
    };
    const longer = new Uint8Array(good.values.length + 32);
    longer.set(good.values);
    const e = await expectCode(cpu.prove(f.zkey, { wtns: wtns(good.nWitness + 1, longer) }), 'INVALID_WITNESS');
    expect(e.data).toMatchObject({ zkeyVars: good.nWitness, witnessVars: good.nWitness + 1 });
    await expectCode(cpu.prove(f.zkey, { wtns: wtns(good.nWitness, longer) }), 'INVALID_WITNESS'); // header ≠ section
    await expectCode(cpu.prove(f.zkey, { wtns: new TextEncoder().encode('not a witness at all') }), 'INVALID_WITNESS');
    await expectCode(cpu.prove(f.zkey, { wtns: join(tmp.dir, 'missing.wtns') }), 'INVALID_WITNESS');
  });

  it('a key from another circuit → INVALID_ZKEY', async () => {
    const e = await expectCode(cpu.prove(fx.chain.zkey, wasmOf(fx.multiplier)), 'INVALID_ZKEY');
    expect(e.hint).toMatch(/another circuit/);
  });

  it('corrupted keys → INVALID_ZKEY', async () => {
    const good = fx.multiplier.zkeyBytes;
    const w = wasmOf(fx.multiplier);
    const variants: Array<[string, (b: Uint8Array) => Uint8Array]> = [
      ['truncated', (b) => b.slice(0, b.length - 100)],
      ['bad magic', (b) => (b.set([0x78], 0), b)],
      ['PLONK protocol id', (b) => (b.set([2], sectionOffset(b, 1)), b)],
      ['other base field', (b) => (b[sectionOffset(b, 2) + 4] ^= 1, b)],
      ['coefficient out of range', (b) => (b.set([0xff, 0xff, 0xff, 0x7f], sectionOffset(b, 4) + 4 + 4), b)],
      ['α₁ off the curve', (b) => (b[sectionOffset(b, 2) + 84 + 7] ^= 4, b)],
      ['a section missing', (b) => (b.set(u32LE(99), sectionOffset(b, 9) - 12), b)],
      ['empty', () => new Uint8Array(0)],
    ];
    for (const [what, corrupt] of variants) {
      const e = await expectCode(cpu.prove(corrupt(good.slice()), w), 'INVALID_ZKEY');
      expect(e.message, what).toBeTruthy();
    }
    await expectCode(cpu.prove(join(tmp.dir, 'missing.zkey'), w), 'INVALID_ZKEY');
    // Still fine with the intact key.
    const ok = await cpu.prove(good, w);
    expect(await groth16.verify(fx.multiplier.vk, ok.publicSignals, ok.proof)).toBe(true);
  });

  it('auto falls back to cpu only when no adapter exists; a closed prover refuses', async () => {
    const p = await createGroth16Prover({ backend: 'auto', gpu: { backend: 'no-such-backend' as never } });
    try {
      expect(p.backend).toBe('cpu');
      expect(p.description).toMatch(/no GPU adapter/);
      const { proof, publicSignals } = await p.prove(fx.private.zkey, wasmOf(fx.private));
      expect(publicSignals).toEqual([]);
      expect(await groth16.verify(fx.private.vk, publicSignals, proof)).toBe(true);
    } finally {
      await p.close();
    }
    await expectCode(p.prove(fx.private.zkey, wasmOf(fx.private)), 'PROVE_FAILED');
    await expectCode(createGroth16Prover({ backend: 'webgpu', gpu: { backend: 'no-such-backend' as never } }), 'NO_GPU_ADAPTER');
    expect(isProverError(await createGroth16Prover({ backend: 'bogus' as never }).catch((e) => e), 'INVALID_INPUT')).toBe(true);
  });

  it('the snarkjs backend is snarkjs', async () => {
    const p: Groth16Prover = await createGroth16Prover({ backend: 'snarkjs' });
    expect(p.backend).toBe('snarkjs');
    const { proof, publicSignals } = await p.prove(fx.multiplier.zkey, wasmOf(fx.multiplier));
    expect(await groth16.verify(fx.multiplier.vk, publicSignals, proof)).toBe(true);
  });
});
