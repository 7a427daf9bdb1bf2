/**
 * Edge functions (docs/EDGE.md): what a function is, the registry of those a chain runs, the built-in message
 * function and the descriptors of the two token edges. The STF runs the halves (kinds 7-9) with an EdgeContext
 * whose storage is the function's own ledger entries, so everything a half writes is in the state root.
 */
import { bigintToWord, bytesToHex, hexToBytes, isHex, normalizeAddress } from './bytes.js';
import { decodeMessagePayload, edgeFunctionId, encodeMessagePayload, MESSAGE_FN, MESSAGE_FN_NAME } from './encoding.js';
import { PlasmaError } from './errors.js';
import type { ParentLedger } from './parentLedger.js';
import { TxKind, type Address, type ChainId, type Hex } from './types.js';

/** Down: the parent's half first, then the child's. Up: the child's half first, then the parent's. */
export type EdgeDirection = 'down' | 'up';

/** A function's own key-value storage on one chain (ledger entries of kind EdgeStorage). */
export interface EdgeStorage {
  /** The value under `key`, undefined when unset. */
  get(key: Hex): Hex | undefined;
  /** Sets `key`; the empty value '0x' is the same as unset (as a Solidity `bytes` in storage). */
  set(key: Hex, value: Hex): void;
  delete(key: Hex): void;
}

/** What a half is told about the event it runs for. */
export interface EdgeContext {
  /** The chain running this half. */
  readonly chainId: ChainId;
  /** The chain at the other end of the edge: the child of a down call or an up event, else the parent. */
  readonly peer: ChainId;
  /** Who called the function, on the chain where the send half ran. */
  readonly sender: Address;
  /** The timestamp of the block running this half. */
  readonly timestamp: bigint;
  /** A down event's nonce on the child's stream (in the send half: the nonce it is about to be recorded under). */
  readonly nonce?: bigint;
  /** The function's storage on this chain, nobody else's. */
  readonly storage: EdgeStorage;
}

/** What every edge function is: its name, its id and the way its events travel. */
export interface EdgeFunctionInfo {
  readonly name: string;
  /** keccak256(utf8(name)). */
  readonly fn: Hex;
  /** 'both' is the message function's: it runs down and up. */
  readonly direction: EdgeDirection | 'both';
}

/** An edge function the runtime runs through kinds 7-9. */
export interface EdgeFunction<Args = unknown> extends EdgeFunctionInfo {
  /** Payload bytes to typed arguments; throwing refuses the call (send side) or fails the delivery. */
  decode(payload: Hex): Args;
  /** The half on the chain where the call starts: may refuse (throw) and use its storage. */
  send?(ctx: EdgeContext, args: Args): void;
  /** The half on the other chain, once it has proof that the send half ran. */
  receive(ctx: EdgeContext, args: Args): void;
}

/** A token edge: its halves are block kinds of their own, because they move value (not run through kinds 7-9). */
export interface TokenEdgeFunction extends EdgeFunctionInfo {
  readonly direction: EdgeDirection;
  /** The kinds of its send and receive halves on child-chain hosts (on L1: the root contract's functions). */
  readonly kinds: { readonly send: readonly TxKind[]; readonly receive: readonly TxKind[] };
}

export interface EdgeFunctionDefinition<Args> {
  name: string;
  direction: EdgeDirection;
  decode?: (payload: Hex) => Args;
  send?: (ctx: EdgeContext, args: Args) => void;
  receive: (ctx: EdgeContext, args: Args) => void;
}

/** Defines an edge function; without `decode` its halves get the payload bytes. */
export function defineEdgeFunction<Args>(definition: EdgeFunctionDefinition<Args> & { decode: (payload: Hex) => Args }): EdgeFunction<Args>;
export function defineEdgeFunction(definition: EdgeFunctionDefinition<Hex>): EdgeFunction<Hex>;
export function defineEdgeFunction<Args>(definition: EdgeFunctionDefinition<Args>): EdgeFunction<Args> {
  const { name, direction, decode, send, receive } = definition;
  if (typeof name !== 'string' || name === '') throw invalidFunction(String(name), 'its name must be a non-empty string');
  if (direction !== 'down' && direction !== 'up') throw invalidFunction(name, `its direction must be 'down' or 'up', not ${String(direction)}`);
  for (const [half, value] of Object.entries({ decode, send, receive })) {
    if (value !== undefined && typeof value !== 'function') throw invalidFunction(name, `${half} must be a function`);
  }
  if (receive === undefined) throw invalidFunction(name, 'it needs a receive half');
  return Object.freeze({
    name,
    fn: edgeFunctionId(name),
    direction,
    decode: decode ?? ((payload: Hex) => payload as Args),
    ...(send === undefined ? {} : { send }),
    receive,
  });
}

