/**
 * Keys: an encrypted keystore (ethers / Web3 Secret Storage JSON, one file per key) or the environment.
 * Never the command line: arguments end up in shell history and in every `ps` listing.
 */
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { Wallet, getAddress, isHexString } from 'ethers';
import { PlasmaError } from '@plasma-tree/core';

import { ENV_KEYSTORE, ENV_PASSWORD, ENV_PRIVATE_KEY } from './common.js';

export { ENV_KEYSTORE, ENV_PASSWORD, ENV_PRIVATE_KEY };

export function defaultKeystoreDir(): string {
  return process.env[ENV_KEYSTORE] || join(homedir(), '.plasma-tree', 'keystore');
}

export interface KeystoreEntry {
  name: string;
  address: string;
  file: string;
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

export function checkKeyName(name: string): string {
  if (!NAME.test(name) || name.endsWith('.json')) {
    throw new PlasmaError('INVALID_KEY_NAME', `invalid key name ${JSON.stringify(name)}`, { hint: 'use 1-64 letters, digits, ".", "_" or "-", e.g. alice' });
  }
  return name;
}

/** Whether `s` looks like a raw private key (which must never be passed as an argument). */
export function looksLikePrivateKey(s: string): boolean {
  return /^(0x)?[0-9a-fA-F]{64}$/.test(s.trim());
}

export function keyOnCommandLineError(): PlasmaError {
  return new PlasmaError('KEY_ON_COMMAND_LINE', 'private keys are never accepted as command-line arguments (they would end up in your shell history and in process listings)', {
    hint: `set ${ENV_PRIVATE_KEY} in the environment, or store it encrypted with \`plasma-tree keys import\` and pass --account <name>`,
  });
}

/** Parses a private key; the error never echoes the value. */
export function parsePrivateKey(value: string, source: string): Wallet {
  const v = value.trim();
  const hex = v.startsWith('0x') ? v : `0x${v}`;
  if (!isHexString(hex, 32)) {
    throw new PlasmaError('INVALID_PRIVATE_KEY', `${source} is not a valid private key (expected 32 bytes of hex, 0x-prefixed)`, {
      data: { source },
      hint: `export ${ENV_PRIVATE_KEY}=0x<64 hex digits>, or use --account <name> with a keystore key (\`plasma-tree keys list\`)`,
    });
  }
  try {
    return new Wallet(hex);
  } catch {
    throw new PlasmaError('INVALID_PRIVATE_KEY', `${source} is not a valid secp256k1 private key (out of range)`, { data: { source }, hint: `check the value of ${source}` });
  }
}

export function listKeys(dir: string): KeystoreEntry[] {
  if (!existsSync(dir)) return [];
  const out: KeystoreEntry[] = [];
  for (const f of readdirSync(dir).sort()) {
    if (!f.endsWith('.json')) continue;
    const file = join(dir, f);
    try {
      const json = JSON.parse(readFileSync(file, 'utf8'));
      if (typeof json.address !== 'string') continue;
      out.push({ name: f.slice(0, -5), address: getAddress(json.address.startsWith('0x') ? json.address : `0x${json.address}`), file });
    } catch {
      /* not a keystore file */
    }
  }
  return out;
}

/** Finds a key by name or address. */
export function findKey(dir: string, nameOrAddress: string): KeystoreEntry | undefined {
  const keys = listKeys(dir);
  const lower = nameOrAddress.toLowerCase();
  return keys.find((k) => k.name === nameOrAddress) ?? keys.find((k) => k.address.toLowerCase() === lower);
}

export async function saveKey(dir: string, name: string, wallet: Wallet, password: string, onProgress?: (f: number) => void): Promise<KeystoreEntry> {
  checkKeyName(name);
  const abs = resolve(dir);
  mkdirSync(abs, { recursive: true, mode: 0o700 });
  const file = join(abs, `${name}.json`);
  if (existsSync(file)) {
    throw new PlasmaError('KEY_EXISTS', `a key named ${name} already exists in ${abs}`, { data: { file }, hint: 'pick another name, or delete the file first' });
  }
  const existing = listKeys(abs).find((k) => k.address.toLowerCase() === wallet.address.toLowerCase());
  if (existing) {
    throw new PlasmaError('KEY_EXISTS', `${wallet.address} is already in the keystore as ${existing.name}`, { data: { file: existing.file }, hint: `use --account ${existing.name}` });
  }
  const json = await wallet.encrypt(password, onProgress);
  writeFileSync(file, json, { mode: 0o600, flag: 'wx' });
  chmodSync(file, 0o600);
  return { name, address: wallet.address, file };
}

export async function unlockKey(entry: KeystoreEntry, password: string, onProgress?: (f: number) => void): Promise<Wallet> {
  const json = readFileSync(entry.file, 'utf8');
  try {
    const w = await Wallet.fromEncryptedJson(json, password, onProgress);
    return new Wallet(w.privateKey);
  } catch (e) {
    if (/password/i.test((e as Error).message)) {
      throw new PlasmaError('WRONG_PASSWORD', `wrong password for key ${entry.name} (${entry.address})`, { hint: `check ${ENV_PASSWORD}, or type it again` });
    }
    throw new PlasmaError('BAD_KEYSTORE_FILE', `cannot decrypt ${entry.file}: ${(e as Error).message}`, { hint: 'is it an Ethereum JSON keystore file?', cause: e });
  }
}

/**
 * Reads a secret from the terminal without echoing it. Fails with PASSWORD_REQUIRED when stdin is not a TTY
 * (scripts must use the environment).
 */
export async function promptHidden(question: string, envName: string): Promise<string> {
  const stdin = process.stdin;
  if (!stdin.isTTY) {
    throw new PlasmaError('PASSWORD_REQUIRED', `no ${envName.includes('PASSWORD') ? 'password' : 'secret'} given and no terminal to ask for one`, {
      hint: `set ${envName} in the environment`,
    });
  }
  process.stderr.write(question);
  return new Promise((resolvePromise, reject) => {
    let value = '';
    stdin.setRawMode(true);
    stdin.resume();
    stdin.setEncoding('utf8');
    const done = (err?: Error) => {
      stdin.setRawMode(false);
      stdin.pause();
      stdin.off('data', onData);
      process.stderr.write('\n');
      if (err) reject(err);
      else resolvePromise(value);
    };
    const onData = (chunk: string) => {
      for (const ch of chunk) {
        if (ch === '\r' || ch === '\n') return done();
        if (ch === '\u0003') return done(new PlasmaError('ABORTED', 'cancelled', { hint: '' }));
        if (ch === '\u007f' || ch === '\b') value = value.slice(0, -1);
        else if (ch >= ' ') value += ch;
      }
    };
    stdin.on('data', onData);
  });
}

export async function getPassword(opts: { confirm?: boolean; what: string }): Promise<string> {
  const env = process.env[ENV_PASSWORD];
  if (env !== undefined && env !== '') return env;
  const pw = await promptHidden(`password for ${opts.what}: `, ENV_PASSWORD);
  if (opts.confirm) {
    if (pw.length < 8) throw new PlasmaError('WEAK_PASSWORD', 'the password is shorter than 8 characters', { hint: 'pick a longer one' });
    const again = await promptHidden('repeat the password: ', ENV_PASSWORD);
    if (again !== pw) throw new PlasmaError('PASSWORD_MISMATCH', 'the passwords differ', { hint: 'run the command again' });
  }
  return pw;
}
