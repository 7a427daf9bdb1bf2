import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { keccak256, plasmaDomain, secp256k1Scheme, type Account, type Address, type Hex, type SpendTx } from '@plasma-tree/core';
import { Mempool, SignaturePool, createNodeMetrics, silentLogger, type RecoveryItem, type SubmitResult } from '../src/index.js';
import { ETH, User } from './helpers.js';

const chainId = `0x${'c1'.repeat(32)}` as Hex;
const rootContract = `0x${'5f'.repeat(20)}` as Address;
const domain = plasmaDomain(31337n, rootContract);

let inline: SignaturePool;
beforeAll(async () => {
  inline = await SignaturePool.start(0, silentLogger);
});
afterAll(() => inline.close());

/** A mempool over a fixed set of accounts; `recover` can be replaced to control when signatures come back. */
function mempoolOver(accounts: Map<number, Account>, opts: { maxTxs?: number; recover?: (items: readonly RecoveryItem[]) => ReturnType<SignaturePool['recover']> } = {}) {
  return new Mempool(
    { chainId, domain, account: (slot) => accounts.get(slot), recoverSigners: opts.recover ?? ((items) => inline.recover(items)), metrics: createNodeMetrics() },
    { maxTxs: opts.maxTxs ?? 1000 },
  );
}

const codes = (results: SubmitResult[]) => results.map((r) => ('error' in r ? r.error.code : 'ok'));

describe('Mempool', () => {
  const alice = new User(chainId, 31337n, rootContract);
  const bob = new User(chainId, 31337n, rootContract);
  const accounts = new Map<number, Account>([[0, { owner: alice.address, token: ETH, balance: 100n, nonce: 3n }]]);

  it('admits in arrival order even when a later batch has its signatures checked first', async () => {
    let release!: () => void;
    const firstHeld = new Promise<void>((r) => (release = r));
    let calls = 0;
    const mempool = mempoolOver(accounts, {
      recover: async (items) => {
        if (calls++ === 0) await firstHeld; // the first batch's signatures come back last
        return inline.recover(items);
      },
    });
    const first = mempool.submit([3n, 4n].map((n) => alice.transfer(0, bob.address, 1n, n)));
    const second = mempool.submit([5n, 6n].map((n) => alice.transfer(0, bob.address, 1n, n)));
    await new Promise((r) => setTimeout(r, 10));
    release();
    expect(codes(await first)).toEqual(['ok', 'ok']);
    expect(codes(await second)).toEqual(['ok', 'ok']);
    expect(mempool.pendingNonce(0)).toBe(7n);
    expect(mempool.take(10).map((p) => (p.tx as SpendTx).nonce)).toEqual([3n, 4n, 5n, 6n]);
  });

  it('refuses duplicates, within a batch and across batches, until the block holding them is released', async () => {
    const mempool = mempoolOver(accounts);
    const tx = alice.transfer(0, bob.address, 1n, 3n);
    const results = await mempool.submit([tx, tx]);
    expect(codes(results)).toEqual(['ok', 'TX_KNOWN']);
    expect(codes(await mempool.submit([tx]))).toEqual(['TX_KNOWN']);
    const [taken] = mempool.take(1);
    expect(mempool.has(taken.hash)).toBe(true); // being built: still 'pending'
    mempool.settle(taken);
    mempool.release([taken.hash]);
    expect(mempool.has(taken.hash)).toBe(false);
    expect(mempool.size).toBe(0);
  });

  it('is bounded', async () => {
    const mempool = mempoolOver(accounts, { maxTxs: 2 });
    const results = await mempool.submit([3n, 4n, 5n].map((n) => alice.transfer(0, bob.address, 1n, n)));
    expect(codes(results)).toEqual(['ok', 'ok', 'MEMPOOL_FULL']);
    expect((results[2] as { error: Error }).error.message).toMatch(/maximum of 2/);
  });

  it('answers no hash when its journal cannot be written: a coded error that says what to do', async () => {
    const mempool = new Mempool(
      { chainId, domain, account: (slot) => accounts.get(slot), recoverSigners: (items) => inline.recover(items), metrics: createNodeMetrics(), journal: async () => {
        throw new Error('ENOSPC: no space left on device');
      } },
      { maxTxs: 10 },
    );
    const failure = await mempool.submit([alice.transfer(0, bob.address, 1n, 3n)]).then(() => undefined, (e: unknown) => e as { code: string; message: string; hint?: string });
    expect(failure?.code).toBe('JOURNAL_WRITE_FAILED');
    expect(failure?.message).toMatch(/ENOSPC/);
    expect(failure?.hint).toMatch(/pt_getReceipt/);
  });

  it('checks the balance against what pending transactions already spend', async () => {
    const mempool = mempoolOver(accounts);
    const results = await mempool.submit([alice.transfer(0, bob.address, 60n, 3n), alice.transfer(0, bob.address, 41n, 4n), alice.transfer(0, bob.address, 40n, 4n)]);
    expect(codes(results)).toEqual(['ok', 'INSUFFICIENT_BALANCE', 'ok']);
  });

  it('refuses a signature from which no signer recovers, and a token the slot does not hold', async () => {
    const mempool = mempoolOver(accounts);
    const tx = alice.transfer(0, bob.address, 1n, 3n);
    const zeroR = `0x${'00'.repeat(32)}${tx.signature.slice(66)}` as Hex;
    const otherToken = alice.sign({ kind: 1, slot: 0, to: bob.address, amount: 1n, nonce: 3n, token: `0x${'77'.repeat(20)}` });
    expect(codes(await mempool.submit([{ ...tx, signature: zeroR }, otherToken]))).toEqual(['BAD_SIGNATURE', 'SLOT_TOKEN_MISMATCH']);
  });
});

describe('SignaturePool', () => {
  it('recovers the same signers in worker threads as inline, and reports bad signatures per item', async () => {
    const key = `0x${'42'.repeat(32)}` as Hex;
    const items: RecoveryItem[] = Array.from({ length: 300 }, (_, i) => {
      const digest = keccak256(new Uint8Array([i, i >> 8]));
      return { digest, signature: secp256k1Scheme.sign(digest, key) };
    });
    items[7] = { ...items[7], signature: `0x${'ff'.repeat(65)}` };
    items[8] = { ...items[8], signature: '0x12' as Hex };
    const workers = await SignaturePool.start(2, silentLogger);
    try {
      const [threaded, direct] = await Promise.all([workers.recover(items), inline.recover(items)]);
      expect(threaded).toEqual(direct);
      expect(threaded[0]).toEqual({ signer: secp256k1Scheme.addressOf(key) });
      expect(threaded[7]).toEqual({ error: expect.stringMatching(/v must be 27 or 28/) });
      expect(threaded[8]).toEqual({ error: expect.any(String) });
      expect(threaded.filter((r) => 'signer' in r)).toHaveLength(298);
    } finally {
      await workers.close();
    }
  });
});
