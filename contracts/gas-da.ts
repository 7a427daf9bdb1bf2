/**
 * Gas of the data-availability paths (docs/FRAUD.md §9), measured by `measureGas` (contracts/gas.ts) on fresh chains of
 * the same Hardhat node, each on blocks built with core and committed on PlasmaRoot:
 * - challengeData: the first challenge of a block (a new slot);
 * - publishBlockData of one full chunk (64 signed transfers, not the last chunk: no payout), what the validators pay per
 *   chunk of a large block; and of a 1-transaction block;
 * - publishExitData of the empty exit tree of that 1-transaction block, which completes its data and answers its open
 *   challenge (the bond paid to the publisher); and of one full exit chunk (256 leaves);
 * - resolveDataChallenge: an unanswered challenge of block 1 convicts the chain (rollback, slash: half the bond to the
 *   challenger, half burned, freeze) and the challenger's bond goes back.
 */
import { Contract, Wallet, parseEther, type JsonRpcProvider } from 'ethers';
import { loadArtifact } from './deploy.js';

export interface DataAvailabilityGas {
  challengeData: number;
  publishBlockData64: number;
  publishBlockData1: number;
  publishExitData0: number;
  publishExitData256: number;
  resolveDataChallenge: number;
}

/** PlasmaRoot's data-availability module (its immutable `dataAvailability`), connected to `runner`. */
export async function dataAvailabilityOf(root: Contract, runner: Wallet): Promise<Contract> {
  return new Contract(await root.dataAvailability(), loadArtifact('PlasmaDataAvailability').abi, runner);
}

export async function measureDataAvailability(provider: JsonRpcProvider, root: Contract, wallets: Wallet[]): Promise<DataAvailabilityGas> {
  const core = await import('@plasma-tree/core');
  const { ChildChain } = await import('./fraud-scenario.js');
  const [deployer, alice, bob] = wallets;
  const quorum = wallets.slice(11, 15);
  const window = 3_600n;
  const bond = core.DATA_CHALLENGE_BOND;
  const da = await dataAvailabilityOf(root, deployer);
  const daAddress = await da.getAddress();
  const now = async () => BigInt((await provider.getBlock('latest'))!.timestamp);
  const lower = (a: string) => a.toLowerCase() as `0x${string}`;
  const gasOf = async (from: Pick<Wallet, 'sendTransaction'>, data: string, value = 0n): Promise<number> => {
    const receipt = await (await from.sendTransaction({ to: daAddress, data, value })).wait();
    if (!receipt || receipt.status !== 1) throw new Error('measured transaction failed');
    return Number(receipt.gasUsed);
  };
  const fresh = async () => {
    const chain = await ChildChain.spawn({ root, provider, validators: quorum, threshold: 3, window, bond: parseEther('1'), spawner: deployer });
    await chain.deposit(alice, alice.address, parseEther('10'));
    await chain.deposit(bob, bob.address, parseEther('5'));
    await chain.commit(chain.build(await now(), (b) => chain.pendingDeposits(b)));
    return chain;
  };
  const transfers = (chain: import('./fraud-scenario.js').ChildChain, count: number, firstNonce: number) =>
    Array.from({ length: count }, (_, i) => chain.sign(alice, { kind: core.TxKind.Transfer, slot: 0, to: lower(bob.address), token: core.NATIVE_TOKEN, amount: 1n, nonce: BigInt(firstNonce + i) }));

  // Block 2: 64 transfers (one full chunk, then the empty chunk 1 ends it); block 3: one transfer, challenged.
  const p = await fresh();
  const full = p.build(await now(), (b) => transfers(p, 64, 0).forEach((t) => b.addSignedTx(t)));
  await p.commit(full);
  const one = p.build(await now(), (b) => transfers(p, 1, 64).forEach((t) => b.addSignedTx(t)));
  await p.commit(one);
  const challenger = Wallet.createRandom(provider);
  await (await deployer.sendTransaction({ to: challenger.address, value: parseEther('1') })).wait();
  const challengeData = await gasOf(challenger, core.encodeChallengeDataCall(p.chainId, one.header, p.windowEnds.get(3n)!), bond);
  const publisher = quorum[0];
  const [chunk0, chunk1] = core.blockDataChunks(full);
  const publishBlockData64 = await gasOf(publisher, core.encodePublishBlockDataCall(p.chainId, full.header, p.windowEnds.get(2n)!, chunk0));
  await gasOf(publisher, core.encodePublishBlockDataCall(p.chainId, full.header, p.windowEnds.get(2n)!, chunk1));
  const [single] = core.blockDataChunks(one);
  const publishBlockData1 = await gasOf(publisher, core.encodePublishBlockDataCall(p.chainId, one.header, p.windowEnds.get(3n)!, single));
  const publishExitData0 = await gasOf(publisher, core.encodePublishExitDataCall(p.chainId, one.header, p.windowEnds.get(3n)!, core.blockExitChunks(one)[0]));
  // Block 4 commits to an exit tree of 300 leaves (forged: only its exit tree is published here).
  const exits = Array.from({ length: 300 }, (_, i) => ({ recipient: lower(Wallet.createRandom().address), token: core.NATIVE_TOKEN, amount: BigInt(i + 1) }));
  const many = p.forge([], [], { timestamp: await now(), exitRoot: core.bytesToHex(core.computeExitRoot(exits)) });
  await p.commit(many, { valid: false });
  const publishExitData256 = await gasOf(publisher, core.encodePublishExitDataCall(p.chainId, many.header, p.windowEnds.get(4n)!, core.blockExitChunks({ ...many, exits })[0]));

  // An unanswered challenge of block 1, resolved by its challenger after the deadline (window / 4).
  const r = await fresh();
  await gasOf(challenger, core.encodeChallengeDataCall(r.chainId, r.head!, r.windowEnds.get(1n)!), bond);
  await provider.send('evm_increaseTime', [Number(window / 4n) + 1]);
  await provider.send('evm_mine', []);
  const resolveDataChallenge = await gasOf(challenger, core.encodeResolveDataChallengeCall(r.chainId, r.head!, r.windowEnds.get(1n)!, null, 0n));
  return { challengeData, publishBlockData64, publishBlockData1, publishExitData0, publishExitData256, resolveDataChallenge };
}
