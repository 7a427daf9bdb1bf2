import { spawn, type ChildProcess } from 'node:child_process';
import { writeFile, mkdir } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { isAbsolute, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { PlasmaError } from '@plasma-tree/core';
import { VALIDATOR_KEYS_ENV } from './config.js';
import type { NodeOptions } from './options.js';

export interface NodeProcessOptions {
  /**
   * The node's options; the validator keys travel in the environment, everything else in a config file. Edge
   * functions cannot travel in a file: give them as `edgeModule` (a relative path is taken from the current
   * directory), not as `edges`, `edgeFunctions` or `messageHandlers`.
   */
  options: Omit<NodeOptions, 'logger'>;
  /** Receives each line the node logs (JSON lines on its stderr). */
  onLog?: (line: string) => void;
  /** How long to wait for the node to serve. Default 60 s. */
  startTimeoutMs?: number;
  /** Extra Node.js flags for the node process (e.g. `--cpu-prof`). */
  nodeFlags?: string[];
}

export interface NodeProcess {
  rpcUrl: string;
  child: ChildProcess;
  /** Resolves with the exit code (null when killed by a signal). */
  exited: Promise<number | null>;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves once the process is gone. */
  stop(graceMs?: number): Promise<number | null>;
}

const BIN = fileURLToPath(new URL('./bin.ts', import.meta.url));
const TSX_LOADER = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;

/**
 * Runs a node in its own process (`bin.ts`) and resolves once it serves JSON-RPC: what the devnet, the
 * crash tests and the throughput benchmark use. The config file is written to `<dataDir>/node.config.json`.
 */
export async function spawnNodeProcess({ options, onLog, startTimeoutMs = 60_000, nodeFlags = [] }: NodeProcessOptions): Promise<NodeProcess> {
  const { validatorKeys, ...rest } = options;
  for (const field of ['edges', 'edgeFunctions', 'messageHandlers'] as const) {
    if (options[field] !== undefined) {
      throw new PlasmaError('BAD_CONFIG', `${field}: functions cannot be passed to a node process`, {
        data: { field },
        hint: 'put the functions in an ESM module exporting `edgeFunctions` (and `messageHandlers`) and pass its path as `edgeModule`',
      });
    }
  }
  if (rest.edgeModule !== undefined && !rest.edgeModule.startsWith('file:') && !isAbsolute(rest.edgeModule)) rest.edgeModule = resolve(rest.edgeModule);
  await mkdir(options.dataDir, { recursive: true });
  const configFile = join(options.dataDir, 'node.config.json');
  await writeFile(configFile, JSON.stringify({ ...rest, validatorKeys: [] }, null, 2));

  const child = spawn(process.execPath, [...nodeFlags, '--conditions=source', '--import', TSX_LOADER, BIN, '--config', configFile], {
    env: { ...process.env, [VALIDATOR_KEYS_ENV]: validatorKeys.join(',') },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));

  let logTail = '';
  forEachLine(child.stderr!, (line) => {
    logTail = `${logTail}${line}\n`.slice(-4000);
    onLog?.(line);
  });
  const ready = new Promise<string>((resolve, reject) => {
    forEachLine(child.stdout!, (line) => {
      try {
        const { rpcUrl } = JSON.parse(line) as { rpcUrl?: string };
        if (rpcUrl) resolve(rpcUrl);
      } catch {
        // not the ready line
      }
    });
    void exited.then((code) => reject(new Error(`the node process exited with code ${code} before serving:\n${logTail}`)));
    setTimeout(() => reject(new Error(`the node process did not serve within ${startTimeoutMs} ms:\n${logTail}`)), startTimeoutMs).unref();
  });

  const stop = async (graceMs = 10_000): Promise<number | null> => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await exited;
      clearTimeout(timer);
    }
    return exited;
  };

  try {
    return { rpcUrl: await ready, child, exited, stop };
  } catch (e) {
    child.kill('SIGKILL');
    throw e;
  }
}

function forEachLine(stream: NodeJS.ReadableStream, onLine: (line: string) => void): void {
  let partial = '';
  stream.setEncoding('utf8');
  stream.on('data', (chunk: string) => {
    const lines = (partial + chunk).split('\n');
    partial = lines.pop() ?? '';
    for (const line of lines) onLine(line);
  });
}
