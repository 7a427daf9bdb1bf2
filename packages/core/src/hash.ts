import { keccak_256 } from '@noble/hashes/sha3.js';
import { createKeccak } from 'hash-wasm';

/**
 * The hash behind every tree and encoding. An interface because the ZK chain kind will plug Poseidon in.
 * Both methods return a fresh 32-byte array that the caller owns.
 */
export interface Hasher {
  readonly name: string;
  hash(data: Uint8Array): Uint8Array;
  /** hash(a ‖ b) without the concatenation: the internal node of every Merkle tree. */
  hashPair(a: Uint8Array, b: Uint8Array): Uint8Array;
}

export type KeccakBackend = 'hash-wasm' | 'noble';

type HashFunction = (data: Uint8Array) => Uint8Array;

function keccakHasherOf(hash: HashFunction): Hasher {
  // hash(a ‖ b) through one reused buffer: no allocation, and one 64-byte update is ~30% faster than two.
  const pair = new Uint8Array(64);
  const hashPair = (a: Uint8Array, b: Uint8Array): Uint8Array => {
    if (a.length !== 32 || b.length !== 32) return hash(concat(a, b));
    pair.set(a, 0);
    pair.set(b, 32);
    return hash(pair);
  };
  return Object.freeze({ name: 'keccak256', hash, hashPair });
}

/**
 * hash-wasm's keccak is ~7x faster than noble's, but its factory is async. It is awaited here, at module
 * evaluation (top-level await), so no code can reach the slow path by forgetting an init call; noble only
 * serves runtimes without WebAssembly.
 */
async function loadWasmKeccak(): Promise<HashFunction | undefined> {
  try {
    const wasm = await createKeccak(256);
    return (data) => wasm.init().update(data).digest('binary');
  } catch {
    return undefined;
  }
}

const wasmKeccak = await loadWasmKeccak();

/** Which implementation serves keccak in this process (for startup logs; see initCore). */
export const keccakBackend: KeccakBackend = wasmKeccak ? 'hash-wasm' : 'noble';

/** The portable reference implementation (tests compare the fast one against it). */
export const nobleKeccakHasher: Hasher = keccakHasherOf((data) => keccak_256(data));

/** keccak-256 of the SPEC, on the fastest backend available. */
export const keccakHasher: Hasher = wasmKeccak ? keccakHasherOf(wasmKeccak) : nobleKeccakHasher;

export const keccak256: HashFunction = keccakHasher.hash;

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a, 0);
  out.set(b, a.length);
  return out;
}
