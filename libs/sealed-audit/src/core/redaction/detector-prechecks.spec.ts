import fc from 'fast-check';
import { BUILT_IN_DETECTORS, DetectorSet, QUICK_CLEAN, QUICK_LIMIT, QUICK_SURROGATE, QUICK_TRIGGER, quickVerdict, type PiiDetector, type PiiMatch } from './detectors';
import { ISO_TIMESTAMP, Redactor } from './redactor';

/**
 * The pre-checks and candidate paths of DetectorSet.find (the one-pass scan over the text's Latin-1
 * bytes, feature bits, digit regions, IBAN starts, the e-mail local part before each `@`, IPv6
 * colons, `needs`, `minDigits`, the minimum length, the hyphen-driven UUID filter) only skip work:
 * on any text, `find` must return exactly what running every detector's expression over the whole
 * text returns. This reference does that, with nothing skipped.
 */
function everyDetectorEverywhere(text: string, detectors: readonly PiiDetector[]): PiiMatch[] | null {
  const found: PiiMatch[] = [];
  detectors.forEach((detector, d) => {
    const flags = `${detector.pattern.flags.replace(/[gyd]/g, '')}gd`;
    const pattern = new RegExp(detector.pattern.source, flags);
    for (let match = pattern.exec(text); match !== null; match = pattern.exec(text)) {
      const whole = match[0];
      if (whole.length === 0) {
        pattern.lastIndex += 1;
        continue;
      }
      let valid: boolean;
      try {
        valid = !detector.validate || detector.validate(whole, text, match.index);
      } catch {
        valid = false;
      }
      if (!valid) {
        pattern.lastIndex = match.index + 1;
        continue;
      }
      let start = match.index;
      let end = start + whole.length;
      if (detector.group !== undefined) {
        const span = match.indices?.[detector.group];
        if (!span || span[1] <= span[0]) continue;
        [start, end] = span;
      }
      found.push({ kind: detector.kind, start, end, detector: d });
    }
  });
  // UUIDs, found by scanning the whole text.
  const uuid = /\b[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}\b/g;
  const uuids: Array<[number, number]> = [];
  for (let m = uuid.exec(text); m !== null; m = uuid.exec(text)) uuids.push([m.index, m.index + m[0].length]);
  const kept = found.filter((m) => !uuids.some(([s, e]) => m.start < e && m.end > s));
  if (kept.length === 0) return null;
  kept.sort((a, b) => a.start - b.start || a.detector - b.detector);
  const merged: PiiMatch[] = [];
  for (const match of kept) {
    const last = merged[merged.length - 1];
    if (last && match.start < last.end) last.end = Math.max(last.end, match.end);
    else merged.push({ ...match });
  }
  return merged;
}

