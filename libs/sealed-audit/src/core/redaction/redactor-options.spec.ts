import 'reflect-metadata';
import { createHash, createHmac } from 'node:crypto';
import { PiiField } from './pii-field.decorator';
import { InvalidRedactionOptionsError, MAX_REPORT_LINES, Redactor, type RedactionReport, type RedactorOptions } from './redactor';
import { mask } from './masks';

const KEY = 'options-spec-hmac-key-0123456789abcdef';
const keyId = createHash('sha256').update(KEY, 'utf8').digest('hex').slice(0, 8);
const hmac = (value: string): string => `hmac-sha256:${keyId}:${createHmac('sha256', KEY).update(value, 'utf8').digest('hex')}`;
const redactor = (options: RedactorOptions = {}): Redactor => new Redactor({ hmacKey: KEY, ...options });

describe('kind-aware masks', () => {
  it.each([
    ['jane.doe@corp.com', 'email', 'j***@***.com'],
    ['jane.doe@corp.com', undefined, 'j***@***.com'],
    ['4111 1111 1111 1111', 'card', '********1111'],
    ['4111-1111-1111-1111', 'payment-card', '********1111'],
    ['+44 20 7946 0958', 'phone', '********58'],
    ['GB82 WEST 1234 5698 7654 32', 'iban', 'GB********5432'],
    ['203.0.113.7', 'ip', '203.0.113.*'],
    ['::ffff:127.0.0.1', 'ip', '::ffff:127.0.0.*'],
    ['2001:db8:85a3::8a2e:370:7334', 'ip', '2001:db8:85a3:*'],
    ['Ottoline Quarles', 'name', '********rles'],
  ])('masks %p (kind %p) as %p', (value, kind, expected) => {
    expect(mask(value, kind)).toBe(expected);
  });

  it('never shows the local part beyond its first letter, nor the domain name', () => {
    expect(mask('ottoline.vq@quarles-mail.example', 'email')).not.toMatch(/ttoline|quarles/);
  });
});

describe('Redactor options', () => {
  it('detectors: per-kind strategy, or off', () => {
    const r = redactor({ detectors: { email: 'hash', phone: 'mask', card: false } });
    expect(r.redactText('a@b.io, +44 20 7946 0958, 4111 1111 1111 1111')).toBe(`${hmac('a@b.io')}, ********58, 4111 1111 1111 1111`);
  });

  it('ip: masked by default in text and for the client address; false keeps it; hash pseudonymizes', () => {
    expect(redactor().redactText('from 203.0.113.7')).toBe('from 203.0.113.*');
    expect(redactor().redactIp('203.0.113.7')).toBe('203.0.113.*');
    expect(redactor({ detectors: { ip: false } }).redactIp('203.0.113.7')).toBe('203.0.113.7');
    expect(redactor({ detectors: { ip: false } }).redactText('from 203.0.113.7')).toBe('from 203.0.113.7');
    expect(redactor({ detectors: { ip: 'hash' } }).redactIp('203.0.113.7')).toBe(hmac('203.0.113.7'));
  });

  it('customDetectors run after the built-in ones, with their own strategy', () => {
    const r = redactor({ customDetectors: [{ kind: 'patient-number', pattern: /\bPT-\d{8}\b/g, strategy: 'hash' }, { kind: 'mrn', pattern: /MRN\d{6}/ }] });
    expect(r.redact({ note: 'PT-12345678 has MRN123456, mail a@b.io' })).toEqual({ note: `${hmac('PT-12345678')} has [REDACTED:mrn], mail [REDACTED:email]` });
  });

  it.each<[string, RedactorOptions, RegExp]>([
    ['an unknown detector kind', { detectors: { fax: false } as never }, /unknown detector "fax"/],
    ['a bad detector setting', { detectors: { email: 'scramble' } as never }, /detectors\.email must be/],
    ['detectors that are not an object', { detectors: 'all' as never }, /must be an object/],
    ['customDetectors that are not an array', { customDetectors: {} as never }, /customDetectors must be an array/],
    ['a custom detector without a RegExp', { customDetectors: [{ kind: 'x', pattern: 'x' as never }] }, /pattern must be a \(non-sticky\) RegExp/],
    ['a sticky custom pattern', { customDetectors: [{ kind: 'x', pattern: /x/y }] }, /non-sticky/],
    ['a custom kind with spaces', { customDetectors: [{ kind: 'a b', pattern: /x/ }] }, /kind must be/],
    ['a bad custom strategy', { customDetectors: [{ kind: 'x', pattern: /x/, strategy: 'omit' as never }] }, /strategy must be/],
    ['maxKeys 0', { maxKeys: 0 }, /maxKeys must be a positive integer/],
    ['maxNodes -1', { maxNodes: -1 }, /maxNodes must be a positive integer/],
  ])('rejects %s, naming the option', (_name, options, message) => {
    expect(() => redactor(options)).toThrow(InvalidRedactionOptionsError);
    expect(() => redactor(options)).toThrow(message);
  });
});

