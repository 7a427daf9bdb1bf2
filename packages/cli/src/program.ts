import { readFileSync } from 'node:fs';
import { Command, CommanderError } from 'commander';
import { registerChainCommands } from './commands/chain.js';
import { registerDevnetCommand } from './commands/devnet.js';
import { registerEscapeCommands } from './commands/escape.js';
import { registerChallengeCommands } from './commands/challenge.js';
import { registerKeysCommands } from './commands/keys.js';
import { registerMessageCommands } from './commands/message.js';
import { registerNodeCommands } from './commands/node.js';
import { registerProverCommands } from './commands/prover.js';
import { registerReadCommands } from './commands/read.js';
import { registerSendCommand } from './commands/send.js';
import { registerTxCommands } from './commands/tx.js';
import { registerWatchCommand } from './commands/watch.js';
import { ce } from './ui.js';

const VERSION = (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version;

export function createProgram(): Command {
  const program = new Command('plasma-tree')
    .description('Plasma Tree: a tree of Plasma child chains on Ethereum. Run a devnet, move tokens L1 ⇄ child chains, run nodes.')
    .version(VERSION, '-v, --version')
    .showHelpAfterError('(add --help for usage)')
    .configureHelp({ sortOptions: false });
  registerDevnetCommand(program);
  registerTxCommands(program);
  registerReadCommands(program);
  registerSendCommand(program);
  registerMessageCommands(program);
  registerChainCommands(program);
  registerEscapeCommands(program);
  registerChallengeCommands(program);
  registerNodeCommands(program);
  registerKeysCommands(program);
  registerProverCommands(program);
  registerWatchCommand(program);
  program.addHelpText('after', `
Quick start:
  $ plasma-tree devnet                                    # terminal 1: L1 + root contract + chain A
  $ plasma-tree deposit --account dev0 --amount 1         # terminal 2, same directory
  $ plasma-tree transfer --account dev0 --to dev1 --amount 0.25
  $ plasma-tree withdraw --account dev0 --amount 0.5
  $ plasma-tree finalize <withdrawal tx hash> --account dev0 --wait
  $ plasma-tree balance --account dev0
  $ plasma-tree send --account dev0 --from A --to A1 --amount 0.1   # across the tree, hop by hop
  $ plasma-tree message send --account dev0 --from L1 --to A --target 0x…aa --data 0x1234   # a message across one edge

Keys come from --account <name> (encrypted keystore, see \`plasma-tree keys\`; on a devnet also dev0, dev1, …)
or PLASMA_TREE_PRIVATE_KEY, never from the command line. Endpoints default to ./.devnet/devnet.json.
Every command has --help.`);
  // Every subcommand throws instead of exiting, so `run` prints errors one way and tests can call it.
  const exitOverride = (cmd: Command) => {
    cmd.exitOverride();
    cmd.commands.forEach(exitOverride);
  };
  exitOverride(program);
  return program;
}

interface PlasmaErrorLike extends Error {
  code: string;
  hint: string;
}

function isPlasmaErrorLike(e: unknown): e is PlasmaErrorLike {
  // The prover's ProverError has the same shape (code, message, data, hint).
  return e instanceof Error && (e.name === 'PlasmaError' || e.name === 'ProverError') && typeof (e as PlasmaErrorLike).code === 'string';
}

/** `error CODE: message` and the hint, on stderr. */
export function formatError(e: unknown): string {
  // Duck-typed: importing core just to print an error would load the protocol code on every error path.
  if (isPlasmaErrorLike(e)) {
    const suffix = e.hint ? ` — ${e.hint}` : '';
    const message = suffix && e.message.endsWith(suffix) ? e.message.slice(0, -suffix.length) : e.message;
    let out = `${ce.red('error')} ${ce.bold(e.code)}: ${message}\n`;
    if (e.hint) out += `  ${ce.yellow('hint')}: ${e.hint}\n`;
    if (process.env.PLASMA_TREE_DEBUG) out += `${ce.dim(String(e.stack))}\n${e.cause ? ce.dim(`cause: ${(e.cause as Error)?.stack ?? e.cause}`) : ''}\n`;
    return out;
  }
  const err = e as Error;
  let out = `${ce.red('error')} ${ce.bold('INTERNAL')}: ${err?.message ?? String(e)}\n  ${ce.yellow('hint')}: this is unexpected; run again with PLASMA_TREE_DEBUG=1 for details, and report it\n`;
  if (process.env.PLASMA_TREE_DEBUG) out += `${ce.dim(String(err?.stack))}\n`;
  return out;
}

/** Runs the CLI on `argv` (process.argv form); resolves to the exit code. */
export async function run(argv: string[]): Promise<number> {
  const program = createProgram();
  try {
    await program.parseAsync(argv);
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (e) {
    if (e instanceof CommanderError) return e.exitCode; // commander printed it (help, version, usage errors)
    process.stderr.write(formatError(e));
    return 1;
  }
}
