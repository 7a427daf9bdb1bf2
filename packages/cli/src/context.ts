/**
 * Where a command's endpoints, chain and key come from. Precedence: flag > environment > the devnet's
 * devnet.json (in --devnet-dir, default ./.devnet). Keys: --account (keystore, or a devnet dev account by
 * name) or PLASMA_TREE_PRIVATE_KEY; never a command-line argument.
 */
import { resolve } from 'node:path';
import { JsonRpcProvider, Network, Wallet, getAddress, isAddress, parseUnits, type Provider } from 'ethers';
import { PlasmaError, NATIVE_TOKEN, type Address, type ChainId } from '@plasma-tree/core';
import { PlasmaClient, TreeClient, treeConfigFromDevnet } from '@plasma-tree/sdk';
import { isDevnetRunning, readDevnetInfo, type DevnetChain, type DevnetInfo } from '@plasma-tree/devnet';
import { ENV_PRIVATE_KEY, defaultKeystoreDir, findKey, getPassword, keyOnCommandLineError, looksLikePrivateKey, parsePrivateKey, unlockKey } from './keys.js';
import { ce } from './ui.js';

import { DEFAULT_DEVNET_DIR } from './common.js';

export { DEFAULT_DEVNET_DIR };

export interface ConnectionFlags {
  devnetDir?: string;
  l1?: string;
  root?: string;
  chain?: string;
  node?: string;
  /** --nodes <chain>=<url> (repeatable, or comma-separated). */
  nodes?: string[];
}

export interface AccountFlags {
  account?: string;
  keystore?: string;
  privateKey?: string;
}

export interface Connection {
  l1Url: string;
  rootContract: Address;
  chainId: ChainId;
  chainName?: string;
  nodeUrl: string;
  devnet?: DevnetInfo;
}

const warned = new Set<string>();
function warnOnce(msg: string): void {
  if (warned.has(msg)) return;
  warned.add(msg);
  process.stderr.write(`${ce.yellow('warning')} ${msg}\n`);
}

/** devnet.json of --devnet-dir / PLASMA_TREE_DEVNET_DIR / ./.devnet, if present. */
export function loadDevnet(flags: { devnetDir?: string }): DevnetInfo | undefined {
  const dir = resolve(flags.devnetDir ?? process.env.PLASMA_TREE_DEVNET_DIR ?? DEFAULT_DEVNET_DIR);
  const info = readDevnetInfo(dir);
  if (info && !isDevnetRunning(info)) {
    warnOnce(`the devnet described in ${dir}/devnet.json (pid ${info.pid}) is not running: start it with \`plasma-tree devnet\``);
  }
  return info;
}

function missing(what: string, flag: string, env: string): PlasmaError {
  return new PlasmaError('MISSING_CONFIG', `no ${what} given`, {
    data: { flag, env },
    hint: `pass ${flag} (or set ${env}), or start a devnet with \`plasma-tree devnet\` in this directory (or point --devnet-dir at its data dir)`,
  });
}

export function findDevnetChain(devnet: DevnetInfo | undefined, nameOrId: string | undefined): DevnetChain | undefined {
  if (!devnet) return undefined;
  if (nameOrId === undefined) return devnet.chains[0];
  return devnet.chains.find((c) => c.name === nameOrId || c.chainId.toLowerCase() === nameOrId.toLowerCase());
}

/** Resolves L1 URL, root contract, chain and node URL. */
/** A chain named on the command line: a devnet chain's name, or a 32-byte chain id. UNKNOWN_CHAIN otherwise. */
export function resolveChainArg(chain: string, devnet: DevnetInfo | undefined): { chainId: ChainId; dev: DevnetChain | undefined } {
  const dev = findDevnetChain(devnet, chain);
  if (dev) return { chainId: dev.chainId, dev };
  if (/^0x[0-9a-fA-F]{64}$/.test(chain)) return { chainId: chain.toLowerCase() as ChainId, dev: undefined };
  throw new PlasmaError('UNKNOWN_CHAIN', `unknown chain ${JSON.stringify(chain)}`, {
    hint: devnet ? `use a chain name of the devnet (${devnet.chains.map((c) => c.name).join(', ')}) or a 32-byte chain id` : 'pass the 32-byte chain id (0x + 64 hex digits)',
  });
}

