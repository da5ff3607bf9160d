import 'reflect-metadata';
import { createHash, createHmac } from 'node:crypto';
import { Readable } from 'node:stream';
import { Type, plainToInstance } from 'class-transformer';
import fc from 'fast-check';
import type { JsonObject, JsonValue } from '../audit-event';
import { canonicalize } from '../sealing/canonical-json';
import { PiiField } from './pii-field.decorator';
import { RedactionTrace } from './redaction-report';
import { InvalidRedactionOptionsError, Redactor, mask, redactedMarker, type RedactorOptions } from './redactor';

const KEY = 'test-hmac-key-0123456789abcdef0123456789abcdef';

/** The documented pseudonym, recomputed with node:crypto. */
function pseudonym(value: string, key: string | Buffer = KEY): string {
  const keyBytes = typeof key === 'string' ? Buffer.from(key, 'utf8') : key;
  const keyId = createHash('sha256').update(keyBytes).digest('hex').slice(0, 8);
  return `hmac-sha256:${keyId}:${createHmac('sha256', keyBytes).update(value, 'utf8').digest('hex')}`;
}

class AddressDto {
  @PiiField({ strategy: 'redact', kind: 'street' }) street!: string;
  city!: string;
}

class ItemDto {
  @PiiField({ strategy: 'mask' }) serial!: string;
  name!: string;
}

class PatientDto {
  @PiiField({ strategy: 'hash', kind: 'email' }) email!: string;
  @PiiField({ strategy: 'mask' }) phone!: string;
  @PiiField() ssn!: string;
  @PiiField({ strategy: 'redact', kind: 'name' }) fullName!: string;
  @PiiField({ strategy: 'omit' }) notes?: string;
  @PiiField({ strategy: 'hash' }) aliases?: string[];
  age!: number;
  @Type(() => AddressDto) address!: AddressDto;
  @Type(() => ItemDto) items!: ItemDto[];
  // Declared as a whole: every item is redacted, its undeclared `name` included.
  @PiiField() @Type(() => ItemDto) declaredItems?: ItemDto[];
}

function patientPlain() {
  return {
    email: 'alice@example.com',
    phone: '5551234567',
    ssn: '123-45-6789',
    fullName: 'Alice Smith',
    notes: 'prefers mornings',
    aliases: ['al', 'ally'],
    age: 41,
    address: { street: '1 Main St', city: 'Springfield' },
    items: [
      { serial: 'SN-0000-1111', name: 'pump' },
      { serial: 'SN-2222-3333', name: 'meter' },
    ],
    declaredItems: [{ serial: 'SN-4444-5555', name: 'strip' }],
  };
}

function expectedPatient(): JsonObject {
  return {
    email: pseudonym('alice@example.com'),
    phone: mask('5551234567'),
    ssn: '[REDACTED]',
    fullName: '[REDACTED:name]',
    aliases: [pseudonym('al'), pseudonym('ally')],
    age: 41,
    address: { street: '[REDACTED:street]', city: 'Springfield' },
    items: [
      { serial: mask('SN-0000-1111'), name: 'pump' },
      { serial: mask('SN-2222-3333'), name: 'meter' },
    ],
    declaredItems: ['[REDACTED]'],
  };
}

function redactor(options: RedactorOptions = {}): Redactor {
  return new Redactor({ hmacKey: KEY, ...options });
}

