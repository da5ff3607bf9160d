import fc from 'fast-check';
import { scanCandidates } from './detector-candidates';
import { BUILT_IN_DETECTORS, cardMatchEnd, cardValidCodes, emailDomainEnd, phonePlusEnd, textUnits } from './detectors';

/**
 * The hand-written matchers that stand in for a built-in expression on the candidate paths must end
 * where the expression (sticky, at the same place) ends, or fail where it fails, on any text: the
 * expression itself is the oracle. Texts are built from the characters each expression tells apart
 * (label and local-part characters, dots, separators, word characters that break `\b`, units above
 * U+00FF) and from runs at the lengths its quantifiers stop at.
 */

const EMAIL = new RegExp(BUILT_IN_DETECTORS[4].pattern.source, 'y');
/** The e-mail expression's domain part alone (what follows the `@`). */
const EMAIL_DOMAIN = /[A-Za-z0-9-]{1,63}(?:\.[A-Za-z0-9-]{1,63}){0,8}\.[A-Za-z]{2,24}\b/y;
const CARD = new RegExp(BUILT_IN_DETECTORS[6].pattern.source, 'y');
const PHONE = new RegExp(BUILT_IN_DETECTORS[8].pattern.source, 'y');

function stickyEnd(pattern: RegExp, text: string, at: number): number {
  pattern.lastIndex = at;
  return pattern.test(text) ? pattern.lastIndex : -1;
}

/** Every unit of `text`, then zeros (as regionUnits pads: no digit, no word character, no separator). */
function unitsOf(text: string): Uint16Array {
  const units = new Uint16Array(text.length + 8);
  for (let i = 0; i < text.length; i += 1) units[i] = text.charCodeAt(i);
  return units;
}

const EMAIL_PIECES = [
  '@', '.', '..', '-', '_', 'a', 'Z', 'q', 'co', 'uk', 'example', 'mail-host', '0', '42', 'x1', ' ', ',', ':', '/', '%', '+', '\n', 'é', 'Ł', 'İ', '\u0140', '☃',
  'a'.repeat(63), 'b'.repeat(64), 'c'.repeat(24), 'd'.repeat(25), 'E'.repeat(23), '.ab', '.abc.', '.a.b.c.d.e.f.g.h.ij', '.a.b.c.d.e.f.g.h.i.jk', 'x.y.z.w.v.u.t.s.r.q.p',
  'jane.doe@example.com', 'a@b.io', 'x@y.z1', 'u@h.ex-ample', 'u@h.ex_ample', 'u@h.EXAMPLE9', 'u@-.co', 'u@a..co', 'margot.q@family-mail.example',
];
const emailTextArb = fc
  .array(fc.oneof({ weight: 5, arbitrary: fc.constantFrom(...EMAIL_PIECES) }, { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 3 }) }), { maxLength: 24 })
  .map((parts) => parts.join(''));

const CARD_PIECES = ['0', '1', '4', '9', '4111', '1111', '4111 1111 1111 1111', '4539-7712-0394-8821', '1234567890123456789012', ' ', '-', '  ', '--', ' -', '.', '+', '(', ')', 'x', '_', 'A', 'é', 'İ', '\u0120', '\u012d', ','];
const cardTextArb = fc
  .array(fc.oneof({ weight: 6, arbitrary: fc.constantFrom(...CARD_PIECES) }, { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 2 }) }), { maxLength: 30 })
  .map((parts) => parts.join(''));

describe('emailDomainEnd', () => {
  it('ends where the domain part of the e-mail expression ends after every `@` (or fails with it)', () => {
    fc.assert(
      fc.property(emailTextArb, (text) => {
        // The text's own units, and what the candidate path reads: textUnits just after the scan
        // (Latin-1 bytes and sentinels, or a copy of the units when one is above U+00FF).
        scanCandidates(text);
        const scannedUnits = textUnits(text);
        for (let at = text.indexOf('@'); at !== -1; at = text.indexOf('@', at + 1)) {
          const expected = stickyEnd(EMAIL_DOMAIN, text, at + 1);
          expect(emailDomainEnd(unitsOf(text), at)).toBe(expected);
          expect(emailDomainEnd(scannedUnits, at)).toBe(expected);
        }
      }),
      { numRuns: 3000 },
    );
  });

  it('with the local part the candidate path takes, ends where the whole expression does', () => {
    const isLocal = (c: number): boolean => /[A-Za-z0-9._%+-]/.test(String.fromCharCode(c));
    fc.assert(
      fc.property(emailTextArb, (text) => {
        for (let at = text.indexOf('@'); at !== -1; at = text.indexOf('@', at + 1)) {
          let start = at;
          while (start > 0 && isLocal(text.charCodeAt(start - 1))) start -= 1;
          if (start === at || at - start > 64) continue;
          expect(emailDomainEnd(unitsOf(text), at)).toBe(stickyEnd(EMAIL, text, start));
        }
      }),
      { numRuns: 2000 },
    );
  });

  it('takes labels of 63 characters and top-level parts of 24 letters, not one more, and 9 dots at most', () => {
    const cases = [
      `u@${'a'.repeat(63)}.com`, `u@${'a'.repeat(64)}.com`, `u@x.${'c'.repeat(24)}`, `u@x.${'c'.repeat(25)}`, 'u@a.b.c.d.e.f.g.h.i.jk', 'u@a.b.c.d.e.f.g.h.i.j.kl', 'u@a.b.c.d.e.f.g.h.ij.k',
      'u@x.ab_', 'u@x.ab9', 'u@x.ab-c', 'u@x.ab.9', 'u@x.a', 'u@.ab', 'u@x..ab',
    ];
    for (const text of cases) expect([text, emailDomainEnd(unitsOf(text), 1)]).toEqual([text, stickyEnd(EMAIL_DOMAIN, text, 2)]);
  });
});

