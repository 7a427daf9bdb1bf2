/** The package's tooling: artifacts, the spawned Hardhat node, the dev accounts, and the gas budget. */
import { JsonRpcProvider, parseEther } from 'ethers';
import { describe, expect, inject, it } from 'vitest';
import { rootMinBond } from '@plasma-tree/core';
import { HARDHAT_MNEMONIC, hardhatAccounts, loadArtifact, measureGas, startHardhatNode, startTestL1 } from '../index.js';

describe('loadArtifact', () => {
  it('loads compiled contracts by name or fully qualified name', () => {
    const root = loadArtifact('PlasmaRoot');
    expect(root.contractName).toBe('PlasmaRoot');
    expect(root.sourceName).toBe('src/PlasmaRoot.sol');
    expect(root.bytecode.length).toBeGreaterThan(2);
    expect(loadArtifact('src/test/TestToken.sol:TestToken').contractName).toBe('TestToken');
    // EIP-170: the root must stay deployable without allowUnlimitedContractSize (fraud proofs live in the verifier)
    expect((root.deployedBytecode.length - 2) / 2).toBeLessThanOrEqual(24_576);
    expect((loadArtifact('PlasmaFraudVerifier').deployedBytecode.length - 2) / 2).toBeLessThanOrEqual(24_576);
    for (const name of ['PlasmaDataAvailability', 'PlasmaNestedEscape', 'PlasmaLedgerRegistry', 'PlasmaLedgerExits', 'PlasmaLedgerObjections', 'PlasmaLedgerEdges', 'PlasmaLedgerChildFraud']) {
      expect((loadArtifact(name).deployedBytecode.length - 2) / 2, name).toBeLessThanOrEqual(24_576);
    }
  });

  it('tells the user to build when an artifact is missing', () => {
    expect(() => loadArtifact('NoSuchContract')).toThrow(/npm run build:contracts/);
    expect(() => loadArtifact('src/Nope.sol:Nope')).toThrow(/npm run build:contracts/);
  });
});

describe('startHardhatNode', () => {
  it('spawns a real node on a free port with chain id 31337 and the 20 funded default accounts', async () => {
    const [a, b] = await Promise.all([startHardhatNode(), startHardhatNode()]);
    try {
      expect(a.port).not.toBe(b.port);
      expect(a.url).toBe(`http://127.0.0.1:${a.port}`);
      const provider = new JsonRpcProvider(a.url, undefined, { cacheTimeout: -1, staticNetwork: true });
      expect((await provider.getNetwork()).chainId).toBe(31337n);
      const remote = (await provider.send('eth_accounts', [])) as string[];
      expect(a.accounts.map((x) => x.address.toLowerCase())).toEqual(remote.map((x) => x.toLowerCase()));
      expect(a.accounts).toHaveLength(20);
      expect(a.accounts[0].address).toBe('0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266');
      expect(await provider.getBalance(a.accounts[19].address)).toBe(parseEther('10000'));
      provider.destroy();
    } finally {
      await Promise.all([a.stop(), b.stop()]);
    }
    await expect(fetch(a.url, { method: 'POST', body: '{}' })).rejects.toThrow();
    await a.stop(); // idempotent
  });

  it('derives the accounts from the well-known mnemonic', () => {
    expect(HARDHAT_MNEMONIC).toBe('test test test test test test test test test test test junk');
    const accounts = hardhatAccounts();
    expect(accounts[1].privateKey).toBe('0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d');
  });
});

describe('startTestL1 (the test runner\'s pooled node, test/setup/l1-pool.ts)', () => {
  it('hands out this worker\'s node reset to genesis, gets it back on stop, and gives a second holder a node of its own', async () => {
    const pooled = inject('l1Pool')[Number(process.env.VITEST_POOL_ID) - 1];
    expect(pooled).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const rpc = async (url: string, method: string, params: unknown[] = []) => {
      const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }) });
      return ((await res.json()) as { result: unknown }).result;
    };
    const a = await startTestL1();
    expect(a.url).toBe(pooled);
    await rpc(a.url, 'evm_increaseTime', [1_000_000]);
    await rpc(a.url, 'evm_mine');
    await a.stop();
    expect(await rpc(a.url, 'eth_blockNumber')).toBe('0x1'); // handed back, not killed

    const b = await startTestL1();
    const other = await startTestL1(); // b holds the pooled node
    try {
      expect(b.url).toBe(pooled);
      expect(other.url).not.toBe(pooled);
      expect(await rpc(b.url, 'eth_blockNumber')).toBe('0x0');
      await rpc(b.url, 'evm_mine');
      const mined = (await rpc(b.url, 'eth_getBlockByNumber', ['latest', false])) as { timestamp: string };
      // The clock is a new node's: the new block is stamped about now, neither ~11.6 days ahead (the offset before the
      // reset) nor behind by the pooled node's age.
      expect(Math.abs(Number(mined.timestamp) - Date.now() / 1000)).toBeLessThan(5);
    } finally {
      await Promise.all([b.stop(), other.stop()]);
    }
    await expect(fetch(other.url, { method: 'POST', body: '{}' })).rejects.toThrow();
  });
});

