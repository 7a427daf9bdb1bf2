/** Shared fixtures of the node tests: a real Hardhat L1 with PlasmaRoot, chains, deposits, signed txs, RPC. */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Contract, JsonRpcProvider, Wallet, parseEther } from 'ethers';
import { deployRoot, startTestL1, type HardhatNode } from '@plasma-tree/contracts';
import { expect } from 'vitest';
import {
  ChainState,
  PlasmaError,
  TxKind,
  blockFromJson,
  plasmaDomain,
  verifyBlock,
  type BlockContext,
  type Header,
  type InvalidBlockData,
  secp256k1Scheme,
  signedTxDigest,
  signedTxToJson,
  type Address,
  type ChainId,
  type Deposit,
  type EdgeDownEvent,
  type EdgeRegistry,
  type Eip712Domain,
  type Hex,
  type SignedTx,
  type SpendTx,
  type UnsignedTx,
} from '@plasma-tree/core';
import { Chain, type ChainParams } from '../src/chain.js';
import { depositEvent, downEventRecord, edgeEvent, type DownEvent } from '../src/parent/confirmedDeposits.js';
import { ChainStore, createLogger, silentLogger, type Logger, type NodeOptions } from '../src/index.js';

export const ETH: Address = `0x${'00'.repeat(20)}`;

export interface L1 {
  hardhat: HardhatNode;
  provider: JsonRpcProvider;
  deployer: Wallet;
  root: Contract;
  rootAddress: Address;
  l1ChainId: bigint;
  stop(): Promise<void>;
}

export async function startL1(): Promise<L1> {
  const hardhat = await startTestL1();
  const provider = new JsonRpcProvider(hardhat.url, undefined, { cacheTimeout: -1, staticNetwork: true });
  const deployer = new Wallet(hardhat.accounts[0].privateKey, provider);
  const { address, contract } = await deployRoot(deployer);
  return {
    hardhat,
    provider,
    deployer,
    root: contract,
    rootAddress: address.toLowerCase() as Address,
    l1ChainId: (await provider.getNetwork()).chainId,
    async stop() {
      provider.destroy();
      await hardhat.stop();
    },
  };
}

/** A funded Hardhat account used as a validator (it pays the gas of commitments). */
export function validatorKey(l1: L1, index: number): Hex {
  return l1.hardhat.accounts[index].privateKey as Hex;
}

/** Spawns a chain validated by the given keys; returns its id. */
export async function spawnChain(l1: L1, validatorKeys: Hex[], threshold = 1, challengeWindow = 60): Promise<ChainId> {
  const validators = validatorKeys.map((k) => new Wallet(k).address);
  const chainId = (await l1.root.spawnChain.staticCall(validators, threshold, challengeWindow, { value: parseEther('0.2') })) as string;
  await (await l1.root.spawnChain(validators, threshold, challengeWindow, { value: parseEther('0.2') })).wait();
  return chainId.toLowerCase() as ChainId;
}

/** An ETH deposit from the deployer to `to` on `chainId`; resolves once mined. */
export async function depositETH(l1: L1, chainId: ChainId, to: Address, wei: bigint): Promise<void> {
  await (await l1.root.depositETH(chainId, to, { value: wei })).wait();
}

export async function mine(l1: L1, blocks: number): Promise<void> {
  await l1.provider.send('hardhat_mine', [`0x${blocks.toString(16)}`]);
}

export async function tempDir(prefix = 'plasma-node-'): Promise<{ path: string; remove(): Promise<void> }> {
  const path = await mkdtemp(join(tmpdir(), prefix));
  return { path, remove: () => rm(path, { recursive: true, force: true }) };
}

export function nodeOptions(l1: L1, chainId: ChainId, dataDir: string, overrides: Partial<NodeOptions> = {}): NodeOptions {
  return {
    dataDir,
    l1RpcUrl: l1.hardhat.url,
    rootContract: l1.rootAddress,
    chainId,
    validatorKeys: [],
    rpc: { port: 0 },
    blockTimeMs: 100,
    l1Confirmations: 2,
    l1PollMs: 50,
    signatureWorkers: 1,
    logger: silentLogger,
    ...overrides,
  };
}

/** A user on the child chain: signs transfers and withdrawals for one chain. */
export class User {
  readonly wallet = Wallet.createRandom();
  readonly address = this.wallet.address.toLowerCase() as Address;
  readonly domain: Eip712Domain;

