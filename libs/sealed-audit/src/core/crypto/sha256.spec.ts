import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { SHA256_IV, sha256, sha256Block, sha256Compress } from './sha256';

const reference = (data: Uint8Array): string => createHash('sha256').update(data).digest('hex');
const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');

describe('sha256 (JavaScript)', () => {
  it('gives the FIPS 180-4 test vectors', () => {
    expect(hex(sha256(Buffer.from('')))).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
    expect(hex(sha256(Buffer.from('abc')))).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    expect(hex(sha256(Buffer.from('abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq')))).toBe(
      '248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1',
    );
  });

  it('is node:crypto for every length 0..300 (random bytes)', () => {
    for (let length = 0; length <= 300; length += 1) {
      fc.assert(
        fc.property(fc.uint8Array({ minLength: length, maxLength: length }), (data) => hex(sha256(data)) === reference(data)),
        { numRuns: 5, seed: 6_000 + length },
      );
    }
  });

  it('is node:crypto for any input up to 1 KiB', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 1024 }), (data) => hex(sha256(data)) === reference(data)), { numRuns: 500, seed: 20261126 });
  });

  it('compresses at a state offset without touching the words around it', () => {
    const words = new Int32Array(24).fill(7);
    words.set(SHA256_IV, 8);
    const block = new Int32Array(16);
    block[0] = 0x61626380; // "abc" + padding
    block[15] = 24;
    sha256Compress(words, block, 0, 8);
    const out = Buffer.alloc(32);
    for (let i = 0; i < 8; i += 1) out.writeInt32BE(words[8 + i] as number, i * 4);
    expect(out.toString('hex')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    expect([...words.subarray(0, 8), ...words.subarray(16)]).toEqual(new Array(16).fill(7));
  });

  it('sha256Block reads the chaining value at one place and writes the result at another, as sha256Compress in place would', () => {
    const words = fc.array(fc.integer({ min: -0x80000000, max: 0x7fffffff }), { minLength: 8, maxLength: 8 });
    const block = fc.array(fc.integer({ min: -0x80000000, max: 0x7fffffff }), { minLength: 16, maxLength: 16 });
    fc.assert(
      fc.property(words, block, fc.nat({ max: 8 }), fc.nat({ max: 8 }), (chaining, message, fromOffset, toOffset) => {
        const expected = Int32Array.from(chaining);
        sha256Compress(expected, Int32Array.from(message), 0);
        const from = new Int32Array(16).fill(3);
        from.set(chaining, fromOffset);
        const fromBefore = from.slice();
        const to = new Int32Array(16).fill(5);
        const padded = new Int32Array(32).fill(9);
        padded.set(message, 16);
        sha256Block(from, fromOffset, padded, 16, to, toOffset);
        expect([...to.subarray(toOffset, toOffset + 8)]).toEqual([...expected]);
        expect([...to.subarray(0, toOffset), ...to.subarray(toOffset + 8)]).toEqual(new Array(8).fill(5));
        expect(from).toEqual(fromBefore);
      }),
      { numRuns: 300, seed: 20261126 },
    );
  });
});
