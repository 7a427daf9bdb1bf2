#!/usr/bin/env node
// Launcher of `plasma-tree`: runs the TypeScript sources in-process through tsx, and resolves the workspace
// packages (@plasma-tree/*) to their sources via the "source" export condition — the same as
// `node --conditions=source --import tsx packages/cli/src/bin.ts`.
import { register } from 'node:module';

register('./source-condition.js', import.meta.url);
const { register: registerTsx } = await import('tsx/esm/api');
registerTsx();
await import('../src/bin.ts');
