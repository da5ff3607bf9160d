/**
 * The one pass of {@link DetectorSet.find} over a text: which cheap features it has (pre-checks of
 * the detectors that still run over the whole text) and where the built-in value detectors can
 * match at all (candidate regions, tried with each detector's own sticky expression).
 *
 * Every feature and region is a necessary condition of a validated match, never a sufficient one:
 * a bit may be set (or a region kept) for a look-alike, which costs an expression run, but one is
 * never missing where a detector can match. detector-prechecks.spec.ts checks that against running
 * every detector's expression over the whole text.
 */

export const F_AT = 1;
export const F_COLON = 2;
export const F_SLASHES = 4;
export const F_EYJ = 8;
export const F_EARER = 16;
/** `_`, `AK`, `AS`, `AI`, `xox?-` or `lpat-`: every API-key prefix holds one of these. */
export const F_API = 32;
/** A birth keyword (`born`, `dob`, `d.o.b`, `birth`, `bday`, `b-day`, `geboren`, `née le`), any case. */
export const F_DOB = 64;

/**
 * What the last {@link scanCandidates} call found besides the feature bits (one shared object: a
 * scan is synchronous and its results are read before any user code runs).
 *
 * `regions`: maximal runs of digits, spaces and `+ ( ) - .` holding at least
 * {@link MIN_REGION_DIGITS} digits, as `[start, end, digits]` triples. Every character a
 * card, SSN, phone number or IPv4 address can contain is one of these, so each of their matches
 * lies inside one region. `ibanStarts`: where an IBAN can start (two capitals, then two digits that
 * begin a region).
 */
export const scanned = {
  digits: 0,
  regions: new Int32Array(48),
  regionCount: 0,
  ibanStarts: new Int32Array(16),
  ibanCount: 0,
  /** Where the text's `@`s are, in order (exactly `indexOf('@')`'s answers: no look-alike). */
  ats: new Int32Array(16),
  atCount: 0,
  /** Where its `:`s are, likewise. */
  colons: new Int32Array(16),
  colonCount: 0,
  /**
   * How many `-` bytes it has that may be a UUID's first hyphen: 8 bytes or more from the start, 28
   * or more from the end, with `-` bytes 5, 10 and 15 further on (every UUID's, and a look-alike
   * non-ASCII unit now and then: never fewer).
   */
  uuidHyphens: 0,
  /**
   * The scan's Latin-1 bytes of the text (see `bytes` below), then two sentinels (`@`) at its length
   * and room for 6 more bytes after them. Valid until the next scan.
   */
  bytes: Buffer.allocUnsafeSlow(4096),
};

/** Fewest digits any region detector needs (an IPv4 address has 4). */
export const MIN_REGION_DIGITS = 4;

/** What a byte does outside a region ({@link STOP}): 0 nothing (skipped by the tight loop). */
const S_DIGIT = 1;
const S_HYPHEN = 2;
const S_FEATURE = 3; // may complete a feature: / : @ _ J K S I b B
const S_L = 4; // l, L: may end `née le`
/**
 * Per byte, outside a region: 0 for the bytes the tight loop skips (letters, spaces, `( ) + .`,
 * every byte 128–255), else why it stops. Separators and dots need nothing there: a region's start
 * is found by looking back from its first digit.
 */
const STOP = new Uint8Array(256);
for (let c = 48; c <= 57; c += 1) STOP[c] = S_DIGIT;
STOP[45] = S_HYPHEN;
for (const c of '/:@_JKSI') STOP[c.charCodeAt(0)] = S_FEATURE;

/** A pair that stops the tight loop though neither of its bytes stops alone (see {@link PAIR_STOP}). */
const S_PAIR = 5;
/** A pair `b x` (either case) that stops only if the byte after it goes on a keyword ({@link FOLLOW}). */
const S_B_EVEN = 6;
/** A pair `a b` (either case) that stops only if the two bytes after it go on a keyword ({@link FOLLOW}). */
const S_B_ODD = 7;
/** `l`, `L` ({@link S_L}) and `b`, `B` ({@link S_FEATURE}): looked at wherever the scan stops on them. */
const SOFT = new Uint8Array(256);
SOFT[108] = S_L;
SOFT[76] = S_L;
SOFT[98] = S_FEATURE;
SOFT[66] = S_FEATURE;
/** {@link STOP} or {@link SOFT}: what the scan looks at in a byte it reaches one at a time. */
const LOOK = new Uint8Array(256);
for (let c = 0; c < 256; c += 1) LOOK[c] = STOP[c]! | SOFT[c]!;

