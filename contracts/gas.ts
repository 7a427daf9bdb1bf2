/**
 * Gas of every value-moving path of PlasmaRoot, measured on a fresh Hardhat node (`npm run bench` reports it;
 * `node --conditions=source --import tsx contracts/gas.ts` prints it).
 *
 * Each figure is the steady-state worst case a user pays:
 * - deposits: not the first deposit of the chain/token (that one creates the subtree-balance slot), ERC-20 with a
 *   finite allowance that is decreased (an unlimited allowance saves ~2,900);
 * - commits: block 2 (checks the parent link against block 1's record), real-looking roots, exactly `threshold`
 *   signatures;
 * - withdrawals: the first exit of its 256-exit bitmap word (a new slot), paid to an address that holds none of
 *   the token (for ETH: a brand-new account, which alone costs 25,000 more than an existing one);
 * - messages: not the first sendMessage of the chain, with 32 bytes of data; relaying such a message, the first
 *   leaf of its bitmap word, to a receiver that does nothing (the receiver's own work comes on top).
 */
import { pathToFileURL } from 'node:url';
import { Contract, JsonRpcProvider, Wallet, id, parseEther, type ContractTransactionResponse } from 'ethers';
import { deployContract, deployRoot, deployTestToken } from './deploy.js';
import { hardhatAccounts, startHardhatNode } from './hardhat-node.js';
import {
  ETH_TOKEN,
  FixedMerkleTree,
  MESSAGE_FN,
  ZERO_BYTES32,
  encodeMessagePayload,
  hashEdgeUpLeaf,
  hashExit,
  hashHeader,
  plasmaDomain,
  signCommitment,
  type ExitStruct,
  type HeaderStruct,
} from './encoding.js';

export interface GasReport {
  depositETH: number;
  depositERC20: number;
  commit1of1: number;
  commit3of4: number;
  finalizeWithdrawalETH: number;
  finalizeWithdrawalERC20: number;
  sendMessage: number;
  relayMessage: number;
}

async function gasOf(tx: Promise<ContractTransactionResponse>): Promise<number> {
  const receipt = await (await tx).wait();
  if (!receipt || receipt.status !== 1) throw new Error('measured transaction failed');
  return Number(receipt.gasUsed);
}

/**
 * Runs every path once in its steady state and returns gasUsed per path. Starts (and stops) a fresh Hardhat node
 * unless `url` names a running one whose first 20 accounts are Hardhat's default accounts.
 */