export function resolveL1(flags: ConnectionFlags): { l1Url: string; rootContract?: Address; devnet?: DevnetInfo } {
  const devnet = loadDevnet(flags);
  const l1Url = flags.l1 ?? process.env.PLASMA_TREE_L1_URL ?? devnet?.l1.url;
  if (!l1Url) throw missing('L1 URL', '--l1 <url>', 'PLASMA_TREE_L1_URL');
  const root = flags.root ?? process.env.PLASMA_TREE_ROOT ?? devnet?.rootContract;
  if (root !== undefined && !isAddress(root)) {
    throw new PlasmaError('INVALID_ADDRESS', `--root is not an address: ${JSON.stringify(root)}`, { hint: 'pass the PlasmaRoot contract address, 0x + 40 hex digits' });
  }
  return { l1Url, rootContract: root ? (root.toLowerCase() as Address) : undefined, devnet };
}

export function resolveConnection(flags: ConnectionFlags): Connection {
  const { l1Url, rootContract, devnet } = resolveL1(flags);
  if (!rootContract) throw missing('root contract', '--root <address>', 'PLASMA_TREE_ROOT');
  const chainArg = flags.chain ?? process.env.PLASMA_TREE_CHAIN;
  const devChain = findDevnetChain(devnet, chainArg);
  let chainId: ChainId;
  if (devChain) chainId = devChain.chainId;
  else if (chainArg && /^0x[0-9a-fA-F]{64}$/.test(chainArg)) chainId = chainArg.toLowerCase() as ChainId;
  else if (chainArg) {
    throw new PlasmaError('UNKNOWN_CHAIN', `unknown chain ${JSON.stringify(chainArg)}`, {
      hint: devnet ? `use a chain name of the devnet (${devnet.chains.map((c) => c.name).join(', ')}) or a 32-byte chain id` : 'pass the 32-byte chain id (0x + 64 hex digits)',
    });
  } else throw missing('chain', '--chain <name|id>', 'PLASMA_TREE_CHAIN');
  const nodeUrl = flags.node ?? process.env.PLASMA_TREE_NODE_URL ?? devChain?.nodeUrl;
  if (!nodeUrl) throw missing('node URL', '--node <url>', 'PLASMA_TREE_NODE_URL');
  return { l1Url, rootContract, chainId, chainName: devChain?.name, nodeUrl, devnet };
}

/**
 * An ethers provider for the L1 at `url`. Asks eth_chainId once itself (a plain JsonRpcProvider that cannot
 * reach its node retries forever and logs every second), then pins the network.
 */
export async function l1Provider(url: string): Promise<JsonRpcProvider> {
  let chainId: number;
  try {
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'eth_chainId', params: [] }),
      signal: AbortSignal.timeout(10_000),
    });
    const body = (await res.json()) as { result?: string };
    if (typeof body.result !== 'string') throw new Error(`unexpected answer ${JSON.stringify(body).slice(0, 80)}`);
    chainId = Number(BigInt(body.result));
  } catch (e) {
    throw new PlasmaError('L1_UNREACHABLE', `cannot reach the L1 node at ${url}`, {
      data: { url },
      hint: `is it running? start a local one with \`plasma-tree devnet\`, or pass --l1 <url>`,
      cause: e,
    });
  }
  const network = Network.from(chainId);
  return new JsonRpcProvider(url, network, { cacheTimeout: -1, pollingInterval: 500, staticNetwork: network });
}

