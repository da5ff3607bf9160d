/**
 * SHA-256 (FIPS 180-4) in JavaScript, for inputs of a block or two, where a call into
 * `node:crypto` is mostly fixed overhead (argument checks, the C++ boundary, a result string or
 * Buffer: a one-shot `crypto.hash` of 33 or 65 bytes measured 0.6–0.8 µs on the shared bench
 * machine, one compression here ≈ 0.15 µs) and the caller can keep state in words: no
 * allocation, no hex. Used for the HMAC pseudonyms of short texts (keyed midstates) and the
 * Merkle leaves and nodes of a verification (one and two blocks).
 *
 * State and message are `Int32Array`s of big-endian 32-bit words. Property-tested against
 * `node:crypto` (every length 0..300, random bytes).
 */

/** The initial hash value H(0). */
export const SHA256_IV: Readonly<Int32Array> = new Int32Array([
  0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
]);

// prettier-ignore
const K = new Int32Array([
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
  0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
  0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
  0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
  0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
  0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
  0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
  0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
]);

/**
 * One SHA-256 compression of the 16 big-endian words at `message[offset…]` into the 8 words at
 * `state[stateOffset…]`.
 */
export function sha256Compress(state: Int32Array, message: Int32Array, offset: number, stateOffset = 0): void {
  sha256Block(state, stateOffset, message, offset, state, stateOffset);
}

/**
 * One SHA-256 compression from the chaining value at `from[fromOffset…]` (8 words, read first) of
 * the 16 big-endian words at `message[offset…]`, written to `to[toOffset…]` (`from` itself, or 8
 * words that do not overlap it): a caller that needs the result somewhere else (HMAC's inner digest
 * is the outer hash's message) saves the copies.
 *
 * How it is written, each measured in the same process (HmacSha256.prefixedHex of a 32-character
 * address, 41 rounds × 10 000, median; 0.64 µs before):
 * - The message schedule lives in 16 local variables, W[t] overwriting W[t − 16] (the only word it
 *   no longer needs), not in a 64-word Int32Array: no typed-array loads or bound checks per round.
 * - Sums are ordered for latency: a round's critical path runs through e (and a), so the terms known
 *   early (h, K[t], W[t]) are added first and Σ1(e) last; Σ0(a) + Maj(a,b,c) is one term, summed
 *   beside T1. V8 adds left to right as written (it does not reassociate), so the order is the
 *   schedule: 0.53 → 0.44 µs against the same code with the FIPS order.
 * - Sixteen rounds unrolled, in a loop of four: the working variables rotate by name and the
 *   schedule words are named. All 64 rounds written out (constants inline) was faster alone (one
 *   compression 0.136 µs against 0.146) but slower among other code (0.54 µs per pseudonym): four
 *   times the machine code.
 * - Ch and Maj as `g ^ (e & (f ^ g))` and `(a & b) | (c & (a | b))`, one operation fewer each.
 */
