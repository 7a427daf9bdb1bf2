/** PlasmaNode against a real Hardhat L1: deposits, mempool rules, blocks, commitments, proofs, restart. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AbiCoder, Wallet, keccak256, parseEther } from 'ethers';
import { MESSAGE_FN, TxKind, ZERO_BYTES32, headerFromJson, type ChainId, type Hex } from '@plasma-tree/core';
import { PlasmaNode, isPlasmaError } from '../src/index.js';
import {
  ETH,
  User,
  depositETH,
  fund,
  mine,
  nodeOptions,
  rpc,
  recordingLogger,
  rpcError,
  spawnChain,
  startL1,
  startL1Proxy,
  tempDir,
  txJson,
  validatorKey,
  waitFor,
  type L1,
} from './helpers.js';

let l1: L1;
beforeAll(async () => {
  l1 = await startL1();
});
afterAll(async () => {
  await l1?.stop();
});

/** A validator node (threshold 1) on a fresh chain, with a temporary data directory. */
async function startChain(overrides: Parameters<typeof nodeOptions>[3] = {}) {
  const key = validatorKey(l1, 1);
  const chainId = await spawnChain(l1, [key]);
  const dir = await tempDir();
  const options = nodeOptions(l1, chainId, dir.path, { validatorKeys: [key], ...overrides });
  const node = await PlasmaNode.init(options);
  const user = () => new User(chainId, l1.l1ChainId, l1.rootAddress);
  return {
    chainId,
    node,
    options,
    user,
    async stop() {
      await node.close();
      await dir.remove();
    },
  };
}

describe('PlasmaNode.init', () => {
  it('refuses a chain id the root contract does not know', async () => {
    const dir = await tempDir();
    try {
      const unknown = `0x${'ab'.repeat(32)}` as ChainId;
      const error = await PlasmaNode.init(nodeOptions(l1, unknown, dir.path)).catch((e: unknown) => e);
      expect(isPlasmaError(error, 'UNKNOWN_CHAIN')).toBe(true);
    } finally {
      await dir.remove();
    }
  });

  it('refuses a validator key that is not a validator of the chain', async () => {
    const chainId = await spawnChain(l1, [validatorKey(l1, 1)]);
    const dir = await tempDir();
    try {
      const error = await PlasmaNode.init(nodeOptions(l1, chainId, dir.path, { validatorKeys: [validatorKey(l1, 2)] })).catch((e: unknown) => e);
      expect(isPlasmaError(error, 'BAD_CONFIG')).toBe(true);
      expect((error as Error).message).toMatch(/not a validator/);
    } finally {
      await dir.remove();
    }
  });

  it('serves pt_chainInfo with the parameters read from the contract', async () => {
    const chain = await startChain();
    try {
      const info = await rpc(chain.node.rpcUrl, 'pt_chainInfo');
      expect(info).toEqual({
        chainId: chain.chainId,
        parentChainId: ZERO_BYTES32,
        l1ChainId: 31337,
        rootContract: l1.rootAddress,
        validators: [new Wallet(validatorKey(l1, 1)).address.toLowerCase()],
        threshold: 1,
        challengeWindow: 60,
        // A child of the root: depth 1, 120 KiB of txs a data chunk (docs/LEDGER-PROOFS.md "A size rule for block data").
        depth: 1,
        chunkBudget: 120 * 1024,
        head: { number: 0, hash: ZERO_BYTES32 },
        committed: { number: 0, hash: ZERO_BYTES32 },
        final: { number: 0, hash: ZERO_BYTES32 },
        depositNonce: 0,
        mempoolSize: 0,
        // The registry: only the built-in message function unless NodeOptions give edge functions.
        edgeFunctions: [{ name: 'plasma-tree/message/v1', fn: MESSAGE_FN, direction: 'both' }],
      });
    } finally {
      await chain.stop();
    }
  });
});