/** Pieces that trigger (or nearly trigger) every detector, look-alikes, and the characters pre-checks look for. */
const PIECES = [
  'jane.doe@example.com', 'a@b.io', '@', 'x@', '@y.zz', 'user:pw@', 'https://svc:s3cret@db.internal/x', '//u:p@h', '://', '//', ':', '::', '::1', '1::', 'fe80::1', '2001:db8::8a2e:370:7334',
  '+44 20 7946 0958', '+1 (555) 013-8842', '(555) 013-8842', '555-013-8842', '020 7946 0958', '0044 20 7946 0958', '06 12 34 56 78',
  '4111 1111 1111 1111', '4111111111111111', '4539-7712-0394-8821', '612-73-4859', '612 73 4859', '666-12-3456',
  'GB82 WEST 1234 5698 7654 32', 'GB82WEST12345698765432', 'DE89370400440532013000', 'NL91ABNA0417164300', 'MT84MALT011000012345MTLCAST001S',
  '203.0.113.7', '10.0.0.1', 'version 1.2.3.4', '1.2.3.4.5', '256.1.1.1',
  'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.abcdefg', 'eyJ', 'ey', 'J', 'Bearer abcdefgh12345678', 'bearer', 'earer', 'rer',
  'sk_live_abcdefghij1234', 'AKIAABCDEFGHIJKLMNOP', 'ghp_' + 'a'.repeat(36), 'xoxb-1234567890-abc', 'glpat-' + 'a'.repeat(20), 'AIza' + 'b'.repeat(35), 'npm_' + 'c'.repeat(36),
  'born 1931-07-19', 'DOB: 19/07/1931', 'date of birth 3rd March 1931', 'birthday March 3, 1931', 'geboren am 19.07.1931', 'née le 19/07/1931',
  '2025-01-02T03:04:05.678Z', '12:30:00', '00470707-baac-4e8f-94f8-b904015a19fd', '12345678-1234-4123-8123-123456789012', '20250102-0117', 'ORD-20250102-0001',
  ' ', ' ', '\n', '-', '.', '/', '+', '(', ')', '_', '0', '1', '7', '42', '1234', 'A', 'Z', 'e', 'f', 'é', '☃', '𝄞', '\ud83d', 'ĺ//', 'Ÿ',
  'Patient reports headaches', 'receipt number', 'the', 'at',
  // Birth keywords in any case and spacing, and their look-alikes.
  'BORN', 'Born on ', 'DoB', 'D.O.B.', 'd.o.b', 'Date  of\tBirth', 'BIRTHDATE', 'b-Day', 'BDAY', 'Geboren AM', 'NÉE LE', 'ne\u00a0le', 'nee  le', 'né le', 'ne', 'le', 'b', 'B', 'ob', 'd.o.',
  ' 3rd March 1931', ' March 3rd, 1931', ' 19.07.31', ' 1931-7-9', 'Sept. 3 1931', ':', ' - ',
  // API-key prefixes and near misses.
  'sk_test_', 'rk_live_0123456789', 'ASIA', 'AKIA', 'AIza', 'xoxp-', 'xox', 'glpat-', 'lpat-', 'github_pat_', 'gho_', 'npm_', '_',
  // Region edges: separators, digits glued to words, long digit runs, phone starts.
  '(', '+', '00', '0', '+31 6 123 45', '0031 6 123', '(020) 7946 0958', '+44(0)20 7946 0958', '555.013.8842', '0612345678', '1234567890123456789012', '4111-1111-1111-1111', '378282246310005', '6011 0009 9013 9424',
  'x4111111111111111', '4111111111111111x', '_4111111111111111', '123-45-6789', '078 05 1120', '1.2.3.4', '01.2.3.4', '255.255.255.255', '9.9.9.9.',
  // IBAN edges: capitals glued to words, spaced groups, lowercase.
  'XGB82WEST12345698765432', 'gb82west12345698765432', 'GB82 WEST 1234 5698 7654 3', 'FR1420041010050500013M02606', 'GB', 'DE', '89',
  // IPv6 edges.
  'a::1', 'abcd:ef01::2', 'g::1', '::ffff:192.0.2.1', 'fe80::1%eth0', '12:34:56', '1:2:3:4:5:6:7:8', 'beef:', ':beef',
  // E-mail edges: long local parts, user-info, dots.
  'a'.repeat(64) + '@example.com', 'a'.repeat(65) + '@example.com', 'x.y+z@sub.example.co.uk', '.@a.bc', 'a@@b.cc', 'a@b.cc@d.ee',
  // Non-ASCII units whose low byte looks like an ASCII trigger (the scan reads Latin-1 bytes): Ŀŀ (?, @), İ (0), ĺ (:), į (/), Ţ (b), Ŭ (l), Ġ ( ), ī (+), ĭ (-), Į (.), ō (o), ň (n), ū (_).
  'Ŀ', 'ŀ', 'İ', 'ĺ', 'į', 'Ţ', 'Ŭ', 'Ġ', 'ī', 'ĭ', 'Į', 'ō', 'ň', 'ū', 'İİİİİİİİİİİİİ', '4111İ1111', 'x\u0140y.io',
];

const textArb = fc.array(fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...PIECES) }, { weight: 1, arbitrary: fc.string({ unit: 'binary-ascii', maxLength: 6 }) }), { maxLength: 14 }).map((parts) => parts.join(''));

/** Digits, separators and trigger characters only: dense regions, adjacent matches, edges. */
const denseArb = fc
  .array(fc.constantFrom(...'0123456789012345678901234567890123456789  .-()+/:@_ABGDEbaefx,İĭ'), { maxLength: 48 })
  .map((chars) => chars.join(''));

/**
 * Digit regions glued to units above U+00FF whose low byte is a region or word character (U+0100 +
 * the byte: `İ` for `0`, `Ġ` for a space, `Ī` for `*`, `ŀ` for `@`, `Ł` for `A`, `ş` for `_` …), with and
 * without such a unit (the region loop reads the scan's bytes only in texts that have none).
 */
const LOOK_ALIKES = [...'0123456789 ()+.-/Ax_@'].map((c) => String.fromCharCode(0x100 + c.charCodeAt(0)));
const wideDenseArb = fc
  .tuple(
    fc.array(fc.oneof({ weight: 6, arbitrary: fc.constantFrom(...'0123456789012345678901234567890123456789  .-()+/:@_Axé') }, { weight: 1, arbitrary: fc.constantFrom(...LOOK_ALIKES) }), { maxLength: 48 }),
    fc.constantFrom('', ...LOOK_ALIKES),
  )
  .map(([chars, tail]) => chars.join('') + tail);

