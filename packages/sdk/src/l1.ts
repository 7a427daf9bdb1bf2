import { Contract, Interface, decodeBytes32String, getAddress, isError, type ContractRunner, type Provider, type TransactionReceipt, type TransactionResponse } from 'ethers';
import { FraudKind, NATIVE_TOKEN, PlasmaError, type Address } from '@plasma-tree/core';
import { loadArtifact } from '@plasma-tree/contracts';
import { errorNameToCode, hintFor, plasmaError, REVERT_HINTS } from './errors.js';

export const ERC20_ABI = [
  'function name() view returns (string)',
  'function symbol() view returns (string)',
  'function decimals() view returns (uint8)',
  'function balanceOf(address) view returns (uint256)',
  'function allowance(address owner, address spender) view returns (uint256)',
  'function approve(address spender, uint256 amount) returns (bool)',
  'function transfer(address to, uint256 amount) returns (bool)',
  'error ERC20InsufficientBalance(address sender, uint256 balance, uint256 needed)',
  'error ERC20InsufficientAllowance(address spender, uint256 allowance, uint256 needed)',
];

let rootInterface: Interface | undefined;

/** The ABI interface of PlasmaRoot, from the compiled artifact. */
export function plasmaRootInterface(): Interface {
  if (!rootInterface) {
    let artifact: { abi: any };
    try {
      artifact = loadArtifact('PlasmaRoot') as { abi: any };
    } catch (e) {
      throw plasmaError('ARTIFACT_MISSING', 'the PlasmaRoot contract artifact is not built', {}, e,
        'compile the contracts first: `npm run build:contracts` at the repository root');
    }
    rootInterface = new Interface(artifact.abi);
  }
  return rootInterface;
}

export function plasmaRoot(address: string, runner: ContractRunner): Contract {
  return new Contract(address, plasmaRootInterface(), runner);
}

export function erc20(address: string, runner: ContractRunner): Contract {
  return new Contract(address, ERC20_ABI, runner);
}

/**
 * The modules PlasmaRoot calls whose reverts come back through it unchanged: PlasmaFraudVerifier (a proof's witness
 * checks) and PlasmaDataAvailability (challenges and publications, docs/FRAUD.md §9); and PlasmaNestedEscape, called
 * directly (the escape of holders inside a frozen chain's children, §4b). Without their artifacts only PlasmaRoot's own
 * errors are decoded.
 */
const moduleInterfaces = new Map<string, Interface | null>();
type ModuleName = 'PlasmaFraudVerifier' | 'PlasmaLedgerRegistry' | 'PlasmaLedgerExits' | 'PlasmaLedgerObjections' | 'PlasmaLedgerEdges' | 'PlasmaLedgerChildFraud' | 'PlasmaDataAvailability' | 'PlasmaNestedEscape';
function moduleInterface(name: ModuleName): Interface | null {
  if (!moduleInterfaces.has(name)) {
    let iface: Interface | null = null;
    try {
      iface = new Interface((loadArtifact(name) as { abi: any }).abi);
    } catch { /* not built: its errors stay undecoded */ }
    moduleInterfaces.set(name, iface);
  }
  return moduleInterfaces.get(name)!;
}

/** Every ABI whose custom errors an L1 call of the SDK can revert with, PlasmaRoot first. */
const ifaces = (): Interface[] => [
  plasmaRootInterface(),
  // The ledger modules' reverts come back through the verifier (docs/LEDGER-PROOFS.md).
  ...(['PlasmaFraudVerifier', 'PlasmaLedgerRegistry', 'PlasmaLedgerExits', 'PlasmaLedgerObjections', 'PlasmaLedgerEdges', 'PlasmaLedgerChildFraud', 'PlasmaDataAvailability', 'PlasmaNestedEscape'] as const).map(moduleInterface).filter((i): i is Interface => i !== null),
  new Interface(ERC20_ABI),
];

function findRevertData(e: any): string | undefined {
  const seen = new Set<unknown>();
  const stack = [e];
  while (stack.length) {
    const cur = stack.pop();
    if (!cur || typeof cur !== 'object' || seen.has(cur)) continue;
    seen.add(cur);
    if (typeof cur.data === 'string' && /^0x[0-9a-fA-F]{8}/.test(cur.data)) return cur.data;
    for (const k of ['error', 'info', 'cause', 'data', 'payload']) stack.push(cur[k]);
  }
  return undefined;
}

