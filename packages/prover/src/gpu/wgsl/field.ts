/**
 * WGSL for the BN254 base field, generated from the bigint constants (no hand-copied magic numbers).
 *
 * ## Limb choice: 20 limbs × 13 bits in u32 lanes, Montgomery R = 2^260
 * WGSL has no 64-bit integers and no high-half multiply, so a limb product must fit in a u32.
 * - 16 × 16-bit limbs: a product is 32 bits, so every multiply-accumulate needs a carry split (mask + shift +
 *   add) right away: ~5 ops per inner step, 2·16² + 16 = 528 steps per Montgomery product → ~2,600 ops.
 * - 20 × 13-bit limbs: a product is < 2^26, so a column can absorb up to 64 of them before a u32 overflows. In
 *   the interleaved (CIOS-style) Montgomery product below, a result column receives at most 20 products of
 *   a·b and 20 of m·p plus one carry: 40·(2^13 − 1)² + 2^19 < 2^32 — so no carry is propagated inside the
 *   loops at all; only column i's carry is pushed into column i+1 once its low 13 bits are cleared. About
 *   2·20² multiply-adds → ~1,700 ops, i.e. ~35 % fewer than 16-bit limbs. This is the 13-bit choice of the
 *   ZPrize 2023 WebGPU MSM winners (Derei & Koh), re-derived here for BN254.
 * - 260 bits leave 6 spare bits above p (254 bits), so R = 2^260 > 4p and sums of two canonical values never
 *   overflow the top limb.
 *
 * Every function returns canonical values (limbs < 2^13, value < p). That costs a conditional subtraction per
 * operation but makes results unique, so "bit-identical to the CPU oracle" is a meaningful check at every
 * step. Everything is straight-line code (generated), so there is no dynamic array indexing for a compiler to
 * spill to memory.
 */
import { BN254_P } from '../../field/constants.js';
import { Fp } from '../../field/fields.js';
import { GPU_MONT_BITS, LIMB_BITS, LIMB_MASK, NUM_LIMBS, WORDS_PER_FP, toLimbs } from './repr.js';

const P_LIMBS = toLimbs(BN254_P);
/** −p⁻¹ mod 2^13, for the Montgomery reduction digit. */
const P_INV_NEG = Number((1n << BigInt(LIMB_BITS)) - modInverse(BN254_P % (1n << BigInt(LIMB_BITS)), 1n << BigInt(LIMB_BITS)));
/** 1 in Montgomery form (R mod p). */
const ONE_MONT = toLimbs(Fp.toMont(1n, GPU_MONT_BITS));

function modInverse(a: bigint, m: bigint): bigint {
  for (let x = 1n; x < m; x++) if ((a * x) % m === 1n) return x;
  throw new Error('no inverse');
}

const u = (n: number): string => `${n}u`;
const fpConst = (limbs: readonly number[]): string => `array<u32, ${NUM_LIMBS}>(${limbs.map(u).join(', ')})`;
const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i);

function fpAdd(): string {
  const lines = [`fn fp_add(a: Fp, b: Fp) -> Fp {`, `  var r: Fp;`, `  var v: u32 = a[0] + b[0];`, `  r[0] = v & LIMB_MASK;`];
  for (let i = 1; i < NUM_LIMBS; i++) lines.push(`  v = a[${i}] + b[${i}] + (v >> LIMB_BITS);`, `  r[${i}] = v & LIMB_MASK;`);
  lines.push(`  return fp_reduce_once(r);`, `}`);
  return lines.join('\n');
}

/** a − p if a ≥ p, else a; for 0 ≤ a < 2^260 (computes a + ~p + 1 limb-wise and keeps it if no borrow). */
function fpReduceOnce(): string {
  const lines = [`fn fp_reduce_once(a: Fp) -> Fp {`, `  var d: Fp;`, `  var v: u32;`, `  var c: u32 = 1u;`];
  for (let i = 0; i < NUM_LIMBS; i++) {
    lines.push(`  v = a[${i}] + ${u(LIMB_MASK - P_LIMBS[i])} + c;`, `  d[${i}] = v & LIMB_MASK;`, `  c = v >> LIMB_BITS;`);
  }
  lines.push(`  // c = 1: no borrow, a ≥ p, keep d.`, `  let m = 0u - c;`, `  var r: Fp;`);
  for (let i = 0; i < NUM_LIMBS; i++) lines.push(`  r[${i}] = (d[${i}] & m) | (a[${i}] & ~m);`);
  lines.push(`  return r;`, `}`);
  return lines.join('\n');
}

