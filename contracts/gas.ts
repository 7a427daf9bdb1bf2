/**
 * Gas of every value-moving path of PlasmaRoot, measured on a fresh Hardhat node (`npm run bench` reports it;
 * `node --conditions=source --import tsx contracts/gas.ts` prints it).
 *
 * Each figure is the steady-state worst case a user pays:
 * - deposits: not the first deposit of the chain/token (that one creates the subtree-balance slot), ERC-20 with a
 *   finite allowance that is decreased (an unlimited allowance saves ~2,900);
 * - commits: block 2 (checks the parent link against block 1's record), real-looking roots, exactly `threshold`
 *   signatures;
 * - withdrawals: the first exit of its 256-exit bitmap word (a new slot), paid to an address that holds none of
 *   the token (for ETH: a brand-new account, which alone costs 25,000 more than an existing one);
 * - messages: not the first sendMessage of the chain, with 32 bytes of data; relaying such a message, the first
 *   leaf of its bitmap word, to a receiver that does nothing (the receiver's own work comes on top).
 * - objections (docs/FRAUD.md): each proof convicts a chain whose bond is paid out (half to a challenger who holds no
 *   ETH yet, half burned), built with core on real blocks. The transition proof is the worst case: a transfer at
 *   index 1 (so the previous tx's witness is checked too) with both account witnesses, every check passing up to
 *   the post-state root; equivocation with a 3-of-4 quorum and with a 22-of-32 one (44 signatures checked);
 *   escapeExit pays an address that holds no ETH yet, reclaimDeposit its depositor.
 */
import { pathToFileURL } from 'node:url';
import { Contract, JsonRpcProvider, Wallet, id, parseEther, type ContractTransactionResponse, type TransactionResponse } from 'ethers';
import { deployContract, deployRoot, deployTestToken } from './deploy.js';
import { hardhatAccounts, startTestL1 } from './hardhat-node.js';
import { measureDataAvailability, type DataAvailabilityGas } from './gas-da.js';
import { measureLedgerProofs, type LedgerProofGas } from './gas-ledger.js';
import { measureNestedEscape, type NestedEscapeGas } from './gas-nested.js';
import {
  ETH_TOKEN,
  FixedMerkleTree,
  MESSAGE_FN,
  ZERO_BYTES32,
  encodeMessagePayload,
  hashEdgeUpLeaf,
  hashExit,
  hashHeader,
  plasmaDomain,
  signCommitment,
  type ExitStruct,
  type HeaderStruct,
} from './encoding.js';

/**
 * The data-availability paths (challengeData, publishBlockData, resolveDataChallenge) are measured in ./gas-da.ts, the
 * nested escape (escapeNestedExit, exitNested, reclaimNested) in ./gas-nested.ts, the transition proofs of the ledger
 * kinds (ledger*) in ./gas-ledger.ts.
 */
export interface GasReport extends DataAvailabilityGas, NestedEscapeGas, LedgerProofGas {
  depositETH: number;
  depositERC20: number;
  commit1of1: number;
  commit3of4: number;
  finalizeWithdrawalETH: number;
  finalizeWithdrawalERC20: number;
  sendMessage: number;
  relayMessage: number;
  proveInvalidTransition: number;
  proveMissingDownEvent: number;
  proveMalformedTx: number;
  proveBadTimestamp: number;
  proveSkippedDeposit: number;
  proveInvalidExits: number;
  proveEquivocation3of4: number;
  proveEquivocation22of32: number;
  /** 64-of-64, neither header committed: both quorums checked (the bond of such a chain is rootMinBond(64)). */
  proveEquivocation64of64Uncommitted: number;
  freezeStalled: number;
  escapeExit: number;
  reclaimDeposit: number;
}

async function gasOf(tx: Promise<ContractTransactionResponse | TransactionResponse>): Promise<number> {
  const receipt = await (await tx).wait();
  if (!receipt || receipt.status !== 1) throw new Error('measured transaction failed');
  return Number(receipt.gasUsed);
}