/**
 * Decodes a custom error `name(args)` from an ethers error, if the revert data is one of ours (PlasmaRoot's, its fraud
 * verifier's, its data-availability module's, an ERC-20's); `signature` (`Name(type,…)`) tells apart errors of one
 * name in two contracts (`InvalidAccountProof`: the escape hatch's and a fraud proof's witness).
 */
export function decodeRevert(e: unknown): { name: string; args: Record<string, unknown>; signature?: string } | undefined {
  const anyE = e as any;
  if (anyE?.revert?.name) {
    return { name: anyE.revert.name, args: namedArgs(anyE.revert.args, anyE.revert.signature), ...(anyE.revert.signature ? { signature: anyE.revert.signature } : {}) };
  }
  const data = findRevertData(e);
  if (data) {
    for (const iface of ifaces()) {
      try {
        const parsed = iface.parseError(data);
        if (parsed) {
          const args: Record<string, unknown> = {};
          parsed.fragment.inputs.forEach((input, i) => (args[input.name || String(i)] = parsed.args[i]));
          return { name: parsed.name, args, signature: parsed.signature };
        }
      } catch { /* not this interface */ }
    }
  }
  // Hardhat's message when revert data did not reach ethers: "reverted with custom error 'Name(1, 2)'"
  const m = /custom error '([A-Za-z0-9_]+)\(/.exec(String(anyE?.message ?? ''));
  if (m) return { name: m[1], args: {} };
  return undefined;
}

function namedArgs(args: any, signature?: string): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (!args) return out;
  for (const iface of signature ? ifaces() : []) {
    try {
      const frag = iface.getError(signature!);
      if (frag) {
        frag.inputs.forEach((input, i) => (out[input.name || String(i)] = args[i]));
        return out;
      }
    } catch { /* not this interface */ }
  }
  Array.from(args as ArrayLike<unknown>).forEach((v, i) => (out[String(i)] = v));
  return out;
}

/** The bytes32 reason word of `NotFraud` as text (`"TX_VALID"`); the hex itself if it is not a short string. */
function reasonText(word: unknown): string {
  try {
    return decodeBytes32String(String(word));
  } catch {
    return String(word);
  }
}

/**
 * What a fraud-proof or data-availability revert says, in words (docs/FRAUD.md §3, §9), from its arguments (`a`,
 * decimal strings for integers); undefined for the other errors (their name is the message).
 */
