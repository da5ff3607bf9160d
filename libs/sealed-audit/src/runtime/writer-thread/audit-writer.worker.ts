/**
 * The writer thread (`writerThread: true`): seals, stores, spools and checkpoints the entries that
 * the application thread built (redacted) and posted. It runs the same {@link AuditWriter} as the
 * in-thread mode, with its own connection, so the database driver, the hashing and the garbage of
 * batches stay off the thread that serves requests.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { AuditWriter, Redactor, type AuditLogger, type AuditWriterStats } from '../../core';
import { createAuditStore } from '../../typeorm';
import { auditWriterOptions, createCheckpointer } from '../audit-runtime';
import { transactionalChainId } from '../audit-transaction';
import { ENTRY_SLOTS, unpackEntry, type FromWriterThread, type ToWriterThread, type WriterThreadData } from './writer-thread-protocol';

if (!parentPort) throw new Error('audit-writer.worker is started by the writer thread of sealed-audit, not run directly.');
const port = parentPort;
const data = workerData as WriterThreadData;

const post = (message: FromWriterThread): void => port.postMessage(message);
const logger: AuditLogger = {
  log: (message) => post({ t: 'log', level: 'log', message }),
  warn: (message) => post({ t: 'log', level: 'warn', message }),
  error: (message) => post({ t: 'log', level: 'error', message }),
};

/** Settlements of `sync` entries, sent once per turn of the event loop. */
const ok: number[] = [];
const failed: Array<[number, string]> = [];
let settleScheduled = false;
function settle(): void {
  settleScheduled = false;
  post({ t: 'settled', ok: ok.splice(0), failed: failed.splice(0) });
}
function scheduleSettle(): void {
  if (settleScheduled) return;
  settleScheduled = true;
  setImmediate(settle);
}

/** Counters for the application thread's `stats()`: sent at most every 100 ms while they change. */
let lastStats = '';
let statsTimer: NodeJS.Timeout | undefined;

async function main(): Promise<void> {
  const store = createAuditStore(data.storage);
  const checkpointer = createCheckpointer(data.checkpoints, store, logger);
  // Entries arrive redacted: this redactor never sees a captured value (the writer needs one for
  // events, and this thread only receives entries).
  const writer = new AuditWriter(store, new Redactor({ hmacKey: 'writer-thread-receives-redacted-entries-only' }), auditWriterOptions(data, logger, checkpointer));
  try {
    await writer.start();
    if (checkpointer) {
      await checkpointer.start();
      checkpointer.track(data.chainId);
      // Entries of `recordInTransaction` (application thread, the application's own transaction) bypass the writer.
      checkpointer.track(transactionalChainId(data.chainId));
    }
  } catch (error) {
    await writer.close().catch(() => undefined);
    post({ t: 'startFailed', name: error instanceof Error ? error.name : 'Error', message: error instanceof Error ? error.message : String(error) });
    return;
  }

  const sendStats = (stats: AuditWriterStats): void => {
    const text = JSON.stringify(stats);
    if (text === lastStats) return;
    lastStats = text;
    post({ t: 'stats', stats });
  };
  statsTimer = setInterval(() => sendStats(writer.stats()), 100);
  statsTimer.unref();

  port.on('message', (message: ToWriterThread) => {
    switch (message.t) {
      case 'entries': {
        const slots = message.entries;
        for (let offset = 0; offset < slots.length; offset += ENTRY_SLOTS) {
          let unpacked;
          try {
            unpacked = unpackEntry(slots, offset, data.chainId);
          } catch (error) {
            // Not reachable with entries made by `buildEntry`; counted as a drop by the writer's rules if it were.
            logger.error(`an audit entry could not be read in the writer thread and was dropped: ${error instanceof Error ? error.message : String(error)}`);
            const id = slots[offset + 9] as number;
            if (id > 0) {
              failed.push([id, 'the entry could not be read by the writer thread']);
              scheduleSettle();
            }
            continue;
          }
          const { entry, waiterId } = unpacked;
          if (waiterId === 0) {
            writer.enqueueEntry(entry);
            continue;
          }
          writer.enqueueEntry(entry, true).then(
            () => {
              ok.push(waiterId);
              scheduleSettle();
            },
            (error: unknown) => {
              failed.push([waiterId, error instanceof Error && 'reason' in error ? String((error as { reason: unknown }).reason) : String(error)]);
              scheduleSettle();
            },
          );
        }
        return;
      }
      case 'flush':
        writer.flush().then(
          () => post({ t: 'done', req: message.req, stats: writer.stats() }),
          (error: unknown) => post({ t: 'done', req: message.req, stats: writer.stats(), error: error instanceof Error ? error.message : String(error) }),
        );
        return;
      case 'close':
        void (async () => {
          let failure: string | undefined;
          try {
            // The checkpointer's close (a last checkpoint) runs inside, as a writer hook.
            await writer.close();
          } catch (error) {
            failure = error instanceof Error ? error.message : String(error);
          }
          if (statsTimer) clearInterval(statsTimer);
          if (settleScheduled) settle();
          post({ t: 'done', req: message.req, stats: writer.stats(), ...(failure !== undefined ? { error: failure } : {}) });
          port.close();
        })();
        return;
    }
  });
  post({ t: 'started', stats: writer.stats() });
}

main().catch((error: unknown) => {
  post({ t: 'startFailed', name: error instanceof Error ? error.name : 'Error', message: error instanceof Error ? error.message : String(error) });
});
