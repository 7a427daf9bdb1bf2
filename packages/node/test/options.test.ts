import { describe, expect, it } from 'vitest';
import { isPlasmaError, type PlasmaError } from '@plasma-tree/core';
import { optionsFromArgs } from '../src/config.js';
import { createLogger, resolveNodeOptions, type NodeOptions } from '../src/index.js';

const valid: NodeOptions = {
  dataDir: '/tmp/plasma-node',
  l1RpcUrl: 'http://127.0.0.1:8545',
  rootContract: '0x5FbDB2315678afecb367f032d93F642f64180aa3',
  chainId: `0x${'AB'.repeat(32)}`,
  validatorKeys: [],
};

function configError(opts: unknown): PlasmaError {
  try {
    resolveNodeOptions(opts as NodeOptions);
  } catch (e) {
    if (isPlasmaError(e, 'BAD_CONFIG')) return e;
    throw e;
  }
  throw new Error('expected BAD_CONFIG');
}

describe('resolveNodeOptions', () => {
  it('fills in the defaults and lowercases addresses and ids', () => {
    const resolved = resolveNodeOptions(valid);
    expect(resolved).toMatchObject({
      rootContract: '0x5fbdb2315678afecb367f032d93f642f64180aa3',
      chainId: `0x${'ab'.repeat(32)}`,
      rpc: { host: '127.0.0.1', port: 8645 },
      blockTimeMs: 1000,
      maxBlockTxs: 10_000,
      l1Confirmations: 2,
      l1PollMs: 500,
      mempoolMaxTxs: 100_000,
    });
    expect(resolved.signatureWorkers).toBeGreaterThanOrEqual(1);
  });

  it('accepts port 0 (any free port) and zero confirmations', () => {
    expect(resolveNodeOptions({ ...valid, rpc: { port: 0 }, l1Confirmations: 0 })).toMatchObject({ rpc: { port: 0 }, l1Confirmations: 0 });
  });

  it.each([
    ['dataDir', { dataDir: '' }],
    ['l1RpcUrl', { l1RpcUrl: 'not a url' }],
    ['l1RpcUrl', { l1RpcUrl: 'ws://127.0.0.1:8546' }],
    ['rootContract', { rootContract: '0x1234' }],
    ['chainId', { chainId: '0x01' }],
    ['validatorKeys', { validatorKeys: 'abc' }],
    ['validatorKeys[0]', { validatorKeys: ['0x1234'] }],
    ['rpc.port', { rpc: { port: 70_000 } }],
    ['blockTimeMs', { blockTimeMs: 0 }],
    ['maxBlockTxs', { maxBlockTxs: 65_537 }],
    ['l1Confirmations', { l1Confirmations: -1 }],
    ['l1PollMs', { l1PollMs: 1.5 }],
    ['logLevel', { logLevel: 'verbose' }],
  ])('refuses a bad %s', (field, override) => {
    const error = configError({ ...valid, ...override });
    expect(error.data).toEqual({ field });
    expect(error.message).toContain(field);
    expect(error.hint).not.toBe('');
  });

  it('never echoes a malformed validator key', () => {
    const secret = `0x${'5'.repeat(63)}`;
    expect(configError({ ...valid, validatorKeys: [secret] }).message).not.toContain(secret.slice(4));
  });

  it('refuses the same key twice', () => {
    const key = `0x${'11'.repeat(32)}`;
    expect(configError({ ...valid, validatorKeys: [key, key.toUpperCase().replace('0X', '0x')] }).data).toEqual({ field: 'validatorKeys' });
  });
});

describe('resolveNodeOptions: parent', () => {
  it('defaults to the root, fills in finality "final" and refuses a bad kind, URL or finality', () => {
    expect(resolveNodeOptions(valid).parent).toEqual({ kind: 'root' });
    expect(resolveNodeOptions({ ...valid, parent: { kind: 'child', nodeUrl: 'http://127.0.0.1:8645' } }).parent).toEqual({ kind: 'child', nodeUrl: 'http://127.0.0.1:8645', finality: 'final' });
    expect(configError({ ...valid, parent: { kind: 'uncle' } }).data).toMatchObject({ field: 'parent.kind' });
    expect(configError({ ...valid, parent: { kind: 'child', nodeUrl: 'nope' } }).data).toMatchObject({ field: 'parent.nodeUrl' });
    expect(configError({ ...valid, parent: { kind: 'child', nodeUrl: 'http://x', finality: 'soon' } }).data).toMatchObject({ field: 'parent.finality' });
  });
});

describe('optionsFromArgs (bin.ts)', () => {
  const args = ['--data-dir', '/d', '--l1', 'http://l1', '--root', valid.rootContract, '--chain', valid.chainId];

  it('reads flags, with validator keys from the environment', () => {
    const key = `0x${'22'.repeat(32)}`;
    const opts = optionsFromArgs([...args, '--rpc-port', '0', '--block-time-ms', '250', '--log-level', 'debug'], { PLASMA_TREE_VALIDATOR_KEYS: ` ${key} ,` });
    expect(opts).toMatchObject({ dataDir: '/d', l1RpcUrl: 'http://l1', rpc: { port: 0 }, blockTimeMs: 250, logLevel: 'debug', validatorKeys: [key] });
  });

  it('refuses keys on the command line', () => {
    expect(() => optionsFromArgs([...args, '--validator-keys', '0x11'], {})).toThrow(/not accepted on the command line/);
  });

  it('reads the parent chain node from --parent-url and --parent-finality', () => {
    expect(optionsFromArgs(args, {}).parent).toBeUndefined();
    expect(optionsFromArgs([...args, '--parent-url', 'http://127.0.0.1:8645', '--parent-finality', 'committed'], {}).parent).toEqual({ kind: 'child', nodeUrl: 'http://127.0.0.1:8645', finality: 'committed' });
    expect(() => optionsFromArgs([...args, '--parent-finality', 'final'], {})).toThrow(/needs --parent-url/);
  });

  it('refuses unknown flags and non-numeric numbers', () => {
    expect(() => optionsFromArgs([...args, '--frobnicate'], {})).toThrow(/frobnicate/);
    expect(() => optionsFromArgs([...args, '--l1-poll-ms', 'fast'], {})).toThrow(/whole number/);
  });
});

describe('logger', () => {
  it('writes JSON lines above its level, with the module path of child loggers', () => {
    const lines: string[] = [];
    const root = createLogger({ level: 'info', write: (l) => lines.push(l) });
    root.debug('hidden');
    root.child('rpc').child('http').warn('slow request', { ms: 12, amount: 10n, error: new Error('boom') });
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0])).toMatchObject({ level: 'warn', module: 'rpc/http', msg: 'slow request', ms: 12, amount: '10', error: { name: 'Error', message: 'boom' } });
  });
});
