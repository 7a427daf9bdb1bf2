/**
 * Edge functions end to end (docs/EDGE.md) on a real devnet: Hardhat L1 with PlasmaRoot, chain A (a child of the
 * root) and A1 (a child of A), every node running the same registry of user functions (`counter` down, `note`
 * up) and a message handler. Through node JSON-RPC, core and the root contract's ABI only:
 * - L1 → A: sendMessage (delivered to the handler, in A's inbox), sendEdgeEvent of `counter`, one whose receive
 *   half throws (consumed as failed) and a later deposit that is still applied, all in one nonce stream;
 * - A → L1: a message (kind-7 up call), relayed on L1 with its exit proof to a RecordingReceiver after the window;
 *   a second relay refused;
 * - A → A1: `counter` called down on A (kind 7), applied on A1 (kind 8), its storage served by A1;
 * - A1 → A: `note` called up on A1, consumed on A with kind 9 after A1's window; a replay ALREADY_WITHDRAWN;
 * - restarts: A and A1 are restarted mid-way and keep their edge storage, deliveries and inbox.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Contract, ContractFactory, JsonRpcProvider, Wallet, parseEther } from 'ethers';
import {
  MESSAGE_FN,
  NATIVE_TOKEN,
  PlasmaError,
  ROOT_CHAIN_ID,
  TxKind,
  ZERO_BYTES32,
  bigintToWord,
  bytesToHex,
  createEdgeRegistry,
  defineEdgeFunction,
  encodeMessagePayload,
  headerFromJson,
  plasmaDomain,
  secp256k1Scheme,
  signedTxDigest,
  signedTxToJson,
  type Address,
  type ChainId,
  type EdgeContext,
  type Eip712Domain,
  type Hex,
  type Message,
  type SignedTx,
  type UnsignedTx,
} from '@plasma-tree/core';
import { loadArtifact } from '@plasma-tree/contracts';
import { startDevnet, type Devnet, type DevnetChain } from '@plasma-tree/devnet';

// ---- the user-defined functions every node runs --------------------------------------------------------------

const TOTAL: Hex = '0x746f74616c'; // "total"
const word = (n: bigint): Hex => bytesToHex(bigintToWord(n));

/** Down: adds the payload's number to a total; more than 1000 is refused on the receiving side. */
const counter = defineEdgeFunction({
  name: 'e2e/counter/v1',
  direction: 'down',
  decode: (payload) => BigInt(payload),
  receive(ctx, n) {
    ctx.storage.set(TOTAL, word(BigInt(ctx.storage.get(TOTAL) ?? '0x0') + n));
    if (n > 1000n) throw new Error(`${n} is over the limit`);
  },
});

/** Up: the parent keeps each note under its bytes, with the child and the sender that sent it. */
const note = defineEdgeFunction({
  name: 'e2e/note/v1',
  direction: 'up',
  receive(ctx, payload) {
    ctx.storage.set(payload, `${ctx.peer}${ctx.sender.slice(2)}`);
  },
});

/** A message target on the chains: keeps the last message's data. */
const APP: Address = `0x${'a9'.repeat(20)}`;
const edges = createEdgeRegistry([counter, note], {
  messageHandlers: { [APP]: (ctx: EdgeContext, m: Message) => ctx.storage.set('0x01', m.data) },
});

// ---- the devnet and raw JSON-RPC -------------------------------------------------------------------------------

let dir: string;
let devnet: Devnet;
let provider: JsonRpcProvider;
let root: Contract;
let alice: Wallet;
let domain: Eip712Domain;
let A: DevnetChain;
let A1: DevnetChain;
/** A's nonce of the L1 message (the devnet's own deposits to A come before it). */
let messageNonce: number;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'pt-edge-e2e-'));
  devnet = await startDevnet({
    dataDir: dir,
    chains: [{ name: 'A' }, { name: 'A1', parent: 'A' }],
    challengeWindow: 2,
    blockTimeMs: 100,
    l1Port: 0,
    rpcPort: 0,
    fundAccounts: 2,
    writeConfig: false,
    edges,
  });
  provider = new JsonRpcProvider(devnet.l1.url, undefined, { cacheTimeout: -1, staticNetwork: true, pollingInterval: 100 });
  alice = new Wallet(devnet.accounts[1].privateKey, provider);
  root = new Contract(devnet.rootContract, loadArtifact('PlasmaRoot').abi, alice);
  domain = plasmaDomain(BigInt(devnet.l1.chainId), devnet.rootContract);
  [A, A1] = devnet.chains;
}, 60_000);

