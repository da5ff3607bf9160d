import { createHash, randomBytes } from 'node:crypto';
import fc from 'fast-check';
import type { AuditEntry, ChainHead } from '../audit-event';
import { canonicalize } from './canonical-json';
import {
  ENTRY_HASH_TAG,
  GENESIS_HASH,
  STORED_PAYLOAD_TEXT,
  attachPayloadText,
  payloadTextOf,
  canonicalStoredPayload,
  computeEntryHash,
  computeStoredEntryHash,
  hashStoredEntry,
  hashedForm,
  sealEntry,
} from './seal';

/** A double from its IEEE-754 bit pattern, as RFC 8785 Appendix B lists them. */
function fromBits(hex: string): number {
  const view = new DataView(new ArrayBuffer(8));
  view.setBigUint64(0, BigInt(`0x${hex}`));
  return view.getFloat64(0);
}

describe('canonicalize (RFC 8785)', () => {
  it('serializes the RFC 8785 §3.2.2 sample exactly (literals, numbers, string escaping, key order)', () => {
    // The input is JSON text, parsed as a verifier would parse it; the expected output is the RFC's.
    const input = String.raw`{
      "numbers": [333333333.33333329, 1E30, 4.50, 2e-3, 0.000000000000000000000000001],
      "string": "\u20ac$\u000F\u000aA'\u0042\u0022\u005c\\\"\/",
      "literals": [null, true, false]
    }`;
    const expected = String.raw`{"literals":[null,true,false],"numbers":[333333333.3333333,1e+30,4.5,0.002,1e-27],"string":"€$\u000f\nA'B\"\\\\\"/"}`;
    expect(canonicalize(JSON.parse(input))).toBe(expected);
  });

  it('sorts keys by UTF-16 code units, including non-ASCII and astral keys (RFC 8785 §3.2.3)', () => {
    const input = JSON.parse(String.raw`{
      "\u20ac": "Euro Sign",
      "\r": "Carriage Return",
      "\ufb33": "Hebrew Letter Dalet With Dagesh",
      "1": "One",
      "\ud83d\ude00": "Emoji: Grinning Face",
      "\u0080": "Control",
      "\u00f6": "Latin Small Letter O With Diaeresis"
    }`) as Record<string, string>;
    // Read the text: re-parsing would move the integer-like key "1" first again.
    const text = canonicalize(input);
    const order = [...text.matchAll(/"([^"]*)":"([^"]*)"/g)].map((match) => match[2]);
    expect(order).toEqual([
      'Carriage Return',
      'One',
      'Control',
      'Latin Small Letter O With Diaeresis',
      'Euro Sign',
      'Emoji: Grinning Face',
      'Hebrew Letter Dalet With Dagesh',
    ]);
    // Non-ASCII is written as UTF-8, not escaped; control characters are escaped.
    expect(text.startsWith('{"\\r":"Carriage Return","1":"One","\u0080":"Control"')).toBe(true);
  });

  it('ignores locale when sorting (peach, péché, pêche, sin)', () => {
    expect(canonicalize({ sin: 4, 'pêche': 3, 'péché': 2, peach: 1 })).toBe('{"peach":1,"péché":2,"pêche":3,"sin":4}');
  });

  it.each([
    ['0000000000000000', '0'],
    ['8000000000000000', '0'], // -0
    ['0000000000000001', '5e-324'],
    ['8000000000000001', '-5e-324'],
    ['7fefffffffffffff', '1.7976931348623157e+308'],
    ['4430000000000000', '295147905179352830000'],
    ['444b1ae4d6e2ef50', '1e+21'],
    ['444b1ae4d6e2ef4f', '999999999999999900000'],
    ['3eb0c6f7a0b5ed8d', '0.000001'],
    ['3eb0c6f7a0b5ed8c', '9.999999999999997e-7'],
  ])('writes the double 0x%s as %s (RFC 8785 Appendix B)', (bits, expected) => {
    expect(canonicalize(fromBits(bits))).toBe(expected);
    expect(canonicalize({ n: fromBits(bits) })).toBe(`{"n":${expected}}`);
  });

  it('writes -0 as 0, 1e21 as 1e+21 and 0.000001 in plain notation inside arrays', () => {
    expect(canonicalize([-0, 1e21, 0.000001, 1e-7, 100])).toBe('[0,1e+21,0.000001,1e-7,100]');
  });

  it.each([NaN, Infinity, -Infinity])('refuses %p (not representable in I-JSON)', (value) => {
    expect(() => canonicalize({ n: value })).toThrow();
  });

  it('refuses a value with no JSON form', () => {
    expect(() => canonicalize(undefined)).toThrow(TypeError);
    expect(() => canonicalize(() => 1)).toThrow(TypeError);
  });

  it('escapes only what JSON requires and keeps the rest as UTF-8', () => {
    expect(canonicalize('tab\there "quote" back\\slash \u001f é 😀 </script>')).toBe(
      '"tab\\there \\"quote\\" back\\\\slash \\u001f é 😀 </script>"',
    );
  });
});

