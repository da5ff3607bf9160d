import 'reflect-metadata';
import fc from 'fast-check';
import { declare, objectOf } from '../../../../../test/support/pii-fixtures';
import { Type } from 'class-transformer';
import type { AuditEvent, JsonObject, JsonValue } from '../audit-event';
import type { PiiFieldOptions } from '../redaction/pii-field.decorator';
import { Redactor, type RedactionReport } from '../redaction/redactor';
import { canonicalize } from '../sealing/canonical-json';
import { payloadTextOf } from '../sealing/seal';
import { buildEntry } from './audit-entry.builder';

/**
 * buildEntry collects its redaction report as a trace (RedactionTrace) and builds the stored
 * `payload.redactions` from it, from a cache when an earlier entry made the same notes. The
 * reference is the public path it replaced: every part redacted with one RedactionReport (a Map)
 * through the public methods, then the Map turned into an object key by key.
 */
const KEY = 'test-hmac-key-0123456789abcdef0123456789abcdef';

/** The stored object of a Map report, as buildEntry built it before the trace. */
function mapObject(report: RedactionReport): JsonObject {
  const out: JsonObject = {};
  for (const [path, what] of report) {
    if (path === '__proto__') Object.defineProperty(out, path, { value: what, enumerable: true, writable: true, configurable: true });
    else out[path] = what;
  }
  return out;
}

function isEmpty(value: object): boolean {
  for (const _ in value) return false;
  return true;
}

function isPresent(value: unknown): boolean {
  return value !== undefined && value !== null && !(typeof value === 'object' && isEmpty(value));
}

/** The payload buildEntry stored before the trace: the same calls in the same order, with a public Map report. */
function referencePayload(event: AuditEvent, redactor: Redactor): JsonObject {
  const payload: JsonObject = {};
  const report: RedactionReport = new Map();
  if (event.http) {
    const http: JsonObject = {
      method: event.http.method,
      route: redactor.redactText(event.http.route, report, 'http.route'),
      status: event.http.status,
      durationMs: Math.round(event.http.durationMs * 1000) / 1000,
    };
    if (event.http.ip !== undefined) {
      http.ip = redactor.redactIp(String(event.http.ip));
      if (redactor.ipStrategy !== false && http.ip !== event.http.ip) report.set('http.ip', `${redactor.ipStrategy}:ip`);
    }
    if (event.http.userAgent !== undefined) http.userAgent = redactor.redactText(event.http.userAgent, report, 'http.userAgent');
    payload.http = http;
  }
  if (event.actor?.roles?.length) payload.actorRoles = event.actor.roles.map((role) => redactor.redactText(String(role), report, 'actorRoles[]'));
  if (event.request) {
    const request: JsonObject = {};
    const { params, query, body, headers, bodyType } = event.request;
    if (isPresent(params)) request.params = redactor.redact(params, undefined, report, 'request.params');
    if (isPresent(query)) request.query = redactor.redact(query, undefined, report, 'request.query');
    if (body !== undefined && body !== null && !(typeof body === 'object' && isEmpty(body))) request.body = redactor.redact(body, bodyType, report, 'request.body');
    if (isPresent(headers)) request.headers = redactor.redact(headers, undefined, report, 'request.headers');
    if (Object.keys(request).length > 0) payload.request = request;
  }
  if (event.response && event.response.body !== undefined) {
    payload.response = { body: redactor.redact(event.response.body, event.response.type, report, 'response.body') };
  }
  if (event.error) {
    const error: JsonObject = {
      name: redactor.redactText(event.error.name, report, 'error.name'),
      message: redactor.redactText(event.error.message, report, 'error.message'),
    };
    if (event.error.status !== undefined) error.status = event.error.status;
    if (event.error.details !== undefined) error.details = redactor.redact(event.error.details, undefined, report, 'error.details');
    payload.error = error;
  }
  if (event.metadata && !isEmpty(event.metadata)) payload.metadata = redactor.redactObject(event.metadata, undefined, report, 'metadata');
  if (report.size > 0) payload.redactions = mapObject(report);
  return payload;
}

