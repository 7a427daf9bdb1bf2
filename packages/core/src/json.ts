/**
 * JSON forms (docs/SPEC.md "Node JSON-RPC"): amounts as decimal strings, byte strings as 0x-hex, counters as
 * JSON numbers. Decoders are strict and name the exact field that is wrong; addresses come out lowercase.
 */
import { isHex, MAX_UINT256, normalizeAddress } from './bytes.js';
import { PlasmaError } from './errors.js';
import {
  isEdgeUpEvent,
  TxKind,
  type Address,
  type Block,
  type BlockTx,
  type ChainId,
  type EdgeUpEvent,
  type Exit,
  type ExitTreeLeaf,
  type Header,
  type Hex,
  type SignedTx,
} from './types.js';

export type SignedTxKindJson =
  | 'transfer'
  | 'withdraw'
  | 'depositToChild'
  | 'commitChild'
  | 'finalizeChildExit'
  | 'spawnChild'
  | 'edgeSend'
  | 'edgeFromChild'
  | 'proveChildFraud'
  | 'escapeChildExit'
  | 'reclaimChildDeposit'
  | 'freezeStalledChild'
  | 'challengeChildData'
  | 'childDataCall'
  | 'nestedEscapeCall';
/** The kinds nobody submits (they come from the parent) and the submitted ones. */
export type BlockTxKindJson = 'deposit' | 'edgeFromParent' | SignedTxKindJson;

export interface HeaderJson {
  chainId: ChainId;
  number: number;
  parentHash: Hex;
  txRoot: Hex;
  stateRoot: Hex;
  exitRoot: Hex;
  depositNonce: number;
  timestamp: number;
}

/** A transfer or a withdrawal. */
export interface SpendTxJson {
  kind: 'transfer' | 'withdraw';
  chainId: ChainId;
  slot: number;
  to: Address;
  token: Address;
  amount: string;
  nonce: number;
  signature: Hex;
}

export interface DepositToChildTxJson {
  kind: 'depositToChild';
  chainId: ChainId;
  slot: number;
  child: ChainId;
  to: Address;
  token: Address;
  amount: string;
  nonce: number;
  signature: Hex;
}

export interface CommitChildTxJson {
  kind: 'commitChild';
  chainId: ChainId;
  child: ChainId;
  header: HeaderJson;
  signatures: Hex;
}

export interface FinalizeChildExitTxJson {
  kind: 'finalizeChildExit';
  chainId: ChainId;
  child: ChainId;
  header: HeaderJson;
  windowEnd: number;
  exit: ExitJson;
  index: number;
  proof: Hex[];
}

export interface SpawnChildTxJson {
  kind: 'spawnChild';
  chainId: ChainId;
  slot: number;
  validators: Address[];
  threshold: number;
  challengeWindow: number;
  /** Seconds; absent or 0 = the default stall limit (docs/FRAUD.md §8). */
  stallLimit?: number;
  bond: string;
  nonce: number;
  signature: Hex;
}

export interface EdgeCallTxJson {
  kind: 'edgeSend';
  chainId: ChainId;
  slot: number;
  fn: Hex;
  /** 0x00…00 for an up call. */
  child: ChainId;
  payload: Hex;
  nonce: number;
  signature: Hex;
}

export interface EdgeFromChildTxJson {
  kind: 'edgeFromChild';
  chainId: ChainId;
  child: ChainId;
  header: HeaderJson;
  windowEnd: number;
  fn: Hex;
  sender: Address;
  payload: Hex;
  index: number;
  proof: Hex[];
}

/** A fraud proof against a child's committed block (kind 10, docs/FRAUD.md §7). */
export interface ProveChildFraudTxJson {
  kind: 'proveChildFraud';
  chainId: ChainId;
  child: ChainId;
  fraudKind: number;
  /** encodeFraudProofArgs of the proof. */
  args: Hex;
  /** The reward's recipient on this chain. */
  to: Address;
}

/** An account witness (AccountWitness): balance as a decimal string, nonce a JSON number. */
export interface AccountWitnessJson {
  slot: number;
  owner: Address;
  token: Address;
  balance: string;
  nonce: number;
  proof: Hex[];
}

