import { createHash, createHmac } from 'node:crypto';
import { SHA256_IV as IV, sha256Compress as compress } from '../crypto/sha256';

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
const HEX: readonly string[] = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));
