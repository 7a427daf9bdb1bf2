/**
 * circom 2 through the `circom2` npm package (the compiler built to WASI: works offline, no native binary),
 * with full constraint simplification (`--O2`).
 */
import { spawn } from 'node:child_process';
import { access, mkdir } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { basename, join, resolve } from 'node:path';
import { ProverError } from '../errors.js';
import { loadR1cs } from './r1cs.js';

export interface CompileCircuitOptions {
  /** The main .circom file. */
  circom: string;
  /** Output directory (created): `<name>.r1cs` and `<name>_js/<name>.wasm` land there. */
  outDir: string;
  /** Include directories (circom's -l), e.g. circomlib's circuits. */
  include?: readonly string[];
  /** Optimisation level (default 2, i.e. --O2). */
  optimize?: 0 | 1 | 2;
}

export interface CompiledCircuit {
  readonly r1cs: string;
  readonly wasm: string;
  readonly nConstraints: number;
  readonly nVars: number;
  readonly nPublic: number;
}

const ANSI = /\x1b\[[0-9;]*m/g;

export async function compileCircuit(opts: CompileCircuitOptions): Promise<CompiledCircuit> {
  const circom = resolve(opts.circom);
  const outDir = resolve(opts.outDir);
  const fail = (message: string, hint: string, data: Record<string, unknown> = {}, cause?: unknown): ProverError =>
    new ProverError('CIRCUIT_COMPILE_FAILED', message, { hint, data: { circom, ...data }, cause });
  try {
    await access(circom);
  } catch (e) {
    throw fail(`no circuit at ${circom}`, 'check the path', {}, e);
  }
  await mkdir(outDir, { recursive: true });
  const cli = createRequire(import.meta.url).resolve('circom2/cli.js');
  const args = [cli, circom, '--r1cs', '--wasm', `--O${opts.optimize ?? 2}`, '-o', outDir];
  for (const dir of opts.include ?? []) args.push('-l', resolve(dir));

  const { code, output } = await new Promise<{ code: number | null; output: string }>((res, rej) => {
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NO_COLOR: '1' } });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString('utf8')));
    child.stderr.on('data', (d: Buffer) => (output += d.toString('utf8')));
    child.once('error', rej);
    child.once('close', (c) => res({ code: c, output: output.replace(ANSI, '') }));
  }).catch((e: unknown) => {
    throw fail(`could not run circom2: ${(e as Error).message}`, 'is the circom2 package installed?', {}, e);
  });
  if (code !== 0) {
    const errors = output
      .split('\n')
      .filter((l) => l.trim() !== '' && !/^previous errors were found/.test(l.trim()))
      .join('\n')
      .trim();
    throw fail(`circom could not compile ${basename(circom)}:\n${errors || `exit code ${code}`}`, 'fix the circuit (the message is circom\'s)', { exitCode: code, output });
  }
  const name = basename(circom).replace(/\.circom$/, '');
  const r1cs = join(outDir, `${name}.r1cs`);
  const wasm = join(outDir, `${name}_js`, `${name}.wasm`);
  try {
    await access(r1cs);
    await access(wasm);
  } catch (e) {
    throw fail(`circom reported success but ${r1cs} or ${wasm} is missing`, 'check the output directory and disk space', { output }, e);
  }
  const header = await loadR1cs(r1cs);
  return { r1cs, wasm, nConstraints: header.nConstraints, nVars: header.nVars, nPublic: header.nPublic };
}
