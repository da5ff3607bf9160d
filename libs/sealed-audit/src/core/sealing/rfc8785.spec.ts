import fc from 'fast-check';
import reference from 'canonicalize';
import { serializeCanonical } from './rfc8785';

const canonicalizeReference = reference as unknown as (value: unknown) => string | undefined;

/** What a call gives: its text, or the message it threw. */
function outcome(serialize: (value: unknown) => string | undefined, value: unknown): { text?: string | undefined; error?: string } {
  try {
    return { text: serialize(value) };
  } catch (error) {
    return { error: error instanceof Error ? error.message : String(error) };
  }
}

describe('serializeCanonical (RFC 8785)', () => {
  it('is byte-identical to the canonicalize package on any JSON value', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        expect(serializeCanonical(value)).toBe(canonicalizeReference(value));
      }),
      { numRuns: 3000 },
    );
  });

  it('is identical on anything else too: sparse arrays, undefined and symbol members, Dates, boxed values, null prototypes, NaN', () => {
    fc.assert(
      fc.property(
        fc.anything({
          withBoxedValues: true,
          withDate: true,
          withSparseArray: true,
          withNullPrototype: true,
          withObjectString: true,
          withTypedArray: true,
          withMap: true,
          withSet: true,
          withUnicodeString: true,
        }),
        (value) => {
          expect(outcome(serializeCanonical, value)).toEqual(outcome(canonicalizeReference, value));
        },
      ),
      { numRuns: 3000 },
    );
  });

  it('sorts keys by UTF-16 code units and writes numbers in ECMAScript form (RFC 8785 §3.2.3 and appendix B samples)', () => {
    const value = { '\u20ac': 'Euro Sign', '\r': 'Carriage Return', '\ufb33': 'Hebrew Letter Dalet With Dagesh', '1': 'One', '\ud83d\ude00': 'Emoji: Grinning Face', '\u0080': 'Control', '\u00f6': 'Latin Small Letter O With Diaeresis' };
    expect(serializeCanonical(value)).toBe(
      '{"\\r":"Carriage Return","1":"One","\u0080":"Control","\u00f6":"Latin Small Letter O With Diaeresis","\u20ac":"Euro Sign","\ud83d\ude00":"Emoji: Grinning Face","\ufb33":"Hebrew Letter Dalet With Dagesh"}',
    );
    expect(serializeCanonical([1e21, 1e-7, -0, 0.000001, 333333333.3333333, 9007199254740992, 4.5])).toBe('[1e+21,1e-7,0,0.000001,333333333.3333333,9007199254740992,4.5]');
  });

  it('refuses NaN and infinities, and has no text for a top-level undefined or function', () => {
    expect(() => serializeCanonical({ a: Number.NaN })).toThrow('NaN is not allowed');
    expect(() => serializeCanonical([Number.POSITIVE_INFINITY])).toThrow('Infinity is not allowed');
    expect(serializeCanonical(undefined)).toBeUndefined();
    expect(serializeCanonical(() => 1)).toBeUndefined();
  });
});