/** A holder of a frozen child escapes on this chain (kind 11, docs/FRAUD.md §8): PlasmaRoot.escapeExit's arguments. */
export interface EscapeChildExitTxJson {
  kind: 'escapeChildExit';
  chainId: ChainId;
  child: ChainId;
  head: HeaderJson;
  windowEnd: number;
  ledgerRoot: Hex;
  account: AccountWitnessJson;
}

/** A deposit a frozen child never applied goes back (kind 12, docs/FRAUD.md §8): PlasmaRoot.reclaimDeposit's arguments. */
export interface ReclaimChildDepositTxJson {
  kind: 'reclaimChildDeposit';
  chainId: ChainId;
  child: ChainId;
  nonce: number;
  from: Address;
  to: Address;
  token: Address;
  amount: string;
}

/** A stalled child is frozen on this chain (kind 13, docs/FRAUD.md §8): PlasmaRoot.freezeStalled's argument. */
export interface FreezeStalledChildTxJson {
  kind: 'freezeStalledChild';
  chainId: ChainId;
  child: ChainId;
}

/** A challenge of a child block's data (kind 14, docs/FRAUD.md §9b), signed; the bond a decimal string. */
export interface ChallengeChildDataTxJson {
  kind: 'challengeChildData';
  chainId: ChainId;
  slot: number;
  child: ChainId;
  header: HeaderJson;
  windowEnd: number;
  bond: string;
  nonce: number;
  signature: Hex;
}

/** A data-availability call for a child (kind 15, docs/FRAUD.md §9b): the module call's calldata and who is paid. */
export interface ChildDataCallTxJson {
  kind: 'childDataCall';
  chainId: ChainId;
  child: ChainId;
  call: Hex;
  to: Address;
}

/** A nested escape paid by this chain (kind 16, docs/FRAUD.md §4c): the frozen child and the PlasmaNestedEscape call. */
export interface NestedEscapeCallTxJson {
  kind: 'nestedEscapeCall';
  chainId: ChainId;
  frozen: ChainId;
  call: Hex;
}

export type SignedTxJson =
  | NestedEscapeCallTxJson
  | ChallengeChildDataTxJson
  | ChildDataCallTxJson
  | FreezeStalledChildTxJson
  | EscapeChildExitTxJson
  | ReclaimChildDepositTxJson
  | ProveChildFraudTxJson
  | SpendTxJson
  | DepositToChildTxJson
  | CommitChildTxJson
  | FinalizeChildExitTxJson
  | SpawnChildTxJson
  | EdgeCallTxJson
  | EdgeFromChildTxJson;

export interface BlockTxJson {
  kind: BlockTxKindJson;
  slot: number;
  toSlot: number;
  from: Address;
  to: Address;
  token: Address;
  amount: string;
  nonce: number;
  r: Hex;
  s: Hex;
  v: number;
  /** '0x' for kinds 0-2. */
  data: Hex;
}

export interface ExitJson {
  recipient: Address;
  token: Address;
  amount: string;
}

export interface EdgeUpEventJson {
  fn: Hex;
  sourceChain: ChainId;
  sender: Address;
  payload: Hex;
}

/** A leaf of the exit tree: an up edge event has `fn`, a token exit has not. */
export type ExitTreeLeafJson = ExitJson | EdgeUpEventJson;

export interface BlockJson {
  header: HeaderJson;
  hash: Hex;
  txs: BlockTxJson[];
  postRoots: Hex[];
  exits: ExitTreeLeafJson[];
}