/** A fully populated entry whose canonical form is written out by hand below. */
function baseEntry(): Omit<AuditEntry, 'seq'> {
  return {
    v: 1,
    chainId: 'api-1',
    ts: '2025-01-02T03:04:05.678Z',
    action: 'patient.read',
    outcome: 'success',
    actorId: 'user-1',
    actorType: 'user',
    resource: 'patient',
    subjectId: 'patient-7',
    requestId: 'req-1',
    payload: { http: { method: 'GET', route: '/patients/:id', status: 200 }, note: 'é' },
  };
}

const BASE_CANONICAL_SEQ_1 =
  '{"action":"patient.read","actorId":"user-1","actorType":"user","chainId":"api-1","outcome":"success",' +
  '"payload":{"http":{"method":"GET","route":"/patients/:id","status":200},"note":"é"},' +
  '"requestId":"req-1","resource":"patient","seq":1,"subjectId":"patient-7","ts":"2025-01-02T03:04:05.678Z","v":1}';

/** The documented hash, recomputed without the library's hashing code. */
function independentHash(canonicalText: string, prevHashHex: string): string {
  return createHash('sha256')
    .update(Buffer.from('sealed-audit:entry:v1\n', 'utf8'))
    .update(Buffer.from(prevHashHex, 'hex'))
    .update(Buffer.from(canonicalText, 'utf8'))
    .digest('hex');
}

