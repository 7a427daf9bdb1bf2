// The part of snarkjs (untyped) that the prover uses.
declare module 'snarkjs' {
  export interface SnarkjsG1 {
    multiExpAffine(bases: Uint8Array, scalars: Uint8Array, logger?: unknown, logText?: string): Promise<Uint8Array>;
    toAffine(p: Uint8Array): Uint8Array;
  }
  export interface SnarkjsCurve {
    readonly G1: SnarkjsG1;
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
  };
  export const wtns: {
    calculate(input: unknown, wasm: SnarkjsFile, out: SnarkjsFile): Promise<void>;
  };
  export const zKey: Record<string, (...args: any[]) => Promise<any>>;
  export const powersOfTau: Record<string, (...args: any[]) => Promise<any>>;
  export const r1cs: Record<string, (...args: any[]) => Promise<any>>;
}
