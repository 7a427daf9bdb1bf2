/**
 * Parity of the stall rule (docs/FRAUD.md §2, §8): the same steps run on PlasmaRoot on a real Hardhat node and on
 * core's ParentLedger with selfId = bytes32(0) (so both name their children keccak256(abi.encode(0, index))), the
 * ledger's `now` being the block timestamp of the step's L1 transaction. After every step both agree on the outcome
 * (the child id, or the custom error with the same arguments: BadStallLimit ↔ BAD_STALL_LIMIT, NotStalled ↔
 * NOT_STALLED, args ↔ `data` by name) and on `stallLimit(chainId)` and `chainStatus(chainId)`:
 * spawnChain ↔ spawnChild without a limit, spawnChainWithLimits ↔ spawnChild with one, freezeStalled ↔ freezeStalled,
 * and the refusals a stalled chain answers to commit and depositETH.
 *
 * (contracts/test/ledger-parity.test.ts is the full parity suite of the parent rules; this file covers the stall rule,
 * which ParentLedger gained with FREEZE_STALLED_CHILD, kind 13.)
 */
import * as core from '@plasma-tree/core';
import { Contract, Interface, JsonRpcProvider, Wallet, toQuantity, type TransactionReceipt } from 'ethers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deployRoot, startTestL1, type HardhatNode } from '@plasma-tree/contracts';

const GAS_LIMIT = 15_000_000n; // fixed, so that a reverting transaction is mined at the step's timestamp, not estimated
const WINDOW = 100n;
const DAY = 86_400n;

type Result = { ok: true; value: unknown } | { ok: false; code: string; data: Record<string, string> };

let node: HardhatNode;
let rpc: JsonRpcProvider;
let root: Contract;
let rootErrors: Interface;
let deployer: Wallet;
let validators: Wallet[];
let ledger: core.ParentLedger;
let domain: core.Eip712Domain;
let clock: bigint;

beforeAll(async () => {
  node = await startTestL1();
  rpc = new JsonRpcProvider(node.url, undefined, { cacheTimeout: -1, staticNetwork: true, batchStallTime: 0 });
  const wallets = node.accounts.map((a) => new Wallet(a.privateKey, rpc));
  deployer = wallets[0];
  validators = wallets.slice(10, 13);
  const { address, contract } = await deployRoot(deployer);
  root = new Contract(address, contract.interface, rpc);
  rootErrors = contract.interface;
  ledger = new core.ParentLedger(core.ROOT_CHAIN_ID);
  domain = core.plasmaDomain(31337n, address.toLowerCase() as core.Address);
  clock = BigInt((await rpc.getBlock('latest'))!.timestamp);
}, 60_000);

afterAll(async () => {
  rpc?.destroy();
  await node?.stop();
});

// ---- running one step on both sides -----------------------------------------------------------------------------

/** Sends `data` to PlasmaRoot at `at` (default: one second after the last step), then runs `local` at that block's time. */
async function both(data: string, local: (now: bigint) => unknown, opts: { at?: bigint; value?: bigint; event?: string } = {}): Promise<{ l1: Result; local: Result; now: bigint }> {
  clock = opts.at ?? clock + 1n;
  await rpc.send('evm_setNextBlockTimestamp', [Number(clock)]);
  let l1: Result;
  try {
    const hash = (await rpc.send('eth_sendTransaction', [{ from: deployer.address, to: await root.getAddress(), data, value: toQuantity(opts.value ?? 0n), gas: toQuantity(GAS_LIMIT) }])) as string;
    const receipt = (await rpc.getTransactionReceipt(hash))!;
    l1 = { ok: true, value: opts.event ? eventArg(receipt, opts.event) : null };
  } catch (e) {
    const { name, args } = decodeRevert(e);
    l1 = { ok: false, code: name.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toUpperCase(), data: args };
  }
  const now = BigInt((await rpc.getBlock('latest'))!.timestamp);
  expect(now).toBe(clock);
  const before = ledger.root;
  let mine: Result;
  try {
    const value = local(now);
    mine = { ok: true, value: opts.event === 'ChainSpawned' ? value : null };
  } catch (e) {
    if (!(e instanceof core.PlasmaError)) throw e;
    mine = { ok: false, code: e.code, data: e.data as Record<string, string> };
    expect(ledger.root, 'a refusal changes nothing').toBe(before);
  }
  return { l1, local: mine, now };
}

