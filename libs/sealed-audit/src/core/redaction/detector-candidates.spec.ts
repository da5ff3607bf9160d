import fc from 'fast-check';
import { F_API, F_AT, F_DOB, F_SLASHES, feature, hyphenFeature, scanCandidates, scanned } from './detector-candidates';
import { cardValidAt, cardValidCodes, phoneValidAt, phoneValidCodes, textUnits } from './detectors';

/**
 * The scan as first written (one loop, a class per byte, a branch per class): the reference for the
 * two tight loops that replaced it. Same bits, digit count, regions and IBAN starts on any text.
 */
function scanByClass(text: string): { bits: number; digits: number; regions: number[]; ibanStarts: number[]; ats: number[]; colons: number[]; uuidHyphens: number } {
  const C_OTHER = 0;
  const C_DIGIT = 1;
  const C_SEP = 2;
  const C_DOT = 3;
  const C_HYPHEN = 4;
  const C_FEATURE = 5;
  const classes = new Uint8Array(256);
  for (let c = 48; c <= 57; c += 1) classes[c] = C_DIGIT;
  for (const c of ' ()+') classes[c.charCodeAt(0)] = C_SEP;
  classes[46] = C_DOT;
  classes[45] = C_HYPHEN;
  for (const c of '/:@_JKSIbBlL') classes[c.charCodeAt(0)] = C_FEATURE;
  const view = Buffer.from(text, 'latin1');
  const regions: number[] = [];
  const ibanStarts: number[] = [];
  const isDigit = (code: number): boolean => code >= 48 && code <= 57;
  const isUpper = (code: number): boolean => code >= 65 && code <= 90;
  const endRegion = (start: number, end: number, count: number): void => {
    if (count >= 4) regions.push(start, end, count);
    if (count >= 2 && start >= 2 && isDigit(text.charCodeAt(start)) && isDigit(text.charCodeAt(start + 1)) && isUpper(text.charCodeAt(start - 1)) && isUpper(text.charCodeAt(start - 2))) ibanStarts.push(start - 2);
  };
  let digits = 0;
  let bits = 0;
  let runStart = 0;
  let runDigits = 0;
  for (let i = 0; i < text.length; i += 1) {
    const c = view[i] as number;
    const k = classes[c] as number;
    if (k === C_OTHER || k === C_FEATURE) {
      if (runDigits !== 0) {
        endRegion(runStart, i, runDigits);
        runDigits = 0;
      }
      if (k === C_FEATURE) bits |= feature(text, i, c, bits);
    } else if (k === C_DIGIT) {
      if (runDigits === 0) {
        runStart = i;
        while (runStart > 0 && [C_SEP, C_DOT, C_HYPHEN].includes(classes[view[runStart - 1] as number] as number)) runStart -= 1;
      }
      digits += 1;
      runDigits += 1;
    } else if (k === C_HYPHEN && i >= 4) {
      bits |= hyphenFeature(text, i);
    }
  }
  if (runDigits !== 0) endRegion(runStart, text.length, runDigits);
  // Positions of the real `@`s and `:`s (what indexOf finds): the e-mail and IPv6 candidates start there.
  const positions = (char: string): number[] => {
    const out: number[] = [];
    for (let at = text.indexOf(char); at !== -1; at = text.indexOf(char, at + 1)) out.push(at);
    return out;
  };
  // Units whose Latin-1 byte is `-` (every real hyphen, and look-alikes such as U+012D) where a UUID's
  // first hyphen can be (its 8 characters before, 28 from it on) with such units 5, 10 and 15 further.
  const hyphen = (i: number): boolean => (text.charCodeAt(i) & 0xff) === 45;
  let uuidHyphens = 0;
  for (let i = 8; i + 28 <= text.length; i += 1) if (hyphen(i) && hyphen(i + 5) && hyphen(i + 10) && hyphen(i + 15)) uuidHyphens += 1;
  return { bits, digits, regions, ibanStarts, ats: positions('@'), colons: positions(':'), uuidHyphens };
}

function scan(text: string): ReturnType<typeof scanByClass> {
  const bits = scanCandidates(text);
  return {
    bits,
    digits: scanned.digits,
    regions: [...scanned.regions.subarray(0, scanned.regionCount * 3)],
    ibanStarts: [...scanned.ibanStarts.subarray(0, scanned.ibanCount)],
    ats: [...scanned.ats.subarray(0, scanned.atCount)],
    colons: [...scanned.colons.subarray(0, scanned.colonCount)],
    uuidHyphens: scanned.uuidHyphens,
  };
}

