import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { generateKeyPair, privateKeyFromProtobuf, privateKeyToProtobuf } from '@libp2p/crypto/keys';
import type { PrivateKey } from '@libp2p/interface';
import { p2pError } from './errors.js';

/**
 * The host's persistent identity: an Ed25519 libp2p key stored as its protobuf bytes. Created on first use,
 * written to a temporary file and renamed so a crash never leaves half a key (a new key means a new peer id,
 * which every peer bootstrapping to this one would have to learn again).
 */
export async function loadOrCreatePeerKey(path: string): Promise<PrivateKey> {
  let bytes: Uint8Array | undefined;
  try {
    bytes = await readFile(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') {
      throw p2pError('P2P_BAD_KEY', `cannot read the peer key ${path}`, 'check the file permissions of the data directory', { path }, error);
    }
  }
  if (bytes !== undefined) return decodeKey(bytes, path);

  const key = await generateKeyPair('Ed25519');
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  const tmp = `${path}.tmp-${process.pid}`;
  try {
    await writeFile(tmp, privateKeyToProtobuf(key), { mode: 0o600, flush: true });
    await rename(tmp, path);
  } catch (error) {
    await rm(tmp, { force: true });
    throw p2pError('P2P_BAD_KEY', `cannot write the peer key ${path}`, 'check that the data directory is writable', { path }, error);
  }
  return key;
}

function decodeKey(bytes: Uint8Array, path: string): PrivateKey {
  const hint = `delete ${path} to create a new peer key (the host's peer id will change, so peers that bootstrap to it need the new address)`;
  let key: PrivateKey;
  try {
    key = privateKeyFromProtobuf(bytes);
  } catch (error) {
    throw p2pError('P2P_BAD_KEY', `${path} is not a libp2p private key`, hint, { path }, error);
  }
  if (key.type !== 'Ed25519') throw p2pError('P2P_BAD_KEY', `${path} holds a ${key.type} key, not Ed25519`, hint, { path, type: key.type });
  return key;
}

/** The peer id (base58 multihash, `12D3KooW…`) a key gives a host. */
export function peerIdOf(key: PrivateKey): string {
  return key.publicKey.toString();
}