describe('Redactor', () => {
  describe('@PiiField strategies', () => {
    it('applies redact / mask / hash / omit to a plain object given its declared type', () => {
      const result = redactor().redact(patientPlain(), PatientDto);
      expect(result).toEqual(expectedPatient());
      expect(result).not.toHaveProperty('notes');
    });

    it('applies them to a class instance (class-transformer plainToInstance) without a declared type', () => {
      const instance = plainToInstance(PatientDto, patientPlain());
      expect(instance).toBeInstanceOf(PatientDto);
      expect(instance.address).toBeInstanceOf(AddressDto);
      expect(instance.items[0]).toBeInstanceOf(ItemDto);
      expect(redactor().redact(instance)).toEqual(expectedPatient());
    });

    it('needs the declared type for a plain object: without it only key rules and detectors apply', () => {
      const result = redactor().redact(patientPlain()) as JsonObject;
      expect(result.phone).toBe('5551234567'); // nothing says it is PII
      expect(result.email).toBe('[REDACTED:email]'); // the detector still catches an address
      expect(result.ssn).toBe('[REDACTED]'); // `ssn` is a sensitive key name
    });

    it('never lets a declared raw value through, at any depth', () => {
      const text = JSON.stringify(redactor().redact(patientPlain(), PatientDto));
      for (const raw of ['alice@example.com', '5551234567', '123-45-6789', 'Alice Smith', 'prefers mornings', '1 Main St', 'SN-0000-1111', '"al"']) {
        expect(text).not.toContain(raw);
      }
    });

    it('keeps null for a declared field holding null, and skips an omitted field that is absent', () => {
      const result = redactor().redact({ email: null, phone: '5551234567' }, PatientDto);
      expect(result).toEqual({ email: null, phone: mask('5551234567') });
    });

    it('wins over the sensitive-key rule (a declared `token` is hashed, not blanked)', () => {
      class SessionDto {
        @PiiField({ strategy: 'hash' }) token!: string;
      }
      expect(redactor().redact({ token: 'abc' }, SessionDto)).toEqual({ token: pseudonym('abc') });
    });

    it('uses the subclass declaration over the parent one and inherits the rest', () => {
      class BaseUserDto {
        @PiiField({ strategy: 'redact' }) email!: string;
        @PiiField({ strategy: 'mask' }) phone!: string;
      }
      class AdminUserDto extends BaseUserDto {
        @PiiField({ strategy: 'hash' }) override email = '';
      }
      const input = { email: 'root@example.com', phone: '5550001111' };
      expect(redactor().redact(input, AdminUserDto)).toEqual({ email: pseudonym('root@example.com'), phone: mask('5550001111') });
      expect(redactor().redact(input, BaseUserDto)).toEqual({ email: '[REDACTED]', phone: mask('5550001111') });
      expect(redactor().redact(plainToInstance(AdminUserDto, input))).toEqual({ email: pseudonym('root@example.com'), phone: mask('5550001111') });
    });

    it('walks a self-referencing DTO without looping: cycles become [Circular], depth is capped', () => {
      class NodeDto {
        @PiiField() secret!: string;
        label!: string;
        @Type(() => NodeDto) child?: NodeDto;
      }
      const root: Record<string, unknown> = { secret: 's0', label: 'root' };
      root.child = { secret: 's1', label: 'one', child: root };
      expect(redactor().redact(root, NodeDto)).toEqual({
        secret: '[REDACTED]',
        label: 'root',
        child: { secret: '[REDACTED]', label: 'one', child: '[Circular]' },
      });

      let deep: Record<string, unknown> = { secret: 'leaf', label: 'leaf' };
      for (let i = 0; i < 50; i += 1) deep = { secret: `s${i}`, label: `n${i}`, child: deep };
      const text = JSON.stringify(redactor({ maxDepth: 4 }).redact(deep, NodeDto));
      expect(text).toContain('[Truncated:depth]');
      expect(text).not.toMatch(/"s\d+"/);
    });
  });

  describe('hash strategy', () => {
    it('is HMAC-SHA-256 with the configured key, tagged with the key id', () => {
      const r = redactor();
      expect(r.applyStrategy('hash', 'alice@example.com')).toBe(pseudonym('alice@example.com'));
      expect(r.hmacKeyId).toBe(createHash('sha256').update(KEY, 'utf8').digest('hex').slice(0, 8));
      expect(r.hmacKeyId).toMatch(/^[0-9a-f]{8}$/);
      expect(r.ephemeralKey).toBe(false);
    });

    it('is stable for the same input and key, across redactor instances', () => {
      expect(redactor().applyStrategy('hash', 'x')).toBe(redactor().applyStrategy('hash', 'x'));
    });

    it('differs for a different key and for a different input', () => {
      const other = new Redactor({ hmacKey: `${KEY}-other` });
      expect(other.applyStrategy('hash', 'x')).not.toBe(redactor().applyStrategy('hash', 'x'));
      expect(other.hmacKeyId).not.toBe(redactor().hmacKeyId);
      expect(redactor().applyStrategy('hash', 'y')).not.toBe(redactor().applyStrategy('hash', 'x'));
    });

    it('accepts a Buffer key (raw bytes)', () => {
      const key = Buffer.from('00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff', 'hex');
      const r = new Redactor({ hmacKey: key });
      expect(r.applyStrategy('hash', 'x')).toBe(pseudonym('x', key));
    });

    it('uses a random per-process key when none is configured', () => {
      const a = new Redactor();
      const b = new Redactor();
      expect(a.ephemeralKey).toBe(true);
      expect(a.applyStrategy('hash', 'x')).not.toBe(b.applyStrategy('hash', 'x'));
      expect(a.applyStrategy('hash', 'x')).toBe(a.applyStrategy('hash', 'x'));
    });

    it('hashes the text form of non-string values', () => {
      expect(redactor().applyStrategy('hash', 42)).toBe(pseudonym('42'));
      expect(redactor().applyStrategy('hash', new Date('2025-01-02T03:04:05.678Z'))).toBe(pseudonym('2025-01-02T03:04:05.678Z'));
    });
  });

  describe('mask', () => {
    it.each([
      ['alice@example.com', 'a***@***.com'],
      ['4111111111111111', '********1111'],
      ['5551234', '*****34'],
      ['abc', '***'],
      ['', ''],
    ])('masks %p as %p', (input, expected) => {
      expect(mask(input)).toBe(expected);
    });

    it('never shows more than the hint', () => {
      const masked = mask('SN-0000-1111-2222');
      expect(masked.endsWith('2222')).toBe(true);
      expect(masked).not.toContain('1111');
    });
  });

  describe('sensitive keys and detectors', () => {
    it('blanks sensitive keys anywhere, whatever the case or separators, keeping null as null', () => {
      const headers = {
        Authorization: 'Bearer abc.def.ghi',
        'x-api-key': 'k-123',
        X_API_KEY: 'k-456',
        cookie: 'sid=1',
        'set-cookie': ['a=1', 'b=2'],
        'user-agent': 'curl/8',
        nested: { apiKey: 'k', refresh_token: 'r', passwordConfirmation: 'p', password: null, auth: { anything: 1 } },
      };
      expect(redactor().redact(headers)).toEqual({
        Authorization: '[REDACTED]',
        'x-api-key': '[REDACTED]',
        X_API_KEY: '[REDACTED]',
        cookie: '[REDACTED]',
        'set-cookie': '[REDACTED]',
        'user-agent': 'curl/8',
        nested: { apiKey: '[REDACTED]', refresh_token: '[REDACTED]', passwordConfirmation: '[REDACTED]', password: null, auth: '[REDACTED]' },
      });
    });

    it('does not blank keys that merely contain a short sensitive word', () => {
      const input = { className: 'a', spinner: 'b', business: 'c', author: 'd' };
      expect(redactor().redact(input)).toEqual(input);
    });

    it('adds configured sensitiveKeys', () => {
      expect(redactor({ sensitiveKeys: ['diagnosis'] }).redact({ Diagnosis: 'flu', other: 'x' })).toEqual({ Diagnosis: '[REDACTED]', other: 'x' });
      expect(redactor().redact({ Diagnosis: 'flu' })).toEqual({ Diagnosis: 'flu' });
    });

    it('scrubs detected PII inside every remaining string, replacing only the span', () => {
      expect(redactor().redact({ message: 'user a@b.io paid with 4111 1111 1111 1111', list: ['ssn 123-45-6789'] })).toEqual({
        message: 'user [REDACTED:email] paid with [REDACTED:card]',
        list: ['ssn [REDACTED:ssn]'],
      });
    });

    it('scrubs detected PII in object keys too', () => {
      const result = redactor().redact({ 'alice@example.com': 3, plain: 1 }) as JsonObject;
      expect(JSON.stringify(result)).not.toContain('alice@example.com');
      expect(result.plain).toBe(1);
      expect(result['[REDACTED:email]']).toBe(3);
    });

    it('redactText scrubs and truncates', () => {
      // Scrubbed first (a cut must never leave half an address behind), then cut: 41 chars → 20 + marker.
      expect(redactor({ maxStringLength: 20 }).redactText('mail a@b.io now, then more text')).toBe('mail [REDACTED:email[Truncated:21 chars]');
      expect(redactor({ maxStringLength: 8 }).redactText('alice@example.com')).toBe('[REDACTE[Truncated:8 chars]');
    });
  });

  describe('hostile input', () => {
    it('marks circular references and keeps shared (non-circular) references', () => {
      const shared = { v: 1 };
      const input: Record<string, unknown> = { a: shared, b: shared, list: [shared, shared] };
      input.self = input;
      (input.list as unknown[]).push(input.list);
      expect(redactor().redact(input)).toEqual({ a: { v: 1 }, b: { v: 1 }, list: [{ v: 1 }, { v: 1 }, '[Circular]'], self: '[Circular]' });
    });

    it('cuts deep structures with a depth marker', () => {
      expect(redactor({ maxDepth: 3 }).redact({ a: { b: { c: { d: 1 } } } })).toEqual({ a: { b: { c: '[Truncated:depth]' } } });
      expect(redactor({ maxDepth: 1 }).redact([[1]])).toEqual(['[Truncated:depth]']);
    });

    it('cuts long arrays with a marker', () => {
      expect(redactor({ maxArrayLength: 3 }).redact([1, 2, 3, 4, 5])).toEqual([1, 2, 3, '[Truncated:2 more items]']);
      expect(redactor({ maxArrayLength: 3 }).redact([1, 2, 3])).toEqual([1, 2, 3]);
    });

    it('caps a declared array of scalars at maxArrayLength', () => {
      const result = redactor({ maxArrayLength: 2 }).redact({ aliases: ['a', 'b', 'c', 'd'] }, PatientDto) as JsonObject;
      expect((result.aliases as JsonValue[]).slice(0, 2)).toEqual([pseudonym('a'), pseudonym('b')]);
      expect(JSON.stringify(result)).not.toContain(pseudonym('c'));
    });

    it('cuts long strings and long keys with a marker', () => {
      const r = redactor({ maxStringLength: 10 });
      expect(r.redact('abcdefghijklmno')).toBe('abcdefghij[Truncated:5 chars]');
      expect(r.redact({ ['k'.repeat(12)]: 'short' })).toEqual({ [`${'k'.repeat(10)}[Truncated:2 chars]`]: 'short' });
    });

    it('summarizes binary data, maps, sets and streams instead of copying them', () => {
      expect(
        redactor().redact({
          buffer: Buffer.from('secret bytes'),
          bytes: new Uint8Array(4),
          map: new Map([['email', 'a@b.io']]),
          set: new Set(['a@b.io', 'c@d.io']),
          stream: Readable.from(['x']),
        }),
      ).toEqual({ buffer: '[Binary 12 bytes]', bytes: '[Binary 4 bytes]', map: '[Map 1 entries]', set: '[Set 2 entries]', stream: '[Stream]' });
    });

    it('turns dates, bigints and non-finite numbers into JSON-safe values', () => {
      expect(
        redactor().redact({
          date: new Date('2025-01-02T03:04:05.678Z'),
          invalidDate: new Date(NaN),
          big: 12345678901234567890n,
          cardAsBigint: 4111111111111111n,
          nan: NaN,
          inf: Infinity,
          negInf: -Infinity,
          zero: -0,
        }),
      ).toEqual({
        date: '2025-01-02T03:04:05.678Z',
        invalidDate: null,
        big: '12345678901234567890',
        cardAsBigint: '[REDACTED:card]',
        nan: 'NaN',
        inf: 'Infinity',
        negInf: '-Infinity',
        zero: -0,
      });
    });

    it('drops undefined, functions and symbols from objects and writes null for them in arrays', () => {
      const sym = Symbol('s');
      const input = { a: undefined, f: () => 1, s: sym, [sym]: 'hidden', keep: 1, list: [undefined, () => 1, sym, 2] };
      expect(redactor().redact(input)).toEqual({ keep: 1, list: [null, null, null, 2] });
      expect(redactor().redact(undefined)).toBeNull();
      expect(redactor().redact(() => 1)).toBeNull();
    });

    it('never traverses __proto__, constructor or prototype keys and never pollutes Object.prototype', () => {
      const parsed = JSON.parse('{"__proto__":{"polluted":1},"constructor":{"prototype":{"polluted":2}},"prototype":{"polluted":3},"ok":1}') as unknown;
      const result = redactor().redact(parsed) as JsonObject;
      expect(result).toEqual({ ok: 1 });
      expect(Object.keys(result)).toEqual(['ok']);
      expect(Object.getPrototypeOf(result)).toBe(Object.prototype);
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
      expect((Object.prototype as Record<string, unknown>).polluted).toBeUndefined();
    });

    it('keeps keys named like Object.prototype members as plain data', () => {
      const parsed = JSON.parse('{"toString":"x","hasOwnProperty":"y","__defineGetter__":"z"}') as unknown;
      const result = redactor().redact(parsed) as JsonObject;
      expect(result).toEqual({ toString: 'x', hasOwnProperty: 'y', __defineGetter__: 'z' });
      expect(Object.getOwnPropertyDescriptor(result, 'toString')?.value).toBe('x');
    });

    it('handles objects without a prototype', () => {
      const bare = Object.assign(Object.create(null) as Record<string, unknown>, { a: 1, password: 'p' });
      expect(redactor().redact(bare)).toEqual({ a: 1, password: '[REDACTED]' });
    });

    it('does not throw on lone surrogates, in values, keys and every strategy', () => {
      const lone = 'x\ud800y\udfffz';
      const r = redactor();
      expect(() => r.redact({ [lone]: lone, email: lone, phone: lone }, PatientDto)).not.toThrow();
      for (const strategy of ['redact', 'mask', 'hash', 'omit'] as const) expect(() => r.applyStrategy(strategy, lone)).not.toThrow();
      // Stored as U+FFFD, as a database would store it (a lone surrogate read back would not re-hash).
      expect(r.redact({ text: lone, [lone]: 1 })).toEqual({ text: 'x\ufffdy\ufffdz', 'x\ufffdy\ufffdz': 1 });
    });

    it('does not throw on a property getter that throws or a hostile proxy', () => {
      const withGetter = { ok: 1 };
      Object.defineProperty(withGetter, 'boom', { enumerable: true, get: () => { throw new Error('getter exploded'); } });
      const proxy = new Proxy({}, { ownKeys: () => { throw new Error('no keys for you'); } });
      const r = redactor();
      expect(r.redact(withGetter)).toEqual({ ok: 1, boom: '[Unreadable]' });
      expect(r.redact({ proxy, ok: 1 })).toEqual({ proxy: '[Unreadable]', ok: 1 });
      expect(r.redact(proxy)).toBe('[Unreadable]');
    });

    it('reads own enumerable keys only, as Object.keys does (inherited enumerable properties, getters and non-enumerable ones stay out)', () => {
      function Legacy(this: Record<string, unknown>): void {
        this.own = 'kept';
      }
      (Legacy.prototype as Record<string, unknown>).inheritedSecret = 'jane.doe@example.com';
      const instance = new (Legacy as unknown as new () => object)();
      Object.defineProperty(instance, 'hidden', { enumerable: false, value: 'x' });
      const child = Object.create({ fromProto: 'p' }) as Record<string, unknown>;
      child.mine = 1;
      const r = redactor();
      expect(r.redact(instance)).toEqual({ own: 'kept' });
      expect(Object.keys(r.redact(child) as JsonObject)).toEqual(['mine']);
      // Integer-like keys first, ascending, then insertion order: the order Object.keys gives.
      const ordered = JSON.parse('{"b":1,"2":2,"a":3,"1":4}') as unknown;
      expect(Object.keys(r.redact(ordered) as JsonObject)).toEqual(['1', '2', 'b', 'a']);
      expect(redactor({ maxKeys: 2 }).redact(ordered)).toEqual({ 1: 4, 2: 2, '[Truncated]': '2 more keys' });
    });

    it('skips a key deleted by an earlier getter and never visits one added meanwhile, without throwing', () => {
      const input: Record<string, unknown> = { first: 1, second: 2, third: 3 };
      Object.defineProperty(input, 'first', {
        enumerable: true,
        get: () => {
          delete input.second;
          input.added = 'new';
          return 1;
        },
      });
      expect(redactor().redact(input)).toEqual({ first: 1, third: 3 });
    });

    it('always returns a value RFC 8785 can serialize', () => {
      const input: Record<string, unknown> = {
        nan: NaN,
        big: 1n,
        fn: () => 1,
        date: new Date(NaN),
        buf: Buffer.alloc(2),
        nested: [undefined, Infinity, { m: new Map() }],
      };
      input.loop = input;
      expect(() => canonicalize(redactor().redact(input))).not.toThrow();
    });
  });

  describe('redactObject', () => {
    it('returns objects as they are and wraps anything else in { value }', () => {
      expect(redactor().redactObject({ a: 1 })).toEqual({ a: 1 });
      expect(redactor().redactObject('a@b.io')).toEqual({ value: '[REDACTED:email]' });
      expect(redactor().redactObject([1, 2])).toEqual({ value: [1, 2] });
      expect(redactor().redactObject(undefined)).toEqual({ value: null });
    });
  });

  describe('options', () => {
    it.each<[string, RedactorOptions]>([
      ['an empty string hmacKey', { hmacKey: '' }],
      ['an empty Buffer hmacKey', { hmacKey: Buffer.alloc(0) }],
      ['sensitiveKeys that is not an array', { sensitiveKeys: 'password' as unknown as string[] }],
      ['maxDepth 0', { maxDepth: 0 }],
      ['a negative maxDepth', { maxDepth: -1 }],
      ['a fractional maxDepth', { maxDepth: 1.5 }],
      ['a NaN maxDepth', { maxDepth: NaN }],
      ['maxArrayLength 0', { maxArrayLength: 0 }],
      ['maxStringLength 0', { maxStringLength: 0 }],
    ])('rejects %s with InvalidRedactionOptionsError', (_name, options) => {
      expect(() => new Redactor(options)).toThrow(InvalidRedactionOptionsError);
    });

    it('names the option in the message', () => {
      expect(() => new Redactor({ maxDepth: 0 })).toThrow(/redaction\.maxDepth must be a positive integer/);
    });
  });

  it('applies each call\'s own DTO class when classes alternate, change or are left out (the last class\'s plan is kept between calls)', () => {
    // The same body under different classes: each call must use the plan of the class it is given.
    class RedactsEmail {
      @PiiField({ strategy: 'redact', kind: 'email' }) email!: string;
    }
    class MasksPhone {
      @PiiField({ strategy: 'mask', kind: 'phone' }) phone!: string;
    }
    const body = { email: 'jane@example.com', phone: '+44 20 7946 0958', city: 'Leeds' };
    const kept = new Redactor({ hmacKey: KEY });
    const types = [PatientDto, RedactsEmail, RedactsEmail, MasksPhone, undefined, MasksPhone, PatientDto, undefined, RedactsEmail];
    for (const type of [...types, ...types.reverse()]) {
      const fresh = new Redactor({ hmacKey: KEY });
      const trace = new RedactionTrace();
      const freshTrace = new RedactionTrace();
      expect(kept.redactTraced(body, type, trace, 'request.body')).toEqual(fresh.redactTraced(body, type, freshTrace, 'request.body'));
      expect(kept.reportObject(trace)).toEqual(fresh.reportObject(freshTrace));
      expect(kept.redact(body, type)).toEqual(fresh.redact(body, type));
    }
  });

  it('redactedMarker names the kind when there is one', () => {
    expect(redactedMarker()).toBe('[REDACTED]');
    expect(redactedMarker('email')).toBe('[REDACTED:email]');
  });
});

