import { createReadStream } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';
import { createInterface } from 'node:readline';
import { parseSignedCheckpoint, checkpointBody, type SignedCheckpoint } from './checkpoint';

/**
 * Where signed checkpoints are copied outside the database, so someone who controls the database
 * (but not this sink) can neither truncate the trail nor rewrite it unnoticed. `write` is called
 * after the checkpoint is committed to the database, one checkpoint at a time.
 *
 * Other sinks implement the same two methods, for example an object store bucket with a
 * retention lock (S3 Object Lock in compliance mode: one object per checkpoint, named
 * `<chainId>/<seq>.json`), or a transparency log (submit the checkpoint hash, keep the receipt).
 *
 * @example
 * class ObjectLockSink implements AnchorSink {
 *   async write(cp: SignedCheckpoint) { await bucket.put(`${cp.chainId}/${cp.seq}.json`, JSON.stringify(cp)); }
 * }
 */
export interface AnchorSink {
  write(checkpoint: SignedCheckpoint): Promise<void>;
  close?(): Promise<void>;
}

/**
 * An append-only JSON Lines file: one signed checkpoint per line, each line fsync'd before
 * `write` resolves (and the directory fsync'd when the file is created), so a checkpoint the
 * database holds is on disk in the anchor too. Keep the file on other storage than the database,
 * ideally write-once (chattr +a, a WORM mount, or shipped off-host).
 *
 * @example
 * const sink = new FileAnchorSink('/var/lib/audit-anchor/checkpoints.jsonl');
 */
export class FileAnchorSink implements AnchorSink {
  private handle: Promise<FileHandle> | undefined;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(readonly file: string) {}

  write(checkpoint: SignedCheckpoint): Promise<void> {
    const line = `${JSON.stringify({ ...checkpointBody(checkpoint), hash: checkpoint.hash, signature: checkpoint.signature })}\n`;
    const run = this.queue.then(async () => {
      const handle = await this.open();
      await handle.appendFile(line, 'utf8');
      await handle.sync();
    });
    this.queue = run.catch(() => undefined);
    return run;
  }

  async close(): Promise<void> {
    await this.queue;
    const handle = this.handle;
    this.handle = undefined;
    if (handle) await (await handle).close();
  }

  private open(): Promise<FileHandle> {
    this.handle ??= (async () => {
      let created = false;
      let handle: FileHandle;
      try {
        handle = await open(this.file, 'ax');
        created = true;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
        handle = await open(this.file, 'a');
      }
      if (created) await syncDirectory(dirname(this.file));
      return handle;
    })().catch((error: unknown) => {
      this.handle = undefined;
      throw error;
    });
    return this.handle;
  }
}

/** Thrown for an anchor file line that is not a signed checkpoint. */
export class AnchorFileError extends Error {
  constructor(
    readonly file: string,
    readonly line: number,
    reason: string,
  ) {
    super(`anchor file ${file}, line ${line}: ${reason}`);
    this.name = 'AnchorFileError';
  }
}

/**
 * Streams the checkpoints of a {@link FileAnchorSink} file, line by line (constant memory). A
 * last line without its newline (a crash in the middle of a write) is skipped; any other line that
 * is not a signed checkpoint throws {@link AnchorFileError}.
 */
export async function* readAnchorFile(file: string): AsyncGenerator<SignedCheckpoint> {
  const stream = createReadStream(file, { encoding: 'utf8' });
  const lines = createInterface({ input: stream, crlfDelay: Infinity });
  let number = 0;
  let pending: { text: string; number: number } | undefined;
  try {
    for await (const text of lines) {
      if (pending) yield parseLine(file, pending.text, pending.number);
      number += 1;
      pending = text.trim() === '' ? undefined : { text, number };
    }
    if (pending) {
      try {
        yield parseLine(file, pending.text, pending.number);
      } catch (error) {
        // Only a torn final write is forgiven, and only if it is not valid JSON at all.
        if (!(error instanceof AnchorFileError) || isJson(pending.text)) throw error;
      }
    }
  } finally {
    lines.close();
    stream.destroy();
  }
}

function parseLine(file: string, text: string, line: number): SignedCheckpoint {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new AnchorFileError(file, line, 'not JSON');
  }
  try {
    return parseSignedCheckpoint(value);
  } catch (error) {
    throw new AnchorFileError(file, line, error instanceof Error ? error.message : String(error));
  }
}

function isJson(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

async function syncDirectory(directory: string): Promise<void> {
  let handle: FileHandle | undefined;
  try {
    handle = await open(directory, 'r');
    await handle.sync();
  } catch {
    // Some platforms cannot fsync a directory; the file itself is still fsync'd.
  } finally {
    await handle?.close();
  }
}