/** Whether `edge` runs for events travelling `direction`. */
export function edgeRuns(edge: EdgeFunctionInfo, direction: EdgeDirection): boolean {
  return edge.direction === 'both' || edge.direction === direction;
}

// ---- the token edges (docs/EDGE.md "Built on it") ---------------------------------------------------------

export const transferToChild: TokenEdgeFunction = tokenEdge('plasma-tree/transfer-to-child/v1', 'down', [TxKind.DepositToChild], [TxKind.Deposit]);
export const transferToParent: TokenEdgeFunction = tokenEdge('plasma-tree/transfer-to-parent/v1', 'up', [TxKind.Withdraw], [TxKind.FinalizeChildExit]);

function tokenEdge(name: string, direction: EdgeDirection, send: TxKind[], receive: TxKind[]): TokenEdgeFunction {
  return Object.freeze({ name, fn: edgeFunctionId(name), direction, kinds: Object.freeze({ send: Object.freeze(send), receive: Object.freeze(receive) }) });
}

// ---- the message function ---------------------------------------------------------------------------------

/** A message's payload, `abi.encode(address target, bytes data)`. */
export interface Message {
  target: Address;
  data: Hex;
}

/** Runs where a message for `target` arrives; throwing fails the delivery (down) or refuses the relay (up). */
export type MessageHandler = (ctx: EdgeContext, message: Message) => void;

/** A message as the receiving chain's inbox recorded it. */
export interface InboxMessage extends Message {
  /** 1, 2, … in the order of arrival. */
  index: bigint;
  sourceChain: ChainId;
  sender: Address;
}

/*
 * The message function's storage: the inbox under keys 0x00 ‖ uint256(i) (i = 0 holds the count, message i is
 * sourceChain ‖ sender ‖ payload), and each handler's own storage under 0x01 ‖ target ‖ key. The first byte keeps
 * the two apart, so a handler cannot overwrite the inbox or another target's storage.
 */
const INBOX_TAG = '0x00';
const HANDLER_TAG = '0x01';

function inboxKey(index: bigint): Hex {
  return `${INBOX_TAG}${bytesToHex(bigintToWord(index)).slice(2)}`;
}

function messageFunction(handlers: ReadonlyMap<Address, MessageHandler>): EdgeFunction<Message> {
  return Object.freeze({
    name: MESSAGE_FN_NAME,
    fn: MESSAGE_FN,
    direction: 'both',
    decode: decodeMessagePayload,
    receive(ctx: EdgeContext, message: Message): void {
      const count = BigInt(ctx.storage.get(inboxKey(0n)) ?? 0n) + 1n;
      ctx.storage.set(inboxKey(0n), bytesToHex(bigintToWord(count)));
      ctx.storage.set(inboxKey(count), `${ctx.peer}${ctx.sender.slice(2)}${encodeMessagePayload(message).slice(2)}`);
      handlers.get(message.target)?.({ ...ctx, storage: handlerStorage(ctx.storage, message.target) }, message);
    },
  });
}

function handlerStorage(storage: EdgeStorage, target: Address): EdgeStorage {
  const prefix = `${HANDLER_TAG}${target.slice(2)}`;
  const at = (key: Hex): Hex => `${prefix}${hexInput(key, 'key').slice(2)}` as Hex;
  return Object.freeze({
    get: (key: Hex) => storage.get(at(key)),
    set: (key: Hex, value: Hex) => storage.set(at(key), value),
    delete: (key: Hex) => storage.delete(at(key)),
  });
}

/** The message function with no handlers: every message is only recorded in the inbox. */
export const message: EdgeFunction<Message> = messageFunction(new Map());

/** What the handler of `target` stored on the chain of `ledger`. */
export function messageHandlerStorageOf(ledger: ParentLedger, target: Address): EdgeStorage {
  return handlerStorage(edgeStorageOf(ledger, MESSAGE_FN), normalizeAddress(target));
}

/** The messages this chain received, in order (from `from`, 1-based). */
export function readMessageInbox(ledger: ParentLedger, from = 1n): InboxMessage[] {
  const count = BigInt(ledger.edgeStorage(MESSAGE_FN, inboxKey(0n)) ?? 0n);
  const messages: InboxMessage[] = [];
  for (let index = from < 1n ? 1n : from; index <= count; index++) {
    const stored = hexToBytes(ledger.edgeStorage(MESSAGE_FN, inboxKey(index))!);
    const { target, data } = decodeMessagePayload(bytesToHex(stored.subarray(52)));
    messages.push({ index, sourceChain: bytesToHex(stored.subarray(0, 32)), sender: bytesToHex(stored.subarray(32, 52)), target, data });
  }
  return messages;
}

// ---- the registry -----------------------------------------------------------------------------------------

