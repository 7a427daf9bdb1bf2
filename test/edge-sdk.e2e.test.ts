/**
 * Edge functions end to end through the SDK's TreeClient, on a real devnet (Hardhat L1, root contract, validator
 * nodes running the same edge registry): root → A → A1, 2 s challenge windows.
 * - L1 → A: a message to a handler on A (delivered, in the inbox, the handler's storage), and one the handler
 *   refuses (consumed as failed, its writes undone, the deposit behind it still applied);
 * - A → L1: a message relayed to a RecordingReceiver contract after the window (refused while the receiver
 *   refuses, nothing spent; then delivered once);
 * - A → A1: a user function down (its send half refuses a zero, writes on A; its receive half writes on A1);
 * - A1 → A: a user function up, delivered on A as EDGE_FROM_CHILD after A's window, once; and a message up.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Contract, ContractFactory, JsonRpcProvider, Wallet, parseEther } from 'ethers';
import { PlasmaError, ROOT_CHAIN_ID, bytesToHex, createEdgeRegistry, defineEdgeFunction, hexToBytes, type Address, type ChainId, type Hex } from '@plasma-tree/core';
import { loadArtifact } from '@plasma-tree/contracts';
import { startDevnet, type Devnet } from '@plasma-tree/devnet';
import { TreeClient, type EdgeCallResult } from '@plasma-tree/sdk';

const word = (n: bigint): Hex => `0x${n.toString(16).padStart(64, '0')}`;
const read = (v: Hex | undefined): bigint => (v === undefined || v === '0x' ? 0n : BigInt(v));

/** Down: the parent counts what it sent (and refuses 0), the child what it received. */
const counter = defineEdgeFunction({
  name: 'e2e/counter/v1',
  direction: 'down',
  decode: (payload: Hex) => {
    if (hexToBytes(payload).length !== 32) throw new Error('the payload is one uint256');
    return BigInt(payload);
  },
  send(ctx, n) {
    if (n === 0n) throw new Error('nothing to count');
    ctx.storage.set('0x73', word(read(ctx.storage.get('0x73')) + n));
  },
  receive(ctx, n) {
    ctx.storage.set('0x63', word(read(ctx.storage.get('0x63')) + n));
  },
});

/** Up: the child counts its pings, the parent keeps the last payload of each sender. */
const ping = defineEdgeFunction({
  name: 'e2e/ping/v1',
  direction: 'up',
  send(ctx) {
    ctx.storage.set('0x6e', word(read(ctx.storage.get('0x6e')) + 1n));
  },
  receive(ctx, payload) {
    ctx.storage.set(ctx.sender, payload.length > 2 ? payload : '0x00');
  },
});

/** A message handler: keeps the last data it got (under key 0x01) and refuses 0xdead. */
const HANDLER = '0x00000000000000000000000000000000000000aa' as Address;
const edges = createEdgeRegistry([counter, ping], {
  messageHandlers: {
    [HANDLER]: (ctx, m) => {
      if (m.data === '0xdead') throw new Error('refused');
      ctx.storage.set('0x01', m.data);
    },
  },
});

let devnet: Devnet;
let dir: string;
let provider: JsonRpcProvider;
let alice: Wallet;
let tree: TreeClient;
let receiver: Contract;
const id: Record<string, ChainId> = {};

async function rejection(p: Promise<unknown>): Promise<PlasmaError> {
  const e = await p.then(() => undefined, (err: unknown) => err);
  expect(e).toBeInstanceOf(PlasmaError);
  return e as PlasmaError;
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'pt-edge-sdk-'));
  devnet = await startDevnet({
    dataDir: join(dir, 'devnet'),
    chains: [{ name: 'A' }, { name: 'A1', parent: 'A' }],
    challengeWindow: 2,
    blockTimeMs: 100,
    fundAccounts: 2,
    l1Port: 0,
    rpcPort: 0,
    writeConfig: false,
    edges,
  });
  provider = new JsonRpcProvider(devnet.l1.url, undefined, { cacheTimeout: -1, pollingInterval: 200 });
  alice = new Wallet(devnet.accounts[0].privateKey, provider);
  for (const c of devnet.chains) id[c.name] = c.chainId;
  tree = TreeClient.fromDevnet(devnet, alice, { pollMs: 100 });
  // Slots on A and A1 to sign edge calls from (an edge call moves nothing, but its slot's nonce guards replays).
  await tree.waitForDeposit(await tree.deposit({ to: 'A', amount: parseEther('1') }), { timeoutMs: 60_000 });
  await tree.waitForDeposit(await tree.deposit({ to: 'A1', amount: parseEther('0.1') }), { timeoutMs: 60_000 });
  const artifact = loadArtifact('RecordingReceiver');
  const deployed = await new ContractFactory(artifact.abi, artifact.bytecode, alice).deploy();
  await deployed.waitForDeployment();
  receiver = deployed as unknown as Contract;
}, 180_000);