/** Long texts: PII of every kind in prose, joined with varied separators (texts of hundreds of characters). */
const proseArb = fc
  .array(fc.tuple(fc.constantFrom(...PIECES), fc.constantFrom(' ', ', ', '. ', '\n', '', ' at ', ': ', ' (', ') ', '/', '-', ' on ')), { minLength: 20, maxLength: 60 })
  .map((parts) => parts.map(([piece, separator]) => piece + separator).join(''));

describe('DetectorSet pre-checks', () => {
  const detectors = BUILT_IN_DETECTORS as readonly PiiDetector[];
  const set = new DetectorSet(detectors);

  it('never change what the built-in detectors find (generated texts of PII, look-alikes and trigger characters)', () => {
    fc.assert(
      fc.property(textArb, (text) => {
        expect(set.find(text)).toEqual(everyDetectorEverywhere(text, detectors));
      }),
      { numRuns: 5000, seed: 20250105 },
    );
  });

  it('never change what each detector alone finds', () => {
    const singles = detectors.map((detector) => [detector, new DetectorSet([detector])] as const);
    fc.assert(
      fc.property(textArb, (text) => {
        for (const [detector, single] of singles) expect(single.find(text)).toEqual(everyDetectorEverywhere(text, [detector]));
      }),
      { numRuns: 1500, seed: 20250106 },
    );
  });

  it('never change what the built-in detectors find in dense digit and separator runs', () => {
    fc.assert(
      fc.property(denseArb, (text) => {
        expect(set.find(text)).toEqual(everyDetectorEverywhere(text, detectors));
      }),
      { numRuns: 5000, seed: 20250108 },
    );
  });

  it('never change what the built-in detectors find in digit runs next to units above U+00FF that look like digits, separators or letters in their low byte', () => {
    fc.assert(
      fc.property(wideDenseArb, (text) => {
        expect(set.find(text)).toEqual(everyDetectorEverywhere(text, detectors));
      }),
      { numRuns: 8000, seed: 20261129 },
    );
  });

  it('never change what the built-in detectors find in long prose', () => {
    fc.assert(
      fc.property(proseArb, (text) => {
        expect(set.find(text)).toEqual(everyDetectorEverywhere(text, detectors));
      }),
      { numRuns: 1500, seed: 20250109 },
    );
  });

  it('never change what pairs of detectors find (each candidate path next to every other)', () => {
    const pairs = detectors.flatMap((a, i) => detectors.slice(i + 1).map((b) => [[a, b], new DetectorSet([b, a])] as const));
    fc.assert(
      fc.property(proseArb, (text) => {
        for (const [pair, subset] of pairs) expect(subset.find(text)).toEqual(everyDetectorEverywhere(text, [pair[1], pair[0]]));
      }),
      { numRuns: 60, seed: 20250110 },
    );
  });

  it('never change the result on arbitrary unicode text', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 60 }), (text) => {
        expect(set.find(text)).toEqual(everyDetectorEverywhere(text, detectors));
      }),
      { numRuns: 2000, seed: 20250107 },
    );
  });

  it('stay exact with custom detectors next to the built-ins, even one whose validator calls find() again', () => {
    const inner = new DetectorSet(detectors);
    const custom: PiiDetector = {
      kind: 'ward',
      pattern: /\bW-\d{2,4}\b/g,
      // Runs the same kind of scan on another text in the middle of find(): the built-ins' candidates must already be used.
      validate: (match) => inner.find(`call 4111 1111 1111 1111 or ${match}@x.io`) !== null,
      needs: 'W-',
    };
    const mixed = [custom, ...detectors, { kind: 'order', pattern: /ORD-\d{8}/, minDigits: 8 }];
    const withCustom = new DetectorSet(mixed);
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...PIECES, 'W-12', 'W-1234', 'ORD-20250102', 'xW-99'), { maxLength: 16 }).map((parts) => parts.join(' ')), (text) => {
        expect(withCustom.find(text)).toEqual(everyDetectorEverywhere(text, mixed));
      }),
      { numRuns: 1500, seed: 20250111 },
    );
  });

  it('read texts longer than the scan buffer whole', () => {
    const long = `${'word '.repeat(2000)}call +44 20 7946 0958 or jane.doe@example.com ${'x'.repeat(5000)} 4111 1111 1111 1111`;
    expect(set.find(long)).toEqual(everyDetectorEverywhere(long, detectors));
    expect(set.find(long)?.map((m) => m.kind)).toEqual(['phone', 'email', 'card']);
  });

  it('find the shortest changeable texts (`::1`, `//a:@`) and scheme-relative URL credentials', () => {
    expect(set.find('::1')).toEqual([{ kind: 'ip', start: 0, end: 3, detector: 10 }]);
    expect(set.find('//a:@')).toEqual([{ kind: 'url-credentials', start: 2, end: 4, detector: 0 }]);
    expect(set.find('see //svc:s3cret@db.internal/x')?.map((m) => m.kind)).toEqual(['url-credentials']);
  });
});