export async function measureGas(options: { url?: string } = {}): Promise<GasReport> {
  const node = options.url ? undefined : await startHardhatNode();
  const provider = new JsonRpcProvider(options.url ?? node!.url, undefined, { cacheTimeout: -1, staticNetwork: true });
  try {
    const wallets = hardhatAccounts().map((a) => new Wallet(a.privateKey, provider));
    const [deployer, alice] = wallets;
    const soloValidator = [wallets[10]];
    const quorum = wallets.slice(11, 15); // 4 validators, threshold 3
    const { address: rootAddress, contract: root } = await deployRoot(deployer);
    const { contract: token } = await deployTestToken(deployer, 'Gas Token', 'GAS');
    const domain = plasmaDomain((await provider.getNetwork()).chainId, rootAddress);
    const asAlice = root.connect(alice) as Contract;

    const spawn = async (validators: Wallet[], threshold: number): Promise<string> => {
      const addresses = validators.map((v) => v.address);
      const chainId = await root.spawnChain.staticCall(addresses, threshold, 3600, { value: parseEther('1') });
      await (await root.spawnChain(addresses, threshold, 3600, { value: parseEther('1') })).wait();
      return chainId as string;
    };
    const solo = await spawn(soloValidator, 1);
    const chain = await spawn(quorum, 3);

    // Deposits: the second of each kind is the steady state.
    await gasOf(asAlice.depositETH(chain, alice.address, { value: parseEther('1') }));
    const depositETH = await gasOf(asAlice.depositETH(chain, alice.address, { value: parseEther('1') }));
    await (await (token.connect(alice) as Contract).mint(alice.address, parseEther('1000'))).wait();
    await (await (token.connect(alice) as Contract).approve(rootAddress, parseEther('1000'))).wait();
    await gasOf(asAlice.depositERC20(chain, await token.getAddress(), alice.address, parseEther('10')));
    const depositERC20 = await gasOf(asAlice.depositERC20(chain, await token.getAddress(), alice.address, parseEther('10')));

    // Messages down: the second is the steady state.
    const { address: sink } = await deployContract(deployer, 'MessageSink');
    const messageData = id('a 32-byte message');
    await gasOf(asAlice.sendMessage(chain, sink, messageData));
    const sendMessage = await gasOf(asAlice.sendMessage(chain, sink, messageData));

    // Block 1, then the measured block 2 whose exit tree holds an ETH exit at 0, an ERC-20 exit at 256 and a message
    // at 512 (different bitmap words, so each pays for a new slot).
    const ethExit: ExitStruct = { recipient: Wallet.createRandom().address, token: ETH_TOKEN, amount: parseEther('0.5') };
    const tokenExit: ExitStruct = { recipient: Wallet.createRandom().address, token: await token.getAddress(), amount: parseEther('5') };
    const leaves = Array<string>(513).fill(ZERO_BYTES32);
    leaves[0] = hashExit(ethExit);
    leaves[256] = hashExit(tokenExit);
    const messagePayload = encodeMessagePayload(sink, messageData);
    leaves[512] = hashEdgeUpLeaf({ fn: MESSAGE_FN, sourceChain: chain, sender: alice.address, payload: messagePayload });
    const exitTree = new FixedMerkleTree(leaves);

    const commitTwo = async (chainId: string, signers: Wallet[], depositNonce: bigint, exitRoot: string) => {
      const now = BigInt((await provider.getBlock('latest'))!.timestamp);
      const h1: HeaderStruct = {
        chainId, number: 1n, parentHash: ZERO_BYTES32, txRoot: id('tx1'), stateRoot: id('state1'), exitRoot: ZERO_BYTES32,
        depositNonce, timestamp: now,
      };
      const hash1 = hashHeader(h1);
      await (await root.commit(chainId, h1, await signCommitment(signers, domain, { chainId, number: 1n, blockHash: hash1 }))).wait();
      const h2: HeaderStruct = {
        chainId, number: 2n, parentHash: hash1, txRoot: id('tx2'), stateRoot: id('state2'), exitRoot, depositNonce, timestamp: now + 2n,
      };
      const sigs = await signCommitment(signers, domain, { chainId, number: 2n, blockHash: hashHeader(h2) });
      const tx: ContractTransactionResponse = await root.commit(chainId, h2, sigs);
      const receipt = (await tx.wait())!;
      const event = receipt.logs.map((l) => root.interface.parseLog(l)).find((e) => e?.name === 'Committed')!;
      return { gas: Number(receipt.gasUsed), header: h2, windowEnd: event.args.windowEnd as bigint };
    };
    const commit1of1 = (await commitTwo(solo, soloValidator, 0n, id('exits'))).gas;
    const measured = await commitTwo(chain, quorum.slice(0, 3), 4n, exitTree.root);
    const commit3of4 = measured.gas;

    await provider.send('evm_increaseTime', [3601]);
    await provider.send('evm_mine', []);
    const finalize = (exit: ExitStruct, index: number) =>
      gasOf(root.finalizeWithdrawal(chain, measured.header, measured.windowEnd, exit, index, exitTree.proof(index)));
    const finalizeWithdrawalETH = await finalize(ethExit, 0);
    const finalizeWithdrawalERC20 = await finalize(tokenExit, 256);
    const relayMessage = await gasOf(
      root.relayMessage(chain, measured.header, measured.windowEnd, alice.address, sink, messageData, 512, exitTree.proof(512)),
    );

    return {
      depositETH,
      depositERC20,
      commit1of1,
      commit3of4,
      finalizeWithdrawalETH,
      finalizeWithdrawalERC20,
      sendMessage,
      relayMessage,
    };
  } finally {
    provider.destroy();
    await node?.stop();
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  measureGas().then(
    (report) => console.log(JSON.stringify(report, null, 2)),
    (e) => {
      console.error(e);
      process.exit(1);
    },
  );
}