/** `path → label` of a stored report, sorted (storage canonicalizes: key order does not count, content does). */
function lines(redactions: JsonValue | undefined): Array<[string, JsonValue]> | undefined {
  if (redactions === undefined) return undefined;
  expect(Object.getPrototypeOf(redactions)).toBe(Object.prototype);
  return Object.entries(redactions as JsonObject).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}



const KEYS = ['email', 'phone', 'ssn', 'fullName', 'notes', 'tags', 'nested', 'items', 'city', 'password', 'token', 'dob', 'born', 'age', '__proto__', 'a.b', 'a', 'x[]', 'x', 'nested.street', 'jane@example.com'];
const STRATEGIES: ReadonlyArray<PiiFieldOptions | undefined> = [
  undefined,
  { strategy: 'redact', kind: 'name' },
  { strategy: 'redact' },
  { strategy: 'mask' },
  { strategy: 'mask', kind: 'phone' },
  { strategy: 'hash', kind: 'email' },
  { strategy: 'omit', kind: 'referral-letter' },
  { strategy: (value) => `custom:${typeof value}`, kind: 'x' },
  { strategy: () => 'call me on +44 20 7946 0958' },
];
/** Free text with and without PII the detectors find (e-mail, phone, card, IP, several in one text), dates for birth-date keys. */
const TEXTS = [
  'Springfield',
  'jane.doe@example.com',
  '+44 20 7946 0958',
  '4111 1111 1111 1111',
  'paid by 4111 1111 1111 1111, mail jane.doe@example.com',
  'call +44 20 7946 0958 or mail jane.doe@example.com',
  '1931-07-19',
  'from 203.0.113.7',
  '2025-01-02T03:04:05.678Z',
  '',
  'lone \ud800',
];

const value: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    fc.constantFrom(...TEXTS),
    fc.constantFrom(null, undefined, 0, 41, true),
    fc.array(fc.oneof(fc.constantFrom(...TEXTS), fc.constant(null)), { maxLength: 3 }),
    fc.dictionary(fc.constantFrom('street', 'email', 'city', 'password', 'a.b', 'notes'), tie('value'), { maxKeys: 3 }),
  ),
})).value;

/** A body of these keys: plain values, a nested object of the same keys (for a nested DTO), or arrays of such objects. */
const body = (keys: readonly string[]): fc.Arbitrary<unknown> =>
  fc.array(value, { minLength: keys.length * 3, maxLength: keys.length * 3 }).map((values) => {
    const inner = objectOf(keys.map((key, i) => [key, values[keys.length + i]] as const));
    const itemA = objectOf(keys.map((key, i) => [key, values[2 * keys.length + i]] as const));
    return objectOf(keys.map((key, i) => [key, key === 'nested' ? inner : key === 'items' ? [itemA, inner, itemA] : values[i]] as const));
  });

const texts = fc.constantFrom(...TEXTS);
const dictionary = fc.dictionary(fc.constantFrom('id', 'q', 'authorization', 'cookie', 'email', 'page', 'x-api-key'), fc.oneof(texts, fc.constant(undefined)), { maxKeys: 4 });

