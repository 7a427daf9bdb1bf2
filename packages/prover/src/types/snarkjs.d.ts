// The part of snarkjs (untyped) that the prover uses, including the ffjavascript curve it hands out.
declare module 'snarkjs' {
  /**
   * A point group of ffjavascript's wasm curve. Points are byte buffers in Montgomery form: affine (2·n8 bytes,
   * LEM) or Jacobian (3·n8 bytes); operations accept either and return Jacobian unless named otherwise.
   */
  export interface SnarkjsGroup {
    readonly F: { readonly n8: number };
    /** The generator, Jacobian. */
    readonly g: Uint8Array;
    /** The generator, affine (LEM). */
    readonly oneAffine: Uint8Array;
    readonly zero: Uint8Array;
    readonly zeroAffine: Uint8Array;
    multiExpAffine(bases: Uint8Array, scalars: Uint8Array, logger?: unknown, logText?: string): Promise<Uint8Array>;
    toAffine(p: Uint8Array): Uint8Array;
    add(a: Uint8Array, b: Uint8Array): Uint8Array;
    neg(a: Uint8Array): Uint8Array;
    eq(a: Uint8Array, b: Uint8Array): boolean;
    /** s: an Fr element (Montgomery). */
    timesFr(p: Uint8Array, s: Uint8Array): Uint8Array;
    timesScalar(p: Uint8Array, s: Uint8Array | bigint | number): Uint8Array;
    isValid(p: Uint8Array): boolean;
    isZero(p: Uint8Array): boolean;
    /** Standard-form coordinates: G1 [x, y, z] bigints, G2 [[x0, x1], [y0, y1], [z0, z1]]. */
    toObject(p: Uint8Array): unknown[];
    fromObject(o: unknown[]): Uint8Array;
  }
  export type SnarkjsG1 = SnarkjsGroup;
  export type SnarkjsG2 = SnarkjsGroup;

  /** ffjavascript's wasm scalar field Fr: elements are 32-byte buffers in Montgomery form. */
  export interface SnarkjsFr {
    readonly n8: number;
    /** 2-adicity: the largest power-of-two domain is 2^s. */
    readonly s: number;
    /** w[k]: the primitive 2^k-th root of unity the FFTs use (w[k]² = w[k − 1]). */
    readonly w: Uint8Array[];
    /** The coset shift used when the domain is 2^s. */
    readonly shift: Uint8Array;
    readonly zero: Uint8Array;
    readonly one: Uint8Array;
    e(x: bigint | number | string): Uint8Array;
    random(): Uint8Array;
    add(a: Uint8Array, b: Uint8Array): Uint8Array;
    mul(a: Uint8Array, b: Uint8Array): Uint8Array;
    neg(a: Uint8Array): Uint8Array;
    eq(a: Uint8Array, b: Uint8Array): boolean;
    /** Standard form as a bigint. */
    toObject(a: Uint8Array): bigint;
    fromObject(x: bigint): Uint8Array;
    fft(buff: Uint8Array, inType?: string, outType?: string, logger?: unknown, logText?: string): Promise<Uint8Array>;
    ifft(buff: Uint8Array, inType?: string, outType?: string, logger?: unknown, logText?: string): Promise<Uint8Array>;
    /** buff[i] · first · inc^i. */
    batchApplyKey(buff: Uint8Array, first: Uint8Array, inc: Uint8Array): Promise<Uint8Array>;
    batchToMontgomery(buff: Uint8Array): Promise<Uint8Array>;
    batchFromMontgomery(buff: Uint8Array): Promise<Uint8Array>;
  }

  /** One command of an ffjavascript thread task (run on a worker's wasm instance). */
  export type SnarkjsTaskCmd =
    | { cmd: 'ALLOCSET'; var: number; buff: Uint8Array }
    | { cmd: 'ALLOC'; var: number; len: number }
    | { cmd: 'SET'; var: number; buff: Uint8Array }
    | { cmd: 'CALL'; fnName: string; params: Array<{ var: number; offset?: number } | { val: number }> }
    | { cmd: 'GET'; out: number; var: number; len: number };

  export interface SnarkjsThreadManager {
    readonly concurrency: number;
    readonly singleThread: boolean;
    /** The curve's wasm module (set on single-thread curves only). */
    readonly code?: Uint8Array;
    queueAction(task: SnarkjsTaskCmd[]): Promise<Uint8Array[]>;
  }

  export interface SnarkjsCurve {
    readonly name: string;
    readonly Fr: SnarkjsFr;
    readonly G1: SnarkjsG1;
    readonly G2: SnarkjsG2;
    readonly tm: SnarkjsThreadManager;
    terminate(): Promise<void>;
  }
  export const curves: {
    getCurveFromName(name: string, options?: { singleThread?: boolean }): Promise<SnarkjsCurve>;
  };
  /** A path, or an in-memory file (`data` is filled in when written). */
  export type SnarkjsFile = string | { type: 'mem'; data?: Uint8Array };
  export const groth16: {
    prove(zkey: SnarkjsFile, wtns: SnarkjsFile, logger?: unknown): Promise<{ proof: unknown; publicSignals: string[] }>;
    fullProve(input: unknown, wasm: SnarkjsFile, zkey: SnarkjsFile, logger?: unknown): Promise<{ proof: unknown; publicSignals: string[] }>;
    verify(vk: unknown, publicSignals: unknown, proof: unknown, logger?: unknown): Promise<boolean>;
    exportSolidityCallData(proof: unknown, publicSignals: unknown): Promise<string>;
  };
  export const wtns: {
    calculate(input: unknown, wasm: SnarkjsFile, out: SnarkjsFile): Promise<void>;
  };
  export const zKey: Record<string, (...args: any[]) => Promise<any>>;
  export const powersOfTau: Record<string, (...args: any[]) => Promise<any>>;
  export const r1cs: Record<string, (...args: any[]) => Promise<any>>;
}
