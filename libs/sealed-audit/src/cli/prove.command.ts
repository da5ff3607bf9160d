import { writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import type { SealedEntry } from '../core/audit-event';
import { merkleLeafHash } from '../core/merkle';
import { buildInclusionProofDocument, parseEntryId } from '../core/verify/inclusion-proof';
import { type DatabaseCliOptions, openStore } from './cli-database';
import { type CliIo, CliUsageError, EXIT_OK, EXIT_TAMPERED } from './cli-io';

interface ProveOptions extends DatabaseCliOptions {
  out?: string;
}

/**
 * `sealed-audit prove <chainId:seq> --database …`: prints (or writes with `--out`) a JSON proof
 * that the entry is in the tree signed by the newest checkpoint of its chain. Loads that one
 * chain's leaf hashes (32 bytes each).
 */
export function registerProveCommand(program: Command, io: CliIo, setExitCode: (code: number) => void): void {
  program
    .command('prove')
    .description('print an inclusion proof of one entry (<chainId>:<seq>) against the newest signed checkpoint, as JSON')
    .argument('<entry-id>', 'the entry, as <chainId>:<seq> (seq after the last colon), e.g. api-1:42')
    .requiredOption('--database <url|file>', 'postgres:// or mysql:// URL, or SQLite file')
    .option('--schema <name>', 'PostgreSQL schema holding audit_log')
    .option('--out <file>', 'write the proof to this file instead of stdout')
    .action(async (entryId: string, options: ProveOptions) => {
      let id: { chainId: string; seq: number };
      try {
        id = parseEntryId(entryId);
      } catch (error) {
        throw new CliUsageError(error instanceof Error ? error.message : String(error));
      }
      const store = await openStore(options, { readOnly: true });
      try {
        const checkpoint = await store.readLatestCheckpoint(id.chainId);
        if (!checkpoint) {
          throw new CliUsageError(`chain "${id.chainId}" has no checkpoint yet: run \`sealed-audit checkpoint --database … --private-key <pem>\` first.`);
        }
        if (id.seq > checkpoint.treeSize) {
          throw new CliUsageError(
            `entry ${entryId} is newer than the newest checkpoint of its chain (it covers 1..${checkpoint.treeSize}); ` +
              'wait for the next checkpoint or force one with `sealed-audit checkpoint`.',
          );
        }
        const leaves: Buffer[] = [];
        let entry: SealedEntry | undefined;
        for await (const row of store.readChain(id.chainId, 0)) {
          if (row.seq !== leaves.length + 1) {
            io.err(`error: chain "${id.chainId}" does not verify near seq ${leaves.length + 1}; run \`sealed-audit verify\`.`);
            setExitCode(EXIT_TAMPERED);
            return;
          }
          leaves.push(merkleLeafHash(Buffer.from(row.hash, 'hex')));
          if (row.seq === id.seq) entry = row;
          if (leaves.length === checkpoint.treeSize) break;
        }
        if (!entry || leaves.length < checkpoint.treeSize) {
          io.err(`error: the database holds fewer entries of chain "${id.chainId}" than its newest checkpoint covers; run \`sealed-audit verify\`.`);
          setExitCode(EXIT_TAMPERED);
          return;
        }
        const { frontier: _frontier, ...signed } = checkpoint;
        const text = JSON.stringify(buildInclusionProofDocument(leaves, entry, signed), null, 2);
        if (options.out) {
          writeFileSync(options.out, `${text}\n`, { flag: 'wx' });
          io.err(`wrote the proof of ${entryId} to ${options.out}`);
        } else {
          io.out(text);
        }
        setExitCode(EXIT_OK);
      } finally {
        await store.close();
      }
    });
}