/**
 * Per byte: what a region holds, 2 for a digit and 1 for ` ( ) + . -`; 0 for what ends it. Half of
 * it is the byte's digit count: the region loop adds it rather than branching on a digit, a branch
 * mispredicted at every group of a card or phone number.
 */
const IN_REGION = new Uint8Array(256);
for (const c of ' ()+.-') IN_REGION[c.charCodeAt(0)] = 1;
for (const c of '0123456789') IN_REGION[c.charCodeAt(0)] = 2;

/** Longest text copied into the scan buffer by a loop rather than Buffer#write. */
const SHORT_TEXT = 64;

/**
 * Node's own latin1 writer of a Buffer (what `write(text, 0, 'latin1')` calls after checking its
 * arguments and looking the encoding up: about 8 of its 48 ns on a short text here). Not in Node's
 * documentation, so `write` stands in when it is missing.
 */
interface LatinWriter {
  latin1Write(text: string, offset: number, length: number): number;
}
/**
 * Read once: looked up on the buffer at each call, it went through V8's generic property load (the
 * Buffer prototype chain holds many methods); find() over (b)'s long texts took 3–8% longer.
 */
const LATIN1_WRITE = (Buffer.prototype as unknown as Partial<LatinWriter>).latin1Write;

/** Bytes the buffer holds past the text: the two sentinels, and 6 that a reader of {@link scanned.bytes} may clear. */
export const SLACK = 8;

/** Written after the text: stops the tight loop (a feature byte) and ends a region, so no loop checks the length. */
const SENTINEL = 64; // '@'

/**
 * The text's UTF-16 code units as Latin-1 bytes (one byte each, the low byte of a unit above U+00FF:
 * Node's documented `latin1` truncation). An ASCII character keeps its byte and its index, so the
 * scan misses nothing; a non-ASCII unit can only look like an ASCII one (`Ł` like `A`), which adds
 * a candidate or a feature bit, never removes one. Reading a typed array is about twice as fast as
 * `charCodeAt` in a loop, and `write` is one native copy.
 */
let bytes = scanned.bytes;
/** The same bytes two at a time (its own ArrayBuffer: offset 0, so aligned). */
let pairs = new Uint16Array(bytes.buffer, bytes.byteOffset, bytes.length >>> 1);
/** The same bytes four at a time: the tight loop reads two pairs per step. */
let quads = new Uint32Array(bytes.buffer, bytes.byteOffset, bytes.length >>> 2);

/** Whether the machine reads the bytes `a, b` as the 16-bit `a | b << 8` (little-endian) rather than `a << 8 | b`. */
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/**
 * Per pair of bytes `2j, 2j + 1` (as one 16-bit read): 0 when the tight loop may go past both. The
 * tight loop then reads two bytes per step (64 KiB, but prose touches a few cache lines of it: a
 * second byte's row holds the letters together).
 *
 * A byte that stops alone ({@link STOP}) stops either pair it is in. `l` and `b`, the commonest stops
 * in prose, stop only where the pair can tell they may complete a feature, else the next byte that
 * stops catches them:
 * - `l` (`n[ée]e?\s+le`, any case) after a `\s` (an odd `l`: the pair holds the byte before it, and
 *   every `\s` unit's Latin-1 byte is listed) or before an `e` (an even `l`: the pair holds the byte after it);
 * - an even `b` (`B`) before the letters a birth keyword or `[Bb]earer` has after its `b` (`born`,
 *   `birth`, `bday`, `b-day`, `bearer`, `geboren`: {@link S_B_EVEN}, the tight loop then looks at the
 *   third letter), or after `do` or `o.` (`dob`, `d.o.b`: the pair before it is `do` or `o.`, whose
 *   `b` the loop then looks at); an odd `b` after `o` or `.` (`dob`, `d.o.b`) stops, any other
 *   ({@link S_B_ODD}) only if the two bytes after it (in the next pair) go on a keyword.
 * On a big-endian machine the pair's bytes are the other way round in the read, and every `l` and `b` stops.
 */
