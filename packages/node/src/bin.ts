/**
 * Process entry of a Plasma Tree node:
 *
 *   node --conditions=source --import tsx packages/node/src/bin.ts --config node.json
 *   node --conditions=source --import tsx packages/node/src/bin.ts --data-dir .data/node --l1 http://127.0.0.1:8545 \
 *     --root 0x… --chain 0x… [--rpc-host 127.0.0.1] [--rpc-port 8645] [--block-time-ms 1000] …
 *
 * Validator keys: PLASMA_TREE_VALIDATOR_KEYS=0x…,0x… or `validatorKeys` in the config file (see config.ts).
 * Once serving, one JSON line `{"rpcUrl", "chainId", "head"}` goes to stdout; logs go to stderr as JSON lines.
 * SIGINT/SIGTERM close the node (a second one exits at once); the exit code is 0 after a clean close.
 */
import { isPlasmaError } from '@plasma-tree/core';
import { USAGE, optionsFromArgs } from './config.js';
import { PlasmaNode } from './node.js';

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  const startup = new AbortController();
  let node: PlasmaNode | undefined;
  let signals = 0;
  const onSignal = (signal: NodeJS.Signals): void => {
    if (++signals > 1) {
      process.stderr.write(`${signal} again: exiting without a clean close\n`);
      process.exit(1);
    }
    startup.abort();
    void node?.close();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  node = await PlasmaNode.init(optionsFromArgs(argv, process.env), startup.signal);
  if (signals > 0) void node.close();
  process.stdout.write(`${JSON.stringify({ rpcUrl: node.rpcUrl, chainId: node.chain.chainId, head: node.head, ...(node.p2p ? { p2p: node.p2p.addresses } : {}) })}\n`);
  await node.closed;
  process.exit(node.failure === undefined ? 0 : 1);
}

main().catch((e: unknown) => {
  if ((e as Error)?.name === 'AbortError') process.exit(0); // stopped by a signal while starting
  if (isPlasmaError(e)) process.stderr.write(`error ${e.code}: ${e.message}\n`);
  else process.stderr.write(`error: ${(e as Error)?.stack ?? String(e)}\n`);
  process.exit(1);
});
