import fc from 'fast-check';
import { BUILT_IN_DETECTORS, DetectorSet, type PiiDetector, type PiiMatch } from './detectors';

/**
 * The pre-checks of DetectorSet.find (the one-pass feature scan, `needs`, `minDigits`, the minimum
 * length, the `@` anchor of e-mail addresses, the hyphen-driven UUID filter) only skip work: on any
 * text, `find` must return exactly what running every detector's expression over the whole text
 * returns. This reference does that, with nothing skipped.
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
];

const textArb = fc.array(fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...PIECES) }, { weight: 1, arbitrary: fc.string({ unit: 'binary-ascii', maxLength: 6 }) }), { maxLength: 14 }).map((parts) => parts.join(''));

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

  it('never change the result on arbitrary unicode text', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 60 }), (text) => {
        expect(set.find(text)).toEqual(everyDetectorEverywhere(text, detectors));
      }),
      { numRuns: 2000, seed: 20250107 },
    );
  });

  it('find the shortest changeable texts (`::1`, `//a:@`) and scheme-relative URL credentials', () => {
    expect(set.find('::1')).toEqual([{ kind: 'ip', start: 0, end: 3, detector: 10 }]);
    expect(set.find('//a:@')).toEqual([{ kind: 'url-credentials', start: 2, end: 4, detector: 0 }]);
    expect(set.find('see //svc:s3cret@db.internal/x')?.map((m) => m.kind)).toEqual(['url-credentials']);
  });
});
