import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { SingleBar } from 'cli-progress';
import type { Command } from 'commander';
import { readAnchorFile } from '../core/checkpoint/anchor-sink';
import { verifyTrail } from '../core/verify/trail-verifier';
import type { ChainReport, VerificationReport } from '../core/verify/verification-report';
import { inspectAuditSchema } from '../typeorm/audit-schema';
import { openTrailSnapshot } from '../typeorm/audit-trail-snapshot';
import { type DatabaseCliOptions, describeDatabase, openStore } from './cli-database';
import { type CliIo, CliUsageError, EXIT_OK, EXIT_TAMPERED } from './cli-io';
import { collect, readPublicKeys } from './cli-keys';

interface VerifyOptions extends DatabaseCliOptions {
  json?: boolean;
  publicKey: string[];
  anchor?: string;
}

/**
 * `sealed-audit verify --database <url|file> [--public-key <pem>…] [--anchor <file>] [--json]`:
 * walks every chain and every checkpoint in one streaming pass (read-only connection) and exits 0
 * when intact, 1 when anything fails, 2 when it cannot check.
 */
export function registerVerifyCommand(program: Command, io: CliIo, setExitCode: (code: number) => void): void {
  program
    .command('verify')
    .description('check every entry, link and signed checkpoint of the trail; exit 0 intact, 1 tampered, 2 error')
    .requiredOption('--database <url|file>', 'postgres:// or mysql:// URL, or SQLite file')
    .option('--schema <name>', 'PostgreSQL schema holding audit_log')
    .option('--public-key <pem>', 'trust only this Ed25519 public key (PEM file; repeat for rotated keys)', collect, [])
    .option('--anchor <file>', 'JSONL anchor file of signed checkpoints (detects a cut-off tail and full rewrites)')
    .option('--json', 'print the verification report as JSON')
    .action(async (options: VerifyOptions) => {
      const publicKeys = options.publicKey.length > 0 ? readPublicKeys(options.publicKey) : undefined;
      const anchorFile = options.anchor === undefined ? undefined : resolve(options.anchor);
      if (anchorFile !== undefined && !existsSync(anchorFile)) throw new CliUsageError(`anchor file not found: ${anchorFile}`);
      const store = await openStore(options, { readOnly: true });
      let bar: SingleBar | undefined;
      try {
        const status = await inspectAuditSchema(store.dataSource, options.schema ? { schema: options.schema } : {});
        if (!status.appendOnly) {
          io.err(
            `warning: the append-only triggers of ${status.unguarded.join(', ') || 'audit_log'} are missing or disabled; ` +
              'the database no longer refuses UPDATE/DELETE. Reinstall them as the owner: sealed-audit install --database <owner url>',
          );
        }
        if (io.progress && !options.json) {
          bar = new SingleBar({ stream: io.progress, format: 'verifying [{bar}] {percentage}% | {value}/{total} entries | {eta_buffer}s left', etaBuffer: 50 });
          bar.start(await store.countEntries(), 0);
        }
        const progressBar = bar;
        // Entries, checkpoints and keys from one consistent snapshot (PostgreSQL), streamed raw.
        const snapshot = await openTrailSnapshot(store);
        let report: VerificationReport;
        try {
          report = await verifyTrail(snapshot, {
            ...(publicKeys ? { publicKeys } : {}),
            ...(anchorFile ? { anchor: readAnchorFile(anchorFile) } : {}),
            ...(progressBar ? { onProgress: (n: number) => progressBar.update(n), progressEvery: 1000 } : {}),
          });
        } finally {
          await snapshot.close();
        }
        bar?.stop();
        bar = undefined;
        for (const warning of report.warnings) io.err(`warning: ${warning}`);
        if (options.json) io.out(JSON.stringify(report, null, 2));
        else printReport(io, describeDatabase(options.database), report);
        setExitCode(report.ok ? EXIT_OK : EXIT_TAMPERED);
      } finally {
        bar?.stop();
        await store.close();
      }
    });
}

function printReport(io: CliIo, database: string, report: VerificationReport): void {
  io.out(`Verifying ${database}`);
  const width = Math.max(5, ...report.chains.map((chain) => chain.chainId.length));
  for (const chain of report.chains) io.out(`  ${chainLine(chain, width)}`);
  const tampered = report.chains.filter((chain) => chain.problem).length;
  const first = report.firstProblem;
  io.out(`Checkpoints: ${report.checkpoints} checked, signatures against ${trustText(report)}; anchor: ${report.anchored ? 'checked' : 'not given'}.`);
  if (!first) {
    io.out(
      report.entries === 0 && report.chains.length === 0
        ? 'OK: the trail is empty (0 entries).'
        : `OK: ${report.entries} entries in ${report.chains.length} chain${report.chains.length === 1 ? '' : 's'} verified.`,
    );
    if (!report.anchored || report.trust !== 'public-keys') {
      io.out(
        `Note: without ${[report.trust !== 'public-keys' ? '--public-key' : '', !report.anchored ? '--anchor' : ''].filter(Boolean).join(' and ')}, ` +
          'a cut-off tail or a consistent rewrite by someone who controls the database cannot be detected.',
      );
    }
    return;
  }
  io.out(
    `TAMPERED: ${tampered} of ${report.chains.length} chain${report.chains.length === 1 ? '' : 's'} failed. ` +
      `First bad entry: chain "${first.chainId}" seq ${first.seq} (${first.kind}): ${first.detail}`,
  );
}

function trustText(report: VerificationReport): string {
  if (report.trust === 'public-keys') return 'the given public keys';
  if (report.trust === 'stored-keys') return 'the keys stored in the database (pass --public-key)';
  return 'no key';
}

function chainLine(chain: ChainReport, width: number): string {
  const signed = chain.checkpoints > 0 || chain.signedSize > 0 ? `  signed to ${chain.signedSize}` : '';
  const head = `${chain.chainId.padEnd(width)}  ${String(chain.entries).padStart(7)} entries  head seq ${String(chain.headSeq).padEnd(7)}${signed}`;
  const problem = chain.problem;
  return problem ? `${head}  TAMPERED at seq ${problem.seq}: ${problem.kind} (${problem.detail})` : `${head}  ok`;
}
