import { expect } from 'vitest';
import {
  ChainState,
  PlasmaError,
  type ParentLedger,
  NATIVE_TOKEN,
  ROOT_CHAIN_ID,
  TxKind,
  bytesToHex,
  chainIdOf,
  hashDeposit,
  keccak256,
  plasmaDomain,
  secp256k1Scheme,
  signedTxDigest,
  type Address,
  type BlockContext,
  type Deposit,
  type Hex,
  type SpendTx,
  type StfContext,
} from '../src/index.js';

export const CHAIN_ID = chainIdOf(ROOT_CHAIN_ID, 0);
export const OTHER_CHAIN_ID = chainIdOf(ROOT_CHAIN_ID, 1);
export const ROOT_CONTRACT: Address = '0x5fbdb2315678afecb367f032d93f642f64180aa3';
export const DOMAIN = plasmaDomain(31337n, ROOT_CONTRACT);
export const TOKEN: Address = '0x' + 'ab'.repeat(20) as Address;
export const ETH = NATIVE_TOKEN;

/** The EIP-55 form with one letter's case flipped: the same bytes, a wrong checksum. */
export function breakChecksum(checksummed: string): string {
  const i = [...checksummed].findIndex((c, k) => k > 1 && /[a-f]/i.test(c));
  const c = checksummed[i];
  return checksummed.slice(0, i) + (c === c.toLowerCase() ? c.toUpperCase() : c.toLowerCase()) + checksummed.slice(i + 1);
}

export interface TestUser {
  key: Hex;
  address: Address;
}

export function user(name: string): TestUser {
  const key = bytesToHex(keccak256(new TextEncoder().encode(`plasma-tree test user ${name}`)));
  return { key, address: secp256k1Scheme.addressOf(key) };
}

export const alice = user('alice');
export const bob = user('bob');
export const carol = user('carol');

/** An in-memory parent: deposit records by nonce, as the root contract stores them. */
export class FakeParent {
  readonly records = new Map<bigint, Hex>();
  private count = 0n;

  deposit(to: Address, token: Address, amount: bigint, from: Address = to, chainId = CHAIN_ID): Deposit {
    const deposit: Deposit = { chainId, nonce: ++this.count, from, to, token, amount };
    this.records.set(deposit.nonce, hashDeposit(deposit));
    return deposit;
  }

  readonly depositRecord = (nonce: bigint): Hex | undefined => this.records.get(nonce);
}

export function blockContext(parent: FakeParent): BlockContext {
  return { chainId: CHAIN_ID, domain: DOMAIN, depositRecord: parent.depositRecord };
}

export function stfContext(parent: FakeParent, lastDepositNonce = 0n, timestamp = 1_700_000_000n): StfContext {
  return { ...blockContext(parent), lastDepositNonce, timestamp };
}

export function signTx(
  signer: TestUser,
  fields: { kind?: TxKind.Transfer | TxKind.Withdraw; slot: number; to: Address; token?: Address; amount: bigint; nonce: bigint; chainId?: Hex },
  domain = DOMAIN,
): SpendTx {
  const unsigned = {
    kind: fields.kind ?? TxKind.Transfer,
    chainId: fields.chainId ?? CHAIN_ID,
    slot: fields.slot,
    to: fields.to,
    token: fields.token ?? ETH,
    amount: fields.amount,
    nonce: fields.nonce,
  };
  return { ...unsigned, signature: secp256k1Scheme.sign(signedTxDigest(domain, unsigned), signer.key) };
}

/** A state of CHAIN_ID with accounts put directly (no deposits), for STF unit tests. */
export function stateWith(accounts: { slot: number; owner: Address; token?: Address; balance: bigint; nonce?: bigint }[], chainId = CHAIN_ID): ChainState {
  const state = new ChainState(chainId);
  for (const a of accounts) state.accounts.put(a.slot, { owner: a.owner, token: a.token ?? ETH, balance: a.balance, nonce: a.nonce ?? 0n });
  return state;
}

/** Runs `run`, expects PlasmaError `code` with exactly `data` (when given) and a hint, and the ledger untouched. */
export function expectLedgerRefusal(ledger: ParentLedger, run: () => unknown, code: string, data?: Record<string, string>): PlasmaError {
  const root = ledger.root;
  let error: unknown;
  try {
    run();
  } catch (e) {
    error = e;
  }
  expect(error, `expected ${code}`).toBeInstanceOf(PlasmaError);
  const refusal = error as PlasmaError;
  expect(refusal.code).toBe(code);
  if (data) {
    expect(refusal.data).toEqual(data);
    expect(refusal.hint).not.toBe('');
  }
  expect(ledger.root).toBe(root);
  return refusal;
}
