import { BN254_P, BN254_R } from '../../src/field/constants.js';
import { type G1Affine, G1_GENERATOR, g1Mul, pointFromX } from '../../src/field/g1.js';

/** Deterministic xorshift128 generator: every test input is reproducible from its seed. */
export class Rng {
  private s: Uint32Array;

  constructor(seed: number) {
    this.s = new Uint32Array([seed >>> 0 || 1, 0x9e3779b9, 0x243f6a88, 0xb7e15162]);
    for (let i = 0; i < 16; i++) this.u32();
  }

  u32(): number {
    const s = this.s;
    let t = s[3];
    const x = s[0];
    s[3] = s[2];
    s[2] = s[1];
    s[1] = x;
    t ^= t << 11;
    t ^= t >>> 8;
    s[0] = (t ^ x ^ (x >>> 19)) >>> 0;
    return s[0];
  }

  /** Uniform in [0, 2^bits). */
  bits(bits: number): bigint {
    let x = 0n;
    for (let i = 0; i < bits; i += 32) x = (x << 32n) | BigInt(this.u32());
    return x & ((1n << BigInt(bits)) - 1n);
  }

  /** Uniform in [0, n) by rejection. */
  below(n: bigint): bigint {
    const bits = n.toString(2).length;
    for (;;) {
      const x = this.bits(bits);
      if (x < n) return x;
    }
  }

  int(n: number): number {
    return this.u32() % n;
  }

  fp(): bigint {
    return this.below(BN254_P);
  }

  scalar(): bigint {
    return this.below(BN254_R);
  }

  /** A uniformly random point of G1 (cofactor 1: every curve point is in the group). */
  point(): G1Affine {
    for (;;) {
      const p = pointFromX(this.fp(), (this.u32() & 1) === 1);
      if (p) return p;
    }
  }

  /** A point with a known discrete log, for checks through scalar arithmetic. */
  pointWithLog(): { p: G1Affine; k: bigint } {
    const k = this.scalar();
    return { p: g1Mul(G1_GENERATOR, k), k };
  }
}
