import type { Command } from 'commander';
import { ENV_PASSWORD, ENV_PRIVATE_KEY, examples, jsonOption, lazy } from '../common.js';

const load = () => import('../actions/keys.js');

export function registerKeysCommands(program: Command): void {
  const keys = program
    .command('keys')
    .description('manage keys in an encrypted keystore (Ethereum JSON keystore files, scrypt + AES)');
  examples(keys, [
    'plasma-tree keys new alice',
    'PLASMA_TREE_PRIVATE_KEY=0x… plasma-tree keys import bob',
    'plasma-tree keys list',
    'plasma-tree deposit --account alice --amount 1',
  ]);
  const dirOption = (cmd: Command) => cmd.option('--keystore <dir>', 'keystore directory (env PLASMA_TREE_KEYSTORE; default ~/.plasma-tree/keystore)');

  const create = keys
    .command('new')
    .argument('<name>', 'a name to refer to the key with (--account <name>)')
    .description(`create a random key and store it encrypted (password from ${ENV_PASSWORD} or a prompt)`);
  dirOption(create);
  jsonOption(create);
  create.action(lazy(load, 'keysNew'));

  const imp = keys
    .command('import')
    .argument('<name>', 'a name to refer to the key with (--account <name>)')
    .description(`store an existing private key encrypted; the key comes from ${ENV_PRIVATE_KEY} or a hidden prompt, never from the command line`);
  dirOption(imp);
  jsonOption(imp);
  imp.action(lazy(load, 'keysImport'));

  const list = keys.command('list').description('list the keys in the keystore (names and addresses; nothing is decrypted)');
  dirOption(list);
  jsonOption(list);
  list.action(lazy(load, 'keysList'));
}
