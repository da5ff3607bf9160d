import { createHash, createHmac } from 'node:crypto';
import { SHA256_IV as IV, sha256Block as block, sha256Compress as compress } from '../crypto/sha256';

/**
 * HMAC-SHA-256 (RFC 2104 / FIPS 180-4) of short texts, for the `hash` strategy's pseudonyms.
 *
 * Why not `createHmac` per value: for a 30-byte e-mail address, `createHmac(…).update(…).digest()`
 * costs ≈ 3–4 µs, almost all of it the round trips into C++ and the key schedule repeated for every
 * value (HMAC hashes the 64-byte padded key twice before it sees the text). `crypto.hash` one-shot
 * and `Hash.copy()` of a pre-keyed state were measured too: no faster, they make the same trips.
 * Here the key's inner and outer blocks are compressed once at construction (the "midstates"), so
 * a text of up to 55 UTF-8 bytes costs exactly two compressions in JavaScript (≈ 0.15 µs each) and
 * no allocation besides the result string. Around them: an ASCII text of one block is packed into
 * message words straight from its char codes (no byte buffer, no UTF-8 encoder call), the digest is
 * written as hex digits into a byte buffer and read back as one flat Latin-1 string (behind the
 * pseudonym prefix, written into the instance's buffer once), and the inner digest is compressed
straight into the outer block (whose padding words never change), so no state is copied.
 *
 * Output is byte-identical to `createHmac('sha256', key).update(text, 'utf8').digest('hex')`
 * (property-tested against it, with long keys and unpaired surrogates). Texts longer than
 * {@link MAX_JS_BYTES} go to `createHmac`, which is faster there.
 */
export class HmacSha256 {
  private readonly key: Buffer;
  private readonly inner = new Int32Array(8);
  private readonly outer = new Int32Array(8);
  /**
   * This instance's output: a pad byte when the prefix has an odd length (so the digits start at an
   * even offset, see {@link render}), the prefix, written once, then room for the 64 hex digits.
   */
  private readonly out: Buffer;
  /** 16-bit view of {@link out}: the digits are written two at a time. */
  private readonly outPairs: Uint16Array;
  /** Where the prefix starts in {@link out} (0 or the pad byte's 1), and where the digits start. */
  private readonly start: number;
  private readonly digitsAt: number;
  private readonly prefixString: string;

  /**
   * @param key the HMAC key (any length; longer than a block is hashed first).
   * @param prefix ASCII text {@link prefixedHex} returns before the digest, e.g. `hmac-sha256:<key id>:`.
   */
  constructor(key: Buffer, prefix = '') {
    if (!/^[\x20-\x7e]*$/.test(prefix) || prefix.length > 192) throw new RangeError('HmacSha256: the prefix must be printable ASCII, at most 192 characters.');
    this.key = key;
    this.start = prefix.length & 1;
    this.digitsAt = this.start + prefix.length;
    this.out = Buffer.allocUnsafeSlow(this.digitsAt + 64);
    this.outPairs = new Uint16Array(this.out.buffer, this.out.byteOffset, this.out.length >>> 1);
    this.out.write(prefix, this.start, 'latin1');
    this.prefixString = prefix;
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
    if (this.digest(text)) return createHmac('sha256', this.key).update(text, 'utf8').digest('hex');
    return render(OUT, OUT_PAIRS, 0, 0);
  }

  /**
   * The constructor's prefix, then {@link hex} of `text`: one flat string. (Concatenating 64 hex
   * digits two at a time built a tree of 33 string pieces that every later reader — the writer's
   * JSON.stringify, the sealing canonicalizer — had to flatten first; flattening cost more than
   * the concatenation.)
   */
  prefixedHex(text: string): string {
    if (this.digest(text)) return this.prefixString + createHmac('sha256', this.key).update(text, 'utf8').digest('hex');
    return render(this.out, this.outPairs, this.start, this.digitsAt);
  }