/** An event of random parts; `types` are the DTO classes its body and response may be declared as. */
const event = (types: readonly Function[], keys: readonly string[]): fc.Arbitrary<AuditEvent> =>
  fc
    .record(
      {
        http: fc.record(
          {
            method: fc.constant('POST'),
            route: fc.constantFrom('/patients/:id', '/mail/jane.doe@example.com'),
            status: fc.constantFrom(200, 400),
            durationMs: fc.constant(1.23456),
            ip: fc.constantFrom('203.0.113.7', '::1', 'not an ip'),
            userAgent: texts,
          },
          { requiredKeys: ['method', 'route', 'status', 'durationMs'] },
        ),
        roles: fc.array(texts, { maxLength: 3 }),
        params: dictionary,
        query: dictionary,
        headers: dictionary,
        body: fc.oneof(body(keys), value),
        bodyType: fc.option(fc.constantFrom(...types), { nil: undefined }),
        response: fc.record({ body: fc.oneof(body(keys), fc.array(body(keys), { maxLength: 2 })), type: fc.option(fc.constantFrom(...types), { nil: undefined }) }),
        error: fc.record({ name: fc.constantFrom('Error', 'jane.doe@example.com'), message: texts, details: value }, { requiredKeys: ['name', 'message'] }),
        metadata: fc.oneof(fc.dictionary(fc.constantFrom('tenant', 'email', 'password', 'note'), value, { maxKeys: 3 }), fc.constant({})),
      },
      { requiredKeys: [] },
    )
    .map(({ http, roles, params, query, headers, body: payload, bodyType, response, error, metadata }) => ({
      timestamp: new Date(Date.UTC(2025, 0, 2, 3, 4, 5, 678)),
      action: 'patient.create',
      outcome: 'success' as const,
      actor: { id: 'u-1', roles },
      ...(http !== undefined ? { http } : {}),
      request: { params, query, headers, body: payload, ...(bodyType !== undefined ? { bodyType } : {}) },
      ...(response !== undefined ? { response } : {}),
      ...(error !== undefined ? { error } : {}),
      ...(metadata !== undefined ? { metadata } : {}),
    }));

/** The notes of the trace last added to the redactor's cache of report objects (white box: the spec must see hits, misses and groups). */
function cacheHead(redactor: Redactor): unknown {
  return (redactor as unknown as { reportObjects: { traces: unknown[] } }).reportObjects.traces[0];
}

