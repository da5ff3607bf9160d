import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

/**
 * A path for a new SQLite database in its own fresh directory under the OS temp dir (the -wal and
 * -shm files land next to it). The file itself does not exist yet.
 *
 * @example
 * const file = tempSqlitePath();
 * afterAll(() => removeTempSqlite(file));
 */
export function tempSqlitePath(name = 'audit.db'): string {
  return join(mkdtempSync(join(tmpdir(), 'sealed-audit-')), name);
}

/** Removes the directory {@link tempSqlitePath} created, with the database and its WAL files. */
export function removeTempSqlite(file: string): void {
  rmSync(dirname(file), { recursive: true, force: true });
}