/**
 * Runs every path once in its steady state and returns gasUsed per path. Starts (and stops) a fresh Hardhat node
 * unless `url` names a running one whose first 20 accounts are Hardhat's default accounts.
 */
export async function measureGas(options: { url?: string } = {}): Promise<GasReport> {
  const node = options.url ? undefined : await startTestL1();
  const provider = new JsonRpcProvider(options.url ?? node!.url, undefined, { cacheTimeout: -1, staticNetwork: true });
  try {
    const wallets = hardhatAccounts().map((a) => new Wallet(a.privateKey, provider));
    const [deployer, alice] = wallets;
    const soloValidator = [wallets[10]];
    const quorum = wallets.slice(11, 15); // 4 validators, threshold 3
    const { address: rootAddress, contract: root } = await deployRoot(deployer);
    const { contract: token } = await deployTestToken(deployer, 'Gas Token', 'GAS');
    const domain = plasmaDomain((await provider.getNetwork()).chainId, rootAddress);
    const asAlice = root.connect(alice) as Contract;

    const spawn = async (validators: Wallet[], threshold: number): Promise<string> => {
      const addresses = validators.map((v) => v.address);
      const chainId = await root.spawnChain.staticCall(addresses, threshold, 3600, { value: parseEther('1') });
      await (await root.spawnChain(addresses, threshold, 3600, { value: parseEther('1') })).wait();
      return chainId as string;
    };
    const solo = await spawn(soloValidator, 1);
    const chain = await spawn(quorum, 3);

    // Deposits: the second of each kind is the steady state.
    await gasOf(asAlice.depositETH(chain, alice.address, { value: parseEther('1') }));
    const depositETH = await gasOf(asAlice.depositETH(chain, alice.address, { value: parseEther('1') }));
    await (await (token.connect(alice) as Contract).mint(alice.address, parseEther('1000'))).wait();
    await (await (token.connect(alice) as Contract).approve(rootAddress, parseEther('1000'))).wait();
    await gasOf(asAlice.depositERC20(chain, await token.getAddress(), alice.address, parseEther('10')));
    const depositERC20 = await gasOf(asAlice.depositERC20(chain, await token.getAddress(), alice.address, parseEther('10')));

    // Messages down: the second is the steady state.
    const { address: sink } = await deployContract(deployer, 'MessageSink');
    const messageData = id('a 32-byte message');
    await gasOf(asAlice.sendMessage(chain, sink, messageData));
    const sendMessage = await gasOf(asAlice.sendMessage(chain, sink, messageData));

    // Block 1, then the measured block 2 whose exit tree holds an ETH exit at 0, an ERC-20 exit at 256 and a message
    // at 512 (different bitmap words, so each pays for a new slot).
    const ethExit: ExitStruct = { recipient: Wallet.createRandom().address, token: ETH_TOKEN, amount: parseEther('0.5') };
    const tokenExit: ExitStruct = { recipient: Wallet.createRandom().address, token: await token.getAddress(), amount: parseEther('5') };
    const leaves = Array<string>(513).fill(ZERO_BYTES32);
    leaves[0] = hashExit(ethExit);
    leaves[256] = hashExit(tokenExit);
    const messagePayload = encodeMessagePayload(sink, messageData);
    leaves[512] = hashEdgeUpLeaf({ fn: MESSAGE_FN, sourceChain: chain, sender: alice.address, payload: messagePayload });
    const exitTree = new FixedMerkleTree(leaves);

    const commitTwo = async (chainId: string, signers: Wallet[], depositNonce: bigint, exitRoot: string) => {
      const now = BigInt((await provider.getBlock('latest'))!.timestamp);
      const h1: HeaderStruct = {
        chainId, number: 1n, parentHash: ZERO_BYTES32, txRoot: id('tx1'), stateRoot: id('state1'), exitRoot: ZERO_BYTES32,
        depositNonce, timestamp: now,
      };
      const hash1 = hashHeader(h1);
      await (await root.commit(chainId, h1, await signCommitment(signers, domain, { chainId, number: 1n, blockHash: hash1 }))).wait();
      const h2: HeaderStruct = {
        chainId, number: 2n, parentHash: hash1, txRoot: id('tx2'), stateRoot: id('state2'), exitRoot, depositNonce, timestamp: now + 2n,
      };
      const sigs = await signCommitment(signers, domain, { chainId, number: 2n, blockHash: hashHeader(h2) });
      const tx: ContractTransactionResponse = await root.commit(chainId, h2, sigs);
      const receipt = (await tx.wait())!;
      const event = receipt.logs.map((l) => root.interface.parseLog(l)).find((e) => e?.name === 'Committed')!;
      return { gas: Number(receipt.gasUsed), header: h2, windowEnd: event.args.windowEnd as bigint };
    };
    const commit1of1 = (await commitTwo(solo, soloValidator, 0n, id('exits'))).gas;
    const measured = await commitTwo(chain, quorum.slice(0, 3), 4n, exitTree.root);
    const commit3of4 = measured.gas;

    await provider.send('evm_increaseTime', [3601]);
    await provider.send('evm_mine', []);
    const finalize = (exit: ExitStruct, index: number) =>
      gasOf(root.finalizeWithdrawal(chain, measured.header, measured.windowEnd, exit, index, exitTree.proof(index)));
    const finalizeWithdrawalETH = await finalize(ethExit, 0);
    const finalizeWithdrawalERC20 = await finalize(tokenExit, 256);
    const relayMessage = await gasOf(
      root.relayMessage(chain, measured.header, measured.windowEnd, alice.address, sink, messageData, 512, exitTree.proof(512)),
    );

    const fraud = await measureObjections(provider, root, wallets);
    const dataAvailability = await measureDataAvailability(provider, root, wallets);
    const nested = await measureNestedEscape(provider, root, wallets);
    const ledger = await measureLedgerProofs(provider, root, wallets);

    return {
      ...fraud,
      ...dataAvailability,
      ...nested,
      ...ledger,
      depositETH,
      depositERC20,
      commit1of1,
      commit3of4,
      finalizeWithdrawalETH,
      finalizeWithdrawalERC20,
      sendMessage,
      relayMessage,
    };
  } finally {
    provider.destroy();
    await node?.stop();
  }
}

