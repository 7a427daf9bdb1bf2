/**
 * One Groth16 proof through our pipeline, step for step what snarkjs 0.7's `groth16_prove.js` does:
 * witness → .zkey (cached) → A·w, B·w, C on the domain → H on the odd coset → MSMs A, B1, C, H (G1, through a
 * `G1Msm`) and B2 (G2, ffjavascript) → π_A = A + α₁ + r·δ₁, π_B = B2 + β₂ + s·δ₂, B1' = B1 + β₁ + s·δ₁,
 * π_C = C + H + s·π_A + r·B1' − r·s·δ₁.
 */
import type { SnarkjsCurve } from 'snarkjs';
import { ProverError, isProverError } from '../errors.js';
import { FIELD_BYTES, G1_AFFINE_BYTES } from '../field/constants.js';
import { bigintFromBytesLE, readG1AffineLEM, writeG1AffineLEM } from '../field/encoding.js';
import { isOnCurve } from '../field/g1.js';
import type { G1Msm } from '../msm/index.js';
import { type Groth16Proof, PROVE_STAGES, type ProveOptions, type ProveResult, type ProveStage, type WitnessSource, type ZkeySource } from './api.js';
import type { CurveLease } from './curve.js';
import { type Groth16H, buildAbc } from './qap.js';
import { type Witness, loadWitness } from './witness.js';
import type { Groth16Zkey, ZkeyCache } from './zkey.js';

/** Share of a whole proof per stage (progress fractions); rough CPU-backend proportions. */
const STAGE_WEIGHT: Record<ProveStage, number> = {
  witness: 0.06,
  load: 0.04,
  qap: 0.05,
  ntt: 0.15,
  'msm-a': 0.12,
  'msm-b1': 0.12,
  'msm-b2': 0.22,
  'msm-c': 0.1,
  'msm-h': 0.12,
  assemble: 0.02,
};
const STAGE_START: Record<ProveStage, number> = (() => {
  const total = PROVE_STAGES.reduce((s, k) => s + STAGE_WEIGHT[k], 0);
  let acc = 0;
  const out = {} as Record<ProveStage, number>;
  for (const k of PROVE_STAGES) {
    out[k] = acc / total;
    acc += STAGE_WEIGHT[k];
  }
  return out;
})();

/** What a pipeline prover runs on. */
export interface PipelineEngines {
  readonly curve: CurveLease;
  /** The G1 MSM for this proof (the CPU backend re-creates it if ffjavascript's engine was replaced). */
  g1Msm(curve: SnarkjsCurve): Promise<G1Msm>;
  readonly h: Groth16H;
  /** Run the G2 MSM (CPU workers) while the G1 MSMs run elsewhere (GPU). */
  readonly overlapG2: boolean;
  readonly zkeys: ZkeyCache;
}

/** Fixed blinding factors: tests only (byte-for-byte comparison with snarkjs). Never use in production. */
export interface FixedRandomness {
  readonly r: bigint;
  readonly s: bigint;
}

const aborted = (): ProverError => new ProverError('ABORTED', 'proof aborted', { hint: 'the caller aborted the job' });

const checked = new WeakSet<Groth16Zkey>();

/** The verification-key points of a freshly parsed key must be on their curves (cheap; catches corruption). */
function checkKeyPoints(curve: SnarkjsCurve, zkey: Groth16Zkey): void {
  if (checked.has(zkey)) return;
  const g1: Array<[string, Uint8Array]> = [
    ['alpha1', zkey.vk.alpha1],
    ['beta1', zkey.vk.beta1],
    ['delta1', zkey.vk.delta1],
  ];
  for (let i = 0; i <= zkey.nPublic; i++) g1.push([`IC[${i}]`, zkey.ic.subarray(i * G1_AFFINE_BYTES, (i + 1) * G1_AFFINE_BYTES)]);
  for (const [name, p] of g1) {
    if (!isOnCurve(readG1AffineLEM(p))) throw new ProverError('INVALID_ZKEY', `the .zkey's ${name} is not a BN254 G1 point`, { hint: 'the .zkey is corrupted: regenerate it', data: { point: name } });
  }
  for (const [name, p] of [
    ['beta2', zkey.vk.beta2],
    ['gamma2', zkey.vk.gamma2],
    ['delta2', zkey.vk.delta2],
  ] as const) {
    if (!curve.G2.isValid(p.slice())) throw new ProverError('INVALID_ZKEY', `the .zkey's ${name} is not a BN254 G2 point`, { hint: 'the .zkey is corrupted: regenerate it', data: { point: name } });
  }
  checked.add(zkey);
}

function g1ToJson(curve: SnarkjsCurve, p: Uint8Array): [string, string, string] {
  return (curve.G1.toObject(curve.G1.toAffine(p)) as bigint[]).map((x) => x.toString()) as [string, string, string];
}

function g2ToJson(curve: SnarkjsCurve, p: Uint8Array): Groth16Proof['pi_b'] {
  return (curve.G2.toObject(curve.G2.toAffine(p)) as bigint[][]).map((c) => c.map((x) => x.toString())) as Groth16Proof['pi_b'];
}