export function sha256Block(from: Int32Array, fromOffset: number, message: Int32Array, offset: number, to: Int32Array, toOffset: number): void {
  const m = message;
  const o = offset;
  let w0 = m[o]!, w1 = m[o + 1]!, w2 = m[o + 2]!, w3 = m[o + 3]!, w4 = m[o + 4]!, w5 = m[o + 5]!, w6 = m[o + 6]!, w7 = m[o + 7]!;
  let w8 = m[o + 8]!, w9 = m[o + 9]!, w10 = m[o + 10]!, w11 = m[o + 11]!, w12 = m[o + 12]!, w13 = m[o + 13]!, w14 = m[o + 14]!, w15 = m[o + 15]!;
  let a = from[fromOffset]!, b = from[fromOffset + 1]!, c = from[fromOffset + 2]!, d = from[fromOffset + 3]!;
  let e = from[fromOffset + 4]!, f = from[fromOffset + 5]!, g = from[fromOffset + 6]!, h = from[fromOffset + 7]!;
  let t = 0;
  for (let k = 0; k < 64; k += 16) {
    // W[k..k+16) from the previous 16 (FIPS 180-4 §6.2.2 step 1), each in place of W[t − 16].
    if (k > 0) {
      w0 = (w0 + (((w1 >>> 7) | (w1 << 25)) ^ ((w1 >>> 18) | (w1 << 14)) ^ (w1 >>> 3)) + w9 + (((w14 >>> 17) | (w14 << 15)) ^ ((w14 >>> 19) | (w14 << 13)) ^ (w14 >>> 10))) | 0;
      w1 = (w1 + (((w2 >>> 7) | (w2 << 25)) ^ ((w2 >>> 18) | (w2 << 14)) ^ (w2 >>> 3)) + w10 + (((w15 >>> 17) | (w15 << 15)) ^ ((w15 >>> 19) | (w15 << 13)) ^ (w15 >>> 10))) | 0;
      w2 = (w2 + (((w3 >>> 7) | (w3 << 25)) ^ ((w3 >>> 18) | (w3 << 14)) ^ (w3 >>> 3)) + w11 + (((w0 >>> 17) | (w0 << 15)) ^ ((w0 >>> 19) | (w0 << 13)) ^ (w0 >>> 10))) | 0;
      w3 = (w3 + (((w4 >>> 7) | (w4 << 25)) ^ ((w4 >>> 18) | (w4 << 14)) ^ (w4 >>> 3)) + w12 + (((w1 >>> 17) | (w1 << 15)) ^ ((w1 >>> 19) | (w1 << 13)) ^ (w1 >>> 10))) | 0;
      w4 = (w4 + (((w5 >>> 7) | (w5 << 25)) ^ ((w5 >>> 18) | (w5 << 14)) ^ (w5 >>> 3)) + w13 + (((w2 >>> 17) | (w2 << 15)) ^ ((w2 >>> 19) | (w2 << 13)) ^ (w2 >>> 10))) | 0;
      w5 = (w5 + (((w6 >>> 7) | (w6 << 25)) ^ ((w6 >>> 18) | (w6 << 14)) ^ (w6 >>> 3)) + w14 + (((w3 >>> 17) | (w3 << 15)) ^ ((w3 >>> 19) | (w3 << 13)) ^ (w3 >>> 10))) | 0;
      w6 = (w6 + (((w7 >>> 7) | (w7 << 25)) ^ ((w7 >>> 18) | (w7 << 14)) ^ (w7 >>> 3)) + w15 + (((w4 >>> 17) | (w4 << 15)) ^ ((w4 >>> 19) | (w4 << 13)) ^ (w4 >>> 10))) | 0;
      w7 = (w7 + (((w8 >>> 7) | (w8 << 25)) ^ ((w8 >>> 18) | (w8 << 14)) ^ (w8 >>> 3)) + w0 + (((w5 >>> 17) | (w5 << 15)) ^ ((w5 >>> 19) | (w5 << 13)) ^ (w5 >>> 10))) | 0;
      w8 = (w8 + (((w9 >>> 7) | (w9 << 25)) ^ ((w9 >>> 18) | (w9 << 14)) ^ (w9 >>> 3)) + w1 + (((w6 >>> 17) | (w6 << 15)) ^ ((w6 >>> 19) | (w6 << 13)) ^ (w6 >>> 10))) | 0;
      w9 = (w9 + (((w10 >>> 7) | (w10 << 25)) ^ ((w10 >>> 18) | (w10 << 14)) ^ (w10 >>> 3)) + w2 + (((w7 >>> 17) | (w7 << 15)) ^ ((w7 >>> 19) | (w7 << 13)) ^ (w7 >>> 10))) | 0;
      w10 = (w10 + (((w11 >>> 7) | (w11 << 25)) ^ ((w11 >>> 18) | (w11 << 14)) ^ (w11 >>> 3)) + w3 + (((w8 >>> 17) | (w8 << 15)) ^ ((w8 >>> 19) | (w8 << 13)) ^ (w8 >>> 10))) | 0;
      w11 = (w11 + (((w12 >>> 7) | (w12 << 25)) ^ ((w12 >>> 18) | (w12 << 14)) ^ (w12 >>> 3)) + w4 + (((w9 >>> 17) | (w9 << 15)) ^ ((w9 >>> 19) | (w9 << 13)) ^ (w9 >>> 10))) | 0;
      w12 = (w12 + (((w13 >>> 7) | (w13 << 25)) ^ ((w13 >>> 18) | (w13 << 14)) ^ (w13 >>> 3)) + w5 + (((w10 >>> 17) | (w10 << 15)) ^ ((w10 >>> 19) | (w10 << 13)) ^ (w10 >>> 10))) | 0;
      w13 = (w13 + (((w14 >>> 7) | (w14 << 25)) ^ ((w14 >>> 18) | (w14 << 14)) ^ (w14 >>> 3)) + w6 + (((w11 >>> 17) | (w11 << 15)) ^ ((w11 >>> 19) | (w11 << 13)) ^ (w11 >>> 10))) | 0;
      w14 = (w14 + (((w15 >>> 7) | (w15 << 25)) ^ ((w15 >>> 18) | (w15 << 14)) ^ (w15 >>> 3)) + w7 + (((w12 >>> 17) | (w12 << 15)) ^ ((w12 >>> 19) | (w12 << 13)) ^ (w12 >>> 10))) | 0;
      w15 = (w15 + (((w0 >>> 7) | (w0 << 25)) ^ ((w0 >>> 18) | (w0 << 14)) ^ (w0 >>> 3)) + w8 + (((w13 >>> 17) | (w13 << 15)) ^ ((w13 >>> 19) | (w13 << 13)) ^ (w13 >>> 10))) | 0;
    }
    // Round t: T1 = h + K[t] + W[t] + Ch(e,f,g) + Σ1(e); d += T1; h = T1 + (Σ0(a) + Maj(a,b,c)); then
    // the roles shift by one letter (the next round's a is this round's h, its e this round's d).
    t = (h + K[k]! + w0 + (g ^ (e & (f ^ g))) + (((e >>> 6) | (e << 26)) ^ ((e >>> 11) | (e << 21)) ^ ((e >>> 25) | (e << 7)))) | 0;
    d = (d + t) | 0;
    h = (t + ((((a >>> 2) | (a << 30)) ^ ((a >>> 13) | (a << 19)) ^ ((a >>> 22) | (a << 10))) + ((a & b) | (c & (a | b))))) | 0;
    t = (g + K[k + 1]! + w1 + (f ^ (d & (e ^ f))) + (((d >>> 6) | (d << 26)) ^ ((d >>> 11) | (d << 21)) ^ ((d >>> 25) | (d << 7)))) | 0;
    c = (c + t) | 0;
    g = (t + ((((h >>> 2) | (h << 30)) ^ ((h >>> 13) | (h << 19)) ^ ((h >>> 22) | (h << 10))) + ((h & a) | (b & (h | a))))) | 0;
    t = (f + K[k + 2]! + w2 + (e ^ (c & (d ^ e))) + (((c >>> 6) | (c << 26)) ^ ((c >>> 11) | (c << 21)) ^ ((c >>> 25) | (c << 7)))) | 0;
    b = (b + t) | 0;
    f = (t + ((((g >>> 2) | (g << 30)) ^ ((g >>> 13) | (g << 19)) ^ ((g >>> 22) | (g << 10))) + ((g & h) | (a & (g | h))))) | 0;
    t = (e + K[k + 3]! + w3 + (d ^ (b & (c ^ d))) + (((b >>> 6) | (b << 26)) ^ ((b >>> 11) | (b << 21)) ^ ((b >>> 25) | (b << 7)))) | 0;
    a = (a + t) | 0;
    e = (t + ((((f >>> 2) | (f << 30)) ^ ((f >>> 13) | (f << 19)) ^ ((f >>> 22) | (f << 10))) + ((f & g) | (h & (f | g))))) | 0;
    t = (d + K[k + 4]! + w4 + (c ^ (a & (b ^ c))) + (((a >>> 6) | (a << 26)) ^ ((a >>> 11) | (a << 21)) ^ ((a >>> 25) | (a << 7)))) | 0;
    h = (h + t) | 0;
    d = (t + ((((e >>> 2) | (e << 30)) ^ ((e >>> 13) | (e << 19)) ^ ((e >>> 22) | (e << 10))) + ((e & f) | (g & (e | f))))) | 0;
    t = (c + K[k + 5]! + w5 + (b ^ (h & (a ^ b))) + (((h >>> 6) | (h << 26)) ^ ((h >>> 11) | (h << 21)) ^ ((h >>> 25) | (h << 7)))) | 0;
    g = (g + t) | 0;
    c = (t + ((((d >>> 2) | (d << 30)) ^ ((d >>> 13) | (d << 19)) ^ ((d >>> 22) | (d << 10))) + ((d & e) | (f & (d | e))))) | 0;
    t = (b + K[k + 6]! + w6 + (a ^ (g & (h ^ a))) + (((g >>> 6) | (g << 26)) ^ ((g >>> 11) | (g << 21)) ^ ((g >>> 25) | (g << 7)))) | 0;
    f = (f + t) | 0;
    b = (t + ((((c >>> 2) | (c << 30)) ^ ((c >>> 13) | (c << 19)) ^ ((c >>> 22) | (c << 10))) + ((c & d) | (e & (c | d))))) | 0;
    t = (a + K[k + 7]! + w7 + (h ^ (f & (g ^ h))) + (((f >>> 6) | (f << 26)) ^ ((f >>> 11) | (f << 21)) ^ ((f >>> 25) | (f << 7)))) | 0;
    e = (e + t) | 0;
    a = (t + ((((b >>> 2) | (b << 30)) ^ ((b >>> 13) | (b << 19)) ^ ((b >>> 22) | (b << 10))) + ((b & c) | (d & (b | c))))) | 0;
    t = (h + K[k + 8]! + w8 + (g ^ (e & (f ^ g))) + (((e >>> 6) | (e << 26)) ^ ((e >>> 11) | (e << 21)) ^ ((e >>> 25) | (e << 7)))) | 0;
    d = (d + t) | 0;
    h = (t + ((((a >>> 2) | (a << 30)) ^ ((a >>> 13) | (a << 19)) ^ ((a >>> 22) | (a << 10))) + ((a & b) | (c & (a | b))))) | 0;
    t = (g + K[k + 9]! + w9 + (f ^ (d & (e ^ f))) + (((d >>> 6) | (d << 26)) ^ ((d >>> 11) | (d << 21)) ^ ((d >>> 25) | (d << 7)))) | 0;
    c = (c + t) | 0;
    g = (t + ((((h >>> 2) | (h << 30)) ^ ((h >>> 13) | (h << 19)) ^ ((h >>> 22) | (h << 10))) + ((h & a) | (b & (h | a))))) | 0;
    t = (f + K[k + 10]! + w10 + (e ^ (c & (d ^ e))) + (((c >>> 6) | (c << 26)) ^ ((c >>> 11) | (c << 21)) ^ ((c >>> 25) | (c << 7)))) | 0;
    b = (b + t) | 0;
    f = (t + ((((g >>> 2) | (g << 30)) ^ ((g >>> 13) | (g << 19)) ^ ((g >>> 22) | (g << 10))) + ((g & h) | (a & (g | h))))) | 0;
    t = (e + K[k + 11]! + w11 + (d ^ (b & (c ^ d))) + (((b >>> 6) | (b << 26)) ^ ((b >>> 11) | (b << 21)) ^ ((b >>> 25) | (b << 7)))) | 0;
    a = (a + t) | 0;
    e = (t + ((((f >>> 2) | (f << 30)) ^ ((f >>> 13) | (f << 19)) ^ ((f >>> 22) | (f << 10))) + ((f & g) | (h & (f | g))))) | 0;
    t = (d + K[k + 12]! + w12 + (c ^ (a & (b ^ c))) + (((a >>> 6) | (a << 26)) ^ ((a >>> 11) | (a << 21)) ^ ((a >>> 25) | (a << 7)))) | 0;
    h = (h + t) | 0;
    d = (t + ((((e >>> 2) | (e << 30)) ^ ((e >>> 13) | (e << 19)) ^ ((e >>> 22) | (e << 10))) + ((e & f) | (g & (e | f))))) | 0;
    t = (c + K[k + 13]! + w13 + (b ^ (h & (a ^ b))) + (((h >>> 6) | (h << 26)) ^ ((h >>> 11) | (h << 21)) ^ ((h >>> 25) | (h << 7)))) | 0;
    g = (g + t) | 0;
    c = (t + ((((d >>> 2) | (d << 30)) ^ ((d >>> 13) | (d << 19)) ^ ((d >>> 22) | (d << 10))) + ((d & e) | (f & (d | e))))) | 0;
    t = (b + K[k + 14]! + w14 + (a ^ (g & (h ^ a))) + (((g >>> 6) | (g << 26)) ^ ((g >>> 11) | (g << 21)) ^ ((g >>> 25) | (g << 7)))) | 0;
    f = (f + t) | 0;
    b = (t + ((((c >>> 2) | (c << 30)) ^ ((c >>> 13) | (c << 19)) ^ ((c >>> 22) | (c << 10))) + ((c & d) | (e & (c | d))))) | 0;
    t = (a + K[k + 15]! + w15 + (h ^ (f & (g ^ h))) + (((f >>> 6) | (f << 26)) ^ ((f >>> 11) | (f << 21)) ^ ((f >>> 25) | (f << 7)))) | 0;
    e = (e + t) | 0;
    a = (t + ((((b >>> 2) | (b << 30)) ^ ((b >>> 13) | (b << 19)) ^ ((b >>> 22) | (b << 10))) + ((b & c) | (d & (b | c))))) | 0;
  }
  to[toOffset] = (from[fromOffset]! + a) | 0;
  to[toOffset + 1] = (from[fromOffset + 1]! + b) | 0;
  to[toOffset + 2] = (from[fromOffset + 2]! + c) | 0;
  to[toOffset + 3] = (from[fromOffset + 3]! + d) | 0;
  to[toOffset + 4] = (from[fromOffset + 4]! + e) | 0;
  to[toOffset + 5] = (from[fromOffset + 5]! + f) | 0;
  to[toOffset + 6] = (from[fromOffset + 6]! + g) | 0;
  to[toOffset + 7] = (from[fromOffset + 7]! + h) | 0;
}

/**
 * SHA-256 of `data`, in JavaScript (a reference for tests and small inputs; `node:crypto` is
 * faster beyond a few blocks).
 */
export function sha256(data: Uint8Array): Uint8Array {
  const blocks = Math.floor((data.length + 9 + 63) / 64);
  const bytes = new Uint8Array(blocks * 64);
  bytes.set(data);
  bytes[data.length] = 0x80;
  const bits = data.length * 8;
  const view = new DataView(bytes.buffer);
  view.setUint32(bytes.length - 8, Math.floor(bits / 0x100000000));
  view.setUint32(bytes.length - 4, bits >>> 0);
  const message = new Int32Array(blocks * 16);
  for (let i = 0; i < message.length; i += 1) message[i] = view.getInt32(i * 4);
  const state = new Int32Array(SHA256_IV);
  for (let b = 0; b < blocks; b += 1) sha256Compress(state, message, b * 16);
  const out = new Uint8Array(32);
  const outView = new DataView(out.buffer);
  for (let i = 0; i < 8; i += 1) outView.setInt32(i * 4, state[i]!);
  return out;
}
