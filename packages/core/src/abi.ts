/**
 * The subset of the Solidity ABI that the SPEC uses: `abi.encode` of static 32-byte words. Every word is
 * written in place so the encoders of the hot path allocate nothing but their output buffer.
 */
import { bytesToHex, writeHex, writeUint256 } from './bytes.js';
import { PlasmaError } from './errors.js';
import type { Address, Hex } from './types.js';

export const WORD = 32;

export type StaticAbiType = 'uint8' | 'uint32' | 'uint64' | 'uint256' | 'address' | 'bytes32';
/** Integers as bigint or safe-integer number; address and bytes32 as 0x-hex (bytes32 also as bytes). */
export type StaticAbiValue = bigint | number | string | Uint8Array;
export type DecodedAbiValue = bigint | Address | Hex;

const UINT_BITS: Record<string, number> = { uint8: 8, uint32: 32, uint64: 64, uint256: 256 };

/** Writes an unsigned integer of `bits` bits as a big-endian word; throws VALUE_OUT_OF_RANGE if it does not fit. */
export function writeUintWord(out: Uint8Array, offset: number, value: bigint | number, bits: number): void {
  if (typeof value === 'number') {
    if (!Number.isSafeInteger(value) || value < 0 || (bits < 53 && value >= 2 ** bits)) throw outOfRange(value, bits);
    out.fill(0, offset, offset + 24);
    const view = new DataView(out.buffer, out.byteOffset + offset + 24, 8);
    view.setUint32(0, Math.floor(value / 2 ** 32));
    view.setUint32(4, value >>> 0);
    return;
  }
  if (typeof value !== 'bigint' || value < 0n || (bits < 256 && value >= 1n << BigInt(bits))) {
    throw outOfRange(value, bits);
  }
  writeUint256(out, offset, value);
}

/** Writes a left-padded address word (12 zero bytes, then the 20 address bytes). */
export function writeAddressWord(out: Uint8Array, offset: number, address: string): void {
  out.fill(0, offset, offset + 12);
  writeHex(out, offset + 12, address, 20);
}

export function writeBytes32Word(out: Uint8Array, offset: number, value: string | Uint8Array): void {
  if (typeof value === 'string') return writeHex(out, offset, value, 32);
  if (value.length !== 32) throw new PlasmaError('INVALID_HEX', `expected a 32-byte word, got ${value.length} bytes`);
  out.set(value, offset);
}

export function writeWord(out: Uint8Array, offset: number, type: StaticAbiType, value: StaticAbiValue): void {
  switch (type) {
    case 'address':
      if (typeof value !== 'string') throw typeMismatch(type, value);
      return writeAddressWord(out, offset, value);
    case 'bytes32':
      if (typeof value !== 'string' && !(value instanceof Uint8Array)) throw typeMismatch(type, value);
      return writeBytes32Word(out, offset, value);
    default: {
      const bits = UINT_BITS[type];
      if (bits === undefined) throw new PlasmaError('VALUE_OUT_OF_RANGE', `unsupported ABI type ${String(type)}`);
      if (typeof value !== 'bigint' && typeof value !== 'number') throw typeMismatch(type, value);
      return writeUintWord(out, offset, value, bits);
    }
  }
}

/** `abi.encode(values...)` for static word types. */
export function encodeWords(types: readonly StaticAbiType[], values: readonly StaticAbiValue[]): Uint8Array {
  if (types.length !== values.length) {
    throw new PlasmaError('VALUE_OUT_OF_RANGE', `${types.length} types but ${values.length} values`);
  }
  const out = new Uint8Array(types.length * WORD);
  for (let i = 0; i < types.length; i++) writeWord(out, i * WORD, types[i], values[i]);
  return out;
}

/** Inverse of encodeWords; rejects dirty high bits the way Solidity's decoder does. */
export function decodeWords(types: readonly StaticAbiType[], data: Uint8Array): DecodedAbiValue[] {
  if (data.length !== types.length * WORD) {
    throw new PlasmaError('VALUE_OUT_OF_RANGE', `expected ${types.length * WORD} bytes, got ${data.length}`);
  }
  return types.map((type, i) => {
    const word = data.subarray(i * WORD, (i + 1) * WORD);
    if (type === 'bytes32') return bytesToHex(word);
    const valueBytes = type === 'address' ? 20 : UINT_BITS[type] / 8;
    for (let j = 0; j < WORD - valueBytes; j++) {
      if (word[j] !== 0) throw new PlasmaError('VALUE_OUT_OF_RANGE', `word ${i} does not fit in ${type}`);
    }
    const tail = word.subarray(WORD - valueBytes);
    return type === 'address' ? (bytesToHex(tail) as Address) : BigInt(bytesToHex(tail));
  });
}

function outOfRange(value: unknown, bits: number): PlasmaError {
  return new PlasmaError('VALUE_OUT_OF_RANGE', `${String(value)} is not a uint${bits}`);
}

function typeMismatch(type: StaticAbiType, value: unknown): PlasmaError {
  return new PlasmaError('VALUE_OUT_OF_RANGE', `a ${type} word cannot hold a ${typeof value}`);
}
