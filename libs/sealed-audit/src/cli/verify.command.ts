import type { Command } from 'commander';
import type { ChainReport, VerificationReport } from '../core/verify/chain-verifier';
import { verifyChains } from '../core/verify/chain-verifier';
import { inspectAuditSchema } from '../typeorm/audit-schema';
import { type DatabaseCliOptions, describeDatabase, openStore } from './cli-database';
import { type CliIo, EXIT_OK, EXIT_TAMPERED } from './cli-io';

interface VerifyOptions extends DatabaseCliOptions {
  json?: boolean;
}

/**
 * `sealed-audit verify --database <url|file> [--json]`: walks every chain (read-only connection)
 * and exits 0 when intact, 1 when any entry fails, 2 when it cannot check.
 */
export function registerVerifyCommand(program: Command, io: CliIo, setExitCode: (code: number) => void): void {
  program
    .command('verify')
    .description('check every hash and link of the trail; exit 0 intact, 1 tampered, 2 error')
    .requiredOption('--database <url|file>', 'postgres:// URL or SQLite file')
    .option('--schema <name>', 'PostgreSQL schema holding audit_log')
    .option('--json', 'print the verification report as JSON')
    .action(async (options: VerifyOptions) => {
      const store = await openStore(options, { readOnly: true });
      try {
        const report = await verifyChains(store.read());
        const status = await inspectAuditSchema(store.dataSource, options.schema ? { schema: options.schema } : {});
        if (!status.appendOnly) {
          io.err(
            'warning: the append-only triggers of audit_log are missing or disabled; ' +
              'the database no longer refuses UPDATE/DELETE. Reinstall them as the owner: sealed-audit install --database <owner url>',
          );
        }
        if (options.json) io.out(JSON.stringify(report, null, 2));
        else printReport(io, describeDatabase(options.database), report);
        setExitCode(report.ok ? EXIT_OK : EXIT_TAMPERED);
      } finally {
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
  if (!first) {
    io.out(
      report.entries === 0
        ? 'OK: the trail is empty (0 entries).'
        : `OK: ${report.entries} entries in ${report.chains.length} chain${report.chains.length === 1 ? '' : 's'} verified.`,
    );
    return;
  }
  io.out(
    `TAMPERED: ${tampered} of ${report.chains.length} chain${report.chains.length === 1 ? '' : 's'} failed. ` +
      `First bad entry: chain "${first.chainId}" seq ${first.seq} (${first.kind}): ${first.detail}`,
  );
}

function chainLine(chain: ChainReport, width: number): string {
  const head = `${chain.chainId.padEnd(width)}  ${String(chain.entries).padStart(7)} entries  head seq ${String(chain.headSeq).padEnd(7)}`;
  const problem = chain.problem;
  return problem ? `${head}  TAMPERED at seq ${problem.seq}: ${problem.kind} (${problem.detail})` : `${head}  ok`;
}
