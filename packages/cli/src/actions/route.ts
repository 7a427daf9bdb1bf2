import { PlasmaError } from '@plasma-tree/core';
import { findChain, planRoute, readTree, walkTree, type RouteEstimates, type TreeNode } from '@plasma-tree/sdk';
import type { DevnetInfo } from '@plasma-tree/devnet';
import { l1Provider, resolveL1, type ConnectionFlags } from '../context.js';
import { print, printJson } from '../common.js';
import { c, compactDuration } from '../ui.js';
import { chainLabel, renderRoute } from '../tree-view.js';
import { devnetNames, devnetNodeUrls, nodeSources } from './read.js';

type Flags = ConnectionFlags & { from: string; to: string; commitTime?: number; confirmations?: number; l1BlockTime?: number; json?: boolean };

/** A chain of the tree by name, id or L1; an unknown name is UNKNOWN_CHAIN naming the chains there are. */
export function chainArg(tree: TreeNode, value: string, flag: string): TreeNode {
  const node = findChain(tree, value);
  if (node) return node;
  const known = [...walkTree(tree)].map(({ node: n }) => chainLabel(n)).join(', ');
  throw new PlasmaError('UNKNOWN_CHAIN', `${flag} ${JSON.stringify(value)} is not a chain of this tree`, {
    data: { value },
    hint: `use a chain name, a 32-byte chain id or L1; the tree has ${known} (see \`plasma-tree status\`)`,
  });
}

/** The route estimates: the flags', else a devnet's (1 confirmation, blocks committed within about a second), else mainnet-like. */
export function routeEstimates(flags: { commitTime?: number; confirmations?: number; l1BlockTime?: number }, devnet: DevnetInfo | undefined): { estimates: Required<Pick<RouteEstimates, 'l1FinalitySeconds'>> & { commitSeconds: number }; confirmations: number; l1BlockTime: number } {
  const l1BlockTime = flags.l1BlockTime ?? (devnet ? Math.max(1, devnet.l1.blockTimeMs / 1000) : 12);
  const confirmations = flags.confirmations ?? (devnet ? 1 : 2);
  return {
    estimates: { l1FinalitySeconds: confirmations * l1BlockTime, commitSeconds: flags.commitTime ?? (devnet ? Math.ceil(1 + l1BlockTime) : 30) },
    confirmations,
    l1BlockTime,
  };
}

export async function route(flags: Flags): Promise<void> {
  const { l1Url, rootContract, devnet } = resolveL1(flags);
  if (!rootContract) {
    throw new PlasmaError('MISSING_CONFIG', 'no root contract given', { hint: 'pass --root <address> (or set PLASMA_TREE_ROOT), or start a devnet with `plasma-tree devnet`' });
  }
  const { estimates, confirmations, l1BlockTime } = routeEstimates(flags, devnet);
  const provider = await l1Provider(l1Url);
  try {
    const tree = await readTree({ provider, rootContract, tokens: [], names: devnetNames(devnet), sourceFor: nodeSources(devnetNodeUrls(devnet)) });
    const from = chainArg(tree, flags.from, '--from');
    const to = chainArg(tree, flags.to, '--to');
    const r = planRoute(tree, from.chainId, to.chainId, estimates);
    if (flags.json) {
      const name = (id: string) => findChain(tree, id)?.name ?? null;
      return printJson({
        ...r,
        fromName: name(r.from), toName: name(r.to), viaName: name(r.via),
        hops: r.hops.map((h) => ({ ...h, fromName: name(h.from), toName: name(h.to) })),
        estimates: { ...estimates, confirmations, l1BlockTime },
      });
    }
    print(renderRoute(r, tree));
    if (r.hops.length === 0) return;
    const conf = `${confirmations} confirmation${confirmations === 1 ? '' : 's'} of ${compactDuration(l1BlockTime)}`;
    print(c.dim(`\n  estimates: a block is committed ~${compactDuration(estimates.commitSeconds)} after its transaction, L1 is final after ${conf}`));
    print(c.dim('  (change them with --commit-time, --confirmations, --l1-block-time); this plans only: run it with `plasma-tree send`'));
  } finally {
    provider.destroy();
  }
}
