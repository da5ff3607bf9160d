import type { Command } from 'commander';
import { FileAnchorSink } from '../core/checkpoint/anchor-sink';
import { createEd25519Signer } from '../core/checkpoint/checkpoint-signer';
import { Checkpointer } from '../core/checkpoint/checkpointer';
import type { AuditLogger } from '../core/writer/audit-logger';
import { type DatabaseCliOptions, describeDatabase, openStore } from './cli-database';
import { type CliIo, CliUsageError, EXIT_OK, EXIT_TAMPERED } from './cli-io';
import { readPrivateKey } from './cli-keys';

interface CheckpointOptions extends DatabaseCliOptions {
  privateKey?: string;
  anchor?: string;
  chain?: string;
  json?: boolean;
}

/**
 * `sealed-audit checkpoint --database … --private-key <pem> [--anchor <file>] [--chain id]`:
 * signs a checkpoint of every chain (or one) now. The chain is read back and verified (from the
 * newest stored checkpoint on) before anything is signed.
 */
export function registerCheckpointCommand(program: Command, io: CliIo, setExitCode: (code: number) => void): void {
  program
    .command('checkpoint')
    .description('sign a checkpoint (Merkle root) of every chain now, store it and append it to the anchor')
    .requiredOption('--database <url|file>', 'postgres:// or mysql:// URL, or SQLite file')
    .option('--schema <name>', 'PostgreSQL schema holding audit_log')
    .option('--private-key <pem>', 'Ed25519 private key (PEM file, from `sealed-audit keys generate`)')
    .option('--anchor <file>', 'also append the checkpoints to this JSONL anchor file')
    .option('--chain <id>', 'only this chain')
    .option('--json', 'print the new checkpoints as JSON')
    .action(async (options: CheckpointOptions) => {
      if (!options.privateKey) throw new CliUsageError('checkpoint needs --private-key <pem> (create one with `sealed-audit keys generate --out <dir>`).');
      const signer = createEd25519Signer(readPrivateKey(options.privateKey));
      const store = await openStore(options, { readOnly: false });
      const errors: string[] = [];
      const logger: AuditLogger = { log: () => undefined, warn: (m) => io.err(`warning: ${m}`), error: (m) => errors.push(m) };
      const checkpointer = new Checkpointer(store, {
        signer,
        intervalMs: 0,
        logger,
        ...(options.anchor ? { anchor: new FileAnchorSink(options.anchor) } : {}),
      });
      try {
        await checkpointer.start();
        const chains = options.chain !== undefined ? [options.chain] : await store.listChainIds();
        const made = [];
        let failed = 0;
        for (const chainId of chains) {
          try {
            const checkpoint = await checkpointer.checkpoint(chainId);
            if (checkpoint) made.push(checkpoint);
            if (checkpoint && !options.json) {
              io.out(`${chainId}: checkpoint #${checkpoint.seq} signs ${checkpoint.treeSize} entries, root ${checkpoint.root.slice(0, 16)}…`);
            }
          } catch (error) {
            failed += 1;
            io.err(`error: ${chainId}: ${error instanceof Error ? error.message : String(error)}`);
          }
        }
        await checkpointer.close();
        for (const message of errors.filter((m) => !m.startsWith('audit checkpoint of chain'))) io.err(`error: ${message}`);
        if (options.json) io.out(JSON.stringify(made, null, 2));
        else io.out(`${made.length} checkpoint${made.length === 1 ? '' : 's'} signed with key ${signer.keyId.slice(0, 16)}… in ${describeDatabase(options.database)}.`);
        setExitCode(failed > 0 ? EXIT_TAMPERED : EXIT_OK);
      } finally {
        await checkpointer.close();
        await store.close();
      }
    });
}