describe('deposits', () => {
  it('applies a deposit only after l1Confirmations blocks, then shows the balance over RPC', async () => {
    const chain = await startChain({ l1Confirmations: 3 });
    try {
      const alice = chain.user();
      await depositETH(l1, chain.chainId, alice.address, parseEther('1'));
      await mine(l1, 2); // 2 of the 3 confirmations
      await new Promise((r) => setTimeout(r, 400)); // several polls and block times
      expect(await rpc(chain.node.rpcUrl, 'pt_getBalance', [alice.address, ETH])).toBe('0');
      expect(chain.node.head.number).toBe(0);

      await mine(l1, 1);
      await waitFor('deposit applied', async () => (await rpc(chain.node.rpcUrl, 'pt_getBalance', [alice.address, ETH])) === parseEther('1').toString());
      const account = await rpc(chain.node.rpcUrl, 'pt_getAccount', [alice.address, ETH]);
      expect(account).toEqual({ slot: 0, balance: parseEther('1').toString(), nonce: 0, pendingNonce: 0 });
      const info = await rpc(chain.node.rpcUrl, 'pt_chainInfo');
      expect(info.depositNonce).toBe(1);
      const block = await rpc(chain.node.rpcUrl, 'pt_getBlockByNumber', ['latest']);
      expect(block.txs[0]).toMatchObject({ kind: 'deposit', toSlot: 0, to: alice.address, amount: parseEther('1').toString(), nonce: 1 });
    } finally {
      await chain.stop();
    }
  });

  it('ignores a deposit that an L1 reorg removes before it is confirmed, and applies the one that replaces it', async () => {
    const chain = await startChain({ l1Confirmations: 2 });
    try {
      const alice = chain.user();
      const bob = chain.user();
      const snapshot = await l1.provider.send('evm_snapshot', []);
      await depositETH(l1, chain.chainId, alice.address, parseEther('1')); // nonce 1 on the fork that will vanish
      await mine(l1, 1);
      await new Promise((r) => setTimeout(r, 300));
      await l1.provider.send('evm_revert', [snapshot]);

      await depositETH(l1, chain.chainId, bob.address, parseEther('2')); // nonce 1 again, different deposit
      await mine(l1, 2);
      await waitFor('replacement deposit applied', async () => (await rpc(chain.node.rpcUrl, 'pt_getBalance', [bob.address, ETH])) === parseEther('2').toString());
      expect(await rpc(chain.node.rpcUrl, 'pt_getBalance', [alice.address, ETH])).toBe('0');
      expect((await rpc(chain.node.rpcUrl, 'pt_chainInfo')).depositNonce).toBe(1);
      // The block applying it is accepted by the contract (its depositNonce matches the L1's deposit count).
      await waitFor('committed', () => chain.node.committed.number === chain.node.head.number);
    } finally {
      await chain.stop();
    }
  });
});