afterAll(async () => {
  provider?.destroy();
  await devnet?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('edge functions through the SDK on a devnet (root → A → A1)', () => {
  it('L1 → A: a message reaches its handler and the inbox; one the handler refuses is consumed as failed', async () => {
    const sent = await tree.sendMessage({ from: 'L1', to: 'A', target: HANDLER, data: '0x1234' });
    expect(sent).toMatchObject({ direction: 'down', on: 'l1', chainId: ROOT_CHAIN_ID, peer: id.A, sender: alice.address.toLowerCase(), message: { target: HANDLER, data: '0x1234' } });
    expect(sent.nonce).toBeGreaterThan(0n);
    expect(await tree.waitForEdgeDelivery(sent, { timeoutMs: 60_000 })).toMatchObject({ direction: 'down', chainId: id.A, nonce: sent.nonce, status: 'delivered' });
    const inbox = await tree.inbox('A');
    expect(inbox.at(-1)).toMatchObject({ sourceChain: ROOT_CHAIN_ID, sender: alice.address.toLowerCase(), target: HANDLER, data: '0x1234' });
    expect(await tree.messageHandlerStorage('A', HANDLER, '0x01')).toBe('0x1234');

    // Refused by the handler: consumed as failed (its writes undone, the inbox too); the deposit behind it still lands.
    const refused = await tree.sendMessage({ from: 'L1', to: 'A', target: HANDLER, data: '0xdead' });
    const deposit = await tree.deposit({ to: 'A', amount: 1n });
    expect(deposit.nonce).toBe(refused.nonce! + 1n);
    expect(await tree.waitForEdgeDelivery(refused, { timeoutMs: 60_000 })).toMatchObject({ status: 'failed', nonce: refused.nonce });
    await tree.waitForDeposit(deposit, { timeoutMs: 60_000 });
    expect(await tree.inbox('A')).toHaveLength(inbox.length);
    expect(await tree.messageHandlerStorage('A', HANDLER, '0x01')).toBe('0x1234');
    expect(await tree.edgeDelivery('A', sent.nonce!)).toMatchObject({ status: 'delivered' });
  });

  it('A → L1: a message is relayed to an IPlasmaMessageReceiver after the window, once; a refusing receiver spends nothing', async () => {
    const target = (await receiver.getAddress()).toLowerCase();
    const sent = await tree.sendMessage({ from: 'A', to: 'L1', target, data: '0xc0ffee' });
    expect(sent).toMatchObject({ direction: 'up', on: 'chain', chainId: id.A, peer: ROOT_CHAIN_ID });
    const early = await tree.relayUp('A', sent.txHash).then(() => undefined, (e: unknown) => e as PlasmaError);
    if (early) expect(['CHALLENGE_WINDOW_OPEN', 'EXIT_NOT_COMMITTED', 'UNKNOWN_TX']).toContain(early.code);
    const ready = await tree.waitForEdgeDelivery(sent, { timeoutMs: 60_000 });
    expect(ready).toMatchObject({ direction: 'up', status: 'ready', chainId: id.A, parentChainId: ROOT_CHAIN_ID });

    await (await (receiver.connect(alice) as Contract).setRefusing(true)).wait();
    const refused = await rejection(tree.relayUp('A', sent.txHash));
    expect(refused.code).toBe('MESSAGE_REFUSED');
    expect(Number(await receiver.callCount())).toBe(0);
    await (await (receiver.connect(alice) as Contract).setRefusing(false)).wait();

    const relayed = await tree.relayUp('A', sent.txHash);
    expect(relayed).toMatchObject({ on: 'l1', parentChainId: ROOT_CHAIN_ID, chainId: id.A, sender: alice.address.toLowerCase(), message: { target, data: '0xc0ffee' } });
    expect(Number(await receiver.callCount())).toBe(1);
    const call = await receiver.callAt(0);
    expect(call.caller.toLowerCase()).toBe(devnet.rootContract.toLowerCase());
    expect(call.sourceChain).toBe(id.A);
    expect(call.sender.toLowerCase()).toBe(alice.address.toLowerCase());
    expect(call.data).toBe('0xc0ffee');
    expect((await rejection(tree.relayUp('A', sent.txHash))).code).toBe('ALREADY_DELIVERED');
    expect((await tree.edgeUpStatus('A', sent.txHash)).state).toBe('delivered');
  });

  it('A → A1: a user function down runs its send half on A (refusing a zero) and its receive half on A1', async () => {
    const zero = await rejection(tree.callEdge({ chain: 'A', child: 'A1', fn: counter.fn, payload: word(0n) }));
    expect(zero.code).toBe('EDGE_CALL_REFUSED');
    expect(zero.message).toMatch(/nothing to count/);
    // With the function itself, the SDK refuses a payload its decode refuses before signing.
    expect((await rejection(tree.callEdge({ chain: 'A', child: 'A1', edge: counter, payload: '0x05' }))).code).toBe('EDGE_CALL_REFUSED');

    const sent = await tree.callEdge({ chain: 'A', child: 'A1', edge: counter, payload: word(5n) });
    expect(sent).toMatchObject({ direction: 'down', on: 'chain', chainId: id.A, peer: id.A1, fn: counter.fn });
    const second = await tree.callEdge({ chain: 'A', child: 'A1', edge: counter, payload: word(2n) });
    expect(second.nonce).toBe(sent.nonce! + 1n);
    expect(await tree.waitForEdgeDelivery(second, { timeoutMs: 60_000 })).toMatchObject({ status: 'delivered', chainId: id.A1, fn: counter.fn });
    expect(await tree.edgeDelivery('A1', sent.nonce!)).toMatchObject({ status: 'delivered' });
    expect(await tree.edgeStorage('A', counter, '0x73')).toBe(word(7n));
    expect(await tree.edgeStorage('A1', 'e2e/counter/v1', '0x63')).toBe(word(7n));
    expect(await tree.edgeStorage('A1', counter, '0x73')).toBeNull();
  });

  it('A1 → A: a user function up is delivered on A as EDGE_FROM_CHILD after A\'s window, once; a message up too', async () => {
    const sent: EdgeCallResult = await tree.callEdge({ chain: 'A1', edge: ping, payload: '0x0102' });
    expect(sent).toMatchObject({ direction: 'up', on: 'chain', chainId: id.A1, peer: id.A });
    const msg = await tree.sendMessage({ from: 'A1', to: 'A', target: HANDLER, data: '0x77' });
    expect(await tree.edgeStorage('A1', ping, '0x6e')).toBe(word(1n));

    const ready = await tree.waitForEdgeDelivery(sent, { timeoutMs: 60_000 });
    expect(ready).toMatchObject({ direction: 'up', status: 'ready', parentChainId: id.A });
    const relayed = await tree.relayUp('A1', sent.txHash);
    expect(relayed).toMatchObject({ on: 'chain', parentChainId: id.A, chainId: id.A1, fn: ping.fn, payload: '0x0102' });
    expect(await tree.edgeStorage('A', ping, alice.address.toLowerCase() as Hex)).toBe('0x0102');
    expect((await rejection(tree.deliverToParent('A1', sent.txHash))).code).toBe('ALREADY_DELIVERED');

    await tree.waitForEdgeDelivery(msg, { timeoutMs: 60_000 });
    const before = (await tree.inbox('A')).length;
    await tree.relayUp('A1', msg.txHash);
    const inbox = await tree.inbox('A');
    expect(inbox).toHaveLength(before + 1);
    expect(inbox.at(-1)).toMatchObject({ sourceChain: id.A1, sender: alice.address.toLowerCase(), target: HANDLER, data: '0x77' });
    expect(await tree.messageHandlerStorage('A', HANDLER, '0x01')).toBe('0x77');
    expect(bytesToHex(hexToBytes(inbox.at(-1)!.data))).toBe('0x77');
  });
});
