/**
 * Gas of the transition proofs of the ledger kinds (docs/LEDGER-PROOFS.md), measured by `measureGas` (contracts/gas.ts)
 * on ../ledger-scenario.ts's tree on the same Hardhat node: each lie is a block of A committed on the root and proven
 * with PlasmaRoot.proveInvalidTransition (FraudProven kind 10), between an evm_snapshot and an evm_revert so that every
 * case convicts the same A:
 * - ledgerFinalizeRefused: kind 5 paying a paid exit again (ALREADY_WITHDRAWN: 3 ledger reads, 1 account);
 * - ledgerFinalizePostRoot: kind 5 valid, its post-state root a lie (4 ledger keys, 2 written, 1 account);
 * - ledgerReclaimPostRoot: kind 12 valid, its post-state root a lie (4 ledger keys, 2 written, 1 account);
 * - ledgerFreezeRefused: kind 13 freezing a live child (NOT_STALLED: 2 ledger reads);
 * - ledgerDepositPostRoot: kind 3 valid, its post-state root a lie (4 ledger keys, 3 written, 1 account, a signature);
 * - ledgerCommitForged: kind 4 committing a header of K signed by alice, not K's validator (SIGNER_NOT_VALIDATOR);
 * - ledgerSpawnPostRoot: kind 6 valid (3 validators), its post-state root a lie (2 keys written, 1 account);
 * - ledgerConvictHonest: kind 10 convicting an honest child with a transfer proof (NOT_FRAUD: 4 ledger reads, 1 account,
 *   the args' canonical check and the nested transition check on 2 account witnesses): the lie that takes an honest
 *   child's bond, its largest nested proof;
 * - ledgerConvictPostRoot: kind 10 convicting that child's lying block 2 (an exit from nothing: InvalidExits), valid
 *   (half the bond to the payee, half burned at the tx's slot: 5 ledger keys, 2 written, 2 accounts), its post root a lie;
 * - ledgerResolveBurnPostRoot: kind 15 resolveDataChallenge of that child's unanswered block 1, valid (the conviction,
 *   the challenger's reward and bond, the burn: 5 ledger keys, 3 written, 2 accounts), its post root a lie;
 * - ledgerEdgePostRoot: kind 8 delivering a message of the root to A (the message function's inbox: its stated effect,
 *   2 writes, and the delivery's record: 3 ledger keys written, no account; SPEC v4 "Edge effects"), its post root a lie.
 * - ledgerConvictNested: kind 10 with fraud kind 10 (a ledger-kind proof, docs/LEDGER-PROOFS.md item 10) convicting an
 *   honest child H of its block 2, a message up (EDGE_SEND): the proof of a proof, NOT_FRAUD.
 * The other kinds' figures (11, 14, 15, 9) are logged by contracts/test/ledger-fraud-*.test.ts.
 */
import type { Contract, JsonRpcProvider, Wallet } from 'ethers';
import type * as C from '@plasma-tree/core';

export interface LedgerProofGas {
  ledgerFinalizeRefused: number;
  ledgerFinalizePostRoot: number;
  ledgerReclaimPostRoot: number;
  ledgerFreezeRefused: number;
  ledgerDepositPostRoot: number;
  ledgerCommitForged: number;
  ledgerSpawnPostRoot: number;
  ledgerConvictHonest: number;
  ledgerConvictPostRoot: number;
  ledgerResolveBurnPostRoot: number;
  ledgerEdgePostRoot: number;
  ledgerConvictNested: number;
}