  /**
   * Leaves HMAC(text) in {@link STATE}; returns true instead when the text is too long for the
   * JavaScript path (the caller uses createHmac).
   */
  private digest(text: string): boolean {
    const n = text.length;
    // One block (≤ 55 bytes), ASCII: packed into big-endian words straight from the char codes,
    // four per word; whether any was ASCII's last is one test of their OR at the end.
    // Nearly every pseudonymized value (an e-mail address, a phone number, a name) takes this path.
    if (n <= 55) {
      const full = n >>> 2;
      let any = 0;
      for (let w = 0, i = 0; w < full; w += 1, i += 4) {
        const c0 = text.charCodeAt(i);
        const c1 = text.charCodeAt(i + 1);
        const c2 = text.charCodeAt(i + 2);
        const c3 = text.charCodeAt(i + 3);
        any |= c0 | c1 | c2 | c3;
        MESSAGE[w] = (c0 << 24) | (c1 << 16) | (c2 << 8) | c3;
      }
      let word = 0;
      for (let i = full << 2; i < n; i += 1) {
        const code = text.charCodeAt(i);
        any |= code;
        word = (word << 8) | code;
      }
      if (any < 0x80) {
        // Padding: 0x80 after the text, zeros, then the bit length of (key block + text).
        MESSAGE[full] = (((word << 8) | 0x80) << ((3 - (n & 3)) * 8)) | 0;
        for (let w = full + 1; w < 15; w += 1) MESSAGE[w] = 0;
        MESSAGE[15] = (64 + n) * 8;
        // The inner digest is written straight into the outer block's first 8 words.
        block(this.inner, 0, MESSAGE, 0, OUTER_BLOCK, 0);
        block(this.outer, 0, OUTER_BLOCK, 0, STATE, 0);
        return false;
      }
    }
    // Each UTF-16 unit is at most 3 UTF-8 bytes: a text that short always fits the scratch blocks.
    if (n * 3 > MAX_JS_BYTES && Buffer.byteLength(text, 'utf8') > MAX_JS_BYTES) return true;
    const length = SCRATCH.write(text, 0, 'utf8');
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
    block(this.inner, 0, MESSAGE, 0, OUTER_BLOCK, 0);
    for (let b = 1; b < blocks; b += 1) block(OUTER_BLOCK, 0, MESSAGE, b * 16, OUTER_BLOCK, 0);
    block(this.outer, 0, OUTER_BLOCK, 0, STATE, 0);
    return false;
  }
}

/**
 * {@link STATE} as 64 lower-case hex digits at `out[at…]` (`at` even), two digits per 16-bit store
 * into `pairs` (a view of `out`) from {@link HEX_PAIRS}; returns `out[start, at + 64)` as a string.
 * (One 8-bit store per digit, each with its own table read: a pseudonym took ~5% longer.)
 */
function render(out: Buffer, pairs: Uint16Array, start: number, at: number): string {
  let p = at >>> 1;
  for (let i = 0; i < 8; i += 1) {
    const word = STATE[i]!;
    pairs[p] = HEX_PAIRS[word >>> 24]!;
    pairs[p + 1] = HEX_PAIRS[(word >>> 16) & 255]!;
    pairs[p + 2] = HEX_PAIRS[(word >>> 8) & 255]!;
    pairs[p + 3] = HEX_PAIRS[word & 255]!;
    p += 4;
  }
  // One native copy into a flat one-byte string (the digits and prefix are ASCII).
  return LATIN1_SLICE !== undefined ? LATIN1_SLICE.call(out, start, at + 64) : out.toString('latin1', start, at + 64);
}

/**
 * Node's own Latin-1 reader of a Buffer (what `toString('latin1', start, end)` calls after checking
 * its arguments and looking the encoding up; not in Node's documentation, like the scan's
 * latin1Write), read once; `toString` stands in when it is missing.
 */
interface LatinReader {
  latin1Slice(start: number, end: number): string;
}
const LATIN1_SLICE = (Buffer.prototype as unknown as Partial<LatinReader>).latin1Slice;

/** Longest text (in UTF-8 bytes) hashed here: 4 blocks; longer ones are cheaper in C++. */
export const MAX_JS_BYTES = 4 * 64 - 9;

// Scratch space shared by every instance: `hex` is synchronous and never re-entered.
const BYTES = new Uint8Array(4 * 64);
const SCRATCH = Buffer.from(BYTES.buffer, BYTES.byteOffset, BYTES.byteLength);
const MESSAGE = new Int32Array(4 * 16);
const STATE = new Int32Array(8);
/**
 * The outer hash's one block: the inner digest (words 0–7, written by the inner compression), then
 * the padding of 64 + 32 bytes (768 bits), which never changes.
 */
const OUTER_BLOCK = new Int32Array(16);
OUTER_BLOCK[8] = 0x80000000 | 0;
OUTER_BLOCK[15] = 768;
/**
 * Per byte value, its two hex digits as one 16-bit unit whose bytes in memory are the high digit,
 * then the low one (filled through a byte view: right on either endianness).
 */
const HEX_PAIRS = new Uint16Array(256);
{
  const digits = '0123456789abcdef';
  const bytes = new Uint8Array(HEX_PAIRS.buffer);
  for (let b = 0; b < 256; b += 1) {
    bytes[2 * b] = digits.charCodeAt(b >>> 4);
    bytes[2 * b + 1] = digits.charCodeAt(b & 15);
  }
}
/** Output of {@link HmacSha256.hex}: 64 hex digits. */
const OUT = Buffer.allocUnsafeSlow(64);
const OUT_PAIRS = new Uint16Array(OUT.buffer, OUT.byteOffset, 32);
