/**
 * Trusted setup: the INSECURE dev setup against snarkjs (its prover and its verification-key export work on the
 * key, the layout matches snarkjs's own key for the same circuit, and the known toxic waste really forges
 * proofs), phase 2 on a tiny powers-of-tau made here, and circom compilation errors.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { curves, groth16, zKey } from 'snarkjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ProverError } from '../src/errors.js';
import { BN254_R } from '../src/field/constants.js';
import { parseBinFile } from '../src/groth16/binfile.js';
import { type Groth16PipelineProver, createGroth16Prover } from '../src/groth16/index.js';
import { parseZkey } from '../src/groth16/zkey.js';
import { compileCircuit } from '../src/setup/compile.js';
import { DEV_SETUP_WARNING, circuitPower, devSetup } from '../src/setup/dev.js';
import { readPtauHeader, setupFromPtau } from '../src/setup/ptau.js';
import { INPUTS, compileFixture, stopFfjavascript, tempDir, tinyPtau } from './helpers/circuits.js';

let tmp: Awaited<ReturnType<typeof tempDir>>;
let cpu: Groth16PipelineProver;
let ptau: { raw: string; prepared: string; ms: number };

beforeAll(async () => {
  tmp = await tempDir();
  cpu = (await createGroth16Prover({ backend: 'cpu' })) as Groth16PipelineProver;
  ptau = await tinyPtau(tmp.dir, 6); // ~1.5 s on 2 cores
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

/** [section id, size] in file order. */
function layout(bytes: Uint8Array): number[][] {
  const sections = [...parseBinFile(bytes, 'zkey', 2).sections.entries()].flatMap(([id, list]) => list.map((s) => ({ id, ...s })));
  return sections.sort((a, b) => a.offset - b.offset).map((s) => [s.id, s.size]);
}

