/**
 * ParentLedger.takeWrittenKeys: the write log a node persists per block. Replaying the logged keys with their
 * entries onto a copy of the previous entries must rebuild the same ledger, whatever wrote them (the ledger's
 * own rules, an edge function's storage, a delivery, a checkpoint reverted half-way).
 */
import { describe, expect, it } from 'vitest';
import { EdgeDeliveryStatus, MIN_BOND, ParentLedger, ledgerEntryKey, ledgerKeys, type Address, type ChainId, type Hex, type LedgerEntry } from '../src/index.js';

const SELF = `0x${'c1'.repeat(32)}` as ChainId;
const ALICE = `0x${'a1'.repeat(20)}` as Address;
const FN = `0x${'f0'.repeat(32)}` as Hex;
const ETH = `0x${'00'.repeat(20)}` as Address;

/** What a host keeps on disk: the entries by key, updated from the write log after each "block". */
function persist(disk: Map<Hex, Readonly<LedgerEntry>>, ledger: ParentLedger): Hex[] {
  const keys = ledger.takeWrittenKeys();
  for (const key of keys) {
    const entry = ledger.entry(key);
    if (entry === undefined) disk.delete(key);
    else disk.set(key, entry);
  }
  return keys;
}

describe('ParentLedger write log', () => {
  it('lists every key written since the last call, so that persisting them rebuilds the ledger', () => {
    const ledger = new ParentLedger(SELF);
    const disk = new Map<Hex, Readonly<LedgerEntry>>();
    expect(ledger.takeWrittenKeys()).toEqual([]);

    const child = ledger.spawnChild({ validators: [ALICE], threshold: 1, challengeWindow: 10n, bond: MIN_BOND, spawner: ALICE, now: 1n });
    ledger.deposit({ child, from: ALICE, to: ALICE, token: ETH, amount: 5n, now: 1n });
    expect(new Set(persist(disk, ledger))).toEqual(
      new Set([ledgerKeys.childCount(), ledgerKeys.child(child), ledgerKeys.subtreeBalance(child, ETH), ledgerKeys.deposit(child, 1n)]),
    );
    expect(ledger.takeWrittenKeys()).toEqual([]);

    // Edge function storage and deliveries: keys the runtime cannot list without the log.
    ledger.setEdgeStorage(FN, '0x6b6579', '0x01');
    ledger.recordEdgeDelivery(1n, FN, EdgeDeliveryStatus.Failed);
    ledger.recordEdgeEvent({ child, fn: FN, sender: ALICE, payload: '0xbeef', now: 1n });
    expect(persist(disk, ledger)).toContain(ledgerKeys.edgeStorage(FN, '0x6b6579'));

    // A checkpoint reverted: its keys are listed, with the entries they had before (persisting them is harmless).
    ledger.checkpoint();
    ledger.setEdgeStorage(FN, '0x6b6579', '0x02');
    ledger.setEdgeStorage(FN, '0x6e6577', '0x03');
    ledger.revert();
    const reverted = persist(disk, ledger);
    expect(new Set(reverted)).toEqual(new Set([ledgerKeys.edgeStorage(FN, '0x6b6579'), ledgerKeys.edgeStorage(FN, '0x6e6577')]));

    // Unset (back to the default): the key is listed and its entry is gone.
    ledger.setEdgeStorage(FN, '0x6b6579', '0x');
    expect(persist(disk, ledger)).toEqual([ledgerKeys.edgeStorage(FN, '0x6b6579')]);
    expect(ledger.entry(ledgerKeys.edgeStorage(FN, '0x6b6579'))).toBeUndefined();

    const rebuilt = ParentLedger.fromEntries(SELF, disk.values());
    expect(rebuilt.root).toBe(ledger.root);
    expect([...disk.values()].map(ledgerEntryKey).sort()).toEqual([...ledger.entries()].map(ledgerEntryKey).sort());
    // A rebuilt ledger starts with an empty log.
    expect(rebuilt.takeWrittenKeys()).toEqual([]);
  });
});
