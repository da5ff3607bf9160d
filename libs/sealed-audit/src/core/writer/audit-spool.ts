import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import type { SealedEntry } from '../audit-event';
import type { AuditLogger } from './audit-logger';

/**
 * Where the writer keeps sealed entries while the store is unreachable (module option `spool`).
 * The directory is created when the first entry is spooled.
 */
export interface AuditSpoolOptions {
  /** A directory on local disk, kept across restarts (in a container: a volume). */
  directory: string;
  /** Bytes of spooled entries at most; beyond it new entries are dropped and counted. Default 256 MiB. */
  maxBytes?: number;
}

/** Default {@link AuditSpoolOptions.maxBytes}: 256 MiB. */
export const DEFAULT_SPOOL_MAX_BYTES = 256 * 1024 * 1024;

/** One spool file: sealed entries of ONE chain, in seq order, as JSON lines. */
export interface SpoolSegment {
  readonly file: string;
  /** The chain of its entries (a file never mixes chains). */
  chainId: string;
  /** Seq of its first entry as spooled (before any re-seal at replay). */
  baseSeq: number;
  /** The last entry as spooled: the head to seal after while the segment is pending. */
  tail: SealedEntry | null;
  /** Bytes in the file / bytes already replayed. */
  size: number;
  offset: number;
  /** Entries not replayed yet. */
  pending: number;
  /** Created by this writer (new entries are appended to it); leftovers of dead processes are not. */
  readonly own: boolean;
}

/** Spool files held by writers of this process (two writers in one process never claim each other's). */
const HELD = new Set<string>();

const SUFFIX = '.spool.jsonl';
const HOST = hostname().replace(/[^A-Za-z0-9-]/g, '_').slice(0, 64) || 'host';
const READ_BLOCK = 1 << 20;

/**
 * The local, append-only spool of an `AuditWriter`. Entries are already redacted and sealed (never
 * raw PII), one JSON object per line, fsync'd per batch. Files are named
 * `<host>.<pid>.<random>.spool.jsonl`; at start a writer claims (renames) the files of dead
 * processes of the same host, so a crash's leftovers are replayed exactly by one writer.
 */
export class AuditSpool {
  readonly directory: string;
  readonly maxBytes: number;
  private readonly segments: SpoolSegment[] = [];
  private ownSegment: SpoolSegment | undefined;
  private handle: fs.FileHandle | undefined;
  private dirReady = false;

  constructor(
    options: AuditSpoolOptions,
    private readonly logger: AuditLogger,
  ) {
    this.directory = options.directory;
    this.maxBytes = options.maxBytes ?? DEFAULT_SPOOL_MAX_BYTES;
  }

  /** Pending segments, oldest first; the own segment (if any) is always last. */
  get queue(): readonly SpoolSegment[] {
    return this.segments;
  }

  get pendingEntries(): number {
    return this.segments.reduce((sum, segment) => sum + segment.pending, 0);
  }

  /** Bytes held on disk by pending segments (what counts against `maxBytes`). */
  get bytes(): number {
    return this.segments.reduce((sum, segment) => sum + segment.size, 0);
  }

  hasPending(chainId?: string): boolean {
    return this.segments.some((segment) => segment.pending > 0 && (chainId === undefined || segment.chainId === chainId));
  }

  /** The newest spooled entry of a chain (the head to seal after), if the spool holds any. */
  tailOf(chainId: string): SealedEntry | null {
    for (let i = this.segments.length - 1; i >= 0; i -= 1) {
      const segment = this.segments[i] as SpoolSegment;
      if (segment.chainId === chainId && segment.tail) return segment.tail;
    }
    return null;
  }

  /** Claims leftover spool files of dead processes on this host. Never throws: a spool it cannot read is logged. */
  async claimLeftovers(): Promise<void> {
    let names: string[];
    try {
      names = (await fs.readdir(this.directory)).filter((name) => name.endsWith(SUFFIX));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') this.logger.error(`cannot read the audit spool directory ${this.directory}: ${describe(error)}`);
      return;
    }
    const claimed: Array<{ file: string; mtime: number }> = [];
    for (const name of names) {
      const from = join(this.directory, name);
      if (HELD.has(from) || !claimable(name)) continue;
      const to = join(this.directory, newName());
      try {
        // Atomic: of two processes claiming the same file, one rename fails with ENOENT.
        await fs.rename(from, to);
        HELD.add(to);
        claimed.push({ file: to, mtime: (await fs.stat(to)).mtimeMs });
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT') this.logger.error(`cannot claim audit spool file ${from}: ${describe(error)}`);
      }
    }
    claimed.sort((a, b) => a.mtime - b.mtime);
    for (const { file } of claimed) {
      const segment = await this.load(file);
      if (segment) this.segments.push(segment);
    }
    const total = this.pendingEntries;
    if (total > 0) this.logger.warn(`found ${total} spooled audit entr${total === 1 ? 'y' : 'ies'} left by a previous process; replaying them`);
  }

  /**
   * Appends sealed entries of one chain to this writer's own file and fsyncs it. Returns how many
   * (a prefix) were written: the rest would pass `maxBytes` and must be dropped by the caller.
   */
  async append(entries: readonly SealedEntry[]): Promise<number> {
    if (entries.length === 0) return 0;
    let room = this.maxBytes - this.bytes;
    const lines: string[] = [];
    for (const entry of entries) {
      const line = `${JSON.stringify(entry)}\n`;
      const size = Buffer.byteLength(line);
      if (size > room) break;
      room -= size;
      lines.push(line);
    }
    if (lines.length === 0) return 0;
    const data = Buffer.from(lines.join(''), 'utf8');
    const segment = await this.own(entries[0] as SealedEntry);
    const handle = this.handle as fs.FileHandle;
    try {
      await handle.write(data, 0, data.length, null);
      await handle.sync();
    } catch (error) {
      // Never leave half a batch behind: the next append would follow a torn line.
      await handle.truncate(segment.size).catch(() => undefined);
      throw error;
    }
    segment.size += data.length;
    segment.pending += lines.length;
    segment.tail = entries[lines.length - 1] as SealedEntry;
    return lines.length;
  }

