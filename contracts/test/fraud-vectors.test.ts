/**
 * Shared vectors of the fraud proofs (docs/FRAUD.md §3): PlasmaFraudVerifier (the Solidity side) and core (the STF and
 * fraud.ts) must agree byte for byte on tx leaves, tx roots, account leaves, accounts roots after each update, the
 * recomputed post-state root of every valid kind 0-2 transaction, the fault of every single-fault transaction, the
 * form of every kind; and core's ABI encoders must produce what ethers produces from PlasmaRoot's ABI.
 */
import * as core from '@plasma-tree/core';
import { AbiCoder, Contract, Interface, TypedDataEncoder, Wallet, id } from 'ethers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deployContract, deployFraudVerifier, loadArtifact } from '../index.js';
import { setup, type Fixture } from './helpers.js';

const CHAIN = core.chainIdOf(core.ROOT_CHAIN_ID, 7);
const ETH = core.NATIVE_TOKEN;
const TOKEN = '0x00000000000000000000000000000000000000a1' as core.Address;
const E = 10n ** 18n;

let f: Fixture;
let verifier: Contract;
let domain: core.Eip712Domain;
let domainSeparator: string;
const users = Array.from({ length: 4 }, (_, i) => new Wallet(id(`fraud vectors user ${i}`)));
const [alice, bob, carol, dave] = users;
const addr = (w: Wallet) => w.address.toLowerCase() as core.Address;
const deposits = new Map<bigint, core.Deposit>();
const ctx = (): core.BlockContext => ({ chainId: CHAIN, domain, depositRecord: (n) => (deposits.has(n) ? core.hashDeposit(deposits.get(n)!) : undefined) });

beforeAll(async () => {
  f = await setup();
  verifier = (await deployFraudVerifier(f.wallets[0])).contract;
  domain = core.plasmaDomain(31337n, f.rootAddress.toLowerCase() as core.Address);
  domainSeparator = TypedDataEncoder.hashDomain({ name: 'PlasmaTree', version: '1', chainId: 31337n, verifyingContract: f.rootAddress });
  [
    { nonce: 1n, from: addr(dave), to: addr(alice), token: ETH, amount: 10n * E },
    { nonce: 2n, from: addr(dave), to: addr(bob), token: ETH, amount: 5n * E },
    { nonce: 3n, from: addr(dave), to: addr(bob), token: TOKEN, amount: 2n ** 255n },
    { nonce: 4n, from: addr(dave), to: addr(alice), token: ETH, amount: 1n },
  ].forEach((d) => deposits.set(d.nonce, { chainId: CHAIN, ...d }));
});

afterAll(async () => {
  await f?.stop();
});

const headerTuple = (h: core.Header) => [h.chainId, h.number, h.parentHash, h.txRoot, h.stateRoot, h.exitRoot, h.depositNonce, h.timestamp];
const txTuple = (t: core.BlockTx) => [t.kind, t.slot, t.toSlot, t.from, t.to, t.token, t.amount, t.nonce, t.r, t.s, t.v];
const txWitnessTuple = (w: core.TxWitness) => [txTuple(w.tx), w.tx.data, w.postStateRoot, w.exitIndex, w.index, w.proof];
const accountTuple = (a: core.AccountWitness) => [a.slot, a.owner, a.token, a.balance, a.nonce, a.proof];

function sign(signer: Wallet, tx: Omit<core.SpendTx, 'chainId' | 'signature'>): core.SpendTx {
  const unsigned = { ...tx, chainId: CHAIN } as core.SpendTx;
  return { ...unsigned, signature: core.secp256k1Scheme.sign(core.signedTxDigest(domain, unsigned as core.UnsignedTx), signer.privateKey as core.Hex) };
}

/** Block 1 (deposits 1-3: alice 10 ETH in slot 0, bob 5 ETH in slot 1, bob 2^255 TOKEN in slot 2) and the state after it. */
function block1(): { state: core.ChainState; header: core.Header } {
  const state = new core.ChainState(CHAIN);
  const b = new core.BlockBuilder({ parent: null, state, ctx: ctx(), timestamp: 1_000n });
  for (const n of [1n, 2n, 3n]) b.addDeposit(deposits.get(n)!);
  return { state, header: b.seal().header };
}