const KIND_TO_JSON: Record<TxKind, BlockTxKindJson> = {
  [TxKind.Deposit]: 'deposit',
  [TxKind.Transfer]: 'transfer',
  [TxKind.Withdraw]: 'withdraw',
  [TxKind.DepositToChild]: 'depositToChild',
  [TxKind.CommitChild]: 'commitChild',
  [TxKind.FinalizeChildExit]: 'finalizeChildExit',
  [TxKind.SpawnChild]: 'spawnChild',
  [TxKind.EdgeSend]: 'edgeSend',
  [TxKind.EdgeFromParent]: 'edgeFromParent',
  [TxKind.EdgeFromChild]: 'edgeFromChild',
  [TxKind.ProveChildFraud]: 'proveChildFraud',
  [TxKind.EscapeChildExit]: 'escapeChildExit',
  [TxKind.ReclaimChildDeposit]: 'reclaimChildDeposit',
  [TxKind.FreezeStalledChild]: 'freezeStalledChild',
  [TxKind.ChallengeChildData]: 'challengeChildData',
  [TxKind.ChildDataCall]: 'childDataCall',
  [TxKind.NestedEscapeCall]: 'nestedEscapeCall',
};
const KIND_FROM_JSON: Record<string, TxKind> = Object.fromEntries(Object.entries(KIND_TO_JSON).map(([kind, json]) => [json, Number(kind) as TxKind]));
/** Every kind but 0 and 8: deposits and edge events from the parent are not submitted, they come from the parent. */
const SIGNED_KIND_FROM_JSON: Record<string, TxKind> = Object.fromEntries(
  Object.entries(KIND_FROM_JSON).filter(([json]) => json !== 'deposit' && json !== 'edgeFromParent'),
);
const DECIMAL = /^(0|[1-9][0-9]{0,77})$/;

// ---- encoding ---------------------------------------------------------------------------------------------

export function headerToJson(header: Header): HeaderJson {
  return {
    chainId: header.chainId,
    number: toJsonNumber(header.number, 'header.number'),
    parentHash: header.parentHash,
    txRoot: header.txRoot,
    stateRoot: header.stateRoot,
    exitRoot: header.exitRoot,
    depositNonce: toJsonNumber(header.depositNonce, 'header.depositNonce'),
    timestamp: toJsonNumber(header.timestamp, 'header.timestamp'),
  };
}

export function signedTxToJson(tx: SignedTx): SignedTxJson {
  switch (tx.kind) {
    case TxKind.Transfer:
    case TxKind.Withdraw:
      return {
        kind: tx.kind === TxKind.Transfer ? 'transfer' : 'withdraw',
        chainId: tx.chainId,
        slot: tx.slot,
        to: tx.to,
        token: tx.token,
        amount: tx.amount.toString(),
        nonce: toJsonNumber(tx.nonce, 'tx.nonce'),
        signature: tx.signature,
      };
    case TxKind.DepositToChild:
      return {
        kind: 'depositToChild',
        chainId: tx.chainId,
        slot: tx.slot,
        child: tx.child,
        to: tx.to,
        token: tx.token,
        amount: tx.amount.toString(),
        nonce: toJsonNumber(tx.nonce, 'tx.nonce'),
        signature: tx.signature,
      };
    case TxKind.CommitChild:
      return { kind: 'commitChild', chainId: tx.chainId, child: tx.child, header: headerToJson(tx.header), signatures: tx.signatures };
    case TxKind.FinalizeChildExit:
      return {
        kind: 'finalizeChildExit',
        chainId: tx.chainId,
        child: tx.child,
        header: headerToJson(tx.header),
        windowEnd: toJsonNumber(tx.windowEnd, 'tx.windowEnd'),
        exit: exitToJson(tx.exit),
        index: toJsonNumber(tx.index, 'tx.index'),
        proof: tx.proof.slice(),
      };
    case TxKind.SpawnChild:
      return {
        kind: 'spawnChild',
        chainId: tx.chainId,
        slot: tx.slot,
        validators: tx.validators.slice(),
        threshold: tx.threshold,
        challengeWindow: toJsonNumber(tx.challengeWindow, 'tx.challengeWindow'),
        ...(tx.stallLimit === undefined ? {} : { stallLimit: toJsonNumber(tx.stallLimit, 'tx.stallLimit') }),
        bond: tx.bond.toString(),
        nonce: toJsonNumber(tx.nonce, 'tx.nonce'),
        signature: tx.signature,
      };
    case TxKind.EdgeSend:
      return {
        kind: 'edgeSend',
        chainId: tx.chainId,
        slot: tx.slot,
        fn: tx.fn,
        child: tx.child,
        payload: tx.payload,
        nonce: toJsonNumber(tx.nonce, 'tx.nonce'),
        signature: tx.signature,
      };
    case TxKind.EdgeFromChild:
      return {
        kind: 'edgeFromChild',
        chainId: tx.chainId,
        child: tx.child,
        header: headerToJson(tx.header),
        windowEnd: toJsonNumber(tx.windowEnd, 'tx.windowEnd'),
        fn: tx.fn,
        sender: tx.sender,
        payload: tx.payload,
        index: toJsonNumber(tx.index, 'tx.index'),
        proof: tx.proof.slice(),
      };
    case TxKind.ProveChildFraud:
      return { kind: 'proveChildFraud', chainId: tx.chainId, child: tx.child, fraudKind: tx.fraudKind, args: tx.args, to: tx.to };
    case TxKind.EscapeChildExit: {
      const a = tx.account;
      return {
        kind: 'escapeChildExit',
        chainId: tx.chainId,
        child: tx.child,
        head: headerToJson(tx.head),
        windowEnd: toJsonNumber(tx.windowEnd, 'tx.windowEnd'),
        ledgerRoot: tx.ledgerRoot,
        account: { slot: a.slot, owner: a.owner, token: a.token, balance: a.balance.toString(), nonce: toJsonNumber(a.nonce, 'tx.account.nonce'), proof: a.proof.slice() },
      };
    }
    case TxKind.ReclaimChildDeposit:
      return {
        kind: 'reclaimChildDeposit',
        chainId: tx.chainId,
        child: tx.child,
        nonce: toJsonNumber(tx.nonce, 'tx.nonce'),
        from: tx.from,
        to: tx.to,
        token: tx.token,
        amount: tx.amount.toString(),
      };
    case TxKind.FreezeStalledChild:
      return { kind: 'freezeStalledChild', chainId: tx.chainId, child: tx.child };
    case TxKind.ChallengeChildData:
      return {
        kind: 'challengeChildData',
        chainId: tx.chainId,
        slot: tx.slot,
        child: tx.child,
        header: headerToJson(tx.header),
        windowEnd: toJsonNumber(tx.windowEnd, 'tx.windowEnd'),
        bond: tx.bond.toString(),
        nonce: toJsonNumber(tx.nonce, 'tx.nonce'),
        signature: tx.signature,
      };
    case TxKind.ChildDataCall:
      return { kind: 'childDataCall', chainId: tx.chainId, child: tx.child, call: tx.call, to: tx.to };
    case TxKind.NestedEscapeCall:
      return { kind: 'nestedEscapeCall', chainId: tx.chainId, frozen: tx.frozen, call: tx.call };
  }
}

