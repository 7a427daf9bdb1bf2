/**
 * The Groth16 prover's public contract, shared by every backend (`webgpu`, `cpu`, `snarkjs`) and by the prover
 * service. Proofs and public signals are in snarkjs's JSON format, so `snarkjs groth16 verify` and the Solidity
 * verifier that snarkjs exports accept them unchanged.
 */

/** Where a proving key comes from: a `.zkey` path, or its bytes. */
export type ZkeySource = string | Uint8Array;

/**
 * The witness: a snarkjs `.wtns` (path or bytes), or the circuit's inputs with the circuit's witness-generator
 * wasm (circom's `<name>_js/<name>.wasm`, path or bytes).
 */
export type WitnessSource =
  | { readonly wtns: string | Uint8Array }
  | { readonly input: Record<string, unknown>; readonly wasm: string | Uint8Array };

/** The steps of one proof, in order; `fraction` in {@link ProveProgress} is the share of the whole proof done. */
export const PROVE_STAGES = ['witness', 'load', 'qap', 'ntt', 'msm-a', 'msm-b1', 'msm-b2', 'msm-c', 'msm-h', 'assemble'] as const;
export type ProveStage = (typeof PROVE_STAGES)[number];

export interface ProveProgress {
  readonly stage: ProveStage;
  /** 0..1 over the whole proof (monotone). */
  readonly fraction: number;
}

/** snarkjs's proof.json (decimal strings, projective with z = "1"). */
export interface Groth16Proof {
  pi_a: [string, string, string];
  pi_b: [[string, string], [string, string], [string, string]];
  pi_c: [string, string, string];
  protocol: 'groth16';
  curve: 'bn128';
}

export interface ProveResult {
  readonly proof: Groth16Proof;
  /** snarkjs's public.json: the circuit's public outputs then public inputs, decimal strings. */
  readonly publicSignals: string[];
  /** Milliseconds per stage (stages a backend does not separate are absent). */
  readonly timings: Partial<Record<ProveStage, number>>;
}

export interface ProveOptions {
  /** Aborting rejects with `ProverError('ABORTED')` at the next stage boundary; the prover stays usable. */
  readonly signal?: AbortSignal;
  readonly onProgress?: (p: ProveProgress) => void;
}

/**
 * - `webgpu`: our pipeline with the G1 MSMs and the NTTs on WebGPU (a GPU, or Mesa's llvmpipe);
 * - `cpu`: our pipeline with ffjavascript's wasm MSMs and FFTs (no adapter needed);
 * - `snarkjs`: `snarkjs.groth16.prove` itself (the reference).
 */
export type ProverBackend = 'webgpu' | 'cpu' | 'snarkjs';

export interface Groth16Prover {
  readonly backend: ProverBackend;
  /** Human-readable: the adapter, or why `auto` fell back. */
  readonly description: string;
  prove(zkey: ZkeySource, witness: WitnessSource, opts?: ProveOptions): Promise<ProveResult>;
  /** Releases the device or the worker threads. */
  close(): Promise<void>;
}
