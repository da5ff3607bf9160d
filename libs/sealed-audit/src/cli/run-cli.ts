import { Command, CommanderError } from 'commander';
import { type CliIo, EXIT_ERROR, EXIT_OK, processIo } from './cli-io';
import { registerCheckpointCommand } from './checkpoint.command';
import { registerInstallCommand } from './install.command';
import { registerKeysCommand } from './keys.command';
import { registerProveCommand } from './prove.command';
import { registerVerifyProofCommand } from './verify-proof.command';
import { registerShowCommand } from './show.command';
import { registerVerifyCommand } from './verify.command';

/**
 * Runs the `sealed-audit` command line in-process and resolves to its exit code (never calls
 * `process.exit`): 0 success / intact, 1 tampering found, 2 usage, connection or other errors.
 *
 * @param argv the arguments after the program name, e.g. `['verify', '--database', 'audit.db']`
 * @example
 * process.exitCode = await runCli(process.argv.slice(2));
 */
export async function runCli(argv: readonly string[], io: CliIo = processIo): Promise<number> {
  let exitCode = EXIT_OK;
  const setExitCode = (code: number): void => {
    exitCode = code;
  };
  const program = buildProgram(io, setExitCode);
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return exitCode;
  } catch (error) {
    if (error instanceof CommanderError) {
      // Commander already printed the message or help. Help/version succeed; every other parse
      // failure is a usage error: 2, so scripts can tell it from "tampered" (1).
      return error.exitCode === 0 ? EXIT_OK : EXIT_ERROR;
    }
    // Messages of the storage errors span lines ("Potential solutions: …"): one io.err per line.
    const message = error instanceof Error ? error.message : String(error);
    writeLines(io.err, `error: ${message}`);
    return EXIT_ERROR;
  }
}

function buildProgram(io: CliIo, setExitCode: (code: number) => void): Command {
  // A new Command per run: commander keeps parsed state on the instance.
  const program = new Command('sealed-audit')
    .description('Verify, prove, checkpoint, inspect and install a sealed-audit trail (PostgreSQL or SQLite).')
    .exitOverride()
    .configureOutput({
      writeOut: (text) => writeLines(io.out, text),
      writeErr: (text) => writeLines(io.err, text),
    })
    .showHelpAfterError('(run with --help for usage)');
  // Subcommands copy exitOverride and the output configuration from the program.
  registerVerifyCommand(program, io, setExitCode);
  registerShowCommand(program, io, setExitCode);
  registerInstallCommand(program, io, setExitCode);
  registerCheckpointCommand(program, io, setExitCode);
  registerProveCommand(program, io, setExitCode);
  registerVerifyProofCommand(program, io, setExitCode);
  registerKeysCommand(program, io, setExitCode);
  return program;
}

function writeLines(write: (line: string) => void, text: string): void {
  for (const line of text.replace(/\n$/, '').split('\n')) write(line);
}
