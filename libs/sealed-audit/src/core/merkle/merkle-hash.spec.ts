import { createHash } from 'node:crypto';
import { EMPTY_ROOT_HASH, LEAF_INPUTS, NODE_HASHES } from './__fixtures__/test-vectors';
import { MERKLE_EMPTY_ROOT, hashEquals, isMerkleHash, merkleLeafHash, merkleNodeHash, parseHexHash } from './merkle-hash';

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const bytes = (h: string): Buffer => Buffer.from(h, 'hex');

describe('merkle-hash (RFC 6962 §2.1)', () => {
  it('MERKLE_EMPTY_ROOT is SHA-256 of the empty string (published EmptyRootHash)', () => {
    expect(hex(MERKLE_EMPTY_ROOT)).toBe(EMPTY_ROOT_HASH);
  });

  it.each(LEAF_INPUTS.map((input, i) => [i, input] as const))('leaf %d hash matches NodeHashes()[0]', (i, input) => {
    expect(hex(merkleLeafHash(bytes(input)))).toBe(NODE_HASHES[0]?.[i]);
  });

  it('every published interior node is merkleNodeHash of its two children', () => {
    let checked = 0;
    for (let level = 1; level < NODE_HASHES.length; level++) {
      const below = NODE_HASHES[level - 1] as readonly string[];
      (NODE_HASHES[level] as readonly string[]).forEach((expected, i) => {
        expect(hex(merkleNodeHash(bytes(below[2 * i] as string), bytes(below[2 * i + 1] as string)))).toBe(expected);
        checked++;
      });
    }
    expect(checked).toBe(7);
  });

  it('domain-separates leaves and nodes from a bare SHA-256 and from each other', () => {
    const a = Buffer.alloc(32, 0xaa);
    const b = Buffer.alloc(32, 0xbb);
    const both = Buffer.concat([a, b]);
    const plain = createHash('sha256').update(both).digest();
    expect(merkleNodeHash(a, b).equals(plain)).toBe(false);
    expect(merkleLeafHash(both).equals(plain)).toBe(false);
    expect(merkleLeafHash(both).equals(merkleNodeHash(a, b))).toBe(false);
    expect(merkleLeafHash(both)).toEqual(createHash('sha256').update(Buffer.from([0])).update(both).digest());
    expect(merkleNodeHash(a, b)).toEqual(createHash('sha256').update(Buffer.from([1])).update(both).digest());
  });

  it('node hashing is ordered: (l, r) differs from (r, l)', () => {
    const a = Buffer.alloc(32, 1);
    const b = Buffer.alloc(32, 2);
    expect(merkleNodeHash(a, b).equals(merkleNodeHash(b, a))).toBe(false);
  });

  it('accepts plain Uint8Array as well as Buffer', () => {
    const data = new Uint8Array([0x20, 0x21]);
    expect(hex(merkleLeafHash(data))).toBe(NODE_HASHES[0]?.[3]);
  });

  describe('internal helpers', () => {
    it('isMerkleHash accepts exactly 32-byte Uint8Arrays', () => {
      expect(isMerkleHash(Buffer.alloc(32))).toBe(true);
      expect(isMerkleHash(new Uint8Array(32))).toBe(true);
      expect(isMerkleHash(Buffer.alloc(31))).toBe(false);
      expect(isMerkleHash(Buffer.alloc(33))).toBe(false);
      expect(isMerkleHash('00'.repeat(32))).toBe(false);
      expect(isMerkleHash(undefined)).toBe(false);
    });

    it('parseHexHash accepts 64 hex digits only', () => {
      expect(parseHexHash(EMPTY_ROOT_HASH)).toEqual(bytes(EMPTY_ROOT_HASH));
      expect(parseHexHash(EMPTY_ROOT_HASH.toUpperCase())).toEqual(bytes(EMPTY_ROOT_HASH));
      for (const bad of ['', EMPTY_ROOT_HASH.slice(1), `${EMPTY_ROOT_HASH}0`, `${EMPTY_ROOT_HASH.slice(2)}zz`, ` ${EMPTY_ROOT_HASH.slice(1)}`, 42, null, undefined, {}]) {
        expect(parseHexHash(bad)).toBeUndefined();
      }
    });

    it('hashEquals compares bytes and rejects non-hashes', () => {
      const a = bytes(EMPTY_ROOT_HASH);
      expect(hashEquals(a, new Uint8Array(a))).toBe(true);
      const b = Buffer.from(a);
      b[31] = (b[31] as number) ^ 1;
      expect(hashEquals(a, b)).toBe(false);
      expect(hashEquals(a, a.subarray(0, 31))).toBe(false);
      expect(hashEquals(a, EMPTY_ROOT_HASH)).toBe(false);
    });
  });
});