export function blockTxToJson(tx: BlockTx): BlockTxJson {
  return {
    kind: KIND_TO_JSON[tx.kind],
    slot: tx.slot,
    toSlot: tx.toSlot,
    from: tx.from,
    to: tx.to,
    token: tx.token,
    amount: tx.amount.toString(),
    nonce: toJsonNumber(tx.nonce, 'tx.nonce'),
    r: tx.r,
    s: tx.s,
    v: tx.v,
    data: tx.data,
  };
}

export function exitToJson(exit: Exit): ExitJson {
  return { recipient: exit.recipient, token: exit.token, amount: exit.amount.toString() };
}

export function edgeUpEventToJson(event: EdgeUpEvent): EdgeUpEventJson {
  return { fn: event.fn, sourceChain: event.sourceChain, sender: event.sender, payload: event.payload };
}

export function exitTreeLeafToJson(leaf: ExitTreeLeaf): ExitTreeLeafJson {
  return isEdgeUpEvent(leaf) ? edgeUpEventToJson(leaf) : exitToJson(leaf);
}

export function blockToJson(block: Block): BlockJson {
  return {
    header: headerToJson(block.header),
    hash: block.hash,
    txs: block.txs.map(blockTxToJson),
    postRoots: block.postRoots.slice(),
    exits: block.exits.map(exitTreeLeafToJson),
  };
}

function toJsonNumber(value: bigint, field: string): number {
  if (value < 0n || value > BigInt(Number.MAX_SAFE_INTEGER)) {
    throw new PlasmaError('VALUE_OUT_OF_RANGE', `${field} = ${value} does not fit in a JSON number`);
  }
  return Number(value);
}

// ---- decoding ---------------------------------------------------------------------------------------------

type MalformedCode = 'MALFORMED_TX' | 'MALFORMED_BLOCK';