describe('devSetup (INSECURE)', () => {
  it('snarkjs proves with it and verifies with its exported key; so does our prover; says it is insecure', async () => {
    const circuit = await compileFixture('multiplier');
    const lines: string[] = [];
    const out = join(tmp.dir, 'mult.zkey');
    const d = await devSetup({ r1cs: circuit.r1cs, out, log: (l) => lines.push(l) });
    expect(d.insecure).toBe(true);
    expect(lines.join('\n')).toMatch(/INSECURE.*toxic waste .* is known to this process/);
    expect(d.warning).toBe(DEV_SETUP_WARNING);
    expect(await zKey.exportVerificationKey(out)).toEqual(d.verificationKey);
    const ref = await groth16.fullProve(INPUTS.multiplier, circuit.wasm, out);
    expect(await groth16.verify(d.verificationKey, ref.publicSignals, ref.proof)).toBe(true);
    const ours = await cpu.prove(d.zkey, { input: INPUTS.multiplier, wasm: circuit.wasm });
    expect(await groth16.verify(d.verificationKey, ours.publicSignals, ours.proof)).toBe(true);
    expect(ours.publicSignals).toEqual(ref.publicSignals);
  });

  it('same seed → same key; another seed → another key; no seed → fresh toxic waste', async () => {
    const { r1cs } = await compileFixture('private');
    const quiet = { log: () => {} };
    const a = await devSetup({ r1cs, seed: 's1', ...quiet });
    const b = await devSetup({ r1cs, seed: 's1', ...quiet });
    const c = await devSetup({ r1cs, seed: 's2', ...quiet });
    const d = await devSetup({ r1cs, ...quiet });
    expect(Buffer.from(a.zkey).equals(Buffer.from(b.zkey))).toBe(true);
    expect(Buffer.from(a.zkey).equals(Buffer.from(c.zkey))).toBe(false);
    expect(d.insecureToxicWaste.tau).not.toBe(a.insecureToxicWaste.tau);
    expect(a.nPublic).toBe(0);
    const z = parseZkey(a.zkey);
    expect([z.nVars, z.nPublic, z.domainSize]).toEqual([a.nVars, 0, a.domainSize]);
  });

  it('has the layout of snarkjs’s own key for the circuit, and the identical coefficient section', async () => {
    const circuit = await compileFixture('multiplier');
    const theirs = join(tmp.dir, 'mult-snarkjs.zkey');
    await zKey.newZKey(circuit.r1cs, ptau.prepared, theirs);
    const ref = new Uint8Array(await readFile(theirs));
    const d = await devSetup({ r1cs: circuit.r1cs, seed: 'layout', log: () => {} });
    expect(layout(d.zkey)).toEqual(layout(ref));
    const zo = parseZkey(d.zkey);
    const zr = parseZkey(ref);
    expect(Buffer.from(zo.coeffs).equals(Buffer.from(zr.coeffs))).toBe(true); // independent of the toxic waste
    expect([zo.nVars, zo.nPublic, zo.domainSize]).toEqual([zr.nVars, zr.nPublic, zr.domainSize]);
    // Points at infinity exactly where snarkjs has them (signals absent from A, B; H never).
    for (const k of ['pointsA', 'pointsB1', 'pointsB2', 'pointsC'] as const) {
      const size = k === 'pointsB2' ? 128 : 64;
      const zeros = (b: Uint8Array) => Array.from({ length: b.length / size }, (_, i) => b.subarray(i * size, (i + 1) * size).every((x) => x === 0));
      expect(zeros(zo[k]), k).toEqual(zeros(zr[k]));
    }
  });

  it('is insecure for real: its toxic waste forges a proof of a false statement that snarkjs accepts', async () => {
    const circuit = await compileFixture('multiplier');
    const d = await devSetup({ r1cs: circuit.r1cs, seed: 'forge', log: () => {} });
    const { alpha, beta, gamma, delta } = d.insecureToxicWaste;
    const curve = await curves.getCurveFromName('bn128');
    const { G1, G2, Fr } = curve;
    const fr = (x: bigint) => Fr.e(((x % BN254_R) + BN254_R) % BN254_R);
    // "7 · 6 = 1000, scaled 1", nothing of which the circuit allows.
    const publicSignals = ['1000', '1', '3', '11'];
    const ic = (d.verificationKey.IC as string[][]).map((p) => G1.fromObject(p.map(BigInt)));
    let vkX = ic[0];
    publicSignals.forEach((s, i) => (vkX = G1.add(vkX, G1.timesScalar(ic[i + 1], BigInt(s)))));
    // e(A, B) = e(α, β)·e(vkX, γ)·e(C, δ) with A = a·G1, B = b·G2, C = ((ab − αβ)/δ)·G1 − (γ/δ)·vkX.
    const a = 1234567n;
    const b = 7654321n;
    const dInv = modInv(delta);
    const A = G1.timesFr(G1.g, fr(a));
    const B = G2.timesFr(G2.g, fr(b));
    const C = G1.add(G1.timesFr(G1.g, fr((a * b - alpha * beta) * dInv)), G1.neg(G1.timesFr(vkX, fr(gamma * dInv))));
    const json = (p: Uint8Array) => (G1.toObject(G1.toAffine(p)) as bigint[]).map(String);
    const proof = {
      pi_a: json(A),
      pi_b: (G2.toObject(G2.toAffine(B)) as bigint[][]).map((c) => c.map(String)),
      pi_c: json(C),
      protocol: 'groth16',
      curve: 'bn128',
    };
    expect(await groth16.verify(d.verificationKey, publicSignals, proof)).toBe(true);
  });
});

function modInv(x: bigint): bigint {
  let [r0, r1, t0, t1] = [BN254_R, ((x % BN254_R) + BN254_R) % BN254_R, 0n, 1n];
  while (r1 !== 0n) {
    const q = r0 / r1;
    [r0, r1, t0, t1] = [r1, r0 - q * r1, t1, t0 - q * t1];
  }
  return ((t0 % BN254_R) + BN254_R) % BN254_R;
}

