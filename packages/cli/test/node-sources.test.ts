import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { NodeTreeSource, type RootContractSource, type TreeNode } from '@plasma-tree/sdk';
import { nodeSources } from '../src/actions/read.js';

const id = (b: string) => '0x' + b.repeat(32);

/** A node answering pt_getChildren with `children`. */
async function node(children: string[]): Promise<{ url: string; close: () => Promise<void> }> {
  const server = createServer(async (req, res) => {
    let body = '';
    for await (const c of req) body += c;
    const { id: rid } = JSON.parse(body);
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ jsonrpc: '2.0', id: rid, result: children }));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, close: () => new Promise((r) => { server.closeAllConnections(); server.close(() => r()); }) };
}

describe('status: nodeSources (sourceFor of readTree)', () => {
  it('reads a chain through its node when it hosts children; leaves, unknown and dead nodes are leaves', async () => {
    const [a, b] = await Promise.all([node([id('a1'), id('a2')]), node([])]);
    try {
      const root = { hostId: id('00') } as unknown as RootContractSource;
      const sourceFor = nodeSources({ [id('aa')]: a.url, [id('bb')]: b.url, [id('cc')]: 'http://127.0.0.1:9' }, { timeoutMs: 2_000 });
      const at = (chainId: string, depth = 1) => sourceFor({ chainId, depth } as TreeNode, root);
      expect(await at(id('00'), 0)).toBe(root);
      const s = await at(id('aa'));
      expect(s).toBeInstanceOf(NodeTreeSource);
      expect(s!.hostId).toBe(id('aa'));
      expect(await at(id('bb'))).toBeUndefined();
      expect(await at(id('cc'))).toBeUndefined();
      expect(await at(id('dd'))).toBeUndefined();
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });
});