const PAIR_STOP = new Uint8Array(65536);
{
  const has = (chars: string, c: number): boolean => chars.includes(String.fromCharCode(c));
  const spaceByte = new Uint8Array(256);
  for (let u = 0; u <= 0xffff; u += 1) if (isRegexSpace(u)) spaceByte[u & 0xff] = 1;
  for (let a = 0; a < 256; a += 1) {
    for (let b = 0; b < 256; b += 1) {
      let stop = STOP[a]! | STOP[b]!;
      if (!LITTLE_ENDIAN) stop |= SOFT[a]! | SOFT[b]!;
      else if (stop === 0) {
        if ((has('lL', a) && has('eE', b)) || (has('lL', b) && spaceByte[a] === 1) || (has('dD', a) && has('oO', b)) || (has('oO', a) && b === 46) || (has('bB', b) && has('oO.', a))) stop = S_PAIR;
        else if (has('bB', a) && has('oOiIdD-e', b)) stop = S_B_EVEN;
        else if (has('bB', b)) stop = S_B_ODD;
      }
      PAIR_STOP[LITTLE_ENDIAN ? a | (b << 8) : (a << 8) | b] = stop;
    }
  }
}

/**
 * Per byte after a `b` and the letter after it (`b x y`): the lowercase `y` of the keywords' `bxy`
 * (`bor`n, ge`bor`en, `bir`th, `bda`y, `b-d`ay, `bea`rer), 0 for any other `x`. Compared with `y | 0x20`,
 * which folds A–Z onto a–z (and no byte that is not a letter onto these letters).
 */
const FOLLOW = new Uint8Array(256);
for (const [x, y] of [['o', 'r'], ['O', 'r'], ['i', 'r'], ['I', 'r'], ['d', 'a'], ['D', 'a'], ['-', 'd'], ['e', 'a']] as const) FOLLOW[x.charCodeAt(0)] = y.charCodeAt(0);

/**
 * Whether the tight loop may go past the four bytes `w` (read at quad `k`, little-endian), which stop
 * it only by {@link S_B_EVEN} or {@link S_B_ODD} pairs: no `b` in them goes on a keyword. Each such
 * `b` is followed by one or two bytes of the next quad at most, which hold the sentinels past the text.
 */
function bGoesOnNot(w: number, k: number): boolean {
  const low = PAIR_STOP[w & 0xffff] as number;
  const high = PAIR_STOP[w >>> 16] as number;
  if (low === S_B_EVEN) {
    if (FOLLOW[(w >>> 8) & 0xff] === (((w >>> 16) & 0xff) | 0x20)) return false;
  } else if (low === S_B_ODD) {
    if (FOLLOW[(w >>> 16) & 0xff] === ((w >>> 24) | 0x20)) return false;
  } else if (low !== 0) return false;
  if (high === S_B_EVEN) return FOLLOW[w >>> 24] !== (((quads[k + 1] as number) & 0xff) | 0x20);
  if (high === S_B_ODD) {
    const next = quads[k + 1] as number;
    return FOLLOW[next & 0xff] !== (((next >>> 8) & 0xff) | 0x20);
  }
  return high === 0;
}

/**
 * One pass over `text`: returns the `F_*` bits and fills {@link scanned}. Outside a region a tight
 * loop skips every byte that can neither start a region nor complete a feature (one table look-up
 * per byte, no other test: a sentinel after the text ends it); a feature is checked (by looking
 * around in `text`) only at its rarest character; a region's start is found by looking back from
 * its first digit, and its bytes are then read by a second tight loop.
 */
