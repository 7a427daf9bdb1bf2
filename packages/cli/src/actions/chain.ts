import { parseEther } from 'ethers';
import { PlasmaError, rootMinBond } from '@plasma-tree/core';
import { spawnChain } from '@plasma-tree/sdk';
import { l1Provider, makeTreeClient, resolveAddress, resolveL1, resolveWallet, type AccountFlags, type ConnectionFlags } from '../context.js';
import { print, printJson } from '../common.js';
import { Spinner, c, formatAmount, humanDuration, kv } from '../ui.js';
import { addr } from '../fmt.js';

type Flags = ConnectionFlags & AccountFlags & { validators?: string; threshold?: number; window: number; stallLimit?: number; bond?: string; json?: boolean; parent?: string };

export async function keysNew(flags: Flags): Promise<void> {
  const { l1Url, rootContract, devnet } = resolveL1(flags);
  if (!rootContract) throw new PlasmaError('MISSING_CONFIG', 'no root contract given', { hint: 'pass --root <address>, or start a devnet (`plasma-tree devnet`)' });
  if (!flags.validators) throw new PlasmaError('MISSING_VALIDATORS', 'no validators given', { hint: 'pass --validators 0xA,0xB,0xC (the addresses whose keys will sign commitments)' });
  const validators = flags.validators.split(',').map((v) => v.trim()).filter(Boolean).map((v, i) => resolveAddress(v, devnet, `validator ${i + 1}`));
  const threshold = flags.threshold ?? Math.min(validators.length, Math.floor((2 * validators.length) / 3) + 1);
  let bond: bigint;
  try {
    bond = flags.bond === undefined ? rootMinBond(threshold) : parseEther(flags.bond);
  } catch {
    throw new PlasmaError('INVALID_AMOUNT', `invalid bond ${JSON.stringify(flags.bond)}`, { hint: 'pass the bond in ETH, e.g. --bond 0.5' });
  }
  const provider = await l1Provider(l1Url);
  try {
    const wallet = (await resolveWallet(flags, devnet)).connect(provider);
    const sp = new Spinner(process.stderr, { quiet: flags.json }).start(`spawning a ${threshold}-of-${validators.length} chain with a ${humanDuration(flags.window)} challenge window…`);
    const r = await spawnChain(wallet, rootContract, { validators, threshold, challengeWindow: flags.window, bond, ...stallLimitOf(flags) }).catch((e) => {
      sp.fail('spawnChain failed');
      throw e;
    });
    sp.succeed(`chain #${r.index} of the root spawned`);
    if (flags.json) return printJson(r);
    print(kv([
      ['chain id', c.bold(r.chainId)],
      ['validators', `${r.threshold}-of-${r.validators.length}: ${r.validators.map(addr).join(', ')}`],
      ['challenge window', humanDuration(r.challengeWindow)],
      ['stall limit', humanDuration(r.stallLimit)],
      ['bond', `${formatAmount(r.bond, 18)} ETH`],
      ['L1 tx', r.l1TxHash],
    ]));
    print(`\n  ${c.bold('next')}: start its validator node(s) with the validator keys:`);
    print(`  ${c.cyan(`PLASMA_TREE_VALIDATOR_KEYS=0x… plasma-tree node start --chain ${r.chainId} --l1 ${l1Url} --root ${rootContract}`)}`);
  } finally {
    provider.destroy();
  }
}

/** `--stall-limit`: the limit below which the parent refuses (the window) is its rule (BAD_STALL_LIMIT), not the CLI's. */
function stallLimitOf(flags: Flags): { stallLimit?: number } {
  return flags.stallLimit === undefined ? {} : { stallLimit: flags.stallLimit };
}

export async function spawn(flags: Flags): Promise<void> {
  if (!flags.parent) throw new PlasmaError('MISSING_PARENT', 'no parent chain given', { hint: 'pass --parent <chain> (a chain name such as A, a 32-byte id, or L1)' });
  if (!flags.validators) throw new PlasmaError('MISSING_VALIDATORS', 'no validators given', { hint: 'pass --validators 0xA,0xB,0xC (the addresses whose keys will sign commitments)' });
  let bond: bigint | undefined;
  try {
    bond = flags.bond === undefined ? undefined : parseEther(flags.bond);
  } catch {
    throw new PlasmaError('INVALID_AMOUNT', `invalid bond ${JSON.stringify(flags.bond)}`, { hint: 'pass the bond in ETH, e.g. --bond 0.5' });
  }
  const b = await makeTreeClient(flags, { signer: true });
  try {
    const validators = flags.validators.split(',').map((v) => v.trim()).filter(Boolean).map((v, i) => resolveAddress(v, b.devnet, `validator ${i + 1}`));
    const threshold = flags.threshold ?? Math.min(validators.length, Math.floor((2 * validators.length) / 3) + 1);
    const parent = b.tree.chainId(flags.parent);
    // The default is the minimum: PlasmaRoot's for a child of L1 (0.2 ETH per started 32 of the threshold), a chain's
    // SPAWN_CHILD minimum otherwise.
    bond ??= parent === `0x${'00'.repeat(32)}` ? rootMinBond(threshold) : parseEther('0.01');
    const sp = new Spinner(process.stderr, { quiet: flags.json }).start(`spawning a ${threshold}-of-${validators.length} child of ${b.tree.nameOf(parent)} with a ${humanDuration(flags.window)} challenge window…`);
    const r = await b.tree.spawnChild({ parent, validators, threshold, challengeWindow: flags.window, bond, ...stallLimitOf(flags) }).catch((e) => {
      sp.fail('spawning failed');
      throw e;
    });
    sp.succeed(`chain #${r.index} of ${b.tree.nameOf(parent)} spawned`);
    if (flags.json) return printJson(r);
    print(kv([
      ['chain id', c.bold(r.chainId)],
      ['parent', `${b.tree.nameOf(parent)} ${parent}`],
      ['validators', `${r.threshold}-of-${r.validators.length}: ${r.validators.map(addr).join(', ')}`],
      ['challenge window', humanDuration(r.challengeWindow)],
      ['stall limit', r.stallLimit === null ? '-' : humanDuration(r.stallLimit)],
      ['bond', `${formatAmount(r.bond, 18)} ETH`],
      ['tx', `${r.txHash}${r.parentChainId === `0x${'00'.repeat(32)}` ? ' (L1)' : ` (block #${r.blockNumber} of the parent)`}`],
    ]));
    print(`\n  ${c.bold('next')}: start its validator node(s) with the validator keys${r.parentChainId === `0x${'00'.repeat(32)}` ? '' : ', following the parent chain\'s node'}:`);
    const follow = r.parentChainId === `0x${'00'.repeat(32)}` ? '' : ` --parent-node ${b.tree.nodeUrl(parent)}`;
    print(`  ${c.cyan(`PLASMA_TREE_VALIDATOR_KEYS=0x… plasma-tree node start --chain ${r.chainId} --l1 ${b.l1Url} --root ${b.rootContract}${follow}`)}`);
  } finally {
    b.close();
  }
}
