/** Where the CLI writes. Tests pass an in-memory one; `main.ts` the process streams. */
export interface CliIo {
  /** One line of regular output (no trailing newline). */
  out(line: string): void;
  /** One line of diagnostics: errors, warnings, usage. */
  err(line: string): void;
  /**
   * A terminal for progress bars (cli-progress), only when stderr is a TTY. Absent (tests, pipes,
   * CI logs): no bar, plain lines only.
   */
  progress?: NodeJS.WriteStream;
}

/** Exit codes: 0 intact / done, 1 tampering found, 2 usage, connection or other errors. */
export const EXIT_OK = 0;
export const EXIT_TAMPERED = 1;
export const EXIT_ERROR = 2;

/** The process's stdout and stderr. */
export const processIo: CliIo = {
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
  ...(process.stderr.isTTY ? { progress: process.stderr } : {}),
};

/** A mistake of the caller (bad option value, missing file): message only, exit 2. */
export class CliUsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CliUsageError';
  }
}
