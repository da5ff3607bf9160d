import 'reflect-metadata';
import { Type } from 'class-transformer';
import { ExposureEmitter, ExposureScanner, InvalidAllowPathError, compileAllowList, type PiiExposure } from './exposure-scanner';
import { PiiField } from './pii-field.decorator';
import { Redactor } from './redactor';

class AddressDto {
  @PiiField({ kind: 'street' }) street!: string;
  city!: string;
}

class PatientDto {
  id!: string;
  @PiiField({ strategy: 'hash', kind: 'email' }) email!: string;
  @PiiField({ kind: 'name' }) fullName!: string;
  note!: string;
  @Type(() => AddressDto) address!: AddressDto;
}

const scanner = new ExposureScanner(new Redactor({ hmacKey: 'k'.repeat(32) }));

describe('ExposureScanner', () => {
  it('reports undeclared PII with JSON paths, kinds and counts (array items under one [] path), never values', () => {
    const body = {
      id: 'p-1',
      note: 'call +44 20 7946 0958 or mail a@b.io and c@d.io',
      items: [{ contact: 'x@y.io' }, { contact: 'z@w.io' }, { contact: 'nothing here' }],
      password: 'hunter22',
      born: '1931-07-19',
    };
    const findings = scanner.scan(body);
    expect(findings).toEqual([
      { path: '$.note', kind: 'phone', count: 1 },
      { path: '$.note', kind: 'email', count: 2 },
      { path: '$.items[].contact', kind: 'email', count: 2 },
      { path: '$.password', kind: 'sensitive-key', count: 1 },
      { path: '$.born', kind: 'date-of-birth', count: 1 },
    ]);
    expect(JSON.stringify(findings)).not.toMatch(/a@b\.io|hunter22|7946|1931/);
  });

  it('does not report fields the response type declares with @PiiField, nested types included', () => {
    const body = { id: 'p-1', email: 'a@b.io', fullName: 'Ann', note: 'ok', address: { street: 'a@b.io street', city: 'Leeds' } };
    expect(scanner.scan(body, PatientDto)).toEqual([]);
    expect(scanner.scan({ ...body, note: 'write to a@b.io' }, PatientDto)).toEqual([{ path: '$.note', kind: 'email', count: 1 }]);
    expect(scanner.scan([body, body], PatientDto)).toEqual([]);
  });

  it('uses the class of an instance when the route declares nothing', () => {
    const instance = Object.assign(new PatientDto(), { id: '1', email: 'a@b.io', fullName: 'Ann', note: 'n', address: { street: 's', city: 'c' } });
    expect(scanner.scan(instance)).toEqual([]);
  });

  it('skips allowed paths and everything below them; any index means every item', () => {
    const body = { contact: { email: 'a@b.io', phone: '+44 20 7946 0958' }, rows: [{ email: 'x@y.io' }], other: 'c@d.io' };
    const allow = compileAllowList(['contact', 'rows[0].email']);
    expect(scanner.scan(body, undefined, allow)).toEqual([{ path: '$.other', kind: 'email', count: 1 }]);
  });

  it('checks a bare string body and keys that are PII', () => {
    expect(scanner.scan('mail me: a@b.io')).toEqual([{ path: '$', kind: 'email', count: 1 }]);
    expect(scanner.scan({ 'a@b.io': 1 })).toEqual([{ path: '$.[REDACTED:email]', kind: 'email', count: 1 }]);
  });

  it('masks in a copy: kind-aware masks, secrets fully redacted, declared and allowed fields untouched, the input unchanged', () => {
    const body = {
      id: 'p-1',
      email: 'ann@corp.example',
      fullName: 'Ann Lee',
      note: 'reach ann@corp.example or +44 20 7946 0958, key sk_live_4eC39HqLyjWDarjtT1zdp7dc',
      address: { street: 'Main St', city: 'Leeds' },
      token: 'abc',
    };
    const before = JSON.stringify(body);
    const { body: out, findings } = scanner.mask(body, PatientDto);
    expect(JSON.stringify(body)).toBe(before);
    expect(out).toEqual({
      ...body,
      note: 'reach a***@***.example or ********58, key [REDACTED:api-key]',
      token: '[REDACTED:sensitive-key]',
    });
    expect(findings.map((f) => `${f.path}:${f.kind}`)).toEqual(['$.note:email', '$.note:phone', '$.note:api-key', '$.token:sensitive-key']);
  });

  it('returns the very same body when nothing needs masking, and keeps untouched branches shared', () => {
    const clean = { a: [{ b: 'x' }], c: { d: 1 } };
    expect(scanner.mask(clean).body).toBe(clean);
    const mixed = { keep: { deep: ['x'] }, leak: 'a@b.io' };
    const out = scanner.mask(mixed).body as typeof mixed;
    expect(out).not.toBe(mixed);
    expect(out.keep).toBe(mixed.keep);
  });

  it('keeps the prototype of a rewritten class instance (serializers after it still see the class)', () => {
    class View {
      note = 'a@b.io';
      shout(): string {
        return 'hi';
      }
    }
    const out = scanner.mask(new View()).body as View;
    expect(out).toBeInstanceOf(View);
    expect(out.note).toBe('a***@***.io');
  });

  it('rewrites what the client would see through toJSON', () => {
    const body = { when: new Date('2025-01-02T00:00:00Z'), wrapped: { toJSON: () => ({ mail: 'a@b.io' }) } };
    const { body: out, findings } = scanner.mask(body);
    expect(JSON.parse(JSON.stringify(out))).toEqual({ when: '2025-01-02T00:00:00.000Z', wrapped: { mail: 'a***@***.io' } });
    expect(findings).toEqual([{ path: '$.wrapped.mail', kind: 'email', count: 1 }]);
  });

  it('never throws on hostile bodies: cycles, throwing getters, proxies, binary, an own __proto__ key', () => {
    const cyclic: Record<string, unknown> = { mail: 'a@b.io' };
    cyclic.self = cyclic;
    const getter = {};
    Object.defineProperty(getter, 'boom', { enumerable: true, get: () => { throw new Error('no'); } });
    const proxy = new Proxy({}, { ownKeys: () => { throw new Error('no keys'); } });
    const parsed = JSON.parse('{"__proto__":{"mail":"x@y.io"}}') as unknown;
    for (const body of [cyclic, getter, proxy, Buffer.from('a@b.io'), parsed, undefined, null, 42]) {
      expect(() => scanner.scan(body)).not.toThrow();
      expect(() => scanner.mask(body)).not.toThrow();
    }
    expect(scanner.scan(cyclic)).toEqual([{ path: '$.mail', kind: 'email', count: 1 }]);
    expect(scanner.scan(parsed)).toEqual([{ path: '$.__proto__.mail', kind: 'email', count: 1 }]);
    const masked = scanner.mask(parsed).body;
    expect(JSON.stringify(masked)).toBe('{"__proto__":{"mail":"x***@***.io"}}');
    expect(({} as Record<string, unknown>).mail).toBeUndefined();
  });

  it('follows the redactor settings: a detector turned off is not a leak', () => {
    const quiet = new ExposureScanner(new Redactor({ hmacKey: 'k'.repeat(32), detectors: { email: false } }));
    expect(quiet.scan({ mail: 'a@b.io', phone: '+44 20 7946 0958' })).toEqual([{ path: '$.phone', kind: 'phone', count: 1 }]);
  });
});

