/**
 * Gas of the escape of holders inside a frozen chain's children (docs/FRAUD.md §4b, PlasmaNestedEscape), measured by
 * `measureGas` (contracts/gas.ts) on a tree built with core on the same Hardhat node: A (a child of the root) spawns K,
 * alice deposits to K, K's block 1 applies it and makes a transfer and a withdrawal, A commits it and goes past its window
 * (block 1 is K's last final block), a second deposit to K stays in flight; A is frozen for its stall and its head's
 * window passes. Then, built by core's nestedEscape.ts:
 * - escapeNestedExit: bob's slot of K's block 1 (an address that holds no ETH yet);
 * - exitNested: alice's exit of K's block 1;
 * - reclaimNested: the deposit in flight, back to alice.
 * The path of one level (A → K, core buildNestedPath); every call folds four or five ledger proofs of 256 levels against
 * A's ledger root (exitNested of block n reuses the FinalChild's proof of n's Commitment entry). The two-level calls
 * (A → K → J) are measured by contracts/test/nested-escape.test.ts.
 */
import { Contract, Wallet, parseEther, type JsonRpcProvider } from 'ethers';
import type * as C from '@plasma-tree/core';
import { loadArtifact } from './deploy.js';

export interface NestedEscapeGas {
  escapeNestedExit: number;
  exitNested: number;
  reclaimNested: number;
}

export async function measureNestedEscape(provider: JsonRpcProvider, root: Contract, wallets: Wallet[]): Promise<NestedEscapeGas> {
  const core = await import('@plasma-tree/core');
  const { ChildChain } = await import('./fraud-scenario.js');
  const [deployer, alice] = wallets;
  const bob = Wallet.createRandom();
  const quorum = wallets.slice(11, 15);
  const kValidators = wallets.slice(15, 18);
  const aWindow = 100n;
  const kWindow = 100n;
  const ETH = core.NATIVE_TOKEN;
  const lower = (a: string) => a.toLowerCase() as C.Hex;
  const now = async () => BigInt((await provider.getBlock('latest'))!.timestamp);
  const advance = async (seconds: bigint) => {
    await provider.send('evm_increaseTime', [Number(seconds)]);
    await provider.send('evm_mine', []);
  };
  const module_ = new Contract(await root.nestedEscape(), loadArtifact('PlasmaNestedEscape').abi, deployer);

  const A = await ChildChain.spawn({ root, provider, validators: quorum, threshold: 3, window: aWindow, bond: core.ROOT_MIN_BOND, stallLimit: aWindow, spawner: deployer });
  await A.deposit(alice, alice.address, parseEther('10'));
  const sign = (w: Wallet, tx: C.UnsignedTx): C.SignedTx =>
    ({ ...tx, signature: core.secp256k1Scheme.sign(core.signedTxDigest(A.domain, tx), w.privateKey as C.Hex) }) as C.SignedTx;
  const slotOf = (state: C.ChainState, owner: string) => {
    const slot = state.slotOf(lower(owner), ETH)!;
    return { slot, nonce: state.get(slot)!.nonce };
  };
  const commitA = async (fill: (b: C.BlockBuilder) => void) => {
    const block = A.build(await now(), fill);
    await A.commit(block);
    return block;
  };
  await commitA((b) => A.pendingDeposits(b));
  await commitA((b) =>
    b.addSignedTx(sign(alice, { kind: core.TxKind.SpawnChild, chainId: A.chainId, ...slotOf(A.state, alice.address), validators: kValidators.map((v) => lower(v.address)), threshold: 2, challengeWindow: kWindow, bond: core.MIN_BOND })),
  );
  const K = core.chainIdOf(A.chainId, 0);
  const toK = (b: C.BlockBuilder, amount: bigint): C.Deposit => {
    b.addSignedTx(sign(alice, { kind: core.TxKind.DepositToChild, chainId: A.chainId, ...slotOf(A.state, alice.address), child: K, to: lower(alice.address), token: ETH, amount }));
    return { chainId: K, nonce: A.state.ledger.childInfo(K).depositCount, from: lower(alice.address), to: lower(alice.address), token: ETH, amount };
  };
  let first!: C.Deposit;
  const a3 = await commitA((b) => {
    first = toK(b, parseEther('3'));
  });

  // K's block 1: the deposit, alice sends bob 1 ETH and withdraws 0.5 (exit 0).
  const kState = new core.ChainState(K);
  const kctx: C.BlockContext = { chainId: K, domain: A.domain, depositRecord: core.childDepositRecords(A.state.ledger, K), parentChainId: A.chainId };
  const kb = new core.BlockBuilder({ parent: null, state: kState, ctx: kctx, timestamp: a3.header.timestamp });
  kb.addDeposit(first);
  const spend = (kind: C.TxKind.Transfer | C.TxKind.Withdraw, to: string, amount: bigint) =>
    sign(alice, { kind, chainId: K, ...slotOf(kState, alice.address), to: lower(to), token: ETH, amount } as C.UnsignedTx);
  kb.addSignedTx(spend(core.TxKind.Transfer, bob.address, parseEther('1')));
  kb.addSignedTx(spend(core.TxKind.Withdraw, alice.address, parseEther('0.5')));
  const k1 = kb.seal();
  const digest = core.commitmentDigest(A.domain, K, 1n, k1.hash);
  const signers = [...kValidators.slice(0, 2)].sort((x, y) => (BigInt(x.address) < BigInt(y.address) ? -1 : 1));
  const signatures = core.bytesToHex(core.concatBytes(...signers.map((s) => core.hexToBytes(core.secp256k1Scheme.sign(digest, s.privateKey as C.Hex)))));
  const a4 = await commitA((b) => b.addSignedTx({ kind: core.TxKind.CommitChild, chainId: A.chainId, child: K, header: k1.header, signatures }));
  const k1Committed = { header: k1.header, windowEnd: a4.header.timestamp + kWindow };

  // Past K's window in A's clock; a second deposit to K stays in flight. A's head.
  await advance(kWindow + 1n);
  let inFlight!: C.Deposit;
  await commitA((b) => {
    inFlight = toK(b, parseEther('2'));
  });
  // A stalls and is frozen; then its head's window passes.
  await advance(aWindow + 1n);
  await (await root.freezeStalled(A.chainId)).wait();
  await advance(aWindow + 1n);

  const blockOf = (n: bigint) => {
    if (n !== 1n) throw new Error(`K has no block ${n} here`);
    return k1Committed;
  };
  const a = core.frozenHead(A.state, A.head!, A.windowEnds.get(A.head!.number)!);
  const path = core.buildNestedPath(a, A.state.ledger, [{ child: K, blockOf }]);
  const gasOf = async (data: string): Promise<number> => {
    const receipt = await (await deployer.sendTransaction({ to: await module_.getAddress(), data })).wait();
    if (!receipt || receipt.status !== 1) throw new Error('measured transaction failed');
    return Number(receipt.gasUsed);
  };
  const escapeNestedExit = await gasOf(core.encodeEscapeNestedExitCall(path, core.buildNestedAccountProof(path, kState, kState.slotOf(lower(bob.address), ETH)!)));
  const exitNested = await gasOf(core.encodeExitNestedCall(path, core.buildNestedExitProof(path, k1Committed, k1.exits[0] as C.Exit, 0n, core.exitProof(k1, 0))));
  const reclaimNested = await gasOf(core.encodeReclaimNestedCall(path, core.buildNestedDepositProof(path, inFlight)));
  return { escapeNestedExit, exitNested, reclaimNested };
}