describe('UUIDs (a whole-text UUID is kept without running the detectors)', () => {
  const never = { kind: 'never', pattern: /(?!)/g };
  /** Hex groups, mostly digits (an all-digit group is what a phone, card or IP expression can take for PII). */
  const group = (length: number): fc.Arbitrary<string> =>
    fc.string({ unit: fc.oneof({ weight: 6, arbitrary: fc.constantFrom(...'0123456789') }, { weight: 1, arbitrary: fc.constantFrom(...'abcdefABCDEF') }), minLength: length, maxLength: length });
  const uuid = fc.tuple(group(8), group(4), group(4), group(4), group(12)).map((groups) => groups.join('-'));
  /** A UUID, or one changed a little: a character replaced, added or dropped, a hyphen moved. */
  const text = fc.oneof(
    uuid,
    fc.tuple(uuid, fc.nat({ max: 35 }), fc.constantFrom('g', 'G', ' ', '.', '-', '0', ':', '+', '\u00e9')).map(([u, at, c]) => u.slice(0, at) + c + u.slice(at + 1)),
    fc.tuple(uuid, fc.constantFrom('', '0', '-', ' ', 'a', '1')).chain(([u, c]) => fc.constantFrom(c + u, u + c, u.slice(1), u.slice(0, -1))),
    fc.tuple(uuid, fc.nat({ max: 35 })).map(([u, at]) => u.replace('-', '').slice(0, at) + '-' + u.replace('-', '').slice(at)),
  );
  const settings: RedactorOptions[] = [{}, { detectors: { phone: 'mask', ip: 'hash' } }, { detectors: { card: false, phone: false } }, { detectors: { ssn: false, ip: false } }, { maxStringLength: 36 }, { maxStringLength: 20 }];

  it('come out as the full detector path gives them (values, Map report, trace), whatever their digits and detector settings', () => {
    let keptWhole = 0;
    let matchedInside = 0;
    for (const [s, options] of settings.entries()) {
      const quick = new Redactor({ hmacKey: KEY, ...options });
      const full = new Redactor({ hmacKey: KEY, ...options, customDetectors: [never] });
      fc.assert(
        fc.property(text, (t) => {
          expect(quick.redactText(t)).toBe(full.redactText(t));
          const quickLines = new Map<string, string>();
          const fullLines = new Map<string, string>();
          expect(quick.redact({ id: t, [t]: 1 }, undefined, quickLines, 'request.body')).toEqual(full.redact({ id: t, [t]: 1 }, undefined, fullLines, 'request.body'));
          expect([...quickLines]).toEqual([...fullLines]);
          const quickTrace = new RedactionTrace();
          const fullTrace = new RedactionTrace();
          expect(quick.redactTraced([t, { t }], undefined, quickTrace, 'request.headers')).toEqual(full.redactTraced([t, { t }], undefined, fullTrace, 'request.headers'));
          expect(quickTrace.empty ? null : quick.reportObject(quickTrace)).toEqual(fullTrace.empty ? null : full.reportObject(fullTrace));
          if (/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(t) && quick.redactText(t) === t) keptWhole += 1;
          // The detectors do find something in most such texts once the UUID is broken: the filter is what keeps it.
          if (full.redactText(`x${t.slice(1)}`) !== `x${t.slice(1)}`) matchedInside += 1;
        }),
        { numRuns: 1500, seed: 20261127 + s },
      );
    }
    expect(keptWhole).toBeGreaterThan(1000);
    expect(matchedInside).toBeGreaterThan(500);
  });
});