export function scanCandidates(text: string): number {
  const n = text.length;
  if (n + SLACK > bytes.length) {
    bytes = Buffer.allocUnsafeSlow(Math.max(n + SLACK, bytes.length * 2) + 1);
    scanned.bytes = bytes;
    pairs = new Uint16Array(bytes.buffer, bytes.byteOffset, bytes.length >>> 1);
    quads = new Uint32Array(bytes.buffer, bytes.byteOffset, bytes.length >>> 2);
  }
  const view = bytes;
  const pair = pairs;
  const quad = quads;
  // The tables as locals: read through a module binding, each look-up in the tight loop reloads the
  // table and checks it again (measured: the scan of (b)'s long texts takes about a tenth less).
  const pairStop = PAIR_STOP;
  const look = LOOK;
  const inRegion = IN_REGION;
  if (n <= SHORT_TEXT) {
    // A short text is copied here: Buffer#write's own cost (argument checks, encoding look-up, the
    // call into C++) is most of a scan of a few dozen bytes. A Uint8Array store keeps the low byte,
    // as the latin1 encoding does.
    for (let k = 0; k < n; k += 1) view[k] = text.charCodeAt(k);
  } else {
    if (LATIN1_WRITE !== undefined) LATIN1_WRITE.call(view, text, 0, n);
    else view.write(text, 0, 'latin1');
  }
  // Two sentinels: a pair read at the end of the text sees one whatever the text's parity.
  view[n] = SENTINEL;
  view[n + 1] = SENTINEL;
  let digits = 0;
  let uuidHyphens = 0;
  let bits = 0;
  scanned.regionCount = 0;
  scanned.ibanCount = 0;
  scanned.atCount = 0;
  scanned.colonCount = 0;
  let i = 0;
  for (;;) {
    // To the next stop byte: one byte to reach an even index, then two bytes per step.
    let c = view[i] as number;
    if (look[c] === 0) {
      // (An odd byte left here never ends a pair that PAIR_STOP's look back needs: the scan comes to an
      // odd byte only past a byte it looked at or a region, neither of them the `d`/`o` of `do`/`o.`.)
      if ((i & 1) !== 0) i += 1;
      let j = i >>> 1;
      // An odd pair alone, then two pairs per 32-bit read (the first pair in its low half on a little-endian machine).
      if ((j & 1) === 0 || pairStop[pair[j] as number] === 0) {
        let k = (j + 1) >>> 1;
        let w = quad[k] as number;
        for (;;) {
          // Two 32-bit reads per step: the step's own cost (index, bounds and interrupt checks) is paid
          // once per 8 bytes (measured: the scan of (b)'s long texts takes about a tenth less). The
          // second read is in the buffer: the first one did not stop, so the sentinels are further on.
          while (((pairStop[w & 0xffff] as number) | (pairStop[w >>> 16] as number)) === 0) {
            const v = quad[k + 1] as number;
            if (((pairStop[v & 0xffff] as number) | (pairStop[v >>> 16] as number)) !== 0) {
              k += 1;
              w = v;
              break;
            }
            k += 2;
            w = quad[k] as number;
          }
          // Most `b`s in prose start no keyword: their stop is taken back here, in the loop.
          if (!LITTLE_ENDIAN || !bGoesOnNot(w, k)) break;
          w = quad[++k] as number;
        }
        j = k << 1;
        if (pairStop[LITTLE_ENDIAN ? w & 0xffff : w >>> 16] === 0) j += 1;
      }
      i = j << 1;
      c = view[i] as number;
      if (look[c] === 0) {
        c = view[++i] as number;
        if (look[c] === 0) {
          // `do` or `o.`: the byte after them may be the `b` of `dob` or `d.o.b`.
          i += 1;
          continue;
        }
      }
    }
    if (i >= n) break;
    const stop = look[c] as number;
    if (stop === S_DIGIT) {
      const start = regionStart(view, i);
      let runDigits = 0;
      // Digits, separators, dots and hyphens; the sentinel ends the region at the latest.
      let held = inRegion[c] as number;
      while (held !== 0) {
        runDigits += held >>> 1;
        if (c === 45) {
          if (i >= 4) bits |= hyphenFeature(text, i);
          uuidHyphens += uuidHyphenAt(view, i, n);
        }
        c = view[++i] as number;
        held = inRegion[c] as number;
      }
      digits += runDigits;
      endRegion(text, start, i, runDigits);
      // The byte that ended the region is looked at again by the loop above (it may be a feature).
    } else {
      if (stop === S_HYPHEN) {
        if (i >= 4) bits |= hyphenFeature(text, i);
        uuidHyphens += uuidHyphenAt(view, i, n);
      } else if (stop === S_L) {
        // The commonest stop in prose: `n[ée]e?\s+le` needs an `e` next (any case; the byte is a
        // necessary condition: an ASCII `e` keeps its byte), most `l`s are let go here.
        if ((view[i + 1]! | 0x20) === 0x65 && (bits & F_DOB) === 0 && neLeAt(text, i)) bits |= F_DOB;
      } else if (c === 64 || c === 58) {
        // `@` and `:`: their positions are kept for the e-mail and IPv6 candidates (real ones only;
        // the bit, like every feature bit, may also be set by a look-alike byte).
        if (c === 64) {
          bits |= F_AT;
          if (text.charCodeAt(i) === 64) pushAt(i);
        } else {
          bits |= F_COLON;
          if (text.charCodeAt(i) === 58) pushColon(i);
        }
      } else {
        bits |= feature(text, i, c, bits);
      }
      i += 1;
    }
  }
  scanned.digits = digits;
  scanned.uuidHyphens = uuidHyphens;
  return bits;
}

