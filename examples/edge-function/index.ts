/**
 * An edge function of your own, end to end (see README.md next to this file). Run from the repository root:
 *
 *   npm run build:contracts   # once
 *   node --conditions=source --import tsx examples/edge-function/index.ts
 *
 * It starts a small devnet in this process (L1 → A → A1, 2 s challenge windows) whose nodes all run the name
 * registry of ./edges.ts, then, through the SDK's TreeClient:
 *   1. claims a name on A for A1 (the parent half runs on A, the child half on A1) and reads it on A1;
 *   2. shows the parent half refusing a name that is taken, before anything goes down;
 *   3. sends a message L1 → A to the greeter handler, and reads the handler's storage and A's inbox;
 *   4. sends a message A → L1 to a receiver contract and relays it once A's block is final on L1.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Contract, ContractFactory, JsonRpcProvider, Wallet, parseEther } from 'ethers';
import { PlasmaError, createEdgeRegistry, type Address, type Hex } from '@plasma-tree/core';
import { loadArtifact } from '@plasma-tree/contracts';
import { startDevnet, type Devnet } from '@plasma-tree/devnet';
import { TreeClient } from '@plasma-tree/sdk';
import { GREETER, edgeFunctions, messageHandlers, nameKey, nameRegistry } from './edges.js';

export interface ExampleResult {
  /** The owner of the claimed name as A1 stored it, and as A (the registrar) stored it. */
  ownerOnA1: Hex | null;
  ownerOnA: Hex | null;
  /** The code of the refused second claim (NAME_TAKEN). */
  takenCode: string;
  /** What the greeter stored on A, and A's inbox size. */
  greeting: Hex | null;
  inboxSize: number;
  /** The L1 receiver contract's record of the relayed message. */
  relayed: { sourceChain: Hex; sender: Address; data: Hex };
  seconds: number;
}

export interface ExampleOptions {
  /** Where each step is printed (default: stdout). */
  log?: (line: string) => void;
  /** Devnet data directory (default: a fresh temporary directory, removed at the end). */
  dataDir?: string;
}