function eventArg(receipt: TransactionReceipt, name: string): unknown {
  for (const log of receipt.logs) {
    const parsed = root.interface.parseLog(log);
    if (parsed?.name === name) return name === 'ChainSpawned' ? String(parsed.args.chainId).toLowerCase() : parsed.args;
  }
  throw new Error(`no ${name} event`);
}

function decodeRevert(e: unknown): { name: string; args: Record<string, string> } {
  const seen = new Set<unknown>();
  const stack: unknown[] = [e];
  let data: string | undefined;
  while (stack.length > 0 && data === undefined) {
    const cur = stack.pop() as Record<string, unknown> | undefined;
    if (!cur || typeof cur !== 'object' || seen.has(cur)) continue;
    seen.add(cur);
    if (typeof cur.data === 'string' && /^0x[0-9a-f]{8}/i.test(cur.data)) data = cur.data;
    for (const key of ['error', 'info', 'cause', 'data', 'payload']) stack.push(cur[key]);
  }
  const parsed = data ? rootErrors.parseError(data) : null;
  if (!parsed) throw e;
  return { name: parsed.name, args: Object.fromEntries(parsed.fragment.inputs.map((input, i) => [input.name, String(parsed.args[i]).toLowerCase()])) };
}

/** Both sides agree on the outcome; returns it. */
async function same(data: string, local: (now: bigint) => unknown, opts: { at?: bigint; value?: bigint; event?: string } = {}): Promise<Result & { now: bigint }> {
  const r = await both(data, local, opts);
  expect(r.local, 'ParentLedger vs PlasmaRoot').toEqual(r.l1);
  return { ...r.l1, now: r.now };
}

/** PlasmaRoot's views of the stall rule equal the ledger's. */
async function expectSameViews(chainId: core.ChainId): Promise<void> {
  const [status, frozenAt] = await root.chainStatus(chainId);
  expect(ledger.childStatus(chainId)).toEqual({ status: Number(status), frozenAt: BigInt(frozenAt) });
  expect(ledger.stallLimit(chainId)).toBe(BigInt(await root.stallLimit(chainId)));
}

// ---- the steps -------------------------------------------------------------------------------------------------

const set = () => validators.map((v) => v.address.toLowerCase() as core.Address);
const bond = core.ROOT_MIN_BOND;

function spawn(window: bigint, stallLimit?: bigint, validatorSet: core.Address[] = set()) {
  const data = stallLimit === undefined
    ? root.interface.encodeFunctionData('spawnChain', [validatorSet, 2, window])
    : root.interface.encodeFunctionData('spawnChainWithLimits', [validatorSet, 2, window, stallLimit]);
  return same(data, (now) => ledger.spawnChild({ validators: validatorSet, threshold: 2, challengeWindow: window, bond, spawner: deployer.address.toLowerCase() as core.Address, now, ...(stallLimit === undefined ? {} : { stallLimit }) }), { value: bond, event: 'ChainSpawned' });
}

function freeze(chainId: core.ChainId, at?: bigint) {
  return same(root.interface.encodeFunctionData('freezeStalled', [chainId]), (now) => ledger.freezeStalled({ child: chainId, now }), at === undefined ? {} : { at });
}

function commit(chainId: core.ChainId, number: bigint, parentHash: core.Hex, at?: bigint) {
  const text = (s: string) => core.bytesToHex(core.keccak256(new TextEncoder().encode(s)));
  const header: core.Header = { chainId, number, parentHash, txRoot: text(`tx ${number}`), stateRoot: text(`state ${number}`), exitRoot: core.ZERO_BYTES32, depositNonce: 0n, timestamp: number };
  const digest = core.commitmentDigest(domain, chainId, number, core.hashHeader(header));
  const signers = [...validators].sort((a, b) => (a.address.toLowerCase() < b.address.toLowerCase() ? -1 : 1)).slice(0, 2);
  const signatures = core.bytesToHex(core.concatBytes(...signers.map((v) => core.hexToBytes(core.secp256k1Scheme.sign(digest, v.privateKey as core.Hex), 65))));
  const data = root.interface.encodeFunctionData('commit', [chainId, header, signatures]);
  return { header, result: same(data, (now) => ledger.commit({ child: chainId, header, signatures, now, domain }), at === undefined ? {} : { at }) };
}

