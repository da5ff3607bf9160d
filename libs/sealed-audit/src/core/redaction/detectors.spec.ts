import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import {
  cardValid,
  cardValidAt,
  phoneValid,
  phoneValidAt,
  BUILT_IN_DETECTORS,
  BUILT_IN_DETECTOR_KINDS,
  DEFAULT_DETECTORS,
  DetectorSet,
  ibanValid,
  isDateLike,
  luhnValid,
  scrubText,
  ssnValid,
  type PiiDetector,
} from './detectors';

/** Only the detectors of one kind, so a test of one detector cannot pass thanks to another. */
function only(kind: string): DetectorSet {
  return new DetectorSet(DEFAULT_DETECTORS.filter((detector) => detector.kind === kind));
}

/** The kinds found in a text, in order. */
function kindsIn(text: string, set: DetectorSet = new DetectorSet(DEFAULT_DETECTORS)): string[] {
  return (set.find(text) ?? []).map((match) => match.kind);
}

/** Text order spans as the substrings they cover. */
function spans(text: string, set: DetectorSet): string[] {
  return (set.find(text) ?? []).map((match) => text.slice(match.start, match.end));
}

/** Look-alikes no detector may touch. */
const NEGATIVES = [
  '2025-01-02T03:04:05.678Z',
  '2025-01-02 03:04:05',
  '2025-01-02T03:04:05.678+02:00',
  'Mon, 02 Jan 2025 03:04:05 GMT',
  '123e4567-e89b-12d3-a456-426614174000',
  'f47ac10b-58cc-4372-a567-0e02b2c3d479',
  'ORD-20250102-0001',
  'order #A1B2C3D4',
  'order 100000123456',
  'invoice 2025/000123',
  'amount 1,234,567.89 EUR',
  'total 12 345,67 €',
  '$ 1234567.89',
  'version 1.2.3-rc.4',
  'version 1.2.3.4',
  'v10.0.19041.1',
  'oid 1.3.6.1.4.1.311',
  'at 12:30:00',
  'mac 00:1a:2b:3c:4d:5e',
  'std::vector<int>',
  '05-06-2025 10:30',
  'sha 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08',
  'reference 4111111111111112',
  'id 000-12-3456',
  'page 3 of 12',
  'lat 51.5007, lon -0.1246',
  'build 20250102.1',
  'user@localhost',
  'see RFC 8785 section 3.2.2.3',
  'GB00 0000 0000 0000 0000 00',
];

