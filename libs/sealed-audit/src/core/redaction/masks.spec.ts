import fc from 'fast-check';
import { mask } from './masks';

/** The generic mask as first written (code points through `[...text]`): the allocation-free one must agree. */
function genericByArray(text: string): string {
  const chars = [...text];
  const keep = chars.length >= 12 ? 4 : chars.length >= 6 ? 2 : 0;
  return `${'*'.repeat(Math.min(chars.length - keep, 8))}${chars.slice(chars.length - keep).join('')}`;
}

describe('mask', () => {
  it('keeps 4 characters of 12+, 2 of 6–11, none of shorter values, at most 8 stars', () => {
    expect(mask('Ottoline Vandergriff-Quarles', 'name')).toBe('********rles');
    expect(mask('QX7 4ZJ', 'postcode')).toBe('*****ZJ');
    expect(mask('abcde', 'x')).toBe('*****');
    expect(mask('', 'x')).toBe('');
  });

  it('counts a surrogate pair as one character, as [...text] does', () => {
    expect(mask('𝄞𝄞𝄞𝄞𝄞𝄞', 'x')).toBe('****𝄞𝄞');
    expect(mask('\ud834𝄞abcd', 'x')).toBe('****cd');
  });

  it('gives what the array-based generic mask gives, on any text (unpaired surrogates included)', () => {
    const unit = fc.constantFrom('a', 'Z', '1', ' ', 'é', '𝄞', '\ud834', '\udd1e', '\ud83d', '\ude00');
    fc.assert(
      fc.property(fc.oneof(fc.string({ unit: 'binary', maxLength: 30 }), fc.string({ unit, maxLength: 30 })), (text) => {
        // A text with `@` takes the e-mail mask first; only the generic path is compared here.
        fc.pre(!text.includes('@'));
        expect(mask(text, 'anything')).toBe(genericByArray(text));
      }),
      { numRuns: 3000, seed: 20250108 },
    );
  });
});
