import { attachPayloadText, payloadTextOf } from '../../core/sealing/seal';
import type { AuditWriterStats, BuiltAuditEntry } from '../../core/writer/audit-writer';
import type { AuditStorageOptions } from '../../typeorm/audit-storage.options';
import type { AuditCheckpointOptions } from '../audit.options';

/** The writer's settings: plain data (see `auditWriterOptions`). */
export interface WriterSettings {
  chainId: string;
  durability: 'async' | 'sync';
  spool?: { directory: string; maxBytes?: number };
  maxEntryBytes?: number;
  batch?: { size?: number; maxSize?: number; maxDelayMs?: number; maxQueue?: number; closeTimeoutMs?: number };
}

/**
 * What the writer thread is started with (`workerData`): plain data only, since it is cloned
 * into the worker. The runtime refuses `writerThread` for options that cannot be cloned (a
 * DataSource, a signer or an anchor object), with a message that says so.
 */
export interface WriterThreadData extends WriterSettings {
  storage: AuditStorageOptions;
  /** A `privateKey` (PEM or KeyObject, both cloneable) and at most a `{ file }` anchor. */
  checkpoints?: AuditCheckpointOptions;
}

/** Messages to the writer thread. `entries` is a flat array of {@link ENTRY_SLOTS} values per entry. */
export type ToWriterThread =
  | { t: 'entries'; entries: EntrySlot[] }
  | { t: 'flush'; req: number }
  | { t: 'close'; req: number };

/** Messages from the writer thread. */
export type FromWriterThread =
  | { t: 'started'; stats: AuditWriterStats }
  | { t: 'startFailed'; name: string; message: string }
  | { t: 'settled'; ok: number[]; failed: Array<[number, string]> }
  | { t: 'done'; req: number; stats: AuditWriterStats; error?: string }
  | { t: 'stats'; stats: AuditWriterStats }
  | { t: 'log'; level: 'log' | 'warn' | 'error'; message: string };

export type EntrySlot = string | number | null;

/**
 * An entry crosses threads as 9 primitives and a waiter id (0: nobody waits), appended to one flat
 * array per message: cloning a flat array of strings costs a fraction of cloning objects. The
 * payload travels as its canonical text (what is hashed and stored); the worker parses it back.
 */
export const ENTRY_SLOTS = 10;

/** Appends `entry` (and its waiter id) to `out`. */
export function packEntry(entry: BuiltAuditEntry, waiterId: number, out: EntrySlot[]): void {
  out.push(
    entry.ts,
    entry.action,
    entry.outcome,
    entry.actorId,
    entry.actorType,
    entry.resource,
    entry.subjectId,
    entry.requestId,
    payloadTextOf(entry) ?? null,
    waiterId,
  );
}

/** The entry packed at `offset` of `slots`, for chain `chainId`, and its waiter id. */
export function unpackEntry(slots: readonly EntrySlot[], offset: number, chainId: string): { entry: BuiltAuditEntry; waiterId: number } {
  const text = slots[offset + 8] as string;
  const entry: BuiltAuditEntry = {
    v: 1,
    chainId,
    ts: slots[offset] as string,
    action: slots[offset + 1] as string,
    outcome: slots[offset + 2] as BuiltAuditEntry['outcome'],
    actorId: slots[offset + 3] as string | null,
    actorType: slots[offset + 4] as string | null,
    resource: slots[offset + 5] as string | null,
    subjectId: slots[offset + 6] as string | null,
    requestId: slots[offset + 7] as string | null,
    payload: undefined as unknown as BuiltAuditEntry['payload'],
  };
  // Hashing and storing use the text, made canonical by `buildEntry` on the capturing thread.
  // The object is parsed only if something asks for it (the spool, a replay's content keys):
  // parsing every payload cost this thread about as much as sealing, and its garbage more.
  let parsed: BuiltAuditEntry['payload'] | undefined;
  Object.defineProperty(entry, 'payload', {
    enumerable: true,
    configurable: true,
    get: () => (parsed ??= JSON.parse(text) as BuiltAuditEntry['payload']),
    set: (value: BuiltAuditEntry['payload']) => {
      parsed = value;
    },
  });
  attachPayloadText(entry, text);
  return { entry, waiterId: slots[offset + 9] as number };
}