describe('detectors', () => {
  it('lists every built-in kind once for the redaction.detectors option', () => {
    expect([...BUILT_IN_DETECTOR_KINDS].sort()).toEqual(
      ['api-key', 'bearer-token', 'card', 'date-of-birth', 'email', 'iban', 'ip', 'jwt', 'phone', 'ssn', 'url-credentials'].sort(),
    );
  });

  it.each(NEGATIVES)('does not touch the look-alike %p', (text) => {
    expect(scrubText(text)).toBe(text);
  });

  describe('email', () => {
    it.each([
      'alice@example.com',
      'alice.smith+tag@example.co.uk',
      'o_brien-99@sub.domain.example.museum',
      'ALICE@EXAMPLE.COM',
      "x%y@b.io",
    ])('finds %p inside text', (email) => {
      expect(spans(`contact ${email}, thanks`, only('email'))).toEqual([email]);
    });

    it.each(['user@localhost', 'a@b', '@example.com', 'name at example dot com'])('ignores %p', (text) => {
      expect(kindsIn(text, only('email'))).toEqual([]);
    });

    it('does not start inside a longer run of local-part characters (linear on hostile input)', () => {
      const text = `${'a'.repeat(70)}@example.com`;
      // The local part is at most 64 characters: a 70-character run is not an address start.
      expect(spans(text, only('email'))).toEqual([]);
    });
  });

  describe('validators read in place', () => {
    it('phoneValidAt and cardValidAt answer what phoneValid and cardValid answer on the slice, for any range of any text', () => {
      const unit = fc.constantFrom(...'0123456789 +()-./:x'.split(''), '00', '+44', '2025', '٣', 'é');
      fc.assert(
        fc.property(fc.string({ unit, maxLength: 40 }), fc.nat(), fc.nat(), (text, a, b) => {
          const start = text.length === 0 ? 0 : a % text.length;
          const end = start + (text.length - start === 0 ? 0 : b % (text.length - start + 1));
          fc.pre(end > start);
          const match = text.slice(start, end);
          expect(phoneValidAt(text, start, end)).toBe(phoneValid(match, text, start));
          expect(cardValidAt(text, start, end)).toBe(cardValid(match));
        }),
        { numRuns: 20000, seed: 20261131 },
      );
    });

    it('phoneValidAt rejects what phoneValid rejects for a date inside, with . or - separators or neither', () => {
      // Phone-like texts around a date (either order, any separator): the in-place validator looks
      // for a date only where the match holds a `.` or `-`.
      const sep = fc.constantFrom('.', '-', ' ', '/', '');
      const date = fc
        .tuple(fc.constantFrom('1', '12', '03'), sep, fc.constantFrom('7', '11'), sep, fc.constantFrom('1931', '2024', '1831', '24'), fc.boolean())
        .map(([d, s1, m, s2, y, yearFirst]) => (yearFirst ? `${y}${s1}${m}${s2}${d}` : `${d}${s1}${m}${s2}${y}`));
      const text = fc
        .tuple(fc.constantFrom('', '+44 ', '0', '00', '(0) ', 'x', '.'), date, fc.constantFrom('', ' 12', ' 345', '.1', '-99', ' 4567 89', '1'), fc.constantFrom('', ' ', ':', '/', '.5', 'a'))
        .map(([before, d, digits, after]) => ({ text: `${before}${d}${digits}${after}`, start: before.length === 1 ? 1 : 0, end: before.length + d.length + digits.length }));
      let rejectedForDate = 0;
      fc.assert(
        fc.property(text, fc.boolean(), ({ text: t, start, end }, whole) => {
          const from = whole ? 0 : start;
          const match = t.slice(from, end);
          const expected = phoneValid(match, t, from);
          if (!expected && phoneValid(match.replace(/[.-]/g, ' '), t.replace(/[.-]/g, ' '), from)) rejectedForDate += 1;
          expect(phoneValidAt(t, from, end)).toBe(expected);
        }),
        { numRuns: 20000, seed: 20261209 },
      );
      expect(rejectedForDate).toBeGreaterThan(1000);
    });
  });

  describe('phone', () => {
    it.each([
      '+44 20 7946 0958',
      '+1 (555) 013-8842',
      '+1 555 123 4567',
      '+33 6 12 34 56 78',
      '+49 30 12345678',
      '+4915112345678',
      '+91-98765-43210',
      '0044 20 7946 0958',
      '(555) 013-8842',
      '555-013-8842',
      '555.013.8842',
      '020 7946 0958',
      '07700 900123',
      '06 12 34 56 78',
      '030 12345678',
    ])('finds %p inside text', (phone) => {
      expect(spans(`call me at ${phone} please`, only('phone'))).toEqual([phone]);
    });

    it.each(['+1 555', '555-0134', '12 34 56', '2025-01-02', '01.02.2025', '0.5 0.25', '10:30-11:45', '1234567890'])('ignores %p', (text) => {
      expect(kindsIn(`x ${text} y`, only('phone'))).toEqual([]);
    });
  });

  describe('card (Luhn)', () => {
    it.each(['4111111111111111', '4111 1111 1111 1111', '5555-5555-5555-4444', '378282246310005', '4012888888881881', '6011 0009 9013 9424', '3530111333300000', '4222222222222'])(
      'finds %p inside text',
      (card) => {
        expect(spans(`card ${card}, thanks`, only('card'))).toEqual([card]);
      },
    );

    it.each(['4111111111111112', '1234 5678 1234 5678', '1234-5678-1234-5678', '123456789012', '12345678901234567890123'])('ignores %p', (text) => {
      expect(kindsIn(`ref ${text} end`, only('card'))).toEqual([]);
    });

    it('treats a 13–19 digit number that passes Luhn as a card (value detection cannot tell it apart)', () => {
      // A known limit: about one in ten such numbers (e.g. epoch milliseconds) is redacted in free text.
      expect(scrubText('at 1735787045673')).toBe('at [REDACTED:card]');
      expect(scrubText('at 1735787045678')).toBe('at 1735787045678');
    });
  });

  describe('luhnValid', () => {
    it.each(['4111111111111111', '4111 1111 1111 1111', '5555-5555-5555-4444', '378282246310005'])('accepts %s', (n) => expect(luhnValid(n)).toBe(true));
    it.each(['4111111111111112', '1234567812345678', '0000000000', '0'.repeat(20)])('rejects %s', (n) => expect(luhnValid(n)).toBe(false));
    it('accepts 13 zeros (checksum holds, length in range)', () => expect(luhnValid('0'.repeat(13))).toBe(true));
  });

  describe('iban (mod-97, country length)', () => {
    it.each(['GB82 WEST 1234 5698 7654 32', 'GB82WEST12345698765432', 'DE89 3704 0044 0532 0130 00', 'FR14 2004 1010 0505 0001 3M02 606', 'NL91 ABNA 0417 1643 00', 'NO93 8601 1117 947', 'BE68 5390 0754 7034'])(
      'finds %p inside text',
      (iban) => {
        expect(spans(`pay to ${iban} today`, only('iban'))).toEqual([iban]);
      },
    );

    it.each(['GB82 WEST 1234 5698 7654 33', 'DE89 3704 0044 0532 0130 0', 'XX82 WEST 1234 5698 7654 32', 'GB00 0000 0000 0000 0000 00', 'AB12CD34EF56GH78'])('ignores %p', (text) => {
      expect(kindsIn(text, only('iban'))).toEqual([]);
    });

    it('ibanValid checks the country length and the checksum', () => {
      expect(ibanValid('GB82WEST12345698765432')).toBe(true);
      expect(ibanValid('gb82 west 1234 5698 7654 32')).toBe(true);
      expect(ibanValid('GB82WEST1234569876543')).toBe(false);
      expect(ibanValid('GB83WEST12345698765432')).toBe(false);
    });
  });

  describe('ssn (area, group, serial)', () => {
    it.each(['123-45-6789', '001-01-0001', '899-99-9999', '612 73 4859'])('finds %p', (ssn) => {
      expect(spans(`ssn ${ssn} on file`, only('ssn'))).toEqual([ssn]);
    });
    it.each(['000-12-3456', '666-12-3456', '900-12-3456', '987-65-4321', '123-00-4567', '123-45-0000', '123-45 6789', '1234-56-789'])('ignores %p', (ssn) => {
      expect(kindsIn(`id ${ssn} x`, only('ssn'))).toEqual([]);
    });
    it.each(['123-45-6789', '001-01-0001'])('ssnValid accepts %s', (ssn) => expect(ssnValid(ssn)).toBe(true));
    it.each(['000-12-3456', '666-12-3456', '900-12-3456', '123456789', '123-45'])('ssnValid rejects %s', (ssn) => expect(ssnValid(ssn)).toBe(false));
  });

  describe('ip', () => {
    it.each(['192.168.100.200', '203.0.113.7', '8.8.8.8', '255.255.255.255', '2001:db8::8a2e:370:7334', '2001:0db8:85a3:0000:0000:8a2e:0370:7334', 'fe80::1ff:fe23:4567:890a', '::ffff:127.0.0.1', '::1'])(
      'finds %p inside text',
      (ip) => {
        expect(spans(`from ${ip} at noon`, only('ip'))).toEqual([ip]);
      },
    );
    it.each(['256.1.1.1', '1.2.3', '01.2.3.4', 'version 1.2.3.4', '1.2.3.4.5', '12:30:00', '00:1a:2b:3c:4d:5e', 'std::map', 'a::b::c'])('ignores %p', (text) => {
      expect(kindsIn(`x ${text} y`, only('ip'))).toEqual([]);
    });
  });

  describe('jwt, bearer tokens, API keys, credentials in URLs', () => {
    const jwt = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U';

    it('finds a JWT', () => {
      expect(scrubText(`token ${jwt} end`)).toBe('token [REDACTED:jwt] end');
    });

    it('replaces only the token after Bearer', () => {
      expect(scrubText('Authorization: Bearer abcdefgh12345678')).toBe('Authorization: Bearer [REDACTED:bearer-token]');
      expect(scrubText('bearer x')).toBe('bearer x'); // too short to be a token
    });

    it.each([
      'sk_live_4eC39HqLyjWDarjtT1zdp7dc',
      'sk_test_4eC39HqLyjWDarjtT1zdp7dc',
      'rk_live_51H8abcdefGHIJKL',
      'AKIAIOSFODNN7EXAMPLE',
      `ghp_${'a1B2'.repeat(9)}`,
      `github_pat_${'A'.repeat(22)}_${'b'.repeat(59)}`,
      'xoxb-123456789012-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx',
      'glpat-abcdefghij0123456789',
      `AIza${'S'.repeat(35)}`,
      `npm_${'x'.repeat(36)}`,
    ])('finds the API key %p', (key) => {
      expect(spans(`key=${key};`, only('api-key'))).toEqual([key]);
    });

    it.each(['sk_live_short', 'AKIA1234', 'ghp_tooShort', 'xoxb', 'skip_live_value'])('ignores %p', (text) => {
      expect(kindsIn(`k ${text} k`, only('api-key'))).toEqual([]);
    });

    it('replaces only the user-info of a URL, wherever the URL is', () => {
      expect(scrubText('connect postgres://admin:s3cr3t@db.example.com:5432/app now')).toBe('connect postgres://[REDACTED:url-credentials]@db.example.com:5432/app now');
      expect(scrubText('https://user:p%40ss@host/x')).toBe('https://[REDACTED:url-credentials]@host/x');
      expect(scrubText('https://host.example/path?a=1')).toBe('https://host.example/path?a=1');
    });
  });

  describe('date of birth by context', () => {
    it.each([
      ['born 1931-07-19', 'born [REDACTED:date-of-birth]'],
      ['Born on 19/07/1931.', 'Born on [REDACTED:date-of-birth].'],
      ['DOB: 07-19-1931', 'DOB: [REDACTED:date-of-birth]'],
      ['date of birth July 19, 1931', 'date of birth [REDACTED:date-of-birth]'],
      ['birthday 19th July 1931', 'birthday [REDACTED:date-of-birth]'],
    ])('replaces the date in %p', (text, expected) => {
      expect(scrubText(text)).toBe(expected);
    });

    it('leaves dates without a birth context alone', () => {
      expect(scrubText('admitted 1931-07-19, discharged 19/08/1931')).toBe('admitted 1931-07-19, discharged 19/08/1931');
    });

    it.each(['1931-07-19', '19/07/1931', 'July 19, 1931', '19 July 1931', '1931-07-19T00:00:00.000Z'])('isDateLike accepts %p', (text) => {
      expect(isDateLike(text)).toBe(true);
    });
    it.each(['Paris', '1931', 'born in 1931', 'a 1931-07-19 b'])('isDateLike rejects %p', (text) => expect(isDateLike(text)).toBe(false));
  });

  describe('scrubText', () => {
    it('returns the very same string when nothing matches', () => {
      const text = 'GET /patients/42 took 12 ms';
      expect(scrubText(text)).toBe(text);
    });

    it('finds PII inside longer text and replaces only the spans, every kind, every occurrence', () => {
      expect(scrubText('call me at +44 20 7946 0958 or a@b.io, card 4111 1111 1111 1111; c@d.io from 203.0.113.7')).toBe(
        'call me at [REDACTED:phone] or [REDACTED:email], card [REDACTED:card]; [REDACTED:email] from [REDACTED:ip]',
      );
    });

    it('merges overlapping matches so no half of a value survives', () => {
      const set = new DetectorSet([
        { kind: 'a', pattern: /abc/g },
        { kind: 'b', pattern: /bcd/g },
      ]);
      expect(set.find('xabcdx')).toEqual([{ kind: 'a', start: 1, end: 5, detector: 0 }]);
      expect(scrubText('xabcdx', set)).toBe('x[REDACTED:a]x');
    });

    it('is not affected by a previous call leaving a global regex mid-way', () => {
      const emailDetector = BUILT_IN_DETECTORS.find((detector) => detector.kind === 'email') as PiiDetector;
      emailDetector.pattern.lastIndex = 5;
      expect(scrubText('x@y.io')).toBe('[REDACTED:email]');
      expect(scrubText('x@y.io')).toBe('[REDACTED:email]');
    });

    it('uses the given detectors only, and makes a non-global custom pattern global', () => {
      const onlyEmail = DEFAULT_DETECTORS.filter((detector) => detector.kind === 'email');
      expect(scrubText('a@b.io 4111111111111111', onlyEmail)).toBe('[REDACTED:email] 4111111111111111');
      expect(scrubText('PT-12345678 and PT-87654321', [{ kind: 'patient-number', pattern: /PT-\d{8}/ }])).toBe('[REDACTED:patient-number] and [REDACTED:patient-number]');
    });

    it('treats a throwing validator as "not PII" and keeps scanning', () => {
      const set = new DetectorSet([{ kind: 'x', pattern: /x\d/g, validate: (match) => { if (match === 'x1') throw new Error('boom'); return true; } }]);
      expect(scrubText('x1 x2', set)).toBe('x1 [REDACTED:x]');
    });

    it('does not throw on lone surrogates and keeps them', () => {
      const text = 'broken \ud800 text \udfff a@b.io';
      expect(() => scrubText(text)).not.toThrow();
      expect(scrubText(text)).toBe('broken \ud800 text \udfff [REDACTED:email]');
    });

    it('stays linear on long hostile runs (each pattern can only start on a boundary)', () => {
      const runs = ['a'.repeat(50_000), '1 '.repeat(25_000), `${'a.'.repeat(25_000)}@`, `${':'.repeat(50_000)}`, `x${'-1'.repeat(25_000)}`];
      for (const run of runs) expect(() => scrubText(run)).not.toThrow();
    });
  });
});

