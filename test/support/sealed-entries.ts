import type { AuditEntry, ChainHead, JsonObject, SealedEntry } from '../../libs/sealed-audit/src/core/audit-event';
import { sealEntry } from '../../libs/sealed-audit/src/core/sealing/seal';

/** Options of {@link sealChain}. */
export interface SealChainOptions {
  /** Continue after this head (default: a new chain from seq 1). */
  after?: ChainHead | null;
  /** Timestamp of the first entry; each next one is 1 ms later. */
  start?: Date;
  /** Per-entry overrides of the unsealed fields. */
  entry?: (index: number) => Partial<Omit<AuditEntry, 'seq' | 'chainId' | 'v'>>;
}

/**
 * `count` correctly sealed entries of one chain, for tests that need a valid trail to store,
 * tamper with and verify.
 *
 * @example
 * const { entries, head } = sealChain('app-1', 5);
 */
export function sealChain(chainId: string, count: number, options: SealChainOptions = {}): { entries: SealedEntry[]; head: ChainHead | null } {
  let head = options.after ?? null;
  const firstSeq = (head?.seq ?? 0) + 1;
  const start = (options.start ?? new Date('2025-01-02T03:04:05.678Z')).getTime();
  const entries: SealedEntry[] = [];
  for (let index = 0; index < count; index += 1) {
    const payload: JsonObject = {
      http: { method: 'GET', route: '/patients/:id', status: 200, durationMs: 3 },
      index,
    };
    const unsealed: Omit<AuditEntry, 'seq'> = {
      v: 1,
      chainId,
      ts: new Date(start + firstSeq - 1 + index).toISOString(),
      action: 'patient.read',
      outcome: 'success',
      actorId: 'user-1',
      actorType: 'user',
      resource: 'patient',
      subjectId: `patient-${index % 3}`,
      requestId: `req-${chainId}-${index}`,
      payload,
      ...options.entry?.(index),
    };
    const sealed = sealEntry(unsealed, head);
    entries.push(sealed.sealed);
    head = sealed.head;
  }
  return { entries, head };
}