/** The signing key: --account (keystore, then devnet dev accounts) or PLASMA_TREE_PRIVATE_KEY. */
export async function resolveWallet(flags: AccountFlags, devnet?: DevnetInfo): Promise<Wallet> {
  if (flags.privateKey !== undefined) throw keyOnCommandLineError();
  if (flags.account !== undefined) {
    if (looksLikePrivateKey(flags.account)) throw keyOnCommandLineError();
    const dir = resolve(flags.keystore ?? defaultKeystoreDir());
    const entry = findKey(dir, flags.account);
    if (entry) {
      const password = await getPassword({ what: `${entry.name} (${entry.address})` });
      return unlockKey(entry, password);
    }
    const dev = devnet?.accounts.find((a) => a.name === flags.account || a.address.toLowerCase() === flags.account!.toLowerCase());
    if (dev) return new Wallet(dev.privateKey);
    throw new PlasmaError('UNKNOWN_ACCOUNT', `no key named ${JSON.stringify(flags.account)} in ${dir}${devnet ? ' nor among the devnet accounts' : ''}`, {
      hint: `list the keys with \`plasma-tree keys list\`${devnet ? ` (devnet accounts: ${devnet.accounts.map((a) => a.name).join(', ')})` : ''}, or create one with \`plasma-tree keys new\``,
    });
  }
  const env = process.env[ENV_PRIVATE_KEY];
  if (env !== undefined && env !== '') return parsePrivateKey(env, ENV_PRIVATE_KEY);
  throw new PlasmaError('NO_ACCOUNT', 'no key to sign with', {
    hint: `pass --account <name> (a keystore key${devnet ? ', or a devnet account such as dev0' : ''}), or set ${ENV_PRIVATE_KEY}`,
  });
}

export interface ClientBundle {
  client: PlasmaClient;
  conn: Connection;
  provider: JsonRpcProvider;
  wallet?: Wallet;
  close(): void;
}

/** A PlasmaClient for the resolved connection; with a signer when `signer` is set. */
export async function makeClient(flags: ConnectionFlags & AccountFlags, opts: { signer: boolean; address?: string }): Promise<ClientBundle> {
  const conn = resolveConnection(flags);
  // Keys and arguments first: a bad key or address fails before any network round trip.
  let key: Wallet | undefined;
  if (opts.signer) key = await resolveWallet(flags, conn.devnet);
  else if (!opts.address && (flags.account !== undefined || flags.privateKey !== undefined || process.env[ENV_PRIVATE_KEY])) {
    // Read commands use the key's address when no address is given.
    key = await resolveWallet(flags, conn.devnet);
  }
  let account: string | undefined;
  if (opts.address) account = resolveAddress(opts.address, conn.devnet, 'address');
  const provider = await l1Provider(conn.l1Url);
  const wallet = key?.connect(provider);
  // A chain whose parent is a chain deposits and finalizes through its parent's node (devnet.json or --nodes).
  const devChain = conn.devnet?.chains.find((c) => c.chainId.toLowerCase() === conn.chainId);
  const nodes = resolveNodes(flags, conn.devnet);
  const parentNode = devChain && devChain.parentChainId.toLowerCase() === ROOT_ID ? undefined : (parentId: ChainId) => nodes[parentId.toLowerCase() as ChainId];
  const client = new PlasmaClient({
    l1: wallet ?? (provider as Provider),
    rootContract: conn.rootContract,
    chainId: conn.chainId,
    nodeUrl: conn.nodeUrl,
    account: wallet ? undefined : account,
    pollMs: 1000,
    ...(parentNode ? { parentNode } : {}),
  });
  return { client, conn, provider, wallet, close: () => provider.destroy() };
}

const ROOT_ID = `0x${'00'.repeat(32)}`;

/**
 * Node URLs by chain id: the devnet's, then PLASMA_TREE_NODES, then --nodes (later wins). An entry is
 * `<chain>=<url>` with a devnet chain name or a 32-byte id; entries are comma-separated or repeated.
 */
export function resolveNodes(flags: { nodes?: string[] }, devnet: DevnetInfo | undefined): Record<ChainId, string> {
  const out: Record<ChainId, string> = devnet ? { ...treeConfigFromDevnet(devnet).nodes } : {};
  const entries = [...(process.env.PLASMA_TREE_NODES ?? '').split(','), ...(flags.nodes ?? []).flatMap((v) => v.split(','))].map((e) => e.trim()).filter(Boolean);
  for (const entry of entries) {
    const m = /^([^=]+)=(https?:\/\/\S+)$/.exec(entry);
    const chain = m && findDevnetChain(devnet, m[1].trim());
    const chainId = chain ? chain.chainId : m && /^0x[0-9a-fA-F]{64}$/.test(m[1].trim()) ? m[1].trim() : undefined;
    if (!m || !chainId) {
      throw new PlasmaError('INVALID_NODES', `--nodes entry ${JSON.stringify(entry)} is not <chain>=<url>`, {
        hint: `pass --nodes <chain>=<url>, the chain a 32-byte id${devnet ? ` or a devnet chain name (${devnet.chains.map((c) => c.name).join(', ')})` : ''}, e.g. --nodes 0xab…=http://127.0.0.1:8646`,
      });
    }
    out[chainId.toLowerCase() as ChainId] = m[2];
  }
  return out;
}

