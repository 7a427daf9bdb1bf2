/**
 * Fixture circuits (test/circuits/*.circom), compiled with circom2 at test time into a temp directory, with dev
 * (INSECURE) proving keys and known-good inputs. Compilations are cached on disk by a hash of the source and the
 * compiler version, so test files running in parallel forks compile each circuit once.
 */
import { createHash, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { curves, powersOfTau } from 'snarkjs';
import { type CompiledCircuit, compileCircuit } from '../../src/setup/compile.js';
import { devSetup } from '../../src/setup/dev.js';
import { loadR1cs } from '../../src/setup/r1cs.js';

export const CIRCUITS_DIR = fileURLToPath(new URL('../circuits/', import.meta.url));
const CACHE = join(tmpdir(), 'plasma-tree-prover-test-cache');

export type FixtureName = 'multiplier' | 'bits' | 'chain' | 'private';

/** An input each circuit accepts. */
export const INPUTS: Record<FixtureName, Record<string, unknown>> = {
  multiplier: { a: 7, b: 6, k: 3, offset: 11 },
  bits: { x: '0xf0f0f0f0deadbeef', y: '0x0123456789abcdef', sel: 1 },
  chain: { x: 3, y: 5 },
  private: { p: 17, q: 23 },
};

const circom2Version: string = (createRequire(import.meta.url)('circom2/package.json') as { version: string }).version;

/** Compiles test/circuits/<name>.circom (once per source and compiler version, cached in the temp dir). */
export async function compileFixture(name: FixtureName): Promise<CompiledCircuit> {
  const source = join(CIRCUITS_DIR, `${name}.circom`);
  const hash = createHash('sha256').update(await readFile(source)).update(circom2Version).digest('hex').slice(0, 16);
  const dir = join(CACHE, `${name}-${hash}`);
  if (!existsSync(join(dir, 'done'))) {
    // Compile into a private directory, then publish it with an atomic rename (parallel forks may race).
    await mkdir(CACHE, { recursive: true });
    const work = await mkdtemp(join(CACHE, `${name}-tmp-`));
    await compileCircuit({ circom: source, outDir: work });
    await writeFile(join(work, 'done'), '');
    try {
      await rename(work, dir);
    } catch {
      await rm(work, { recursive: true, force: true });
    }
  }
  const r1cs = join(dir, `${name}.r1cs`);
  const h = await loadR1cs(r1cs);
  return { r1cs, wasm: join(dir, `${name}_js`, `${name}.wasm`), nConstraints: h.nConstraints, nVars: h.nVars, nPublic: h.nPublic };
}

export interface Fixture {
  readonly name: FixtureName;
  readonly circuit: CompiledCircuit;
  /** Dev .zkey, written to a temp file. */
  readonly zkey: string;
  readonly zkeyBytes: Uint8Array;
  readonly vk: Record<string, unknown>;
  readonly input: Record<string, unknown>;
}

/** A private temp directory, removed by the returned function. */
export async function tempDir(prefix = 'plasma-tree-prover-'): Promise<{ dir: string; remove: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  return { dir, remove: () => rm(dir, { recursive: true, force: true }) };
}

/** Compiles the circuit and makes a dev key for it in `dir` (a fixed seed per circuit: reproducible). */
export async function devFixture(name: FixtureName, dir: string): Promise<Fixture> {
  const circuit = await compileFixture(name);
  const zkey = join(dir, `${name}.zkey`);
  const d = await devSetup({ r1cs: circuit.r1cs, out: zkey, seed: `test:${name}`, log: () => {} });
  return { name, circuit, zkey, zkeyBytes: d.zkey, vk: d.verificationKey, input: INPUTS[name] };
}

/**
 * A tiny powers-of-tau ceremony in `dir` (power ≤ 8: a few seconds): a new accumulator, one contribution with
 * random entropy (`raw`, not prepared for phase 2) and its phase-2 preparation (`prepared`). A test ptau, never
 * a real one.
 */
export async function tinyPtau(dir: string, power: number): Promise<{ raw: string; prepared: string; ms: number }> {
  if (power > 8) throw new RangeError('tests never generate big ptau files');
  const t0 = performance.now();
  const p0 = join(dir, `pot${power}_0000.ptau`);
  const raw = join(dir, `pot${power}_0001.ptau`);
  const prepared = join(dir, `pot${power}_final.ptau`);
  const curve = await curves.getCurveFromName('bn128');
  await powersOfTau.newAccumulator(curve, power, p0);
  await powersOfTau.contribute(p0, raw, 'test', randomBytes(16).toString('hex'));
  await powersOfTau.preparePhase2(raw, prepared);
  await rm(p0, { force: true });
  return { raw, prepared, ms: performance.now() - t0 };
}

/** Stops ffjavascript's shared workers (snarkjs calls start them and never stop them). */
export async function stopFfjavascript(): Promise<void> {
  const g = globalThis as { curve_bn128?: { terminate(): Promise<void> } | null };
  if (g.curve_bn128) await g.curve_bn128.terminate();
}

/**
 * Runs `fn` (a snarkjs proof) with snarkjs's blinding factors fixed: `Fr.random()` on ffjavascript's shared
 * engine (the one snarkjs proves with) returns `values` in order (snarkjs draws r, then s). Lets a test compare
 * our proof byte for byte with snarkjs's for the same r and s.
 */
export async function withSnarkjsRandomness<T>(values: readonly bigint[], fn: () => Promise<T>): Promise<T> {
  const curve = await curves.getCurveFromName('bn128');
  const Fr = curve.Fr as { random: () => Uint8Array };
  let i = 0;
  Fr.random = () => {
    if (i >= values.length) throw new Error('snarkjs drew more random values than the test provided');
    return curve.Fr.e(values[i++]);
  };
  try {
    return await fn();
  } finally {
    delete (Fr as { random?: unknown }).random; // back to the prototype's method
  }
}
