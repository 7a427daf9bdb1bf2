// The part of snarkjs (untyped) that the prover uses: its ffjavascript curve, for the CPU MSM backend.
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
}