/** Reads fields of one JSON object, throwing `code` with the full path of the first bad field. */
class FieldReader {
  private readonly obj: Record<string, unknown>;

  constructor(
    private readonly code: MalformedCode,
    private readonly path: string,
    value: unknown,
    /** When set, any other key is refused (user input: a stray field is a client bug). */
    allowedKeys?: readonly string[],
  ) {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) this.fail(path, 'an object', value);
    this.obj = value as Record<string, unknown>;
    if (allowedKeys) {
      for (const key of Object.keys(this.obj)) {
        if (!allowedKeys.includes(key)) {
          throw new PlasmaError(code, `unknown field ${path}.${key}`, {
            data: { field: `${path}.${key}` },
            hint: `the fields are ${allowedKeys.join(', ')}`,
          });
        }
      }
    }
  }

  raw(key: string): unknown {
    return this.obj[key];
  }

  hex32(key: string): Hex {
    const value = this.obj[key];
    if (!isHex(value, 32)) this.fail(this.at(key), '32 bytes of 0x-hex', value);
    return value.toLowerCase() as Hex;
  }

  hex(key: string, byteLength: number): Hex {
    const value = this.obj[key];
    if (!isHex(value, byteLength)) this.fail(this.at(key), `${byteLength} bytes of 0x-hex`, value);
    return value.toLowerCase() as Hex;
  }

  /** 0x-hex bytes of any length (an even number of digits). */
  bytes(key: string): Hex {
    const value = this.obj[key];
    if (!isHex(value)) this.fail(this.at(key), '0x-hex bytes (an even number of digits)', value);
    return value.toLowerCase() as Hex;
  }

  /** A nested object, read with the same error code. */
  object(key: string, allowedKeys?: readonly string[]): FieldReader {
    return new FieldReader(this.code, this.at(key), this.obj[key], allowedKeys);
  }

  address(key: string): Address {
    const value = this.obj[key];
    try {
      return normalizeAddress(value as string);
    } catch (e) {
      return this.fail(this.at(key), 'a 0x address (20 bytes, valid EIP-55 checksum if mixed case)', value, e);
    }
  }

  /** A JSON number that is an integer in 0..max. */
  integer(key: string, max: number, what: string): number {
    const value = this.obj[key];
    if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0 || value > max) this.fail(this.at(key), what, value);
    return value;
  }

  /** A uint64 carried as a JSON number (so below 2^53). */
  uint64(key: string): bigint {
    return BigInt(this.integer(key, Number.MAX_SAFE_INTEGER, 'a non-negative integer JSON number'));
  }

  /** A uint256 carried as a decimal string. */
  amount(key: string): bigint {
    const value = this.obj[key];
    if (typeof value !== 'string' || !DECIMAL.test(value) || BigInt(value) > MAX_UINT256) {
      this.fail(this.at(key), 'a decimal string of a uint256 (no sign, no leading zeros, no exponent)', value);
    }
    return BigInt(value);
  }

  array(key: string): unknown[] {
    const value = this.obj[key];
    if (!Array.isArray(value)) this.fail(this.at(key), 'an array', value);
    return value;
  }

  oneOf<T>(key: string, options: Record<string, T>): T {
    const value = this.obj[key];
    if (typeof value !== 'string' || !Object.hasOwn(options, value)) {
      this.fail(this.at(key), `one of ${Object.keys(options).map((o) => `"${o}"`).join(', ')}`, value);
    }
    return options[value];
  }

  at(key: string): string {
    return `${this.path}.${key}`;
  }

  fail(field: string, expected: string, value: unknown, cause?: unknown): never {
    throw new PlasmaError(this.code, `${field} must be ${expected}, got ${show(value)}`, { data: { field }, cause });
  }
}

