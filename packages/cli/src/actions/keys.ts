import { resolve } from 'node:path';
import { Wallet } from 'ethers';
import { PlasmaError } from '@plasma-tree/core';
import { ENV_PRIVATE_KEY, checkKeyName, defaultKeystoreDir, getPassword, listKeys, parsePrivateKey, promptHidden, saveKey } from '../keys.js';
import { print, printJson } from '../common.js';
import { Spinner, c, table } from '../ui.js';

type Flags = { keystore?: string; json?: boolean };

export async function keysNew(name: string, flags: Flags): Promise<void> {
  checkKeyName(name);
  const dir = resolve(flags.keystore ?? defaultKeystoreDir());
  const password = await getPassword({ confirm: true, what: `the new key ${name}` });
  const wallet = Wallet.createRandom();
  const entry = await encryptWithProgress(dir, name, new Wallet(wallet.privateKey), password, !!flags.json);
  if (flags.json) return printJson(entry);
  print(`  ${c.dim('name')}     ${entry.name}\n  ${c.dim('address')}  ${entry.address}\n  ${c.dim('file')}     ${entry.file}`);
  print(c.dim('\n  back the file up, and remember the password: without both the key is lost'));
}

export async function keysImport(name: string, flags: Flags): Promise<void> {
  checkKeyName(name);
  const dir = resolve(flags.keystore ?? defaultKeystoreDir());
  const env = process.env[ENV_PRIVATE_KEY];
  const secret = env !== undefined && env !== '' ? env : await promptHidden('private key (hidden): ', ENV_PRIVATE_KEY);
  const wallet = parsePrivateKey(secret, env ? ENV_PRIVATE_KEY : 'the private key');
  const password = await getPassword({ confirm: true, what: `key ${name}` });
  const entry = await encryptWithProgress(dir, name, wallet, password, !!flags.json);
  if (flags.json) return printJson(entry);
  print(`  ${c.dim('name')}     ${entry.name}\n  ${c.dim('address')}  ${entry.address}\n  ${c.dim('file')}     ${entry.file}`);
}

export async function keysList(flags: Flags): Promise<void> {
  const dir = resolve(flags.keystore ?? defaultKeystoreDir());
  const entries = listKeys(dir);
  if (flags.json) return printJson({ keystore: dir, keys: entries });
  if (entries.length === 0) {
    print(c.dim(`  no keys in ${dir}: create one with \`plasma-tree keys new <name>\``));
    return;
  }
  print(table(entries.map((e) => [e.name, e.address]), { head: ['name', 'address'], title: `  ${dir}` }));
}

async function encryptWithProgress(dir: string, name: string, wallet: Wallet, password: string, quiet: boolean) {
  const sp = new Spinner(process.stderr, { quiet }).start('encrypting the key (scrypt)…');
  try {
    const entry = await saveKey(dir, name, wallet, password, (f) => sp.update(`encrypting the key (scrypt) ${Math.round(f * 100)}%`));
    sp.succeed(`stored key ${name}`);
    return entry;
  } catch (e) {
    sp.stop();
    if (e instanceof PlasmaError) throw e;
    throw new PlasmaError('KEYSTORE_WRITE_FAILED', `cannot write the key to ${dir}: ${(e as Error).message}`, { hint: 'check the directory permissions, or pass --keystore <dir>', cause: e });
  }
}
