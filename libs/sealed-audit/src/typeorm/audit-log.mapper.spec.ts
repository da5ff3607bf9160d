import fc from 'fast-check';
import { isStorableTimestamp, toAuditLogRow } from './audit-log.mapper';
import type { SealedEntry } from '../core/audit-event';

const ISO_MILLIS_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
/** The check toAuditLogRow made before the per-second shortcut: the oracle. */
const storableBefore = (ts: string): boolean => ISO_MILLIS_UTC.test(ts) && !Number.isNaN(Date.parse(ts));

const digits = (n: number): fc.Arbitrary<string> => fc.stringMatching(new RegExp(`^[0-9]{${n}}$`));
/** Texts of the ISO form with any digits (many invalid dates: month 13, day 32, hour 25…), near-misses, and real timestamps. */
const timestamp = fc.oneof(
  fc.tuple(digits(4), digits(2), digits(2), digits(2), digits(2), digits(2), digits(3)).map(([y, mo, d, h, mi, s, ms]) => `${y}-${mo}-${d}T${h}:${mi}:${s}.${ms}Z`),
  fc.tuple(fc.constantFrom('2026-11-27T03:00:0', '2026-02-30T23:59:5', '2026-13-01T00:00:0', '2026-11-27T24:00:0'), fc.integer({ min: 0, max: 9 }), digits(3)).map(([p, s, ms]) => `${p}${s}.${ms}Z`),
  fc.date({ min: new Date(0), max: new Date(Date.UTC(9999, 11, 31)), noInvalidDate: true }).map((date) => date.toISOString()),
  fc.constantFrom('2026-11-27T03:00:00.123', '2026-11-27T03:00:00.123+00:00', '2026-11-27 03:00:00.123Z', ''),
  // One second of one day with any minute and second digits (60–99 are invalid): neighbours of a valid text.
  fc.tuple(fc.constantFrom('2026-11-27T03:', '2024-02-29T23:'), digits(2), digits(2), digits(3)).map(([p, mi, s, ms]) => `${p}${mi}:${s}.${ms}Z`),
  fc.tuple(fc.constantFrom('2026-11-27T03:59:', '2024-02-29T23:00:'), digits(2), digits(3)).map(([p, s, ms]) => `${p}${s}.${ms}Z`),
);

describe('toAuditLogRow: the timestamp check', () => {
  it('accepts exactly what ISO_MILLIS_UTC and Date.parse accept, for any sequence of texts (the per-second shortcut never changes an answer)', () => {
    fc.assert(
      fc.property(fc.array(timestamp, { minLength: 1, maxLength: 30 }), (texts) => {
        for (const ts of texts) expect(isStorableTimestamp(ts)).toBe(storableBefore(ts));
        // Each text again right after a valid one of the same second.
        for (const ts of texts) {
          if (storableBefore(ts)) for (const other of texts) expect(isStorableTimestamp(other)).toBe(storableBefore(other));
        }
      }),
      { numRuns: 500, seed: 20261127 },
    );
  });

  it('still refuses a row whose ts the database would change, right after a valid one of the same second', () => {
    const entry = (ts: string): SealedEntry =>
      ({ v: 1, chainId: 'c', seq: 1, ts, action: 'a', outcome: 'success', actorId: null, actorType: null, resource: null, subjectId: null, requestId: null, payload: {}, prevHash: '0'.repeat(64), hash: 'a'.repeat(64) }) as SealedEntry;
    expect(toAuditLogRow(entry('2026-02-28T10:00:00.001Z')).ts).toBe('2026-02-28T10:00:00.001Z');
    expect(toAuditLogRow(entry('2026-02-28T10:00:00.999Z')).ts).toBe('2026-02-28T10:00:00.999Z');
    expect(() => toAuditLogRow(entry('2026-02-28T10:00:00.999+00:00'))).toThrow(TypeError);
    expect(() => toAuditLogRow(entry('2026-02-28T10:00:00.99Z'))).toThrow(TypeError);
    expect(() => toAuditLogRow(entry('2026-02-28T25:00:00.001Z'))).toThrow(TypeError);
  });
});
