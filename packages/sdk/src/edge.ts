/**
 * Edge calls in the SDK (docs/EDGE.md): checking and encoding their arguments, the L1 halves through the root
 * contract (`sendEdgeEvent`, `sendMessage`, `relayMessage`), and the hash a node files an EDGE_FROM_CHILD under.
 * The halves on chains are kinds 7 (EDGE_SEND, signed) and 9 (EDGE_FROM_CHILD, carried by its proof); see
 * `PlasmaClient.callEdge` / `deliverToParent` and the TreeClient methods, which are what applications use.
 */
import { getAddress, type Signer, type TransactionReceipt, type TransactionResponse } from 'ethers';
import {
  MAX_EDGE_PAYLOAD,
  MESSAGE_FN,
  MESSAGE_FN_NAME,
  PlasmaError,
  TxKind,
  ZERO_BYTES32,
  bytesToHex,
  concatBytes,
  decodeMessagePayload,
  edgeFunctionId,
  encodeEdgeFromChildData,
  encodeMessagePayload,
  hexToBytes,
  isHex,
  keccak256,
  normalizeAddress,
  type Address,
  type ChainId,
  type EdgeFromChildTx,
  type EdgeFunctionInfo,
  type Hex,
} from '@plasma-tree/core';
import { mapL1Error, plasmaRoot, plasmaRootInterface } from './l1.js';
import { bareMessage, plasmaError } from './errors.js';
import type { ExitProof } from './node-client.js';

export { MAX_EDGE_PAYLOAD, MESSAGE_FN, MESSAGE_FN_NAME };

/**
 * An edge function as a caller names it: its 32-byte id (`fn`), its name (`'example/counter/v1'`, hashed to the
 * id), or the function itself (what `defineEdgeFunction` returned, or the descriptor `message`).
 */
export type EdgeFunctionRef = Hex | string | EdgeFunctionInfo;

/** An edge function resolved for a call: its id, and what the caller told about it. */
export interface ResolvedEdgeFunction {
  fn: Hex;
  name?: string;
  direction?: EdgeFunctionInfo['direction'];
  /** The function's own payload check, when the caller passed the function (`decode` of defineEdgeFunction). */
  decode?: (payload: Hex) => unknown;
}

/** Which way an edge event travels. */
export type EdgeCallDirection = 'down' | 'up';

const invalidArgs = (message: string, hint: string, data: Record<string, unknown> = {}) => plasmaError('INVALID_ARGUMENTS', message, data, undefined, hint);

/**
 * Resolves `fn` and/or `edge` of a call. `edge` wins for the checks (direction, payload decoding); with both,
 * they must name the same function (FN_MISMATCH). Neither: INVALID_ARGUMENTS.
 */
export function resolveEdgeFunction(args: { fn?: EdgeFunctionRef; edge?: EdgeFunctionRef }): ResolvedEdgeFunction {
  const { fn, edge } = args;
  if (fn === undefined && edge === undefined) {
    throw invalidArgs('an edge call needs `fn` (the function\'s id or name) or `edge` (the function)', 'pass e.g. { edge: counter } with what defineEdgeFunction returned, or { fn: "example/counter/v1" }');
  }
  const a = edge !== undefined ? resolveOne(edge, 'edge') : undefined;
  const b = fn !== undefined ? resolveOne(fn, 'fn') : undefined;
  if (a && b && a.fn !== b.fn) {
    throw plasmaError('FN_MISMATCH', `\`fn\` (${b.fn}) and \`edge\` (${a.name ?? a.fn}, ${a.fn}) name different functions`, { fn: b.fn, edge: a.fn }, undefined, 'pass one of them');
  }
  return a ?? b!;
}

