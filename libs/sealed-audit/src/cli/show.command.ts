import { type Command, InvalidArgumentError } from 'commander';
import type { JsonValue, SealedEntry } from '../core/audit-event';
import { type DatabaseCliOptions, openStore } from './cli-database';
import { type CliIo, EXIT_OK } from './cli-io';

interface ShowOptions extends DatabaseCliOptions {
  chain?: string;
  subject?: string;
  actor?: string;
  action?: string;
  limit: number;
  json?: boolean;
}

/** Longest cell before it is cut with "…", so one long resource does not wreck the table. */
const MAX_CELL = 48;

/**
 * `sealed-audit show --database <url|file> [--chain id] [--subject id] [--limit n] [--json]`:
 * the newest entries (oldest first) as an aligned table, or as JSON.
 */
export function registerShowCommand(program: Command, io: CliIo, setExitCode: (code: number) => void): void {
  program
    .command('show')
    .description('print the newest stored entries as a table (oldest first)')
    .requiredOption('--database <url|file>', 'postgres:// or mysql:// URL, or SQLite file')
    .option('--schema <name>', 'PostgreSQL schema holding audit_log')
    .option('--chain <id>', 'only this chain')
    .option('--subject <id>', 'only entries about this data subject')
    .option('--actor <id>', 'only entries by this actor')
    .option('--action <name>', 'only this action')
    .option('--limit <n>', 'how many of the newest entries', parsePositiveInt, 100)
    .option('--json', 'print the entries as JSON')
    .action(async (options: ShowOptions) => {
      const store = await openStore(options, { readOnly: true });
      try {
        const entries = await store.findLatest({
          limit: options.limit,
          ...(options.chain !== undefined ? { chainId: options.chain } : {}),
          ...(options.subject !== undefined ? { subjectId: options.subject } : {}),
          ...(options.actor !== undefined ? { actorId: options.actor } : {}),
          ...(options.action !== undefined ? { action: options.action } : {}),
        });
        if (options.json) io.out(JSON.stringify(entries, null, 2));
        else printTable(io, entries);
        setExitCode(EXIT_OK);
      } finally {
        await store.close();
      }
    });
}

function parsePositiveInt(value: string): number {
  const parsed = Number(value);
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(parsed) || parsed < 1) {
    throw new InvalidArgumentError('expected a positive integer.');
  }
  return parsed;
}

/** The aligned table; one `io.out` per line so a caller can prefix or filter lines. */
export function formatEntryTable(entries: readonly SealedEntry[]): string[] {
  if (entries.length === 0) return ['(no entries)'];
  const manyChains = new Set(entries.map((entry) => entry.chainId)).size > 1;
  const header = [...(manyChains ? ['chain'] : []), 'seq', 'ts', 'actor', 'action', 'resource', 'subject', 'outcome', 'status', 'route'];
  const rows = entries.map((entry) => {
    const http = objectAt(entry.payload, 'http');
    const method = http ? stringAt(http, 'method') : undefined;
    const route = http ? stringAt(http, 'route') : undefined;
    const status = http?.['status'];
    return [
      ...(manyChains ? [entry.chainId] : []),
      String(entry.seq),
      entry.ts,
      entry.actorId ?? '-',
      entry.action,
      entry.resource ?? '-',
      entry.subjectId ?? '-',
      entry.outcome,
      typeof status === 'number' ? String(status) : '-',
      route ? [method, route].filter(Boolean).join(' ') : '-',
    ].map(cell);
  });
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => row[column]?.length ?? 0)));
  const line = (cells: string[]): string =>
    cells
      .map((value, column) => (column === cells.length - 1 ? value : value.padEnd(widths[column] ?? 0)))
      .join('  ')
      .trimEnd();
  return [line(header), line(widths.map((width) => '-'.repeat(width))), ...rows.map(line)];
}

function printTable(io: CliIo, entries: readonly SealedEntry[]): void {
  for (const text of formatEntryTable(entries)) io.out(text);
}

function cell(value: string): string {
  // Control characters would break the alignment (and could forge lines in a terminal).
  const flat = value.replace(/[\u0000-\u001f\u007f]/g, ' ');
  return flat.length > MAX_CELL ? `${flat.slice(0, MAX_CELL - 1)}…` : flat;
}

function objectAt(value: JsonValue | undefined, key: string): { [key: string]: JsonValue } | undefined {
  if (!value || typeof value !== 'object' || Array.isArray(value)) return undefined;
  const child = value[key];
  return child && typeof child === 'object' && !Array.isArray(child) ? child : undefined;
}

function stringAt(value: { [key: string]: JsonValue }, key: string): string | undefined {
  const child = value[key];
  return typeof child === 'string' ? child : undefined;
}
