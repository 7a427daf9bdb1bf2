/**
 * PlasmaClient against a real Hardhat node with PlasmaRoot deployed, and a scripted child node (so each
 * case is deterministic): EIP-712 signing, deposits, the challenge-window check, and contract errors mapped
 * to PlasmaError codes. The full flow against a real validator node is in packages/devnet/test.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JsonRpcProvider, Wallet, parseEther } from 'ethers';
import {
  PlasmaError,
  NATIVE_TOKEN,
  computeExitRoot,
  exitProof,
  hashHeader,
  commitmentDigest,
  plasmaDomain,
  secp256k1Scheme,
  signedTxDigest,
  signedTxFromJson,
  bytesToHex,
  type Address,
  type ChainId,
  type Block,
  type Exit,
  type Header,
  type Hex,
  type SpendTx,
} from '@plasma-tree/core';
import { startTestL1, deployRoot, deployTestToken, type HardhatNode } from '@plasma-tree/contracts';
import { PlasmaClient, spawnChain, plasmaRoot, type WithdrawalStatus } from '@plasma-tree/sdk';
import { fakeNode, rejection, type FakeNode } from './helpers.js';

let hh: HardhatNode;
let provider: JsonRpcProvider;
let user: Wallet;
let validator: Wallet;
let root: Address;
let chainId: ChainId;
let token: Address;


function chainInfoFor(id: ChainId) {
  return () => ({
    chainId: id, parentChainId: '0x' + '00'.repeat(32), l1ChainId: 31337, rootContract: root, validators: [validator.address.toLowerCase()],
    threshold: 1, challengeWindow: 5, head: { number: 0, hash: '0x' + '00'.repeat(32) }, committed: { number: 0, hash: '0x' + '00'.repeat(32) }, depositNonce: 0, mempoolSize: 0,
  });
}

beforeAll(async () => {
  hh = await startTestL1();
  provider = new JsonRpcProvider(hh.url, undefined, { cacheTimeout: -1 });
  user = new Wallet(hh.accounts[1].privateKey, provider);
  validator = new Wallet(hh.accounts[2].privateKey, provider);
  const deployer = new Wallet(hh.accounts[0].privateKey, provider);
  root = (await deployRoot(deployer)).address.toLowerCase() as Address;
  const t = await deployTestToken(deployer, 'Test', 'TST');
  token = t.address.toLowerCase() as Address;
  await (await t.contract.mint(user.address, parseEther('1000'))).wait();
  chainId = (await spawnChain(deployer, root, { validators: [validator.address], threshold: 1, challengeWindow: 5, bond: parseEther('0.2') })).chainId;
});

afterAll(async () => {
  provider?.destroy();
  await hh?.stop();
});

describe('PlasmaClient: transactions are EIP-712 typed data any wallet can sign', () => {
  it('signs a transfer with signTypedData that recovers to the sender under core\'s digest, with the pending nonce and slot', async () => {
    let sent: any;
    const node = await fakeNode({
      pt_chainInfo: chainInfoFor(chainId),
      pt_getAccount: () => ({ slot: 5, balance: '1000', nonce: 1, pendingNonce: 2 }),
      pt_sendTransaction: ([tx]) => {
        sent = tx;
        const decoded = signedTxFromJson(tx) as SpendTx;
        return { hash: signedTxDigest(plasmaDomain(31337, root), decoded) };
      },
    });
    try {
      const client = new PlasmaClient({ l1: user, rootContract: root, chainId, nodeUrl: node.url });
      const to = '0x' + 'ab'.repeat(20);
      const r = await client.transfer({ to, token: NATIVE_TOKEN, amount: 250n });
      const tx = signedTxFromJson(sent) as SpendTx;
      expect(tx).toMatchObject({ kind: 1, slot: 5, nonce: 2n, amount: 250n, to, chainId });
      const digest = signedTxDigest(plasmaDomain(31337, root), tx);
      expect(secp256k1Scheme.recover(digest, tx.signature)).toBe(user.address.toLowerCase());
      expect(r.hash).toBe(digest);
      expect(r).toMatchObject({ kind: 'transfer', slot: 5, nonce: 2n, from: user.address.toLowerCase() });

      const w = await client.withdraw({ token: NATIVE_TOKEN, amount: 100n });
      const wtx = signedTxFromJson(sent) as SpendTx;
      expect(wtx).toMatchObject({ kind: 2, to: user.address.toLowerCase(), amount: 100n });
      expect(secp256k1Scheme.recover(signedTxDigest(plasmaDomain(31337, root), wtx), wtx.signature)).toBe(user.address.toLowerCase());
      expect(w.kind).toBe('withdraw');
    } finally {
      await node.close();
    }
  });

  it('refuses before signing: no account, too little balance, self transfer, a node of another chain', async () => {
    let account: any = { slot: null, balance: '0', nonce: 0, pendingNonce: 0 };
    let info = chainInfoFor(chainId);
    const node = await fakeNode({ pt_chainInfo: () => info(), pt_getAccount: () => account, pt_sendTransaction: () => { throw new Error('must not be called'); } });
    try {
      const client = new PlasmaClient({ l1: user, rootContract: root, chainId, nodeUrl: node.url });
      const to = '0x' + 'ab'.repeat(20);
      expect((await rejection(client.transfer({ to, amount: 1n }))).code).toBe('UNKNOWN_ACCOUNT');
      account = { slot: 1, balance: '10', nonce: 0, pendingNonce: 0 };
      const e = await rejection(client.transfer({ to, amount: 11n }));
      expect(e.code).toBe('INSUFFICIENT_BALANCE');
      expect(e.hint).toMatch(/deposit/);
      expect((await rejection(client.transfer({ to: user.address, amount: 1n }))).code).toBe('SELF_TRANSFER');
      expect((await rejection(client.transfer({ to, amount: 0n }))).code).toBe('INVALID_AMOUNT');
      info = chainInfoFor(('0x' + '77'.repeat(32)) as ChainId);
      const other = new PlasmaClient({ l1: user, rootContract: root, chainId, nodeUrl: node.url });
      const wrong = await rejection(other.transfer({ to, amount: 1n }));
      expect(wrong.code).toBe('WRONG_NODE');
      expect(node.calls.filter((c) => c.method === 'pt_sendTransaction')).toHaveLength(0);
    } finally {
      await node.close();
    }
  });
});

describe('PlasmaClient: L1', () => {
  it('deposits ETH and ERC-20 (approving first), and reads L1 and subtree balances', async () => {
    const client = new PlasmaClient({ l1: user, rootContract: root, chainId, nodeUrl: 'http://127.0.0.1:1' });
    const before = await client.l1Balance(NATIVE_TOKEN);
    const d = await client.depositETH(parseEther('2'));
    expect(d).toMatchObject({ nonce: 1n, amount: parseEther('2'), to: user.address.toLowerCase(), token: NATIVE_TOKEN });
    expect(await client.subtreeBalance(NATIVE_TOKEN)).toBe(parseEther('2'));
    expect(before - (await client.l1Balance(NATIVE_TOKEN))).toBeGreaterThanOrEqual(parseEther('2'));

    const e = await client.depositERC20(token, parseEther('5'), { to: validator.address });
    expect(e.nonce).toBe(2n);
    expect(e.approveTxHash).toMatch(/^0x/);
    expect(e.to).toBe(validator.address.toLowerCase());
    expect(await client.subtreeBalance(token)).toBe(parseEther('5'));
    expect(await client.l1Balance(token)).toBe(parseEther('995'));
    expect(await client.tokenInfo(token)).toMatchObject({ symbol: 'TST', decimals: 18 });
    const state = await client.parentChainState();
    expect(state).toMatchObject({ depositCount: 2, threshold: 1, challengeWindow: 5, headNumber: 0, validators: [validator.address.toLowerCase()] });
  });

  it('maps contract custom errors to PlasmaError codes with hints', async () => {
    const unknown = new PlasmaClient({ l1: user, rootContract: root, chainId: ('0x' + '42'.repeat(32)) as ChainId, nodeUrl: 'http://127.0.0.1:1' });
    const e = await rejection(unknown.depositETH(1n));
    expect(e.code).toBe('UNKNOWN_CHAIN');
    expect(e.hint).toMatch(/--chain/);
    const bond = await rejection(spawnChain(user, root, { validators: [validator.address], threshold: 1, challengeWindow: 5, bond: 1n }));
    expect(bond.code).toBe('BOND_TOO_LOW');
    expect(bond.data).toMatchObject({ contractError: 'BondTooLow' });
    const thr = await rejection(spawnChain(user, root, { validators: [validator.address], threshold: 2, challengeWindow: 5, bond: parseEther('0.2') }));
    expect(thr.code).toBe('BAD_THRESHOLD');
  });

  it('says NODE_UNREACHABLE for child-chain reads when no node runs', async () => {
    const client = new PlasmaClient({ l1: user, rootContract: root, chainId, nodeUrl: 'http://127.0.0.1:1' });
    const e = await rejection(client.balance(NATIVE_TOKEN));
    expect(e.code).toBe('NODE_UNREACHABLE');
    expect(e.hint).toContain('http://127.0.0.1:1');
  });
});

describe('PlasmaClient: withdrawals', () => {
  // A block with two exits committed on L1 by the chain's validator: exit 0 is payable, exit 1 exceeds the
  // chain's subtree balance.
  let block: Block;
  let windowEnd: number;
  const recipient = ('0x' + 'cd'.repeat(20)) as Address;
  let node: FakeNode;
  const hashes = { ok: ('0x' + '01'.repeat(32)) as Hex, big: ('0x' + '02'.repeat(32)) as Hex, pending: ('0x' + '03'.repeat(32)) as Hex, transfer: ('0x' + '04'.repeat(32)) as Hex };

  beforeAll(async () => {
    const exits: Exit[] = [
      { recipient, token: NATIVE_TOKEN, amount: parseEther('0.5') },
      { recipient, token: NATIVE_TOKEN, amount: parseEther('100') },
    ];
    const z = ('0x' + '00'.repeat(32)) as Hex;
    const header: Header = { chainId, number: 1n, parentHash: z, txRoot: z, stateRoot: ('0x' + '11'.repeat(32)) as Hex, exitRoot: bytesToHex(computeExitRoot(exits)), depositNonce: 2n, timestamp: BigInt(Math.floor(Date.now() / 1000)) };
    const hash = hashHeader(header);
    block = { header, hash, txs: [], postRoots: [], exits };
    const sig = secp256k1Scheme.sign(commitmentDigest(plasmaDomain(31337, root), chainId, 1n, hash), validator.privateKey as Hex);
    const rootC = plasmaRoot(root, validator);
    const h = header;
    const receipt = await (await rootC.commit(chainId, [h.chainId, h.number, h.parentHash, h.txRoot, h.stateRoot, h.exitRoot, h.depositNonce, h.timestamp], sig)).wait();
    windowEnd = Number(rootC.interface.parseLog(receipt.logs[0])!.args.windowEnd);

    const headerJson = { chainId, number: 1, parentHash: z, txRoot: z, stateRoot: header.stateRoot, exitRoot: header.exitRoot, depositNonce: 2, timestamp: Number(header.timestamp) };
    const proofOf = (i: number) => ({ chainId, blockNumber: 1, header: headerJson, windowEnd, exit: { recipient, token: NATIVE_TOKEN, amount: exits[i].amount.toString() }, index: i, proof: exitProof(block, i) });
    node = await fakeNode({
      pt_chainInfo: chainInfoFor(chainId),
      pt_getReceipt: ([h]) => {
        if (h === hashes.pending) return { txHash: h, status: 'pending', blockNumber: null, index: null, exitIndex: null, windowEnd: null };
        if (h === hashes.transfer) return { txHash: h, status: 'committed', blockNumber: 1, index: 0, exitIndex: null, windowEnd };
        if (h === hashes.ok || h === hashes.big) return { txHash: h, status: 'committed', blockNumber: 1, index: 0, exitIndex: h === hashes.ok ? 0 : 1, windowEnd };
        return null;
      },
      pt_getWithdrawalProof: ([h]) => {
        if (h === hashes.ok) return proofOf(0);
        if (h === hashes.big) return proofOf(1);
        throw { code: -32000, message: 'unknown transaction', data: { reason: 'UNKNOWN_TX' } };
      },
    });
  });
  afterAll(async () => node?.close());

  it('reports the state and the seconds left, and refuses to send a doomed finalization', async () => {
    const client = new PlasmaClient({ l1: user, rootContract: root, chainId, nodeUrl: node.url });
    expect((await client.withdrawalStatus(hashes.pending)).state).toBe('pending');
    expect((await rejection(client.withdrawalStatus(hashes.transfer))).code).toBe('NOT_A_WITHDRAWAL');
    expect((await rejection(client.withdrawalStatus(('0x' + '09'.repeat(32)) as Hex))).code).toBe('UNKNOWN_TX');
    const s = await client.withdrawalStatus(hashes.ok);
    expect(s.state).toBe('challenge-window');
    expect(s.windowEnd).toBe(windowEnd);
    expect(s.secondsLeft).toBeGreaterThan(0);
    expect(s.secondsLeft).toBeLessThanOrEqual(5);

    const nonce = await provider.getTransactionCount(user.address);
    const e = await rejection(client.finalizeWithdrawal(hashes.ok));
    expect(e.code).toBe('CHALLENGE_WINDOW_OPEN');
    expect(e.data).toMatchObject({ windowEnd });
    expect(e.data.secondsLeft).toBeGreaterThan(0);
    expect(e.hint).toContain(`plasma-tree finalize ${hashes.ok} --wait`);
    expect(await provider.getTransactionCount(user.address)).toBe(nonce); // nothing was sent
  });

  it('waits for the window with progress, finalizes, then maps ALREADY_WITHDRAWN and SUBTREE_BALANCE_EXCEEDED', async () => {
    const client = new PlasmaClient({ l1: user, rootContract: root, chainId, nodeUrl: node.url, pollMs: 200 });
    const seen: WithdrawalStatus[] = [];
    const s = await client.waitForWindow(hashes.ok, { onProgress: (p) => seen.push(p), timeoutMs: 20_000 });
    expect(s.state).toBe('finalizable');
    expect(seen.some((p) => p.state === 'challenge-window' && (p.secondsLeft ?? 0) > 0)).toBe(true);

    const before = await provider.getBalance(recipient);
    const r = await client.finalizeWithdrawal(hashes.ok);
    expect(r).toMatchObject({ recipient, amount: parseEther('0.5') });
    expect((await provider.getBalance(recipient)) - before).toBe(parseEther('0.5'));
    expect((await client.withdrawalStatus(hashes.ok)).state).toBe('finalized');
    expect(await client.subtreeBalance(NATIVE_TOKEN)).toBe(parseEther('1.5'));

    const again = await rejection(client.finalizeWithdrawal(hashes.ok));
    expect(again.code).toBe('ALREADY_WITHDRAWN');
    expect(again.hint).toBeTruthy();
    const big = await rejection(client.finalizeWithdrawal(hashes.big));
    expect(big.code).toBe('SUBTREE_BALANCE_EXCEEDED');
    expect(big.data).toMatchObject({ requested: parseEther('100').toString(), available: parseEther('1.5').toString() });

    const aborted = new AbortController();
    aborted.abort();
    const seenAbort = await rejection(client.waitForReceipt(hashes.pending, 'included', { signal: aborted.signal }));
    expect(seenAbort.code).toBe('ABORTED');
  });
});
