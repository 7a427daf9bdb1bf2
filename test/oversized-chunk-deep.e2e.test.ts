/**
 * The size rule one level down (docs/LEDGER-PROOFS.md "A size rule for block data", docs/FRAUD.md §9b): A a child of the
 * root, K a child of A whose only validator (fault oversized-chunk) packs 30 messages of 3,900 bytes in one block, its
 * first chunk over B(2) = 64,096 bytes. Valid to the STF and served, the block can never be published on A: wrapped in a
 * CHILD_DATA_CALL it is over the size of any tx (MALFORMED_TX) and over A's chunk budget. The devnet's watcher (it knows
 * K's depth) challenges it on A at once with a CHALLENGE_CHILD_DATA, nobody can answer, and after the deadline it
 * resolves the challenge: K is convicted on A (rolled back, frozen, slashed); A is untouched.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ChainStatus, DataChallengeStatus, MESSAGE_FN, TxKind, ZERO_BYTES32, blockFromJson, chunkByteBudget, chunkSizes, encodeMessagePayload, signedTxToJson, type Address, type SignedTx } from '@plasma-tree/core';
import { ETH, Tree, newSigner, waitFor } from './helpers/tree.js';

const ETHER = 10n ** 18n;
/** K's challenge window on A (seconds of A's block clock): a challenge in its first 10 s, answered within 5 s. */
const K_WINDOW = 20;

let tree: Tree;

beforeAll(async () => {
  tree = await Tree.start(
    [
      { name: 'A', challengeWindow: 30 },
      { name: 'K', parent: 'A', challengeWindow: K_WINDOW, parentFinality: 'committed', faults: { kind: 'oversized-chunk' } },
    ],
    // The devnet's watcher, with a grace for missing data longer than K's window: an over-budget chunk is not waited for.
    { challengeWindow: 30, watcher: { port: 0, unavailableGraceSec: 60 } },
  );
}, 90_000);

afterAll(async () => {
  await tree?.close();
}, 60_000);

describe('a chunk over the size rule below a chain', () => {
  it("K's over-budget block is challenged on A at once, cannot be published, and K is convicted on A", async () => {
    const A = tree.chain('A');
    const K = tree.chain('K');
    const alice = tree.account(0);
    const bob = newSigner('bob');
    const watcher = await tree.watcherFunded('A');

    await tree.waitApplied(await tree.deposit('A', alice, ETH, ETHER));
    await tree.waitApplied(await tree.deposit('K', alice, ETH, ETHER / 10n, bob.address));
    const account = await K.node.getAccount(bob.address, ETH);
    const payload = encodeMessagePayload({ target: bob.address, data: `0x${'5a'.repeat(3_900)}` });
    const messages: SignedTx[] = Array.from({ length: 30 }, (_, i) =>
      tree.sign(bob, { kind: TxKind.EdgeSend, chainId: K.chainId, slot: account.slot!, fn: MESSAGE_FN, child: ZERO_BYTES32, payload, nonce: account.pendingNonce + BigInt(i) } as never));
    await K.node.request('pt_sendTransactions', [messages.map(signedTxToJson)]);

    const n = await waitFor('K injects its oversized block', () => tree.injectedFault('K'), 30_000);
    const block = blockFromJson(await waitFor(`K's block ${n} stored`, async () => (await K.node.request('pt_getBlockByNumber', [n])) ?? undefined, 10_000));
    const [bytes] = chunkSizes(block.txs);
    expect(bytes).toBeGreaterThan(chunkByteBudget(2));
    const commitment = await waitFor(`A commits K's block ${n}`, async () => (await A.node.request<{ blockNumber: number; windowEnd: number } | null>('pt_getCommitment', [K.chainId, n])) ?? undefined, 30_000);

    const challenged = await waitFor('the watcher challenges on A', async () => {
      const f = (await tree.watcherChain('K')).findings.find((x) => x.id === `unavailable_data@${n}`);
      return f?.objection?.dataChallenge && f;
    }, 20_000);
    expect(challenged).toMatchObject({ kind: 'unavailable_data', height: n, provable: true, objection: { status: 'mined', host: A.chainId } });
    expect(challenged.reason).toBe(`chunk 0 takes ${bytes} bytes, over this chain's budget of ${chunkByteBudget(2)}: it can never be published`);
    const reaction = challenged.objection!.reactionL1Blocks!;
    expect(reaction).toBe(challenged.objection!.l1Block! - commitment.blockNumber);

    const info = await waitFor('K frozen on A', async () => {
      const i = (await A.node.getChildInfo(K.chainId))!;
      return i.status === ChainStatus.FrozenFraud && i;
    }, 40_000);
    expect(info).toMatchObject({ headNumber: n - 1, bond: 0n });
    expect(await A.node.request('pt_getDataChallenge', [K.chainId, n])).toMatchObject({ challenger: watcher, status: DataChallengeStatus.Convicted, published: false });
    expect(Number((await tree.root.chainStatus(A.chainId))[0])).toBe(ChainStatus.Live);
    console.log(`[oversized-chunk-deep] K's block ${n} (chunk 0: ${bytes} bytes > ${chunkByteBudget(2)}) committed in A block ${commitment.blockNumber}, challenged ${reaction} A blocks later; K convicted on A`);
  }, 120_000);
});