function describeRevert(name: string, signature: string | undefined, a: Record<string, unknown>): string | undefined {
  switch (name) {
    // PlasmaRoot: the checks of every proof
    case 'UnknownCommitment':
      return `block ${a.number} of chain ${a.chainId} is not a live commitment with this header and windowEnd (not committed, block 0, or above the head: a conviction rolled the chain back below it)`;
    case 'ChallengeWindowClosed':
      return `the challenge window closed at ${a.windowEnd} (now ${a.now}): the block is final`;
    case 'WrongPrevHeader':
      return `the previous header given is not committed block ${BigInt(String(a.number)) - 1n} with that windowEnd`;
    case 'ProofKindNotSupported':
      return `a transition proof against a tx of kind ${a.kind}: no ledger module proves that kind at the root yet`;
    // The ledger modules (docs/LEDGER-PROOFS.md): the witnesses of a tx of kind 3-15
    case 'MissingLedgerWitness':
      return `the ledger witness at touch position ${a.position} is missing`;
    case 'InvalidLedgerWitness':
      return `the ledger witness at touch position ${a.position} does not fold to the ledger root it must (a wrong value, or a proof against another root)`;
    case 'KindNotInModule':
      return `the ledger module does not prove tx kind ${a.kind}`;
    case 'BadValidatorWitness':
      return 'the extra witness is not the child\'s validator set (its hash is not the Child entry\'s validatorSetHash)';
    case 'BadSortWitness':
      return 'the extra witness is not the permutation that sorts the spawned validators';
    case 'CheckOutOfGas':
      return 'a check the ledger module runs in a call of its own (the strict decode of a PROVE_CHILD_FRAUD\'s args or a CHILD_DATA_CALL\'s call) ran out of gas';
    case 'NotFraud':
      return `the proof does not prove fraud: ${FraudKind[Number(a.kind)] ?? `kind ${a.kind}`} (kind ${a.kind}), ${a.reasonText}`;
    case 'AlreadyConvicted':
      return `chain ${a.chainId} was convicted before and this proof has nothing left to undo`;
    // PlasmaFraudVerifier: the witnesses of a proof
    case 'TxNotInBlock':
      return `the witness of tx ${a.index} is not the leaf at that index of the block's txRoot`;
    case 'TxIndexOutOfRange':
      return `tx index ${a.index} is outside the tx tree (2^16 leaves)`;
    case 'BadPreTx':
      return `the pre-state witness is tx ${a.index}, the tx before the disputed one is ${a.expected}`;
    case 'PreStateMismatch':
      return `the accounts root ${a.accountsRoot} and ledger root ${a.ledgerRoot} do not hash to the state before the tx (${a.preStateRoot})`;
    case 'MissingAccountWitness':
      return `no account witness at position ${a.position}: the tx touches more accounts than the proof opens`;
    case 'WrongWitnessSlot':
      return `the account witness at position ${a.position} opens slot ${a.slot}, the tx touches slot ${a.expected} there`;
    case 'InvalidAccountProof':
      return signature === 'InvalidAccountProof(uint32)' ? `the witness of slot ${a.slot} does not open the accounts root of the state before the tx` : undefined;
    case 'BadNextTx':
      return `the next-position witness is tx ${a.index}, the position after the disputed tx is ${a.expected}`;
    case 'ExitIndexOutOfRange':
      return `exit index ${a.index} is outside the exit tree (2^16 leaves)`;
    case 'ExitNotInBlock':
      return `the exit witness at index ${a.index} does not open the block's exitRoot`;
    // PlasmaDataAvailability
    case 'WrongBond':
      return `the challenge was sent with ${a.value} wei; a data challenge takes exactly ${a.required}`;
    case 'TooLateToChallenge':
      return `data may be challenged only in the first half of the window, before ${a.challengeBefore} (now ${a.now})`;
    case 'AlreadyChallenged':
      return `block ${a.number} of chain ${a.chainId} was challenged already, by ${a.challenger}`;
    case 'DataAlreadyPublished':
      return `the data of block ${a.number} of chain ${a.chainId} is published on L1 already`;
    case 'ExitDataAlreadyPublished':
      return `the exit tree of block ${a.number} of chain ${a.chainId} is published on L1 already`;
    case 'ChunkOutOfOrder':
      return `chunk ${a.chunk} sent, the next one to publish is ${a.expected}`;
    case 'TooManyTxs':
      return `a chunk of ${a.count} transactions; a chunk holds at most ${a.maximum}`;
    case 'ChunkOverBudget':
      return `the chunk's transactions take ${a.bytes_} bytes of the call, over the ${a.budget} a chunk of a child of the root may take`;
    case 'TooManyExitLeaves':
      return `an exit chunk of ${a.count} leaves; a chunk holds at most ${a.maximum}`;
    case 'InvalidChunkProof':
      return `chunk ${a.chunk} of block ${a.number} and its siblings do not give the header's txRoot`;
    case 'InvalidExitChunkProof':
      return `exit chunk ${a.chunk} of block ${a.number} and its siblings do not give the header's exitRoot`;
    case 'LeavesAfterLastChunk':
      return `chunk ${a.chunk} of block ${a.number} is short (the last), but the tx tree holds leaves after it`;
    case 'ExitLeavesAfterLastChunk':
      return `exit chunk ${a.chunk} of block ${a.number} is short (the last), but the exit tree holds leaves after it`;
    case 'ResponseWindowClosed':
      return `the challenge's deadline ${a.deadline} has passed (now ${a.now}): publishing can no longer answer it`;
    case 'NoOpenChallenge':
      return `block ${a.number} of chain ${a.chainId} has no open data challenge`;
    case 'ResponseWindowOpen':
      return `the validators may publish until ${a.deadline} (now ${a.now}): the challenge cannot be resolved yet`;
    case 'ChallengeStillResolvable':
      return `the challenge of block ${a.number} can still convict it until its window ends at ${a.windowEnd}`;
    // PlasmaNestedEscape (docs/FRAUD.md §4b): the proofs along the path from the frozen chain's final ledger down
    case 'InvalidLedgerRoot':
      return `the accounts and ledger roots given do not hash to the state root of ${a.chainId}'s block (the frozen head, or a level's last final block)`;
    case 'InvalidLedgerProof':
      return `a proof of ${a.child}'s ${LEDGER_KIND_NAMES[Number(a.kind)] ?? `kind ${a.kind}`} entry does not fold to its parent's ledger root`;
    case 'NotLastFinal':
      return `block ${a.number} of ${a.child} is not its last final block in its parent's ledger`;
    case 'NotFinal':
      return `block ${a.number} of ${a.child} is not final: its windowEnd ${a.windowEnd} is after its parent's time ${a.time}`;
    case 'NothingFinal':
      return `no block of ${a.child} is final in its parent's ledger: no account can escape, nothing below it can leave (its deposits in flight can be reclaimed)`;
    case 'NotTheHead':
      return `block ${a.number} is not the frozen chain's head on the root (${a.head})`;
    default:
      return undefined;
  }
}