describe('buildEntry: payload.redactions', () => {
  it('is what a public Map report gives, key for key, for random events, first and later entries, DTOs or not', () => {
    let hits = 0;
    let misses = 0;
    let grouped = 0;
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.constantFrom(...KEYS), fc.constantFrom(...STRATEGIES.keys())), { maxLength: 8 }),
        fc.array(fc.tuple(fc.constantFrom(...KEYS), fc.constantFrom(...STRATEGIES.keys())), { maxLength: 3 }),
        fc.uniqueArray(fc.constantFrom(...KEYS), { minLength: 1, maxLength: 8 }),
        fc.integer({ min: 1, max: 12 }),
        fc.integer({ min: 0, max: 0xffffffff }),
        (declarations, innerDeclarations, keys, count, seed) => {
          class InnerDto {}
          for (const [key, strategy] of innerDeclarations) declare(InnerDto, key, STRATEGIES[strategy]);
          class Dto {}
          for (const [key, strategy] of declarations) declare(Dto, key, STRATEGIES[strategy]);
          Type(() => InnerDto)(Dto.prototype as object, 'nested');
          Type(() => Dto)(Dto.prototype as object, 'items');
          const events = fc.sample(event([Dto, InnerDto], keys), { numRuns: count, seed });
          const warm = new Redactor({ hmacKey: KEY });
          const reference = new Redactor({ hmacKey: KEY });
          // Each event three times, round robin: the cache sees repeats, near misses and evictions (12 > its 8 traces).
          for (let round = 0; round < 3; round += 1) {
            for (const one of events) {
              const head = cacheHead(warm);
              const entry = buildEntry(one, 'chain', warm);
              const expected = referencePayload(one, reference);
              expect(lines(entry.payload.redactions)).toEqual(lines(expected.redactions));
              expect(entry.payload).toEqual(expected);
              if (entry.payload.redactions !== undefined) {
                if (cacheHead(warm) === head) hits += 1;
                else {
                  misses += 1;
                  // The notes of a compiled walker's trace variant: one group of deferred notes at least.
                  if ((cacheHead(warm) as unknown[]).some((note) => typeof note === 'object')) grouped += 1;
                }
                // An entry's object is its own: changing it changes no later entry.
                (entry.payload.redactions as JsonObject)['request.body.email'] = 'changed';
                delete (entry.payload.redactions as JsonObject)['http.route'];
              }
            }
          }
        },
      ),
      { numRuns: 300, seed: 20261126 },
    );
    expect(hits).toBeGreaterThan(500);
    expect(misses).toBeGreaterThan(500);
    expect(grouped).toBeGreaterThan(200);
  });

  it('merges labels in the order a Map gets them where two keys report under one path (a.b beside a, x[] beside x, a nested DTO)', () => {
    class InnerDto {}
    declare(InnerDto, 'street', { strategy: 'mask', kind: 'street' });
    class Dto {}
    declare(Dto, 'a.b', { strategy: 'redact', kind: 'ab' });
    declare(Dto, 'x[]', { strategy: 'hash', kind: 'items' });
    declare(Dto, 'nested.street', { strategy: 'omit', kind: 'outer' });
    declare(Dto, 'plain', { strategy: 'mask', kind: 'name' });
    Type(() => InnerDto)(Dto.prototype as object, 'nested');
    const bodies = [
      { 'a.b': 'secret', a: { b: 'jane.doe@example.com' }, 'x[]': 'x', x: ['+44 20 7946 0958'], 'nested.street': 's', nested: { street: 'Elm' }, plain: 'Jane' },
      { a: { b: 'jane.doe@example.com' }, 'a.b': 'secret', x: ['+44 20 7946 0958'], 'x[]': 'x', nested: { street: 'Elm' }, 'nested.street': 's', plain: 'Jane' },
    ];
    const redactor = new Redactor({ hmacKey: KEY });
    const reference = new Redactor({ hmacKey: KEY });
    for (let round = 0; round < 3; round += 1) {
      for (const body of bodies) {
        const one: AuditEvent = { timestamp: new Date(0), action: 'a', outcome: 'success', request: { body, bodyType: Dto } };
        const redactions = buildEntry(one, 'chain', redactor).payload.redactions as JsonObject;
        expect(lines(redactions)).toEqual(lines(referencePayload(one, reference).redactions));
        const first = body === bodies[0];
        expect(redactions['request.body.a.b']).toBe(first ? 'redact:ab,redact:email' : 'redact:email,redact:ab');
        expect(redactions['request.body.x[]']).toBe(first ? 'hash:items,redact:phone' : 'redact:phone,hash:items');
        expect(redactions['request.body.nested.street']).toBe(first ? 'omit:outer,mask:street' : 'mask:street,omit:outer');
      }
    }
  });

  it('notes the same path twice in a row as the Map does (array items), and a full report as one [Truncated] line', () => {
    const redactor = new Redactor({ hmacKey: KEY });
    const reference = new Redactor({ hmacKey: KEY });
    const many = Object.fromEntries(Array.from({ length: 260 }, (_, i) => [`k${i}`, i % 2 === 0 ? 'jane.doe@example.com' : '+44 20 7946 0958']));
    const items = ['jane.doe@example.com', 'jane.doe@example.com', '+44 20 7946 0958', 'jane.doe@example.com', '4111 1111 1111 1111'];
    for (const metadata of [many, { items }, { items, many }]) {
      const one: AuditEvent = { timestamp: new Date(0), action: 'a', outcome: 'success', metadata };
      for (let round = 0; round < 2; round += 1) {
        const entry = buildEntry(one, 'chain', redactor);
        const expected = referencePayload(one, reference);
        expect(lines(entry.payload.redactions)).toEqual(lines(expected.redactions));
      }
    }
    const entry = buildEntry({ timestamp: new Date(0), action: 'a', outcome: 'success', metadata: { items } }, 'chain', redactor);
    expect(entry.payload.redactions).toEqual({ 'metadata.items[]': 'redact:email,redact:phone,redact:card' });
  });
});

/**
 * buildEntry writes the payload's canonical text from its parts (known keys in sorted order,
 * `http` by hand, the redaction report's text reused while the report's lines stay the same):
 * the oracle is `canonicalize(payload)`, what it called before.
 */
