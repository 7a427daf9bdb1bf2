/**
 * What a faulty node serves on top of the JSON-RPC methods: `faults` in pt_chainInfo, its withheld blocks
 * refused (null, as if unknown: what a withholding operator answers), and `pt_getEquivocation` (only with the
 * `equivocate` fault): both blocks this node signed for one height, so a watcher or a test can prove it.
 */
import { blockToJson, headerToJson } from '@plasma-tree/core';
import type { Chain } from '../chain.js';
import { invalidParams, type RpcMethods } from '../rpc/server.js';
import type { FaultInjector } from './injector.js';

export function faultRpcMethods(faults: FaultInjector, chain: Chain): RpcMethods {
  if (faults.plan.kind !== 'equivocate') return {};
  return {
    pt_getEquivocation: async (p) => {
      const number = p[0];
      if (typeof number !== 'number' || !Number.isSafeInteger(number) || number < 1) throw invalidParams(`params[0] must be a block number, got ${JSON.stringify(number)}`);
      const other = faults.equivocation(number);
      const stored = other && (await chain.store.getBlock(number));
      if (!other || !stored) return null;
      return {
        chainId: chain.params.chainId,
        number,
        committed: { blockHash: stored.block.hash, header: headerToJson(stored.block.header), signatures: await chain.store.getSignatures(number) },
        other: { blockHash: other.block.hash, header: headerToJson(other.block.header), signatures: other.signatures, block: blockToJson(other.block) },
      };
    },
  };
}
