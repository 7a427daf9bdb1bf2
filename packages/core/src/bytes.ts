import { PlasmaError } from './errors.js';
import { keccak256 } from './hash.js';
import type { Address, Hex } from './types.js';

export const ZERO_BYTES32: Hex = `0x${'00'.repeat(32)}`;
export const MAX_UINT256 = (1n << 256n) - 1n;

/** Nibble value of each ASCII code, -1 where the code is not a hex digit. */
const NIBBLE = new Int8Array(256).fill(-1);
for (let i = 0; i < 10; i++) NIBBLE[48 + i] = i;
for (let i = 0; i < 6; i++) {
  NIBBLE[65 + i] = 10 + i;
  NIBBLE[97 + i] = 10 + i;
}
const BYTE_TO_HEX: string[] = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

export function isHex(value: unknown, byteLength?: number): value is Hex {
  if (typeof value !== 'string' || value.length % 2 !== 0 || !value.startsWith('0x')) return false;
  if (byteLength !== undefined && value.length !== 2 + 2 * byteLength) return false;
  for (let i = 2; i < value.length; i++) if (NIBBLE[value.charCodeAt(i)] < 0) return false;
  return true;
}

/**
 * Decodes `0x`-prefixed hex into `out` at `offset` without allocating (the hot path of every encoding).
 * Throws INVALID_HEX unless `hex` holds exactly `byteLength` bytes.
 */
export function writeHex(out: Uint8Array, offset: number, hex: string, byteLength: number): void {
  if (typeof hex !== 'string' || hex.length !== 2 + 2 * byteLength || hex.charCodeAt(0) !== 48 || hex.charCodeAt(1) !== 120) {
    throw invalidHex(hex, byteLength);
  }
  for (let i = 0, j = 2; i < byteLength; i++, j += 2) {
    const hi = NIBBLE[hex.charCodeAt(j)];
    const lo = NIBBLE[hex.charCodeAt(j + 1)];
    if ((hi | lo) < 0) throw invalidHex(hex, byteLength);
    out[offset + i] = (hi << 4) | lo;
  }
}

/** `0x`-hex to bytes; with `byteLength`, the input must have exactly that many bytes. */
export function hexToBytes(hex: string, byteLength?: number): Uint8Array {
  const length = byteLength ?? (typeof hex === 'string' ? (hex.length - 2) / 2 : -1);
  if (typeof hex !== 'string' || !Number.isInteger(length) || length < 0) throw invalidHex(hex, byteLength);
  const out = new Uint8Array(length);
  writeHex(out, 0, hex, length);
  return out;
}

export function bytesToHex(bytes: Uint8Array): Hex {
  let hex = '0x';
  for (let i = 0; i < bytes.length; i++) hex += BYTE_TO_HEX[bytes[i]];
  return hex as Hex;
}

/** Accepts either form where a caller may hold hex or bytes (never on the hot path). */
export function toBytes(value: Uint8Array | string, byteLength?: number): Uint8Array {
  if (value instanceof Uint8Array) {
    if (byteLength !== undefined && value.length !== byteLength) {
      throw new PlasmaError('INVALID_HEX', `expected ${byteLength} bytes, got ${value.length}`);
    }
    return value;
  }
  return hexToBytes(value, byteLength);
}

export function concatBytes(...parts: Uint8Array[]): Uint8Array {
  let length = 0;
  for (const part of parts) length += part.length;
  const out = new Uint8Array(length);
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

export function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Big-endian 32-byte word of an unsigned integer < 2^256. */
export function bigintToWord(value: bigint): Uint8Array {
  const out = new Uint8Array(32);
  writeUint256(out, 0, value);
  return out;
}

/** Big-endian unsigned integer of up to 32 bytes. */
export function wordToBigint(bytes: Uint8Array): bigint {
  let value = 0n;
  for (let i = 0; i < bytes.length; i++) value = (value << 8n) | BigInt(bytes[i]);
  return value;
}

const MASK_64 = (1n << 64n) - 1n;

/** Writes `value` as a big-endian uint256 word at `offset` (64 bits at a time: BigInt ops are the cost). */
export function writeUint256(out: Uint8Array, offset: number, value: bigint): void {
  if (value < 0n || value > MAX_UINT256) {
    throw new PlasmaError('VALUE_OUT_OF_RANGE', `${value} does not fit in a uint256`);
  }
  const view = new DataView(out.buffer, out.byteOffset + offset, 32);
  for (let pos = 24; pos >= 0; pos -= 8) {
    if (value === 0n) {
      for (let i = pos + 7; i >= 0; i--) out[offset + i] = 0;
      return;
    }
    view.setBigUint64(pos, value & MASK_64);
    value >>= 64n;
  }
}

/** Lowercase canonical form of an address; mixed-case input must carry a valid EIP-55 checksum. */
export function normalizeAddress(address: string): Address {
  if (isCanonicalAddress(address)) return address;
  if (!isHex(address, 20)) {
    throw new PlasmaError('INVALID_ADDRESS', `"${String(address)}" is not a 20-byte 0x-hex address`);
  }
  const lower = address.toLowerCase() as Address;
  const body = address.slice(2);
  if (body !== body.toLowerCase() && body !== body.toUpperCase() && toChecksumAddress(lower) !== address) {
    throw new PlasmaError('INVALID_ADDRESS', `${address} has a wrong EIP-55 checksum`, {
      hint: 'copy the address again, or pass it all lowercase',
    });
  }
  return lower;
}

/** True for the canonical (lowercase) address form used throughout Plasma Tree. */
export function isCanonicalAddress(value: unknown): value is Address {
  if (typeof value !== 'string' || value.length !== 42 || value.charCodeAt(0) !== 48 || value.charCodeAt(1) !== 120) {
    return false;
  }
  for (let i = 2; i < 42; i++) {
    const c = value.charCodeAt(i);
    if (!((c >= 48 && c <= 57) || (c >= 97 && c <= 102))) return false;
  }
  return true;
}

/** EIP-55 mixed-case form, for display. */
export function toChecksumAddress(address: string): Address {
  const lower = address.toLowerCase();
  if (!isHex(lower, 20)) throw new PlasmaError('INVALID_ADDRESS', `"${address}" is not a 20-byte 0x-hex address`);
  const hash = keccak256(new TextEncoder().encode(lower.slice(2)));
  let out = '0x';
  for (let i = 0; i < 40; i++) {
    const nibble = (hash[i >> 1] >> (i % 2 === 0 ? 4 : 0)) & 0xf;
    out += nibble >= 8 ? lower[2 + i].toUpperCase() : lower[2 + i];
  }
  return out as Address;
}

function invalidHex(value: unknown, byteLength?: number): PlasmaError {
  const shown = typeof value === 'string' ? (value.length > 80 ? `${value.slice(0, 80)}…` : value) : String(value);
  const want = byteLength === undefined ? '0x-prefixed hex with an even number of digits' : `0x-hex of ${byteLength} bytes`;
  return new PlasmaError('INVALID_HEX', `expected ${want}, got "${shown}"`);
}