/** The ledger kinds InvalidLedgerProof names (core LedgerKind). */
const LEDGER_KIND_NAMES: Record<number, string> = { 0: 'Child', 1: 'SubtreeBalance', 2: 'Deposit', 3: 'Commitment', 4: 'SpentExit', 9: 'EscapedSlot' };

/**
 * Turns an ethers / L1 error into a PlasmaError: contract custom errors become their SCREAMING_SNAKE name
 * (`AlreadyWithdrawn` → ALREADY_WITHDRAWN, `SubtreeBalanceExceeded` → SUBTREE_BALANCE_EXCEEDED, `NotFraud` →
 * NOT_FRAUD, `TooLateToChallenge` → TOO_LATE_TO_CHALLENGE, …), `data` their arguments by name (integers as decimal
 * strings) and `contractError`; fraud-proof and data-availability errors also say in the message what failed.
 */
export function mapL1Error(e: unknown, action: string, l1Url?: string): PlasmaError {
  if (e instanceof PlasmaError) return e;
  const revert = decodeRevert(e);
  if (revert) {
    const code = errorNameToCode(revert.name);
    const data: Record<string, unknown> = Object.fromEntries(Object.entries(revert.args).map(([k, v]) => [k, typeof v === 'bigint' ? v.toString() : v]));
    if (revert.name === 'NotFraud' && data.reason !== undefined) {
      data.reasonText = reasonText(data.reason);
      if (FraudKind[Number(data.kind)] !== undefined) data.kindName = FraudKind[Number(data.kind)];
    }
    // Without its arguments (only the name reached us, from a node's message), the name alone is said.
    const said = Object.keys(revert.args).length > 0 && !('0' in revert.args) ? describeRevert(revert.name, revert.signature, data) : undefined;
    const hint = (revert.signature && REVERT_HINTS[revert.signature]) || hintFor(code);
    return plasmaError(code, `${action} reverted: ${revert.name}${said ? `: ${said}` : ''}`, { ...data, contractError: revert.name }, e, hint);
  }
  const anyE = e as any;
  if (isError(e, 'INSUFFICIENT_FUNDS') || /insufficient funds/i.test(anyE?.message ?? '')) {
    return plasmaError('INSUFFICIENT_FUNDS', `${action}: the L1 account has not enough ETH for value + gas`, {}, e);
  }
  if (isError(e, 'ACTION_REJECTED')) return plasmaError('USER_REJECTED', `${action}: the signer rejected the request`, {}, e, 'approve the request in the wallet');
  if (isError(e, 'CALL_EXCEPTION')) {
    const reason = anyE.reason ? `: ${anyE.reason}` : '';
    return plasmaError('L1_REVERT', `${action} reverted on L1${reason}`, { reason: anyE.reason ?? null }, e,
      'the root contract refused the call: check the chain id, token and amount');
  }
  const code = anyE?.code ?? anyE?.cause?.code ?? anyE?.error?.code;
  if (code === 'ECONNREFUSED' || isError(e, 'NETWORK_ERROR') || /ECONNREFUSED|fetch failed|could not detect network/i.test(anyE?.message ?? '')) {
    return plasmaError('L1_UNREACHABLE', `cannot reach the L1 node${l1Url ? ` at ${l1Url}` : ''} (${action})`, { url: l1Url ?? null }, e);
  }
  return plasmaError('L1_ERROR', `${action} failed: ${anyE?.shortMessage ?? anyE?.message ?? String(e)}`, {}, e, '');
}