describe('strategies recorded next to the value: the redaction report', () => {
  class ItemDto {
    @PiiField({ strategy: 'mask', kind: 'serial' }) serial!: string;
  }
  class OrderDto {
    @PiiField({ strategy: 'hash', kind: 'email' }) email!: string;
    @PiiField({ strategy: 'omit', kind: 'password' }) password!: string;
    @PiiField({ kind: 'dob', strategy: (value) => String(value).slice(0, 4) }) born!: string;
    items!: ItemDto[];
  }

  it('names path → strategy:kind for declared fields, key rules, detectors and birth dates by key context; never a value', () => {
    const report: RedactionReport = new Map();
    const out = redactor().redact(
      {
        email: 'a@b.io',
        password: 'pw',
        born: '1931-07-19',
        items: [{ serial: 'SN-1234-5678' }, { serial: 'SN-8765-4321' }],
        token: 't',
        note: 'call +44 20 7946 0958 or c@d.io',
        birthday: '19/07/1931',
        birthPlace: 'Paris',
      },
      class extends OrderDto {},
      report,
      'request.body',
    );
    expect(out).toMatchObject({ born: '1931', birthday: '[REDACTED:date-of-birth]', birthPlace: 'Paris', token: '[REDACTED]' });
    expect(Object.fromEntries(report)).toEqual({
      'request.body.email': 'hash:email',
      'request.body.password': 'omit:password',
      'request.body.born': 'custom:dob',
      'request.body.token': 'redact:sensitive-key',
      'request.body.note': 'redact:phone,redact:email',
      'request.body.birthday': 'redact:date-of-birth',
    });
    expect(JSON.stringify([...report])).not.toMatch(/a@b\.io|7946|1931|pw/);
  });

  it('notes array items once under [] and nested DTO fields by their path', () => {
    class Envelope {
      @PiiField({ strategy: 'mask', kind: 'serial' }) top!: string;
    }
    const report: RedactionReport = new Map();
    redactor().redact({ rows: [{ mail: 'a@b.io' }, { mail: 'c@d.io' }], top: 'x' }, Envelope, report, '$');
    expect(Object.fromEntries(report)).toEqual({ '$.rows[].mail': 'redact:email', '$.top': 'mask:serial' });
  });

  it('caps the report', () => {
    const report: RedactionReport = new Map();
    const wide = Object.fromEntries(Array.from({ length: 300 }, (_, i) => [`k${i}`, `u${i}@b.io`]));
    redactor({ maxKeys: 1000 }).redact(wide, undefined, report);
    expect(report.size).toBe(MAX_REPORT_LINES + 1);
    expect(report.get('[Truncated]')).toBe('more redactions than the summary keeps');
  });

  it('a function strategy: its result passes the detectors again; a throw redacts; undefined omits', () => {
    class Dto {
      @PiiField({ kind: 'note', strategy: (value) => `kept: ${String(value)}` }) leaky!: string;
      @PiiField({ kind: 'x', strategy: () => { throw new Error('boom'); } }) broken!: string;
      @PiiField({ kind: 'y', strategy: () => undefined }) dropped!: string;
    }
    expect(redactor().redact({ leaky: 'a@b.io', broken: 'secret', dropped: 'z' }, Dto)).toEqual({ leaky: 'kept: [REDACTED:email]', broken: '[REDACTED:x]' });
  });
});

describe('hostile input caps', () => {
  it('cuts wide objects with a [Truncated] key and huge inputs with [Truncated:size]', () => {
    const wide = Object.fromEntries(Array.from({ length: 5 }, (_, i) => [`k${i}`, i]));
    expect(redactor({ maxKeys: 3 }).redact(wide)).toEqual({ k0: 0, k1: 1, k2: 2, '[Truncated]': '2 more keys' });
    const many = Array.from({ length: 50 }, (_, i) => i);
    const out = redactor({ maxNodes: 10, maxArrayLength: 100 }).redact(many) as unknown[];
    expect(out.slice(0, 9)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8]);
    expect(out[9]).toBe('[Truncated:size]');
  });

  it('looks at a bounded window of a huge string and never lets a token straddle the cut', () => {
    const r = redactor({ maxStringLength: 100 });
    const huge = `${'word '.repeat(200_000)}a@b.io`;
    const out = r.redactText(huge);
    expect(out.startsWith('word word')).toBe(true);
    expect(out).toMatch(/\[Truncated:\d+ chars\]$/);
    expect(out.length).toBeLessThan(140);
    const emails = `${Array.from({ length: 200 }, (_, i) => `user${i}@example.com`).join(' ')}`;
    expect(redactor({ maxStringLength: 64 }).redactText(emails)).not.toMatch(/user\d+@/);
  });

  it('summarizes an ArrayBuffer and non-JSON bodies', () => {
    expect(redactor().redact(new ArrayBuffer(8))).toBe('[Binary 8 bytes]');
    expect(redactor().redact('plain text body from a@b.io')).toBe('plain text body from [REDACTED:email]');
  });
});