const SIGNED_TX_KEYS: Record<SignedTxKindJson, readonly string[]> = {
  transfer: ['kind', 'chainId', 'slot', 'to', 'token', 'amount', 'nonce', 'signature'],
  withdraw: ['kind', 'chainId', 'slot', 'to', 'token', 'amount', 'nonce', 'signature'],
  depositToChild: ['kind', 'chainId', 'slot', 'child', 'to', 'token', 'amount', 'nonce', 'signature'],
  commitChild: ['kind', 'chainId', 'child', 'header', 'signatures'],
  finalizeChildExit: ['kind', 'chainId', 'child', 'header', 'windowEnd', 'exit', 'index', 'proof'],
  spawnChild: ['kind', 'chainId', 'slot', 'validators', 'threshold', 'challengeWindow', 'stallLimit', 'bond', 'nonce', 'signature'],
  edgeSend: ['kind', 'chainId', 'slot', 'fn', 'child', 'payload', 'nonce', 'signature'],
  edgeFromChild: ['kind', 'chainId', 'child', 'header', 'windowEnd', 'fn', 'sender', 'payload', 'index', 'proof'],
  proveChildFraud: ['kind', 'chainId', 'child', 'fraudKind', 'args', 'to'],
  escapeChildExit: ['kind', 'chainId', 'child', 'head', 'windowEnd', 'ledgerRoot', 'account'],
  reclaimChildDeposit: ['kind', 'chainId', 'child', 'nonce', 'from', 'to', 'token', 'amount'],
  freezeStalledChild: ['kind', 'chainId', 'child'],
  challengeChildData: ['kind', 'chainId', 'slot', 'child', 'header', 'windowEnd', 'bond', 'nonce', 'signature'],
  childDataCall: ['kind', 'chainId', 'child', 'call', 'to'],
  nestedEscapeCall: ['kind', 'chainId', 'frozen', 'call'],
};
const ACCOUNT_WITNESS_KEYS = ['slot', 'owner', 'token', 'balance', 'nonce', 'proof'] as const;
const HEADER_KEYS = ['chainId', 'number', 'parentHash', 'txRoot', 'stateRoot', 'exitRoot', 'depositNonce', 'timestamp'] as const;
const EXIT_KEYS = ['recipient', 'token', 'amount'] as const;
const EDGE_UP_EVENT_KEYS = ['fn', 'sourceChain', 'sender', 'payload'] as const;
const UINT32_MAX = 2 ** 32 - 1;