type ObjectionGas = Pick<
  GasReport,
  | 'proveInvalidTransition'
  | 'proveMissingDownEvent'
  | 'proveMalformedTx'
  | 'proveBadTimestamp'
  | 'proveSkippedDeposit'
  | 'proveInvalidExits'
  | 'proveEquivocation3of4'
  | 'proveEquivocation22of32'
  | 'proveEquivocation64of64Uncommitted'
  | 'freezeStalled'
  | 'escapeExit'
  | 'reclaimDeposit'
>;

/** The objection and escape paths (docs/FRAUD.md), each on its own chain (a proof freezes the chain it convicts). */
async function measureObjections(provider: JsonRpcProvider, root: Contract, wallets: Wallet[]): Promise<ObjectionGas> {
  const core = await import('@plasma-tree/core');
  const { ChildChain } = await import('./fraud-scenario.js');
  const [deployer, alice, bob] = wallets;
  const quorum = wallets.slice(11, 15);
  const window = 3_600n;
  const stall = 7_200n;
  const rootAddress = await root.getAddress();
  const now = async () => BigInt((await provider.getBlock('latest'))!.timestamp);
  const lower = (a: string) => a.toLowerCase() as `0x${string}`;
  /** A fresh challenger (no ETH yet, like the payees of the other paths) sends the proof; the deployer pays its gas. */
  const prove = async (data: string): Promise<number> => {
    const challenger = Wallet.createRandom(provider);
    await (await deployer.sendTransaction({ to: challenger.address, value: parseEther('1') })).wait();
    return gasOf(challenger.sendTransaction({ to: rootAddress, data }));
  };
  const fresh = async (validators: Wallet[] = quorum, threshold = 3) => {
    const chain = await ChildChain.spawn({ root, provider, validators, threshold, window, bond: parseEther('1'), spawner: deployer, stallLimit: stall });
    await chain.deposit(alice, alice.address, parseEther('10'));
    await chain.deposit(bob, bob.address, parseEther('5'));
    await chain.commit(chain.build(await now(), (b) => chain.pendingDeposits(b)));
    return chain;
  };
  const spend = (chain: import('./fraud-scenario.js').ChildChain, from: Wallet, to: Wallet, slot: number) =>
    chain.place(chain.sign(from, { kind: core.TxKind.Transfer, slot, to: lower(to.address), token: core.NATIVE_TOKEN, amount: parseEther('1'), nonce: 0n }), from);

  // proveInvalidTransition: tx 1 credits bob one wei too many.
  const t = await fresh();
  const ts = await now();
  const first = spend(t, bob, alice, 1);
  const second = spend(t, alice, bob, 0);
  t.state.checkpoint();
  const stf = { ...t.ctx, lastDepositNonce: 2n, timestamp: ts };
  const post1 = core.applyTx(t.state, first, stf).postRoot;
  core.applyTx(t.state, second, stf);
  const bobAccount = t.state.accounts.get(1)!;
  t.state.accounts.put(1, { ...bobAccount, balance: bobAccount.balance + 1n });
  const lie = t.state.root;
  t.state.revert();
  const bad = t.forge([first, second], [post1, lie], { timestamp: ts });
  await t.commit(bad, { valid: false });
  const transition = core.buildTransitionProof(bad, 1, t.head, t.state, t.ctx);
  if (transition.accounts.length !== 2 || transition.fault !== core.TransitionFault.PostRootMismatch) throw new Error('not the worst case');
  const proveInvalidTransition = await prove(t.calldata(transition));

  // proveMissingDownEvent: deposit 3 claimed, a transfer in its place.
  const m = await fresh();
  await m.deposit(alice, alice.address, 1n);
  const missing = m.forge([spend(m, alice, bob, 0)], [core.ZERO_BYTES32], { timestamp: await now(), depositNonce: 3n });
  await m.commit(missing, { valid: false });
  const proveMissingDownEvent = await prove(m.calldata(core.buildMissingDownEventProof(missing, 0, m.head)));

  // proveMalformedTx: a withdrawal with a recipient slot.
  const w = await fresh();
  const withdrawal = w.place(w.sign(alice, { kind: core.TxKind.Withdraw, slot: 0, to: lower(alice.address), token: core.NATIVE_TOKEN, amount: 1n, nonce: 0n }), alice);
  const malformed = w.forge([{ ...withdrawal, toSlot: 3 }], [core.ZERO_BYTES32], { timestamp: await now() });
  await w.commit(malformed, { valid: false });
  const proveMalformedTx = await prove(w.calldata(core.buildMalformedTxProof(malformed, 0, w.head)));

  // proveBadTimestamp: before the parent's.
  const b = await fresh();
  const early = b.forge([], [], { timestamp: b.head!.timestamp - 1n });
  await b.commit(early, { valid: false });
  const proveBadTimestamp = await prove(b.calldata(core.buildBadTimestampProof(early.header, b.head)));

  // proveSkippedDeposit: deposit 3 recorded, then a block committed past the stall limit without it.
  const k = await fresh();
  await k.deposit(alice, alice.address, 1n);
  await provider.send('evm_increaseTime', [Number(stall) + 1]);
  const lateParent = k.head;
  const late = k.build(await now(), () => {});
  await k.commit(late);
  const proveSkippedDeposit = await prove(k.calldata(core.buildSkippedDepositProof(late.header, lateParent, { record: (await root.depositRecord(k.chainId, 3n)) as `0x${string}`, stallLimit: stall }, k.windowEnds.get(late.header.number)! - window)));

  // proveInvalidExits: an exit no tx made, after the block's only withdrawal: the case with the most witnesses (the last
  // tx, the empty position after it, and the extra leaf).
  const x = await fresh();
  const out = x.place(x.sign(alice, { kind: core.TxKind.Withdraw, slot: 0, to: lower(alice.address), token: core.NATIVE_TOKEN, amount: 1n, nonce: 0n }), alice);
  const exits = [{ recipient: lower(alice.address), token: core.NATIVE_TOKEN, amount: 1n }, { recipient: lower(deployer.address), token: core.NATIVE_TOKEN, amount: parseEther('1000') }];
  const extraExit = x.forge([out], [core.ZERO_BYTES32], { timestamp: await now(), exitRoot: core.bytesToHex(core.computeExitRoot(exits)) });
  await x.commit(extraExit, { valid: false });
  const exitsProof = core.buildInvalidExitsProof({ ...extraExit, exits }, x.head);
  if (exitsProof.exit.index !== 1 || exitsProof.next.index !== 1) throw new Error('not the extra-exit case');
  const proveInvalidExits = await prove(x.calldata(exitsProof));

  // proveEquivocation: block 2 committed, a second block 2 signed; rolled back.
  const equivocate = async (validators: Wallet[], threshold: number) => {
    const e = await fresh(validators, threshold);
    const h1 = e.forge([], [], { timestamp: await now() });
    const h2 = e.forge([], [], { timestamp: (await now()) + 1n });
    await e.commit(h1, { valid: false });
    const signers = validators.slice(validators.length - threshold);
    return prove(e.calldata(core.buildEquivocationProof(h1.header, e.signatures(h1.header), h2.header, e.signatures(h2.header, signers), e.head), e.windows(2n)));
  };
  const proveEquivocation3of4 = await equivocate(quorum, 3);
  const wide = Array.from({ length: 32 }, () => Wallet.createRandom(provider) as unknown as Wallet);
  const proveEquivocation22of32 = await equivocate(wide, 22);
  // Both headers above the head (signed, neither committed): every signature of both quorums is checked.
  const all64 = Array.from({ length: 64 }, () => Wallet.createRandom(provider) as unknown as Wallet);
  const u = await fresh(all64, 64);
  const u1 = u.forge([], [], { timestamp: await now() });
  const u2 = u.forge([], [], { timestamp: (await now()) + 1n });
  const proveEquivocation64of64Uncommitted = await prove(u.calldata(core.buildEquivocationProof(u1.header, u.signatures(u1.header), u2.header, u.signatures(u2.header), u.head), { windowEnd: 0n, prevWindowEnd: u.windowEnds.get(1n)! }));

  // The escape hatch: a chain that stalls with deposit 3 unapplied; slot 0 belongs to an address with no ETH yet.
  const s = await ChildChain.spawn({ root, provider, validators: quorum, threshold: 3, window, bond: parseEther('1'), spawner: deployer, stallLimit: stall });
  const payee = Wallet.createRandom().address;
  await s.deposit(alice, payee, parseEther('10'));
  await s.commit(s.build(await now(), (blk) => s.pendingDeposits(blk)));
  const d2 = await s.deposit(bob, bob.address, parseEther('1'));
  await provider.send('evm_increaseTime', [Number(stall) + 1]);
  await provider.send('evm_mine', []);
  const freezeStalled = await gasOf(root.freezeStalled(s.chainId));
  const escapeExit = await prove(core.encodeEscapeExitCall(s.chainId, s.head!, s.windowEnds.get(1n)!, core.buildEscapeExitProof(s.state, 0)));
  const reclaimDeposit = await prove(core.encodeReclaimDepositCall(d2));
  return {
    proveInvalidTransition,
    proveMissingDownEvent,
    proveMalformedTx,
    proveBadTimestamp,
    proveSkippedDeposit,
    proveInvalidExits,
    proveEquivocation3of4,
    proveEquivocation22of32,
    proveEquivocation64of64Uncommitted,
    freezeStalled,
    escapeExit,
    reclaimDeposit,
  };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  measureGas().then(
    (report) => console.log(JSON.stringify(report, null, 2)),
    (e) => {
      console.error(e);
      process.exit(1);
    },
  );
}
