/**
 * A small ABI encoder for the calls core builds (PlasmaRoot's proofs, the data-availability module's publications):
 * `abi.encode` of static words, `bytes`, static and dynamic tuples and arrays, exactly as Solidity lays them out.
 * Internal to core (not exported from the package).
 */
import { WORD, writeAddressWord, writeBytes32Word, writeUintWord } from './abi.js';
import { bytesToHex, concatBytes, hexToBytes } from './bytes.js';
import { encodeHeader } from './encoding.js';
import { PlasmaError } from './errors.js';
import { keccak256 } from './hash.js';
import type { Address, Header, Hex } from './types.js';

/** A value in the ABI: a static blob (a word, a static tuple) or a dynamic one (bytes, arrays, tuples holding them). */
export interface Enc {
  dynamic: boolean;
  bytes: Uint8Array;
}

export const staticEnc = (bytes: Uint8Array): Enc => ({ dynamic: false, bytes });

export function uintEnc(value: bigint | number, bits: number): Enc {
  const out = new Uint8Array(WORD);
  writeUintWord(out, 0, value, bits);
  return staticEnc(out);
}

export function bytes32Enc(value: Hex): Enc {
  const out = new Uint8Array(WORD);
  writeBytes32Word(out, 0, value);
  return staticEnc(out);
}

export function addressEnc(value: Address): Enc {
  const out = new Uint8Array(WORD);
  writeAddressWord(out, 0, value);
  return staticEnc(out);
}

export function bytesEnc(hex: Hex): Enc {
  const data = hexToBytes(hex);
  const out = new Uint8Array(WORD + Math.ceil(data.length / WORD) * WORD);
  writeUintWord(out, 0, data.length, 256);
  out.set(data, WORD);
  return { dynamic: true, bytes: out };
}

/** `abi.encode` of a tuple: the static parts in place, the dynamic ones as offsets into the tail. */
export function tupleEnc(parts: readonly Enc[]): Enc {
  const headSize = parts.reduce((n, p) => n + (p.dynamic ? WORD : p.bytes.length), 0);
  const head: Uint8Array[] = [];
  const tail: Uint8Array[] = [];
  let offset = headSize;
  for (const p of parts) {
    if (p.dynamic) {
      head.push(uintEnc(offset, 256).bytes);
      tail.push(p.bytes);
      offset += p.bytes.length;
    } else {
      head.push(p.bytes);
    }
  }
  return { dynamic: parts.some((p) => p.dynamic), bytes: concatBytes(...head, ...tail) };
}

export function dynamicArrayEnc(items: readonly Enc[]): Enc {
  return { dynamic: true, bytes: concatBytes(uintEnc(items.length, 256).bytes, tupleEnc(items).bytes) };
}

export function fixedWordsEnc(words: readonly Hex[], length: number, what: string): Enc {
  if (words.length !== length) throw new PlasmaError('VALUE_OUT_OF_RANGE', `${what} must have ${length} siblings, got ${words.length}`);
  return tupleEnc(words.map(bytes32Enc));
}

export const headerEnc = (h: Header): Enc => staticEnc(encodeHeader(h));

/** The 4-byte selector of a Solidity function signature. */
export function selectorOf(signature: string): Uint8Array {
  return keccak256(new TextEncoder().encode(signature)).subarray(0, 4);
}

/** Calldata: the selector of `signature`, then `args` as one tuple. */
export function callData(signature: string, args: readonly Enc[]): Hex {
  return bytesToHex(concatBytes(selectorOf(signature), tupleEnc(args).bytes));
}