/** Symbol and decimals of a token. */
export interface TokenInfo {
  address: Address;
  symbol: string;
  decimals: number;
}

/**
 * Symbol and decimals of `token` on L1: `address(0)` is ETH (18); an ERC-20 without `symbol()` / `decimals()`
 * reads as 'ERC20' / 18.
 */
export async function readTokenInfo(provider: Provider, token: string): Promise<TokenInfo> {
  const address = getAddress(token).toLowerCase() as Address;
  if (address === NATIVE_TOKEN) return { address, symbol: 'ETH', decimals: 18 };
  const c = erc20(address, provider);
  const [symbol, decimals] = await Promise.all([c.symbol().catch(() => 'ERC20'), c.decimals().catch(() => 18n)]);
  return { address, symbol: String(symbol), decimals: Number(decimals) };
}

/**
 * The current L1 time in seconds: the timestamp of the pending block where the node offers one (that is the
 * time a transaction sent now executes at, and it moves on even when no block is mined), else the latest.
 */
export async function readL1Time(provider: Provider): Promise<number> {
  try {
    const send = (provider as { send?: (method: string, params: unknown[]) => Promise<any> }).send;
    const [pending, latest] = await Promise.all([
      send ? send.call(provider, 'eth_getBlockByNumber', ['pending', false]).catch(() => null) : null,
      provider.getBlock('latest'),
    ]);
    const latestTs = latest?.timestamp ?? 0;
    const pendingTs = pending && typeof pending.timestamp === 'string' ? Number(BigInt(pending.timestamp)) : 0;
    if (!latest && !pendingTs) throw new Error('the L1 node returned no block');
    return Math.max(latestTs, pendingTs);
  } catch (e) {
    throw mapL1Error(e, 'reading the L1 time');
  }
}

/**
 * An L1 call that moves state: a dry run first (its revert decoded by mapL1Error and `remap`ped to a code and a
 * hint, before anything is sent), then the transaction, then its receipt polled every `pollMs` (L1_REVERT if it
 * reverted after a passing dry run, TIMEOUT after 300 s).
 */
export async function sendChecked(
  provider: Provider,
  pollMs: number,
  action: string,
  dryRun: () => Promise<unknown>,
  send: () => Promise<TransactionResponse>,
  remap: (err: PlasmaError) => PlasmaError = (e) => e,
): Promise<TransactionReceipt> {
  const fail = (e: unknown): never => {
    throw remap(mapL1Error(e, action));
  };
  try {
    await dryRun();
  } catch (e) {
    fail(e);
  }
  let tx: TransactionResponse;
  try {
    tx = await send();
  } catch (e) {
    return fail(e);
  }
  const start = Date.now();
  for (;;) {
    let r: TransactionReceipt | null;
    try {
      r = await provider.getTransactionReceipt(tx.hash);
    } catch (e) {
      throw mapL1Error(e, action);
    }
    if (r) {
      if (r.status === 0) throw plasmaError('L1_REVERT', `${action} reverted on L1 (tx ${tx.hash})`, { l1TxHash: tx.hash }, undefined, 'the dry run passed, so the state changed in between: check the status and retry');
      return r;
    }
    if (Date.now() - start > 300_000) throw plasmaError('TIMEOUT', `${action}: L1 transaction ${tx.hash} not mined after 300 s`, { l1TxHash: tx.hash });
    await new Promise((res) => setTimeout(res, pollMs));
  }
}

/** An L1 read whose failure comes back as a coded PlasmaError (mapL1Error) naming `action`. */
export async function readL1<T>(action: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    throw mapL1Error(e, action);
  }
}