export interface TreeBundle {
  tree: TreeClient;
  provider: JsonRpcProvider;
  wallet?: Wallet;
  devnet?: DevnetInfo;
  l1Url: string;
  rootContract: Address;
  close(): void;
}

/** A TreeClient over every chain whose node is known (devnet.json, PLASMA_TREE_NODES, --nodes). */
export async function makeTreeClient(flags: ConnectionFlags & AccountFlags, opts: { signer: boolean }): Promise<TreeBundle> {
  const { l1Url, rootContract, devnet } = resolveL1(flags);
  if (!rootContract) throw missing('root contract', '--root <address>', 'PLASMA_TREE_ROOT');
  const nodes = resolveNodes(flags, devnet);
  const key = opts.signer ? await resolveWallet(flags, devnet) : undefined;
  const provider = await l1Provider(l1Url);
  const wallet = key?.connect(provider);
  const names = devnet ? treeConfigFromDevnet(devnet).names : {};
  const tree = new TreeClient({ l1: wallet ?? (provider as Provider), rootContract, nodes, names, pollMs: 500 });
  return { tree, provider, wallet, devnet, l1Url, rootContract, close: () => provider.destroy() };
}

/** An address, or the name of a devnet account (dev1). */
export function resolveAddress(value: string, devnet: DevnetInfo | undefined, what: string): Address {
  const dev = devnet?.accounts.find((a) => a.name === value);
  if (dev) return dev.address;
  if (looksLikePrivateKey(value)) throw keyOnCommandLineError();
  if (!isAddress(value)) {
    throw new PlasmaError('INVALID_ADDRESS', `${what} is not an address: ${JSON.stringify(value)}`, {
      hint: `pass 0x + 40 hex digits${devnet ? ` or a devnet account name (${devnet.accounts.map((a) => a.name).join(', ')})` : ''}`,
    });
  }
  return getAddress(value).toLowerCase() as Address;
}

/** ETH, DEV (the devnet token) or an ERC-20 address. */
export function resolveToken(value: string | undefined, devnet: DevnetInfo | undefined): Address {
  const v = (value ?? 'ETH').trim();
  if (v.toUpperCase() === 'ETH' || v === NATIVE_TOKEN) return NATIVE_TOKEN;
  if (devnet && v.toUpperCase() === devnet.token.symbol.toUpperCase()) return devnet.token.address;
  if (isAddress(v)) return v.toLowerCase() as Address;
  throw new PlasmaError('UNKNOWN_TOKEN', `unknown token ${JSON.stringify(v)}`, {
    hint: `pass ETH${devnet ? `, ${devnet.token.symbol}` : ''} or an ERC-20 contract address`,
  });
}

/** "1.5" in the token's units → base units. */
export function parseAmount(value: string | undefined, decimals: number, symbol: string): bigint {
  if (value === undefined) throw new PlasmaError('MISSING_AMOUNT', 'no amount given', { hint: 'pass --amount <n>, e.g. --amount 1.5' });
  let v: bigint;
  try {
    if (!/^\s*\d*\.?\d+\s*$/.test(value)) throw new Error('format');
    v = parseUnits(value.trim(), decimals);
  } catch {
    throw new PlasmaError('INVALID_AMOUNT', `invalid amount ${JSON.stringify(value)} for ${symbol} (${decimals} decimals)`, {
      hint: `pass a positive decimal number of ${symbol}, e.g. --amount 1.5 (at most ${decimals} decimals)`,
    });
  }
  if (v <= 0n) throw new PlasmaError('INVALID_AMOUNT', 'the amount must be greater than 0', { hint: 'pass --amount with a positive number' });
  return v;
}