/** a − b mod p for canonical a, b: limb-wise a + ~b + 1, then + p when it borrowed. */
function fpSub(): string {
  const lines = [`fn fp_sub(a: Fp, b: Fp) -> Fp {`, `  var d: Fp;`, `  var v: u32;`, `  var c: u32 = 1u;`];
  for (let i = 0; i < NUM_LIMBS; i++) {
    lines.push(`  v = a[${i}] + (LIMB_MASK - b[${i}]) + c;`, `  d[${i}] = v & LIMB_MASK;`, `  c = v >> LIMB_BITS;`);
  }
  lines.push(`  // c = 0: a < b, add p (the carry out of the top limb cancels the borrow).`, `  let m = c - 1u;`, `  c = 0u;`, `  var r: Fp;`);
  for (let i = 0; i < NUM_LIMBS; i++) {
    lines.push(`  v = d[${i}] + (${u(P_LIMBS[i])} & m) + c;`, `  r[${i}] = v & LIMB_MASK;`, `  c = v >> LIMB_BITS;`);
  }
  lines.push(`  return r;`, `}`);
  return lines.join('\n');
}

/**
 * Montgomery product a·b·2^-260 mod p, interleaved (CIOS) with lazy carries. Column k is the local `t{k}`:
 * step i adds a·b_i into columns i..i+19, picks m_i so that column i becomes ≡ 0 (mod 2^13), adds m_i·p into
 * the same columns and moves column i's carry into column i+1. Columns 20..39 then hold (a·b + m·p)/2^260 <
 * 2p in non-normalised form; one carry pass and a conditional subtraction make it canonical.
 */
function fpMul(): string {
  const lines = [`fn fp_mul(a: Fp, b: Fp) -> Fp {`];
  for (const j of range(NUM_LIMBS)) lines.push(`  let a${j} = a[${j}];`);
  const declared = new Set<number>();
  for (const i of range(NUM_LIMBS)) {
    lines.push(`  // step ${i}`, `  let b${i} = b[${i}];`);
    for (const j of range(NUM_LIMBS)) {
      const k = i + j;
      if (declared.has(k)) lines.push(`  t${k} += a${j} * b${i};`);
      else {
        lines.push(`  var t${k}: u32 = a${j} * b${i};`);
        declared.add(k);
      }
    }
    lines.push(`  let m${i} = (t${i} * ${u(P_INV_NEG)}) & LIMB_MASK;`);
    for (const j of range(NUM_LIMBS)) lines.push(`  t${i + j} += m${i} * ${u(P_LIMBS[j])};`);
    lines.push(`  t${i + 1} += t${i} >> LIMB_BITS;`);
  }
  // Columns 20..38 hold the result (column 39 is empty); normalise to 13-bit limbs.
  lines.push(`  var r: Fp;`, `  var v: u32 = t${NUM_LIMBS};`, `  r[0] = v & LIMB_MASK;`);
  for (let j = 1; j < NUM_LIMBS; j++) {
    const col = NUM_LIMBS + j;
    lines.push(col < 2 * NUM_LIMBS - 1 ? `  v = t${col} + (v >> LIMB_BITS);` : `  v = v >> LIMB_BITS;`, `  r[${j}] = v & LIMB_MASK;`);
  }
  lines.push(`  return fp_reduce_once(r);`, `}`);
  return lines.join('\n');
}

/**
 * The same product with the step loop kept rolled: the body of one step is straight-line (constant indices,
 * so it stays in registers) and the 20 columns shift down by one limb per step instead of being renamed.
 * Roughly 1/9 of the code of `fpMul`, which matters where every call is inlined and compiled by LLVM on the CPU
 * (Mesa llvmpipe): a point addition compiles in about a second instead of several.
 */