/** A block 2 of these txs, its post roots those given (or, by default, what the STF gives, signatures unchecked). */
function block2(parent: core.Header, state: core.ChainState, txs: core.BlockTx[], postRoots?: core.Hex[], depositNonce = parent.depositNonce): core.Block {
  const roots = postRoots ?? (() => {
    const stf: core.StfContext = { ...ctx(), lastDepositNonce: parent.depositNonce, timestamp: 2_000n };
    state.checkpoint();
    try {
      return txs.map((tx) => {
        const o = core.applyTx(state, tx, stf, { signatureChecked: true });
        if (o.downNonce !== undefined) stf.lastDepositNonce = o.downNonce;
        return o.postRoot;
      });
    } finally {
      state.revert();
    }
  })();
  const header: core.Header = {
    chainId: CHAIN, number: 2n, parentHash: core.hashHeader(parent), txRoot: core.bytesToHex(core.computeTxRoot(txs, roots)),
    stateRoot: roots[roots.length - 1] ?? parent.stateRoot, exitRoot: core.ZERO_BYTES32, depositNonce, timestamp: 2_000n,
  };
  return { header, hash: core.hashHeader(header), txs, postRoots: roots, exits: [] };
}

/** What the verifier says of proof `p` (its `transition` on the decoded arguments). */
async function onChain(p: core.TransitionProof, parent: core.Header): Promise<{ fault: number; postStateRoot: string }> {
  const tx = p.tx.tx;
  const input = {
    domainSeparator, chainId: CHAIN, txRoot: p.header.txRoot, prevStateRoot: parent.stateRoot, prevDepositNonce: parent.depositNonce, depositNonce: p.header.depositNonce,
    depositRecord: tx.kind === core.TxKind.Deposit && deposits.has(tx.nonce) ? core.hashDeposit(deposits.get(tx.nonce)!) : core.ZERO_BYTES32,
  };
  const [fault, postStateRoot] = await verifier.transition(input, txWitnessTuple(p.tx), txWitnessTuple(p.preTx), p.accountsRoot, p.ledgerRoot, p.accounts.map(accountTuple));
  return { fault: Number(fault), postStateRoot };
}

