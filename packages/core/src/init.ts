import { PlasmaError } from './errors.js';
import { keccakBackend, type KeccakBackend } from './hash.js';
import { nativeSecp256k1Scheme } from './signature.js';

export interface CoreBackends {
  keccak: KeccakBackend;
  secp256k1: 'libsecp256k1' | 'noble';
}

/**
 * Resolves once the fast backends are ready and says which ones serve this process. Importing core already
 * awaited hash-wasm (top-level await), so this never has to be called for speed: call it to log the backends
 * at startup, or to fail fast (`{ requireFast: true }`) where the pure-JS fallbacks would be too slow.
 */
export async function initCore(options: { requireFast?: boolean } = {}): Promise<CoreBackends> {
  const backends: CoreBackends = { keccak: keccakBackend, secp256k1: nativeSecp256k1Scheme ? 'libsecp256k1' : 'noble' };
  if (options.requireFast && (backends.keccak !== 'hash-wasm' || backends.secp256k1 !== 'libsecp256k1')) {
    throw new PlasmaError('BACKEND_UNAVAILABLE', `fast crypto is unavailable: keccak=${backends.keccak}, secp256k1=${backends.secp256k1}`, {
      hint: 'run on Node >= 20 with WebAssembly and the prebuilt secp256k1 binding (linux-x64, darwin-arm64, win32-x64)',
      data: { ...backends },
    });
  }
  return backends;
}
