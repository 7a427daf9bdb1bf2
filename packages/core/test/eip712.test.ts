import { Signature, TypedDataEncoder, Wallet } from 'ethers';
import { describe, expect, it } from 'vitest';
import {
  CHALLENGE_CHILD_DATA_TYPES,
  challengeChildDataDigest,
  hashHeader,
  COMMITMENT_TYPES,
  DEPOSIT_TO_CHILD_TYPES,
  EDGE_CALL_TYPES,
  EIP712_DOMAIN_FIELDS,
  EIP712_DOMAIN_TYPE,
  EIP712_TYPES,
  SPAWN_CHILD_TYPES,
  TRANSFER_TYPES,
  TxKind,
  WITHDRAW_TYPES,
  bytesToHex,
  commitmentDigest,
  depositToChildDigest,
  domainSeparator,
  edgeCallDigest,
  edgePayloadHash,
  encodeType,
  hexToBytes,
  initCore,
  joinSignature,
  nativeSecp256k1Scheme,
  nobleSecp256k1Scheme,
  plasmaDomain,
  secp256k1Scheme,
  signedTxDigest,
  signedTxTypedData,
  spawnChildDigest,
  splitSignature,
  transferDigest,
  validatorSetHash,
  withdrawDigest,
  type Hex,
  type SignatureScheme,
  type UnsignedTx,
} from '../src/index.js';
import { CHAIN_ID, DOMAIN, OTHER_CHAIN_ID, ROOT_CONTRACT, TOKEN, alice, bob } from './fixtures.js';

const transfer = { chainId: CHAIN_ID, slot: 4, to: bob.address, token: TOKEN, amount: 10n ** 18n, nonce: 3n };
const withdraw = { chainId: CHAIN_ID, slot: 4, recipient: bob.address, token: TOKEN, amount: 5n, nonce: 4n };
const SECP256K1_N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;

const schemes: SignatureScheme[] = [nobleSecp256k1Scheme, ...(nativeSecp256k1Scheme ? [nativeSecp256k1Scheme] : [])];