function fpMulRolled(): string {
  const n = NUM_LIMBS;
  const lines = [`fn fp_mul(a: Fp, b: Fp) -> Fp {`];
  for (const j of range(n)) lines.push(`  let a${j} = a[${j}];`);
  for (const j of range(n)) lines.push(`  var t${j}: u32 = 0u;`);
  lines.push(`  for (var i = 0u; i < ${u(n)}; i++) {`, `    let bi = b[i];`);
  for (const j of range(n)) lines.push(`    t${j} += a${j} * bi;`);
  lines.push(`    let m = (t0 * ${u(P_INV_NEG)}) & LIMB_MASK;`);
  for (const j of range(n)) lines.push(`    t${j} += m * ${u(P_LIMBS[j])};`);
  lines.push(`    let c = t0 >> LIMB_BITS;`);
  for (let j = 0; j < n - 1; j++) lines.push(`    t${j} = t${j + 1};`);
  lines.push(`    t${n - 1} = 0u;`, `    t0 += c;`, `  }`);
  lines.push(`  var r: Fp;`, `  var v: u32 = t0;`, `  r[0] = v & LIMB_MASK;`);
  for (let j = 1; j < n; j++) lines.push(`  v = t${j} + (v >> LIMB_BITS);`, `  r[${j}] = v & LIMB_MASK;`);
  lines.push(`  return fp_reduce_once(r);`, `}`);
  return lines.join('\n');
}

/** 256-bit packed words → limbs (no reduction). Limb i is bits [13i, 13i + 13). */
function fpUnpack(): string {
  const lines = [`fn fp_unpack(w: array<u32, ${WORDS_PER_FP}>) -> Fp {`, `  var r: Fp;`];
  for (const i of range(NUM_LIMBS)) {
    const bit = LIMB_BITS * i;
    const word = Math.floor(bit / 32);
    const shift = bit % 32;
    if (word >= WORDS_PER_FP) {
      lines.push(`  r[${i}] = 0u;`);
      continue;
    }
    let expr = shift === 0 ? `w[${word}]` : `(w[${word}] >> ${u(shift)})`;
    if (shift + LIMB_BITS > 32 && word + 1 < WORDS_PER_FP) expr += ` | (w[${word + 1}] << ${u(32 - shift)})`;
    lines.push(`  r[${i}] = (${expr}) & LIMB_MASK;`);
  }
  lines.push(`  return r;`, `}`);
  return lines.join('\n');
}

/** Limbs of a value < 2^256 → 8 packed words. */
function fpPack(): string {
  const lines = [`fn fp_pack(a: Fp) -> array<u32, ${WORDS_PER_FP}> {`, `  var w: array<u32, ${WORDS_PER_FP}>;`];
  for (const k of range(WORDS_PER_FP)) {
    const parts: string[] = [];
    for (const i of range(NUM_LIMBS)) {
      const lo = LIMB_BITS * i;
      const hi = lo + LIMB_BITS;
      if (hi <= 32 * k || lo >= 32 * (k + 1)) continue;
      const sh = lo - 32 * k;
      parts.push(sh >= 0 ? (sh === 0 ? `a[${i}]` : `(a[${i}] << ${u(sh)})`) : `(a[${i}] >> ${u(-sh)})`);
    }
    lines.push(`  w[${k}] = ${parts.join(' | ')};`);
  }
  lines.push(`  return w;`, `}`);
  return lines.join('\n');
}

function fpIsZero(): string {
  return [`fn fp_is_zero(a: Fp) -> bool {`, `  return (${range(NUM_LIMBS).map((i) => `a[${i}]`).join(' | ')}) == 0u;`, `}`].join('\n');
}

function fpEq(): string {
  return [`fn fp_eq(a: Fp, b: Fp) -> bool {`, `  return (${range(NUM_LIMBS).map((i) => `(a[${i}] ^ b[${i}])`).join(' | ')}) == 0u;`, `}`].join('\n');
}

