import type { ChainHead, SealedEntry } from './audit-event';

/** Options for reading entries back in chain order. */
export interface AuditReadOptions {
  /** Only this chain; every chain otherwise. */
  chainId?: string;
  /** Rows fetched per round trip (keyset pagination keeps memory flat). Default 1000. */
  pageSize?: number;
}

/**
 * Where sealed entries live. The TypeORM implementation ships in `sealed-audit` (`typeorm/`); any
 * other backend implements this interface. Implementations must be append-only: no method here
 * changes or removes a stored entry.
 *
 * @example
 * const store = new TypeOrmAuditStore(dataSource);
 * await store.init();
 * await store.append([sealedEntry]);
 */
export interface AuditStore {
  /** Connects and checks (or installs) the schema. Idempotent. */
  init(): Promise<void>;
  /** The stored head of a chain, or `null` for a chain with no entries. */
  readHead(chainId: string): Promise<ChainHead | null>;
  /**
   * Appends entries in one transaction: all or none. Throws {@link ChainConflictError} when a
   * `(chainId, seq)` is already taken (another writer appended to the same chain).
   */
  append(entries: readonly SealedEntry[]): Promise<void>;
  /** Every entry ordered by `(chainId, seq)`, streamed page by page. */
  read(options?: AuditReadOptions): AsyncIterable<SealedEntry>;
  /** Releases connections the store opened itself. */
  close(): Promise<void>;
}

/** Thrown by {@link AuditStore.append} when another writer took the same `(chainId, seq)`. */
export class ChainConflictError extends Error {
  constructor(
    readonly chainId: string,
    cause?: unknown,
  ) {
    super(
      `Another writer appended to audit chain "${chainId}" at the same position. ` +
        'The writer re-reads the chain head and seals again; if this repeats, give each process its own chainId.',
      { cause },
    );
    this.name = 'ChainConflictError';
  }
}
