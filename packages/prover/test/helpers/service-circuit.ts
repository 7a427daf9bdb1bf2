/**
 * A tiny circom circuit for the prover service's tests, compiled with circom2 (wasm) and given an INSECURE dev
 * Groth16 key (`devSetup`, fixed seed); cached in the OS temp dir by source hash. The verification key the tests
 * check proofs with is exported from the .zkey by snarkjs itself, not taken from `devSetup`.
 *
 * `Work`: c = a·b (public output), a ≠ 0 (an inverse is constrained, so a = 0 fails witness generation), and
 * `rounds` iterations of x ← x² + 7 computed only at witness time: it makes a job take as long as a test needs
 * (~1 s per 10^7 rounds) without a larger setup. `h` carries the result out.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import * as snarkjs from 'snarkjs';
import { devSetup } from '../../src/setup/index.js';

export const WORK_CIRCOM = `pragma circom 2.0.0;

template Work() {
    signal input a;
    signal input b;
    signal input rounds;
    signal output c;
    signal output h;
    signal inv;
    inv <-- a != 0 ? 1 / a : 0;
    inv * a === 1;
    c <== a * b;
    var x = b;
    for (var i = 0; i < rounds; i++) {
        x = x * x + 7;
    }
    h <-- x;
}

component main {public [b]} = Work();
`;

export interface TestCircuit {
  dir: string;
  zkey: string;
  wasm: string;
  vkey: Record<string, unknown>;
}

const REPO = resolve(new URL('../../../..', import.meta.url).pathname);

/** Builds (or reuses) the circuit; safe to call from parallel test processes. */
export async function buildWorkCircuit(): Promise<TestCircuit> {
  const hash = createHash('sha256').update(WORK_CIRCOM).update('v2').digest('hex').slice(0, 16);
  const dir = join(tmpdir(), `plasma-tree-prover-service-${hash}`);
  const files = (d: string) => ({ dir: d, zkey: join(d, 'work.zkey'), wasm: join(d, 'work_js', 'work.wasm'), vkeyPath: join(d, 'vkey.json') });
  if (!existsSync(files(dir).vkeyPath)) {
    const tmp = mkdtempSync(join(tmpdir(), 'plasma-tree-prover-build-'));
    const f = files(tmp);
    writeFileSync(join(tmp, 'work.circom'), WORK_CIRCOM);
    await promisify(execFile)(process.execPath, [join(REPO, 'node_modules/circom2/cli.js'), 'work.circom', '--r1cs', '--wasm', '--O2', '-o', '.'], { cwd: tmp });
    await devSetup({ r1cs: join(tmp, 'work.r1cs'), out: f.zkey, seed: 'prover service tests', log: () => {} });
    writeFileSync(f.vkeyPath, JSON.stringify(await snarkjs.zKey.exportVerificationKey(f.zkey)));
    try {
      renameSync(tmp, dir);
    } catch {
      // Another process got there first: use its build.
      rmSync(tmp, { recursive: true, force: true });
    }
  }
  const f = files(dir);
  return { dir, zkey: f.zkey, wasm: f.wasm, vkey: JSON.parse(readFileSync(f.vkeyPath, 'utf8')) };
}

export async function verify(vkey: Record<string, unknown>, publicSignals: string[], proof: unknown): Promise<boolean> {
  return snarkjs.groth16.verify(vkey, publicSignals, proof);
}