describe('sealEntry / computeEntryHash', () => {
  it('uses the documented domain tag and a genesis prev hash of 32 zero bytes', () => {
    expect(ENTRY_HASH_TAG.toString('utf8')).toBe('sealed-audit:entry:v1\n');
    expect(GENESIS_HASH).toBe('0'.repeat(64));
    expect(Buffer.from(GENESIS_HASH, 'hex').equals(Buffer.alloc(32))).toBe(true);
  });

  it('hashes the RFC 8785 form of the entry: the canonical text is exactly the hand-written one', () => {
    expect(canonicalize(hashedForm({ ...baseEntry(), seq: 1 }))).toBe(BASE_CANONICAL_SEQ_1);
  });

  it('seals the first entry of a chain after the genesis hash: SHA-256(tag ‖ prev bytes ‖ canonical)', () => {
    const { sealed, head } = sealEntry(baseEntry(), null);
    expect(sealed.seq).toBe(1);
    expect(sealed.prevHash).toBe('0'.repeat(64));
    expect(sealed.hash).toBe(independentHash(BASE_CANONICAL_SEQ_1, '0'.repeat(64)));
    expect(sealed.hash).toMatch(/^[0-9a-f]{64}$/);
    expect(head).toEqual({ chainId: 'api-1', seq: 1, hash: sealed.hash });
  });

  it('links each entry to the previous hash and increments seq', () => {
    const first = sealEntry(baseEntry(), null);
    const second = sealEntry({ ...baseEntry(), requestId: 'req-2' }, first.head);
    const third = sealEntry({ ...baseEntry(), requestId: 'req-3' }, second.head);
    expect([first.sealed.seq, second.sealed.seq, third.sealed.seq]).toEqual([1, 2, 3]);
    expect(second.sealed.prevHash).toBe(first.sealed.hash);
    expect(third.sealed.prevHash).toBe(second.sealed.hash);
    const canonical2 = BASE_CANONICAL_SEQ_1.replace('"req-1"', '"req-2"').replace('"seq":1', '"seq":2');
    expect(second.sealed.hash).toBe(independentHash(canonical2, first.sealed.hash));
    expect(third.head).toEqual({ chainId: 'api-1', seq: 3, hash: third.sealed.hash });
  });

  it('continues after an arbitrary stored head', () => {
    const head: ChainHead = { chainId: 'api-1', seq: 41, hash: randomBytes(32).toString('hex') };
    const { sealed } = sealEntry(baseEntry(), head);
    expect(sealed.seq).toBe(42);
    expect(sealed.prevHash).toBe(head.hash);
    expect(sealed.hash).toBe(computeEntryHash({ ...baseEntry(), seq: 42 }, head.hash));
  });

  it('gives a different hash for the same entry after a different prev hash', () => {
    const entry: AuditEntry = { ...baseEntry(), seq: 5 };
    expect(computeEntryHash(entry, GENESIS_HASH)).not.toBe(computeEntryHash(entry, 'f'.repeat(64)));
  });

  it('does not mutate its input', () => {
    const entry = baseEntry();
    const copy = JSON.parse(JSON.stringify(entry)) as unknown;
    sealEntry(entry, null);
    expect(entry).toEqual(copy);
  });

  const mutations: Array<[string, (entry: AuditEntry) => AuditEntry]> = [
    ['v', (e) => ({ ...e, v: 2 as unknown as 1 })],
    ['chainId', (e) => ({ ...e, chainId: 'api-2' })],
    ['seq', (e) => ({ ...e, seq: e.seq + 1 })],
    ['ts', (e) => ({ ...e, ts: '2025-01-02T03:04:05.679Z' })],
    ['action', (e) => ({ ...e, action: 'patient.update' })],
    ['outcome', (e) => ({ ...e, outcome: 'failure' })],
    ['actorId', (e) => ({ ...e, actorId: 'user-2' })],
    ['actorId → null', (e) => ({ ...e, actorId: null })],
    ['actorType', (e) => ({ ...e, actorType: 'service' })],
    ['resource', (e) => ({ ...e, resource: 'invoice' })],
    ['subjectId', (e) => ({ ...e, subjectId: 'patient-8' })],
    ['requestId', (e) => ({ ...e, requestId: 'req-x' })],
    ['payload nested value', (e) => ({ ...e, payload: { ...e.payload, http: { method: 'GET', route: '/patients/:id', status: 201 } } })],
    ['payload nested key added', (e) => ({ ...e, payload: { ...e.payload, extra: true } })],
    ['payload number type (200 → "200")', (e) => ({ ...e, payload: { ...e.payload, http: { method: 'GET', route: '/patients/:id', status: '200' } } })],
  ];

  it.each(mutations)('changes the hash when %s changes', (_name, mutate) => {
    const entry: AuditEntry = { ...baseEntry(), seq: 3 };
    const prev = 'a'.repeat(64);
    const original = computeEntryHash(entry, prev);
    const changed = mutate(entry);
    expect(changed).not.toEqual(entry);
    expect(computeEntryHash(changed, prev)).not.toBe(original);
  });

  it('covers every field of the hashed form with the mutations above', () => {
    const covered = new Set(mutations.map(([name]) => name.split(' ')[0]));
    for (const key of Object.keys(hashedForm({ ...baseEntry(), seq: 1 }))) expect(covered).toContain(key);
  });

  it('keeps extra properties out of the hash (hashedForm has a fixed shape)', () => {
    const entry: AuditEntry = { ...baseEntry(), seq: 1 };
    const withExtras = { ...entry, id: 99, createdAt: '2030-01-01', prevHash: 'b'.repeat(64), hash: 'c'.repeat(64) } as AuditEntry;
    expect(Object.keys(hashedForm(withExtras)).sort()).toEqual(
      ['action', 'actorId', 'actorType', 'chainId', 'outcome', 'payload', 'requestId', 'resource', 'seq', 'subjectId', 'ts', 'v'],
    );
    expect(computeEntryHash(withExtras, GENESIS_HASH)).toBe(computeEntryHash(entry, GENESIS_HASH));
    expect(computeEntryHash(withExtras, GENESIS_HASH)).toBe(independentHash(BASE_CANONICAL_SEQ_1, GENESIS_HASH));
  });

  it('does not depend on the order in which properties were set', () => {
    const entry: AuditEntry = { ...baseEntry(), seq: 1 };
    const reversed = Object.fromEntries(Object.entries(entry).reverse()) as unknown as AuditEntry;
    reversed.payload = Object.fromEntries(Object.entries(entry.payload).reverse()) as AuditEntry['payload'];
    expect(computeEntryHash(reversed, GENESIS_HASH)).toBe(computeEntryHash(entry, GENESIS_HASH));
  });

  it('survives a JSON round trip (what a database gives back re-hashes to the same value)', () => {
    const { sealed } = sealEntry({ ...baseEntry(), payload: { n: 0.1 + 0.2, big: 1e21, small: 1e-7, text: 'ü\u0001' } }, null);
    const roundTripped = JSON.parse(JSON.stringify(sealed)) as typeof sealed;
    expect(computeEntryHash(roundTripped, roundTripped.prevHash)).toBe(sealed.hash);
  });
});

