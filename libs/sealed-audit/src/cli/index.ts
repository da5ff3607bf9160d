export { type CliIo, CliUsageError, EXIT_ERROR, EXIT_OK, EXIT_TAMPERED, processIo } from './cli-io';
export { runCli } from './run-cli';
export { formatEntryTable } from './show.command';