describe('EIP-712 digests equal ethers TypedDataEncoder', () => {
  it('type strings are the SPEC ones', () => {
    expect(encodeType('Transfer')).toBe('Transfer(bytes32 chainId,uint32 slot,address to,address token,uint256 amount,uint64 nonce)');
    expect(encodeType('Withdraw')).toBe('Withdraw(bytes32 chainId,uint32 slot,address recipient,address token,uint256 amount,uint64 nonce)');
    expect(encodeType('Commitment')).toBe('Commitment(bytes32 chainId,uint64 number,bytes32 blockHash)');
    expect(TypedDataEncoder.from(TRANSFER_TYPES).encodeType('Transfer')).toBe(encodeType('Transfer'));
  });

  it('domain type', () => {
    expect(EIP712_DOMAIN_TYPE).toBe('EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)');
    expect(TypedDataEncoder.getPrimaryType({ EIP712Domain: EIP712_DOMAIN_FIELDS })).toBe('EIP712Domain');
  });

  it('domain separator', () => {
    expect(domainSeparator(DOMAIN)).toBe(TypedDataEncoder.hashDomain(DOMAIN));
    const mainnet = plasmaDomain(1, ROOT_CONTRACT);
    expect(domainSeparator(mainnet)).toBe(TypedDataEncoder.hashDomain(mainnet));
    expect(domainSeparator(mainnet)).not.toBe(domainSeparator(DOMAIN));
  });

  it('transfer, withdraw and commitment', () => {
    expect(transferDigest(DOMAIN, transfer)).toBe(TypedDataEncoder.hash(DOMAIN, TRANSFER_TYPES, transfer));
    expect(withdrawDigest(DOMAIN, withdraw)).toBe(TypedDataEncoder.hash(DOMAIN, WITHDRAW_TYPES, withdraw));
    const blockHash: Hex = `0x${'9c'.repeat(32)}`;
    expect(commitmentDigest(DOMAIN, CHAIN_ID, 12n, blockHash)).toBe(
      TypedDataEncoder.hash(DOMAIN, COMMITMENT_TYPES, { chainId: CHAIN_ID, number: 12n, blockHash }),
    );
  });

  it('ChallengeChildData (docs/FRAUD.md §9b): the header named by number, hash and windowEnd', () => {
    expect(encodeType('ChallengeChildData')).toBe(
      'ChallengeChildData(bytes32 chainId,uint32 slot,bytes32 child,uint64 number,bytes32 blockHash,uint64 windowEnd,uint256 bond,uint64 nonce)',
    );
    const header = {
      chainId: OTHER_CHAIN_ID, number: 2n ** 64n - 1n, parentHash: `0x${'11'.repeat(32)}`, txRoot: `0x${'22'.repeat(32)}`, stateRoot: `0x${'33'.repeat(32)}`,
      exitRoot: `0x${'44'.repeat(32)}`, depositNonce: 5n, timestamp: 1_700_000_000n,
    } as const;
    const message = { chainId: CHAIN_ID, slot: 2 ** 32 - 1, child: OTHER_CHAIN_ID, number: header.number, blockHash: hashHeader(header), windowEnd: 2n ** 64n - 1n, bond: 10n ** 16n, nonce: 9n };
    expect(challengeChildDataDigest(DOMAIN, message)).toBe(TypedDataEncoder.hash(DOMAIN, CHALLENGE_CHILD_DATA_TYPES, message));
    const tx = { kind: TxKind.ChallengeChildData as const, chainId: CHAIN_ID, slot: message.slot, child: OTHER_CHAIN_ID, header, windowEnd: message.windowEnd, bond: message.bond, nonce: 9n };
    expect(signedTxDigest(DOMAIN, tx)).toBe(challengeChildDataDigest(DOMAIN, message));
    // Another header of the same height is another message.
    expect(signedTxDigest(DOMAIN, { ...tx, header: { ...header, txRoot: `0x${'55'.repeat(32)}` } })).not.toBe(challengeChildDataDigest(DOMAIN, message));
  });

  it('DepositToChild and SpawnChild (the tree kinds, docs/TREE.md §3)', () => {
    expect(encodeType('DepositToChild')).toBe('DepositToChild(bytes32 chainId,uint32 slot,bytes32 child,address to,address token,uint256 amount,uint64 nonce)');
    expect(encodeType('SpawnChild')).toBe(
      'SpawnChild(bytes32 chainId,uint32 slot,bytes32 validatorsHash,uint8 threshold,uint64 challengeWindow,uint64 stallLimit,uint256 bond,uint64 nonce)',
    );
    const deposit = { chainId: CHAIN_ID, slot: 2 ** 32 - 1, child: OTHER_CHAIN_ID, to: bob.address, token: TOKEN, amount: 2n ** 256n - 1n, nonce: 2n ** 64n - 1n };
    expect(depositToChildDigest(DOMAIN, deposit)).toBe(TypedDataEncoder.hash(DOMAIN, DEPOSIT_TO_CHILD_TYPES, deposit));
    expect(signedTxDigest(DOMAIN, { ...deposit, kind: TxKind.DepositToChild })).toBe(depositToChildDigest(DOMAIN, deposit));

    const validators = [bob.address, alice.address];
    // validatorsHash is how EIP-712 encodes an address[] member: keccak of one padded word per validator, in order.
    const encoded = TypedDataEncoder.from({ V: [{ name: 'v', type: 'address[]' }] }).encodeData('V', { v: validators });
    expect(validatorSetHash(validators)).toBe(`0x${encoded.slice(2 + 64)}`);
    const spawn = { chainId: CHAIN_ID, slot: 7, validatorsHash: validatorSetHash(validators), threshold: 255, challengeWindow: 86_400n, stallLimit: 0n, bond: 10n ** 16n, nonce: 3n };
    expect(spawnChildDigest(DOMAIN, spawn)).toBe(TypedDataEncoder.hash(DOMAIN, SPAWN_CHILD_TYPES, spawn));
    const spawnTx = { kind: TxKind.SpawnChild as const, chainId: CHAIN_ID, slot: 7, validators, threshold: 255, challengeWindow: 86_400n, bond: 10n ** 16n, nonce: 3n };
    // No stallLimit = 0 = the default: the same message.
    expect(signedTxDigest(DOMAIN, spawnTx)).toBe(spawnChildDigest(DOMAIN, spawn));
    expect(signedTxDigest(DOMAIN, { ...spawnTx, stallLimit: 0n })).toBe(spawnChildDigest(DOMAIN, spawn));
    expect(signedTxDigest(DOMAIN, { ...spawnTx, validators: [...validators].reverse() })).not.toBe(spawnChildDigest(DOMAIN, spawn));
    // The stall limit is signed (docs/FRAUD.md §8): another limit is another message.
    const limited = { ...spawn, stallLimit: 3_600n * 48n };
    expect(encodeType('SpawnChild')).toBe('SpawnChild(bytes32 chainId,uint32 slot,bytes32 validatorsHash,uint8 threshold,uint64 challengeWindow,uint64 stallLimit,uint256 bond,uint64 nonce)');
    expect(spawnChildDigest(DOMAIN, limited)).toBe(TypedDataEncoder.hash(DOMAIN, SPAWN_CHILD_TYPES, limited));
    expect(spawnChildDigest(DOMAIN, limited)).not.toBe(spawnChildDigest(DOMAIN, spawn));
    expect(signedTxDigest(DOMAIN, { ...spawnTx, stallLimit: limited.stallLimit })).toBe(spawnChildDigest(DOMAIN, limited));
  });

  it('EdgeCall (docs/EDGE.md): the payload is signed as its hash, child = 0 for an up call', () => {
    expect(encodeType('EdgeCall')).toBe('EdgeCall(bytes32 chainId,uint32 slot,bytes32 fn,bytes32 child,bytes32 payloadHash,uint64 nonce)');
    const payload: Hex = '0xdeadbeef';
    const call = { chainId: CHAIN_ID, slot: 2 ** 32 - 1, fn: `0x${'ab'.repeat(32)}` as Hex, child: OTHER_CHAIN_ID, payloadHash: edgePayloadHash(payload), nonce: 2n ** 64n - 1n };
    expect(edgeCallDigest(DOMAIN, call)).toBe(TypedDataEncoder.hash(DOMAIN, EDGE_CALL_TYPES, call));
    const tx = { kind: TxKind.EdgeSend as const, chainId: CHAIN_ID, slot: call.slot, fn: call.fn, child: OTHER_CHAIN_ID, payload, nonce: call.nonce };
    expect(signedTxDigest(DOMAIN, tx)).toBe(edgeCallDigest(DOMAIN, call));
    expect(signedTxDigest(DOMAIN, { ...tx, payload: '0xdeadbeee' })).not.toBe(edgeCallDigest(DOMAIN, call));
    const up = { ...call, child: `0x${'00'.repeat(32)}` as Hex };
    expect(signedTxDigest(DOMAIN, { ...tx, child: up.child })).toBe(TypedDataEncoder.hash(DOMAIN, EDGE_CALL_TYPES, up));
  });

  it('signedTxDigest picks the type by kind', () => {
    const base = { chainId: CHAIN_ID, slot: 4, to: bob.address, token: TOKEN, amount: 5n, nonce: 4n };
    expect(signedTxDigest(DOMAIN, { ...base, kind: TxKind.Transfer })).toBe(transferDigest(DOMAIN, base));
    expect(signedTxDigest(DOMAIN, { ...base, kind: TxKind.Withdraw })).toBe(withdrawDigest(DOMAIN, { ...base, recipient: base.to }));
    expect(() => signedTxDigest(DOMAIN, { ...base, kind: TxKind.Deposit as never })).toThrow(expect.objectContaining({ code: 'MALFORMED_TX' }));
    expect(() => signedTxDigest(DOMAIN, { ...base, kind: TxKind.CommitChild as never })).toThrow(expect.objectContaining({ code: 'MALFORMED_TX' }));
  });

  it('the digest binds the child chain id and the domain', () => {
    const digest = transferDigest(DOMAIN, transfer);
    expect(transferDigest(DOMAIN, { ...transfer, chainId: OTHER_CHAIN_ID })).not.toBe(digest);
    expect(transferDigest(plasmaDomain(1n, ROOT_CONTRACT), transfer)).not.toBe(digest);
    expect(transferDigest(plasmaDomain(31337n, bob.address), transfer)).not.toBe(digest);
  });

  it('a domain mutated in place is not served a stale cached separator', () => {
    const domain = plasmaDomain(5n, ROOT_CONTRACT);
    const before = domainSeparator(domain);
    domain.chainId = 6n;
    expect(domainSeparator(domain)).not.toBe(before);
    expect(domainSeparator(domain)).toBe(TypedDataEncoder.hashDomain(domain));
  });
});

