import { readFileSync, readdirSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';

/** Median of a non-empty list. */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

/** The machine line every benchmark prints first: ratios only mean something on the same machine. */
export function machineLine(): string {
  const cpu = cpus();
  return `machine: ${cpu.length} cores (${cpu[0]?.model.trim() ?? 'unknown cpu'}), ${(totalmem() / 2 ** 30).toFixed(1)} GiB, Node ${process.version}, ${new Date().toISOString()}`;
}

/** A Markdown table (it reads fine in a terminal too). */
export function table(header: readonly string[], rows: ReadonlyArray<ReadonlyArray<string | number>>): string {
  const cells = [header.map(String), ...rows.map((row) => row.map(String))];
  const widths = header.map((_, i) => Math.max(...cells.map((row) => (row[i] ?? '').length)));
  const line = (row: readonly string[]) => `| ${row.map((cell, i) => cell.padEnd(widths[i] ?? 0)).join(' | ')} |`;
  return [line(cells[0] ?? []), `| ${widths.map((w) => '-'.repeat(w)).join(' | ')} |`, ...cells.slice(1).map(line)].join('\n');
}

/** `1.234×` */
export function ratio(value: number, baseline: number): string {
  return `${(value / baseline).toFixed(2)}×`;
}

/**
 * CPU time (user + system) in µs of a process, or of one of its threads when `thread` is given
 * (the main thread's id is the process id), from Linux /proc in 10 ms ticks; NaN elsewhere.
 * A process's figure includes all its threads (a writer thread too).
 */
export function procCpuUs(pid: number, thread?: number): number {
  try {
    const file = thread === undefined ? `/proc/${pid}/stat` : `/proc/${pid}/task/${thread}/stat`;
    const fields = readFileSync(file, 'utf8').split(') ')[1]?.split(' ') ?? [];
    // utime and stime are fields 14 and 15 of stat; after "pid (comm) " they are the 12th and 13th.
    return (Number(fields[11]) + Number(fields[12])) * 10_000;
  } catch {
    return Number.NaN;
  }
}

/**
 * CPU time (user + system) in µs of each process whose command name is `comm` (e.g. PostgreSQL's
 * server and backends), by pid, from Linux /proc; empty elsewhere. See {@link cpuSince}.
 */
export function commandCpu(comm: string): Map<number, number> {
  const out = new Map<number, number>();
  let names: string[];
  try {
    names = readdirSync('/proc');
  } catch {
    return out;
  }
  for (const name of names) {
    if (name.charCodeAt(0) < 48 || name.charCodeAt(0) > 57) continue;
    try {
      if (readFileSync(`/proc/${name}/comm`, 'utf8').trim() !== comm) continue;
    } catch {
      continue;
    }
    const us = procCpuUs(Number(name));
    if (Number.isFinite(us)) out.set(Number(name), us);
  }
  return out;
}

/**
 * CPU µs the processes of `comm` spent since `before` (a {@link commandCpu} reading): each process
 * present in both readings counts its difference, one started since counts all of its time, one
 * that exited since is left out (its last part is lost, rather than its whole past subtracted).
 */
export function cpuSince(comm: string, before: Map<number, number>): number {
  let total = 0;
  for (const [pid, us] of commandCpu(comm)) total += us - (before.get(pid) ?? 0);
  return total;
}