afterAll(async () => {
  provider?.destroy();
  await devnet?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

async function rpc<T = any>(url: string, method: string, params: unknown[] = []): Promise<T> {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }) });
  const body = (await res.json()) as { result?: T; error?: { message: string; data?: { reason?: string } } };
  if (body.error) throw new PlasmaError(body.error.data?.reason ?? 'RPC_ERROR', `${method}: ${body.error.message}`);
  return body.result as T;
}

async function waitFor<T>(what: string, probe: () => Promise<T | undefined | false>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const me = () => alice.address.toLowerCase() as Address;

/** Signs an edge call (kind 7) of `fn` by alice from her ETH slot on `chain`, sends it, and returns its hash. */
async function callEdge(chain: DevnetChain, fn: Hex, child: ChainId, payload: Hex): Promise<Hex> {
  const account = await rpc(chain.nodeUrl, 'pt_getAccount', [me(), NATIVE_TOKEN]);
  const unsigned: UnsignedTx = { kind: TxKind.EdgeSend, chainId: chain.chainId, slot: account.slot, fn, child, payload, nonce: BigInt(account.pendingNonce) };
  return send(chain, sign(unsigned));
}

function sign(unsigned: UnsignedTx): SignedTx {
  return { ...unsigned, signature: secp256k1Scheme.sign(signedTxDigest(domain, unsigned), alice.privateKey as Hex) } as SignedTx;
}

async function send(chain: DevnetChain, tx: SignedTx): Promise<Hex> {
  return (await rpc<{ hash: Hex }>(chain.nodeUrl, 'pt_sendTransaction', [signedTxToJson(tx)])).hash;
}

async function receipt(chain: DevnetChain, hash: Hex, statuses = ['included', 'committed']): Promise<any> {
  return waitFor(`${chain.name} tx ${hash.slice(0, 10)} ${statuses.join('/')}`, async () => {
    const r = await rpc(chain.nodeUrl, 'pt_getReceipt', [hash]);
    if (r?.status === 'rejected') throw new Error(`${chain.name} rejected ${hash}: ${r.reason} ${r.message}`);
    return r && statuses.includes(r.status) ? r : undefined;
  });
}

async function reason(p: Promise<unknown>): Promise<string> {
  return p.then(
    () => 'ok',
    // A contract's custom error (ethers decodes it from the ABI), else the node's reason code.
    (e: unknown) => (e as { revert?: { name?: string } }).revert?.name ?? (e as PlasmaError).code ?? String(e),
  );
}

// ---- the flows ------------------------------------------------------------------------------------------------

describe('edge functions on a devnet (L1 → A → A1)', () => {
  it('L1 → A: a message, a counter event and a failing one are applied in nonce order between deposits', async () => {
    const before = BigInt((await root.chainInfo(A.chainId)).depositCount);
    messageNonce = Number(before) + 1;
    await (await root.sendMessage(A.chainId, APP, '0xc0ffee')).wait();
    await (await root.sendEdgeEvent(A.chainId, counter.fn, word(3n))).wait();
    await (await root.sendEdgeEvent(A.chainId, counter.fn, word(5000n))).wait(); // its receive half throws on A
    await (await root.depositETH(A.chainId, me(), { value: parseEther('1') })).wait();

    // Balances show the block being built; its header (depositNonce) only once it is sealed: wait for both.
    await waitFor('the deposit after the failed event applied', async () =>
      (await rpc(A.nodeUrl, 'pt_getBalance', [me(), NATIVE_TOKEN])) === parseEther('1').toString() &&
      (await rpc(A.nodeUrl, 'pt_chainInfo')).depositNonce === Number(before) + 4);
    expect((await rpc(A.nodeUrl, 'pt_chainInfo')).depositNonce).toBe(Number(before) + 4);
    expect(await rpc(A.nodeUrl, 'pt_getEdgeDelivery', [Number(before) + 1])).toEqual({ nonce: Number(before) + 1, fn: MESSAGE_FN, status: 'delivered' });
    expect(await rpc(A.nodeUrl, 'pt_getEdgeDelivery', [Number(before) + 2])).toEqual({ nonce: Number(before) + 2, fn: counter.fn, status: 'delivered' });
    expect(await rpc(A.nodeUrl, 'pt_getEdgeDelivery', [Number(before) + 3])).toEqual({ nonce: Number(before) + 3, fn: counter.fn, status: 'failed' });
    expect(await rpc(A.nodeUrl, 'pt_getEdgeStorage', [counter.fn, TOTAL])).toBe(word(3n)); // the failed half's write undone
    expect(await rpc(A.nodeUrl, 'pt_getInbox', [])).toEqual([{ index: 1, sourceChain: ROOT_CHAIN_ID, sender: me(), target: APP, data: '0xc0ffee' }]);
    expect(await rpc(A.nodeUrl, 'pt_getEdgeStorage', [MESSAGE_FN, `0x01${APP.slice(2)}01`])).toBe('0xc0ffee');
  });

  it('A → L1: a message called up on A is relayed on L1 to its receiver after the window, once', async () => {
    const factory = ContractFactory.fromSolidity(loadArtifact('RecordingReceiver'), alice);
    const receiver = (await (await factory.deploy()).waitForDeployment()) as Contract;
    const target = (await receiver.getAddress()).toLowerCase() as Address;
    const hash = await callEdge(A, MESSAGE_FN, ZERO_BYTES32, encodeMessagePayload({ target, data: '0x1234' }));
    const included = await receipt(A, hash, ['committed']);
    expect(included).toMatchObject({ kind: 'edgeSend', exitIndex: 0 });
    const proof = await rpc(A.nodeUrl, 'pt_getExitProof', [hash]);
    expect(proof).toMatchObject({ chainId: A.chainId, blockNumber: included.blockNumber, index: 0, leaf: { kind: 'edge', fn: MESSAGE_FN, sourceChain: A.chainId, sender: me() } });
    expect(await reason(rpc(A.nodeUrl, 'pt_getWithdrawalProof', [hash]))).toBe('NOT_A_WITHDRAWAL');

    const relay = () => root.relayMessage(A.chainId, headerFromJson(proof.header), proof.windowEnd, me(), target, '0x1234', proof.index, proof.proof);
    await waitFor('the window passed on L1', async () => (await provider.getBlock('latest'))!.timestamp >= proof.windowEnd);
    await (await relay()).wait();
    expect(await receiver.callCount()).toBe(1n);
    const call = await receiver.callAt(0);
    expect([call.caller.toLowerCase(), call.sourceChain, call.sender.toLowerCase(), call.data]).toEqual([devnet.rootContract, A.chainId, me(), '0x1234']);
    expect(await reason(root.relayMessage.staticCall(A.chainId, headerFromJson(proof.header), proof.windowEnd, me(), target, '0x1234', proof.index, proof.proof))).toBe('AlreadyWithdrawn');
  });

  it('A restarted keeps its edge storage, deliveries and inbox', async () => {
    const delivery = await rpc(A.nodeUrl, 'pt_getEdgeDelivery', [messageNonce]);
    expect(delivery).toMatchObject({ fn: MESSAGE_FN, status: 'delivered' });
    const head = (await rpc(A.nodeUrl, 'pt_chainInfo')).head.number;
    await devnet.restartNode('A');
    expect((await rpc(A.nodeUrl, 'pt_chainInfo')).head.number).toBeGreaterThanOrEqual(head);
    expect(await rpc(A.nodeUrl, 'pt_getEdgeDelivery', [messageNonce])).toEqual(delivery);
    expect(await rpc(A.nodeUrl, 'pt_getEdgeStorage', [counter.fn, TOTAL])).toBe(word(3n));
    expect(await rpc(A.nodeUrl, 'pt_getInbox', [1, 1])).toHaveLength(1);
  });

  it('A → A1: counter called down on A is applied on A1, which keeps it across its own restart', async () => {
    const hash = await callEdge(A, counter.fn, A1.chainId, word(7n));
    const included = await receipt(A, hash);
    const [record] = (await rpc<any[]>(A.nodeUrl, 'pt_getChildDeposits', [A1.chainId, 1, 100])).filter((r) => r.kind === 'edge');
    expect(record).toMatchObject({ kind: 'edge', child: A1.chainId, fn: counter.fn, sender: me(), payload: word(7n), blockNumber: included.blockNumber, index: included.index });

    await waitFor('the counter on A1', async () => (await rpc(A1.nodeUrl, 'pt_getEdgeStorage', [counter.fn, TOTAL])) === word(7n));
    expect(await rpc(A1.nodeUrl, 'pt_getEdgeDelivery', [record.nonce])).toEqual({ nonce: record.nonce, fn: counter.fn, status: 'delivered' });
    expect(await rpc(A.nodeUrl, 'pt_getEdgeStorage', [counter.fn, TOTAL])).toBe(word(3n)); // A's own counter is another storage

    await devnet.restartNode('A1');
    expect(await rpc(A1.nodeUrl, 'pt_getEdgeStorage', [counter.fn, TOTAL])).toBe(word(7n));
    expect(await rpc(A1.nodeUrl, 'pt_getEdgeDelivery', [record.nonce])).toMatchObject({ status: 'delivered' });
  });

  it('A1 → A: note called up on A1 is consumed on A with kind 9 after the window; a replay is ALREADY_WITHDRAWN', async () => {
    // Alice brings ETH to A1 (a slot to call from), then calls note up.
    const slot = (await rpc(A.nodeUrl, 'pt_getAccount', [me(), NATIVE_TOKEN])).slot;
    const nonce = BigInt((await rpc(A.nodeUrl, 'pt_getAccount', [me(), NATIVE_TOKEN])).pendingNonce);
    await receipt(A, await send(A, sign({ kind: TxKind.DepositToChild, chainId: A.chainId, slot, child: A1.chainId, to: me(), token: NATIVE_TOKEN, amount: parseEther('0.1'), nonce })));
    await waitFor('the deposit on A1', async () => (await rpc(A1.nodeUrl, 'pt_getBalance', [me(), NATIVE_TOKEN])) === parseEther('0.1').toString());

    const hash = await callEdge(A1, note.fn, ZERO_BYTES32, '0xbeef');
    await receipt(A1, hash, ['committed']);
    const proof = await rpc(A1.nodeUrl, 'pt_getExitProof', [hash]);
    expect(proof.leaf).toEqual({ kind: 'edge', fn: note.fn, sourceChain: A1.chainId, sender: me(), payload: '0xbeef' });
    const consume: SignedTx = {
      kind: TxKind.EdgeFromChild,
      chainId: A.chainId,
      child: A1.chainId,
      header: headerFromJson(proof.header),
      windowEnd: BigInt(proof.windowEnd),
      fn: note.fn,
      sender: me(),
      payload: '0xbeef',
      index: BigInt(proof.index),
      proof: proof.proof,
    };
    // A's clock is its block timestamps (the wall clock): refused while A1's window is open, then consumed.
    if (Date.now() / 1000 < proof.windowEnd - 1) expect(await reason(send(A, consume))).toBe('CHALLENGE_WINDOW_OPEN');
    await waitFor('A1 window passed', async () => Date.now() / 1000 >= proof.windowEnd + 1);
    const consumed = await receipt(A, await send(A, consume));
    expect(consumed).toMatchObject({ kind: 'edgeFromChild' });
    expect(await rpc(A.nodeUrl, 'pt_getEdgeStorage', [note.fn, '0xbeef'])).toBe(`${A1.chainId}${me().slice(2)}`);
    expect(await reason(send(A, consume))).toBe('ALREADY_WITHDRAWN');
  });
});
