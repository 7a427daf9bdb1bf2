/**
 * `plasma-tree` as a real process (bin/plasma-tree.js): help, key handling errors, and deposit → transfer →
 * balance against a devnet this test starts (its devnet.json is what the CLI reads its defaults from).
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JsonRpcProvider, parseEther } from 'ethers';
import { startDevnet, type Devnet } from '@plasma-tree/devnet';
import { NodeClient, readTree, sleep } from '@plasma-tree/sdk';
import { startTestL1 } from '@plasma-tree/contracts';

const BIN = fileURLToPath(new URL('../bin/plasma-tree.js', import.meta.url));

interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

function cli(args: string[], env: Record<string, string | undefined> = {}, cwd?: string): Promise<Result> {
  const fullEnv: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1', FORCE_COLOR: undefined, PLASMA_TREE_PRIVATE_KEY: undefined, PLASMA_TREE_PASSWORD: undefined, ...env };
  for (const k of Object.keys(fullEnv)) if (fullEnv[k] === undefined) delete fullEnv[k];
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { env: fullEnv, cwd: cwd ?? tmpdir(), timeout: 60_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

const NOWHERE = ['--l1', 'http://127.0.0.1:9', '--root', '0x5FbDB2315678afecb367f032d93F642f64180aa3', '--chain', `0x${'ab'.repeat(32)}`, '--node', 'http://127.0.0.1:9'];

describe('plasma-tree --help', () => {
  it('lists every command with examples', async () => {
    const r = await cli(['--help']);
    expect(r.code).toBe(0);
    for (const cmd of ['devnet', 'deposit', 'transfer', 'withdraw', 'finalize', 'balance', 'status', 'route', 'send', 'message', 'chain', 'node', 'keys']) expect(r.stdout).toContain(cmd);
    expect(r.stdout).toContain('Quick start:');
  });

  it('has help with examples on every command', async () => {
    for (const cmd of [['deposit'], ['transfer'], ['withdraw'], ['finalize'], ['balance'], ['status'], ['route'], ['devnet'], ['chain', 'create'], ['node', 'start'], ['keys'], ['challenge', 'file']]) {
      const r = await cli([...cmd, '--help']);
      expect(r.code, cmd.join(' ')).toBe(0);
      expect(r.stdout, cmd.join(' ')).toContain('Examples:');
    }
    const d = await cli(['deposit', '--help']);
    expect(d.stdout).toContain('--account');
    expect(d.stdout).not.toContain('--private-key');
  });

  it('lists the fault kinds the node injects, every one of them', async () => {
    const { FAULT_KINDS } = await import('../src/commands/node.js');
    const { FAULT_KIND_NAMES } = await import('@plasma-tree/node');
    expect(FAULT_KINDS.split(', ').sort()).toEqual([...FAULT_KIND_NAMES].sort());
  });

  it('exits 1 on an unknown command or option', async () => {
    const r = await cli(['depositt']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/unknown command/);
  });
});

describe('keys are never taken from the command line', () => {
  it('refuses a malformed PLASMA_TREE_PRIVATE_KEY without echoing it', async () => {
    const secret = 'not-a-key-but-still-secret';
    const r = await cli(['deposit', '--amount', '1', ...NOWHERE], { PLASMA_TREE_PRIVATE_KEY: secret });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^error INVALID_PRIVATE_KEY: PLASMA_TREE_PRIVATE_KEY is not a valid private key/m);
    expect(r.stderr).toMatch(/hint: /);
    expect(r.stderr + r.stdout).not.toContain(secret);
  });

  it('refuses --private-key and a key passed as --account', async () => {
    const key = `0x${'11'.repeat(32)}`;
    for (const args of [['--private-key', key], ['--account', key]]) {
      const r = await cli(['transfer', '--to', '0x70997970C51812dc3A010C7d01b50e0d17dc79C8', '--amount', '1', ...args, ...NOWHERE]);
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/^error KEY_ON_COMMAND_LINE: /m);
      expect(r.stderr).toContain('PLASMA_TREE_PRIVATE_KEY');
    }
  });

  it('says what to do when no key is given and when the L1 is down', async () => {
    const none = await cli(['deposit', '--amount', '1', ...NOWHERE]);
    expect(none.code).toBe(1);
    expect(none.stderr).toMatch(/^error NO_ACCOUNT: /m);
    const down = await cli(['deposit', '--amount', '1', ...NOWHERE], { PLASMA_TREE_PRIVATE_KEY: `0x${'11'.repeat(32)}` });
    expect(down.code).toBe(1);
    expect(down.stderr).toMatch(/^error L1_UNREACHABLE: cannot reach the L1 node at http:\/\/127\.0\.0\.1:9/m);
    const nothing = await cli(['status', '--devnet-dir', join(tmpdir(), 'no-such-devnet')]);
    expect(nothing.stderr).toMatch(/^error MISSING_CONFIG: no L1 URL given/m);
    expect(nothing.stderr).toContain('plasma-tree devnet');
  });
});

describe('against a devnet', () => {
  let dir: string;
  let devnet: Devnet;
  let keystore: string;
  const d = () => ['--devnet-dir', dir];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'plasma-cli-'));
    keystore = join(dir, 'keystore');
    devnet = await startDevnet({ dataDir: dir, chains: [{ name: 'A' }, { name: 'B' }], l1Port: 0, startL1: startTestL1, rpcPort: 0, challengeWindow: 120, blockTimeMs: 200, fundAccounts: 3 });
  }, 120_000);

  afterAll(async () => {
    await devnet?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('deposit → transfer → balance', async () => {
    const [dev0, dev1] = devnet.accounts;
    const dep = await cli(['deposit', '--amount', '2', '--token', 'ETH', '--json', ...d()], { PLASMA_TREE_PRIVATE_KEY: dev0.privateKey });
    expect(dep.code, dep.stderr).toBe(0);
    const depJson = JSON.parse(dep.stdout);
    expect(depJson).toMatchObject({ nonce: '1', amount: parseEther('2').toString(), to: dev0.address, symbol: 'ETH' });
    expect(depJson.creditedInBlock).toBeGreaterThan(0);

    const tr = await cli(['transfer', '--account', 'dev0', '--to', 'dev1', '--amount', '0.5', ...d()]);
    expect(tr.code, tr.stderr).toBe(0);
    expect(tr.stderr).toMatch(/sent 0\.5 ETH to 0x70997970C51812dc3A010C7d01b50e0d17dc79C8, included in block #\d+/);
    expect(tr.stdout).toMatch(/tx hash\s+0x[0-9a-f]{64}/);

    const bal = await cli(['balance', dev1.address, '--json', ...d()]);
    expect(bal.code, bal.stderr).toBe(0);
    const b = JSON.parse(bal.stdout);
    const eth = b.balances.find((x: { symbol: string }) => x.symbol === 'ETH');
    expect(eth).toMatchObject({ child: parseEther('0.5').toString(), subtree: parseEther('2').toString() });
    expect(BigInt(eth.l1)).toBeGreaterThan(parseEther('9000'));

    const table = await cli(['balance', '--account', 'dev0', ...d()]);
    expect(table.code, table.stderr).toBe(0);
    expect(table.stdout).toMatch(/token\s+chain A\s+L1\s+subtree/);
    expect(table.stdout).toMatch(/ETH\s+1\.5\s+/);
    expect(table.stdout).toMatch(/DEV\s+0\s+1,000,000\s+0/);
  }, 60_000);

  it('status draws the tree: both chains with validators, head, balances per token and open windows', async () => {
    const dep = await cli(['deposit', '--account', 'dev2', '--chain', 'B', '--amount', '7', '--token', 'DEV', ...d()]);
    expect(dep.code, dep.stderr).toBe(0);
    // Until B's block with the deposit is committed on L1 (then its window is open).
    const provider = new JsonRpcProvider(devnet.l1.url, undefined, { cacheTimeout: -1 });
    try {
      for (const start = Date.now(); ; await sleep(200)) {
        const t = await readTree({ provider, rootContract: devnet.rootContract });
        if (t.children[1]?.headNumber >= 1) break;
        expect(Date.now() - start).toBeLessThan(30_000);
      }
    } finally {
      provider.destroy();
    }
    const st = await cli(['status', ...d()]);
    expect(st.code, st.stderr).toBe(0);
    const [a, b] = devnet.chains;
    const short = (id: string) => `${id.slice(0, 6)}…${id.slice(-4)}`;
    // chain  id  validators  head  ETH  DEV  challenge windows: L1 holds 2 + 0.4 (bonds of 0.2) ETH and 7 DEV.
    expect(st.stdout).toMatch(/^ {2}chain +id +validators +head +ETH +DEV +challenge windows$/m);
    expect(st.stdout).toMatch(/^ {2}L1 +chain 31337 +— +#\d+ +2\.4 +7$/m);
    expect(st.stdout).toMatch(new RegExp(`^  ├─ A +${short(a.chainId)} +1-of-1 +#[1-9]\\d* +2 +0 +window #\\d+ ends in (2m|1m( \\d+s)?|\\d+s)$`, 'm'));
    expect(st.stdout).toMatch(new RegExp(`^  └─ B +${short(b.chainId)} +1-of-1 +#1 +0 +7 +window #1 ends in (2m|1m( \\d+s)?|\\d+s)$`, 'm'));
    // The per-chain details stay below the tree.
    expect(st.stdout).toMatch(/^Chain A {2}0x[0-9a-f]{64} {2}\(child of the root\)$/m);

    const json = JSON.parse((await cli(['status', '--json', ...d()])).stdout);
    expect(json.tree.children.map((c: { name: string }) => c.name)).toEqual(['A', 'B']);
    expect(json.tree.children[1].subtreeBalances).toEqual({ '0x0000000000000000000000000000000000000000': '0', [devnet.token.address]: parseEther('7').toString() });
    expect(json.tree.children[1].openWindows[0]).toMatchObject({ number: 1 });

    const route = await cli(['route', '--from', 'A', '--to', 'B', ...d()]);
    expect(route.code, route.stderr).toBe(0);
    expect(route.stdout).toMatch(/^Route A → B {2}via L1 · 2 hops · about 2m 3s$/m);
    expect(route.stdout).toMatch(/^ {2}1 +↑ up +A → L1 +commit to L1 \(2s\) \+ challenge window of A \(2m\) +2m 2s$/m);
    expect(route.stdout).toMatch(/^ {2}2 +↓ down +L1 → B +L1 confirmations \(1s\) +1s$/m);
    expect(route.stdout).toMatch(/total +2m 3s$/m);
    const unknown = await cli(['route', '--from', 'A', '--to', 'Z', ...d()]);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/^error UNKNOWN_CHAIN: --to "Z" is not a chain of this tree$/m);
    expect(unknown.stderr).toContain('the tree has L1, A, B');
  }, 60_000);

  it('status shows the chain, and refuses an early finalize with CHALLENGE_WINDOW_OPEN', async () => {
    const w = await cli(['withdraw', '--account', 'dev1', '--amount', '0.1', '--json', ...d()]);
    expect(w.code, w.stderr).toBe(0);
    const hash = JSON.parse(w.stdout).hash as string;
    const st = await cli(['status', '--json', ...d()]);
    expect(st.code, st.stderr).toBe(0);
    const s = JSON.parse(st.stdout);
    expect(s.node).toMatchObject({ chainId: devnet.chains[0].chainId, threshold: 1, challengeWindow: 120 });
    expect(s.l1.depositCount).toBe(1);
    const early = await cli(['finalize', hash, '--account', 'dev1', ...d()]);
    expect(early.code).toBe(1);
    expect(early.stderr).toMatch(/^error (CHALLENGE_WINDOW_OPEN|WITHDRAWAL_NOT_COMMITTED): /m);
    expect(early.stderr).toContain(`plasma-tree finalize ${hash} --wait`);
  }, 60_000);

  it('challenge: a holder challenges a committed block; the honest validators publish it on L1 and take the bond', async () => {
    // A fresh block, committed well inside the first half of its window (when a challenge is accepted).
    const head = async () => Number(JSON.parse((await cli(['status', '--json', ...d()])).stdout).l1.headNumber);
    const start = await head();
    const tr = await cli(['transfer', '--account', 'dev0', '--to', 'dev1', '--amount', '0.01', ...d()]);
    expect(tr.code, tr.stderr).toBe(0);
    let n = start;
    for (let i = 0; i < 40 && n <= start; i++) {
      await sleep(500);
      n = await head();
    }
    expect(n).toBeGreaterThan(start);
    const before = JSON.parse((await cli(['challenge', 'status', 'A', String(n), '--json', ...d()])).stdout);
    expect(before).toMatchObject({ number: n, status: 'none', published: false, canChallenge: true });
    const filed = await cli(['challenge', 'file', 'A', String(n), '--account', 'dev2', ...d()]);
    expect(filed.code, filed.stderr).toBe(0);
    expect(filed.stdout).toMatch(/challenged block \d+ \(tx 0x[0-9a-f]{64}\): its validators must publish it by \d+/);
    // A's node answers it: both trees published on L1 before the deadline, the challenge settled as answered.
    let s: { status: string; published: boolean } = before;
    for (let i = 0; i < 60 && s.status !== 'answered'; i++) {
      await sleep(500);
      s = JSON.parse((await cli(['challenge', 'status', 'A', String(n), '--json', ...d()])).stdout);
    }
    expect(s).toMatchObject({ status: 'answered', published: true, canChallenge: false, canResolve: false });
    const again = await cli(['challenge', 'file', 'A', String(n), '--account', 'dev2', ...d()]);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/^error (ALREADY_CHALLENGED|DATA_ALREADY_PUBLISHED): /m);
    const bad = await cli(['challenge', 'status', 'A', 'x', ...d()]);
    expect(bad.stderr).toMatch(/^error INVALID_BLOCK_NUMBER: /m);
  }, 60_000);

  it('keys new | import | list, and signing with a keystore key', async () => {
    const env = { PLASMA_TREE_PASSWORD: 'correct horse battery' };
    const created = await cli(['keys', 'new', 'alice', '--keystore', keystore, '--json'], env);
    expect(created.code, created.stderr).toBe(0);
    const alice = JSON.parse(created.stdout);
    expect(alice.address).toMatch(/^0x[0-9a-fA-F]{40}$/);
    const imported = await cli(['keys', 'import', 'bob', '--keystore', keystore], { ...env, PLASMA_TREE_PRIVATE_KEY: devnet.accounts[2].privateKey });
    expect(imported.code, imported.stderr).toBe(0);
    const list = await cli(['keys', 'list', '--keystore', keystore, '--json']);
    expect(JSON.parse(list.stdout).keys.map((k: { name: string; address: string }) => [k.name, k.address.toLowerCase()])).toEqual([
      ['alice', alice.address.toLowerCase()],
      ['bob', devnet.accounts[2].address],
    ]);
    const wrong = await cli(['balance', '--account', 'bob', '--keystore', keystore, ...d()], { PLASMA_TREE_PASSWORD: 'nope' });
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toMatch(/^error WRONG_PASSWORD: /m);
    const dep = await cli(['deposit', '--account', 'bob', '--keystore', keystore, '--amount', '5', '--token', 'DEV', '--json', ...d()], env);
    expect(dep.code, dep.stderr).toBe(0);
    expect(JSON.parse(dep.stdout)).toMatchObject({ symbol: 'DEV', to: devnet.accounts[2].address });
  }, 60_000);
});

describe('challenge at any depth: a chain under a chain (docs/FRAUD.md §9b)', () => {
  let dir: string;
  let devnet: Devnet;
  const d = () => ['--devnet-dir', dir];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'plasma-cli-dc-'));
    devnet = await startDevnet({
      dataDir: dir, l1Port: 0, startL1: startTestL1, rpcPort: 0, challengeWindow: 120, blockTimeMs: 200, fundAccounts: 2,
      chains: [{ name: 'A' }, { name: 'A1', parent: 'A', challengeWindow: 120, parentFinality: 'committed' }],
    });
  }, 120_000);

  afterAll(async () => {
    await devnet?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("challenge status | file | resolve of A1's block: read and sent on A's node (--json)", async () => {
    const [a, a1] = devnet.chains;
    // dev1 brings ETH to A (the bond comes from there) and some down to A1, which commits a block on A.
    for (const [chain, amount] of [['A', '1'], ['A1', '0.1']]) {
      const dep = await cli(['deposit', '--chain', chain, '--account', 'dev1', '--amount', amount, '--token', 'ETH', ...d()]);
      expect(dep.code, dep.stderr).toBe(0);
    }
    const onA = new NodeClient(a.nodeUrl);
    let n = 0;
    for (const start = Date.now(); n === 0; await sleep(200)) {
      n = (await onA.getChildInfo(a1.chainId))?.headNumber ?? 0;
      expect(Date.now() - start).toBeLessThan(30_000);
    }
    const commitment = (await onA.getCommitment(a1.chainId, n))!;
    const st = await cli(['challenge', 'status', 'A1', String(n), '--json', ...d()]);
    expect(st.code, st.stderr).toBe(0);
    expect(JSON.parse(st.stdout)).toMatchObject({
      host: 'chain', chainId: a1.chainId, parentChainId: a.chainId, number: n, status: 'none', published: false, bond: '0', chainStatus: 'live',
      windowEnd: commitment.windowEnd, challengeBefore: commitment.windowEnd - 60, commitBlock: commitment.blockNumber, canChallenge: true, canResolve: false, canReclaim: false,
    });
    const table = await cli(['challenge', 'status', 'A1', String(n), ...d()]);
    expect(table.stdout).toMatch(new RegExp(`^block ${n}: data not published on A; challenge: none$`, 'm'));
    const unknown = await cli(['challenge', 'status', 'A1', String(n + 50), ...d()]);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/^error UNKNOWN_COMMITMENT: /m);

    // Filed on A (a signed CHALLENGE_CHILD_DATA, the bond from dev1's ETH there); A1's node may answer it at once.
    const filed = await cli(['challenge', 'file', 'A1', String(n), '--account', 'dev1', '--json', ...d()]);
    expect(filed.code, filed.stderr).toBe(0);
    const { deadline } = JSON.parse(filed.stdout);
    const after = JSON.parse((await cli(['challenge', 'status', 'A1', String(n), '--json', ...d()])).stdout);
    expect(after).toMatchObject({ challenger: devnet.accounts[1].address.toLowerCase(), deadline, canChallenge: false });
    expect(['open', 'answered']).toContain(after.status);
    // Refused before sending: a resolve before the deadline (or of an answered challenge), with no account needed on a chain parent.
    const early = await cli(['challenge', 'resolve', 'A1', String(n), ...d()]);
    expect(early.code).toBe(1);
    expect(early.stderr).toMatch(/^error (RESPONSE_WINDOW_OPEN|NO_OPEN_CHALLENGE): /m);
  }, 90_000);
});