/** 1 when the `-` byte at `i` of a text of `n` bytes may be a UUID's first hyphen (see {@link scanned}.uuidHyphens), else 0. */
function uuidHyphenAt(view: Buffer, i: number, n: number): number {
  return i >= 8 && i + 28 <= n && view[i + 5] === 45 && view[i + 10] === 45 && view[i + 15] === 45 ? 1 : 0;
}

/** Start of the region whose first digit is at `i`: the separators just before it belong to it. */
function regionStart(view: Buffer, i: number): number {
  let start = i;
  while (start > 0 && IN_REGION[view[start - 1] as number] !== 0) start -= 1;
  return start;
}

/** @internal The feature a `/ : @ _ J K S I b B l L` at `i` completes (0: none). */
export function feature(text: string, i: number, c: number, bits: number): number {
  switch (c) {
    case 64: // @
      return F_AT;
    case 58: // :
      return F_COLON;
    case 47: // //
      return text.charCodeAt(i - 1) === 47 ? F_SLASHES : 0;
    case 95: // _
      return F_API;
    case 74: // eyJ
      return text.charCodeAt(i - 1) === 121 && text.charCodeAt(i - 2) === 101 ? F_EYJ : 0;
    case 75: // AK, AS, AI
    case 83:
    case 73:
      return text.charCodeAt(i - 1) === 65 ? F_API : 0;
    case 98: // b, B: [Bb]earer, birth keywords
    case 66: {
      let found = 0;
      if ((bits & F_EARER) === 0 && text.charCodeAt(i + 1) === 101 && text.startsWith('arer', i + 2)) found = F_EARER;
      if ((bits & F_DOB) === 0 && birthWordAt(text, i)) found |= F_DOB;
      return found;
    }
    default: // l, L: n[ée]e?\s+le
      return (bits & F_DOB) === 0 && neLeAt(text, i) ? F_DOB : 0;
  }
}

/** @internal `xox[abprs]-` or `glpat-` ends at the `-` at `i` (`i >= 4`). */
export function hyphenFeature(text: string, i: number): number {
  const c = text.charCodeAt(i - 2);
  if (c === 120) return text.charCodeAt(i - 3) === 111 && text.charCodeAt(i - 4) === 120 ? F_API : 0; // x o x ?
  return c === 97 && text.charCodeAt(i - 1) === 116 && text.startsWith('glp', i - 5) ? F_API : 0; // g l p a t
}

function endRegion(text: string, start: number, end: number, digits: number): void {
  const out = scanned;
  if (digits >= MIN_REGION_DIGITS) {
    let at = out.regionCount * 3;
    if (at + 3 > out.regions.length) {
      const grown = new Int32Array(out.regions.length * 2);
      grown.set(out.regions);
      out.regions = grown;
    }
    const regions = out.regions;
    regions[at] = start;
    regions[++at] = end;
    regions[++at] = digits;
    out.regionCount += 1;
  }
  // IBAN: [A-Z]{2}\d{2} on a word boundary. Its first digit follows a letter, so it begins a region.
  if (digits >= 2 && start >= 2 && isDigitCode(text.charCodeAt(start)) && isDigitCode(text.charCodeAt(start + 1)) && isUpper(text.charCodeAt(start - 1)) && isUpper(text.charCodeAt(start - 2))) {
    if (out.ibanCount === out.ibanStarts.length) {
      const grown = new Int32Array(out.ibanStarts.length * 2);
      grown.set(out.ibanStarts);
      out.ibanStarts = grown;
    }
    out.ibanStarts[out.ibanCount] = start - 2;
    out.ibanCount += 1;
  }
}

