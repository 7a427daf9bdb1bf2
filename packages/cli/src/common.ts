import { InvalidArgumentError, Option, type Command } from 'commander';
import { toJson } from './ui.js';

export const ENV_PRIVATE_KEY = 'PLASMA_TREE_PRIVATE_KEY';
export const ENV_PASSWORD = 'PLASMA_TREE_PASSWORD';
export const ENV_KEYSTORE = 'PLASMA_TREE_KEYSTORE';
export const ENV_VALIDATOR_KEYS = 'PLASMA_TREE_VALIDATOR_KEYS';

/** Commander parser of a repeatable option. */
export const collect = (v: string, prev: string[] = []): string[] => [...prev, v];

/** Where the devnet writes devnet.json and where the other commands look for it. */
export const DEFAULT_DEVNET_DIR = '.devnet';

export interface GlobalFlags {
  json?: boolean;
}

/** --devnet-dir, --l1, --root, --chain, --node, --nodes. */
export function connectionOptions(cmd: Command, opts: { chain?: boolean; node?: boolean; nodes?: boolean } = {}): Command {
  cmd
    .option('--devnet-dir <dir>', `read default endpoints from <dir>/devnet.json (env PLASMA_TREE_DEVNET_DIR)`, process.env.PLASMA_TREE_DEVNET_DIR ?? DEFAULT_DEVNET_DIR)
    .option('--l1 <url>', "L1 JSON-RPC URL (env PLASMA_TREE_L1_URL; default: the devnet's)")
    .option('--root <address>', "PlasmaRoot contract address (env PLASMA_TREE_ROOT; default: the devnet's)");
  if (opts.chain !== false) cmd.option('--chain <name|id>', "child chain: a devnet chain name (A) or a 32-byte id (env PLASMA_TREE_CHAIN; default: the devnet's first chain)");
  if (opts.node !== false) cmd.option('--node <url>', "JSON-RPC URL of a node of the chain (env PLASMA_TREE_NODE_URL; default: the devnet's)");
  if (opts.nodes !== false) cmd.option('--nodes <chain=url>', "node URLs of other chains of the tree, e.g. of a parent chain (repeatable or comma-separated; env PLASMA_TREE_NODES; default: the devnet's)", collect);
  return cmd;
}

/** --account, --keystore (and a hidden --private-key that only exists to refuse keys on the command line). */
export function accountOptions(cmd: Command): Command {
  return cmd
    .option('--account <name|address>', 'sign with this keystore key, or a devnet account (dev0, dev1, …); default: env PLASMA_TREE_PRIVATE_KEY')
    .option('--keystore <dir>', 'keystore directory (env PLASMA_TREE_KEYSTORE; default ~/.plasma-tree/keystore)')
    .addOption(new Option('--private-key <key>', 'refused: keys never go on the command line').hideHelp());
}

export function jsonOption(cmd: Command): Command {
  return cmd.option('--json', 'print the result as JSON (for scripts)');
}

export function examples(cmd: Command, lines: string[]): Command {
  return cmd.addHelpText('after', `\nExamples:\n${lines.map((l) => (l.startsWith('#') ? `  ${l}` : `  $ ${l}`)).join('\n')}\n`);
}

export function printJson(v: unknown): void {
  process.stdout.write(`${toJson(v)}\n`);
}

export function print(s = ''): void {
  process.stdout.write(`${s}\n`);
}

/** Parses an integer option; commander calls it with (value, previous). */
export function intArg(name: string, min = 0, max = Number.MAX_SAFE_INTEGER) {
  return (value: string): number => {
    const n = Number(value);
    if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(n) || n < min || n > max) {
      throw new InvalidArgumentError(`${name} must be a whole number between ${min} and ${max}, got ${JSON.stringify(value)}`);
    }
    return n;
  };
}

/**
 * An action that loads its implementation on first use, so that `--help` and argument errors never load
 * ethers, the protocol code or the node.
 */
export function lazy<M, K extends keyof M>(load: () => Promise<M>, name: K): (...args: any[]) => Promise<void> {
  return async (...args: any[]) => {
    const mod = await load();
    await (mod[name] as unknown as (...a: any[]) => Promise<void>)(...args);
  };
}