/** Characters none of which is a quick-check trigger, and near misses of every detector built from them. */
const QUIET = [
  ...'cdefghijklmnopqrstuvwxyzCDEFGHIJKLMNOPQRSTUVWXYZ ,;!?#$%&*=~^|\'"`()+<>[]{}\t\n',
  'Llanwrtyd Wells', 'outpatient', 'neurology', 'earer qwertyuiop', 'eyJxxxxxyyyyyzzz', 'KIQWERTYUIOPLKJHGFD', 'SI', 'Iza', 'sk live qwertyuiop', 'xoxp qwertyuiop',
  'glpat qwertyuiopqwertyuiop', 'orn on March', 'irthday', 'DoJ', 'né le', 'nee le', 'fe ef cd', 'user pw host', 'ghp ' + 'q'.repeat(36), 'npm ' + 'c'.repeat(36),
  // Non-ASCII: look-alikes of triggers (fullwidth digits, Arabic-Indic digits, ＠, ：, ／, ．, Ａ, Ｂ, ｂ), spaces, surrogates.
  '４１１１ １１１１ １１１１ １１１１', '٤١١١١١١١١١١١١١١١', '＠', '：', '／', '．', 'Ａ', 'Ｂ', 'ｂ', 'İ', 'ĭ', 'ı', '\u00a0', '\u2028', '𝄞', '\ud834', '\udd1e', 'é',
];

describe('quickVerdict', () => {
  const detectors = BUILT_IN_DETECTORS as readonly PiiDetector[];
  const quietArb = fc.array(fc.constantFrom(...QUIET), { maxLength: 12 }).map((parts) => parts.join('').slice(0, QUICK_LIMIT));
  /** Ids and labels: quiet pieces with one digit or hyphens, API-key prefixes and near misses, IBANs with two digits. */
  const idArb = fc
    .array(fc.oneof({ weight: 3, arbitrary: fc.constantFrom(...QUIET) }, { weight: 2, arbitrary: fc.constantFrom(...'0123456789-', '-', '--', 'xoxp-', 'xoxb-', 'xox-', 'glpat-', 'lpat-', 'A', 'B', 'b', 'DE64', 'QWER', 'TYUI', 'OPCD', 'EFGH', 'IJ', 'DE64QWERTYUIOPCDEFGHIJ') }), { maxLength: 10 })
    .map((parts) => parts.join('').slice(0, QUICK_LIMIT));
  const anyShortArb = fc.oneof(quietArb, idArb, textArb.map((text) => text.slice(0, QUICK_LIMIT)), denseArb, fc.string({ unit: 'binary', maxLength: QUICK_LIMIT }));

  it('says "no trigger" only for texts in which no built-in detector matches', () => {
    fc.assert(
      fc.property(anyShortArb, (text) => {
        if (quickVerdict(text) !== QUICK_TRIGGER) expect(everyDetectorEverywhere(text, detectors)).toBeNull();
      }),
      { numRuns: 20000, seed: 20261126 },
    );
  });

  it('tells surrogates apart (the text may then need making well-formed) and sees every trigger', () => {
    fc.assert(
      fc.property(quietArb, (text) => {
        expect(quickVerdict(text)).toBe(/[\ud800-\udfff]/.test(text) ? QUICK_SURROGATE : QUICK_CLEAN);
        for (const trigger of ['@', ':', '/', '.', '_', 'AK', 'AS', 'AI', 'Be', 'be', 'xoxp-', 'glpat-', ...[...'0123456789'].map((d) => `${d}7`), '1 x 2']) expect(quickVerdict(text + trigger)).toBe(QUICK_TRIGGER);
        // One digit, hyphens that end no API-key prefix, `A` not before K, S or I and `B`, `b` not before
        // `e` are not triggers (no match holds only them).
        for (const quiet of ['7', '-', '-3', 'clinician-3', 'xox-', 'lpat-', 'Xoxp-', 'gLpat-', 'A', 'B', 'b', 'B4', 'Abbott', 'AB', 'bE', 'Ak', 'BEARER']) {
          expect(quickVerdict(`${text} ${quiet}`)).toBe(quickVerdict(text));
        }
      }),
      { numRuns: 2000, seed: 20261127 },
    );
  });

  it('needs each trigger character: a text whose only trigger is it holds a match', () => {
    const set = new DetectorSet(detectors);
    const witnesses: Array<[string, string]> = [
      ['4111111111111111', 'card'],
      // Two digits are enough for an IBAN (its check digits; the rest may be letters).
      ['DE64QWERTYUIOPCDEFGHIJ', 'iban'],
      ['fe:ef::cd', 'ip'],
      ['eyJxxxxx.yyyyy.zzz', 'jwt'],
      ['sk_live_qwertyuiopa', 'api-key'],
      ['xoxp-qwertyuiopzz', 'api-key'],
      ['AKIAQWERTYUIOPLKJHGF', 'api-key'],
      ['ASIAQWERTYUIOPLKJHGF', 'api-key'],
      [`AIza${'q'.repeat(35)}`, 'api-key'],
      ['Bearer qwertyuiop', 'bearer-token'],
      ['bearer qwertyuiop', 'bearer-token'],
    ];
    for (const [text, kind] of witnesses) {
      expect(quickVerdict(text)).toBe(QUICK_TRIGGER);
      expect(set.find(text)?.map((m) => m.kind)).toEqual([kind]);
    }
  });

  it('lets the redactor give exactly what the full detector path gives, for short and long texts', () => {
    const quick = new Redactor({ hmacKey: 'k' });
    // A custom detector (that never matches) turns the quick check off: the reference path.
    const full = new Redactor({ hmacKey: 'k', customDetectors: [{ kind: 'never', pattern: /(?!)/g }] });
    const value = fc.oneof(anyShortArb, proseArb);
    fc.assert(
      fc.property(fc.dictionary(fc.oneof(quietArb, fc.constantFrom('email', 'born', 'token', 'jane@x.io')), fc.oneof(value, fc.array(value, { maxLength: 3 })), { maxKeys: 5 }), (body) => {
        expect(quick.redact(body)).toEqual(full.redact(body));
        for (const text of Object.values(body).flat()) expect(quick.redactText(text)).toBe(full.redactText(text));
      }),
      { numRuns: 1500, seed: 20261128 },
    );
    expect(new Redactor({ maxStringLength: 5 }).redactText('outpatient')).toBe('outpa[Truncated:5 chars]');
  });
});

