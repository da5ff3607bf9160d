import { createHmac } from 'node:crypto';
import fc from 'fast-check';
import { HmacSha256, MAX_JS_BYTES } from './hmac-sha256';

function reference(key: Buffer, text: string): string {
  return createHmac('sha256', key).update(text, 'utf8').digest('hex');
}

/** Texts around every block boundary of the JavaScript path and past it (the createHmac path). */
const lengths = [0, 1, 31, 32, 54, 55, 56, 63, 64, 65, 118, 119, 120, 183, 184, MAX_JS_BYTES - 1, MAX_JS_BYTES, MAX_JS_BYTES + 1, 300, 5000];

describe('HmacSha256', () => {
  it('matches createHmac on the RFC 4231 test vectors', () => {
    expect(new HmacSha256(Buffer.alloc(20, 0x0b)).hex('Hi There')).toBe('b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7');
    expect(new HmacSha256(Buffer.from('Jefe')).hex('what do ya want for nothing?')).toBe('5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843');
    // Test case 6: a 131-byte key (longer than a block, so hashed first).
    expect(new HmacSha256(Buffer.alloc(131, 0xaa)).hex('Test Using Larger Than Block-Size Key - Hash Key First')).toBe(
      '60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54',
    );
  });

  it.each(lengths)('matches createHmac for an ASCII text of %i characters and a multi-byte one as long', (length) => {
    const key = Buffer.from('bench-hmac-key-0123456789abcdef0123456789');
    const hmac = new HmacSha256(key);
    const ascii = 'x'.repeat(length);
    const multi = 'é☃𝄞'.repeat(Math.ceil(length / 4)).slice(0, length);
    expect(hmac.hex(ascii)).toBe(reference(key, ascii));
    expect(hmac.hex(multi)).toBe(reference(key, multi));
  });

  it('is byte-identical to createHmac for any key (1–200 bytes) and any text (unicode, unpaired surrogates, long)', () => {
    const text = fc.oneof(
      fc.string({ unit: 'binary', maxLength: 300 }),
      fc.string({ unit: 'grapheme', maxLength: 80 }),
      fc.string({ unit: fc.constantFrom('a', 'é', '☃', '𝄞', '\ud800', '\udc00', '\u0000', '\u007f', '\u0080', '\u07ff', '\u0800', '\uffff'), maxLength: 120 }),
      fc.nat({ max: 400 }).map((n) => 'a'.repeat(n)),
    );
    const key = fc.oneof(fc.uint8Array({ minLength: 1, maxLength: 200 }).map((bytes) => Buffer.from(bytes)), fc.string({ unit: 'binary', minLength: 1, maxLength: 100 }).map((s) => Buffer.from(s, 'utf8')));
    fc.assert(
      fc.property(key, fc.array(text, { minLength: 1, maxLength: 4 }), (k, texts) => {
        const hmac = new HmacSha256(k);
        // Several texts per instance: no state may leak from one value into the next.
        for (const t of texts) expect(hmac.hex(t)).toBe(reference(k, t));
      }),
      { numRuns: 2000, seed: 20250104 },
    );
  });

  it('packs ASCII texts of every length 0–70 (the one-block word-packing path and just past it) like createHmac', () => {
    const key = Buffer.from('bench-hmac-key-0123456789abcdef0123456789');
    const hmac = new HmacSha256(key);
    const ascii = fc.integer({ min: 0, max: 0x7f }).map((code) => String.fromCharCode(code));
    for (let length = 0; length <= 70; length += 1) {
      fc.assert(
        fc.property(fc.string({ unit: ascii, minLength: length, maxLength: length }), (t) => expect(hmac.hex(t)).toBe(reference(key, t))),
        { numRuns: 30, seed: length },
      );
    }
  });

  it('prefixedHex is the prefix then hex, on both paths (JavaScript and createHmac), alternating with hex', () => {
    const text = fc.oneof(fc.string({ unit: 'binary', maxLength: 300 }), fc.nat({ max: 400 }).map((n) => 'b'.repeat(n)));
    const prefix = fc.string({ unit: fc.constantFrom(...'hmac-sha256:0123456789abcdef :'.split('')), maxLength: 40 });
    fc.assert(
      fc.property(prefix, fc.array(text, { minLength: 1, maxLength: 4 }), (p, texts) => {
        const key = Buffer.from('bench-hmac-key-0123456789abcdef0123456789');
        const hmac = new HmacSha256(key, p);
        for (const t of texts) {
          expect(hmac.prefixedHex(t)).toBe(p + reference(key, t));
          expect(hmac.hex(t)).toBe(reference(key, t));
        }
      }),
      { numRuns: 2000, seed: 20250104 },
    );
  });

  it('refuses a prefix it could not write as one byte per character', () => {
    expect(() => new HmacSha256(Buffer.from('k'), 'héllo:')).toThrow(RangeError);
    expect(() => new HmacSha256(Buffer.from('k'), 'x'.repeat(193))).toThrow(RangeError);
  });

  it('keeps each instance keyed by its own key (the scratch space is shared)', () => {
    const a = new HmacSha256(Buffer.from('key-a'));
    const b = new HmacSha256(Buffer.from('key-b'));
    expect(a.hex('same')).toBe(reference(Buffer.from('key-a'), 'same'));
    expect(b.hex('same')).toBe(reference(Buffer.from('key-b'), 'same'));
    expect(a.hex('same')).not.toBe(b.hex('same'));
  });
});