describe('setupFromPtau', () => {
  it('a contribution and a beacon on a tiny ptau: snarkjs and our prover prove, the exported key verifies', async () => {
    const circuit = await compileFixture('multiplier');
    expect(ptau.ms).toBeLessThan(20_000);
    expect(await readPtauHeader(ptau.prepared)).toMatchObject({ power: 6, prepared: true });
    expect(await readPtauHeader(ptau.raw)).toMatchObject({ power: 6, prepared: false });
    const out = join(tmp.dir, 'ptau', 'mult.zkey');
    const vkOut = join(tmp.dir, 'ptau', 'vk.json');
    const res = await setupFromPtau({ r1cs: circuit.r1cs, ptau: ptau.prepared, out, vkOut, entropy: 'test entropy' });
    expect(res.contributionHash).toMatch(/^[0-9a-f]{128}$/);
    expect(res).toMatchObject({ zkey: out, power: circuitPower(circuit.nConstraints, circuit.nPublic), ptauPower: 6 });
    const ours = await cpu.prove(out, { input: INPUTS.multiplier, wasm: circuit.wasm });
    expect(await groth16.verify(res.verificationKey, ours.publicSignals, ours.proof)).toBe(true);
    const ref = await groth16.fullProve(INPUTS.multiplier, circuit.wasm, out);
    expect(await groth16.verify(res.verificationKey, ref.publicSignals, ref.proof)).toBe(true);
    const vkFile = JSON.parse(await readFile(vkOut, 'utf8'));
    expect(vkFile).toEqual(JSON.parse(JSON.stringify(res.verificationKey)));

    const beacon = await setupFromPtau({ r1cs: circuit.r1cs, ptau: ptau.prepared, out: join(tmp.dir, 'ptau', 'beacon.zkey'), beacon: { hash: '0102030405060708090a0b0c0d0e0f10', iterationsExp: 10 } });
    const again = await setupFromPtau({ r1cs: circuit.r1cs, ptau: ptau.prepared, out: join(tmp.dir, 'ptau', 'beacon2.zkey'), beacon: { hash: '0102030405060708090a0b0c0d0e0f10', iterationsExp: 10 } });
    expect(again.verificationKey).toEqual(beacon.verificationKey); // a beacon is reproducible
    const p = await cpu.prove(beacon.zkey, { input: INPUTS.multiplier, wasm: circuit.wasm });
    expect(await groth16.verify(beacon.verificationKey, p.publicSignals, p.proof)).toBe(true);
    expect(await groth16.verify(res.verificationKey, p.publicSignals, p.proof)).toBe(false);
  });

  it('a ptau too small for the circuit → SETUP_FAILED naming the power needed; unprepared, missing, bad beacon', async () => {
    const bits = await compileFixture('bits'); // 256 constraints + 3 public: power 9
    const e = await expectCode(setupFromPtau({ r1cs: bits.r1cs, ptau: ptau.prepared, out: join(tmp.dir, 'x.zkey') }), 'SETUP_FAILED');
    expect(e.data).toMatchObject({ needed: 9, ptauPower: 6 });
    expect(e.hint).toMatch(/power 9/);
    const mult = await compileFixture('multiplier');
    expect((await expectCode(setupFromPtau({ r1cs: mult.r1cs, ptau: ptau.raw, out: join(tmp.dir, 'y.zkey') }), 'SETUP_FAILED')).hint).toMatch(/prepare phase2/);
    await expectCode(setupFromPtau({ r1cs: mult.r1cs, ptau: join(tmp.dir, 'none.ptau'), out: join(tmp.dir, 'z.zkey') }), 'SETUP_FAILED');
    await expectCode(setupFromPtau({ r1cs: mult.r1cs, ptau: ptau.prepared, out: join(tmp.dir, 'w.zkey'), beacon: { hash: 'xyz', iterationsExp: 10 } }), 'SETUP_FAILED');
    await expectCode(devSetup({ r1cs: new Uint8Array(10), log: () => {} }), 'SETUP_FAILED');
  });
});

describe('compileCircuit', () => {
  it('compiles a fixture: r1cs, wasm, counts', async () => {
    const c = await compileFixture('chain');
    expect(c.nConstraints).toBe(1000);
    expect(c.nPublic).toBe(1);
    expect(c.wasm).toMatch(/chain_js[/\\]chain\.wasm$/);
  });

  it('circom’s errors → CIRCUIT_COMPILE_FAILED with circom’s message', async () => {
    const bad = join(tmp.dir, 'cubic.circom');
    await writeFile(bad, 'pragma circom 2.0.0;\ntemplate T() { signal input a; signal output c; c <== a * a * a; }\ncomponent main = T();\n');
    const e = await expectCode(compileCircuit({ circom: bad, outDir: join(tmp.dir, 'cubic') }), 'CIRCUIT_COMPILE_FAILED');
    expect(e.message).toMatch(/Non quadratic constraints are not allowed/);
    expect(e.message).not.toMatch(/\x1b\[/);
    const syntax = join(tmp.dir, 'syntax.circom');
    await writeFile(syntax, 'pragma circom 2.0.0;\ntemplate T() { signal input a signal output c; }\ncomponent main = T();\n');
    await expectCode(compileCircuit({ circom: syntax, outDir: join(tmp.dir, 'syntax') }), 'CIRCUIT_COMPILE_FAILED');
    await expectCode(compileCircuit({ circom: join(tmp.dir, 'nope.circom'), outDir: tmp.dir }), 'CIRCUIT_COMPILE_FAILED');
  });
});
