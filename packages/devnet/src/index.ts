export { startDevnet, devAccounts, isPortFree, freePort, HARDHAT_MNEMONIC, WATCHER_NATIVE_FUNDS } from './devnet.js';
export type { Devnet, DevnetOptions, DevnetProgress } from './devnet.js';
export { resolveLayout, defaultThreshold, ROOT, MIN_BOND, ROOT_MIN_BOND } from './layout.js';
export type { ChainSpec, ResolvedChainSpec } from './layout.js';
export { readDevnetInfo, writeDevnetInfo, removeDevnetInfo, isDevnetRunning, devnetFile, DEVNET_FILE, DEVNET_CONFIG_VERSION } from './config.js';
export type { DevnetInfo, DevnetChain, DevnetAccount, DevnetNode } from './config.js';
