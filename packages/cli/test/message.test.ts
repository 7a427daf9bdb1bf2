/**
 * `plasma-tree message` as a real process: argument errors (before any key or network), then on a devnet this test
 * starts (root → A → A1, a message handler on every chain): L1 → A with --wait, the inbox table, A → L1 to a
 * RecordingReceiver relayed with --wait, and A1 → A relayed on A.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Contract, ContractFactory, JsonRpcProvider, Wallet, parseEther } from 'ethers';
import { createEdgeRegistry, type Address } from '@plasma-tree/core';
import { loadArtifact, startTestL1 } from '@plasma-tree/contracts';
import { startDevnet, type Devnet } from '@plasma-tree/devnet';
import { TreeClient } from '@plasma-tree/sdk';

const BIN = fileURLToPath(new URL('../bin/plasma-tree.js', import.meta.url));

interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

const env = (): NodeJS.ProcessEnv => {
  const e: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1' };
  for (const k of ['FORCE_COLOR', 'PLASMA_TREE_PRIVATE_KEY', 'PLASMA_TREE_PASSWORD', 'PLASMA_TREE_NODES', 'PLASMA_TREE_DEVNET_DIR']) delete e[k];
  return e;
};

function cli(args: string[], cwd: string): Promise<Result> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { env: env(), cwd, timeout: 90_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

let work: string;
beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'pt-cli-message-'));
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

const NOWHERE = ['--l1', 'http://127.0.0.1:9', '--root', '0x5FbDB2315678afecb367f032d93F642f64180aa3'];

describe('plasma-tree message: arguments', () => {
  it('says what is missing or wrong before asking for a key or the network', async () => {
    const missing = await cli(['message', 'send', ...NOWHERE], work);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/^error INVALID_ARGUMENTS: missing --from, --to, --target/m);
    const badData = await cli(['message', 'send', '--from', 'L1', '--to', 'A', '--target', '0x' + '11'.repeat(20), '--data', '0xabc', ...NOWHERE], work);
    expect(badData.stderr).toMatch(/^error INVALID_PAYLOAD: --data must be 0x-hex bytes/m);
    const noChain = await cli(['message', 'relay', '0x' + 'ab'.repeat(32), ...NOWHERE], work);
    expect(noChain.stderr).toMatch(/^error INVALID_ARGUMENTS: missing --chain/m);
    const badHash = await cli(['message', 'relay', '0x1234', '--chain', 'A', ...NOWHERE], work);
    expect(badHash.stderr).toMatch(/^error INVALID_TX_HASH/m);
    expect((await cli(['message', 'inbox', ...NOWHERE], work)).stderr).toMatch(/^error INVALID_ARGUMENTS: missing --chain/m);
    const noKey = await cli(['message', 'send', '--from', 'L1', '--to', 'A', '--target', '0x' + '11'.repeat(20), ...NOWHERE], work);
    expect(noKey.stderr).toMatch(/^error NO_ACCOUNT/m);
    for (const sub of ['send', 'relay', 'inbox']) {
      const help = await cli(['message', sub, '--help'], work);
      expect(help.code, sub).toBe(0);
      expect(help.stdout, sub).toContain('Examples:');
    }
  });
});

describe('plasma-tree message on a devnet', () => {
  const HANDLER = '0x00000000000000000000000000000000000000aa' as Address;
  let devnet: Devnet;
  let provider: JsonRpcProvider;
  let devnetDir: string;
  let receiver: Contract;

  beforeAll(async () => {
    devnetDir = join(work, 'devnet');
    devnet = await startDevnet({
      dataDir: devnetDir,
      startL1: startTestL1,
      chains: [{ name: 'A' }, { name: 'A1', parent: 'A' }],
      challengeWindow: 2,
      blockTimeMs: 100,
      fundAccounts: 2,
      l1Port: 0,
      rpcPort: 0,
      edges: createEdgeRegistry([], { messageHandlers: { [HANDLER]: (ctx, m) => ctx.storage.set('0x01', m.data) } }),
    });
    provider = new JsonRpcProvider(devnet.l1.url, undefined, { cacheTimeout: -1 });
    const alice = new Wallet(devnet.accounts[0].privateKey, provider);
    const tree = TreeClient.fromDevnet(devnet, alice, { pollMs: 100 });
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
  });

  const run = (args: string[]) => cli([...args, '--devnet-dir', devnetDir], work);

  it('sends L1 → A and A1 → A, shows the inbox, relays A → L1 to a receiver contract', async () => {
    const down = await run(['message', 'send', '--from', 'L1', '--to', 'A', '--target', HANDLER, '--data', '0x1234', '--wait', '--account', 'dev0']);
    expect(down.code, down.stderr).toBe(0);
    expect(down.stderr).toMatch(/message L1 → A sent \(nonce #\d+ on A's stream\)/);
    expect(down.stderr).toMatch(/delivered on A/);
    expect(down.stdout).toMatch(/delivery\s+delivered/);

    const target = (await receiver.getAddress()).toLowerCase();
    const up = await run(['message', 'send', '--from', 'A', '--to', 'L1', '--target', target, '--data', '0xc0ffee', '--account', 'dev0', '--json']);
    expect(up.code, up.stderr).toBe(0);
    const sent = JSON.parse(up.stdout);
    expect(sent).toMatchObject({ direction: 'up', fromName: 'A', toName: 'L1', message: { target, data: '0xc0ffee' } });
    const relay = await run(['message', 'relay', sent.txHash, '--chain', 'A', '--wait', '--account', 'dev0']);
    expect(relay.code, relay.stderr).toBe(0);
    expect(relay.stderr).toMatch(/challenge window of block #\d+ is over/);
    expect(relay.stderr).toMatch(/delivered on L1 to 0x/);
    expect(relay.stdout).toMatch(/gas used/);
    expect(Number(await receiver.callCount())).toBe(1);
    const again = await run(['message', 'relay', sent.txHash, '--chain', 'A', '--account', 'dev0']);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/^error ALREADY_DELIVERED/m);

    const fromA1 = await run(['message', 'send', '--from', 'A1', '--to', 'A', '--target', HANDLER, '--data', '0x77', '--account', 'dev0', '--json']);
    expect(fromA1.code, fromA1.stderr).toBe(0);
    const relayA1 = await run(['message', 'relay', JSON.parse(fromA1.stdout).txHash, '--chain', 'A1', '--wait', '--account', 'dev1']);
    expect(relayA1.code, relayA1.stderr).toBe(0);
    expect(relayA1.stdout).toMatch(/parent-chain tx/);

    const inbox = await run(['message', 'inbox', '--chain', 'A']);
    expect(inbox.code, inbox.stderr).toBe(0);
    expect(inbox.stdout).toMatch(/inbox of A/);
    expect(inbox.stdout).toMatch(/#\s+from\s+sender\s+target\s+data/);
    expect(inbox.stdout).toMatch(/1\s+L1\s+0x\S+\s+0x0{38}[aA]{2}\s+0x1234/);
    expect(inbox.stdout).toMatch(/2\s+A1\s+0x\S+\s+0x0{38}[aA]{2}\s+0x77/);
    const json = JSON.parse((await run(['message', 'inbox', '--chain', 'A', '--from-index', '2', '--json'])).stdout);
    expect(json).toEqual([expect.objectContaining({ index: '2', sourceName: 'A1', data: '0x77' })]);
    expect((await run(['message', 'inbox', '--chain', 'A1'])).stdout).toMatch(/no messages yet/);
  });
});
