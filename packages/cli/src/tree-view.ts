/**
 * Pictures of the tree: `plasma-tree status` draws the chains from L1 down as a tree whose columns line up
 * (validators, committed head, subtree balances per token, open challenge windows), and `plasma-tree route`
 * prints a route's hops as a table. Pure: data in, text out.
 */
import type { Route, TreeNode, TokenInfo } from '@plasma-tree/sdk';
import { c, compactDuration, formatAmount, shortHex, table } from './ui.js';

export interface TreeViewOptions {
  /** Token columns, in order. */
  tokens: readonly TokenInfo[];
  /** L1's EIP-155 chain id, shown in L1's id column. */
  l1ChainId?: number;
  /** Open windows listed per chain before "+ N more" (default 3). */
  maxWindows?: number;
}

const shortId = (id: string) => shortHex(id, 4);

/** The name of a chain for people: its devnet name, else its short id. */
export function chainLabel(node: Pick<TreeNode, 'name' | 'chainId'>): string {
  return node.name ?? shortId(node.chainId);
}

function windowLines(node: TreeNode, max: number): string[] {
  if (node.depth === 0) return [''];
  if (node.openWindowCount === 0) return [c.dim(node.headNumber === 0 ? 'no blocks committed yet' : 'all committed blocks final')];
  const shown = node.openWindows.slice(0, max);
  const lines = shown.map((w) => `window #${w.number} ends in ${c.yellow(compactDuration(w.secondsLeft))}`);
  const more = node.openWindowCount - shown.length;
  if (more > 0) {
    const last = node.openWindows.at(-1)!;
    const lastEnds = node.headWindowEnd - (last.windowEnd - last.secondsLeft);
    lines.push(c.dim(`+ ${more} more, the last (#${node.headNumber}) ends in ${compactDuration(lastEnds)}`));
  }
  return lines;
}

/**
 * The tree as an aligned table whose first column is drawn with ├─ └─ │:
 *
 * ```
 *   chain   id           validators  head     ETH  DEV  challenge windows
 *   L1      chain 31337  —           #57     1.27  500
 *   ├─ A    0x6b1c…e9a2  1-of-1      #2         1  500  window #2 ends in 9m 58s
 *   └─ B    0x4f0e…1c3d  1-of-1      #1      0.25    0  window #1 ends in 9m 59s
 * ```
 */
export function renderTree(tree: TreeNode, opts: TreeViewOptions): string {
  const max = opts.maxWindows ?? 3;
  const rows: string[][] = [];
  const visit = (node: TreeNode, lead: string, isLast: boolean) => {
    const branch = node.depth === 0 ? '' : c.dim(isLast ? '└─ ' : '├─ ');
    // Under this node's line: its siblings' rail (if more follow), then its own rail down to its children.
    const rail = node.depth === 0 ? '' : c.dim(isLast ? '   ' : '│  ');
    const below = lead + rail + (node.children.length ? c.dim('│') : '');
    const windows = windowLines(node, max);
    rows.push([
      `${lead}${branch}${c.bold(chainLabel(node))}`,
      // An unnamed chain is labelled by its short id already.
      node.depth === 0 ? c.dim(opts.l1ChainId !== undefined ? `chain ${opts.l1ChainId}` : 'L1') : node.name ? shortId(node.chainId) : '',
      node.depth === 0 ? c.dim('—') : `${node.threshold}-of-${node.validators.length}`,
      `#${node.headNumber}`,
      ...opts.tokens.map((t) => formatAmount(node.subtreeBalances.get(t.address) ?? 0n, t.decimals)),
      windows[0],
    ]);
    for (const extra of windows.slice(1)) rows.push([below, '', '', '', ...opts.tokens.map(() => ''), extra]);
    node.children.forEach((child, i) => visit(child, lead + rail, i === node.children.length - 1));
  };
  visit(tree, '', true);
  const tokenCols = opts.tokens.map((_, i) => 4 + i);
  return table(rows, { head: ['chain', 'id', 'validators', 'head', ...opts.tokens.map((t) => t.symbol), 'challenge windows'], alignRight: [3, ...tokenCols] });
}

/**
 * A route's hops as a table with expected times and a total, then what each hop does.
 */
export function renderRoute(route: Route, tree: TreeNode): string {
  const names = new Map<string, string>();
  const visit = (n: TreeNode) => {
    names.set(n.chainId, chainLabel(n));
    n.children.forEach(visit);
  };
  visit(tree);
  const name = (id: string) => names.get(id) ?? shortId(id);
  const title = `${c.bold(`Route ${name(route.from)} → ${name(route.to)}`)}`;
  if (route.hops.length === 0) return `${title}  ${c.dim('same chain: nothing to move across, no hops')}`;
  const rows = route.hops.map((h, i) => [
    String(i + 1),
    h.kind === 'up' ? '↑ up' : '↓ down',
    `${name(h.from)} → ${name(h.to)}`,
    h.waits.map((w) => `${w.what} (${compactDuration(w.seconds)})`).join(' + '),
    compactDuration(h.expectedSeconds),
  ]);
  rows.push(['', '', '', c.bold('total'), c.bold(compactDuration(route.expectedSeconds))]);
  const hops = route.hops.length === 1 ? '1 hop' : `${route.hops.length} hops`;
  return [
    `${title}  ${c.dim(`via ${name(route.via)} · ${hops} · about ${compactDuration(route.expectedSeconds)}`)}`,
    '',
    table(rows, { head: ['#', 'hop', 'from → to', 'waits for', 'expected'], alignRight: [0, 4] }),
    '',
    ...route.hops.map((h, i) => `  ${c.dim(`${i + 1}.`)} ${h.description}`),
  ].join('\n');
}
