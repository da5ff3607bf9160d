import fc from 'fast-check';
import { AuditWriter, Redactor, createAuditStore, verifyChains, type AuditEvent, type SealedEntry } from 'sealed-audit';
import { removeTempSqlite, tempSqlitePath } from '../support/sqlite';
import { readEntries } from '../support/stored-entries';

/**
 * Hostile values through the real path redact → seal → store (SQLite file) → read back → verify:
 * BigInt, Dates (also invalid), Map/Set, Buffers, lone surrogates, `__proto__`/`constructor` keys,
 * deep nesting, cycles, huge strings. Nothing may throw to the caller, reject unhandled, be lost,
 * grow past the entry cap, or break the chain.
 */
const MAX_ENTRY_BYTES = 16 * 1024;

const loneSurrogate = fc.constantFrom('\ud800', '\udfff', 'a\ud83d', '\ude00b', 'ok\u0000nul');
const leaf = fc.oneof(
  fc.string(),
  fc.string({ unit: 'binary' }),
  loneSurrogate,
  fc.integer(),
  fc.double(),
  fc.bigInt(),
  fc.boolean(),
  fc.constant(null),
  fc.constant(undefined),
  fc.date({ noInvalidDate: false }),
  fc.uint8Array({ maxLength: 64 }).map((bytes) => Buffer.from(bytes)),
  fc.constant(Symbol('s')),
  fc.constant(() => 'function'),
  fc.emailAddress(),
  fc.constant('x'.repeat(200_000)),
);
const hostileKey = fc.oneof(fc.string(), fc.constantFrom('__proto__', 'constructor', 'prototype', 'password', 'toString', ''), loneSurrogate);

const { value } = fc.letrec<{ value: unknown }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    leaf,
    fc.array(tie('value'), { maxLength: 6 }),
    fc.dictionary(hostileKey, tie('value'), { maxKeys: 6 }),
    fc.array(fc.tuple(tie('value'), tie('value')), { maxLength: 3 }).map((pairs) => new Map(pairs)),
    fc.array(tie('value'), { maxLength: 3 }).map((items) => new Set(items)),
  ),
}));

/** Adds what generators do not make on their own: a cycle, a real `__proto__` own key, deep nesting. */
const hostile = fc.tuple(value, fc.nat({ max: 3 }), fc.nat({ max: 3000 })).map(([base, twist, depth]) => {
  const holder: Record<string, unknown> = { base };
  if (twist === 0) holder.self = holder;
  if (twist === 1) Object.assign(holder, JSON.parse('{"__proto__": {"polluted": true}, "constructor": {"prototype": {"x": 1}}}'));
  if (twist === 2) {
    let deep: Record<string, unknown> = { end: true };
    for (let i = 0; i < depth; i += 1) deep = { next: deep };
    holder.deep = deep;
  }
  return holder;
});

describe('capture → redact → seal → store with hostile values (fast-check, real SQLite)', () => {
  const file = tempSqlitePath();
  const unhandled: unknown[] = [];
  const tripwire = (reason: unknown): void => void unhandled.push(reason);
  let writer: AuditWriter;

  beforeAll(async () => {
    process.on('unhandledRejection', tripwire);
    writer = new AuditWriter(createAuditStore({ type: 'sqlite', database: file }), new Redactor({ hmacKey: 'fuzz-key' }), {
      chainId: 'fuzz',
      maxEntryBytes: MAX_ENTRY_BYTES,
      logger: { log: () => undefined, warn: () => undefined, error: () => undefined },
    });
    await writer.start();
  });

  afterAll(async () => {
    process.off('unhandledRejection', tripwire);
    await writer?.close();
    removeTempSqlite(file);
  });

  it('stores every event as a bounded, verifiable entry, whatever the values', async () => {
    let count = 0;
    await fc.assert(
      fc.asyncProperty(hostile, hostile, hostile, fc.string(), async (body, metadata, headers, action) => {
        const event: AuditEvent = {
          timestamp: new Date(),
          action: action || 'fuzz',
          outcome: 'success',
          requestId: `fuzz-${count}`,
          request: { body, headers, query: metadata, params: { id: action } },
          metadata: metadata as Record<string, unknown>,
          error: { name: action, message: `${action} alice@example.com`, details: body },
        };
        expect(() => writer.enqueue(event)).not.toThrow();
        count += 1;
      }),
      { numRuns: 150 },
    );
    // Generated values may all stay under the cap: one event surely over it proves the cap acts.
    writer.enqueue({
      timestamp: new Date(),
      action: 'fuzz.oversized',
      outcome: 'success',
      requestId: 'fuzz-oversized',
      request: { body: { notes: Array.from({ length: 60 }, (_, i) => `note ${i} `.padEnd(1500, 'x')) } },
    });
    count += 1;
    await writer.flush();
    expect(writer.stats()).toMatchObject({ written: count, dropped: 0, writeFailures: 0 });
    const entries: SealedEntry[] = await readEntries({ type: 'sqlite', database: file });
    expect(entries).toHaveLength(count);
    for (const entry of entries) expect(Buffer.byteLength(JSON.stringify(entry.payload))).toBeLessThanOrEqual(MAX_ENTRY_BYTES);
    expect(entries.find((entry) => entry.action === 'fuzz.oversized')?.payload.truncated).toBeDefined();
    expect(JSON.stringify(entries)).not.toContain('alice@example.com');
    expect(await verifyChains(entries)).toMatchObject({ ok: true, entries: count });
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(unhandled).toEqual([]);
  }, 120_000);
});