describe('buildEntry: the payload text', () => {
  const textOf = (entry: ReturnType<typeof buildEntry>): string | undefined => payloadTextOf(entry);

  it('is canonicalize(payload) for random events, on cold and warm report texts', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.constantFrom(...KEYS), fc.constantFrom(...STRATEGIES.keys())), { maxLength: 6 }),
        fc.uniqueArray(fc.constantFrom(...KEYS), { minLength: 1, maxLength: 8 }),
        fc.integer({ min: 1, max: 6 }),
        fc.integer({ min: 0, max: 0xffffffff }),
        (declarations, keys, count, seed) => {
          class Dto {}
          for (const [key, strategy] of declarations) declare(Dto, key, STRATEGIES[strategy]);
          const events = fc.sample(event([Dto], keys), { numRuns: count, seed });
          const redactor = new Redactor({ hmacKey: KEY });
          // Each event twice in a row (the report text is reused) and round robin (it is not).
          for (let round = 0; round < 2; round += 1) {
            for (const one of events) {
              for (let again = 0; again < 2; again += 1) {
                const entry = buildEntry(one, 'chain', redactor);
                expect(textOf(entry)).toBe(canonicalize(entry.payload));
              }
            }
          }
        },
      ),
      { numRuns: 300, seed: 20261127 },
    );
  });

  it('is canonicalize(payload) for http facts of any type, reports that differ in one line, and parts without a plain form', () => {
    const redactor = new Redactor({ hmacKey: KEY });
    const base: AuditEvent = { timestamp: new Date(0), action: 'a', outcome: 'success' };
    const odd: unknown[] = [0, -0, 1e21, 1.5e-7, -12.25, 'GET', 'a"b\\c', '\u0001', 'lone \ud800', 'é', null, true, { x: 1 }, ['a']];
    for (const method of odd) {
      for (const status of [200, -0, 1e21, '201', null]) {
        for (const ip of [undefined, '::1', 7]) {
          const http = { method, route: '/r', status, durationMs: typeof method === 'number' ? method : 0.5, ...(ip !== undefined ? { ip } : {}) };
          const entry = buildEntry({ ...base, http } as unknown as AuditEvent, 'chain', redactor);
          expect(textOf(entry)).toBe(canonicalize(entry.payload));
        }
      }
    }
    for (const userAgent of ['curl/8', 'mail jane.doe@example.com', '']) {
      const entry = buildEntry({ ...base, http: { method: 'GET', route: '/', status: 200, durationMs: 1, userAgent } }, 'chain', redactor);
      expect(textOf(entry)).toBe(canonicalize(entry.payload));
    }
    // Reports that share all but one line, or have one line more or less, one after the other.
    for (const metadata of [
      { a: 'jane.doe@example.com', b: '+44 20 7946 0958' },
      { a: 'jane.doe@example.com', b: '+44 20 7946 0958' },
      { a: 'jane.doe@example.com', b: 'jane.doe@example.com' },
      { a: 'jane.doe@example.com' },
      { a: 'jane.doe@example.com', b: '+44 20 7946 0958', c: '4111 1111 1111 1111' },
      { a: 'jane.doe@example.com', c: '+44 20 7946 0958' },
      { __proto__: 'jane.doe@example.com', a: 'x' },
      { __proto__: 'jane.doe@example.com', a: 'x' },
    ]) {
      const entry = buildEntry({ ...base, metadata: JSON.parse(JSON.stringify(metadata)) as Record<string, unknown> }, 'chain', redactor);
      expect(textOf(entry)).toBe(canonicalize(entry.payload));
    }
    // NaN durations still fail as canonicalize fails on them.
    expect(() => buildEntry({ ...base, http: { method: 'GET', route: '/', status: 200, durationMs: Number.NaN } }, 'chain', redactor)).toThrow('NaN is not allowed');
  });

  it('honours an Object.prototype.toJSON as canonicalize does (the general path)', () => {
    const redactor = new Redactor({ hmacKey: KEY });
    const one: AuditEvent = { timestamp: new Date(0), action: 'a', outcome: 'success', http: { method: 'GET', route: '/', status: 200, durationMs: 1 }, metadata: { a: 'b' } };
    const plain = textOf(buildEntry(one, 'chain', redactor));
    Object.defineProperty(Object.prototype, 'toJSON', { value: () => 'replaced', configurable: true, writable: true });
    try {
      const entry = buildEntry(one, 'chain', redactor);
      expect(textOf(entry)).toBe('"replaced"');
    } finally {
      delete (Object.prototype as { toJSON?: unknown }).toJSON;
    }
    expect(textOf(buildEntry(one, 'chain', redactor))).toBe(plain);
  });
});
