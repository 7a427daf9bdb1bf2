// Entry of the signature worker threads. Node 20 does not hand the main thread's `--import tsx` hooks on to
// workers, so the worker registers tsx itself before loading the TypeScript module.
import { tsImport } from 'tsx/esm/api';

await tsImport('./sigWorker.ts', import.meta.url);