export async function provePipeline(
  engines: PipelineEngines,
  zkeySource: ZkeySource,
  witnessSource: WitnessSource,
  opts: ProveOptions = {},
  fixed?: FixedRandomness,
): Promise<ProveResult> {
  const timings: Partial<Record<ProveStage, number>> = {};
  let stageStart = performance.now();
  let current: ProveStage | undefined;
  const stage = (next: ProveStage): void => {
    const now = performance.now();
    if (current && timings[current] === undefined) timings[current] = now - stageStart;
    if (opts.signal?.aborted) throw aborted();
    current = next;
    stageStart = now;
    opts.onProgress?.({ stage: next, fraction: STAGE_START[next] });
  };

  try {
    stage('witness');
    const witness: Witness = await loadWitness(witnessSource);

    stage('load');
    const zkey = await engines.zkeys.load(zkeySource);
    const curve = await engines.curve.get();
    checkKeyPoints(curve, zkey);
    if (witness.nWitness !== zkey.nVars) {
      const data = { zkeyVars: zkey.nVars, witnessVars: witness.nWitness };
      const msg = `the .zkey's circuit has ${zkey.nVars} signals, the witness ${witness.nWitness}`;
      // A witness computed from the circuit's own wasm defines the circuit: then the key is the odd one out.
      throw 'wtns' in witnessSource
        ? new ProverError('INVALID_WITNESS', msg, { data, hint: 'the witness was computed for another circuit (or the .zkey was made for another one)' })
        : new ProverError('INVALID_ZKEY', msg, { data, hint: 'the .zkey was made for another circuit than this wasm: use the key from the same compilation' });
    }
    const publicSignals: string[] = [];
    for (let i = 1; i <= zkey.nPublic; i++) publicSignals.push(bigintFromBytesLE(witness.values, i * FIELD_BYTES).toString());

    stage('qap');
    const abc = await buildAbc(curve, zkey, witness);

    stage('ntt');
    const h = await engines.h.groth16H(abc.a, abc.b, abc.c);
    if (h.length !== zkey.domainSize * FIELD_BYTES) throw new ProverError('PROVE_FAILED', `the H step returned ${h.length} bytes, expected ${zkey.domainSize * FIELD_BYTES}`);

    const msm = await engines.g1Msm(curve);
    const g1 = async (bases: Uint8Array, scalars: Uint8Array): Promise<Uint8Array> =>
      bases.length === 0 ? curve.G1.zeroAffine : writeG1AffineLEM(await msm.msm(bases, scalars));
    const g2 = async (): Promise<Uint8Array> => {
      const t = performance.now();
      const p = await curve.G2.multiExpAffine(zkey.pointsB2, witness.values);
      timings['msm-b2'] = performance.now() - t;
      return p;
    };

    stage('msm-a');
    const msmA = await g1(zkey.pointsA, witness.values);
    stage('msm-b1');
    const msmB1 = await g1(zkey.pointsB1, witness.values);
    stage('msm-b2');
    let msmB2: Uint8Array | undefined;
    let b2: Promise<Uint8Array> | undefined;
    if (engines.overlapG2) {
      b2 = g2();
      b2.catch(() => {}); // awaited below; an abort in between must not leave an unhandled rejection
    } else {
      msmB2 = await g2();
    }
    stage('msm-c');
    const msmC = await g1(zkey.pointsC, witness.values.subarray((zkey.nPublic + 1) * FIELD_BYTES));
    stage('msm-h');
    const msmH = await g1(zkey.pointsH, h);
    if (b2) msmB2 = await b2;

    stage('assemble');
    const { G1, G2, Fr } = curve;
    const r = fixed ? Fr.e(fixed.r) : Fr.random();
    const s = fixed ? Fr.e(fixed.s) : Fr.random();
    const { alpha1, beta1, beta2, delta1, delta2 } = zkey.vk;
    let piA = G1.add(msmA, alpha1);
    piA = G1.add(piA, G1.timesFr(delta1, r));
    let piB = G2.add(msmB2!, beta2);
    piB = G2.add(piB, G2.timesFr(delta2, s));
    let b1 = G1.add(msmB1, beta1);
    b1 = G1.add(b1, G1.timesFr(delta1, s));
    let piC = G1.add(msmC, msmH);
    piC = G1.add(piC, G1.timesFr(piA, s));
    piC = G1.add(piC, G1.timesFr(b1, r));
    piC = G1.add(piC, G1.timesFr(delta1, Fr.neg(Fr.mul(r, s))));
    const proof: Groth16Proof = {
      pi_a: g1ToJson(curve, piA),
      pi_b: g2ToJson(curve, piB),
      pi_c: g1ToJson(curve, piC),
      protocol: 'groth16',
      curve: 'bn128',
    };
    timings.assemble = performance.now() - stageStart;
    opts.onProgress?.({ stage: 'assemble', fraction: 1 });
    return { proof, publicSignals, timings };
  } catch (e) {
    if (isProverError(e)) throw e;
    throw new ProverError('PROVE_FAILED', `proof failed at stage ${current ?? 'start'}: ${(e as Error).message}`, {
      data: { stage: current },
      hint: 'an internal error: the cause has the details',
      cause: e,
    });
  }
}
