/** vitest setupFiles: registers this worker's pooled L1 (./l1-pool.global.ts) for startTestL1. */
import { inject } from 'vitest';
import { usePooledL1 } from '@plasma-tree/contracts';

const url = inject('l1Pool')?.[Number(process.env.VITEST_POOL_ID ?? 0) - 1];
if (url) usePooledL1(url);
