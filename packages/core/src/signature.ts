/**
 * Signature schemes. secp256k1 is the one the SPEC uses now (EdDSA over BabyJubJub will join for the ZK chain
 * kind). Signatures are 65 bytes `r ‖ s ‖ v` with v ∈ {27, 28} and low s (EIP-2); anything else is refused
 * before any curve arithmetic.
 */
import { secp256k1 as nobleCurve } from '@noble/curves/secp256k1.js';
import { createRequire } from 'node:module';
import { bytesToHex, toBytes } from './bytes.js';
import { PlasmaError } from './errors.js';
import { keccak256 } from './hash.js';
import type { Address, Hex } from './types.js';

export interface SignatureScheme {
  readonly name: string;
  /** Signs a 32-byte digest; returns 65 bytes r ‖ s ‖ v (v 27/28, low s). */
  sign(digest: Uint8Array | Hex, privateKey: Uint8Array | Hex): Hex;
  /** The signer's address; throws BAD_SIGNATURE for a malformed, high-s or unrecoverable signature. */
  recover(digest: Uint8Array | Hex, signature: Uint8Array | Hex): Address;
  addressOf(privateKey: Uint8Array | Hex): Address;
}

export interface SignatureParts {
  r: Hex;
  s: Hex;
  v: number;
}

export const SIGNATURE_BYTES = 65;

/** secp256k1 group order n, and n / 2 (the largest s EIP-2 allows), big-endian. */
const CURVE_ORDER = toBytes('0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141', 32);
const HALF_CURVE_ORDER = toBytes('0x7fffffffffffffffffffffffffffffff5d576e7357a4501ddfe92f46681b20a0', 32);

/** Splits a 65-byte signature into its block form (r, s, v) after checking it is well-formed. */
export function splitSignature(signature: Uint8Array | Hex): SignatureParts {
  const bytes = checkSignature(signature);
  return { r: bytesToHex(bytes.subarray(0, 32)), s: bytesToHex(bytes.subarray(32, 64)), v: bytes[64] };
}

export function joinSignature(parts: SignatureParts): Hex {
  const bytes = new Uint8Array(SIGNATURE_BYTES);
  bytes.set(toBytes(parts.r, 32), 0);
  bytes.set(toBytes(parts.s, 32), 32);
  bytes[64] = parts.v;
  return bytesToHex(checkSignature(bytes));
}

/**
 * Checks the SPEC's signature rules: 65 bytes, 0 < r < n, 0 < s <= n/2, v ∈ {27, 28}. Returns the bytes.
 */
export function checkSignature(signature: Uint8Array | Hex): Uint8Array {
  let bytes: Uint8Array;
  try {
    bytes = toBytes(signature, SIGNATURE_BYTES);
  } catch {
    throw badSignature(`a signature must be ${SIGNATURE_BYTES} bytes of 0x-hex (r ‖ s ‖ v)`);
  }
  const v = bytes[64];
  if (v !== 27 && v !== 28) {
    throw badSignature(`v must be 27 or 28, got ${v}`, 'if your wallet returns v = 0/1, add 27');
  }
  const r = bytes.subarray(0, 32);
  const s = bytes.subarray(32, 64);
  if (isZero(r) || compare(r, CURVE_ORDER) >= 0) throw badSignature('r is not in 1..n-1');
  if (isZero(s)) throw badSignature('s is zero');
  if (compare(s, HALF_CURVE_ORDER) > 0) {
    throw badSignature('s is in the upper half of the curve order (malleable signature, EIP-2)', 'use s = n - s and flip v');
  }
  return bytes;
}

// ---- native libsecp256k1 (~13k recoveries/s/core) --------------------------------------------------------

interface NativeSecp256k1 {
  ecdsaSign(msg32: Uint8Array, privateKey: Uint8Array): { signature: Uint8Array; recid: number };
  ecdsaRecover(sig64: Uint8Array, recid: number, msg32: Uint8Array, compressed: boolean): Uint8Array;
  publicKeyCreate(privateKey: Uint8Array, compressed: boolean): Uint8Array;
}

/** Loads the prebuilt bindings directly: the package's main entry silently falls back to slow pure JS. */
function loadNative(): NativeSecp256k1 | undefined {
  try {
    return createRequire(import.meta.url)('secp256k1/bindings.js') as NativeSecp256k1;
  } catch {
    return undefined;
  }
}

const native = loadNative();