describe('computeEntryHash (one-shot over a reused buffer) and computeStoredEntryHash', () => {
  const reference = (entry: AuditEntry, prevHash: string): string =>
    createHash('sha256').update(ENTRY_HASH_TAG).update(Buffer.from(prevHash, 'hex')).update(canonicalize(hashedForm(entry)), 'utf8').digest('hex');
  const base: AuditEntry = {
    v: 1, chainId: 'c', seq: 3, ts: '2025-01-02T03:04:05.678Z', action: 'a', outcome: 'success',
    actorId: null, actorType: null, resource: null, subjectId: null, requestId: null, payload: { k: 'v' },
  };

  it('hashes exactly the bytes createHash().update(tag).update(Buffer.from(prev, "hex")).update(canonical) hashes', () => {
    const prevs = [GENESIS_HASH, randomBytes(32).toString('hex'), 'abc', 'zz', '', 'ABCD', `${randomBytes(40).toString('hex')}`, 'ab cd'];
    const payloads: AuditEntry['payload'][] = [{}, { k: 'v' }, { big: 'x'.repeat(100_000), u: '😀é\u0000' }, { s: 'y'.repeat(5000) }, { k: 'w' }];
    for (const prevHash of prevs) {
      for (const payload of payloads) {
        const entry = { ...base, payload };
        expect(computeEntryHash(entry, prevHash)).toBe(reference(entry, prevHash));
      }
    }
  });

  it('computeStoredEntryHash: the same hash from a canonical stored payload, and the general path otherwise', () => {
    const stored = (entry: AuditEntry, text: string) => Object.assign({ ...entry }, { [STORED_PAYLOAD_TEXT]: text });
    const entry = { ...base, payload: { b: [1, 2], a: 'x' } };
    const canonical = canonicalize(entry.payload);
    const expected = reference(entry, GENESIS_HASH);
    const withCanonical = stored(entry, canonical);
    expect(canonicalStoredPayload(withCanonical)).toBe(canonical);
    expect(computeStoredEntryHash(withCanonical, GENESIS_HASH, canonicalStoredPayload(withCanonical))).toBe(expected);
    // Re-spaced stored text: not provably canonical, hashed by re-serializing the parsed payload.
    const spaced = stored(entry, JSON.stringify(entry.payload, null, 1));
    expect(canonicalStoredPayload(spaced)).toBeUndefined();
    expect(computeStoredEntryHash(spaced, GENESIS_HASH, canonicalStoredPayload(spaced))).toBe(expected);
    // A malformed header never takes the template.
    const malformed = { ...withCanonical, seq: 1.5 };
    expect(computeStoredEntryHash(malformed, GENESIS_HASH, canonical)).toBe(reference(malformed, GENESIS_HASH));
  });

  it('hashStoredEntry (bytes written straight into the buffer) is the hash of the canonical entry, for any field values', () => {
    const text = fc.oneof(
      fc.string({ maxLength: 30 }),
      fc.string({ unit: 'binary', maxLength: 30 }),
      fc.constantFrom('', '"', '\\', '\u0000', '\u001f', '\u007f', '\u0080', 'é', '😀', '\ud800', 'patient.read', '2025-01-02T03:04:05.678Z'),
    );
    const nullable = fc.option(text, { nil: null });
    const integer = fc.oneof(fc.integer(), fc.constantFrom(0, -0, 1, 9, 10, 99, 100, Number.MAX_SAFE_INTEGER, Number.MIN_SAFE_INTEGER, 2 ** 31, 2 ** 32 + 7));
    const payload = fc.oneof(
      fc.jsonValue().map((value) => canonicalize(value !== null && typeof value === 'object' && !Array.isArray(value) ? value : { value })),
      fc.nat({ max: 20_000 }).map((n) => canonicalize({ big: 'é'.repeat(n) })),
    );
    const prevHash = fc.oneof(
      fc.constant(GENESIS_HASH),
      fc.uint8Array({ minLength: 32, maxLength: 32 }).map((b) => Buffer.from(b).toString('hex')),
      fc.constantFrom('zz', '', 'ABCD'.repeat(16), 'aB'.repeat(32), `${'a'.repeat(63)}g`, `${'0'.repeat(31)}é${'0'.repeat(32)}`, `${'f'.repeat(40)} ${'f'.repeat(23)}`, `${'1'.repeat(62)}\u0661\u0662`, `${'a'.repeat(64)}0`),
      // 64 characters, mostly hex digits of either case, sometimes one that is not (Buffer stops at it).
      fc.array(fc.constantFrom(...'0123456789abcdefABCDEF', 'g', '/', ':', '@', '`', 'G', '\u0100'), { minLength: 64, maxLength: 64 }).map((chars) => chars.join('')),
    );
    fc.assert(
      fc.property(prevHash, text, nullable, nullable, text, text, payload, nullable, nullable, integer, nullable, text, integer, (prev, action, actorId, actorType, chainId, outcome, p, requestId, resource, seq, subjectId, ts, v) => {
        const entry: AuditEntry = { v: v as 1, chainId, seq, ts, action, outcome: outcome as AuditEntry['outcome'], actorId, actorType, resource, subjectId, requestId, payload: JSON.parse(p) as AuditEntry['payload'] };
        expect(hashStoredEntry(prev, action, actorId, actorType, chainId, outcome, p, requestId, resource, seq, subjectId, ts, v)).toBe(reference(entry, prev));
      }),
      { numRuns: 3000, seed: 20261126 },
    );
  });

  it('hashStoredEntry with plain header fields decodes prevHash as Buffer does, digit by digit, for any 64 characters', () => {
    const entry: AuditEntry = { v: 1, chainId: 'c', seq: 7, ts: '2025-01-02T03:04:05.678Z', action: 'a', outcome: 'success', actorId: null, actorType: null, resource: 'r', subjectId: null, requestId: 'q', payload: { b: 1 } };
    const hex = fc.oneof(
      fc.array(fc.constantFrom(...'0123456789abcdefABCDEF'), { minLength: 64, maxLength: 64 }).map((chars) => chars.join('')),
      fc.tuple(fc.array(fc.constantFrom(...'0123456789abcdefABCDEF'), { minLength: 64, maxLength: 64 }), fc.nat({ max: 63 }), fc.constantFrom('g', 'G', '/', ':', '@', '`', ' ', 'é', '\u0661', '\u0100', '\ud800')).map(([chars, at, bad]) => {
        chars[at] = bad;
        return chars.join('');
      }),
    );
    fc.assert(
      fc.property(hex, (prev) => {
        expect(hashStoredEntry(prev, entry.action, null, null, entry.chainId, entry.outcome, '{"b":1}', entry.requestId, entry.resource, entry.seq, null, entry.ts, 1)).toBe(reference(entry, prev));
      }),
      { numRuns: 2000, seed: 20261127 },
    );
  });

  it('sealEntry hashes what computeEntryHash hashes, for any header and payload text it is given', () => {
    const text = fc.oneof(fc.string({ maxLength: 20 }), fc.constantFrom('', '"', '\\', '\u0000', 'é', '😀', '\ud800', 'patient.read'));
    const nullable = fc.option(text, { nil: null });
    const payload = fc.jsonValue().map((value) => (value !== null && typeof value === 'object' && !Array.isArray(value) ? value : { value }));
    const head = fc.option(
      fc.record({ chainId: fc.constant('c'), seq: fc.nat({ max: 2 ** 40 }), hash: fc.uint8Array({ minLength: 32, maxLength: 32 }).map((b) => Buffer.from(b).toString('hex')) }),
      { nil: null },
    );
    fc.assert(
      fc.property(head, text, nullable, nullable, text, text, payload, nullable, nullable, nullable, text, (start, action, actorId, actorType, chainId, outcome, p, requestId, resource, subjectId, ts) => {
        const entry = { v: 1 as const, chainId, ts, action, outcome: outcome as AuditEntry['outcome'], actorId, actorType, resource, subjectId, requestId, payload: p as AuditEntry['payload'] };
        const { sealed } = sealEntry(entry, start);
        expect(sealed.hash).toBe(computeEntryHash(hashedForm(sealed), start ? start.hash : GENESIS_HASH));
      }),
      { numRuns: 2000, seed: 20261126 },
    );
  });
});