  constructor(readonly chainId: ChainId, l1ChainId: bigint, rootContract: Address) {
    this.domain = plasmaDomain(l1ChainId, rootContract);
  }

  sign(tx: Omit<SpendTx, 'signature' | 'chainId' | 'token'> & { chainId?: ChainId; token?: Address }): SpendTx {
    const unsigned = { chainId: this.chainId, token: ETH, ...tx };
    const signature = secp256k1Scheme.sign(signedTxDigest(this.domain, unsigned), this.wallet.privateKey as Hex);
    return { ...unsigned, signature };
  }

  transfer(slot: number, to: Address, amount: bigint, nonce: bigint): SpendTx {
    return this.sign({ kind: TxKind.Transfer, slot, to, amount, nonce });
  }

  withdraw(slot: number, recipient: Address, amount: bigint, nonce: bigint): SpendTx {
    return this.sign({ kind: TxKind.Withdraw, slot, to: recipient, amount, nonce });
  }
}

export interface RpcErrorBody {
  code: number;
  message: string;
  data?: { reason?: string; [key: string]: unknown };
}

/** Raw JSON-RPC call; resolves with `result` or rejects with an Error carrying the JSON-RPC error as `rpc`. */
export async function rpc<T = any>(url: string, method: string, params: unknown[] = []): Promise<T> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }),
  });
  const body = (await res.json()) as { result?: T; error?: RpcErrorBody };
  if (body.error) throw Object.assign(new Error(`${method}: ${body.error.message}`), { rpc: body.error });
  return body.result as T;
}

/** The JSON-RPC error a call fails with. */
export async function rpcError(url: string, method: string, params: unknown[] = []): Promise<RpcErrorBody> {
  try {
    await rpc(url, method, params);
  } catch (e) {
    if ((e as { rpc?: RpcErrorBody }).rpc) return (e as { rpc: RpcErrorBody }).rpc;
    throw e;
  }
  throw new Error(`${method} succeeded, an error was expected`);
}

export const txJson = (tx: SpendTx) => signedTxToJson(tx);

