import { afterEach, describe, expect, it } from 'vitest';
import { NATIVE_TOKEN, PlasmaError, type Address, type ChainId } from '@plasma-tree/core';
import { NodeClient, NodeTreeSource } from '@plasma-tree/sdk';
import { fakeNode, type FakeNode } from './helpers.js';

const A = ('0x' + 'aa'.repeat(32)) as ChainId;
const A1 = ('0x' + 'a1'.repeat(32)) as ChainId;
const A2 = ('0x' + 'a2'.repeat(32)) as ChainId;
const TOKEN = ('0x' + '77'.repeat(20)) as Address;
const V = '0x' + 'AB'.repeat(20); // checksum-less upper case: read back lower case

/** Chain A's node: hosts A1 (blocks 1…5 committed, windows ending at 1 000 + 10·n) and A2 (nothing committed). */
function aNode(): Record<string, (p: any[]) => unknown> {
  const info = (chainId: ChainId, index: number, head: number) => ({
    chainId, parentChainId: A, index, spawner: V, bond: '1000000000000000000', validators: [V], threshold: 1,
    challengeWindow: 60, headNumber: head, headWindowEnd: head ? 1_000 + 10 * head : 0, headDepositNonce: 0, depositCount: 2,
  });
  return {
    pt_chainInfo: () => ({ chainId: A, parentChainId: '0x' + '00'.repeat(32), l1ChainId: 31337, rootContract: V, validators: [V], threshold: 1, challengeWindow: 60, head: { number: 9 }, committed: { number: 8 } }),
    pt_time: () => 1_025,
    pt_getChildren: () => [A1, A2],
    pt_getChildInfo: ([c]) => (c === A1 ? info(A1, 0, 5) : c === A2 ? info(A2, 1, 0) : null),
    pt_getSubtreeBalance: ([c, t]) => (c === A1 && t === NATIVE_TOKEN ? '123000000000000000000' : '0'),
    pt_getCommitment: ([c, n]) => (c === A1 && n >= 1 && n <= 5
      ? { child: c, number: n, record: '0x' + '00'.repeat(32), blockHash: '0x' + String(n).repeat(64), windowEnd: 1_000 + 10 * n, blockNumber: 2 * n, timestamp: 900 + n }
      : null),
  };
}

describe('NodeTreeSource (a child chain hosting children, over JSON-RPC)', () => {
  let node: FakeNode | undefined;
  afterEach(async () => {
    await node?.close();
    node = undefined;
  });

  it('NodeClient decodes the ledger methods', async () => {
    node = await fakeNode(aNode());
    const c = new NodeClient(node.url);
    expect(await c.time()).toBe(1_025);
    expect(await c.getChildren()).toEqual([A1, A2]);
    expect(await c.getChildInfo(A1)).toMatchObject({ chainId: A1, parentChainId: A, index: 0, spawner: V.toLowerCase(), bond: 10n ** 18n, validators: [V.toLowerCase()], headNumber: 5, headWindowEnd: 1_050 });
    expect(await c.getChildInfo(('0x' + '99'.repeat(32)) as ChainId)).toBeNull();
    expect(await c.getSubtreeBalance(A1, NATIVE_TOKEN)).toBe(123n * 10n ** 18n);
    expect(await c.getCommitment(A1, 3)).toMatchObject({ child: A1, number: 3, windowEnd: 1_030, blockNumber: 6, timestamp: 903 });
    expect(await c.getCommitment(A1, 6)).toBeNull();
  });

  it('answers the TreeSource questions for the host and its children', async () => {
    node = await fakeNode(aNode());
    const s = await NodeTreeSource.connect(node.url);
    expect(s.hostId).toBe(A);
    expect(await s.children(A)).toEqual([A1, A2]);
    expect(await s.children(A1)).toEqual([]); // the host records only its own children
    expect(await s.chainInfo(A1)).toEqual({ chainId: A1, parentId: A, index: 0, validators: [V.toLowerCase()], threshold: 1, challengeWindow: 60, headNumber: 5, headWindowEnd: 1_050, depositCount: 2 });
    expect(await s.subtreeBalance(A1, NATIVE_TOKEN)).toBe(123n * 10n ** 18n);
    expect(await s.subtreeBalance(A1, TOKEN)).toBe(0n);
    expect(await s.time()).toBe(1_025);
    const cs = await s.commitments(A1, { from: 0, to: 9 });
    expect(cs.map((x) => [x.number, x.windowEnd])).toEqual([[1, 1_010], [2, 1_020], [3, 1_030], [4, 1_040], [5, 1_050]]);
    expect(await s.commitments(A1, { from: 4, to: 3 })).toEqual([]);
    expect(node.calls.filter((x) => x.method === 'pt_getCommitment').map((x) => x.params[1] as number).sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });

  it('an unknown child is UNKNOWN_CHAIN; a bad host id is refused', async () => {
    node = await fakeNode(aNode());
    const s = new NodeTreeSource({ node: node.url, hostId: A });
    const e = await s.chainInfo(('0x' + '99'.repeat(32)) as ChainId).catch((x) => x);
    expect(e).toBeInstanceOf(PlasmaError);
    expect(e.code).toBe('UNKNOWN_CHAIN');
    expect(() => new NodeTreeSource({ node: node!.url, hostId: '0x12' as ChainId })).toThrow(/hostId/);
  });
});