describe('gas', () => {
  // One measurement (a fresh Hardhat node, every path once) serves both budgets: it takes ~15 s.
  let measured: ReturnType<typeof measureGas> | undefined;
  const gasReport = () => (measured ??= measureGas());

  it('stays within the budget on every value-moving path', async () => {
    const gas = await gasReport();
    expect(gas.depositETH).toBeLessThan(80_000);
    expect(gas.depositERC20).toBeLessThan(80_000);
    expect(gas.commit1of1).toBeLessThan(80_000);
    expect(gas.commit3of4).toBeLessThan(80_000);
    expect(gas.finalizeWithdrawalETH).toBeLessThan(120_000);
    expect(gas.finalizeWithdrawalERC20).toBeLessThan(120_000);
    // messages move no value, but a down message costs about a deposit and an up one about a withdrawal
    expect(gas.sendMessage).toBeLessThan(80_000);
    expect(gas.relayMessage).toBeLessThan(120_000);
  });

  it('keeps every objection and escape path under 500,000 (docs/FRAUD.md §1: what MIN_BOND / 2 pays for)', async () => {
    const gas = await gasReport();
    const objections = [
      'proveInvalidTransition', 'proveMissingDownEvent', 'proveMalformedTx', 'proveBadTimestamp', 'proveSkippedDeposit', 'proveInvalidExits', 'proveEquivocation3of4',
      'proveEquivocation22of32', 'freezeStalled', 'escapeExit', 'reclaimDeposit',
      // docs/FRAUD.md §9: the data challenge and its resolution (the publication is the validators' cost, not an objection)
      'challengeData', 'resolveDataChallenge',
      // docs/FRAUD.md §4b: the escape of holders inside a frozen child's children
      'escapeNestedExit', 'exitNested', 'reclaimNested',
      // docs/LEDGER-PROOFS.md: transition proofs of the ledger kinds
      'ledgerFinalizeRefused', 'ledgerFinalizePostRoot', 'ledgerReclaimPostRoot', 'ledgerFreezeRefused', 'ledgerDepositPostRoot',
      'ledgerCommitForged', 'ledgerSpawnPostRoot', 'ledgerConvictHonest', 'ledgerConvictPostRoot', 'ledgerResolveBurnPostRoot',
      // SPEC v4 "Edge effects": an edge tx's post root from the effect it states (a delivery with the inbox's 2 writes)
      'ledgerEdgePostRoot',
      // fraud kind 10: a chain's false conviction of its child's honest ledger-kind tx (a message up), a proof in a proof
      'ledgerConvictNested',
    ] as const;
    for (const name of objections) {
      expect(gas[name], name).toBeGreaterThan(21_000);
      expect(gas[name], name).toBeLessThan(500_000);
    }
    // the bond pays the worst case at 200 gwei
    const worst = Math.max(...objections.map((n) => gas[n]));
    expect(BigInt(worst) * 200n * 10n ** 9n).toBeLessThanOrEqual(parseEther('0.2') / 2n);
    // A wide quorum outgrows 500,000 gas (two quorums of 64: ~5,200 gas a signature); its bond grows with the threshold
    // (PlasmaRoot: MIN_BOND per started 32 signatures), so half of it still pays the proof at 200 gwei.
    expect(gas.proveEquivocation64of64Uncommitted).toBeGreaterThan(500_000);
    expect(BigInt(gas.proveEquivocation64of64Uncommitted) * 200n * 10n ** 9n).toBeLessThanOrEqual(rootMinBond(64) / 2n);
  });
});
