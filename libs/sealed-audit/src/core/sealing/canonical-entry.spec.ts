import fc from 'fast-check';
import type { AuditEntry, JsonObject } from '../audit-event';
import { canonicalize } from './canonical-json';
import { canonicalEntry, computeEntryHash, hashedForm, payloadTextOf, sealEntry, GENESIS_HASH } from './seal';

/** Strings that stress RFC 8785 escaping: control characters, quotes, backslashes, lone surrogates, astral characters. */
const nastyString = fc.oneof(
  fc.string(),
  fc.string({ unit: 'binary' }),
  fc.constantFrom('', '"', '\\', '\u0000', '\u001f', '\u007f', '\u2028', '\ud800', '\udfff', '😀', 'é', '\t\n\r\b\f'),
);
const nullableString = fc.option(nastyString, { nil: null });
const json = fc.jsonValue() as fc.Arbitrary<unknown>;

const entry: fc.Arbitrary<AuditEntry> = fc.record({
  v: fc.constant(1 as const),
  chainId: nastyString,
  seq: fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }),
  ts: nastyString,
  action: nastyString,
  outcome: fc.constantFrom('success', 'failure', 'denied') as fc.Arbitrary<AuditEntry['outcome']>,
  actorId: nullableString,
  actorType: nullableString,
  resource: nullableString,
  subjectId: nullableString,
  requestId: nullableString,
  payload: fc.dictionary(nastyString, json) as fc.Arbitrary<JsonObject>,
});

describe('canonicalEntry (the writer fast path)', () => {
  it('is byte-identical to canonicalize(hashedForm(entry)) for any entry', () => {
    fc.assert(
      fc.property(entry, (e) => {
        expect(canonicalEntry(e)).toBe(canonicalize(hashedForm(e)));
        expect(canonicalEntry(e, canonicalize(e.payload))).toBe(canonicalize(hashedForm(e)));
      }),
      { numRuns: 2000 },
    );
  });

  it('falls back to the general canonicalizer for a malformed entry and still agrees with it', () => {
    const malformed = { ...(fc.sample(entry, 1)[0] as AuditEntry), actorId: 42 as unknown as string, seq: 1.5 };
    expect(canonicalEntry(malformed)).toBe(canonicalize(hashedForm(malformed)));
  });

  it('seals over, and hands the store, exactly the payload text it hashed', () => {
    fc.assert(
      fc.property(entry, (e) => {
        const { seq: _seq, ...unsealed } = e;
        const { sealed } = sealEntry(unsealed, null);
        const text = payloadTextOf(sealed);
        expect(text).toBe(canonicalize(e.payload));
        expect(Reflect.ownKeys(sealed)).toEqual(['v', 'chainId', 'ts', 'action', 'outcome', 'actorId', 'actorType', 'resource', 'subjectId', 'requestId', 'payload', 'seq', 'prevHash', 'hash']);
        expect(JSON.stringify(sealed)).not.toContain('payload-text');
        expect(sealed.hash).toBe(computeEntryHash({ ...sealed }, GENESIS_HASH));
      }),
      { numRuns: 300 },
    );
  });
});