const PIECES = [
  '4111 1111 1111 1111', '+44 20 7946 0958', '(555) 013-8842', '612-73-4859', 'GB82 WEST 1234 5698 7654 32', 'DE89370400440532013000', '203.0.113.7', 'fe80::1',
  '00470707-baac-4e8f-94f8-b904015a19fd', '12345678-1234-4123-8123-123456789012', 'abcd-', '1234-', '-\u012d',
  'jane@x.io', '//u:p@h', '::1', 'a@b@c', 'ŀ', 'ĺ', ':', '@@', 'eyJ', 'Bearer ', 'bearer', 'born', 'BIRTH', 'b-day', 'd.o.b', 'DoB', 'geboren', 'née le', 'NEE  LE', 'sk_', 'AKIA', 'ASIA', 'AIza', 'xoxb-', 'glpat-',
  ' ', '  ', '.', '-', '(', ')', '+', '/', ':', '@', '_', 'A', 'Z', 'ab', 'x', '0', '7', '12', '1234', '-5', 'İ', 'ĭ', 'Ŀ', 'ĺ', '𝄞', '\ud834', 'é',
];

describe('scanCandidates', () => {
  it('gives what the one-loop scan gave: bits, digit count, regions, IBAN starts', () => {
    const text = fc.oneof(
      fc.array(fc.constantFrom(...PIECES), { maxLength: 30 }).map((parts) => parts.join('')),
      fc.string({ unit: fc.constantFrom(...'0123456789 ()+.-/:@_JKSIbBlLAZaeoxy,İĭ'), maxLength: 60 }),
      // The letters of the pairs the tight loop stops at (l, b and their neighbours), in any order and parity.
      fc.string({ unit: fc.constantFrom(...'lLbBeEoOdDiI-. \t\u00a0\u2000\u205f\u3000nyAJ1'), maxLength: 40 }),
      fc.string({ unit: 'binary', maxLength: 80 }),
    );
    fc.assert(
      fc.property(text, (t) => {
        expect(scan(t)).toEqual(scanByClass(t));
      }),
      { numRuns: 10000, seed: 20261129 },
    );
  });

  it('ends a region and stops at the end of the text, whatever the buffer held before (the sentinel)', () => {
    scanCandidates(`${'9'.repeat(5000)}@`);
    for (const t of ['1234', 'ab 1234', '12 34 ', '@', '', 'x', '0000-', 'jane@x.io 1234 5678']) expect(scan(t)).toEqual(scanByClass(t));
    expect(scan('see jane@x.io //h born')).toEqual({ bits: F_AT | F_SLASHES | F_DOB, digits: 0, regions: [], ibanStarts: [], ats: [8], colons: [], uuidHyphens: 0 });
    // A look-alike byte (U+0140 is 0x40 in Latin-1) may set the bit, never a position.
    expect(scan('x\u0140y:z').ats).toEqual([]);
    expect(scan('x\u0140y:z').colons).toEqual([3]);
    // Many of them: the position arrays grow.
    const many = 'a@b:'.repeat(100);
    expect(scan(many)).toEqual(scanByClass(many));
    expect(scan('sk_ 1234').bits).toBe(F_API);
    // A UUID's first hyphen, in and out of a digit region, at the ends of the room it needs, and a look-alike (U+012D).
    expect(scan('00470707-baac-4e8f-94f8-b904015a19fd').uuidHyphens).toBe(1);
    expect(scan('x 12345678-1234-4123-8123-123456789012 x').uuidHyphens).toBe(1);
    expect(scan('0047070-baac-4e8f-94f8-b904015a19fd').uuidHyphens).toBe(0);
    expect(scan('00470707-baac-4e8f-94f8-b904015a19f').uuidHyphens).toBe(0);
    expect(scan('00470707\u012dbaac-4e8f-94f8-b904015a19fd').uuidHyphens).toBe(1);
    expect(scan('-a-1-2-3-4 \u012d').uuidHyphens).toBe(0);
  });

  it('sees each letter feature at either byte of a 16-bit read (the tight loop stops at some only by pairs)', () => {
    const features = ['née le', 'nee\u2000le', 'ne\u3000LE', 'ne\u00a0le', 'ne\tle', 'ne \u205fle', 'born', 'BIRTH', 'bday', 'b-day', 'dob', 'DOB', 'd.o.b', 'D.O.B', 'geboren', 'Bearer', 'bearer', 'eyJ', 'AKIA', 'ASIA', 'AIza', '//', 'sk_', 'xoxb-', 'glpat-'];
    const before = ['', 'x', 'xy', 'xyz', '1', '12 ', '1234 ', ' ', '.', 'o', 'd', 'do', 'o.', '\u0130', '\u0164'];
    const after = ['', ' ', 'x', '1', 'e', 'b', '1234'];
    for (const feature of features) {
      for (const b of before) {
        for (const a of after) {
          const t = b + feature + a;
          expect([t, scan(t)]).toEqual([t, scanByClass(t)]);
        }
      }
    }
  });

  it('takes a `b` stop back in the tight loop only where no keyword goes on from it (any case, alignment, near misses, stale bytes past the end)', () => {
    const B_PIECES = ['b', 'B', 'o', 'O', 'r', 'R', 'i', 'I', 'd', 'D', 'a', 'A', '-', 'e', 'E', '.', ' ', 'x', 'y', 'n', 'bor', 'BO', 'bir', 'bI', 'bda', 'bD', 'b-d', 'b-', 'bea', 'be', 'bE', 'born', 'BIRTH', 'bday', 'B-DAY', 'bearer', 'Bearer', 'geboren', 'dob', 'd.o.b', 'ob', 'o.b', '\u0162', '\u0172'];
    const text = fc.tuple(fc.string({ unit: fc.constantFrom('x', ' '), maxLength: 3 }), fc.array(fc.constantFrom(...B_PIECES), { maxLength: 24 }), fc.constantFrom('', 'orn', 'rth', 'ay', 'earer', 'r', 'a'));
    let dob = 0;
    fc.assert(
      fc.property(text, ([pad, parts, stale]) => {
        const t = pad + parts.join('');
        // The bytes just past the text, from the scan before, would go on a keyword.
        scanCandidates(t + stale);
        const found = scan(t);
        if ((found.bits & F_DOB) !== 0) dob += 1;
        expect([t, found]).toEqual([t, scanByClass(t)]);
      }),
      { numRuns: 20000, seed: 20261127 },
    );
    // Keywords were found, not only missed.
    expect(dob).toBeGreaterThan(5000);
  });

  it('reads texts longer than its buffer (it grows)', () => {
    const long = `${'word '.repeat(3000)}4111 1111 1111 1111`;
    expect(scan(long)).toEqual(scanByClass(long));
  });

  it('textUnits: every unit is the text\'s own, and past the end (8 units) never a digit, word, label, local-part or separator unit', () => {
    const unit = fc.oneof(
      { weight: 8, arbitrary: fc.constantFrom(...'0123456789  .-()+/:@_Axyé') },
      { weight: 1, arbitrary: fc.constantFrom(...[...'0123456789 ()+.-/Ax_@'].map((c) => String.fromCharCode(0x100 + c.charCodeAt(0)))) },
      { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 2 }) },
    );
    // A long text first, so the buffers hold stale digits past the shorter texts' ends.
    const stale = '7'.repeat(300);
    fc.assert(
      fc.property(fc.array(unit, { maxLength: 80 }), fc.boolean(), (units, afterStale) => {
        const text = units.join('');
        if (afterStale) {
          scanCandidates(stale + '\u0130');
          textUnits(stale + '\u0130');
          scanCandidates(stale);
        }
        scanCandidates(text);
        const codes = textUnits(text);
        const n = text.length;
        for (let i = 0; i < n + 8; i += 1) {
          if (i < n) expect(codes[i]).toBe(text.charCodeAt(i));
          else expect([0, 64]).toContain(codes[i]);
        }
      }),
      { numRuns: 10000, seed: 20261130 },
    );
  });

  it('cardValidCodes and phoneValidCodes read from textUnits what cardValidAt and phoneValidAt read from the text, on every range inside a region', () => {
    const unit = fc.oneof(
      { weight: 10, arbitrary: fc.constantFrom(...'0123456789012345678901234567890123456789    .--()++/:@_Ax') },
      { weight: 1, arbitrary: fc.constantFrom(...[...'0123456789 ()+.-/Ax_@:'].map((c) => String.fromCharCode(0x100 + c.charCodeAt(0)))) },
      { weight: 1, arbitrary: fc.constantFrom('4111 1111 1111 1111', '+44 20 7946 0958', '0044 20 7946 0958', '(555) 013-8842', '555-013-8842', '02.01.2025', '2025-01-02', '0612345678') },
    );
    let cards = 0;
    let phones = 0;
    fc.assert(
      fc.property(fc.array(unit, { maxLength: 24 }), (units) => {
        const text = units.join('');
        scanCandidates(text);
        const codes = textUnits(text);
        for (let r = 0; r < scanned.regionCount * 3; r += 3) {
          const start = scanned.regions[r] as number;
          const end = scanned.regions[r + 1] as number;
          for (let s = start; s < end; s += 1) {
            for (let e = s + 1; e <= end; e += 1) {
              const card = cardValidAt(text, s, e);
              const phone = phoneValidAt(text, s, e);
              cards += card ? 1 : 0;
              phones += phone ? 1 : 0;
              expect(cardValidCodes(codes, s, e)).toBe(card);
              expect(phoneValidCodes(text, codes, s, e)).toBe(phone);
            }
          }
        }
      }),
      { numRuns: 500, seed: 20261133 },
    );
    // Both answers were given often enough to mean something.
    expect(cards).toBeGreaterThan(100);
    expect(phones).toBeGreaterThan(1000);
  });
});