/**
 * The card path before cardMatchEnd (the oracle its spec compares with, itself checked against the
 * expression below): where the card expression `\b(?:\d[ -]?){12,18}\d\b`, tried (sticky) at the digit at
 * `start` that follows a non-word character, ends (-1: no match), read from `codes` (see
 * textUnits). From `start` the digits are chained: each next one directly after the last or
 * after one `[ -]`; any other way of taking the separators leaves a `\d` facing a separator. The
 * greedy loop tries the most digits first (up to 19), then fewer, and stops at the first count whose
 * last digit is followed by a non-word character (a separator, or what ends the chain). Property-tested
 * against the expression at every digit of random texts.
 */
function cardEndCodes(codes: Uint8Array | Uint16Array, start: number): number {
  // The end after each chained digit (digit 13 on), in order; 19 at most.
  const ends = new Int32Array(7);
  let count = 1;
  let pos = start;
  for (;;) {
    const next = codes[pos + 1] as number;
    if (next >= 48 && next <= 57) pos += 1;
    else if ((next === 32 || next === 45) && isDigitCode(codes[pos + 2] as number)) pos += 2;
    else break;
    count += 1;
    if (count >= 13) ends[count - 13] = pos + 1;
    if (count === 19) break;
  }
  for (let k = count; k >= 13; k -= 1) {
    const end = ends[k - 13] as number;
    if (!/\w/.test(String.fromCharCode(codes[end] as number))) return end;
  }
  return -1;
}


function isDigitCode(code: number): boolean {
  return code >= 48 && code <= 57;
}

describe('cardEndCodes', () => {
  it('ends where the card expression ends at every digit after a non-word character (or fails with it)', () => {
    fc.assert(
      fc.property(cardTextArb, (text) => {
        const units = unitsOf(text);
        for (let p = 0; p < text.length; p += 1) {
          const c = text.charCodeAt(p);
          if (c < 48 || c > 57 || (p > 0 && /\w/.test(text[p - 1] as string))) continue;
          expect([text, p, cardEndCodes(units, p)]).toEqual([text, p, stickyEnd(CARD, text, p)]);
        }
      }),
      { numRuns: 3000 },
    );
  });
});

