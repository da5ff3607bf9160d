import fc from 'fast-check';
import { mask, wellFormedMasker } from './masks';

/** The generic mask as first written (code points through `[...text]`): the allocation-free one must agree. */
function genericByArray(text: string): string {
  const chars = [...text];
  const keep = chars.length >= 12 ? 4 : chars.length >= 6 ? 2 : 0;
  return `${'*'.repeat(Math.min(chars.length - keep, 8))}${chars.slice(chars.length - keep).join('')}`;
}

/**
 * The masks before the allocation-free rewrite (kind lower-cased on every call, `[...text][0]` for
 * the e-mail initial, `replace(/\D/g, '')` for card and phone digits), with the array-based
 * generic mask: the reference every family must still agree with.
 */
function maskAsFirstWritten(text: string, kind?: string): string {
  const families: Record<string, string> = { email: 'email', 'e-mail': 'email', card: 'card', 'payment-card': 'card', 'credit-card': 'card', pan: 'card', phone: 'phone', mobile: 'phone', tel: 'phone', telephone: 'phone', iban: 'iban', ip: 'ip' };
  const family = kind === undefined ? undefined : families[kind.toLowerCase()];
  const email = (): string | undefined => {
    const at = text.lastIndexOf('@');
    if (at <= 0 || at === text.length - 1) return undefined;
    const dot = text.lastIndexOf('.');
    const tld = dot > at && dot < text.length - 1 ? text.slice(dot) : '';
    return `${[...text][0] ?? ''}***@***${tld}`;
  };
  const keepDigits = (keep: number): string => {
    const digits = text.replace(/\D/g, '');
    if (digits.length <= keep * 2) return genericByArray(text);
    return `${'*'.repeat(Math.min(digits.length - keep, 8))}${digits.slice(digits.length - keep)}`;
  };
  switch (family) {
    case 'email':
      return email() ?? '*'.repeat(Math.min(Math.max(text.length, 1), 8));
    case 'card':
      return keepDigits(4);
    case 'phone':
      return keepDigits(2);
    case 'iban':
    case 'ip':
      return mask(text, family); // unchanged by the rewrite
    default:
      return email() ?? genericByArray(text);
  }
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

  it('gives what the masks as first written give, for every kind family and any text', () => {
    const unit = fc.constantFrom('a', 'Z', '1', '9', '0', ' ', '-', '+', '(', '@', '.', 'é', '𝄞', '\ud834', '\udd1e', '٣');
    const kind = fc.constantFrom(undefined, 'email', 'E-Mail', 'card', 'Payment-Card', 'PAN', 'phone', 'Mobile', 'tel', 'name', 'postcode', 'free-text', 'İP');
    fc.assert(
      fc.property(fc.oneof(fc.string({ unit: 'binary', maxLength: 40 }), fc.string({ unit, maxLength: 40 })), kind, (text, k) => {
        expect(mask(text, k)).toBe(maskAsFirstWritten(text, k));
      }),
      { numRuns: 5000, seed: 20261126 },
    );
    expect(mask('+1 (555) 013-8842', 'phone')).toBe('********42');
    expect(mask('4539 7712 0394 8821', 'payment-card')).toBe('********8821');
    expect(mask('𝄞bc@d.org', 'email')).toBe('𝄞***@***.org');
  });
});

describe('wellFormedMasker', () => {
  const toWellFormed = (text: string): string => (text as unknown as { toWellFormed(): string }).toWellFormed();
  const kinds = [undefined, 'name', 'postcode', 'email', 'E-Mail', 'card', 'payment-card', 'PAN', 'phone', 'Mobile', 'tel', 'iban', 'ip', 'IP', 'free-text', ''];
  // Texts made of the characters every family's fast path decides on: digits, separators, `@` and
  // `.`, letters, a surrogate pair, lone surrogates, and other non-ASCII text.
  const unit = fc.constantFrom('0', '4', '9', ' ', '-', '+', '(', '@', '.', ':', 'a', 'Q', 'é', '𝄞', '\ud800', '\udc00', '☃');
  const text = fc.oneof(fc.string({ unit, maxLength: 40 }), fc.string({ unit: 'binary', maxLength: 40 }), fc.string({ maxLength: 40 }));

  it('is mask(text, kind) made well-formed, for every family and any text', () => {
    fc.assert(
      fc.property(fc.constantFrom(...kinds), fc.array(text, { minLength: 1, maxLength: 5 }), (kind, texts) => {
        const masker = wellFormedMasker(kind);
        for (const t of texts) expect(masker(t)).toBe(toWellFormed(mask(t, kind)));
      }),
      { numRuns: 3000, seed: 20261126 },
    );
  });

  it('agrees on the values the masks are written for', () => {
    const values = ['Ottoline Vandergriff-Quarles', 'QX7 4ZJ', '+1 (555) 013-8842', '4539 7712 0394 8821', 'jane.doe@corp.com', '123', '12@34', 'a@b', '', 'ab\ud800cdefghijkl'];
    for (const kind of kinds) for (const value of values) expect(wellFormedMasker(kind)(value)).toBe(toWellFormed(mask(value, kind)));
  });
});

describe('mask: IP addresses', () => {
  /** The IP mask as first written (the IPv4 tail found by an expression), with the array-based generic mask. */
  function maskIpByExpression(text: string): string {
    const v4 = /(\d{1,3}\.\d{1,3}\.\d{1,3})\.\d{1,3}$/.exec(text);
    if (v4) return `${text.slice(0, v4.index)}${v4[1] ?? ''}.*`;
    const groups = text.split(':');
    if (groups.length < 3) return genericByArray(text);
    const head = text.startsWith('::') ? '::' : groups.slice(0, 3).filter((group) => group !== '').join(':');
    return `${head}${head.endsWith(':') ? '' : ':'}*`;
  }

  it('masks an IPv4 tail as the expression did, for any text (digit runs of every length, dots, other digits, IPv6)', () => {
    const unit = fc.constantFrom('0', '1', '9', '12', '255', '1234', '.', '.', ':', 'a', 'f', ' ', '٣', '-');
    const ipv4 = fc.tuple(fc.nat({ max: 999 }), fc.nat({ max: 999 }), fc.nat({ max: 999 }), fc.nat({ max: 999 })).map((parts) => parts.join('.'));
    // Three dotted groups after anything (a digit or not before the first dot), and whole addresses after anything.
    const tail = fc.tuple(fc.string({ unit, maxLength: 4 }), fc.array(fc.nat({ max: 9999 }), { minLength: 3, maxLength: 3 })).map(([head, parts]) => `${head}.${parts.join('.')}`);
    const text = fc.oneof(fc.string({ unit, maxLength: 16 }), fc.tuple(fc.string({ unit, maxLength: 6 }), ipv4).map(([head, ip]) => head + ip), tail, fc.string({ maxLength: 12 }));
    let masked = 0;
    fc.assert(
      fc.property(text, (t) => {
        const expected = maskIpByExpression(t);
        expect(mask(t, 'ip')).toBe(expected);
        if (expected.endsWith('.*') && /\d\.\d{1,3}$/.test(t)) masked += 1;
      }),
      { numRuns: 5000, seed: 20261127 },
    );
    expect(masked).toBeGreaterThan(1000);
    expect(mask('203.0.113.7', 'ip')).toBe('203.0.113.*');
    expect(mask('x1234.5.6.7', 'ip')).toBe('x1234.5.6.*');
    expect(mask('1.2.3.4567', 'ip')).toBe(genericByArray('1.2.3.4567'));
  });
});
