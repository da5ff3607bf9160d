import { createAuditStore, type AuditStorageOptions, type SealedEntry } from 'sealed-audit';

/**
 * Every stored entry, in chain order, read through a connection of its own (as an auditor would),
 * never through the application's: a test checks what is in the database, not what the app holds.
 */
export async function readEntries(storage: AuditStorageOptions): Promise<SealedEntry[]> {
  const store = createAuditStore({ ...storage, install: false });
  await store.init();
  try {
    const all: SealedEntry[] = [];
    for await (const entry of store.read()) all.push(entry);
    return all;
  } finally {
    await store.close();
  }
}
