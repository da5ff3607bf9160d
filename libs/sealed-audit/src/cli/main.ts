#!/usr/bin/env node
import { runCli } from './run-cli';

// process.exitCode, not process.exit(): pending output is flushed before the process ends.
runCli(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`error: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 2;
  },
);