function createNativeScheme(lib: NativeSecp256k1): SignatureScheme {
  return {
    name: 'secp256k1 (libsecp256k1)',
    sign(digest, privateKey) {
      const key = toPrivateKey(privateKey);
      const { signature, recid } = lib.ecdsaSign(toDigest(digest), key); // libsecp256k1 always yields low s
      const out = new Uint8Array(SIGNATURE_BYTES);
      out.set(signature, 0);
      out[64] = 27 + recid;
      return bytesToHex(out);
    },
    recover(digest, signature) {
      const bytes = checkSignature(signature);
      let publicKey: Uint8Array;
      try {
        publicKey = lib.ecdsaRecover(bytes.subarray(0, 64), bytes[64] - 27, toDigest(digest), false);
      } catch (cause) {
        throw badSignature('no public key recovers from this signature', undefined, cause);
      }
      return addressOfPublicKey(publicKey);
    },
    addressOf(privateKey) {
      return addressOfPublicKey(lib.publicKeyCreate(toPrivateKey(privateKey), false));
    },
  };
}

// ---- @noble/curves (portable, ~740 recoveries/s) ----------------------------------------------------------

export const nobleSecp256k1Scheme: SignatureScheme = Object.freeze({
  name: 'secp256k1 (@noble/curves)',
  sign(digest: Uint8Array | Hex, privateKey: Uint8Array | Hex): Hex {
    // `prehash: false`: the digest is already the EIP-712 hash (noble v2 would SHA-256 it by default).
    const recovered = nobleCurve.sign(toDigest(digest), toPrivateKey(privateKey), { prehash: false, format: 'recovered' });
    const out = new Uint8Array(SIGNATURE_BYTES);
    out.set(recovered.subarray(1, 65), 0);
    out[64] = 27 + recovered[0];
    return bytesToHex(out);
  },
  recover(digest: Uint8Array | Hex, signature: Uint8Array | Hex): Address {
    const bytes = checkSignature(signature);
    const hash = toDigest(digest);
    try {
      const r = BigInt(bytesToHex(bytes.subarray(0, 32)));
      const s = BigInt(bytesToHex(bytes.subarray(32, 64)));
      const point = new nobleCurve.Signature(r, s, bytes[64] - 27).recoverPublicKey(hash);
      return addressOfPublicKey(point.toBytes(false));
    } catch (cause) {
      throw badSignature('no public key recovers from this signature', undefined, cause);
    }
  },
  addressOf(privateKey: Uint8Array | Hex): Address {
    return addressOfPublicKey(nobleCurve.getPublicKey(toPrivateKey(privateKey), false));
  },
});

/** libsecp256k1 bindings when they loaded in this process, else undefined. */
export const nativeSecp256k1Scheme: SignatureScheme | undefined = native ? Object.freeze(createNativeScheme(native)) : undefined;

/** The fastest secp256k1 available here; both produce identical (RFC 6979) signatures. */
export const secp256k1Scheme: SignatureScheme = nativeSecp256k1Scheme ?? nobleSecp256k1Scheme;

/** Last 20 bytes of keccak256 of the 64-byte uncompressed public key (without its 0x04 prefix). */
export function addressOfPublicKey(publicKey: Uint8Array): Address {
  const body = publicKey.length === 65 ? publicKey.subarray(1) : publicKey;
  if (body.length !== 64) throw badSignature(`expected an uncompressed public key, got ${publicKey.length} bytes`);
  return bytesToHex(keccak256(body).subarray(12)) as Address;
}

function toDigest(digest: Uint8Array | Hex): Uint8Array {
  try {
    return toBytes(digest, 32);
  } catch (cause) {
    throw badSignature('the signed digest must be 32 bytes', undefined, cause);
  }
}

function toPrivateKey(privateKey: Uint8Array | Hex): Uint8Array {
  let key: Uint8Array | undefined;
  try {
    key = toBytes(privateKey, 32);
  } catch {
    key = undefined;
  }
  if (!key || isZero(key) || compare(key, CURVE_ORDER) >= 0) {
    // Never echo the key itself.
    throw new PlasmaError('INVALID_PRIVATE_KEY', 'a secp256k1 private key is 32 bytes in 1..n-1', {
      hint: 'pass the 0x-hex key of 64 digits',
    });
  }
  return key;
}

const SIGN_AGAIN = 'sign the EIP-712 digest again with the sender key: 65 bytes r ‖ s ‖ v, v 27 or 28, low s';

function badSignature(message: string, hint = SIGN_AGAIN, cause?: unknown): PlasmaError {
  return new PlasmaError('BAD_SIGNATURE', message, { hint, cause });
}

function isZero(bytes: Uint8Array): boolean {
  for (let i = 0; i < bytes.length; i++) if (bytes[i] !== 0) return false;
  return true;
}

function compare(a: Uint8Array, b: Uint8Array): number {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return a[i] - b[i];
  return 0;
}
