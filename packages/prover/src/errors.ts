/**
 * Errors of `@plasma-tree/prover`. Same shape as core's `PlasmaError` (`code`, `message`, `data`, `hint`,
 * `toJSON`) so callers handle both alike; the prover does not depend on core.
 */
export type ProverErrorCode =
  /** No WebGPU adapter could be created (no GPU, no Mesa llvmpipe, wrong backend). */
  | 'NO_GPU_ADAPTER'
  /** The adapter refused a device with the limits the prover needs, or the device was lost. */
  | 'GPU_DEVICE_ERROR'
  /** A WGSL module failed to compile or a pipeline failed validation: a bug, not an input problem. */
  | 'GPU_SHADER_ERROR'
  /** A base point is not on BN254 G1 (y² ≠ x³ + 3). */
  | 'INVALID_POINT'
  /** Buffers of the wrong length, or other malformed input. */
  | 'INVALID_INPUT'
  /** An input cannot be split to fit the device's buffer limits. */
  | 'GPU_LIMIT_EXCEEDED'
  /** A .zkey that cannot be read, is not Groth16 over BN254, or does not match the witness. */
  | 'INVALID_ZKEY'
  /** A witness that cannot be read or computed (wrong length, the circuit rejected the input). */
  | 'INVALID_WITNESS'
  /** A proof could not be produced for another reason (the cause says which). */
  | 'PROVE_FAILED'
  /** The caller aborted the proof (AbortSignal). */
  | 'ABORTED'
  /** A trusted-setup step failed (bad .ptau, too small for the circuit, bad .r1cs). */
  | 'SETUP_FAILED'
  /** circom could not compile a circuit. */
  | 'CIRCUIT_COMPILE_FAILED'
  /** Prover service: no such job / circuit, the queue is full, or the service cannot be reached. */
  | 'JOB_NOT_FOUND'
  | 'CIRCUIT_NOT_FOUND'
  | 'QUEUE_FULL'
  | 'SERVICE_UNAVAILABLE';

export class ProverError<Data extends object = Record<string, unknown>> extends Error {
  readonly code: ProverErrorCode;
  readonly data: Data;
  readonly hint: string;

  constructor(code: ProverErrorCode, message: string, opts: { data?: Data; hint?: string; cause?: unknown } = {}) {
    super(opts.hint ? `${message} — ${opts.hint}` : message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'ProverError';
    this.code = code;
    this.data = (opts.data ?? {}) as Data;
    this.hint = opts.hint ?? '';
  }

  toJSON(): { code: ProverErrorCode; message: string; data: Data } {
    return { code: this.code, message: this.message, data: this.data };
  }
}

export function isProverError(e: unknown, code?: ProverErrorCode): e is ProverError {
  return e instanceof ProverError && (code === undefined || e.code === code);
}