export async function measureLedgerProofs(provider: JsonRpcProvider, root: Contract, wallets: Wallet[]): Promise<LedgerProofGas> {
  const core = await import('@plasma-tree/core');
  const { LedgerScenario } = await import('./ledger-scenario.js');
  const s = await LedgerScenario.build({ provider, root, spawner: wallets[0], aValidator: wallets[18], kValidator: wallets[19], alice: wallets[2] });
  const relayer = wallets[7];
  const lie = (honest?: C.Hex): C.Hex => core.bytesToHex(core.keccak256(core.hexToBytes(honest ?? core.ZERO_BYTES32)));

  /** Commits `block` (a lie) on the root, proves it, and undoes both: the gas of the proof. */
  const convict = async (block: C.Block): Promise<number> => {
    const snapshot = (await provider.send('evm_snapshot', [])) as string;
    try {
      await s.A.commit(block, { valid: false });
      const finding = core.findFraud(block, s.A.head, s.A.state, { ...s.A.ctx });
      if (finding?.kind !== core.FraudKind.InvalidLedgerTx || !finding.provable) throw new Error(`no ledger-tx proof: ${JSON.stringify(finding)}`);
      const receipt = await (await relayer.sendTransaction({ to: await root.getAddress(), data: s.A.calldata(finding.proof) })).wait();
      if (!receipt || receipt.status !== 1) throw new Error('the proof failed');
      return Number(receipt.gasUsed);
    } finally {
      await provider.send('evm_revert', [snapshot]);
    }
  };
  const forged = (tx: C.SignedTx, postRootLie: boolean) => {
    const { block, honest } = s.forgeA(tx);
    return postRootLie ? s.forgeA(tx, { postRoot: lie(honest) }).block : block;
  };

  const ledgerFinalizeRefused = await convict(forged(s.finalizeTx(0), false));
  const ledgerFinalizePostRoot = await convict(forged(s.finalizeTx(1), true));
  const reclaim: C.ReclaimChildDepositTx = { ...s.k2Deposit, kind: core.TxKind.ReclaimChildDeposit, chainId: s.A.chainId, child: s.K2 };
  const ledgerReclaimPostRoot = await convict(forged(reclaim, true));
  const ledgerFreezeRefused = await convict(forged({ kind: core.TxKind.FreezeStalledChild, chainId: s.A.chainId, child: s.K }, false));
  const alice = s.alice;
  const lower = (a: string) => a.toLowerCase() as C.Hex;
  const deposit = s.signTx(alice, { kind: core.TxKind.DepositToChild, chainId: s.A.chainId, ...s.aliceNonce(), child: s.K, to: lower(alice.address), token: core.NATIVE_TOKEN, amount: 1n });
  const ledgerDepositPostRoot = await convict(forged(deposit, true));
  const k3 = { ...s.kBlock2.header, number: 3n, parentHash: core.hashHeader(s.kBlock2.header) };
  const digest = core.commitmentDigest(s.A.domain, s.K, 3n, core.hashHeader(k3));
  const forgedCommit: C.CommitChildTx = { kind: core.TxKind.CommitChild, chainId: s.A.chainId, child: s.K, header: k3, signatures: core.secp256k1Scheme.sign(digest, alice.privateKey as C.Hex) };
  const ledgerCommitForged = await convict(forged(forgedCommit, false));
  const validators = [wallets[16], wallets[17], wallets[15]].map((w) => lower(w.address));
  const spawn = s.signTx(alice, { kind: core.TxKind.SpawnChild, chainId: s.A.chainId, ...s.aliceNonce(), validators, threshold: 2, challengeWindow: 100n, bond: core.MIN_BOND } as C.UnsignedTx);
  const ledgerSpawnPostRoot = await convict(forged(spawn, true));
  // Last: it commits blocks of A (a child spawned, funded and its block 1 committed) that the cases above must not see.
  const honest = await s.spawnHonestChild();
  const nested = core.buildTransitionProof(honest.block, 1, null, new core.ChainState(honest.chain), honest.ctx, { allowValid: true });
  const convictHonest: C.ProveChildFraudTx = {
    kind: core.TxKind.ProveChildFraud, chainId: s.A.chainId, child: honest.chain, fraudKind: core.FraudKind.InvalidTransfer,
    args: core.encodeFraudProofArgs(nested, { windowEnd: honest.windowEnd, prevWindowEnd: 0n }), to: lower(alice.address),
  };
  const ledgerConvictHonest = await convict(forged(convictHonest, false));
  const mint: C.Exit = { recipient: lower(alice.address), token: core.NATIVE_TOKEN, amount: 100n * 10n ** 18n };
  const lying: C.Header = {
    ...honest.block.header, number: 2n, parentHash: core.hashHeader(honest.block.header), txRoot: core.bytesToHex(core.computeTxRoot([], [])),
    exitRoot: core.bytesToHex(core.computeExitRoot([mint])),
  };
  const committed = await s.commitA((b) => b.addSignedTx(s.commitChildTx(honest.chain, lying)));
  const exitsProof = core.buildInvalidExitsProof({ header: lying, hash: core.hashHeader(lying), txs: [], postRoots: [], exits: [mint] }, honest.block.header);
  const convictLying: C.ProveChildFraudTx = {
    ...convictHonest, fraudKind: core.FraudKind.InvalidExits,
    args: core.encodeFraudProofArgs(exitsProof, { windowEnd: committed.header.timestamp + honest.windowEnd - honest.committedAt, prevWindowEnd: honest.windowEnd }),
  };
  const ledgerConvictPostRoot = await convict(forged(convictLying, true));
  // alice challenges the data of the honest child's block 1; nobody answers; A resolves it past the deadline (valid:
  // the child convicted, half its bond to alice with her bond back, half burned at the tx's slot), its post root a lie.
  const challenge = s.signTx(alice, {
    kind: core.TxKind.ChallengeChildData, chainId: s.A.chainId, ...s.aliceNonce(), child: honest.chain, header: honest.block.header, windowEnd: honest.windowEnd,
    bond: core.CHILD_DATA_CHALLENGE_BOND,
  } as C.UnsignedTx);
  const challenged = await s.commitA((b) => b.addSignedTx(challenge));
  const deadline = challenged.header.timestamp + (honest.windowEnd - honest.committedAt) / 4n;
  await s.increaseTime(deadline + 2n - challenged.header.timestamp);
  const resolve: C.ChildDataCallTx = {
    kind: core.TxKind.ChildDataCall, chainId: s.A.chainId, child: honest.chain, to: lower(alice.address),
    call: core.encodeResolveDataChallengeCall(honest.chain, honest.block.header, honest.windowEnd, core.ZERO_HEADER, 0n),
  };
  const at = { timestamp: deadline + 1n };
  const ledgerResolveBurnPostRoot = await convict(s.forgeA(resolve, { ...at, postRoot: lie(s.forgeA(resolve, at).honest) }).block);
  // Fraud kind 10 (docs/LEDGER-PROOFS.md item 10): A "convicts" another honest child H of its block 2, alice's message up
  // (EDGE_SEND, a ledger kind), with a ledger-kind proof: the module judges the nested proof through the verifier and
  // PlasmaLedgerEdges, finds the tx valid (NOT_FRAUD), and PlasmaRoot convicts A.
  const h = await s.spawnHonestChild();
  const hState = new core.ChainState(h.chain);
  core.verifyBlock(h.block, null, hState, h.ctx);
  const hAfter1 = core.ChainState.fromEntries(h.chain, [...hState.accounts.entries()], [...hState.ledger.entries()]);
  const hb = new core.BlockBuilder({ parent: h.block.header, state: hState, ctx: h.ctx, timestamp: await s.now() });
  hb.addSignedTx(s.signTx(alice, {
    kind: core.TxKind.EdgeSend, chainId: h.chain, slot: 0, nonce: 1n, fn: core.MESSAGE_FN, child: core.ZERO_BYTES32,
    payload: core.encodeMessagePayload({ target: lower(alice.address), data: '0x01' }),
  } as C.UnsignedTx));
  const hBlock2 = hb.seal();
  const h2Committed = await s.commitA((b) => b.addSignedTx(s.commitChildTx(h.chain, hBlock2.header)));
  const nestedLedger = core.buildLedgerTransitionProof(hBlock2, 0, h.block.header, hAfter1, h.ctx, { allowValid: true });
  const convictNested: C.ProveChildFraudTx = {
    ...convictHonest, child: h.chain, fraudKind: core.FraudKind.InvalidLedgerTx,
    args: core.encodeFraudProofArgs(nestedLedger, { windowEnd: h2Committed.header.timestamp + h.windowEnd - h.committedAt, prevWindowEnd: h.windowEnd }),
  };
  const ledgerConvictNested = await convict(forged(convictNested, false));
  // Last: a message the root sends A (the next down event, A's head has not applied it), delivered with the effect the
  // message function has (withEdgeEffect) in a block whose post root is a lie.
  const message = await s.A.sendMessage(alice, alice.address, '0x1234');
  if (message.nonce !== s.A.head!.depositNonce + 1n) throw new Error(`the message is down event ${message.nonce}, not the next one`);
  const timestamp = await s.now();
  const placed = core.placeEdgeFromParent(message);
  s.A.state.checkpoint();
  let delivery: C.BlockTx;
  let delivered: C.Hex;
  try {
    const outcome = core.applyTx(s.A.state, placed, { ...s.A.ctx, lastDepositNonce: s.A.head!.depositNonce, timestamp }, { edgeEffect: 'fill' });
    if (outcome.edgeEffect?.writes.length !== 2) throw new Error('the inbox: 2 writes');
    delivery = core.withEdgeEffect(placed, outcome.edgeEffect);
    delivered = outcome.postRoot;
  } finally {
    s.A.state.revert();
  }
  const ledgerEdgePostRoot = await convict(s.A.forge([delivery], [lie(delivered)], { timestamp, depositNonce: message.nonce }));
  return {
    ledgerFinalizeRefused, ledgerFinalizePostRoot, ledgerReclaimPostRoot, ledgerFreezeRefused, ledgerDepositPostRoot, ledgerCommitForged, ledgerSpawnPostRoot,
    ledgerConvictHonest, ledgerConvictPostRoot, ledgerResolveBurnPostRoot, ledgerEdgePostRoot, ledgerConvictNested,
  };
}