/**
 * How `fp_mul` is emitted. Both return the same canonical values; they differ in code size and register use.
 * - `unrolled`: 20 × 40 straight-line multiply-adds, no data movement. For real GPUs (Vulkan).
 * - `rolled`: one step's body in a 20-iteration loop. For llvmpipe, where compile time dominates.
 */
export type MulVariant = 'unrolled' | 'rolled';

/** The variant for a backend: `rolled` on OpenGL (llvmpipe), `unrolled` elsewhere. */
export function defaultMulVariant(backend: string): MulVariant {
  return backend === 'opengl' ? 'rolled' : 'unrolled';
}

/** The shared field library: constants, add/sub/neg/mul, ×3b, pack/unpack, the ffjavascript conversion. */
export function fieldWgsl(mul: MulVariant = 'unrolled'): string {
  return `// ---- BN254 Fp: ${NUM_LIMBS} × ${LIMB_BITS}-bit limbs, Montgomery R = 2^${GPU_MONT_BITS} (generated by src/gpu/wgsl/field.ts)
alias Fp = array<u32, ${NUM_LIMBS}>;
const LIMB_BITS: u32 = ${u(LIMB_BITS)};
const LIMB_MASK: u32 = ${u(LIMB_MASK)};
const FP_ZERO: Fp = ${fpConst(range(NUM_LIMBS).map(() => 0))};
const FP_ONE: Fp = ${fpConst(ONE_MONT)};

${fpReduceOnce()}

${fpAdd()}

${fpSub()}

fn fp_neg(a: Fp) -> Fp {
  return fp_sub(FP_ZERO, a);
}

${mul === 'unrolled' ? fpMul() : fpMulRolled()}

fn fp_sqr(a: Fp) -> Fp {
  return fp_mul(a, a);
}

// 3b·a = 9a with additions (cheaper than a Montgomery product by a constant).
fn fp_mul_b3(a: Fp) -> Fp {
  let a2 = fp_add(a, a);
  let a4 = fp_add(a2, a2);
  let a8 = fp_add(a4, a4);
  return fp_add(a8, a);
}

${fpIsZero()}

${fpEq()}

${fpUnpack()}

${fpPack()}

// An ffjavascript/.zkey coordinate (Montgomery with R = 2^256, any 256-bit word) → canonical Montgomery with
// R = 2^260: reduce mod p (a 256-bit word is < 6p, so five conditional subtractions), then · 2^4.
fn fp_from_ffjs(w: array<u32, ${WORDS_PER_FP}>) -> Fp {
  var a = fp_unpack(w);
  a = fp_reduce_once(a);
  a = fp_reduce_once(a);
  a = fp_reduce_once(a);
  a = fp_reduce_once(a);
  a = fp_reduce_once(a);
  a = fp_add(a, a);
  a = fp_add(a, a);
  a = fp_add(a, a);
  return fp_add(a, a);
}
`;
}

/** The uniform every kernel takes: (count, strideX) set by `encodeDispatch`, then six kernel arguments. */
export const PARAMS_WGSL = `struct Params { count: u32, stride_x: u32, a0: u32, a1: u32, a2: u32, a3: u32, a4: u32, a5: u32 }`;

/** Load/store functions for a `array<u32>` storage binding named `buf` (stores only when writable). */
export function fpAccessors(buf: string, writable: boolean): string {
  const words = range(WORDS_PER_FP);
  let s = `fn load_fp_${buf}(o: u32) -> Fp {
  return fp_unpack(array<u32, ${WORDS_PER_FP}>(${words.map((k) => `${buf}[o + ${u(k)}]`).join(', ')}));
}
fn load_raw_${buf}(o: u32) -> array<u32, ${WORDS_PER_FP}> {
  return array<u32, ${WORDS_PER_FP}>(${words.map((k) => `${buf}[o + ${u(k)}]`).join(', ')});
}
`;
  if (writable) {
    s += `fn store_fp_${buf}(o: u32, a: Fp) {
  let w = fp_pack(a);
${words.map((k) => `  ${buf}[o + ${u(k)}] = w[${k}];`).join('\n')}
}
`;
  }
  return s;
}