describe('sealEntry: the sealed object', () => {
  /** sealEntry before the plain-payload shortcut (the reference): `payload` always copied by its descriptor. */
  function sealEntryBefore(entry: Omit<AuditEntry, 'seq'>, head: ChainHead | null): { sealed: unknown; head: ChainHead } {
    const seq = head ? head.seq + 1 : 1;
    const prevHash = head ? head.hash : GENESIS_HASH;
    const payloadText = payloadTextOf(entry) ?? canonicalize(entry.payload);
    const sealed = {
      v: entry.v,
      chainId: entry.chainId,
      ts: entry.ts,
      action: entry.action,
      outcome: entry.outcome,
      actorId: entry.actorId,
      actorType: entry.actorType,
      resource: entry.resource,
      subjectId: entry.subjectId,
      requestId: entry.requestId,
      payload: undefined as unknown as AuditEntry['payload'],
      seq,
      prevHash,
      hash: '',
    };
    const payload = Object.getOwnPropertyDescriptor(entry, 'payload');
    if (payload) Object.defineProperty(sealed, 'payload', payload);
    sealed.hash = computeEntryHash(sealed, prevHash, payloadText);
    attachPayloadText(sealed, payloadText);
    return { sealed, head: { chainId: entry.chainId, seq, hash: sealed.hash } };
  }
  /** Every own key in order with its descriptor (accessors as which ones it has: each entry has its own getter): what the sealed object is, beyond its values. */
  const layout = (object: object): unknown[] =>
    Reflect.ownKeys(object).map((key) => {
      const { get, set, ...rest } = Object.getOwnPropertyDescriptor(object, key) as PropertyDescriptor;
      return [key, rest, typeof get, typeof set];
    });

  it('has the reference\'s own keys, order and descriptors, hash and head, for payloads held by any kind of property (data of any attributes, getter, none, frozen entry)', () => {
    const payloadValue = fc.jsonValue().map((value) => (value !== null && typeof value === 'object' && !Array.isArray(value) ? value : { value }));
    const how = fc.oneof(
      fc.constant({ kind: 'literal' as const }),
      fc.record({ kind: fc.constant('data' as const), writable: fc.boolean(), enumerable: fc.boolean(), configurable: fc.boolean() }),
      fc.record({ kind: fc.constant('accessor' as const), enumerable: fc.boolean(), configurable: fc.boolean() }),
      fc.constant({ kind: 'none' as const }),
      fc.constant({ kind: 'frozen' as const }),
    );
    const head = fc.option(fc.record({ chainId: fc.constant('c'), seq: fc.nat({ max: 2 ** 40 }), hash: fc.constant('ab'.repeat(32)) }), { nil: null });
    fc.assert(
      fc.property(payloadValue, how, fc.boolean(), head, (value, property, withText, start) => {
        // One entry per call: sealEntry and the reference each get their own, built alike.
        const make = (): { entry: Omit<AuditEntry, 'seq'>; reads: () => number } => {
          let reads = 0;
          const entry = { v: 1 as const, chainId: 'c', ts: '2025-01-02T03:04:05.678Z', action: 'a', outcome: 'success' as const, actorId: null, actorType: null, resource: 'r', subjectId: null, requestId: 'q', payload: value as AuditEntry['payload'] };
          if (property.kind === 'data') Object.defineProperty(entry, 'payload', { value, writable: property.writable, enumerable: property.enumerable, configurable: property.configurable });
          if (property.kind === 'accessor') Object.defineProperty(entry, 'payload', { get: () => (reads += 1, value), enumerable: property.enumerable, configurable: property.configurable });
          if (property.kind === 'none') delete (entry as Partial<typeof entry>).payload;
          // Without a payload property there is nothing to canonicalize: the text comes with the entry.
          if (withText || property.kind === 'none') attachPayloadText(entry, canonicalize(value));
          if (property.kind === 'frozen') Object.freeze(entry);
          return { entry, reads: () => reads };
        };
        const ours = make();
        const theirs = make();
        const got = sealEntry(ours.entry, start);
        const expected = sealEntryBefore(theirs.entry, start);
        expect(layout(got.sealed)).toEqual(layout(expected.sealed as object));
        expect(got.head).toEqual(expected.head);
        expect(payloadTextOf(got.sealed)).toBe(payloadTextOf(expected.sealed as object));
        expect(ours.reads()).toBe(theirs.reads());
      }),
      { numRuns: 3000, seed: 20261127 },
    );
  });
});