describe('ISO 8601 timestamps (the redactor keeps them without running the detectors)', () => {
  const detectors = BUILT_IN_DETECTORS as readonly PiiDetector[];
  const timestamp = fc.stringMatching(ISO_TIMESTAMP);

  it('hold nothing any built-in detector matches, whatever their digits (every expression over the whole text, all together and each alone)', () => {
    fc.assert(
      fc.property(timestamp, (text) => {
        expect(everyDetectorEverywhere(text, detectors)).toBeNull();
        for (const detector of detectors) expect(everyDetectorEverywhere(text, [detector])).toBeNull();
      }),
      { numRuns: 20000, seed: 20261204 },
    );
    // The shape is exact: a timestamp with something more is not one (and is scanned).
    for (const text of ['2025-01-02T03:04:05.678Z', '1931-07-19T00:00:00Z', '2025-01-02T03:04:05+02:00', '2025-01-02T03:04:05.123456-11:30']) expect(ISO_TIMESTAMP.test(text)).toBe(true);
    for (const text of ['2025-01-02T03:04:05.678Z ', '2025-01-02 03:04:05Z', '2025-01-02T03:04:05.678Z\n', '+2025-01-02T03:04:05Z', '2025-01-02T03:04:05.1234567Z', '0000-00-00T00:00:07.0000000+00:00']) expect(ISO_TIMESTAMP.test(text)).toBe(false);
  });

  it('come out of the redactor as the full detector path gives them (kept, or cut to maxStringLength)', () => {
    const quick = new Redactor({ hmacKey: 'k' });
    const full = new Redactor({ hmacKey: 'k', customDetectors: [{ kind: 'never', pattern: /(?!)/g }] });
    const short = new Redactor({ hmacKey: 'k', maxStringLength: 21 });
    const shortFull = new Redactor({ hmacKey: 'k', maxStringLength: 21, customDetectors: [{ kind: 'never', pattern: /(?!)/g }] });
    fc.assert(
      fc.property(timestamp, (text) => {
        expect(quick.redactText(text)).toBe(text);
        expect(full.redactText(text)).toBe(text);
        expect(short.redactText(text)).toBe(shortFull.redactText(text));
      }),
      { numRuns: 3000, seed: 20261205 },
    );
  });
});
