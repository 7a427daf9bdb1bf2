/**
 * Gas of the transition proofs of the ledger kinds (docs/LEDGER-PROOFS.md), measured by `measureGas` (contracts/gas.ts)
 * on ../ledger-scenario.ts's tree on the same Hardhat node: each lie is a block of A committed on the root and proven
 * with PlasmaRoot.proveInvalidTransition (FraudProven kind 10), between an evm_snapshot and an evm_revert so that every
 * case convicts the same A:
 * - ledgerFinalizeRefused: kind 5 paying a paid exit again (ALREADY_WITHDRAWN: 3 ledger reads, 1 account);
 * - ledgerFinalizePostRoot: kind 5 valid, its post-state root a lie (4 ledger keys, 2 written, 1 account);
 * - ledgerReclaimPostRoot: kind 12 valid, its post-state root a lie (4 ledger keys, 2 written, 1 account);
 * - ledgerFreezeRefused: kind 13 freezing a live child (NOT_STALLED: 2 ledger reads).
 */
import type { Contract, JsonRpcProvider, Wallet } from 'ethers';
import type * as C from '@plasma-tree/core';

export interface LedgerProofGas {
  ledgerFinalizeRefused: number;
  ledgerFinalizePostRoot: number;
  ledgerReclaimPostRoot: number;
  ledgerFreezeRefused: number;
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
  return { ledgerFinalizeRefused, ledgerFinalizePostRoot, ledgerReclaimPostRoot, ledgerFreezeRefused };
}