describe('stall limits: PlasmaRoot = ParentLedger(selfId 0)', () => {
  const bad = (stallLimit: bigint, minimum: bigint) => ({ ok: false, code: 'BAD_STALL_LIMIT', data: { stallLimit: String(stallLimit), minimum: String(minimum), maximum: String(core.MAX_CHALLENGE_WINDOW) } });

  it('spawn: the default limit (spawnChain) and a chosen one (spawnChainWithLimits); BadStallLimit with the same arguments, in the same order', async () => {
    const a = await spawn(WINDOW);
    expect(a.ok).toBe(true);
    const A = (a as { value: core.ChainId }).value;
    await expectSameViews(A);
    expect(ledger.stallLimit(A)).toBe(core.DEFAULT_STALL_LIMIT);
    // A window above 7 days: the default is the window.
    const b = await spawn(10n * DAY);
    await expectSameViews((b as { value: core.ChainId }).value);
    expect(ledger.stallLimit((b as { value: core.ChainId }).value)).toBe(10n * DAY);
    // The bounds, both allowed.
    for (const limit of [WINDOW, core.MAX_CHALLENGE_WINDOW]) {
      const c = await spawn(WINDOW, limit);
      expect(c.ok).toBe(true);
      await expectSameViews((c as { value: core.ChainId }).value);
    }
    // Out of bounds: the same error and arguments on both sides; 0 is spawnChainWithLimits(…, 0), refused.
    expect(await spawn(WINDOW, WINDOW - 1n)).toMatchObject(bad(WINDOW - 1n, WINDOW));
    expect(await spawn(WINDOW, core.MAX_CHALLENGE_WINDOW + 1n)).toMatchObject(bad(core.MAX_CHALLENGE_WINDOW + 1n, WINDOW));
    expect(await spawn(WINDOW, 0n)).toMatchObject(bad(0n, WINDOW));
    // After the window's check, before the validator set's.
    expect(await spawn(0n, 0n)).toMatchObject({ ok: false, code: 'BAD_CHALLENGE_WINDOW' });
    expect(await spawn(WINDOW, 1n, [core.ZERO_ADDRESS, set()[0]])).toMatchObject(bad(1n, WINDOW));
    expect(ledger.childCount).toBe(BigInt(await root.childCount()));
  });

  it('freezeStalled: NotStalled(chainId, lastActivity, stallLimit, now) up to the limit (spawn, then the head\'s commit time), then frozen (status 2, frozenAt); ChainIsFrozen after; UnknownChain', async () => {
    const s = await spawn(WINDOW, 150n);
    const S = (s as { value: core.ChainId }).value;
    const spawnedAt = s.now;
    const notStalled = (lastActivity: bigint, now: bigint) => ({ ok: false, code: 'NOT_STALLED', data: { chainId: S, lastActivity: String(lastActivity), stallLimit: '150', now: String(now) } });
    expect(await freeze(S)).toMatchObject(notStalled(spawnedAt, spawnedAt + 1n));
    const unknown = core.chainIdOf(core.ROOT_CHAIN_ID, 99);
    expect(await freeze(unknown)).toMatchObject({ ok: false, code: 'UNKNOWN_CHAIN', data: { chainId: unknown } });
    expect(await freeze(S, spawnedAt + 150n)).toMatchObject(notStalled(spawnedAt, spawnedAt + 150n));
    await expectSameViews(S);

    // Stallable since spawnedAt + 151, but a commit (still allowed: it is live) moves the last activity to its time.
    const committedAt = spawnedAt + 155n;
    const { header: h1, result } = commit(S, 1n, core.ZERO_BYTES32, committedAt);
    expect((await result).ok).toBe(true);
    expect(await freeze(S, committedAt + 150n)).toMatchObject(notStalled(committedAt, committedAt + 150n));
    const frozen = await freeze(S, committedAt + 151n);
    expect(frozen.ok).toBe(true);
    expect(ledger.childStatus(S)).toEqual({ status: core.ChainStatus.FrozenStalled, frozenAt: committedAt + 151n });
    await expectSameViews(S);

    // Frozen: ChainIsFrozen(chainId, 2) for another freeze, a commit, a deposit.
    const isFrozen = { ok: false, code: 'CHAIN_IS_FROZEN', data: { chainId: S, status: '2' } };
    expect(await freeze(S)).toMatchObject(isFrozen);
    expect(await commit(S, 2n, core.hashHeader(h1)).result).toMatchObject(isFrozen);
    const to = deployer.address.toLowerCase() as core.Address;
    const deposit = await same(root.interface.encodeFunctionData('depositETH', [S, to]), (now) => ledger.deposit({ child: S, from: to, to, token: core.NATIVE_TOKEN, amount: 5n, now }), { value: 5n });
    expect(deposit).toMatchObject(isFrozen);
    await expectSameViews(S);
  }, 30_000);
});