/** The edge functions a chain runs; every validator of the chain must run the same. */
export interface EdgeRegistry {
  /** The function with id `fn`, undefined when this chain does not run it. */
  get(fn: Hex): EdgeFunction | undefined;
  /** Every function, the message function first. */
  readonly functions: readonly EdgeFunction[];
}

export interface EdgeRegistryOptions {
  /** Handlers of incoming messages by target address (a message for another target is only recorded). */
  messageHandlers?: Readonly<Record<string, MessageHandler>>;
}

const RESERVED: readonly EdgeFunctionInfo[] = [transferToChild, transferToParent];

/**
 * A registry of `fns` and the message function (with `options.messageHandlers`). Refuses two functions with
 * one name (so one id), a name of the built-ins, and anything defineEdgeFunction did not make.
 */
export function createEdgeRegistry(fns: readonly EdgeFunction[] = [], options: EdgeRegistryOptions = {}): EdgeRegistry {
  const byId = new Map<Hex, EdgeFunction>();
  for (const edge of [messageFunction(messageHandlers(options.messageHandlers ?? {})), ...fns]) {
    checkRunnable(edge);
    const taken = byId.get(edge.fn) ?? RESERVED.find((reserved) => reserved.fn === edge.fn);
    if (taken !== undefined) {
      throw new PlasmaError('DUPLICATE_EDGE_FUNCTION', `edge function "${edge.name}" (fn ${edge.fn}) is already in the registry`, {
        hint: 'give each function its own name (add a version suffix such as /v2); the message and transfer functions are built in',
        data: { name: edge.name, fn: edge.fn },
      });
    }
    byId.set(edge.fn, edge);
  }
  const functions = Object.freeze([...byId.values()]);
  return Object.freeze({ get: (fn: Hex) => byId.get(fn.toLowerCase() as Hex), functions });
}

/** The registry of a chain that runs only the built-ins. */
export const BUILT_IN_EDGES: EdgeRegistry = createEdgeRegistry();

function messageHandlers(handlers: Readonly<Record<string, MessageHandler>>): Map<Address, MessageHandler> {
  const byTarget = new Map<Address, MessageHandler>();
  for (const [target, handler] of Object.entries(handlers)) {
    let address: Address;
    try {
      address = normalizeAddress(target);
    } catch (e) {
      throw new PlasmaError('INVALID_EDGE_FUNCTION', `message handler target "${target}" is not an address`, {
        hint: 'key messageHandlers by the 0x address messages are sent to',
        data: { target },
        cause: e,
      });
    }
    if (typeof handler !== 'function') throw invalidFunction(MESSAGE_FN_NAME, `the handler for ${address} must be a function`);
    if (byTarget.has(address)) {
      throw new PlasmaError('DUPLICATE_EDGE_FUNCTION', `two message handlers for target ${address}`, {
        hint: 'register one handler per target (the same address in another case is the same target)',
        data: { target: address },
      });
    }
    byTarget.set(address, handler);
  }
  return byTarget;
}

function checkRunnable(edge: EdgeFunction): void {
  const name = String(edge?.name);
  if (typeof edge?.decode !== 'function' || typeof edge.receive !== 'function') {
    throw invalidFunction(name, 'the registry runs functions made by defineEdgeFunction (the token transfers have kinds of their own)');
  }
  if (edge.fn !== edgeFunctionId(edge.name)) throw invalidFunction(name, `its fn must be keccak256 of its name, ${edgeFunctionId(edge.name)}`);
  if (edge.direction !== 'down' && edge.direction !== 'up' && edge.direction !== 'both') throw invalidFunction(name, `direction ${String(edge.direction)}`);
}

function invalidFunction(name: string, why: string): PlasmaError {
  return new PlasmaError('INVALID_EDGE_FUNCTION', `edge function "${name}": ${why}`, {
    hint: 'define it with defineEdgeFunction({ name, direction, decode?, send?, receive })',
    data: { name },
  });
}

// ---- storage ----------------------------------------------------------------------------------------------

/** The storage of function `fn` in `ledger`. */
export function edgeStorageOf(ledger: ParentLedger, fn: Hex): EdgeStorage {
  return Object.freeze({
    get: (key: Hex) => ledger.edgeStorage(fn, key),
    set: (key: Hex, value: Hex) => ledger.setEdgeStorage(fn, key, value),
    delete: (key: Hex) => ledger.setEdgeStorage(fn, key, '0x'),
  });
}

function hexInput(value: Hex, field: string): Hex {
  if (!isHex(value)) throw new PlasmaError('INVALID_HEX', `${field} must be 0x-hex bytes`, { data: { field }, hint: 'pass keys and values as 0x-hex' });
  return value.toLowerCase() as Hex;
}