describe('PlasmaFraudVerifier = core', () => {
  it('valid kinds 0-2: leaves, roots after every update and the post-state root agree', async () => {
    const { state, header } = block1();
    const b = new core.BlockBuilder({ parent: header, state, ctx: ctx(), timestamp: 2_000n });
    b.addDeposit(deposits.get(4n)!); // into alice's existing slot
    b.addSignedTx(sign(alice, { kind: core.TxKind.Transfer, slot: 0, to: addr(carol), token: ETH, amount: 3n * E, nonce: 0n })); // to a new slot
    b.addSignedTx(sign(bob, { kind: core.TxKind.Transfer, slot: 2, to: addr(alice), token: TOKEN, amount: 2n ** 255n - 1n, nonce: 0n })); // a new slot, huge
    b.addSignedTx(sign(bob, { kind: core.TxKind.Transfer, slot: 1, to: addr(alice), token: ETH, amount: 1n, nonce: 0n })); // existing slot
    b.addSignedTx(sign(alice, { kind: core.TxKind.Withdraw, slot: 0, to: addr(dave), token: ETH, amount: 7n * E, nonce: 1n }));
    const block = b.seal();
    const pre = block1().state;
    for (let i = 0; i < block.txs.length; i++) {
      const p = core.buildTransitionProof(block, i, header, pre, ctx(), { allowValid: true });
      expect(p.fault).toBe(core.TransitionFault.Valid);
      expect(await verifier.txLeaf(txWitnessTuple(p.tx))).toBe(core.hashTxLeaf(block.txs[i], block.postRoots[i], core.txExitIndexes(block.txs)[i]));
      expect(await verifier.txRootOf(txWitnessTuple(p.tx))).toBe(block.header.txRoot);
      for (const a of p.accounts) {
        expect(await verifier.accountLeaf(accountTuple(a))).toBe(a.owner === core.ZERO_ADDRESS ? core.ZERO_BYTES32 : core.hashAccount(a));
      }
      expect(await verifier.accountsRootOf(accountTuple(p.accounts[0]))).toBe(p.accountsRoot);
      expect(core.chainStateRoot(p.accountsRoot, p.ledgerRoot)).toBe(i === 0 ? header.stateRoot : block.postRoots[i - 1]);
      expect(await onChain(p, header)).toEqual({ fault: 0, postStateRoot: block.postRoots[i] });
    }
  });

  it('each single fault: the same fault code on both sides', async () => {
    const { state, header } = block1();
    const place = (tx: core.SpendTx, from: Wallet) => core.placeSignedTx(state, tx, ctx(), addr(from));
    const spend = (signer: Wallet, over: Partial<Omit<core.SpendTx, 'chainId' | 'signature'>> = {}, from = signer) =>
      place(sign(signer, { kind: core.TxKind.Transfer, slot: 0, to: addr(carol), token: ETH, amount: E, nonce: 0n, ...over }), from);
    const cases: { name: string; txs: core.BlockTx[]; roots?: core.Hex[]; depositNonce?: bigint; index?: number; fault: core.TransitionFault }[] = [
      { name: 'bad signature', txs: [spend(carol, {}, alice)], fault: core.TransitionFault.BadSignature },
      { name: 'zero amount', txs: [spend(alice, { amount: 0n })], roots: [id('x') as core.Hex], fault: core.TransitionFault.ZeroAmount },
      { name: 'self transfer', txs: [{ ...spend(alice), toSlot: 0 }], roots: [id('x') as core.Hex], fault: core.TransitionFault.SelfTransfer },
      { name: 'unknown slot', txs: [spend(alice, { slot: 9 })], roots: [id('x') as core.Hex], fault: core.TransitionFault.UnknownSlot },
      { name: 'slot owner', txs: [spend(carol, { slot: 0 })], roots: [id('x') as core.Hex], fault: core.TransitionFault.SlotOwnerMismatch },
      { name: 'slot token', txs: [spend(bob, { slot: 2 })], roots: [id('x') as core.Hex], fault: core.TransitionFault.SlotTokenMismatch },
      { name: 'nonce', txs: [spend(alice, { nonce: 1n })], roots: [id('x') as core.Hex], fault: core.TransitionFault.NonceMismatch },
      { name: 'overspend', txs: [spend(alice, { amount: 10n * E + 1n })], roots: [id('x') as core.Hex], fault: core.TransitionFault.InsufficientBalance },
      { name: 'slot occupied', txs: [{ ...spend(alice), toSlot: 1 }], roots: [id('x') as core.Hex], fault: core.TransitionFault.SlotOccupied },
      { name: 'post root', txs: [spend(alice)], roots: [id('x') as core.Hex], fault: core.TransitionFault.PostRootMismatch },
      { name: 'malformed (data in a transfer)', txs: [{ ...spend(alice), data: '0x00' }], roots: [id('x') as core.Hex], fault: core.TransitionFault.Malformed },
      { name: 'forged deposit', txs: [{ ...core.placeDeposit(state, deposits.get(4n)!), amount: 2n }], roots: [id('x') as core.Hex], depositNonce: 4n, fault: core.TransitionFault.DepositMismatch },
      { name: 'deposit twice', txs: [core.placeDeposit(state, deposits.get(3n)!)], roots: [id('x') as core.Hex], fault: core.TransitionFault.DepositOutOfOrder },
      { name: 'deposit beyond the header', txs: [core.placeDeposit(state, deposits.get(4n)!)], fault: core.TransitionFault.DepositBeyondHeader },
    ];
    for (const c of cases) {
      const block = block2(header, state, c.txs, c.roots, c.depositNonce);
      const p = core.buildTransitionProof(block, c.index ?? 0, header, state, ctx(), { allowValid: true });
      expect(core.TransitionFault[p.fault], c.name).toBe(core.TransitionFault[c.fault]);
      expect((await onChain(p, header)).fault, c.name).toBe(c.fault);
    }
  });

  it('the form of every kind: isMalformed = core', async () => {
    const base = core.EMPTY_TX;
    const w = (n: bigint) => `0x${n.toString(16).padStart(64, '0')}` as core.Hex;
    const variants: core.BlockTx[] = [];
    for (let kind = 0; kind <= 17; kind++) {
      variants.push({ ...base, kind });
      variants.push({ ...base, kind, slot: 1 }, { ...base, kind, toSlot: 1 }, { ...base, kind, from: addr(alice) }, { ...base, kind, to: addr(alice) });
      variants.push({ ...base, kind, token: TOKEN }, { ...base, kind, amount: 1n }, { ...base, kind, nonce: 1n }, { ...base, kind, r: w(1n) }, { ...base, kind, v: 27 });
      variants.push({ ...base, kind, data: '0x01' });
    }
    for (const t of variants) {
      const expected = core.isMalformedTx(t);
      expect(await verifier.isMalformed(txTuple(t), t.data), JSON.stringify(t, (_k, v) => (typeof v === 'bigint' ? String(v) : v))).toBe(expected);
    }
    expect(variants.filter((t) => core.isMalformedTx(t)).length).toBeGreaterThan(40);
  });

  it('the data of kinds 3-16: isMalformed = core on the canonical encoding and on every kind of broken one', async () => {
    const word = (label: string) => id(label) as core.Hex;
    const header: core.Header = {
      chainId: CHAIN, number: 7n, parentHash: word('p'), txRoot: word('t'), stateRoot: word('s'), exitRoot: word('e'), depositNonce: 3n, timestamp: 1_700_000_000n,
    };
    const siblings = (n: number) => Array.from({ length: n }, (_, i) => word(`sibling ${i}`));
    const account = { slot: 9, owner: addr(alice), token: TOKEN, balance: 5n, nonce: 2n, proof: siblings(32) };
    const data: Record<number, core.Hex> = {
      3: core.encodeDepositToChildData(CHAIN),
      4: core.encodeCommitChildData({ child: CHAIN, header, signatures: `0x${'ab'.repeat(65)}` }),
      5: core.encodeFinalizeChildExitData({ child: CHAIN, header, windowEnd: 99n, exit: { recipient: addr(bob), token: TOKEN, amount: 4n }, index: 1n, proof: siblings(16) }),
      6: core.encodeSpawnChildData({ validators: [addr(alice), addr(bob)], threshold: 2, challengeWindow: 100n, stallLimit: 0n }),
      7: core.encodeEdgeSendData({ fn: word('fn'), child: CHAIN, payload: '0x0102' }),
      8: core.encodeEdgeFromParentData({ fn: word('fn'), payload: `0x${'cd'.repeat(33)}` }),
      9: core.encodeEdgeFromChildData({ child: CHAIN, header, windowEnd: 99n, fn: word('fn'), payload: '0x05', index: 2n, proof: siblings(16) }),
      10: core.encodeProveChildFraudData({ child: CHAIN, fraudKind: 3, args: '0xabcd' }),
      11: core.encodeEscapeChildExitData({ child: CHAIN, head: header, windowEnd: 99n, ledgerRoot: word('ledger'), account }),
      12: core.encodeReclaimChildDepositData(CHAIN),
      13: core.encodeFreezeStalledChildData(CHAIN),
      14: core.encodeChallengeChildDataData({ child: CHAIN, header, windowEnd: 99n }),
      15: core.encodeChildDataCallData({ child: CHAIN, call: '0x12345678' }),
      16: core.encodeNestedEscapeCallData({ frozen: CHAIN, call: '0x12345678' }),
    };
    const setByte = (hex: core.Hex, at: number, value: number) => {
      const bytes = core.hexToBytes(hex);
      bytes[at] = value;
      return core.bytesToHex(bytes);
    };
    let checked = 0;
    let broken = 0;
    for (const [k, canonical] of Object.entries(data)) {
      const kind = Number(k) as core.TxKind;
      // Words of the kind's form; kinds 10 and 15 pay `to`, which must not be address(0).
      const words = { ...core.EMPTY_TX, kind, ...(kind === 10 || kind === 15 ? { to: addr(alice) } : {}) };
      const length = (canonical.length - 2) / 2;
      const variants: core.Hex[] = [
        canonical,
        `${canonical}${'00'.repeat(32)}` as core.Hex,
        `${canonical}01` as core.Hex,
        canonical.slice(0, -64) as core.Hex,
        '0x',
        setByte(canonical, length - 1, 0x01), // the last byte: padding of a trailing `bytes`, or a word's low byte
      ];
      // The top byte of each head word: fine for a bytes32, out of range for a narrower type, a wrong offset.
      for (let i = 0; i < Math.min(length / 32, 20); i++) variants.push(setByte(canonical, i * 32, 0xff), setByte(canonical, i * 32 + 31, 0x07));
      for (const variant of variants) {
        const t = { ...words, data: variant };
        const expected = core.isMalformedTx(t);
        expect(await verifier.isMalformed(txTuple(t), t.data), `kind ${kind} data ${variant.slice(0, 80)}… (${variant.length} chars)`).toBe(expected);
        if (variant === canonical) expect(expected, `kind ${kind}: the canonical data is well formed`).toBe(false);
        checked++;
        if (expected) broken++;
      }
    }
    expect(checked).toBeGreaterThan(300);
    // Both answers occur often: the broken encodings and the harmless changes (a bytes32 word, a low byte of a wide word).
    expect(broken).toBeGreaterThan(100);
    expect(checked - broken).toBeGreaterThan(100);
  });

  it('the size rule (docs/LEDGER-PROOFS.md): data of exactly MAX_TX_DATA_BYTES is well formed, one byte or one word more is malformed, on both sides', async () => {
    expect(await verifier.MAX_TX_DATA_BYTES()).toBe(BigInt(core.MAX_TX_DATA_BYTES));
    expect(core.MAX_TX_DATA_BYTES + core.PUBLISHED_TX_FIXED_BYTES).toBe(core.MAX_TX_PUBLICATION_BYTES);
    const zeros = (n: number) => `0x${'00'.repeat(n)}` as core.Hex;
    const bytes = (hex: core.Hex) => (hex.length - 2) / 2;
    // Kinds 10 (args) and 15 (call): the unbounded ones, at the bound in their canonical encodings (3 head words and
    // the length word before args; 2 and the length word before call).
    const at = {
      10: core.encodeProveChildFraudData({ child: CHAIN, fraudKind: 3, args: zeros(core.MAX_TX_DATA_BYTES - 128) }),
      15: core.encodeChildDataCallData({ child: CHAIN, call: zeros(core.MAX_TX_DATA_BYTES - 96) }),
    };
    const over = {
      10: core.encodeProveChildFraudData({ child: CHAIN, fraudKind: 3, args: zeros(core.MAX_TX_DATA_BYTES - 128 + 1) }),
      15: core.encodeChildDataCallData({ child: CHAIN, call: zeros(core.MAX_TX_DATA_BYTES - 96 + 1) }),
    };
    for (const kind of [10, 15] as const) {
      const words = { ...core.EMPTY_TX, kind, to: addr(alice) };
      const cases: [string, core.Hex, boolean][] = [
        ['exactly at the bound', at[kind], false],
        ['one byte more (not canonical either)', `${at[kind]}00` as core.Hex, true],
        ['one byte more of its bytes (a canonical word more)', over[kind], true],
        ['a word less', kind === 10 ? core.encodeProveChildFraudData({ child: CHAIN, fraudKind: 3, args: zeros(core.MAX_TX_DATA_BYTES - 160) }) : core.encodeChildDataCallData({ child: CHAIN, call: zeros(core.MAX_TX_DATA_BYTES - 128) }), false],
      ];
      for (const [what, data, malformed] of cases) {
        const t = { ...words, data };
        if (what === 'exactly at the bound') {
          expect(bytes(data)).toBe(core.MAX_TX_DATA_BYTES);
          expect(core.publicationSize(t)).toBe(core.MAX_TX_PUBLICATION_BYTES);
        }
        expect(core.isMalformedTx(t), `core: kind ${kind}, ${what}`).toBe(malformed);
        expect(await verifier.isMalformed(txTuple(t), t.data), `verifier: kind ${kind}, ${what}`).toBe(malformed);
      }
    }
    // Every kind with data over the bound (kinds 0-2 too), and a short one, agree.
    for (let kind = 0; kind <= 15; kind++) {
      for (const data of [zeros(core.MAX_TX_DATA_BYTES + 1), zeros(core.MAX_TX_DATA_BYTES + 64)]) {
        const t = { ...core.EMPTY_TX, kind, data };
        expect(core.isMalformedTx(t), `kind ${kind}`).toBe(true);
        expect(await verifier.isMalformed(txTuple(t), t.data), `kind ${kind}`).toBe(true);
      }
    }
  });

  it('the edge kinds\' stated effects (SPEC v4, EdgeWrite[]): isMalformed = core, and core\'s encoders = ethers', async () => {
    const abi = AbiCoder.defaultAbiCoder();
    const word = (label: string) => id(label) as core.Hex;
    const header: core.Header = {
      chainId: CHAIN, number: 7n, parentHash: word('p'), txRoot: word('t'), stateRoot: word('s'), exitRoot: word('e'), depositNonce: 3n, timestamp: 1_700_000_000n,
    };
    const proof = Array.from({ length: 16 }, (_, i) => word(`sibling ${i}`));
    const writesOf = (n: number, offset = 0): core.EdgeWrite[] =>
      Array.from({ length: n }, (_, i) => ({ keyHash: word(`key ${i + offset}`), value: i % 3 === 2 ? '0x' : (`0x${'5a'.repeat(i * 7 + 3)}` as core.Hex) }));
    const WRITES = 'tuple(bytes32,bytes)[]';
    const HEADER = 'tuple(bytes32,uint64,bytes32,bytes32,bytes32,bytes32,uint64,uint64)';
    const tuples = (writes: readonly core.EdgeWrite[]) => writes.map((w) => [w.keyHash, w.value]);
    // ethers' encodings (any writes: 17, a key twice), and where each kind's writes offset sits in its head.
    const encode = {
      7: (writes: readonly core.EdgeWrite[]) => abi.encode(['bytes32', 'bytes32', 'bytes', WRITES], [word('fn'), CHAIN, '0x0102', tuples(writes)]) as core.Hex,
      8: (writes: readonly core.EdgeWrite[], status = 1) => abi.encode(['bytes32', 'bytes', 'uint8', WRITES], [word('fn'), `0x${'cd'.repeat(33)}`, status, tuples(writes)]) as core.Hex,
      9: (writes: readonly core.EdgeWrite[]) => abi.encode(
        ['bytes32', HEADER, 'uint64', 'bytes32', 'bytes', 'uint256', 'bytes32[]', WRITES],
        [CHAIN, headerTuple(header), 99n, word('fn'), '0x05', 2n, proof, tuples(writes)],
      ) as core.Hex,
    };
    const writesWord = { 7: 3, 8: 3, 9: 14 } as const;
    const tx = (kind: 7 | 8 | 9, data: core.Hex): core.BlockTx => ({ ...core.EMPTY_TX, kind, data });
    const agree = async (kind: 7 | 8 | 9, data: core.Hex, malformed: boolean | undefined, what: string) => {
      const t = tx(kind, data);
      const expected = core.isMalformedTx(t);
      if (malformed !== undefined) expect(expected, `core: kind ${kind}, ${what}`).toBe(malformed);
      expect(await verifier.isMalformed(txTuple(t), t.data), `kind ${kind}, ${what}`).toBe(expected);
      return expected;
    };

    // Canonical: core's encoders are ethers' encodings; none, some (an empty value among them) and the most writes.
    for (const n of [0, 1, 3, core.MAX_EDGE_WRITES]) {
      const writes = writesOf(n);
      expect(core.encodeEdgeSendData({ fn: word('fn'), child: CHAIN, payload: '0x0102', writes })).toBe(encode[7](writes));
      expect(core.encodeEdgeFromParentData({ fn: word('fn'), payload: `0x${'cd'.repeat(33)}`, status: 1, writes })).toBe(encode[8](writes));
      expect(core.encodeEdgeFromChildData({ child: CHAIN, header, windowEnd: 99n, fn: word('fn'), payload: '0x05', index: 2n, proof, writes })).toBe(encode[9](writes));
      for (const kind of [7, 8, 9] as const) await agree(kind, encode[kind](writes), false, `${n} writes`);
      await agree(8, encode[8](writes, 2), false, `${n} writes, status 2 (failed)`);
      expect(core.decodeEdgeFromParentData(encode[8](writes)).writes).toEqual(writes);
    }
    // Refused by both: kind 8's status out of {1, 2}, more than MAX_EDGE_WRITES writes, a key hash twice.
    for (const status of [0, 3, 255]) await agree(8, encode[8](writesOf(2), status), true, `status ${status}`);
    const twice = [...writesOf(2), { keyHash: word('key 0'), value: '0x77' as core.Hex }];
    for (const kind of [7, 8, 9] as const) {
      await agree(kind, encode[kind](writesOf(core.MAX_EDGE_WRITES + 1)), true, `${core.MAX_EDGE_WRITES + 1} writes`);
      await agree(kind, encode[kind](twice), true, 'a key hash twice');
      // The same key hash with the same value twice, and twice in a row.
      await agree(kind, encode[kind]([...writesOf(1), ...writesOf(1)]), true, 'an element repeated');
    }

    const at = (hex: core.Hex, offset: number) => Number(BigInt(`0x${hex.slice(2 + offset * 2, 2 + offset * 2 + 64)}`));
    const withWord = (bytes: Uint8Array, offset: number, value: bigint) => bytes.set(core.hexToBytes(`0x${value.toString(16).padStart(64, '0')}` as core.Hex), offset);
    let checked = 0;
    let broken = 0;
    for (const kind of [7, 8, 9] as const) {
      const canonical = encode[kind](writesOf(3));
      const array = at(canonical, writesWord[kind] * 32); // the array's length word
      const element = (i: number) => array + 32 + at(canonical, array + 32 + i * 32);
      // A non-canonical element offset: 32 zero bytes before element 0 and both offsets moved past them (ABI-decodable).
      const gap = core.hexToBytes(canonical);
      const moved = new Uint8Array(gap.length + 32);
      moved.set(gap.subarray(0, element(0)));
      moved.set(gap.subarray(element(0)), element(0) + 32);
      for (let i = 0; i < 3; i++) withWord(moved, array + 32 + i * 32, BigInt(at(canonical, array + 32 + i * 32) + 32));
      if (kind === 7) expect(abi.decode(['bytes32', 'bytes32', 'bytes', WRITES], core.bytesToHex(moved))[3]).toHaveLength(3); // ethers reads it
      await agree(kind, core.bytesToHex(moved), true, 'an element offset past a gap');
      // Element 1's value (10 bytes) with a dirty padding byte.
      const dirty = core.hexToBytes(canonical);
      dirty[element(1) + 96 + 31] = 0x01;
      await agree(kind, core.bytesToHex(dirty), true, 'dirty value padding');
      // Element 0's value offset not 64.
      const valueAt = core.hexToBytes(canonical);
      withWord(valueAt, element(0) + 32, 96n);
      await agree(kind, core.bytesToHex(valueAt), true, 'a value offset of 96');
      // Every word of the data: its top byte and its low byte changed (offsets, lengths, key hashes, values).
      for (let i = 0; i < (canonical.length - 2) / 64; i++) {
        for (const [offset, value] of [[i * 32, 0xff], [i * 32 + 31, 0x07]] as const) {
          const bytes = core.hexToBytes(canonical);
          bytes[offset] = value;
          if (await agree(kind, core.bytesToHex(bytes), undefined, `byte ${offset} = ${value}`)) broken++;
          checked++;
        }
      }
    }
    expect(checked).toBeGreaterThan(150);
    expect(broken).toBeGreaterThan(50);
    expect(checked - broken).toBeGreaterThan(20);
  });

  it('which txs make an exit and which leaf: makesExit and expectedExitLeaf = core (withdrawals, up and down edge calls)', async () => {
    const abi = AbiCoder.defaultAbiCoder();
    const fn = id('some edge function') as core.Hex;
    const edge = (child: string, payload: string) => abi.encode(['bytes32', 'bytes32', 'bytes', 'tuple(bytes32,bytes)[]'], [fn, child, payload, []]) as core.Hex;
    const txs: core.BlockTx[] = [
      { ...core.EMPTY_TX, kind: core.TxKind.Withdraw, to: addr(bob), token: TOKEN, amount: 5n },
      { ...core.EMPTY_TX, kind: core.TxKind.EdgeSend, from: addr(alice), data: edge(core.ZERO_BYTES32, '0x0102') },
      { ...core.EMPTY_TX, kind: core.TxKind.EdgeSend, from: addr(alice), data: edge(id('a child'), '0x0102') },
      { ...core.EMPTY_TX, kind: core.TxKind.EdgeSend, data: '0x01' },
      ...[0, 1, 3, 4, 5, 6, 8, 9, 10, 11, 12].map((kind) => ({ ...core.EMPTY_TX, kind, data: edge(core.ZERO_BYTES32, '0x') })),
    ];
    for (const t of txs) {
      expect(await verifier.makesExit(txTuple(t), t.data), `kind ${t.kind}`).toBe(core.makesExit(t));
      if (core.makesExit(t)) expect(await verifier.expectedExitLeaf(CHAIN, txTuple(t), t.data)).toBe(core.exitLeafOfTx(t, CHAIN));
    }
    expect(txs.filter((t) => core.makesExit(t)).length).toBe(2);
    expect(core.txExitIndexes(txs).slice(0, 4)).toEqual([0, 1, 2, 2]);
  });
});

