/**
 * NodeOptions of the node process (bin.ts) from a JSON config file, flags and the environment. Validator keys
 * come from PLASMA_TREE_VALIDATOR_KEYS (comma-separated) or the config file's `validatorKeys`, never from the
 * command line (every user of the machine can read it). Flags override the config file; the environment's
 * keys override the file's.
 */
import { readFileSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { PlasmaError, type Hex } from '@plasma-tree/core';
import { parseFaultSpec } from './faults/plan.js';
import type { NodeOptions } from './options.js';

export const VALIDATOR_KEYS_ENV = 'PLASMA_TREE_VALIDATOR_KEYS';

export const USAGE = `usage: bin.ts --config <file.json> | --data-dir <dir> --l1 <url> --root <address> --chain <chainId>
  [--rpc-host <host>] [--rpc-port <port>] [--block-time-ms <ms>] [--max-block-txs <n>]
  [--l1-confirmations <n>] [--l1-poll-ms <ms>] [--mempool-max-txs <n>] [--signature-workers <n>]
  [--log-level debug|info|warn|error] [--parent-url <url of the parent chain's node> [--parent-finality final|committed]]
  [--edge-module <ESM module exporting edgeFunctions and optionally messageHandlers>]
  [--p2p-listen <multiaddr>]… [--bootstrap <multiaddr>]… [--round-timeout-ms <ms>]   (docs/CONSENSUS.md)
  [--inject-fault <kind>[@block]   TESTS ONLY: produce an invalid block (docs/FRAUD.md §5)]
validator keys: ${VALIDATOR_KEYS_ENV}=0x…,0x… or "validatorKeys" in the config file`;

const INTEGER_FLAGS = {
  'block-time-ms': 'blockTimeMs',
  'max-block-txs': 'maxBlockTxs',
  'l1-confirmations': 'l1Confirmations',
  'l1-poll-ms': 'l1PollMs',
  'mempool-max-txs': 'mempoolMaxTxs',
  'signature-workers': 'signatureWorkers',
  'round-timeout-ms': 'roundTimeoutMs',
} as const;

function badConfig(message: string, hint = USAGE): PlasmaError {
  return new PlasmaError('BAD_CONFIG', message, { hint });
}

/** NodeOptions from the config file, the flags and the environment. */
export function optionsFromArgs(argv: string[], env: NodeJS.ProcessEnv): NodeOptions {
  if (argv.some((arg) => /^--(validator-?keys?|keys?|private-?key)\b/i.test(arg))) {
    throw badConfig('validator keys are not accepted on the command line', `put them in ${VALIDATOR_KEYS_ENV} (comma-separated) or in the config file's "validatorKeys"`);
  }
  let values: Record<string, string | undefined> & { 'p2p-listen'?: string[]; bootstrap?: string[] };
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        config: { type: 'string' },
        'data-dir': { type: 'string' },
        l1: { type: 'string' },
        root: { type: 'string' },
        chain: { type: 'string' },
        'rpc-host': { type: 'string' },
        'rpc-port': { type: 'string' },
        'log-level': { type: 'string' },
        'parent-url': { type: 'string' },
        'parent-finality': { type: 'string' },
        'edge-module': { type: 'string' },
        'inject-fault': { type: 'string' },
        'p2p-listen': { type: 'string', multiple: true },
        bootstrap: { type: 'string', multiple: true },
        ...Object.fromEntries(Object.keys(INTEGER_FLAGS).map((flag) => [flag, { type: 'string' as const }])),
      },
      strict: true,
      allowPositionals: false,
    }) as unknown as { values: Record<string, string | undefined> & { 'p2p-listen'?: string[]; bootstrap?: string[] } });
  } catch (e) {
    throw badConfig((e as Error).message);
  }

  let file: Partial<NodeOptions> = {};
  if (values.config) {
    try {
      file = JSON.parse(readFileSync(values.config, 'utf8')) as Partial<NodeOptions>;
    } catch (e) {
      throw badConfig(`cannot read the config file ${values.config}: ${(e as Error).message}`, 'pass a JSON file with the NodeOptions fields');
    }
  }

  const integer = (flag: string): number | undefined => {
    const text = values[flag];
    if (text === undefined) return undefined;
    if (!/^\d+$/.test(text)) throw badConfig(`--${flag} must be a whole number, got ${JSON.stringify(text)}`);
    return Number(text);
  };
  const envKeys = env[VALIDATOR_KEYS_ENV]?.split(',').map((k) => k.trim()).filter((k) => k !== '') as Hex[] | undefined;

  const options = {
    ...file,
    dataDir: values['data-dir'] ?? file.dataDir,
    l1RpcUrl: values.l1 ?? file.l1RpcUrl,
    rootContract: values.root ?? file.rootContract,
    chainId: values.chain ?? file.chainId,
    validatorKeys: envKeys ?? file.validatorKeys ?? [],
    rpc: { ...file.rpc, host: values['rpc-host'] ?? file.rpc?.host, port: integer('rpc-port') ?? file.rpc?.port },
    logLevel: values['log-level'] ?? file.logLevel,
  } as NodeOptions;
  // A config file's edgeModule is relative to the file (it travels with it); the flag's to the current directory.
  const edgeModule = values['edge-module'] ?? (typeof file.edgeModule === 'string' && !file.edgeModule.startsWith('file:') && !isAbsolute(file.edgeModule) && values.config
    ? resolve(dirname(values.config), file.edgeModule)
    : file.edgeModule);
  if (edgeModule !== undefined) options.edgeModule = edgeModule;
  if (values['inject-fault'] !== undefined) options.faults = parseFaultSpec(values['inject-fault']);
  if (values['parent-finality'] !== undefined && values['parent-url'] === undefined && file.parent?.kind !== 'child') {
    throw badConfig('--parent-finality needs --parent-url (or a config file with parent.kind "child")');
  }
  if (values['parent-url'] !== undefined || values['parent-finality'] !== undefined) {
    const fromFile = file.parent?.kind === 'child' ? file.parent : undefined;
    options.parent = {
      kind: 'child',
      nodeUrl: values['parent-url'] ?? fromFile!.nodeUrl,
      finality: (values['parent-finality'] ?? fromFile?.finality) as 'committed' | 'final' | undefined,
    };
  }
  if (values['p2p-listen'] !== undefined || values.bootstrap !== undefined) {
    options.p2p = { ...file.p2p, ...(values['p2p-listen'] ? { listen: values['p2p-listen'] } : {}), ...(values.bootstrap ? { bootstrap: values.bootstrap } : {}) };
  }
  for (const [flag, field] of Object.entries(INTEGER_FLAGS)) {
    const value = integer(flag);
    if (value !== undefined) options[field] = value;
  }
  return options;
}