/** Polls `check` until it returns a value other than undefined/false. */
export async function waitFor<T>(what: string, check: () => Promise<T | undefined | false> | T | undefined | false, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** Deposits `wei` to `user`, mines past the confirmations and waits until the node shows the balance. */
export async function fund(l1: L1, rpcUrl: string, user: User, wei: bigint): Promise<number> {
  const before = BigInt(await rpc<string>(rpcUrl, 'pt_getBalance', [user.address, ETH]));
  await depositETH(l1, user.chainId, user.address, wei);
  await mine(l1, 2);
  await waitFor('deposit applied', async () => BigInt(await rpc<string>(rpcUrl, 'pt_getBalance', [user.address, ETH])) === before + wei);
  return (await rpc<{ slot: number }>(rpcUrl, 'pt_getAccount', [user.address, ETH])).slot;
}

/** An HTTP proxy to the L1 that can be switched off (connections are then reset), to play an RPC outage. */
export async function startL1Proxy(target: string): Promise<{ url: string; up: boolean; close(): Promise<void> }> {
  const { createServer } = await import('node:http');
  const state = { up: true };
  const server = createServer(async (req, res) => {
    if (!state.up) {
      req.socket.destroy();
      return;
    }
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    try {
      const answer = await fetch(target, { method: 'POST', headers: { 'content-type': 'application/json' }, body: Buffer.concat(chunks) });
      res.writeHead(answer.status, { 'content-type': 'application/json' }).end(Buffer.from(await answer.arrayBuffer()));
    } catch {
      req.socket.destroy();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}`,
    get up() {
      return state.up;
    },
    set up(value: boolean) {
      state.up = value;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A logger that keeps its lines (parsed), for tests that check what the node reported. */
export function recordingLogger(): { logger: Logger; lines: Array<Record<string, unknown>> } {
  const lines: Array<Record<string, unknown>> = [];
  return { logger: createLogger({ level: 'debug', write: (line) => lines.push(JSON.parse(line)) }), lines };
}

/** A chain held in a temporary store, without any L1: for unit tests of the store, mempool and producer (`depth`: ChainParams.depth). */
export async function localChain(dataDir: string, validators: Address[] = [], edges?: EdgeRegistry, depth?: number): Promise<Chain> {
  const params: ChainParams = {
    ...(depth === undefined ? {} : { depth }),
    chainId: `0x${'c1'.repeat(32)}`,
    parentChainId: `0x${'00'.repeat(32)}`,
    l1ChainId: 31337n,
    rootContract: `0x${'5f'.repeat(20)}`,
    validators,
    threshold: 1,
    challengeWindow: 60,
  };
  const store = await ChainStore.open(dataDir, { chainId: params.chainId, rootContract: params.rootContract });
  return Chain.load(params, store, edges);
}

/** The parent's down stream (deposits and down edge events) as the parent would record it, served to a BlockProducer. */
export class FakeDeposits {
  readonly list: DownEvent[] = [];
  constructor(private readonly chainId: ChainId) {}

  add(to: Address, amount: bigint, token: Address = ETH): Deposit {
    const deposit = { chainId: this.chainId, nonce: BigInt(this.list.length + 1), from: to, to, token, amount };
    this.list.push(depositEvent(deposit));
    return deposit;
  }

  /** A down edge event of `fn` from `sender` on the parent, on the same nonce stream. */
  addEdge(fn: Hex, sender: Address, payload: Hex): EdgeDownEvent {
    const event = { nonce: BigInt(this.list.length + 1), fn, sender, payload };
    this.list.push(edgeEvent(event));
    return event;
  }

  next(afterNonce: bigint, max: number): DownEvent[] {
    return this.list.slice(Number(afterNonce), Number(afterNonce) + max);
  }

  record(nonce: bigint): Hex | undefined {
    const event = this.list[Number(nonce) - 1];
    return event && downEventRecord(this.chainId, event);
  }

  /** Every event counts as just confirmed: no proposal is late to apply one. */
  confirmedAt(nonce: bigint): number | undefined {
    return this.list[Number(nonce) - 1] && Date.now();
  }
}

/** Signs any user-signed kind (spends, deposits to a child, spawns) with `user`'s key. */
export function signTx(user: User, unsigned: UnsignedTx): SignedTx {
  const signature = secp256k1Scheme.sign(signedTxDigest(user.domain, unsigned), user.wallet.privateKey as Hex);
  return { ...unsigned, signature } as SignedTx;
}

/** Sends `tx` over JSON-RPC and returns its hash. */
export async function sendTx(url: string, tx: SignedTx): Promise<Hex> {
  return (await rpc<{ hash: Hex }>(url, 'pt_sendTransaction', [signedTxToJson(tx)])).hash;
}

/** Sends `tx` expecting a refusal, and returns the refusal's reason code. */
export async function sendTxReason(url: string, tx: SignedTx): Promise<string | undefined> {
  return (await rpcError(url, 'pt_sendTransaction', [signedTxToJson(tx)])).data?.reason;
}

// ---- fault-injection tests (faults.test.ts, faults-ledger.test.ts) --------------------------------------------

/** A watcher's context for chain `chainId`: the parent's deposit records as PlasmaRoot holds them. */
export async function watcherContext(l1: L1, chainId: ChainId): Promise<BlockContext> {
  const records = new Map<bigint, Hex>();
  const count = (await l1.root.chainInfo(chainId)).depositCount as bigint;
  for (let nonce = 1n; nonce <= count; nonce++) records.set(nonce, (await l1.root.depositRecord(chainId, nonce)) as Hex);
  return { chainId, domain: plasmaDomain(l1.l1ChainId, l1.rootAddress), depositRecord: (nonce) => records.get(nonce) };
}

/** Replays blocks 1..n-1 that the node at `rpcUrl` serves (each must be valid): the state and header block `n` starts from. */
export async function honestPreState(rpcUrl: string, chainId: ChainId, n: number, ctx: BlockContext): Promise<{ state: ChainState; parent: Header | null }> {
  const state = new ChainState(chainId);
  let parent: Header | null = null;
  for (let i = 1; i < n; i++) {
    const block = blockFromJson(await rpc(rpcUrl, 'pt_getBlockByNumber', [i]));
    verifyBlock(block, parent, state, ctx);
    parent = block.header;
  }
  return { state, parent };
}

/** What verifyBlock says of a faulty block: it must throw INVALID_BLOCK; its data. */
export function invalidBlockData(verify: () => void): InvalidBlockData {
  try {
    verify();
  } catch (e) {
    expect(e).toBeInstanceOf(PlasmaError);
    expect((e as PlasmaError).code).toBe('INVALID_BLOCK');
    return (e as PlasmaError<string, InvalidBlockData>).data;
  }
  throw new Error('verifyBlock accepted the faulty block');
}