function resolveOne(ref: EdgeFunctionRef, field: string): ResolvedEdgeFunction {
  if (typeof ref === 'string') {
    if (/^0x[0-9a-fA-F]{64}$/.test(ref)) return { fn: ref.toLowerCase() as Hex };
    if (ref.startsWith('0x')) {
      throw invalidArgs(`${field} ${JSON.stringify(ref)} looks like hex but is not a 32-byte function id`, 'pass the id as 0x + 64 hex digits, or the function\'s name (its id is keccak256 of the name)', { [field]: ref });
    }
    if (ref === '') throw invalidArgs(`${field} is empty`, 'pass the function\'s name, e.g. "example/counter/v1", or its 32-byte id');
    return { fn: edgeFunctionId(ref), name: ref };
  }
  if (!ref || typeof ref !== 'object' || typeof (ref as EdgeFunctionInfo).name !== 'string' || !isHex((ref as EdgeFunctionInfo).fn, 32)) {
    throw invalidArgs(`${field} is not an edge function`, 'pass what defineEdgeFunction returned, a function name, or a 32-byte id', { [field]: String(ref) });
  }
  const info = ref as EdgeFunctionInfo & { decode?: unknown };
  if (info.fn.toLowerCase() !== edgeFunctionId(info.name)) {
    throw invalidArgs(`edge function "${info.name}" has fn ${info.fn}, not keccak256 of its name`, 'define it with defineEdgeFunction');
  }
  if ('kinds' in info) {
    throw plasmaError('NOT_AN_EDGE_CALL', `"${info.name}" is a token edge: it moves value with kinds of its own, not through edge calls`, { name: info.name }, undefined,
      'move tokens with deposit / withdraw / finalizeWithdrawal, or across the tree with executeRoute (`plasma-tree send`)');
  }
  return {
    fn: info.fn.toLowerCase() as Hex,
    name: info.name,
    direction: info.direction,
    ...(typeof info.decode === 'function' ? { decode: info.decode as (payload: Hex) => unknown } : {}),
  };
}

/** Checks a payload: 0x-hex bytes, at most MAX_EDGE_PAYLOAD (INVALID_PAYLOAD, PAYLOAD_TOO_LARGE). Returns it lowercase. */
export function checkEdgePayload(payload: unknown, field = 'payload'): Hex {
  if (payload instanceof Uint8Array) return checkEdgePayload(bytesToHex(payload), field);
  if (!isHex(payload)) {
    throw plasmaError('INVALID_PAYLOAD', `${field} must be 0x-hex bytes (an even number of hex digits), got ${JSON.stringify(payload)?.slice(0, 40) ?? String(payload)}`, { field }, undefined,
      'encode the arguments as bytes, e.g. with ethers\' AbiCoder or toUtf8Bytes, and pass them 0x-hex (or as a Uint8Array)');
  }
  const length = (payload.length - 2) / 2;
  if (length > MAX_EDGE_PAYLOAD) {
    throw plasmaError('PAYLOAD_TOO_LARGE', `${field} is ${length} bytes, more than the ${MAX_EDGE_PAYLOAD} an edge event carries`, { length, maximum: MAX_EDGE_PAYLOAD, field }, undefined,
      'send a hash or a pointer instead of the data, or split it over several calls');
  }
  return payload.toLowerCase() as Hex;
}

/**
 * The checks of a call that need no network: the payload (and, when the caller passed the function, its own
 * `decode`, so a payload the function would refuse is refused before anything is signed: EDGE_CALL_REFUSED, or
 * the decoder's own code), and the direction (a 'down' function needs a child, an 'up' one none:
 * EDGE_DIRECTION_MISMATCH).
 */
export function checkEdgeCall(f: ResolvedEdgeFunction, direction: EdgeCallDirection, payload: unknown): Hex {
  const p = checkEdgePayload(payload);
  if (f.direction !== undefined && f.direction !== 'both' && f.direction !== direction) {
    throw plasmaError('EDGE_DIRECTION_MISMATCH', `edge function "${f.name}" runs ${f.direction}, this call goes ${direction}`, { fn: f.fn, direction: f.direction }, undefined,
      f.direction === 'down' ? 'a down call names the child it goes to: pass `child`' : 'an up call goes to the parent: leave `child` out');
  }
  if (f.decode) {
    try {
      f.decode(p);
    } catch (e) {
      const why = e instanceof PlasmaError ? bareMessage(e) : e instanceof Error ? e.message : String(e);
      const code = e instanceof PlasmaError ? e.code : 'EDGE_CALL_REFUSED';
      throw plasmaError(code, `edge function "${f.name}" refuses the payload: ${why}`, { fn: f.fn }, e,
        'the chain would refuse the call too: fix the arguments (see the function\'s decode)');
    }
  }
  return p;
}

/** A message's payload, `abi.encode(address target, bytes data)`, with its arguments checked. */
export function messagePayload(target: string, data: unknown): Hex {
  let t: Address;
  try {
    t = getAddress(target).toLowerCase() as Address;
  } catch {
    throw plasmaError('INVALID_ADDRESS', `the message target is not an address: ${JSON.stringify(target)}`, { target }, undefined,
      'pass the 0x address of the receiver: an IPlasmaMessageReceiver contract on L1, or the address a chain\'s message handler is registered for');
  }
  const d = data instanceof Uint8Array ? bytesToHex(data) : data;
  if (!isHex(d)) {
    throw plasmaError('INVALID_PAYLOAD', `the message data must be 0x-hex bytes, got ${JSON.stringify(data)?.slice(0, 40) ?? String(data)}`, { field: 'data' }, undefined, 'pass --data 0x… (an even number of hex digits; 0x is empty data)');
  }
  return checkEdgePayload(encodeMessagePayload({ target: t, data: d.toLowerCase() as Hex }), 'the message (target and data)');
}