describe('cardMatchEnd', () => {
  /** What the card path asked before: the expression's end (cardEndCodes), then the checks (cardValidCodes). */
  const reference = (units: Uint8Array | Uint16Array, p: number): number => {
    const end = cardEndCodes(units, p);
    return end >= 0 && cardValidCodes(units, p, end) ? end : -1;
  };
  /** Luhn-valid numbers of 12–20 digits, grouped by spaces or hyphens or not at all, some starting with 0. */
  const LUHN_PIECES = ['4111111111111111', '4111 1111 1111 1111', '4539-7712-0394-8821', '0000000000000', '79927398713', '3782 822463 10005', '6011000990139424', '4222222222222', '4111111111111111111', '41111111111111111111', '0411 1111 1111 1111'];
  const luhnTextArb = fc
    .array(fc.oneof({ weight: 3, arbitrary: fc.constantFrom(...LUHN_PIECES) }, { weight: 5, arbitrary: fc.constantFrom(...CARD_PIECES) }, { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 2 }) }), { maxLength: 20 })
    .map((parts) => parts.join(''));

  it('is cardEndCodes when cardValidCodes holds on its span, else -1, at every digit (Latin-1 bytes and exact units)', () => {
    let valid = 0;
    fc.assert(
      fc.property(fc.oneof(cardTextArb, luhnTextArb), (text) => {
        const units = unitsOf(text);
        scanCandidates(text);
        const scannedUnits = textUnits(text);
        for (let p = 0; p < text.length; p += 1) {
          const c = text.charCodeAt(p);
          if (c < 48 || c > 57) continue;
          const expected = reference(units, p);
          if (expected >= 0) valid += 1;
          expect([text, p, cardMatchEnd(units, p)]).toEqual([text, p, expected]);
          expect([text, p, cardMatchEnd(scannedUnits, p)]).toEqual([text, p, reference(scannedUnits, p)]);
        }
      }),
      { numRuns: 2000 },
    );
    // The random texts hold valid cards of several lengths, not only rejections.
    expect(valid).toBeGreaterThan(500);
  });

  it('agrees on every count from 13 to 19 digits and every last digit', () => {
    for (let n = 11; n <= 21; n += 1) {
      for (let last = 0; last <= 9; last += 1) {
        for (const sep of ['', ' ', '-']) {
          const digits = `4${'1234567890'.repeat(3)}`.slice(0, n - 1) + String(last);
          const text = `x ${digits.replace(/(\d{4})(?=\d)/g, `$1${sep}`)} y`;
          const units = unitsOf(text);
          expect([text, cardMatchEnd(units, 2)]).toEqual([text, reference(units, 2)]);
        }
      }
    }
  });
});

describe('phonePlusEnd', () => {
  /**
   * Pieces of international numbers: country codes of 1–4 digits, area codes in parentheses (of 0–5
   * digits, unclosed), groups of every length around the 5 a chunk takes, the separators and their
   * doubles, word characters and units above U+00FF that break or keep `\b`.
   */
  const PHONE_PIECES = [
    '+', '+', '+44', '+1', '+353', '+1234', '(', ')', '(0)', '(20)', '(555)', '(1234)', '(12345)', '()', ' (', '-(', '.(',
    '0', '7', '12', '123', '1234', '12345', '123456', '1234567890', '20 7946 0958', '555-013-8842', '6 12 34 56 78', '1 2 3 4 5 6 7',
    ' ', '.', '-', '  ', '- ', '..', 'x', '_', 'A', ',', ':', '/', 'é', 'İ', '\u0120', '\u012d', '+44 20 7946 0958', '+1 (555) 013-8842', '+44(0)20 7946 0958',
  ];
  const phoneTextArb = fc
    .array(fc.oneof({ weight: 8, arbitrary: fc.constantFrom(...PHONE_PIECES) }, { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 2 }) }), { maxLength: 24 })
    .map((parts) => parts.join(''));

  it('ends where the phone expression ends at every `+` (or fails with it), on Latin-1 bytes and exact units', () => {
    let matched = 0;
    let areaCodes = 0;
    fc.assert(
      fc.property(phoneTextArb, (text) => {
        scanCandidates(text);
        const scannedUnits = textUnits(text);
        const units = unitsOf(text);
        for (let p = text.indexOf('+'); p !== -1; p = text.indexOf('+', p + 1)) {
          const expected = stickyEnd(PHONE, text, p);
          if (expected >= 0) {
            matched += 1;
            if (text.slice(p, expected).includes(')')) areaCodes += 1;
          }
          expect([text, p, phonePlusEnd(units, p)]).toEqual([text, p, expected]);
          expect([text, p, phonePlusEnd(scannedUnits, p)]).toEqual([text, p, expected]);
        }
      }),
      { numRuns: 5000 },
    );
    // The random texts hold matches, with and without an area code, not only failures.
    expect(matched).toBeGreaterThan(1500);
    expect(areaCodes).toBeGreaterThan(400);
  });

  it('agrees at the limits: 1–4 country digits, area codes of 0–5 digits, 1–7 chunks, groups of 5 and 6 digits, a word character after', () => {
    const cases = [
      '+1 2', '+12', '+123', '+1234', '+12 34', '+1234 5', '+1 (2) 3', '+1(2)3 4', '+1 (12345) 6 7', '+1 () 2 3', '+1 (2 3 4',
      '+1 2 3 4 5 6', '+1 2 3 4 5 6 7', '+1 2 3 4 5 6 7 8', '+1 12345 12345', '+1 123456', '+1 12345678901234567890123456789012', '+1 2 3x', '+1 2 3_', '+1 2 3.x', '+1 2 3é',
      '+44 20 7946 0958', '+1 (555) 013-8842', '+44(0)20 7946 0958', '+1 2  3', '+1 2--3', '+1--2 3',
    ];
    for (const text of cases) expect([text, phonePlusEnd(unitsOf(text), 0)]).toEqual([text, stickyEnd(PHONE, text, 0)]);
  });
});
