import { createHash } from 'node:crypto';

/**
 * Test-only reference implementations, written independently of the code under test, straight from the
 * RFC text: RFC 6962 §2.1 definitions over array slices, and RFC 9162 §2.1.3.2 / §2.1.4.2 verifiers on
 * BigInt (so they stay exact for sizes beyond 2^32, where `&` and `>>` on numbers would break).
 */

const sha256 = (...parts: Uint8Array[]): Buffer => {
  const h = createHash('sha256');
  for (const p of parts) h.update(p);
  return h.digest();
};
const node = (l: Uint8Array, r: Uint8Array): Buffer => sha256(Buffer.from([1]), l, r);

const kOf = (n: number): number => 2 ** Math.ceil(Math.log2(n) - 1);

/** MTH(D[n]) over leaf hashes. */
export function refRoot(d: readonly Uint8Array[]): Buffer {
  if (d.length === 0) return sha256();
  if (d.length === 1) return Buffer.from(d[0] as Uint8Array);
  const k = kOf(d.length);
  return node(refRoot(d.slice(0, k)), refRoot(d.slice(k)));
}

/** PATH(m, D[n]). */
export function refPath(m: number, d: readonly Uint8Array[]): Buffer[] {
  if (d.length <= 1) return [];
  const k = kOf(d.length);
  return m < k ? [...refPath(m, d.slice(0, k)), refRoot(d.slice(k))] : [...refPath(m - k, d.slice(k)), refRoot(d.slice(0, k))];
}

/** PROOF(m, D[n]) = SUBPROOF(m, D[n], true). */
export function refProof(m: number, d: readonly Uint8Array[]): Buffer[] {
  const sub = (mm: number, dd: readonly Uint8Array[], b: boolean): Buffer[] => {
    if (mm === dd.length) return b ? [] : [refRoot(dd)];
    const k = kOf(dd.length);
    return mm <= k
      ? [...sub(mm, dd.slice(0, k), b), refRoot(dd.slice(k))]
      : [...sub(mm - k, dd.slice(k), false), refRoot(dd.slice(0, k))];
  };
  return sub(m, d, true);
}

/** RFC 9162 §2.1.3.2 on BigInt: the root the path leads to, or undefined where the algorithm fails. */
export function refRootFromInclusion(index: bigint, size: bigint, leaf: Uint8Array, path: readonly Uint8Array[]): Buffer | undefined {
  if (index >= size) return undefined;
  let fn = index;
  let sn = size - 1n;
  let r: Buffer = Buffer.from(leaf);
  for (const p of path) {
    if (sn === 0n) return undefined;
    if ((fn & 1n) === 1n || fn === sn) {
      r = node(p, r);
      while ((fn & 1n) === 0n && fn !== 0n) {
        fn >>= 1n;
        sn >>= 1n;
      }
    } else {
      r = node(r, p);
    }
    fn >>= 1n;
    sn >>= 1n;
  }
  return sn === 0n ? r : undefined;
}

/** RFC 9162 §2.1.4.2 on BigInt for 0 < first < second: the (first, second) roots, or undefined. */
export function refRootsFromConsistency(
  first: bigint,
  second: bigint,
  firstRootIfPowerOfTwo: Uint8Array,
  path: readonly Uint8Array[],
): { fr: Buffer; sr: Buffer } | undefined {
  if (path.length === 0) return undefined;
  const p = [...path];
  if ((first & (first - 1n)) === 0n) p.unshift(firstRootIfPowerOfTwo);
  let fn = first - 1n;
  let sn = second - 1n;
  while ((fn & 1n) === 1n) {
    fn >>= 1n;
    sn >>= 1n;
  }
  let fr: Buffer = Buffer.from(p[0] as Uint8Array);
  let sr: Buffer = fr;
  for (const c of p.slice(1)) {
    if (sn === 0n) return undefined;
    if ((fn & 1n) === 1n || fn === sn) {
      fr = node(c, fr);
      sr = node(c, sr);
      while ((fn & 1n) === 0n && fn !== 0n) {
        fn >>= 1n;
        sn >>= 1n;
      }
    } else {
      sr = node(sr, c);
    }
    fn >>= 1n;
    sn >>= 1n;
  }
  return sn === 0n ? { fr, sr } : undefined;
}

const bitLen = (x: bigint): number => x.toString(2).replace(/^0+/, '').length;
const ones = (x: bigint): number => [...x.toString(2)].filter((c) => c === '1').length;

/** Length of a well-formed inclusion path (as in transparency-dev's decompInclProof). */
export function inclusionPathLength(index: bigint, size: bigint): number {
  const inner = bitLen(index ^ (size - 1n));
  return inner + ones(index >> BigInt(inner));
}

/** Length of a well-formed consistency path for 0 < first < second. */
export function consistencyPathLength(first: bigint, second: bigint): number {
  let shift = 0;
  while (((first >> BigInt(shift)) & 1n) === 0n) shift++;
  const index = first - 1n;
  const inner = bitLen(index ^ (second - 1n));
  const border = ones(index >> BigInt(inner));
  const seed = first === 1n << BigInt(shift) ? 0 : 1;
  return seed + inner - shift + border;
}

/** Small deterministic PRNG (mulberry32), so random trees are the same on every run. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** `n` random byte strings of 0..40 bytes. */
export function randomLeafData(rand: () => number, n: number): Buffer[] {
  return Array.from({ length: n }, () => {
    const len = Math.floor(rand() * 41);
    return Buffer.from(Array.from({ length: len }, () => Math.floor(rand() * 256)));
  });
}

/** A random 32-byte value. */
export function randomHash(rand: () => number): Buffer {
  return Buffer.from(Array.from({ length: 32 }, () => Math.floor(rand() * 256)));
}
