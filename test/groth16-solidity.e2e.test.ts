/**
 * Our Groth16 proofs on chain: snarkjs's Solidity verifier (its groth16 template) for a fixture circuit with a
 * dev key, compiled with the `solc` package the contracts use, deployed on a real Hardhat node; `verifyProof`
 * (arguments in `groth16.exportSolidityCallData`'s order) accepts our prover's proof and snarkjs's, and rejects a
 * tampered proof and a wrong public signal.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { ContractFactory, JsonRpcProvider, Wallet, type Contract } from 'ethers';
import { groth16, zKey } from 'snarkjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestL1, type HardhatNode } from '@plasma-tree/contracts';
import { createGroth16Prover, type Groth16Proof, type Groth16Prover } from '@plasma-tree/prover';
import { devFixture, stopFfjavascript, tempDir, type Fixture } from '../packages/prover/test/helpers/circuits.js';

interface SolcOutput {
  errors?: Array<{ severity: string; formattedMessage: string }>;
  contracts: Record<string, Record<string, { abi: unknown[]; evm: { bytecode: { object: string } } }>>;
}

const contractsRequire = createRequire(fileURLToPath(new URL('../contracts/package.json', import.meta.url)));
const solc = contractsRequire('solc') as { compile(input: string): string };
/** snarkjs's groth16 verifier template (its package exports no subpaths: found from the package's entry). */
function verifierTemplatePath(): string {
  let dir = dirname(createRequire(fileURLToPath(new URL('../packages/prover/package.json', import.meta.url))).resolve('snarkjs'));
  while (!existsSync(join(dir, 'templates', 'verifier_groth16.sol.ejs'))) {
    const up = dirname(dir);
    if (up === dir) throw new Error('snarkjs/templates/verifier_groth16.sol.ejs not found');
    dir = up;
  }
  return join(dir, 'templates', 'verifier_groth16.sol.ejs');
}

/** verifyProof's arguments from snarkjs's call-data string (`[a],[b],[c],[inputs]`). */
async function callData(proof: Groth16Proof, publicSignals: string[]): Promise<[string[], string[][], string[], string[]]> {
  return JSON.parse(`[${await groth16.exportSolidityCallData(proof, publicSignals)}]`);
}

let tmp: Awaited<ReturnType<typeof tempDir>>;
let fx: Fixture;
let node: HardhatNode;
let provider: JsonRpcProvider;
let verifier: Contract;
let prover: Groth16Prover;

beforeAll(async () => {
  tmp = await tempDir();
  fx = await devFixture('multiplier', tmp.dir);
  const source = await zKey.exportSolidityVerifier(fx.zkey, { groth16: await readFile(verifierTemplatePath(), 'utf8') });
  const out = JSON.parse(
    solc.compile(
      JSON.stringify({
        language: 'Solidity',
        sources: { 'Groth16Verifier.sol': { content: source } },
        settings: { optimizer: { enabled: true, runs: 200 }, outputSelection: { '*': { '*': ['abi', 'evm.bytecode.object'] } } },
      }),
    ),
  ) as SolcOutput;
  const errors = (out.errors ?? []).filter((e) => e.severity === 'error');
  if (errors.length) throw new Error(errors.map((e) => e.formattedMessage).join('\n'));
  const { abi, evm } = out.contracts['Groth16Verifier.sol'].Groth16Verifier;

  node = await startTestL1();
  provider = new JsonRpcProvider(node.url, undefined, { cacheTimeout: -1, staticNetwork: true });
  const deployer = new Wallet(node.accounts[0].privateKey, provider);
  const deployed = await new ContractFactory(abi as never, `0x${evm.bytecode.object}`, deployer).deploy();
  await deployed.waitForDeployment();
  verifier = deployed as unknown as Contract;
  prover = await createGroth16Prover({ backend: 'cpu' });
}, 120_000);

afterAll(async () => {
  await prover?.close();
  provider?.destroy();
  await node?.stop();
  await stopFfjavascript();
  await tmp?.remove();
});

describe('snarkjs Solidity verifier on Hardhat', () => {
  it('accepts our proof and snarkjs’s', async () => {
    const ours = await prover.prove(fx.zkey, { input: fx.input, wasm: fx.circuit.wasm });
    expect(await groth16.verify(fx.vk, ours.publicSignals, ours.proof)).toBe(true);
    expect(await verifier.verifyProof(...(await callData(ours.proof, ours.publicSignals)))).toBe(true);
    const ref = await groth16.fullProve(fx.input, fx.circuit.wasm, fx.zkey);
    expect(await verifier.verifyProof(...(await callData(ref.proof as Groth16Proof, ref.publicSignals)))).toBe(true);
  });

  it('rejects a tampered proof and a wrong public signal', async () => {
    const { proof, publicSignals } = await prover.prove(fx.zkey, { input: fx.input, wasm: fx.circuit.wasm });
    const [a, b, c, inputs] = await callData(proof, publicSignals);
    expect(await verifier.verifyProof(c, b, a, inputs)).toBe(false); // π_A and π_C swapped
    const wrongB = [b[1], b[0]];
    expect(await verifier.verifyProof(a, wrongB, c, inputs)).toBe(false);
    const wrongInput = [...inputs];
    wrongInput[0] = `0x${(BigInt(inputs[0]) + 1n).toString(16)}`;
    expect(await verifier.verifyProof(a, b, c, wrongInput)).toBe(false);
    // A proof of other public signals (another input) does not carry over.
    const other = await prover.prove(fx.zkey, { input: { ...fx.input, b: 5 }, wasm: fx.circuit.wasm });
    const [oa, ob, oc] = await callData(other.proof, other.publicSignals);
    expect(await verifier.verifyProof(oa, ob, oc, inputs)).toBe(false);
  });
});