describe('core encoders = ethers on PlasmaRoot\'s ABI', () => {
  it('every proof call, the escape calls and the witnesses', () => {
    const rootAbi = new Interface(loadArtifact('PlasmaRoot').abi);
    const { state, header } = block1();
    const block = block2(header, state, [core.placeSignedTx(state, sign(alice, { kind: core.TxKind.Transfer, slot: 0, to: addr(carol), token: ETH, amount: E, nonce: 0n }), ctx(), addr(alice))], [id('lie') as core.Hex]);
    const p = core.buildTransitionProof(block, 0, header, state, ctx());
    const windows = { windowEnd: 123n, prevWindowEnd: 45n };
    const common = [CHAIN, headerTuple(p.header), windows.windowEnd, headerTuple(p.prev), windows.prevWindowEnd];
    expect(core.encodeFraudProofCall(CHAIN, p, windows)).toBe(
      rootAbi.encodeFunctionData('proveInvalidTransition', [...common, txWitnessTuple(p.tx), txWitnessTuple(p.preTx), p.accountsRoot, p.ledgerRoot, p.accounts.map(accountTuple)]),
    );
    const dataTx = { ...p.tx, tx: { ...p.tx.tx, kind: core.TxKind.EdgeSend, data: `0x${'ab'.repeat(37)}` as core.Hex } };
    for (const kind of [core.FraudKind.MissingDownEvent, core.FraudKind.MalformedTx] as const) {
      const name = kind === core.FraudKind.MissingDownEvent ? 'proveMissingDownEvent' : 'proveMalformedTx';
      expect(core.encodeFraudProofCall(CHAIN, { kind, header: p.header, prev: p.prev, tx: dataTx }, windows)).toBe(rootAbi.encodeFunctionData(name, [...common, txWitnessTuple(dataTx)]));
    }
    expect(core.encodeFraudProofCall(CHAIN, { kind: core.FraudKind.BadTimestamp, header: p.header, prev: p.prev }, windows)).toBe(rootAbi.encodeFunctionData('proveBadTimestamp', common));
    const eq = core.buildEquivocationProof(block.header, `0x${'11'.repeat(65)}`, { ...block.header, timestamp: 1n }, `0x${'22'.repeat(130)}`, header);
    expect(core.encodeFraudProofCall(CHAIN, eq, windows)).toBe(
      rootAbi.encodeFunctionData('proveEquivocation', [CHAIN, headerTuple(eq.header), eq.signatures, headerTuple(eq.header2), eq.signatures2, windows.windowEnd, headerTuple(eq.prev), windows.prevWindowEnd]),
    );
    const exit: core.ExitWitness = { leaf: id('leaf') as core.Hex, index: 3, proof: Array.from({ length: 16 }, (_, i) => id(`sibling ${i}`) as core.Hex) };
    const ie: core.InvalidExitsProof = { kind: core.FraudKind.InvalidExits, header: p.header, prev: p.prev, tx: { ...dataTx, exitIndex: 7 }, next: p.tx, exit };
    expect(core.encodeFraudProofCall(CHAIN, ie, windows)).toBe(
      rootAbi.encodeFunctionData('proveInvalidExits', [...common, txWitnessTuple(ie.tx), txWitnessTuple(ie.next), [exit.leaf, exit.index, exit.proof]]),
    );
    expect(core.decodeFraudProofArgs(core.FraudKind.InvalidExits, core.encodeFraudProofArgs(ie, windows))).toEqual({ proof: ie, windows });
    const escape = core.buildEscapeExitProof(state, 1);
    expect(core.encodeEscapeExitCall(CHAIN, header, 9n, escape)).toBe(rootAbi.encodeFunctionData('escapeExit', [CHAIN, headerTuple(header), 9n, escape.ledgerRoot, accountTuple(escape.account)]));
    const d = deposits.get(3n)!;
    expect(core.encodeReclaimDepositCall(d)).toBe(rootAbi.encodeFunctionData('reclaimDeposit', [d.chainId, d.nonce, d.from, d.to, d.token, d.amount]));
    const abi = AbiCoder.defaultAbiCoder();
    const TX = 'tuple(tuple(uint8,uint32,uint32,address,address,address,uint256,uint64,bytes32,bytes32,uint8),bytes,bytes32,uint64,uint256,bytes32[16])';
    expect(core.encodeTxWitness(dataTx)).toBe(abi.encode([TX], [txWitnessTuple(dataTx)]));
    expect(core.encodeAccountWitness(escape.account)).toBe(abi.encode(['tuple(uint32,address,address,uint256,uint64,bytes32[32])'], [accountTuple(escape.account)]));
    for (const [name, signature] of Object.entries(core.FRAUD_SIGNATURES)) expect(rootAbi.getFunction(name)!.format('sighash'), name).toBe(signature);
  });
});