describe('mempool admission', () => {
  it('refuses bad signatures, wrong chains, nonce gaps, overspends and duplicates with core codes', async () => {
    const key = validatorKey(l1, 1);
    const chainId = await spawnChain(l1, [key]);
    const dir = await tempDir();
    const alice = new User(chainId, l1.l1ChainId, l1.rootAddress);
    const bob = new User(chainId, l1.l1ChainId, l1.rootAddress);
    // Fund alice, then restart with a block time long enough that everything admitted stays pending.
    let node = await PlasmaNode.init(nodeOptions(l1, chainId, dir.path, { validatorKeys: [key] }));
    const slot = await fund(l1, node.rpcUrl, alice, parseEther('1'));
    await node.close();
    node = await PlasmaNode.init(nodeOptions(l1, chainId, dir.path, { validatorKeys: [key], blockTimeMs: 600_000 }));
    try {
      const url = node.rpcUrl;
      const reason = async (tx: object) => (await rpcError(url, 'pt_sendTransaction', [tx])).data?.reason;

      const good = alice.transfer(slot, bob.address, 10n, 0n);
      const highV = { ...txJson(good), signature: `${good.signature.slice(0, -2)}1d` }; // v = 29
      expect(await reason(highV)).toBe('BAD_SIGNATURE');
      expect(await reason(txJson(bob.transfer(slot, bob.address, 10n, 0n)))).toBe('SLOT_OWNER_MISMATCH'); // signed by another key
      const otherChain = alice.sign({ kind: TxKind.Transfer, chainId: `0x${'12'.repeat(32)}`, slot, to: bob.address, amount: 1n, nonce: 0n });
      expect(await reason(txJson(otherChain))).toBe('WRONG_CHAIN');
      expect(await reason(txJson(alice.transfer(slot, bob.address, 1n, 1n)))).toBe('NONCE_MISMATCH');
      expect(await reason(txJson(alice.transfer(slot, bob.address, parseEther('2'), 0n)))).toBe('INSUFFICIENT_BALANCE');
      expect(await reason(txJson(alice.transfer(7, bob.address, 1n, 0n)))).toBe('UNKNOWN_SLOT');
      expect(await reason(txJson(alice.transfer(slot, alice.address, 1n, 0n)))).toBe('SELF_TRANSFER');
      const malformed = await rpcError(url, 'pt_sendTransaction', [{ ...txJson(good), amount: '-1' }]);
      expect(malformed).toMatchObject({ code: -32602, data: { reason: 'MALFORMED_TX', field: 'tx.amount' } });
      // The tree kinds are admitted like spends (ledger.test.ts): a spawn carrying a transfer's signature
      // recovers to another signer than the slot's owner.
      const spawn = { kind: 'spawnChild', chainId, slot, validators: [bob.address], threshold: 1, challengeWindow: 60, bond: '10000000000000000', nonce: 0, signature: good.signature };
      expect(await reason(spawn)).toBe('SLOT_OWNER_MISMATCH');

      expect(await rpc(url, 'pt_sendTransaction', [txJson(good)])).toEqual({ hash: expect.stringMatching(/^0x[0-9a-f]{64}$/) });
      expect(await reason(txJson(good))).toBe('TX_KNOWN');
      // The pending state counts the admitted tx: the next nonce is 1, and 1 ETH - 10 wei is left to spend.
      expect((await rpc(url, 'pt_getAccount', [alice.address, ETH])).pendingNonce).toBe(1);
      expect(await reason(txJson(alice.transfer(slot, bob.address, parseEther('1'), 1n)))).toBe('INSUFFICIENT_BALANCE');
      const next = await rpc(url, 'pt_sendTransaction', [txJson(alice.transfer(slot, bob.address, parseEther('1') - 10n, 1n))]);
      expect(await rpc(url, 'pt_getReceipt', [next.hash])).toEqual({ txHash: next.hash, status: 'pending', blockNumber: null, index: null, exitIndex: null, windowEnd: null });
      expect((await rpc(url, 'pt_chainInfo')).mempoolSize).toBe(2);
    } finally {
      await node.close();
      await dir.remove();
    }
  });

  it('answers pt_sendTransactions item by item and keeps per-slot order across a batch', async () => {
    const chain = await startChain();
    try {
      const alice = chain.user();
      const bob = chain.user();
      const slot = await fund(l1, chain.node.rpcUrl, alice, 1000n);
      const batch = [0n, 1n, 2n, 3n].map((nonce) => txJson(alice.transfer(slot, bob.address, 10n, nonce)));
      batch.splice(2, 0, txJson(alice.transfer(slot, bob.address, 10n, 9n))); // a stray nonce in the middle
      batch.push({ nonsense: true } as never);
      const results = await rpc<any[]>(chain.node.rpcUrl, 'pt_sendTransactions', [batch]);
      expect(results.map((r) => ('hash' in r ? 'ok' : r.error.code))).toEqual(['ok', 'ok', 'NONCE_MISMATCH', 'ok', 'ok', 'MALFORMED_TX']);
      await waitFor('all included', async () => (await rpc(chain.node.rpcUrl, 'pt_getAccount', [alice.address, ETH])).nonce === 4);
      expect(await rpc(chain.node.rpcUrl, 'pt_getBalance', [bob.address, ETH])).toBe('40');
    } finally {
      await chain.stop();
    }
  });
});

