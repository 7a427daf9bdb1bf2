/**
 * examples/edge-function runs as documented: its main function end to end on its own devnet (so the example
 * cannot rot), and its edges module loads as a node's `edgeModule`.
 */
import { describe, expect, it } from 'vitest';
import { ROOT_CHAIN_ID, chainIdOf, createEdgeRegistry, edgeFunctionId } from '@plasma-tree/core';
import { main } from '../examples/edge-function/index.js';
import * as edges from '../examples/edge-function/edges.js';

describe('examples/edge-function', () => {
  it('exports what an edgeModule must: edgeFunctions and messageHandlers', () => {
    expect(edges.edgeFunctions.map((f) => f.fn)).toEqual([edgeFunctionId('example/name-registry/v1')]);
    const registry = createEdgeRegistry(edges.edgeFunctions, { messageHandlers: edges.messageHandlers });
    expect(registry.get(edges.nameRegistry.fn)).toBe(edges.nameRegistry);
    expect(() => edges.nameRegistry.decode(edges.nameKey('No Spaces'))).toThrow(/not a name/);
  });

  it('runs: a name claimed on A lands on A1, a taken name is refused, messages L1 → A and A → L1 arrive', async () => {
    const lines: string[] = [];
    const r = await main({ log: (l) => lines.push(l) });
    const alice = '0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266';
    expect(r.ownerOnA1).toBe(alice);
    expect(r.ownerOnA).toBe(alice);
    expect(r.takenCode).toBe('NAME_TAKEN');
    expect(r.greeting).toBe(edges.nameKey('hello from L1'));
    expect(r.inboxSize).toBe(1);
    expect(r.relayed).toEqual({ sourceChain: chainIdOf(ROOT_CHAIN_ID, 0), sender: alice, data: edges.nameKey('hello from A') });
    expect(lines.some((l) => /A1 applied nonce #\d+: delivered/.test(l))).toBe(true);
    expect(lines.at(-1)).toMatch(/^done in \d+\.\d s$/);
  }, 120_000);
});
