#!/usr/bin/env node
// Process entry of `plasma-tree`: run the CLI, exit with its code. Long-running commands (devnet, node start)
// resolve when they have shut down cleanly.
import { run } from './program.js';

const code = await run(process.argv);
// Let stdout drain, then exit even if a library left a handle open (a provider poller, a socket).
process.stdout.write('', () => process.exit(code));
