import fc from 'fast-check';
import { replaceMatches, type PiiMatch } from './detectors';
import { Redactor } from './redactor';

/** What Redactor.text replaced matches with before the per-detector markers: a closure over replacement(). */
function reference(redactor: Redactor, text: string, matches: readonly PiiMatch[]): string {
  return replaceMatches(text, matches, (match, value) => redactor.replacement(redactor.detectorStrategies[match.detector] ?? 'redact', match.kind, value));
}

const internal = (redactor: Redactor): { replaceMatches(text: string, matches: readonly PiiMatch[]): string } =>
  redactor as unknown as { replaceMatches(text: string, matches: readonly PiiMatch[]): string };

const redactors = [
  new Redactor({ hmacKey: 'replace-spec-key' }),
  new Redactor({ hmacKey: 'replace-spec-key', detectors: { email: 'hash', phone: 'mask', card: false, ip: 'redact' } }),
  new Redactor({ hmacKey: 'replace-spec-key', detectors: { ip: 'hash', iban: 'mask' }, customDetectors: [{ kind: 'ticket', pattern: /T-\d+/g, strategy: 'mask' }, { kind: 'code.x', pattern: /C\d/g }] }),
];

/** Characters around and inside matches: PII look-alikes, separators, non-Latin-1 and surrogates. */
const unit = fc.constantFrom(...'ab@.-+ 0123456789:/_ÉéŁİ\u2028', '\ud83d', '\ude00', '\ud83d\ude00');
const text = fc.array(unit, { maxLength: 60 }).map((units) => units.join(''));

describe('Redactor replaceMatches (markers per detector)', () => {
  it('equals replaceMatches with replacement() for every strategy, kind and span', () => {
    fc.assert(
      fc.property(text, fc.array(fc.tuple(fc.nat(), fc.nat(), fc.nat(), fc.boolean()), { maxLength: 6 }), fc.nat(redactors.length - 1), (t, raw, which) => {
        const redactor = redactors[which] as Redactor;
        const count = redactor.detectorSet.detectors.length;
        // Sorted, non-overlapping spans (find() gives them so), any of them empty or at the edges.
        const cuts = raw.flatMap(([a, b]) => [a % (t.length + 1), b % (t.length + 1)]).sort((x, y) => x - y);
        const matches: PiiMatch[] = [];
        for (let i = 0; i + 1 < cuts.length; i += 2) {
          const [, , d, foreign] = raw[i / 2] as [number, number, number, boolean];
          const detector = d % count;
          const kind = foreign ? 'other-kind' : (redactor.detectorSet.detectors[detector]?.kind as string);
          matches.push({ kind, start: cuts[i] as number, end: cuts[i + 1] as number, detector });
        }
        expect(internal(redactor).replaceMatches(t, matches)).toBe(reference(redactor, t, matches));
      }),
      { numRuns: 3000 },
    );
  });

  it('equals the reference on what find() gives', () => {
    const samples = ['mail a.b@c.io or +44 20 7946 0958, card 4111 1111 1111 1111 from 203.0.113.7 and 2001:db8::1', 'IBAN GB82 WEST 1234 5698 7654 32 T-77 C5'];
    for (const redactor of redactors) {
      for (const sample of samples) {
        const matches = redactor.detectorSet.find(sample) ?? [];
        expect(internal(redactor).replaceMatches(sample, matches)).toBe(reference(redactor, sample, matches));
      }
    }
  });
});