describe('payload text slot (attachPayloadText / payloadTextOf)', () => {
  it('is invisible as the non-enumerable symbol property it replaced was: keys, JSON, spread, structured clone', () => {
    const entry = { a: 1, payload: { b: 2 } };
    attachPayloadText(entry, '{"b":2}');
    expect(payloadTextOf(entry)).toBe('{"b":2}');
    expect(Reflect.ownKeys(entry)).toEqual(['a', 'payload']);
    expect(JSON.stringify(entry)).toBe('{"a":1,"payload":{"b":2}}');
    expect(payloadTextOf({ ...entry })).toBeUndefined();
    expect(payloadTextOf(Object.assign({}, entry))).toBeUndefined();
    expect(payloadTextOf(structuredClone(entry))).toBeUndefined();
    expect(Object.getPrototypeOf(entry)).toBe(Object.prototype);
    expect(entry).toEqual({ a: 1, payload: { b: 2 } });
    expect(payloadTextOf({})).toBeUndefined();
  });

  it('is set once, like the read-only property: the same text again is a no-op, another one throws', () => {
    const entry = {};
    attachPayloadText(entry, 'x');
    attachPayloadText(entry, 'x');
    expect(() => attachPayloadText(entry, 'y')).toThrow(TypeError);
    expect(payloadTextOf(entry)).toBe('x');
  });
});
