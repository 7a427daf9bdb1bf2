/**
 * The edge functions a node runs (docs/EDGE.md): NodeOptions `edges` (a registry), `edgeFunctions` with
 * `messageHandlers`, or `edgeModule` (the path of an ESM module exporting `edgeFunctions` and optionally
 * `messageHandlers`, loaded at start: what a node process started from a config file uses). Every validator of a
 * chain must run the same functions, as they run the same STF.
 */
import { isAbsolute, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { BUILT_IN_EDGES, createEdgeRegistry, isPlasmaError, PlasmaError, type EdgeFunction, type EdgeRegistry, type MessageHandler } from '@plasma-tree/core';

/** What an edge module exports. */
export interface EdgeModule {
  edgeFunctions?: EdgeFunction[];
  messageHandlers?: Record<string, MessageHandler>;
}

function badConfig(field: string, message: string, hint: string, cause?: unknown): PlasmaError {
  return new PlasmaError('BAD_CONFIG', `${field}: ${message}`, { data: { field, ...(isPlasmaError(cause) ? { reason: cause.code } : {}) }, hint, cause });
}

/** A registry of `edgeFunctions` and `messageHandlers`, with the registry's refusals as BAD_CONFIG of `field`. */
export function edgeRegistryOf(field: string, edgeFunctions: unknown, messageHandlers: unknown): EdgeRegistry {
  if (edgeFunctions !== undefined && !Array.isArray(edgeFunctions)) {
    throw badConfig(field, 'edgeFunctions must be an array of edge functions', 'export `edgeFunctions = [defineEdgeFunction({ … }), …]`');
  }
  if (messageHandlers !== undefined && (typeof messageHandlers !== 'object' || messageHandlers === null || Array.isArray(messageHandlers))) {
    throw badConfig(field, 'messageHandlers must be an object of handlers by target address', 'export `messageHandlers = { "0x<target>": (ctx, message) => { … } }`');
  }
  if (edgeFunctions === undefined && messageHandlers === undefined) return BUILT_IN_EDGES;
  try {
    return createEdgeRegistry((edgeFunctions ?? []) as EdgeFunction[], { messageHandlers: messageHandlers as Record<string, MessageHandler> | undefined });
  } catch (e) {
    if (!isPlasmaError(e)) throw e;
    throw badConfig(field, e.message, e.hint ?? 'define every function with defineEdgeFunction, each name once', e);
  }
}

/** Imports an edge module (a path, relative to the current directory, or a file: URL) and builds its registry. */
export async function loadEdgeModule(path: string): Promise<EdgeRegistry> {
  const url = path.startsWith('file:') ? path : pathToFileURL(isAbsolute(path) ? path : resolve(path)).href;
  let module: EdgeModule;
  try {
    module = (await import(url)) as EdgeModule;
  } catch (e) {
    throw badConfig('edgeModule', `cannot load ${path}: ${(e as Error)?.message ?? String(e)}`,
      'set edgeModule to the path of an ESM module (.js, .mjs, or .ts when run with tsx) exporting `edgeFunctions`', e);
  }
  if (module.edgeFunctions === undefined && module.messageHandlers === undefined) {
    throw badConfig('edgeModule', `${path} exports neither edgeFunctions nor messageHandlers`, 'export `edgeFunctions` (an array of defineEdgeFunction results) and optionally `messageHandlers`');
  }
  return edgeRegistryOf('edgeModule', module.edgeFunctions, module.messageHandlers);
}
