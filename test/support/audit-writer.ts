import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AuditEvent, ChainHead, SealedEntry } from '../../libs/sealed-audit/src/core/audit-event';
import type { AuditReadOptions, AuditStore } from '../../libs/sealed-audit/src/core/audit-store.interface';
import { Redactor } from '../../libs/sealed-audit/src/core/redaction/redactor';
import type { AuditLogger } from '../../libs/sealed-audit/src/core/writer/audit-logger';
import { AuditWriter, type AuditWriterOptions } from '../../libs/sealed-audit/src/core/writer/audit-writer';
import type { TypeOrmAuditStore } from '../../libs/sealed-audit/src/typeorm';
import { removeTempSqlite, tempSqlitePath } from './sqlite';

/*
 * What the AuditWriter specs share: temp databases and directories, a silent logger, a real store
 * behind an outage switch, events numbered in `metadata.n`, and a writer with the specs' defaults.
 */

/**
 * Temp SQLite files and directories, all removed in `afterAll` of the suite that calls this (at
 * the top level of a spec file).
 *
 * @example
 * const { newFile, newDir } = tempPlaces('sealed-audit-spool-');
 */
export function tempPlaces(dirPrefix: string): { newFile(): string; newDir(): string } {
  const files: string[] = [];
  const dirs: string[] = [];
  afterAll(() => {
    files.forEach(removeTempSqlite);
    dirs.forEach((dir) => rmSync(dir, { recursive: true, force: true }));
  });
  return {
    newFile(): string {
      const file = tempSqlitePath();
      files.push(file);
      return file;
    },
    newDir(): string {
      const dir = mkdtempSync(join(tmpdir(), dirPrefix));
      dirs.push(dir);
      return dir;
    },
  };
}

/** A logger that keeps its lines instead of printing them. */
export function quiet(): AuditLogger & { lines: string[] } {
  const lines: string[] = [];
  return { lines, log: (m) => void lines.push(m), warn: (m) => void lines.push(m), error: (m) => void lines.push(m) };
}

/** The error an unreachable database gives, as {@link SwitchedStore} injects it. */
export function injectedOutage(): Error {
  return new Error('connect ECONNREFUSED 127.0.0.1 (injected outage)');
}

/**
 * A REAL store behind a switch: `down = true` makes `readHead` and `append` fail like an
 * unreachable database (fault injection in front of the real thing; the stored data is real).
 */
export class SwitchedStore implements AuditStore {
  down = false;
  constructor(readonly inner: TypeOrmAuditStore) {}
  init(): Promise<void> {
    return this.inner.init();
  }
  readHead(chainId: string): Promise<ChainHead | null> {
    if (this.down) return Promise.reject(injectedOutage());
    return this.inner.readHead(chainId);
  }
  append(entries: readonly SealedEntry[]): Promise<void> {
    if (this.down) return Promise.reject(injectedOutage());
    return this.inner.append(entries);
  }
  read(options?: AuditReadOptions): AsyncIterable<SealedEntry> {
    return this.inner.read(options);
  }
  readChain(chainId: string, afterSeq: number): AsyncIterable<SealedEntry> {
    return this.inner.readChain(chainId, afterSeq);
  }
  close(): Promise<void> {
    return this.inner.close();
  }
}

/** Event number `n` (in `metadata.n`, and in its timestamp's milliseconds and request id). */
export function event(n: number, overrides: Partial<AuditEvent> = {}): AuditEvent {
  return { timestamp: new Date(Date.UTC(2025, 0, 2, 3, 4, 5, n % 1000)), action: 'record.read', outcome: 'success', requestId: `r-${n}`, metadata: { n }, ...overrides };
}

/** The `metadata.n` of each entry, in order. */
export const ns = (entries: SealedEntry[]): unknown[] => entries.map((entry) => (entry.payload.metadata as { n: unknown }).n);

/**
 * A factory of writers with the specs' defaults (chain `c1`, a {@link quiet} logger, batches of 5,
 * 5 ms delay), each redacting with `hmacKey`.
 */
export function writerFactory(hmacKey: string): (store: AuditStore, options?: Partial<AuditWriterOptions>) => AuditWriter {
  return (store, options = {}) => new AuditWriter(store, new Redactor({ hmacKey }), { chainId: 'c1', logger: quiet(), batchSize: 5, maxDelayMs: 5, ...options });
}

/** Polls `condition` every `pollMs` until it holds; fails after 15 s, naming `what`. */
export async function waitFor(condition: () => boolean, what: string, pollMs = 5): Promise<void> {
  const deadline = Date.now() + 15_000;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, pollMs));
  }
}