describe('UUIDs are identifiers, not PII', () => {
  // Each of these made the phone detector fire before: a hex group that happens to be all digits.
  it.each([
    '00470707-baac-4e8f-94f8-b904015a19fd',
    '41eaf9cc-0500-4280-8096-1b7de6ca87ea',
    '53eea780-0775-4398-9430-d64bfbd92020',
    '4d947612-0616-4156-9451-f88f4bb96b7a',
    '12345678-1234-4123-8123-123456789012',
  ])('%s stays as it is, alone and inside text', (uuid) => {
    expect(scrubText(uuid)).toBe(uuid);
    expect(scrubText(`patient ${uuid} read`)).toBe(`patient ${uuid} read`);
  });

  it('still finds PII next to a UUID', () => {
    expect(scrubText('00470707-baac-4e8f-94f8-b904015a19fd called +44 20 7946 0958')).toBe(
      '00470707-baac-4e8f-94f8-b904015a19fd called [REDACTED:phone]',
    );
  });

  it('leaves every one of 20 000 random UUIDs untouched', () => {
    const changed: string[] = [];
    for (let i = 0; i < 20_000; i += 1) {
      const uuid = randomUUID();
      if (scrubText(uuid) !== uuid) changed.push(uuid);
    }
    expect(changed).toEqual([]);
  });
});