export async function main(opts: ExampleOptions = {}): Promise<ExampleResult> {
  const log = opts.log ?? ((line: string) => process.stdout.write(`${line}\n`));
  const t0 = Date.now();
  let last = t0;
  const step = (text: string) => {
    const now = Date.now();
    log(`[${((now - t0) / 1000).toFixed(1).padStart(5)} s] ${text} (+${((now - last) / 1000).toFixed(1)} s)`);
    last = now;
  };
  const dir = opts.dataDir ?? mkdtempSync(join(tmpdir(), 'pt-edge-example-'));
  let devnet: Devnet | undefined;
  let provider: JsonRpcProvider | undefined;
  try {
    // ---- 0. a devnet whose every node runs the same edge functions (every validator of a chain must)
    devnet = await startDevnet({
      dataDir: join(dir, 'devnet'),
      chains: [{ name: 'A' }, { name: 'A1', parent: 'A' }],
      challengeWindow: 2,
      blockTimeMs: 200,
      fundAccounts: 2,
      l1Port: 0,
      rpcPort: 0,
      writeConfig: false,
      edges: createEdgeRegistry(edgeFunctions, { messageHandlers }),
    });
    step(`devnet up: L1 ${devnet.l1.url}, ${devnet.chains.map((c) => `${c.name} ${c.nodeUrl}`).join(', ')}`);
    provider = new JsonRpcProvider(devnet.l1.url, undefined, { cacheTimeout: -1, pollingInterval: 200 });
    const alice = new Wallet(devnet.accounts[0].privateKey, provider);
    const bob = new Wallet(devnet.accounts[1].privateKey, provider);
    const tree = TreeClient.fromDevnet(devnet, alice, { pollMs: 100 });
    const bobTree = TreeClient.fromDevnet(devnet, bob, { pollMs: 100 });

    // An edge call moves no tokens, but it is signed from a slot its caller owns (its nonce guards replays).
    await Promise.all([
      tree.deposit({ to: 'A', amount: parseEther('1') }).then((d) => tree.waitForDeposit(d, { timeoutMs: 60_000 })),
      bobTree.deposit({ to: 'A', amount: parseEther('0.1') }).then((d) => bobTree.waitForDeposit(d, { timeoutMs: 60_000 })),
    ]);
    step('alice and bob hold ETH on A (a slot to sign edge calls from)');

    // ---- 1. a down call: the send half on A (registrar), the receive half on A1
    const claim = await tree.callEdge({ chain: 'A', child: 'A1', edge: nameRegistry, payload: nameKey('alice') });
    step(`alice claims "alice": EDGE_SEND ${claim.txHash.slice(0, 10)}… in block #${claim.blockNumber} of A, nonce #${claim.nonce} on A1's stream`);
    const delivery = await tree.waitForEdgeDelivery(claim, { timeoutMs: 60_000 });
    const ownerOnA1 = await tree.edgeStorage('A1', nameRegistry, nameKey('alice'));
    const ownerOnA = await tree.edgeStorage('A', nameRegistry, nameKey('alice'));
    step(`A1 applied nonce #${claim.nonce}: ${delivery.direction === 'down' ? delivery.status : '?'}; on A1 "alice" → ${ownerOnA1}, on A → ${ownerOnA}`);

    // ---- 2. the send half refuses: the call fails on A, nothing goes down
    let takenCode = 'none';
    try {
      await bobTree.callEdge({ chain: 'A', child: 'A1', edge: nameRegistry, payload: nameKey('alice') });
    } catch (e) {
      if (!(e instanceof PlasmaError)) throw e;
      takenCode = e.code;
      step(`bob claims "alice" too: refused on A, ${e.code}: ${e.message.split(' — ')[0]}`);
    }
    try {
      await bobTree.callEdge({ chain: 'A', child: 'A1', edge: nameRegistry, payload: nameKey('Bob!') });
    } catch (e) {
      if (!(e instanceof PlasmaError)) throw e;
      step(`bob claims "Bob!": refused before signing by the function's own decode, ${e.code}`);
    }

    // ---- 3. a message L1 → A, to a handler on A
    const hello = await tree.sendMessage({ from: 'L1', to: 'A', target: GREETER, data: nameKey('hello from L1') });
    step(`L1 → A message sent through PlasmaRoot.sendMessage: L1 tx ${hello.txHash.slice(0, 10)}…, nonce #${hello.nonce} on A's stream`);
    const helloDelivery = await tree.waitForEdgeDelivery(hello, { timeoutMs: 60_000 });
    const greeting = await tree.messageHandlerStorage('A', GREETER, '0x01');
    const inbox = await tree.inbox('A');
    const text = greeting ? Buffer.from(greeting.slice(2), 'hex').toString('utf8') : null;
    step(`A applied it: ${helloDelivery.direction === 'down' ? helloDelivery.status : '?'}; the greeter stored "${text}", A's inbox holds ${inbox.length} message(s)`);

    // ---- 4. a message A → L1, to a receiver contract, relayed after the window
    const artifact = loadArtifact('RecordingReceiver');
    const receiver = (await (await new ContractFactory(artifact.abi, artifact.bytecode, alice).deploy()).waitForDeployment()) as unknown as Contract;
    const receiverAddress = (await receiver.getAddress()).toLowerCase();
    const up = await tree.sendMessage({ from: 'A', to: 'L1', target: receiverAddress, data: nameKey('hello from A') });
    step(`A → L1 message sent: EDGE_SEND ${up.txHash.slice(0, 10)}… in block #${up.blockNumber} of A, for receiver ${receiverAddress}`);
    await tree.waitForEdgeDelivery(up, { timeoutMs: 60_000 });
    step('A\'s block holding it is committed on L1 and its challenge window is over');
    const relay = await tree.relayUp('A', up.txHash);
    const call = await receiver.callAt(0);
    const relayed = { sourceChain: String(call.sourceChain).toLowerCase() as Hex, sender: String(call.sender).toLowerCase() as Address, data: String(call.data).toLowerCase() as Hex };
    step(`relayed on L1 (PlasmaRoot.relayMessage, ${relay.gasUsed} gas): the receiver got "${Buffer.from(relayed.data.slice(2), 'hex').toString('utf8')}" from ${relayed.sender} on ${relayed.sourceChain.slice(0, 10)}…`);

    const seconds = (Date.now() - t0) / 1000;
    log(`done in ${seconds.toFixed(1)} s`);
    return { ownerOnA1, ownerOnA, takenCode, greeting, inboxSize: inbox.length, relayed, seconds };
  } finally {
    provider?.destroy();
    await devnet?.close();
    if (!opts.dataDir) rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().then(
    () => process.exit(0),
    (e: unknown) => {
      const err = e as PlasmaError;
      process.stderr.write(`error ${err.code ?? ''}: ${err.message}\n`);
      process.exit(1);
    },
  );
}
