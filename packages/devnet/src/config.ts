import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { PlasmaError, type Address, type ChainId, type Hex } from '@plasma-tree/core';

export const DEVNET_FILE = 'devnet.json';
export const DEVNET_CONFIG_VERSION = 1;

/** A funded account of the devnet. Only well-known Hardhat dev keys ever appear here. */
export interface DevnetAccount {
  /** 'dev0', 'dev1', … or 'A/validator0'. */
  name: string;
  address: Address;
  /** A Hardhat dev key (derived from the public "test test … junk" mnemonic): never use it on a real network. */
  privateKey: Hex;
  /** BIP-44 index under the Hardhat mnemonic. */
  hdIndex: number;
}

export interface DevnetChain {
  name: string;
  /** 'root' or the name of the parent chain. */
  parent: string;
  chainId: ChainId;
  parentChainId: ChainId;
  nodeUrl: string;
  validators: DevnetAccount[];
  threshold: number;
  challengeWindow: number;
  /** Seconds without a commit after which anyone may freeze the chain (`plasma-tree escape freeze`); absent in older files. */
  stallLimit?: number;
  /**
   * The chain's node data directory. With `nodes` (processes mode) it holds one directory per validator
   * (`validator<i>/`, each with its node.log) and no node of its own.
   */
  dataDir: string;
  /**
   * Processes mode only (`plasma-tree devnet --processes`): every validator of the chain runs as its own OS
   * process, `nodes[i]` holding `validators[i]`'s key; `nodeUrl` is `nodes[0].rpcUrl`. Absent in the default
   * mode (one in-process node holds every validator key), so readers that only know `nodeUrl` keep working.
   */
  nodes?: DevnetNode[];
  /**
   * FAULT INJECTION (tests only), processes mode, a chain whose spec has `faults`: the index of the validator whose
   * node process injects them (ChainSpec `faultyValidator`); the chain's other validators are honest. Absent otherwise
   * (in the default mode the chain's one node, holding every key, is the faulty one).
   */
  faultyValidator?: number;
}

/** One validator process of a chain (processes mode). */
export interface DevnetNode {
  /** Position in the chain's `validators`. */
  index: number;
  /** The validator's address (its key is `validators[index].privateKey`). */
  validator: Address;
  rpcUrl: string;
  /** libp2p peer id (persistent: `<dataDir>/p2p-key`). */
  peerId: string;
  /** Multiaddrs the node listens on (127.0.0.1), each ending in /p2p/<peerId>: what the chain's other nodes dial. */
  p2p: string[];
  /** OS process id; absent while the node is stopped (`stopValidator`, `stopNode`). */
  pid?: number;
  dataDir: string;
  logFile: string;
}

/** The content of `<dataDir>/devnet.json`: what the CLI reads its defaults from. */
export interface DevnetInfo {
  version: number;
  /** Process that runs the devnet (the CLI warns when it is gone). */
  pid: number;
  startedAt: string;
  dataDir: string;
  l1: { url: string; chainId: number; blockTimeMs: number };
  rootContract: Address;
  /** The DEV test ERC-20 (open mint); `perAccount`: base units minted to each dev account. */
  token: { address: Address; name: string; symbol: string; decimals: number; perAccount: string };
  chains: DevnetChain[];
  /** 'processes': each validator of each chain is its own process (chains' `nodes`). Absent = 'in-process'. */
  mode?: 'in-process' | 'processes';
  accounts: DevnetAccount[];
  mnemonic: string;
  /** The devnet's watcher (packages/watcher) over every chain (all levels), when it runs one (the default). */
  watcher?: { statusUrl: string; metricsUrl: string; address: Address; dataDir: string };
}

export function devnetFile(dataDir: string): string {
  return join(dataDir, DEVNET_FILE);
}

/** Writes devnet.json atomically (write + rename): a reader never sees half a file. */
export function writeDevnetInfo(dataDir: string, info: DevnetInfo): string {
  const file = devnetFile(dataDir);
  mkdirSync(dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(info, null, 2)}\n`, { mode: 0o600 });
  renameSync(tmp, file);
  return file;
}

/** Reads `<dataDir>/devnet.json`; undefined when there is none. Throws BAD_DEVNET_FILE when it is unreadable. */
export function readDevnetInfo(dataDir: string): DevnetInfo | undefined {
  const file = devnetFile(dataDir);
  if (!existsSync(file)) return undefined;
  let info: DevnetInfo;
  try {
    info = JSON.parse(readFileSync(file, 'utf8'));
  } catch (cause) {
    throw new PlasmaError('BAD_DEVNET_FILE', `${file} is not valid JSON`, { data: { file }, hint: 'delete it and start the devnet again (`plasma-tree devnet`)', cause });
  }
  if (info?.version !== DEVNET_CONFIG_VERSION || !Array.isArray(info.chains)) {
    throw new PlasmaError('BAD_DEVNET_FILE', `${file} has an unknown format (version ${JSON.stringify(info?.version)})`, { data: { file }, hint: 'delete it and start the devnet again (`plasma-tree devnet`)' });
  }
  return info;
}

/** Whether the process that wrote devnet.json is still alive. */
export function isDevnetRunning(info: DevnetInfo): boolean {
  if (info.pid === process.pid) return true;
  try {
    process.kill(info.pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export function removeDevnetInfo(dataDir: string, pid = process.pid): void {
  try {
    const info = readDevnetInfo(dataDir);
    if (info && info.pid !== pid) return; // someone else's
    rmSync(devnetFile(dataDir), { force: true });
  } catch {
    /* unreadable: leave it */
  }
}