/**
 * The hash a node files an EDGE_FROM_CHILD under (docs/SPEC.md "Transaction hashes", as for the other kinds nobody
 * signs, with the sender, which the block form carries in `from`, outside `data`):
 * `keccak256(abi.encodePacked(uint8 9, bytes32 chainId, address sender, bytes data))` with the canonical block `data`.
 */
export function edgeFromChildHash(tx: EdgeFromChildTx): Hex {
  const lower = (h: Hex) => h.toLowerCase() as Hex;
  const data = encodeEdgeFromChildData({ child: lower(tx.child), header: tx.header, windowEnd: tx.windowEnd, fn: lower(tx.fn), payload: lower(tx.payload), index: tx.index, proof: tx.proof });
  return bytesToHex(keccak256(concatBytes(Uint8Array.of(TxKind.EdgeFromChild), hexToBytes(tx.chainId, 32), hexToBytes(normalizeAddress(tx.sender), 20), hexToBytes(data))));
}

/** The EDGE_FROM_CHILD that delivers the up edge event of `proof` on chain `parent` (the parent of the proof's chain). */
export function edgeFromChildTx(parent: ChainId, proof: ExitProof): EdgeFromChildTx {
  if (proof.leaf.kind !== 'edge') {
    throw plasmaError('NOT_AN_EDGE_EVENT', `exit ${proof.index} of block ${proof.blockNumber} is a token exit, not an edge event`, { blockNumber: proof.blockNumber, index: proof.index }, undefined,
      'pay a withdrawal with finalizeWithdrawal (`plasma-tree finalize`)');
  }
  return {
    kind: TxKind.EdgeFromChild,
    chainId: parent,
    child: proof.chainId,
    header: proof.header,
    windowEnd: BigInt(proof.windowEnd),
    fn: proof.leaf.fn,
    sender: normalizeAddress(proof.leaf.sender),
    payload: proof.leaf.payload,
    index: BigInt(proof.index),
    proof: proof.proof,
  };
}

// ---- the root contract's halves ---------------------------------------------------------------------------

/** A down edge event the root contract recorded (`EdgeEventSent`). */
export interface L1EdgeEvent {
  l1TxHash: Hex;
  l1BlockNumber: number;
  child: ChainId;
  nonce: bigint;
  fn: Hex;
  sender: Address;
  payload: Hex;
}

async function waitMined(tx: TransactionResponse, action: string): Promise<TransactionReceipt> {
  let receipt: TransactionReceipt | null;
  try {
    receipt = await tx.wait();
  } catch (e) {
    throw mapL1Error(e, action);
  }
  if (!receipt || receipt.status !== 1) throw plasmaError('L1_REVERT', `${action} reverted on L1 (tx ${tx.hash})`, { l1TxHash: tx.hash }, undefined, 'inspect the transaction on L1; the dry run passed, so the state changed in between');
  return receipt;
}

function edgeEventOf(receipt: TransactionReceipt, rootContract: Address): L1EdgeEvent {
  const iface = plasmaRootInterface();
  for (const log of receipt.logs) {
    if (log.address.toLowerCase() !== rootContract) continue;
    try {
      const parsed = iface.parseLog(log);
      if (parsed?.name !== 'EdgeEventSent') continue;
      const a = parsed.args;
      return {
        l1TxHash: receipt.hash as Hex, l1BlockNumber: receipt.blockNumber,
        child: String(a.chainId).toLowerCase() as ChainId, nonce: BigInt(a.nonce), fn: String(a.fn).toLowerCase() as Hex,
        sender: String(a.sender).toLowerCase() as Address, payload: String(a.payload).toLowerCase() as Hex,
      };
    } catch { /* another event */ }
  }
  throw plasmaError('BAD_RESPONSE', `L1 transaction ${receipt.hash} emitted no EdgeEventSent event`, { l1TxHash: receipt.hash }, undefined, 'is rootContract the PlasmaRoot contract?');
}

/**
 * The down parent half on L1: `PlasmaRoot.sendMessage(child, target, data)` for the message function, else
 * `sendEdgeEvent(child, fn, payload)`. Dry-runs first, so a refusal (UNKNOWN_CHAIN, PAYLOAD_TOO_LARGE) costs no
 * gas; resolves once mined, with the event's nonce on the child's stream.
 */
