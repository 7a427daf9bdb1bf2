/**
 * The tree model: planRoute on synthetic trees of depth 1 to 5 (pure), and readTree against a real devnet with
 * two children of the root, after deposits (subtree balances, an open challenge window, a plugged-in source).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JsonRpcProvider, Wallet, parseEther } from 'ethers';
import { NATIVE_TOKEN, PlasmaError, ROOT_CHAIN_ID, chainIdOf, type Address, type ChainId } from '@plasma-tree/core';
import { startDevnet, type Devnet } from '@plasma-tree/devnet';
import {
  PlasmaClient,
  findChain,
  planRoute,
  readTree,
  sleep,
  treeToJson,
  walkTree,
  type ChildRecord,
  type CommitmentRecord,
  type TreeNode,
  type TreeSource,
} from '@plasma-tree/sdk';
import { startTestL1 } from '@plasma-tree/contracts';

// ------------------------------------------------------------------------------------------------ synthetic trees

interface Spec {
  name: string;
  window: number;
  children?: Spec[];
}

/** A tree with real chain ids (keccak256(abi.encode(parent, index))) from a nested spec. */
function build(children: Spec[]): TreeNode {
  const make = (spec: Spec, parent: TreeNode, index: number): TreeNode => {
    const node: TreeNode = {
      chainId: chainIdOf(parent.chainId, index),
      name: spec.name,
      parentId: parent.chainId,
      depth: parent.depth + 1,
      validators: [],
      threshold: 1,
      challengeWindow: spec.window,
      headNumber: 0,
      headWindowEnd: 0,
      subtreeBalances: new Map(),
      openWindows: [],
      openWindowCount: 0,
      children: [],
    };
    node.children = (spec.children ?? []).map((c, i) => make(c, node, i));
    return node;
  };
  const root: TreeNode = {
    chainId: ROOT_CHAIN_ID, name: 'L1', parentId: null, depth: 0, validators: [], threshold: 0, challengeWindow: 0,
    headNumber: 0, headWindowEnd: 0, subtreeBalances: new Map(), openWindows: [], openWindowCount: 0, children: [],
  };
  root.children = children.map((c, i) => make(c, root, i));
  return root;
}

//   L1 ─┬─ A (100) ─┬─ A1 (10) ── A1x (1) ── A1xy (2) ── A1xyz (3)     depth 5
//       │           └─ A2 (20)
//       ├─ B (200) ── B1 (30) ── B1a (4)
//       └─ C (300)                                                       a leaf of depth 1
const tree = build([
  { name: 'A', window: 100, children: [
    { name: 'A1', window: 10, children: [{ name: 'A1x', window: 1, children: [{ name: 'A1xy', window: 2, children: [{ name: 'A1xyz', window: 3 }] }] }] },
    { name: 'A2', window: 20 },
  ] },
  { name: 'B', window: 200, children: [{ name: 'B1', window: 30, children: [{ name: 'B1a', window: 4 }] }] },
  { name: 'C', window: 300 },
]);
const id = (name: string): ChainId => findChain(tree, name)!.chainId;
/** The route as `kind:from>to=seconds` strings, by name. */
const hops = (from: string, to: string, est = { l1FinalitySeconds: 5, commitSeconds: 1000 }) => {
  const name = (c: ChainId) => findChain(tree, c)!.name;
  const r = planRoute(tree, id(from), id(to), est);
  return { ...r, path: r.hops.map((h) => `${h.kind}:${name(h.from)}>${name(h.to)}=${h.expectedSeconds}`), via: name(r.via) };
};

