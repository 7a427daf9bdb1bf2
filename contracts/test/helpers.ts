/** Shared fixtures of the contract tests: a real Hardhat node, funded wallets, deploy, sign, expect reverts. */
import { rootMinBond } from '@plasma-tree/core';
import {
  Contract,
  Interface,
  JsonRpcProvider,
  Signature,
  Wallet,
  concat,
  id,
  parseEther,
  toBeHex,
  zeroPadValue,
  type ContractTransactionReceipt,
  type ContractTransactionResponse,
  type TypedDataDomain,
} from 'ethers';
import { expect } from 'vitest';
import {
  deployRoot,
  deployTestToken,
  loadArtifact,
  startTestL1,
  type HardhatNode,
} from '../index.js';
import { COMMITMENT_TYPES, ZERO_BYTES32, hashHeader, plasmaDomain, type HeaderStruct } from '../encoding.js';

export interface Fixture {
  node: HardhatNode;
  provider: JsonRpcProvider;
  /** Hardhat's 20 funded accounts; 0 deploys, 1..5 are users, 10..19 are validators. */
  wallets: Wallet[];
  root: Contract;
  rootAddress: string;
  token: Contract;
  tokenAddress: string;
  domain: TypedDataDomain;
  stop(): Promise<void>;
}

export async function setup(): Promise<Fixture> {
  const node = await startTestL1();
  const provider = new JsonRpcProvider(node.url, undefined, { cacheTimeout: -1, staticNetwork: true });
  const wallets = node.accounts.map((a) => new Wallet(a.privateKey, provider));
  const { address: rootAddress, contract: root } = await deployRoot(wallets[0]);
  const { address: tokenAddress, contract: token } = await deployTestToken(wallets[0], 'Test Token', 'TST');
  const domain = plasmaDomain(31337n, rootAddress);
  return {
    node,
    provider,
    wallets,
    root,
    rootAddress,
    token,
    tokenAddress,
    domain,
    async stop() {
      provider.destroy();
      await node.stop();
    },
  };
}

export async function mined(tx: Promise<ContractTransactionResponse>): Promise<ContractTransactionReceipt> {
  const receipt = await (await tx).wait();
  if (!receipt) throw new Error('no receipt');
  return receipt;
}

/** Spawns a child with the given validators; returns its id. */
export async function spawn(
  root: Contract,
  validators: readonly Wallet[] | readonly string[],
  threshold: number,
  window = 100n,
  bond = rootMinBond(threshold), // PlasmaRoot's minimum: MIN_BOND per started 32 signatures
): Promise<string> {
  const addresses = validators.map((v) => (typeof v === 'string' ? v : v.address));
  const chainId = (await root.spawnChain.staticCall(addresses, threshold, window, { value: bond })) as string;
  await mined(root.spawnChain(addresses, threshold, window, { value: bond }));
  return chainId;
}

/** The events of `receipt` emitted by `contract`, by name. */
export function eventsOf(contract: Contract, receipt: ContractTransactionReceipt, name: string) {
  return receipt.logs
    .filter((l) => l.address.toLowerCase() === (contract.target as string).toLowerCase())
    .map((l) => contract.interface.parseLog(l))
    .filter((e) => e?.name === name)
    .map((e) => e!.args);
}

export function header(partial: Partial<HeaderStruct> & { chainId: string; number: bigint }): HeaderStruct {
  return {
    parentHash: ZERO_BYTES32,
    txRoot: id(`tx ${partial.number}`),
    stateRoot: id(`state ${partial.number}`),
    exitRoot: ZERO_BYTES32,
    depositNonce: 0n,
    timestamp: 1_700_000_000n + partial.number,
    ...partial,
  };
}

export interface RawSig {
  signer: string;
  r: string;
  s: string;
  v: number;
}

/** Each wallet's raw signature of Commitment(chainId, number, hashHeader(h)) under `domain`. */
export async function rawCommitmentSigs(signers: readonly Wallet[], domain: TypedDataDomain, h: HeaderStruct): Promise<RawSig[]> {
  const message = { chainId: h.chainId, number: h.number, blockHash: hashHeader(h) };
  return Promise.all(
    signers.map(async (w) => {
      const sig = Signature.from(await w.signTypedData(domain, COMMITMENT_TYPES, message));
      return { signer: w.address, r: sig.r, s: sig.s, v: sig.v };
    }),
  );
}

export function sortBySigner(sigs: readonly RawSig[]): RawSig[] {
  return [...sigs].sort((a, b) => (BigInt(a.signer) < BigInt(b.signer) ? -1 : 1));
}

/** Packs signatures in the given order (no sorting), r ‖ s ‖ v each. */
export function pack(sigs: readonly RawSig[]): string {
  return concat(sigs.map((s) => concat([s.r, s.s, toBeHex(s.v, 1)])));
}

export function word(n: bigint): string {
  return zeroPadValue(toBeHex(n), 32);
}

let errorInterfaces: Interface[] | undefined;

/** Every custom error the tests may meet: the root's, the token's, the guard's, the test receiver's. */
function interfaces(): Interface[] {
  errorInterfaces ??= ['PlasmaRoot', 'PlasmaFraudVerifier', 'PlasmaDataAvailability', 'PlasmaNestedEscape', 'PlasmaLedgerExits', 'PlasmaLedgerRegistry', 'PlasmaLedgerObjections', 'PlasmaLedgerEdges', 'PlasmaLedgerChildFraud', 'TestToken', 'ReentrantRecipient', 'RecordingReceiver'].map((n) => new Interface(loadArtifact(n).abi));
  return errorInterfaces;
}

function revertData(e: unknown): string | undefined {
  const seen = new Set<unknown>();
  const stack: unknown[] = [e];
  while (stack.length) {
    const cur = stack.pop() as Record<string, unknown> | undefined;
    if (!cur || typeof cur !== 'object' || seen.has(cur)) continue;
    seen.add(cur);
    if (typeof cur.data === 'string' && /^0x[0-9a-f]{8}/i.test(cur.data)) return cur.data;
    for (const k of ['error', 'info', 'cause', 'data', 'payload']) stack.push(cur[k]);
  }
  return undefined;
}

/** Decodes the custom error in revert data. */
export function decodeError(data: string): { name: string; args: unknown[] } | undefined {
  for (const iface of interfaces()) {
    try {
      const parsed = iface.parseError(data);
      if (parsed) return { name: parsed.name, args: [...parsed.args] };
    } catch {
      /* not this interface */
    }
  }
  return undefined;
}

/** Awaits `p` and asserts it reverted with custom error `name` (and, if given, exactly these arguments). */
export async function expectRevert(p: Promise<unknown>, name: string, args?: unknown[]): Promise<unknown[]> {
  let error: unknown;
  try {
    await p;
  } catch (e) {
    error = e;
  }
  if (error === undefined) throw new Error(`expected a revert with ${name}, but the call succeeded`);
  const data = revertData(error);
  const decoded = data ? decodeError(data) : undefined;
  if (!decoded) throw new Error(`expected a revert with ${name}, got: ${(error as Error).message ?? String(error)}`);
  expect(decoded.name).toBe(name);
  if (args) expect(decoded.args).toEqual(args);
  return decoded.args;
}

export async function increaseTime(provider: JsonRpcProvider, seconds: bigint | number): Promise<void> {
  await provider.send('evm_increaseTime', [Number(seconds)]);
  await provider.send('evm_mine', []);
}

export async function latestTimestamp(provider: JsonRpcProvider): Promise<bigint> {
  return BigInt((await provider.getBlock('latest'))!.timestamp);
}