/** Decodes a transaction as submitted (kinds 1-7 and 9-15); throws MALFORMED_TX naming the field. */
export function signedTxFromJson(json: unknown): SignedTx {
  const kind = new FieldReader('MALFORMED_TX', 'tx', json).oneOf('kind', SIGNED_KIND_FROM_JSON);
  // Typed explicitly so that `r.fail` (never) narrows.
  const r: FieldReader = new FieldReader('MALFORMED_TX', 'tx', json, SIGNED_TX_KEYS[KIND_TO_JSON[kind] as SignedTxKindJson]);
  const slot = () => r.integer('slot', UINT32_MAX, 'a uint32 JSON number');
  const proof = () =>
    r.array('proof').map((sibling, i) => {
      if (!isHex(sibling, 32)) r.fail(`${r.at('proof')}[${i}]`, '32 bytes of 0x-hex', sibling);
      return sibling.toLowerCase() as Hex;
    });
  switch (kind) {
    case TxKind.Transfer:
    case TxKind.Withdraw:
      return {
        kind,
        chainId: r.hex32('chainId'),
        slot: slot(),
        to: r.address('to'),
        token: r.address('token'),
        amount: r.amount('amount'),
        nonce: r.uint64('nonce'),
        signature: r.hex('signature', 65),
      };
    case TxKind.DepositToChild:
      return {
        kind,
        chainId: r.hex32('chainId'),
        slot: slot(),
        child: r.hex32('child'),
        to: r.address('to'),
        token: r.address('token'),
        amount: r.amount('amount'),
        nonce: r.uint64('nonce'),
        signature: r.hex('signature', 65),
      };
    case TxKind.CommitChild:
      return {
        kind,
        chainId: r.hex32('chainId'),
        child: r.hex32('child'),
        header: headerFrom(r.object('header', HEADER_KEYS)),
        signatures: r.bytes('signatures'),
      };
    case TxKind.FinalizeChildExit:
      return {
        kind,
        chainId: r.hex32('chainId'),
        child: r.hex32('child'),
        header: headerFrom(r.object('header', HEADER_KEYS)),
        windowEnd: r.uint64('windowEnd'),
        exit: exitFrom(r.object('exit', EXIT_KEYS)),
        index: r.uint64('index'),
        proof: proof(),
      };
    case TxKind.SpawnChild:
      return {
        kind,
        chainId: r.hex32('chainId'),
        slot: slot(),
        validators: r.array('validators').map((validator, i) => {
          try {
            return normalizeAddress(validator as string);
          } catch (e) {
            return r.fail(`${r.at('validators')}[${i}]`, 'a 0x address (20 bytes, valid EIP-55 checksum if mixed case)', validator, e);
          }
        }),
        threshold: r.integer('threshold', 255, 'a uint8 JSON number'),
        challengeWindow: r.uint64('challengeWindow'),
        ...(r.raw('stallLimit') === undefined ? {} : { stallLimit: r.uint64('stallLimit') }),
        bond: r.amount('bond'),
        nonce: r.uint64('nonce'),
        signature: r.hex('signature', 65),
      };
    case TxKind.EdgeSend:
      return {
        kind,
        chainId: r.hex32('chainId'),
        slot: slot(),
        fn: r.hex32('fn'),
        child: r.hex32('child'),
        payload: r.bytes('payload'),
        nonce: r.uint64('nonce'),
        signature: r.hex('signature', 65),
      };
    case TxKind.EdgeFromChild:
      return {
        kind,
        chainId: r.hex32('chainId'),
        child: r.hex32('child'),
        header: headerFrom(r.object('header', HEADER_KEYS)),
        windowEnd: r.uint64('windowEnd'),
        fn: r.hex32('fn'),
        sender: r.address('sender'),
        payload: r.bytes('payload'),
        index: r.uint64('index'),
        proof: proof(),
      };
    case TxKind.ProveChildFraud:
      return {
        kind,
        chainId: r.hex32('chainId'),
        child: r.hex32('child'),
        fraudKind: r.integer('fraudKind', 255, 'a uint8 JSON number'),
        args: r.bytes('args'),
        to: r.address('to'),
      };
    case TxKind.EscapeChildExit: {
      const a = r.object('account', ACCOUNT_WITNESS_KEYS);
      const siblings = a.array('proof').map((sibling, i) => {
        if (!isHex(sibling, 32)) a.fail(`${a.at('proof')}[${i}]`, '32 bytes of 0x-hex', sibling);
        return (sibling as string).toLowerCase() as Hex;
      });
      return {
        kind,
        chainId: r.hex32('chainId'),
        child: r.hex32('child'),
        head: headerFrom(r.object('head', HEADER_KEYS)),
        windowEnd: r.uint64('windowEnd'),
        ledgerRoot: r.hex32('ledgerRoot'),
        account: { slot: a.integer('slot', UINT32_MAX, 'a uint32 JSON number'), owner: a.address('owner'), token: a.address('token'), balance: a.amount('balance'), nonce: a.uint64('nonce'), proof: siblings },
      };
    }
    case TxKind.ReclaimChildDeposit:
      return {
        kind,
        chainId: r.hex32('chainId'),
        child: r.hex32('child'),
        nonce: r.uint64('nonce'),
        from: r.address('from'),
        to: r.address('to'),
        token: r.address('token'),
        amount: r.amount('amount'),
      };
    case TxKind.FreezeStalledChild:
      return { kind, chainId: r.hex32('chainId'), child: r.hex32('child') };
    case TxKind.ChallengeChildData:
      return {
        kind,
        chainId: r.hex32('chainId'),
        slot: slot(),
        child: r.hex32('child'),
        header: headerFrom(r.object('header', HEADER_KEYS)),
        windowEnd: r.uint64('windowEnd'),
        bond: r.amount('bond'),
        nonce: r.uint64('nonce'),
        signature: r.hex('signature', 65),
      };
    case TxKind.ChildDataCall:
      return { kind, chainId: r.hex32('chainId'), child: r.hex32('child'), call: r.bytes('call'), to: r.address('to') };
    case TxKind.NestedEscapeCall:
      return { kind, chainId: r.hex32('chainId'), frozen: r.hex32('frozen'), call: r.bytes('call') };
    default:
      return r.fail(r.at('kind'), 'a submitted kind', kind);
  }
}

