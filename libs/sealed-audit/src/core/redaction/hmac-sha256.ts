import { createHash, createHmac } from 'node:crypto';

/**
 * HMAC-SHA-256 (RFC 2104 / FIPS 180-4) of short texts, for the `hash` strategy's pseudonyms.
 *
 * Why not `createHmac` per value: for a 30-byte e-mail address, `createHmac(…).update(…).digest()`
 * costs ≈ 3–4 µs, almost all of it the round trips into C++ and the key schedule repeated for every
 * value (HMAC hashes the 64-byte padded key twice before it sees the text). `crypto.hash` one-shot
 * and `Hash.copy()` of a pre-keyed state were measured too: no faster, they make the same trips.
 * Here the key's inner and outer blocks are compressed once at construction (the "midstates"), so
 * a text of up to 55 UTF-8 bytes costs exactly two compressions in JavaScript (≈ 0.5 µs each) and
 * no allocation besides the hex string.
 *
 * Output is byte-identical to `createHmac('sha256', key).update(text, 'utf8').digest('hex')`
 * (property-tested against it, with long keys and unpaired surrogates). Texts longer than
 * {@link MAX_JS_BYTES} go to `createHmac`, which is faster there.
 */
export class HmacSha256 {
  private readonly key: Buffer;
  private readonly inner = new Int32Array(8);
  private readonly outer = new Int32Array(8);

  constructor(key: Buffer) {
    this.key = key;
    // A key longer than one block is hashed first (RFC 2104 §2); a shorter one is zero-padded.
    const block = Buffer.alloc(64);
    (key.length > 64 ? createHash('sha256').update(key).digest() : key).copy(block);
    const words = new Int32Array(16);
    for (let i = 0; i < 16; i += 1) words[i] = block.readInt32BE(i * 4) ^ 0x36363636;
    this.inner.set(IV);
    compress(this.inner, words, 0);
    for (let i = 0; i < 16; i += 1) words[i] = block.readInt32BE(i * 4) ^ 0x5c5c5c5c;
    this.outer.set(IV);
    compress(this.outer, words, 0);
    block.fill(0);
    words.fill(0);
  }

  /** Lower-case hex HMAC-SHA-256 of the UTF-8 bytes of `text`. */
  hex(text: string): string {
    // Each UTF-16 unit is at most 3 UTF-8 bytes: a text that short always fits the scratch blocks.
    if (text.length * 3 > MAX_JS_BYTES && Buffer.byteLength(text, 'utf8') > MAX_JS_BYTES) {
      return createHmac('sha256', this.key).update(text, 'utf8').digest('hex');
    }
    let length = 0;
    for (let i = 0; i < text.length; i += 1) {
      const code = text.charCodeAt(i);
      if (code >= 0x80) {
        length = -1;
        break;
      }
      BYTES[length++] = code;
    }
    if (length === -1) length = SCRATCH.write(text, 0, 'utf8');
    // Padding: 0x80, zeros, then the bit length of (key block + text) in the last 8 bytes.
    const blocks = (length + 9 + 63) >>> 6;
    const end = blocks * 64;
    BYTES[length] = 0x80;
    BYTES.fill(0, length + 1, end - 4);
    const bits = (64 + length) * 8; // < 2^32: at most MAX_JS_BYTES + 64 bytes
    BYTES[end - 4] = bits >>> 24;
    BYTES[end - 3] = bits >>> 16;
    BYTES[end - 2] = bits >>> 8;
    BYTES[end - 1] = bits;
    for (let w = 0, o = 0; w < blocks * 16; w += 1, o += 4) {
      MESSAGE[w] = (BYTES[o]! << 24) | (BYTES[o + 1]! << 16) | (BYTES[o + 2]! << 8) | BYTES[o + 3]!;
    }
    STATE.set(this.inner);
    for (let b = 0; b < blocks; b += 1) compress(STATE, MESSAGE, b * 16);
    // Outer hash: the 32-byte inner digest in one padded block (64 + 32 bytes = 768 bits).
    for (let i = 0; i < 8; i += 1) MESSAGE[i] = STATE[i]!;
    MESSAGE[8] = 0x80000000 | 0;
    MESSAGE.fill(0, 9, 15);
    MESSAGE[15] = 768;
    STATE.set(this.outer);
    compress(STATE, MESSAGE, 0);
    let out = '';
    for (let i = 0; i < 8; i += 1) {
      const word = STATE[i]!;
      out += HEX[(word >>> 24) & 0xff]! + HEX[(word >>> 16) & 0xff]! + HEX[(word >>> 8) & 0xff]! + HEX[word & 0xff]!;
    }
    return out;
  }
}

/** Longest text (in UTF-8 bytes) hashed here: 4 blocks; longer ones are cheaper in C++. */
export const MAX_JS_BYTES = 4 * 64 - 9;

// Scratch space shared by every instance: `hex` is synchronous and never re-entered.
const BYTES = new Uint8Array(4 * 64);
const SCRATCH = Buffer.from(BYTES.buffer, BYTES.byteOffset, BYTES.byteLength);
const MESSAGE = new Int32Array(4 * 16);
const STATE = new Int32Array(8);
const W = new Int32Array(64);
const HEX: readonly string[] = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

const IV = new Int32Array([0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19]);

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

/** One SHA-256 compression of the 16 big-endian words at `message[offset…]` into `state`. */
function compress(state: Int32Array, message: Int32Array, offset: number): void {
  for (let t = 0; t < 16; t += 1) W[t] = message[offset + t]!;
  for (let t = 16; t < 64; t += 1) {
    const w15 = W[t - 15]!;
    const w2 = W[t - 2]!;
    const s0 = ((w15 >>> 7) | (w15 << 25)) ^ ((w15 >>> 18) | (w15 << 14)) ^ (w15 >>> 3);
    const s1 = ((w2 >>> 17) | (w2 << 15)) ^ ((w2 >>> 19) | (w2 << 13)) ^ (w2 >>> 10);
    W[t] = (W[t - 16]! + s0 + W[t - 7]! + s1) | 0;
  }
  let a = state[0]!;
  let b = state[1]!;
  let c = state[2]!;
  let d = state[3]!;
  let e = state[4]!;
  let f = state[5]!;
  let g = state[6]!;
  let h = state[7]!;
  for (let t = 0; t < 64; t += 1) {
    const s1 = ((e >>> 6) | (e << 26)) ^ ((e >>> 11) | (e << 21)) ^ ((e >>> 25) | (e << 7));
    const t1 = (h + s1 + ((e & f) ^ (~e & g)) + K[t]! + W[t]!) | 0;
    const s0 = ((a >>> 2) | (a << 30)) ^ ((a >>> 13) | (a << 19)) ^ ((a >>> 22) | (a << 10));
    const t2 = (s0 + ((a & b) ^ (a & c) ^ (b & c))) | 0;
    h = g;
    g = f;
    f = e;
    e = (d + t1) | 0;
    d = c;
    c = b;
    b = a;
    a = (t1 + t2) | 0;
  }
  state[0] = (state[0]! + a) | 0;
  state[1] = (state[1]! + b) | 0;
  state[2] = (state[2]! + c) | 0;
  state[3] = (state[3]! + d) | 0;
  state[4] = (state[4]! + e) | 0;
  state[5] = (state[5]! + f) | 0;
  state[6] = (state[6]! + g) | 0;
  state[7] = (state[7]! + h) | 0;
}