  /**
   * Reads up to `max` entries of a segment from its replay offset (does not advance it). A line
   * that is not JSON (disk corruption) is skipped and counted in `corrupt`, never replayed.
   */
  async read(segment: SpoolSegment, max: number): Promise<{ entries: SealedEntry[]; next: number; corrupt: number }> {
    const entries: SealedEntry[] = [];
    let corrupt = 0;
    let position = segment.offset;
    const handle = await fs.open(segment.file, 'r');
    try {
      let block = READ_BLOCK;
      while (entries.length < max && position < segment.size) {
        const length = Math.min(block, segment.size - position);
        const buffer = Buffer.alloc(length);
        const { bytesRead } = await handle.read(buffer, 0, length, position);
        if (bytesRead === 0) break;
        let start = 0;
        while (entries.length < max) {
          const end = buffer.indexOf(0x0a, start);
          if (end < 0 || end >= bytesRead) break;
          try {
            entries.push(JSON.parse(buffer.toString('utf8', start, end)) as SealedEntry);
          } catch {
            corrupt += 1;
          }
          start = end + 1;
        }
        if (start === 0) {
          // A line longer than the block (or an unterminated tail, which `size` never covers): read more.
          if (length >= segment.size - position) break;
          block *= 2;
          continue;
        }
        position += start;
      }
      return { entries, next: position, corrupt };
    } finally {
      await handle.close();
    }
  }

  /** Marks `count` entries up to byte `next` as committed (or skipped as already stored). */
  advance(segment: SpoolSegment, next: number, count: number): void {
    segment.offset = next;
    segment.pending = Math.max(0, segment.pending - count);
  }

  /** Removes a fully replayed segment (file deleted). A crash before this only costs a skip at the next start. */
  async finish(segment: SpoolSegment): Promise<void> {
    const index = this.segments.indexOf(segment);
    if (index >= 0) this.segments.splice(index, 1);
    if (segment === this.ownSegment) {
      this.ownSegment = undefined;
      await this.handle?.close().catch(() => undefined);
      this.handle = undefined;
    }
    HELD.delete(segment.file);
    await fs.unlink(segment.file).catch((error: unknown) => {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') this.logger.error(`cannot delete replayed audit spool file ${segment.file}: ${describe(error)}`);
    });
  }

  /** Closes the own file; pending segments stay on disk for the next start. */
  async close(): Promise<void> {
    await this.handle?.close().catch(() => undefined);
    this.handle = undefined;
    for (const segment of this.segments) HELD.delete(segment.file);
  }

  private async own(first: SealedEntry): Promise<SpoolSegment> {
    if (this.ownSegment && this.handle) return this.ownSegment;
    if (!this.dirReady) {
      await fs.mkdir(this.directory, { recursive: true });
      this.dirReady = true;
    }
    const file = join(this.directory, newName());
    this.handle = await fs.open(file, 'a', 0o600);
    HELD.add(file);
    const segment: SpoolSegment = { file, chainId: first.chainId, baseSeq: first.seq, tail: null, size: 0, offset: 0, pending: 0, own: true };
    this.ownSegment = segment;
    this.segments.push(segment);
    return segment;
  }

  /** Scans a claimed file: cuts a torn last line (a crash mid-write; never acknowledged), counts entries. */
  private async load(file: string): Promise<SpoolSegment | undefined> {
    try {
      const data = await fs.readFile(file);
      const end = data.lastIndexOf(0x0a) + 1;
      if (end < data.length) {
        await fs.truncate(file, end);
        this.logger.warn(`audit spool file ${file}: dropped a torn last line (${data.length - end} bytes written during a crash)`);
      }
      const text = data.subarray(0, end).toString('utf8');
      let pending = 0;
      let first: SealedEntry | undefined;
      let last: SealedEntry | undefined;
      for (let start = 0; start < text.length; ) {
        const stop = text.indexOf('\n', start);
        const line = text.slice(start, stop);
        start = stop + 1;
        if (line.length === 0) continue;
        try {
          last = JSON.parse(line) as SealedEntry;
        } catch {
          continue; // skipped (and counted) at replay
        }
        first ??= last;
        pending += 1;
      }
      if (!first || !last) {
        HELD.delete(file);
        await fs.unlink(file).catch(() => undefined);
        return undefined;
      }
      return { file, chainId: first.chainId, baseSeq: first.seq, tail: last, size: end, offset: 0, pending, own: false };
    } catch (error) {
      this.logger.error(`audit spool file ${file} cannot be read and is left in place for inspection: ${describe(error)}`);
      HELD.delete(file);
      return undefined;
    }
  }
}

function newName(): string {
  return `${HOST}.${process.pid}.${randomBytes(6).toString('hex')}${SUFFIX}`;
}

/** A file of this host whose process is gone (or is this process: a previous life with the same pid, as in a container). */
function claimable(name: string): boolean {
  const parts = name.slice(0, -SUFFIX.length).split('.');
  if (parts.length !== 3 || parts[0] !== HOST) return false;
  const pid = Number(parts[1]);
  if (!Number.isSafeInteger(pid) || pid <= 0) return false;
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return false;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}