function headerFrom(r: FieldReader): Header {
  return {
    chainId: r.hex32('chainId'),
    number: r.uint64('number'),
    parentHash: r.hex32('parentHash'),
    txRoot: r.hex32('txRoot'),
    stateRoot: r.hex32('stateRoot'),
    exitRoot: r.hex32('exitRoot'),
    depositNonce: r.uint64('depositNonce'),
    timestamp: r.uint64('timestamp'),
  };
}

/** Decodes a header; throws MALFORMED_BLOCK naming the field. */
export function headerFromJson(json: unknown, path = 'header'): Header {
  return headerFrom(new FieldReader('MALFORMED_BLOCK', path, json));
}

function blockTxFrom(r: FieldReader): BlockTx {
  return {
    kind: r.oneOf('kind', KIND_FROM_JSON),
    slot: r.integer('slot', UINT32_MAX, 'a uint32 JSON number'),
    toSlot: r.integer('toSlot', UINT32_MAX, 'a uint32 JSON number'),
    from: r.address('from'),
    to: r.address('to'),
    token: r.address('token'),
    amount: r.amount('amount'),
    nonce: r.uint64('nonce'),
    r: r.hex32('r'),
    s: r.hex32('s'),
    v: r.integer('v', 255, 'a uint8 JSON number'),
    data: r.bytes('data'),
  };
}

export function blockTxFromJson(json: unknown, path = 'tx'): BlockTx {
  return blockTxFrom(new FieldReader('MALFORMED_BLOCK', path, json));
}

function exitFrom(r: FieldReader): Exit {
  return { recipient: r.address('recipient'), token: r.address('token'), amount: r.amount('amount') };
}

export function exitFromJson(json: unknown, path = 'exit'): Exit {
  return exitFrom(new FieldReader('MALFORMED_BLOCK', path, json));
}

export function edgeUpEventFromJson(json: unknown, path = 'event'): EdgeUpEvent {
  const r = new FieldReader('MALFORMED_BLOCK', path, json, EDGE_UP_EVENT_KEYS);
  return { fn: r.hex32('fn'), sourceChain: r.hex32('sourceChain'), sender: r.address('sender'), payload: r.bytes('payload') };
}

/** A token exit, or an up edge event when it has `fn`; throws MALFORMED_BLOCK naming the field. */
export function exitTreeLeafFromJson(json: unknown, path = 'exit'): ExitTreeLeaf {
  const isEvent = typeof json === 'object' && json !== null && Object.hasOwn(json, 'fn');
  return isEvent ? edgeUpEventFromJson(json, path) : exitFromJson(json, path);
}

/**
 * Decodes a block; throws MALFORMED_BLOCK naming the field (e.g. `block.txs[3].amount`). Only the shape is
 * checked here: `verifyBlock` checks hashes, roots and the transactions themselves.
 */
export function blockFromJson(json: unknown): Block {
  const r: FieldReader = new FieldReader('MALFORMED_BLOCK', 'block', json);
  const header = headerFromJson(r.raw('header'), r.at('header'));
  const hash = r.hex32('hash');
  const txs = r.array('txs').map((tx, i) => blockTxFromJson(tx, `${r.at('txs')}[${i}]`));
  const postRootsJson = r.array('postRoots');
  const postRoots = postRootsJson.map((root, i) => {
    if (!isHex(root, 32)) r.fail(`${r.at('postRoots')}[${i}]`, '32 bytes of 0x-hex', root);
    return root.toLowerCase() as Hex;
  });
  if (postRoots.length !== txs.length) {
    r.fail(r.at('postRoots'), `one root per transaction (${txs.length})`, `${postRoots.length} roots`);
  }
  const exits = r.array('exits').map((exit, i) => exitTreeLeafFromJson(exit, `${r.at('exits')}[${i}]`));
  return { header, hash, txs, postRoots, exits };
}

function show(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (typeof value === 'string') return JSON.stringify(value.length > 80 ? `${value.slice(0, 80)}…` : value);
  if (typeof value === 'bigint') return `${value}n`;
  try {
    const text = JSON.stringify(value);
    return text.length > 80 ? `${text.slice(0, 80)}…` : text;
  } catch {
    return String(value);
  }
}