describe('compileAllowList', () => {
  it('normalizes the accepted spellings', () => {
    expect(compileAllowList(['a.b', '$.a.b', 'items[3].x', '$', '[].x'])?.paths).toEqual(['$.a.b', '$.a.b', '$.items[].x', '$', '$[].x']);
    expect(compileAllowList(undefined)).toBeUndefined();
  });

  it.each([[['']], [[' ']], ['a.b' as unknown as string[]], [[1 as unknown as string]]])('rejects %p', (paths) => {
    expect(() => compileAllowList(paths)).toThrow(InvalidAllowPathError);
  });
});

describe('ExposureEmitter', () => {
  const exposure: PiiExposure = {
    type: 'pii.exposure',
    timestamp: new Date(0),
    requestId: 'r',
    method: 'GET',
    route: '/x',
    action: 'x.read',
    status: 200,
    policy: 'observe',
    masked: false,
    findings: [],
    total: 0,
  };

  it('delivers to every listener until it unsubscribes', () => {
    const emitter = new ExposureEmitter();
    const seen: string[] = [];
    const off = emitter.on((e) => void seen.push(`a:${e.requestId}`));
    emitter.on((e) => void seen.push(`b:${e.requestId}`));
    emitter.emit(exposure);
    off();
    emitter.emit({ ...exposure, requestId: 's' });
    expect(seen).toEqual(['a:r', 'b:r', 'b:s']);
    expect(emitter.size).toBe(1);
  });

  it('isolates a throwing or rejecting listener and reports it', async () => {
    const errors: string[] = [];
    const emitter = new ExposureEmitter((message) => errors.push(message));
    const seen: string[] = [];
    emitter.on(() => { throw new RangeError('sync'); });
    emitter.on(() => Promise.reject(new TypeError('async')));
    emitter.on((e) => void seen.push(e.requestId));
    expect(() => emitter.emit(exposure)).not.toThrow();
    await new Promise((resolve) => setImmediate(resolve));
    expect(seen).toEqual(['r']);
    expect(errors).toEqual(['a pii.exposure listener failed (RangeError)', 'a pii.exposure listener failed (TypeError)']);
  });

  it('refuses a listener that is not a function', () => {
    expect(() => new ExposureEmitter().on('nope' as unknown as () => void)).toThrow(TypeError);
  });
});
