/**
 * The `snarkjs` backend: `snarkjs.groth16.prove` behind {@link Groth16Prover}. It is the reference the other
 * backends are checked against, and a CPU path that needs nothing but snarkjs.
 */
import { groth16, wtns as snarkWtns } from 'snarkjs';
import { ProverError } from '../errors.js';
import type { Groth16Prover, Groth16Proof, ProveOptions, ProveResult, WitnessSource, ZkeySource } from './api.js';

function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new ProverError('ABORTED', 'proof aborted', { hint: 'the caller aborted the job' });
}

/** snarkjs takes paths or `{ type: 'mem', data }` descriptors. */
const memOrPath = (s: string | Uint8Array): string | { type: 'mem'; data: Uint8Array } =>
  typeof s === 'string' ? s : { type: 'mem', data: s };

export async function computeWitnessWtns(witness: WitnessSource): Promise<string | Uint8Array> {
  if ('wtns' in witness) return witness.wtns;
  const out: { type: 'mem'; data?: Uint8Array } = { type: 'mem' };
  try {
    await snarkWtns.calculate(witness.input, memOrPath(witness.wasm), out);
  } catch (e) {
    throw new ProverError('INVALID_WITNESS', `the circuit rejected the input: ${(e as Error).message}`, {
      hint: 'check the input signals against the circuit (names, counts, constraints they must satisfy)',
      cause: e,
    });
  }
  if (!out.data) throw new ProverError('INVALID_WITNESS', 'snarkjs produced no witness');
  return out.data;
}

export function createSnarkjsProver(): Groth16Prover {
  return {
    backend: 'snarkjs',
    description: 'snarkjs.groth16.prove (ffjavascript wasm on the CPU)',
    async prove(zkey: ZkeySource, witness: WitnessSource, opts: ProveOptions = {}): Promise<ProveResult> {
      const t0 = performance.now();
      throwIfAborted(opts.signal);
      opts.onProgress?.({ stage: 'witness', fraction: 0 });
      const wtns = await computeWitnessWtns(witness);
      const t1 = performance.now();
      throwIfAborted(opts.signal);
      opts.onProgress?.({ stage: 'load', fraction: 0.05 });
      let out: { proof: Groth16Proof; publicSignals: string[] };
      try {
        out = (await groth16.prove(memOrPath(zkey), memOrPath(wtns))) as typeof out;
      } catch (e) {
        throw new ProverError('PROVE_FAILED', `snarkjs could not prove: ${(e as Error).message}`, {
          hint: 'check that the witness was computed for this .zkey\'s circuit',
          cause: e,
        });
      }
      opts.onProgress?.({ stage: 'assemble', fraction: 1 });
      return { proof: out.proof, publicSignals: out.publicSignals, timings: { witness: t1 - t0, assemble: performance.now() - t1 } };
    },
    close: async () => {},
  };
}
