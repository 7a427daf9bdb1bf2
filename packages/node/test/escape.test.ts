import { describe, expect, it } from 'vitest';
import { PlasmaError } from '@plasma-tree/core';
import { dataDirEscapeProofSource } from '../src/index.js';

describe('escape proofs from a data directory', () => {
  it('a data directory that holds no store is refused with a code and a hint', async () => {
    const source = dataDirEscapeProofSource('/nonexistent/plasma-tree-escape');
    expect(source.description).toBe('data dir /nonexistent/plasma-tree-escape');
    const query = { chainId: `0x${'ab'.repeat(32)}` as const, owner: `0x${'11'.repeat(20)}` as const, token: `0x${'00'.repeat(20)}` as const, number: 1 };
    const err = await source.escapeProof(query).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PlasmaError);
    expect((err as PlasmaError).code).toBe('STORE_UNAVAILABLE');
    expect((err as PlasmaError).hint).toMatch(/data directory/);
  });
});
