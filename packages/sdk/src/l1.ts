import { Contract, Interface, getAddress, isError, type ContractRunner, type Provider } from 'ethers';
import { NATIVE_TOKEN, PlasmaError, type Address } from '@plasma-tree/core';
import { loadArtifact } from '@plasma-tree/contracts';
import { errorNameToCode, plasmaError } from './errors.js';

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

const ifaces = (): Interface[] => [plasmaRootInterface(), new Interface(ERC20_ABI)];

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

/** Decodes a custom error `name(args)` from an ethers error, if the revert data is one of ours. */
export function decodeRevert(e: unknown): { name: string; args: Record<string, unknown> } | undefined {
  const anyE = e as any;
  if (anyE?.revert?.name) return { name: anyE.revert.name, args: namedArgs(anyE.revert.args, anyE.revert.signature) };
  const data = findRevertData(e);
  if (data) {
    for (const iface of ifaces()) {
      try {
        const parsed = iface.parseError(data);
        if (parsed) {
          const args: Record<string, unknown> = {};
          parsed.fragment.inputs.forEach((input, i) => (args[input.name || String(i)] = parsed.args[i]));
          return { name: parsed.name, args };
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
  try {
    const frag = signature ? plasmaRootInterface().getError(signature) : null;
    if (frag) {
      frag.inputs.forEach((input, i) => (out[input.name || String(i)] = args[i]));
      return out;
    }
  } catch { /* fall through */ }
  Array.from(args as ArrayLike<unknown>).forEach((v, i) => (out[String(i)] = v));
  return out;
}

/**
 * Turns an ethers / L1 error into a PlasmaError: contract custom errors become their SCREAMING_SNAKE name
 * (`AlreadyWithdrawn` → ALREADY_WITHDRAWN, `SubtreeBalanceExceeded` → SUBTREE_BALANCE_EXCEEDED, …).
 */
export function mapL1Error(e: unknown, action: string, l1Url?: string): PlasmaError {
  if (e instanceof PlasmaError) return e;
  const revert = decodeRevert(e);
  if (revert) {
    const code = errorNameToCode(revert.name);
    const data = Object.fromEntries(Object.entries(revert.args).map(([k, v]) => [k, typeof v === 'bigint' ? v.toString() : v]));
    return plasmaError(code, `${action} reverted: ${revert.name}`, { ...data, contractError: revert.name }, e);
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
