// The part of ffjavascript (a dependency of snarkjs, untyped) that the tests use.
declare module 'ffjavascript' {
  export interface FfjsG1 {
    readonly g: Uint8Array;
    readonly zero: Uint8Array;
    readonly zeroAffine: Uint8Array;
    readonly F: { n8: number };
    multiExpAffine(bases: Uint8Array, scalars: Uint8Array, logger?: unknown, logText?: string): Promise<Uint8Array>;
    toAffine(p: Uint8Array): Uint8Array;
    timesScalar(p: Uint8Array, s: Uint8Array | bigint | number): Uint8Array;
    add(a: Uint8Array, b: Uint8Array): Uint8Array;
    neg(a: Uint8Array): Uint8Array;
    eq(a: Uint8Array, b: Uint8Array): boolean;
    toObject(p: Uint8Array): bigint[];
    fromObject(o: Array<bigint | string>): Uint8Array;
  }
  export interface FfjsCurve {
    readonly G1: FfjsG1;
    readonly tm: { concurrency: number };
    terminate(): Promise<void>;
  }
  export function buildBn128(singleThread?: boolean): Promise<FfjsCurve>;
}