describe('wallet signatures', () => {
  const wallet = new Wallet(alice.key);

  it('the native libsecp256k1 binding is loaded (the pure-JS fallback is ~20x slower)', async () => {
    expect(nativeSecp256k1Scheme).toBeDefined();
    expect(secp256k1Scheme).toBe(nativeSecp256k1Scheme);
    expect(await initCore({ requireFast: true })).toEqual({ keccak: 'hash-wasm', secp256k1: 'libsecp256k1' });
  });

  it('ethers signTypedData (through signedTxTypedData) recovers to the signer with every scheme', async () => {
    const txs: UnsignedTx[] = [
      ...([TxKind.Transfer, TxKind.Withdraw] as const).map((kind) => ({ kind, chainId: CHAIN_ID, slot: 1, to: bob.address, token: TOKEN, amount: 99n, nonce: 0n })),
      { kind: TxKind.DepositToChild, chainId: CHAIN_ID, slot: 1, child: OTHER_CHAIN_ID, to: bob.address, token: TOKEN, amount: 99n, nonce: 0n },
      { kind: TxKind.SpawnChild, chainId: CHAIN_ID, slot: 1, validators: [bob.address], threshold: 1, challengeWindow: 60n, bond: 10n ** 16n, nonce: 0n },
      { kind: TxKind.EdgeSend, chainId: CHAIN_ID, slot: 1, fn: `0x${'cd'.repeat(32)}`, child: OTHER_CHAIN_ID, payload: '0x0102', nonce: 0n },
    ];
    for (const tx of txs) {
      const typed = signedTxTypedData(DOMAIN, tx);
      const signature = (await wallet.signTypedData(typed.domain, typed.types, typed.message)) as Hex;
      for (const scheme of schemes) expect(scheme.recover(signedTxDigest(DOMAIN, tx), signature)).toBe(alice.address);
    }
  });

  it('our signatures equal ethers signatures (RFC 6979) and both schemes agree', () => {
    const digest = transferDigest(DOMAIN, transfer);
    const expected = wallet.signingKey.sign(digest).serialized;
    for (const scheme of schemes) {
      expect(scheme.sign(digest, alice.key)).toBe(expected);
      expect(scheme.sign(hexToBytes(digest), hexToBytes(alice.key))).toBe(expected);
      expect(scheme.addressOf(alice.key)).toBe(wallet.address.toLowerCase());
    }
  });

  it('refuses high-s, bad v, bad length and r/s out of range, with every scheme', () => {
    const digest = transferDigest(DOMAIN, transfer);
    const good = secp256k1Scheme.sign(digest, alice.key);
    const { r, s, v } = splitSignature(good);
    const highS = `0x${(SECP256K1_N - BigInt(s)).toString(16).padStart(64, '0')}` as Hex;
    const highSSignature = `${r}${highS.slice(2)}${(v === 27 ? 28 : 27).toString(16)}` as Hex;
    // The malleable twin (n - s, flipped v) is valid ECDSA; EIP-2 and the SPEC refuse it (ethers too).
    expect(() => Signature.from(highSSignature)).not.toThrow();
    const bad: [string, Hex][] = [
      ['high s', highSSignature],
      ['v = 0', `${good.slice(0, -2)}00` as Hex],
      ['v = 29', `${good.slice(0, -2)}1d` as Hex],
      ['64 bytes', good.slice(0, -2) as Hex],
      ['r = 0', `0x${'00'.repeat(32)}${good.slice(66)}` as Hex],
      ['s = 0', `${r}${'00'.repeat(32)}${good.slice(-2)}` as Hex],
      ['r = n', `0x${SECP256K1_N.toString(16)}${good.slice(66)}` as Hex],
      ['not hex', '0xnothex'],
    ];
    for (const scheme of schemes) {
      expect(scheme.recover(digest, good)).toBe(alice.address);
      for (const [name, signature] of bad) {
        expect(() => scheme.recover(digest, signature), `${scheme.name}: ${name}`).toThrow(expect.objectContaining({ code: 'BAD_SIGNATURE' }));
      }
    }
  });

  it('a signature over another digest recovers someone else (the STF then refuses it)', () => {
    const signature = secp256k1Scheme.sign(transferDigest(DOMAIN, transfer), alice.key);
    const other = transferDigest(DOMAIN, { ...transfer, amount: transfer.amount + 1n });
    for (const scheme of schemes) expect(scheme.recover(other, signature)).not.toBe(alice.address);
  });

  it('rejects invalid private keys without echoing them', () => {
    for (const key of ['0x00', `0x${'00'.repeat(32)}`, `0x${SECP256K1_N.toString(16)}`] as Hex[]) {
      for (const scheme of schemes) {
        expect(() => scheme.sign(`0x${'11'.repeat(32)}`, key)).toThrow(expect.objectContaining({ code: 'INVALID_PRIVATE_KEY' }));
      }
    }
  });

  it('split and join are inverse', () => {
    const signature = secp256k1Scheme.sign(bytesToHex(new Uint8Array(32).fill(1)), bob.key);
    expect(joinSignature(splitSignature(signature))).toBe(signature);
  });

  it('EIP712_TYPES carries the seven primary types and is frozen', () => {
    expect(Object.keys(EIP712_TYPES).sort()).toEqual(['ChallengeChildData', 'Commitment', 'DepositToChild', 'EdgeCall', 'SpawnChild', 'Transfer', 'Withdraw']);
    expect(Object.isFrozen(EIP712_TYPES.Transfer)).toBe(true);
  });
});