function pushAt(i: number): void {
  const out = scanned;
  if (out.atCount === out.ats.length) {
    const grown = new Int32Array(out.ats.length * 2);
    grown.set(out.ats);
    out.ats = grown;
  }
  out.ats[out.atCount] = i;
  out.atCount += 1;
}

function pushColon(i: number): void {
  const out = scanned;
  if (out.colonCount === out.colons.length) {
    const grown = new Int32Array(out.colons.length * 2);
    grown.set(out.colons);
    out.colons = grown;
  }
  out.colons[out.colonCount] = i;
  out.colonCount += 1;
}

function isDigitCode(code: number): boolean {
  return code >= 48 && code <= 57;
}

function isUpper(code: number): boolean {
  return code >= 65 && code <= 90;
}

/** ASCII letter `code` in either case equals `lower` (`|0x20` folds A–Z only onto a–z). */
function lowerAt(text: string, index: number): number {
  return text.charCodeAt(index) | 0x20;
}

/**
 * A birth keyword around the `b` at `index`: `born`, `birth` (`birthday`, `birth date`, `date of
 * birth`), `bday`, `b-day`, `dob`, `d.o.b`, `geboren`, in any ASCII case (the expression has the
 * `i` flag; without `u` it folds ASCII letters onto ASCII letters only).
 */
function birthWordAt(text: string, i: number): boolean {
  const c1 = lowerAt(text, i + 1);
  if (c1 === 0x6f) {
    if (lowerAt(text, i + 2) === 0x72 && lowerAt(text, i + 3) === 0x6e) return true; // born
  } else if (c1 === 0x69) {
    if (lowerAt(text, i + 2) === 0x72 && lowerAt(text, i + 3) === 0x74 && lowerAt(text, i + 4) === 0x68) return true; // birth
  } else {
    const d = text.charCodeAt(i + 1) === 45 ? i + 2 : i + 1; // b-day, bday
    if (lowerAt(text, d) === 0x64 && lowerAt(text, d + 1) === 0x61 && lowerAt(text, d + 2) === 0x79) return true;
  }
  const p1 = lowerAt(text, i - 1);
  if (p1 === 0x6f && lowerAt(text, i - 2) === 0x64) return true; // dob
  if (text.charCodeAt(i - 1) === 46 && lowerAt(text, i - 2) === 0x6f && text.charCodeAt(i - 3) === 46 && lowerAt(text, i - 4) === 0x64) return true; // d.o.b
  // geboren
  return p1 === 0x65 && lowerAt(text, i - 2) === 0x67 && c1 === 0x6f && lowerAt(text, i + 2) === 0x72 && lowerAt(text, i + 3) === 0x65 && lowerAt(text, i + 4) === 0x6e;
}

/** `n[ée]e?\s+le` (any case) with its `l` at `index`. */
function neLeAt(text: string, i: number): boolean {
  if (lowerAt(text, i + 1) !== 0x65 || i < 3 || !isRegexSpace(text.charCodeAt(i - 1))) return false;
  let j = i - 2;
  while (j >= 0 && isRegexSpace(text.charCodeAt(j))) j -= 1;
  if (!isE(text.charCodeAt(j))) return false;
  if (lowerAt(text, j - 1) === 0x6e) return true;
  return isE(text.charCodeAt(j - 1)) && lowerAt(text, j - 2) === 0x6e;
}

function isE(code: number): boolean {
  return (code | 0x20) === 0x65 || code === 0xe9 || code === 0xc9;
}

/** `\s` of a JavaScript regular expression. */
export function isRegexSpace(c: number): boolean {
  if (c <= 32) return c === 32 || (c >= 9 && c <= 13);
  if (c < 0xa0) return false;
  return c === 0xa0 || c === 0x1680 || (c >= 0x2000 && c <= 0x200a) || c === 0x2028 || c === 0x2029 || c === 0x202f || c === 0x205f || c === 0x3000 || c === 0xfeff;
}