export async function sendEdgeEventL1(
  signer: Signer,
  rootContract: Address,
  args: { child: ChainId; fn: Hex; payload: Hex; message?: { target: Address; data: Hex } },
  opts: { onSent?: (l1TxHash: Hex) => void | Promise<void> } = {},
): Promise<L1EdgeEvent> {
  const root = plasmaRoot(rootContract, signer);
  const action = args.message ? 'sendMessage' : 'sendEdgeEvent';
  const call = args.message ? root.getFunction('sendMessage') : root.getFunction('sendEdgeEvent');
  const params = args.message ? [args.child, args.message.target, args.message.data] : [args.child, args.fn, args.payload];
  try {
    await call.staticCall(...params, { blockTag: 'pending' });
  } catch (e) {
    throw mapL1Error(e, action);
  }
  let tx: TransactionResponse;
  try {
    tx = (await call.send(...params)) as TransactionResponse;
  } catch (e) {
    throw mapL1Error(e, action);
  }
  await opts.onSent?.(tx.hash as Hex);
  return edgeEventOf(await waitMined(tx, action), rootContract);
}

/** A message relayed on L1 (`relayMessage`). */
export interface L1Relay {
  l1TxHash: Hex;
  l1BlockNumber: number;
  gasUsed: bigint;
  target: Address;
  sender: Address;
  data: Hex;
}

/**
 * The up parent half of a message on L1: `PlasmaRoot.relayMessage` with the proof of the message's leaf (the
 * target's `onPlasmaMessage` runs in it). Dry-runs first: a target that refuses, an open window, a spent leaf
 * come back as PlasmaErrors (CHALLENGE_WINDOW_OPEN, ALREADY_WITHDRAWN, the target's own error, …) before gas is spent.
 */
export async function relayMessageL1(signer: Signer, rootContract: Address, proof: ExitProof, opts: { onSent?: (l1TxHash: Hex) => void | Promise<void> } = {}): Promise<L1Relay> {
  const { target, data } = messageOfProof(proof);
  const h = proof.header;
  const root = plasmaRoot(rootContract, signer);
  const call = root.getFunction('relayMessage');
  const params = [
    proof.chainId,
    [h.chainId, h.number, h.parentHash, h.txRoot, h.stateRoot, h.exitRoot, h.depositNonce, h.timestamp],
    BigInt(proof.windowEnd),
    (proof.leaf as { sender: Address }).sender,
    target,
    data,
    BigInt(proof.index),
    proof.proof,
  ];
  try {
    await call.staticCall(...params, { blockTag: 'pending' });
  } catch (e) {
    throw mapL1Error(e, 'relayMessage');
  }
  let tx: TransactionResponse;
  try {
    tx = (await call.send(...params)) as TransactionResponse;
  } catch (e) {
    throw mapL1Error(e, 'relayMessage');
  }
  await opts.onSent?.(tx.hash as Hex);
  const receipt = await waitMined(tx, 'relayMessage');
  return { l1TxHash: tx.hash as Hex, l1BlockNumber: receipt.blockNumber, gasUsed: receipt.gasUsed, target, sender: (proof.leaf as { sender: Address }).sender, data };
}

/** The message an exit proof proves (NOT_A_MESSAGE unless its leaf is an up event of the message function). */
export function messageOfProof(proof: ExitProof): { target: Address; data: Hex } {
  if (proof.leaf.kind !== 'edge') {
    throw plasmaError('NOT_AN_EDGE_EVENT', `exit ${proof.index} of block ${proof.blockNumber} is a token exit, not a message`, { blockNumber: proof.blockNumber, index: proof.index }, undefined,
      'pay a withdrawal with finalizeWithdrawal (`plasma-tree finalize`)');
  }
  if (proof.leaf.fn.toLowerCase() !== MESSAGE_FN) {
    throw plasmaError('NOT_A_MESSAGE', `the up event of block ${proof.blockNumber}, index ${proof.index}, is of function ${proof.leaf.fn}, not a message: L1 runs only the message function's up half`,
      { fn: proof.leaf.fn }, undefined, 'a function of your own reaches L1 through a message to a receiver contract (docs/EDGE.md "Root contract")');
  }
  return decodeMessagePayload(proof.leaf.payload);
}

/** `ZERO_BYTES32`, the `child` of an up call. */
export const NO_CHILD: ChainId = ZERO_BYTES32;