describe('planRoute (synthetic trees of depth 1 to 5)', () => {
  it('builds the ids of every depth like the contracts do', () => {
    expect(id('A')).toBe(chainIdOf(ROOT_CHAIN_ID, 0));
    expect(id('A1xyz')).toBe(chainIdOf(chainIdOf(chainIdOf(chainIdOf(chainIdOf(ROOT_CHAIN_ID, 0), 0), 0), 0), 0));
    expect(Math.max(...[...walkTree(tree)].map((x) => x.node.depth))).toBe(5);
  });

  it('same chain: no hops, no time', () => {
    for (const name of ['L1', 'A', 'A1xyz', 'C']) {
      const r = hops(name, name);
      expect(r.hops).toEqual([]);
      expect(r.expectedSeconds).toBe(0);
      expect(r.via).toBe(name);
    }
  });

  it('siblings under the root: up to L1 (commit + window), down with L1 confirmations', () => {
    const r = hops('A', 'C');
    expect(r.path).toEqual(['up:A>L1=1100', 'down:L1>C=5']);
    expect(r.via).toBe('L1');
    expect(r.expectedSeconds).toBe(1105);
    const [up, down] = planRoute(tree, id('A'), id('C'), { l1FinalitySeconds: 5, commitSeconds: 1000 }).hops;
    expect(up.waits).toEqual([{ what: 'commit to L1', seconds: 1000 }, { what: 'challenge window of A', seconds: 100 }]);
    expect(up.description).toMatch(/^withdraw on A; .* finalize on L1$/);
    expect(down.waits).toEqual([{ what: 'L1 confirmations', seconds: 5 }]);
    expect(down.description).toMatch(/^deposit on L1; C credits it/);
  });

  it('siblings under a child chain: a down hop waits for the parent chain to be final on its own parent', () => {
    const r = hops('A1', 'A2');
    expect(r.path).toEqual(['up:A1>A=1010', 'down:A>A2=1100']);
    expect(r.via).toBe('A');
    expect(r.expectedSeconds).toBe(2110);
  });

  it('cousins: up to the common ancestor, then down, at any depth', () => {
    expect(hops('A1xyz', 'A2').path).toEqual(['up:A1xyz>A1xy=1003', 'up:A1xy>A1x=1002', 'up:A1x>A1=1001', 'up:A1>A=1010', 'down:A>A2=1100']);
    const deep = hops('A1xyz', 'B1a');
    expect(deep.via).toBe('L1');
    expect(deep.path).toEqual([
      'up:A1xyz>A1xy=1003', 'up:A1xy>A1x=1002', 'up:A1x>A1=1001', 'up:A1>A=1010', 'up:A>L1=1100',
      'down:L1>B=5', 'down:B>B1=1200', 'down:B1>B1a=1030',
    ]);
    expect(deep.expectedSeconds).toBe(deep.hops.reduce((s, h) => s + h.expectedSeconds, 0));
    expect(deep.expectedSeconds).toBe(1003 + 1002 + 1001 + 1010 + 1100 + 5 + 1200 + 1030);
  });

  it('ancestor → descendant: only down hops', () => {
    expect(hops('L1', 'A1xyz').path).toEqual(['down:L1>A=5', 'down:A>A1=1100', 'down:A1>A1x=1010', 'down:A1x>A1xy=1001', 'down:A1xy>A1xyz=1002']);
    expect(hops('A', 'A1x').path).toEqual(['down:A>A1=1100', 'down:A1>A1x=1010']);
  });

  it('descendant → ancestor: only up hops', () => {
    expect(hops('A1xyz', 'A').path).toEqual(['up:A1xyz>A1xy=1003', 'up:A1xy>A1x=1002', 'up:A1x>A1=1001', 'up:A1>A=1010']);
    expect(hops('B1a', 'L1').path).toEqual(['up:B1a>B1=1004', 'up:B1>B=1030', 'up:B>L1=1200']);
  });

  it('takes a per-chain commit estimate, defaults, and ids in any case', () => {
    const r = planRoute(tree, id('B1').toUpperCase().replace('0X', '0x') as ChainId, id('A'), { commitSeconds: (n) => n.depth * 7, l1FinalitySeconds: 0 });
    expect(r.hops.map((h) => h.expectedSeconds)).toEqual([30 + 14, 200 + 7, 0]);
    expect(r.from).toBe(id('B1'));
    const d = planRoute(tree, id('C'), ROOT_CHAIN_ID);
    expect(d.expectedSeconds).toBe(300 + 30); // default commit estimate 30 s
    expect(planRoute(tree, ROOT_CHAIN_ID, id('C')).expectedSeconds).toBe(24); // default: 2 confirmations × 12 s
  });

  it('an unknown chain is UNKNOWN_CHAIN with a hint naming the chains', () => {
    const stranger = chainIdOf(id('C'), 7);
    for (const [from, to, which] of [[stranger, id('A'), 'from'], [id('A'), stranger, 'to']] as const) {
      let err: unknown;
      try {
        planRoute(tree, from, to);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(PlasmaError);
      const e = err as PlasmaError;
      expect(e.code).toBe('UNKNOWN_CHAIN');
      expect(e.data).toMatchObject({ chainId: stranger, which });
      expect(e.hint).toMatch(/A1xyz \(0x[0-9a-f]{4}…[0-9a-f]{4}\)/);
      expect(e.hint).toContain('plasma-tree status');
    }
  });

  it('findChain takes names, ids and L1/root', () => {
    expect(findChain(tree, 'root')).toBe(tree);
    expect(findChain(tree, 'l1')).toBe(tree);
    expect(findChain(tree, id('B1a').toUpperCase().replace('0X', '0x'))?.name).toBe('B1a');
    expect(findChain(tree, 'nope')).toBeUndefined();
  });
});

// ------------------------------------------------------------------------------------------------ against a devnet

describe('readTree against a devnet with chains A and B', () => {
  const WINDOW = 600;
  let dir: string;
  let devnet: Devnet;
  let provider: JsonRpcProvider;
  let token: Address;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'plasma-tree-'));
    devnet = await startDevnet({
      dataDir: dir, chains: [{ name: 'A' }, { name: 'B' }], l1Port: 0, startL1: startTestL1, rpcPort: 0, writeConfig: false,
      challengeWindow: WINDOW, blockTimeMs: 200, fundAccounts: 1,
    });
    provider = new JsonRpcProvider(devnet.l1.url, undefined, { cacheTimeout: -1 });
    token = devnet.token.address;
    const wallet = new Wallet(devnet.accounts[0].privateKey, provider);
    const [a, b] = devnet.chains.map((ch) => new PlasmaClient({ l1: wallet, rootContract: devnet.rootContract, chainId: ch.chainId, nodeUrl: ch.nodeUrl, pollMs: 200 }));
    // One sender: the L1 nonces must go one after the other.
    const depA = await a.depositETH(parseEther('1'));
    const depA2 = await a.depositERC20(token, parseEther('500'));
    const depB = await b.depositETH(parseEther('0.25'));
    await Promise.all([a.waitForDeposit(depA2), a.waitForDeposit(depA), b.waitForDeposit(depB)]);
  }, 120_000);

  afterAll(async () => {
    provider?.destroy();
    await devnet?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const names = () => Object.fromEntries(devnet.chains.map((ch) => [ch.chainId, ch.name]));
  /** The tree once both chains' blocks with the deposits are committed on L1. */
  async function committedTree(): Promise<TreeNode> {
    for (const start = Date.now(); ; await sleep(200)) {
      const t = await readTree({ provider, rootContract: devnet.rootContract, tokens: [NATIVE_TOKEN, token], names: names() });
      if (t.children.every((c) => c.headNumber >= 1)) return t;
      if (Date.now() - start > 30_000) throw new Error(`not committed: ${JSON.stringify(treeToJson(t))}`);
    }
  }

  it('reads L1 and both children: configuration, head, subtree balances, open windows', async () => {
    const t = await committedTree();
    expect(t).toMatchObject({ chainId: ROOT_CHAIN_ID, name: 'L1', parentId: null, depth: 0, threshold: 0, challengeWindow: 0, openWindows: [] });
    expect(t.headNumber).toBeGreaterThan(0);
    // The root contract holds the deposits and the two 0.2 ETH bonds (PlasmaRoot.MIN_BOND, the devnet's default).
    expect(t.subtreeBalances).toEqual(new Map([[NATIVE_TOKEN, parseEther('1.65')], [token, parseEther('500')]]));

    expect(t.children.map((c) => c.name)).toEqual(['A', 'B']);
    const [a, b] = t.children;
    for (const [node, ch] of [[a, devnet.chains[0]], [b, devnet.chains[1]]] as const) {
      expect(node).toMatchObject({
        chainId: ch.chainId, parentId: ROOT_CHAIN_ID, depth: 1, threshold: 1, challengeWindow: WINDOW,
        validators: ch.validators.map((v) => v.address), children: [],
      });
    }
    expect(a.subtreeBalances).toEqual(new Map([[NATIVE_TOKEN, parseEther('1')], [token, parseEther('500')]]));
    expect(b.subtreeBalances).toEqual(new Map([[NATIVE_TOKEN, parseEther('0.25')], [token, 0n]]));

    // Every committed block is inside its 600 s window: all of them are open, soonest first.
    for (const node of [a, b]) {
      expect(node.openWindowCount).toBe(node.headNumber);
      expect(node.openWindows.map((w) => w.number)).toEqual(Array.from({ length: node.headNumber }, (_, i) => i + 1));
      const last = node.openWindows.at(-1)!;
      expect(last.windowEnd).toBe(node.headWindowEnd);
      expect(last.secondsLeft).toBeGreaterThan(WINDOW - 60);
      expect(last.secondsLeft).toBeLessThanOrEqual(WINDOW);
    }

    // By a clock one window past the head's window end, every window has closed (including those of blocks
    // the node committed since `t` was read).
    const later = await readTree({ provider, rootContract: devnet.rootContract, now: a.headWindowEnd + WINDOW, names: names() });
    expect(later.children[0]).toMatchObject({ openWindows: [], openWindowCount: 0 });
    expect(later.children[0].subtreeBalances).toEqual(new Map([[NATIVE_TOKEN, parseEther('1')]]));

    // JSON: balances as decimal strings.
    const json = JSON.parse(JSON.stringify(treeToJson(t)));
    expect(json.children[0].subtreeBalances).toEqual({ [NATIVE_TOKEN]: parseEther('1').toString(), [token]: parseEther('500').toString() });
  });

  it('walks into a chain that hosts children through a plugged-in TreeSource, finding the open windows by bisection', async () => {
    // Stands in for a child-chain parent (a later step): chain A hosting A1, whose 10 000 commitments end one
    // per second from t = 1 000 001 on; at t = 1 009 000 blocks 9 001 … 10 000 are inside their window.
    const a = devnet.chains[0].chainId;
    const a1 = chainIdOf(a, 0);
    const queries: Array<[number, number]> = [];
    const fakeA: TreeSource = {
      hostId: a,
      children: async (c) => (c === a ? [a1, a1] : []), // listed twice: read once
      chainInfo: async (c): Promise<ChildRecord> => {
        if (c !== a1) throw new PlasmaError('UNKNOWN_CHAIN', `unknown ${c}`);
        return { chainId: a1, parentId: a, index: 0, validators: [], threshold: 2, challengeWindow: 604_800, headNumber: 10_000, headWindowEnd: 1_010_000, depositCount: 3 };
      },
      subtreeBalance: async (_c, t) => (t === NATIVE_TOKEN ? 42n : 0n),
      commitments: async (_c, { from, to }): Promise<CommitmentRecord[]> => {
        queries.push([from, to]);
        return Array.from({ length: to - from + 1 }, (_, k) => ({ number: from + k, blockHash: '0x01', windowEnd: 1_000_000 + from + k }));
      },
      time: async () => 1_009_000,
    };
    const t = await readTree({
      provider, rootContract: devnet.rootContract, names: { ...names(), [a1]: 'A1' }, maxOpenWindows: 4,
      sourceFor: (node, root) => (node.depth === 0 ? root : node.chainId === a ? fakeA : undefined),
    });
    const [nodeA, nodeB] = t.children;
    expect(nodeB.children).toEqual([]);
    expect(nodeA.children).toHaveLength(1);
    const n = nodeA.children[0];
    expect(n).toMatchObject({ chainId: a1, name: 'A1', parentId: a, depth: 2, threshold: 2, headNumber: 10_000, openWindowCount: 1_000 });
    expect(n.openWindows).toEqual([9_001, 9_002, 9_003, 9_004].map((number) => ({ number, windowEnd: 1_000_000 + number, secondsLeft: number - 9_000 })));
    expect(n.subtreeBalances.get(NATIVE_TOKEN)).toBe(42n);
    // The newest batch, ~13 single-block probes, the batch from the oldest open one: never the whole history.
    expect(queries.length).toBeLessThan(20);
    expect(queries.reduce((s, [f, to]) => s + to - f + 1, 0)).toBeLessThan(30);
    expect(findChain(t, 'A1')).toBe(n);
    expect(planRoute(t, a1, nodeB.chainId, { commitSeconds: 1, l1FinalitySeconds: 1 }).hops.map((h) => h.expectedSeconds)).toEqual([604_801, WINDOW + 1, 1]);
  });

  it('maps an unreachable L1 to L1_UNREACHABLE', async () => {
    const dead = new JsonRpcProvider('http://127.0.0.1:9', 31337, { staticNetwork: true });
    try {
      await expect(readTree({ provider: dead, rootContract: devnet.rootContract })).rejects.toMatchObject({ code: 'L1_UNREACHABLE' });
    } finally {
      dead.destroy();
    }
  });
});