describe('blocks and commitments', () => {
  it('includes a transfer in a block and commits the block on L1', async () => {
    const chain = await startChain();
    try {
      const alice = chain.user();
      const bob = chain.user();
      const slot = await fund(l1, chain.node.rpcUrl, alice, parseEther('1'));
      const { hash } = await rpc(chain.node.rpcUrl, 'pt_sendTransaction', [txJson(alice.transfer(slot, bob.address, parseEther('0.25'), 0n))]);

      const receipt = await waitFor('committed receipt', async () => {
        const r = await rpc(chain.node.rpcUrl, 'pt_getReceipt', [hash]);
        return r?.status === 'committed' ? r : undefined;
      });
      expect(receipt).toMatchObject({ txHash: hash, index: 0, exitIndex: null, windowEnd: expect.any(Number) });
      expect(await rpc(chain.node.rpcUrl, 'pt_getBalance', [bob.address, ETH])).toBe(parseEther('0.25').toString());

      const block = await rpc(chain.node.rpcUrl, 'pt_getBlockByNumber', [receipt.blockNumber]);
      expect(block.txHashes[0]).toBe(hash);
      expect(await rpc(chain.node.rpcUrl, 'pt_getBlockByHash', [block.hash])).toEqual(block);
      const record = await l1.root.commitmentRecord(chain.chainId, receipt.blockNumber);
      expect(record).toBe(keccak256(AbiCoder.defaultAbiCoder().encode(['bytes32', 'uint64'], [block.hash, receipt.windowEnd])));
      expect((await rpc(chain.node.rpcUrl, 'pt_chainInfo')).committed).toEqual({ number: receipt.blockNumber, hash: block.hash });
    } finally {
      await chain.stop();
    }
  });

  it('serves a withdrawal proof only once the block is committed, and the proof pays out on L1', async () => {
    const chain = await startChain();
    try {
      const alice = chain.user();
      const recipient = Wallet.createRandom().address.toLowerCase() as Hex;
      const slot = await fund(l1, chain.node.rpcUrl, alice, parseEther('1'));

      await l1.provider.send('evm_setAutomine', [false]); // the commitment will wait in the L1 mempool
      let hash: Hex;
      try {
        ({ hash } = await rpc(chain.node.rpcUrl, 'pt_sendTransaction', [txJson(alice.withdraw(slot, recipient, parseEther('0.4'), 0n))]));
        const included = await waitFor('included', async () => {
          const r = await rpc(chain.node.rpcUrl, 'pt_getReceipt', [hash]);
          return r?.status === 'included' ? r : undefined;
        });
        expect(included.exitIndex).toBe(0);
        const error = await rpcError(chain.node.rpcUrl, 'pt_getWithdrawalProof', [hash]);
        expect(error.code).toBe(-32000);
        expect(error.data).toMatchObject({ reason: 'WITHDRAWAL_NOT_COMMITTED', blockNumber: included.blockNumber });
      } finally {
        await l1.provider.send('evm_setAutomine', [true]);
        await mine(l1, 1);
      }
      await waitFor('committed', async () => (await rpc(chain.node.rpcUrl, 'pt_getReceipt', [hash]))?.status === 'committed');
      const proof = await rpc(chain.node.rpcUrl, 'pt_getWithdrawalProof', [hash]);
      expect(proof.exit).toEqual({ recipient, token: ETH, amount: parseEther('0.4').toString() });
      expect(proof.proof).toHaveLength(16);

      await l1.provider.send('evm_increaseTime', [61]);
      const header = headerFromJson(proof.header);
      const exit = { recipient, token: ETH, amount: parseEther('0.4') };
      await (await l1.root.finalizeWithdrawal(chain.chainId, header, proof.windowEnd, exit, proof.index, proof.proof)).wait();
      expect(await l1.provider.getBalance(recipient)).toBe(parseEther('0.4'));

      const depositBlock = await rpc(chain.node.rpcUrl, 'pt_getBlockByNumber', [1]);
      const depositHash = depositBlock.txHashes[0];
      expect((await rpcError(chain.node.rpcUrl, 'pt_getWithdrawalProof', [depositHash])).data?.reason).toBe('NOT_A_WITHDRAWAL');
      expect((await rpcError(chain.node.rpcUrl, 'pt_getWithdrawalProof', [`0x${'77'.repeat(32)}`])).data?.reason).toBe('UNKNOWN_TX');
    } finally {
      await chain.stop();
    }
  });
});

