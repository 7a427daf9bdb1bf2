/** Compiled artifacts and deployment helpers. */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Contract, ContractFactory, type InterfaceAbi, type Signer } from 'ethers';

/** The contracts package directory (holds hardhat.config.cjs, src/, artifacts/). */
export const CONTRACTS_DIR = dirname(fileURLToPath(import.meta.url));
export const ARTIFACTS_DIR = join(CONTRACTS_DIR, 'artifacts');

// ---------------------------------------------------------------------------------------------------------------
// Artifacts
// ---------------------------------------------------------------------------------------------------------------

/** The part of a Hardhat artifact the rest of the project uses. */
export interface Artifact {
  contractName: string;
  sourceName: string;
  abi: InterfaceAbi;
  bytecode: string;
  deployedBytecode: string;
}

const artifactCache = new Map<string, Artifact>();

function artifactFiles(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      if (entry.name !== 'build-info') out.push(...artifactFiles(path));
    } else if (entry.name.endsWith('.json') && !entry.name.endsWith('.dbg.json')) {
      out.push(path);
    }
  }
  return out;
}

/**
 * Reads a compiled contract from `contracts/artifacts/`. `name` is a contract name (`"PlasmaRoot"`) or a fully
 * qualified one (`"src/test/TestToken.sol:TestToken"`). Throws a clear error when the contracts are not compiled.
 */
export function loadArtifact(name: string): Artifact {
  const cached = artifactCache.get(name);
  if (cached) return cached;
  const notBuilt = `contract artifact "${name}" not found in ${ARTIFACTS_DIR}: run \`npm run build:contracts\` at the repository root first`;
  let file: string;
  if (name.includes(':')) {
    const [source, contract] = name.split(':');
    file = join(ARTIFACTS_DIR, source, `${contract}.json`);
    if (!existsSync(file)) throw new Error(notBuilt);
  } else {
    if (!existsSync(ARTIFACTS_DIR)) throw new Error(notBuilt);
    const matches = artifactFiles(ARTIFACTS_DIR).filter((f) => f.endsWith(`/${name}.json`));
    if (matches.length === 0) throw new Error(notBuilt);
    if (matches.length > 1) throw new Error(`contract name "${name}" is ambiguous: use "<source>:<name>" (${matches.join(', ')})`);
    file = matches[0];
  }
  const json = JSON.parse(readFileSync(file, 'utf8')) as Artifact;
  const artifact: Artifact = {
    contractName: json.contractName,
    sourceName: json.sourceName,
    abi: json.abi,
    bytecode: json.bytecode,
    deployedBytecode: json.deployedBytecode,
  };
  artifactCache.set(name, artifact);
  return artifact;
}

// ---------------------------------------------------------------------------------------------------------------
// Deployment
// ---------------------------------------------------------------------------------------------------------------

export interface Deployed {
  address: string;
  /** Connected to the deploying signer. */
  contract: Contract;
}

/** Deploys compiled contract `name` (see {@link loadArtifact}) with constructor `args` and waits for it. */
export async function deployContract(signer: Signer, name: string, args: unknown[] = []): Promise<Deployed> {
  const { abi, bytecode } = loadArtifact(name);
  const deployed = await new ContractFactory(abi, bytecode, signer).deploy(...args);
  await deployed.waitForDeployment();
  const address = await deployed.getAddress();
  return { address, contract: new Contract(address, abi, signer) };
}

/** The root contract with the fraud-proof verifier it calls. */
export interface DeployedRoot extends Deployed {
  /** The PlasmaFraudVerifier (stateless) whose address is PlasmaRoot's immutable `fraudVerifier`. */
  verifier: Deployed;
}

/**
 * Deploys the root contract in one call: first its stateless PlasmaFraudVerifier (docs/FRAUD.md §3), then
 * PlasmaRoot with the verifier's address as its constructor argument. Pass `verifier` to reuse a deployed one.
 */
export async function deployRoot(signer: Signer, options: { verifier?: string } = {}): Promise<DeployedRoot> {
  const verifier = options.verifier
    ? { address: options.verifier, contract: new Contract(options.verifier, loadArtifact('PlasmaFraudVerifier').abi, signer) }
    : await deployFraudVerifier(signer);
  const root = await deployContract(signer, 'PlasmaRoot', [verifier.address]);
  return { ...root, verifier };
}

/**
 * Deploys PlasmaFraudVerifier with its ledger modules (docs/LEDGER-PROOFS.md §5.2): the stateless kind-group modules,
 * then the verifier that names them (registry, exits, objections, edges, child fraud, nested escape).
 */
export async function deployFraudVerifier(signer: Signer): Promise<Deployed> {
  const registry = await deployContract(signer, 'PlasmaLedgerRegistry');
  const exits = await deployContract(signer, 'PlasmaLedgerExits');
  const objections = await deployContract(signer, 'PlasmaLedgerObjections');
  const edges = await deployContract(signer, 'PlasmaLedgerEdges');
  const childFraud = await deployContract(signer, 'PlasmaLedgerChildFraud');
  const nested = await deployContract(signer, 'PlasmaLedgerNested');
  return deployContract(signer, 'PlasmaFraudVerifier', [[registry.address, exits.address, objections.address, edges.address, childFraud.address, nested.address]]);
}

/** Deploys an ERC-20 with an open `mint(to, amount)` (18 decimals), for tests and the devnet. */
export function deployTestToken(signer: Signer, name: string, symbol: string): Promise<Deployed> {
  return deployContract(signer, 'TestToken', [name, symbol]);
}
