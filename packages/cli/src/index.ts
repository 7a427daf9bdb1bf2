export { createProgram, run, formatError } from './program.js';
export { resolveConnection, resolveWallet, resolveToken, parseAmount, loadDevnet, DEFAULT_DEVNET_DIR } from './context.js';
export { listKeys, findKey, saveKey, unlockKey, defaultKeystoreDir, ENV_PRIVATE_KEY, ENV_PASSWORD } from './keys.js';
export { table, formatAmount, formatDuration, compactDuration } from './ui.js';
export { renderTree, renderRoute, chainLabel } from './tree-view.js';