describe('L1 outages', () => {
  it('refuses to start while the L1 cannot be reached', async () => {
    const chainId = await spawnChain(l1, [validatorKey(l1, 1)]);
    const proxy = await startL1Proxy(l1.hardhat.url);
    const dir = await tempDir();
    try {
      proxy.up = false;
      const error = await PlasmaNode.init(nodeOptions(l1, chainId, dir.path, { l1RpcUrl: proxy.url })).catch((e: unknown) => e);
      expect(isPlasmaError(error, 'L1_UNREACHABLE')).toBe(true);
    } finally {
      await proxy.close();
      await dir.remove();
    }
  });

  it('keeps serving while the L1 RPC is down, warns, and catches up once it is back', async () => {
    const key = validatorKey(l1, 1);
    const chainId = await spawnChain(l1, [key]);
    const proxy = await startL1Proxy(l1.hardhat.url);
    const dir = await tempDir();
    const { logger, lines } = recordingLogger();
    const node = await PlasmaNode.init(nodeOptions(l1, chainId, dir.path, { validatorKeys: [key], l1RpcUrl: proxy.url, logger }));
    try {
      const alice = new User(chainId, l1.l1ChainId, l1.rootAddress);
      proxy.up = false;
      await depositETH(l1, chainId, alice.address, 1000n); // straight to the L1, not through the proxy
      await mine(l1, 2);
      await waitFor('a warning about the L1', () => lines.some((l) => l.level === 'warn' && l.module === 'deposits' && /cannot read deposits from L1/.test(String(l.msg))));
      await new Promise((r) => setTimeout(r, 300));
      expect(await rpc(node.rpcUrl, 'pt_getBalance', [alice.address, ETH])).toBe('0'); // still serving
      expect(node.failure).toBeUndefined();

      proxy.up = true;
      await waitFor('deposit applied after the outage', async () => (await rpc(node.rpcUrl, 'pt_getBalance', [alice.address, ETH])) === '1000', 40_000);
      await waitFor('committed after the outage', () => node.committed.number === node.head.number && node.head.number > 0, 40_000);
    } finally {
      await node.close();
      await proxy.close();
      await dir.remove();
    }
  });
});

describe('restart', () => {
  it('resumes with the same head, state and receipts after close + init on the same data directory', async () => {
    const key = validatorKey(l1, 1);
    const chainId = await spawnChain(l1, [key]);
    const dir = await tempDir();
    try {
      const options = nodeOptions(l1, chainId, dir.path, { validatorKeys: [key] });
      let node = await PlasmaNode.init(options);
      const alice = new User(chainId, l1.l1ChainId, l1.rootAddress);
      const bob = new User(chainId, l1.l1ChainId, l1.rootAddress);
      const slot = await fund(l1, node.rpcUrl, alice, 1000n);
      const { hash } = await rpc(node.rpcUrl, 'pt_sendTransaction', [txJson(alice.transfer(slot, bob.address, 300n, 0n))]);
      await waitFor('committed', async () => (await rpc(node.rpcUrl, 'pt_getReceipt', [hash]))?.status === 'committed');
      const before = { info: await rpc(node.rpcUrl, 'pt_chainInfo'), bob: await rpc(node.rpcUrl, 'pt_getAccount', [bob.address, ETH]), receipt: await rpc(node.rpcUrl, 'pt_getReceipt', [hash]) };
      await node.close();
      await node.close(); // idempotent

      node = await PlasmaNode.init(options);
      try {
        expect(await rpc(node.rpcUrl, 'pt_chainInfo')).toEqual({ ...before.info, mempoolSize: 0 });
        expect(await rpc(node.rpcUrl, 'pt_getAccount', [bob.address, ETH])).toEqual(before.bob);
        expect(await rpc(node.rpcUrl, 'pt_getReceipt', [hash])).toEqual(before.receipt);
        // And it goes on: alice's next nonce is 1.
        const next = await rpc(node.rpcUrl, 'pt_sendTransaction', [txJson(alice.transfer(slot, bob.address, 1n, 1n))]);
        await waitFor('committed after restart', async () => (await rpc(node.rpcUrl, 'pt_getReceipt', [next.hash]))?.status === 'committed');
      } finally {
        await node.close();
      }
    } finally {
      await dir.remove();
    }
  });
});
