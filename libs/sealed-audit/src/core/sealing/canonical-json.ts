import { serializeCanonical } from './rfc8785';

/**
 * RFC 8785 (JSON Canonicalization Scheme) serialization: sorted keys, ECMAScript number form,
 * minimal string escaping. Two structurally equal values always give the same bytes, which is what
 * makes a stored entry re-hashable after a round trip through any database.
 */
export function canonicalize(value: unknown): string {
  const text = serializeCanonical(value);
  if (text === undefined) {
    throw new TypeError('canonicalize: the value has no JSON form (undefined, a function or a symbol)');
  }
  return text;
}

/** Deeper texts are not checked here (the answer is then `false`: the caller takes the general path). */
const MAX_CHECKED_DEPTH = 64;

/**
 * True only when `text` is the RFC 8785 canonical form of the JSON object it parses to, that is
 * `canonicalize(JSON.parse(text)) === text` with a JSON object at the top, without building
 * either: one pass over the characters. A verifier that finds a stored payload canonical can
 * hash the stored bytes themselves, which are then exactly the bytes a re-serialization would
 * give (and so the same hash).
 *
 * Sound, not complete: `true` guarantees the equality above; `false` only means "take the
 * general path" (it is also the answer for a few canonical texts this pass does not try to
 * prove, such as object keys with escapes or nesting deeper than 64).
 */
export function isCanonicalJsonObject(text: string): boolean {
  if (text.charCodeAt(0) !== 0x7b /* { */) return false;
  // Most payloads have no backslash, control character or surrogate at all (one native scan
  // tells): every string then ends at the next quote, found with indexOf instead of a JavaScript
  // loop over its characters.
  plainStrings = !NEEDS_CHARACTER_CHECKS.test(text);
  const end = scanValue(text, 0, 0);
  return end === text.length;
}

/** What a string scan must look at character by character. */
const NEEDS_CHARACTER_CHECKS = /[\u0000-\u001f\\\ud800-\udfff]/;
/** Set per {@link isCanonicalJsonObject} call (synchronous, never re-entered): no `NEEDS_CHARACTER_CHECKS` in the text. */
let plainStrings = false;

/** Index after the canonical value starting at `at`, or -1. */
function scanValue(text: string, at: number, depth: number): number {
  const c = text.charCodeAt(at);
  if (c === 0x22 /* " */) return scanString(text, at);
  if (c === 0x7b /* { */) return depth >= MAX_CHECKED_DEPTH ? -1 : scanObject(text, at, depth + 1);
  if (c === 0x5b /* [ */) return depth >= MAX_CHECKED_DEPTH ? -1 : scanArray(text, at, depth + 1);
  if (c === 0x74 /* t */) return text.startsWith('true', at) ? at + 4 : -1;
  if (c === 0x66 /* f */) return text.startsWith('false', at) ? at + 5 : -1;
  if (c === 0x6e /* n */) return text.startsWith('null', at) ? at + 4 : -1;
  if (c === 0x2d /* - */ || (c >= 0x30 && c <= 0x39)) return scanNumber(text, at);
  return -1;
}

function scanObject(text: string, at: number, depth: number): number {
  let i = at + 1;
  if (text.charCodeAt(i) === 0x7d /* } */) return i + 1;
  // The previous key, as the range [previousStart, previousEnd) of `text` (no copy).
  let previousStart = -1;
  let previousEnd = -1;
  for (;;) {
    if (text.charCodeAt(i) !== 0x22) return -1;
    // A key with escapes is not compared here (raw text and key differ): -1, the general path.
    const keyEnd = scanKey(text, i);
    if (keyEnd < 0) return -1;
    // Canonical keys are sorted by UTF-16 code units and never repeat: a repeated key parses to
    // one property, so its text would not be the canonical form.
    if (previousStart >= 0 && !rangeLess(text, previousStart, previousEnd, i + 1, keyEnd - 1)) return -1;
    previousStart = i + 1;
    previousEnd = keyEnd - 1;
    if (text.charCodeAt(keyEnd) !== 0x3a /* : */) return -1;
    i = scanValue(text, keyEnd + 1, depth);
    if (i < 0) return -1;
    const next = text.charCodeAt(i);
    if (next === 0x7d) return i + 1;
    if (next !== 0x2c /* , */) return -1;
    i += 1;
  }
}

/** `text.slice(a, aEnd) < text.slice(b, bEnd)` (UTF-16 code unit order), without the slices. */
function rangeLess(text: string, a: number, aEnd: number, b: number, bEnd: number): boolean {
  const aLength = aEnd - a;
  const bLength = bEnd - b;
  const common = aLength < bLength ? aLength : bLength;
  for (let k = 0; k < common; k += 1) {
    const x = text.charCodeAt(a + k);
    const y = text.charCodeAt(b + k);
    if (x !== y) return x < y;
  }
  return aLength < bLength;
}

/**
 * Index after an object key without escapes starting at `at` (`"`), or -1: for a key without a
 * backslash, {@link scanString}'s rules (no control character, surrogates only in pairs).
 */
function scanKey(text: string, at: number): number {
  if (plainStrings) {
    const end = text.indexOf('"', at + 1);
    return end < 0 ? -1 : end + 1;
  }
  const length = text.length;
  for (let i = at + 1; i < length; i += 1) {
    const c = text.charCodeAt(i);
    if (c === 0x22) return i + 1;
    if (c < 0x20 || c === 0x5c) return -1;
    if (c >= 0xd800 && c <= 0xdfff) {
      const low = text.charCodeAt(i + 1);
      if (c > 0xdbff || !(low >= 0xdc00 && low <= 0xdfff)) return -1;
      i += 1;
    }
  }
  return -1;
}

function scanArray(text: string, at: number, depth: number): number {
  let i = at + 1;
  if (text.charCodeAt(i) === 0x5d /* ] */) return i + 1;
  for (;;) {
    i = scanValue(text, i, depth);
    if (i < 0) return -1;
    const next = text.charCodeAt(i);
    if (next === 0x5d) return i + 1;
    if (next !== 0x2c) return -1;
    i += 1;
  }
}

/**
 * A string exactly as `JSON.stringify` (which RFC 8785 follows) writes it: `"` and `\` escaped,
 * control characters as `\b \t \n \f \r` or `\u00xx` (lower-case hex), lone surrogates as
 * `\udxxx`, everything else literal.
 */
function scanString(text: string, at: number): number {
  if (plainStrings) {
    const end = text.indexOf('"', at + 1);
    return end < 0 ? -1 : end + 1;
  }
  const length = text.length;
  for (let i = at + 1; i < length; i += 1) {
    const c = text.charCodeAt(i);
    if (c === 0x22) return i + 1;
    if (c < 0x20) return -1;
    if (c === 0x5c /* \ */) {
      const e = text.charCodeAt(i + 1);
      if (e === 0x22 || e === 0x5c || e === 0x62 || e === 0x66 || e === 0x6e || e === 0x72 || e === 0x74) {
        i += 1;
        continue;
      }
      // \u00xx only for a control character without a short form; other \u forms are proven
      // canonical (or not) by the general path.
      if (e !== 0x75 /* u */ || text.charCodeAt(i + 2) !== 0x30 || text.charCodeAt(i + 3) !== 0x30) return -1;
      const high = text.charCodeAt(i + 4);
      const low = text.charCodeAt(i + 5);
      if (high !== 0x30 && high !== 0x31) return -1;
      const lowValue = low >= 0x30 && low <= 0x39 ? low - 0x30 : low >= 0x61 && low <= 0x66 ? low - 0x61 + 10 : -1;
      if (lowValue < 0) return -1;
      const code = (high - 0x30) * 16 + lowValue;
      // \b \t \n \f \r have short forms.
      if (code === 0x08 || code === 0x09 || code === 0x0a || code === 0x0c || code === 0x0d) return -1;
      i += 5;
      continue;
    }
    if (c >= 0xd800 && c <= 0xdfff) {
      // Literal surrogates only as a well-formed pair (JSON.stringify escapes a lone one).
      const low = text.charCodeAt(i + 1);
      if (c > 0xdbff || !(low >= 0xdc00 && low <= 0xdfff)) return -1;
      i += 1;
    }
  }
  return -1;
}

/**
 * A number token whose text is the ECMAScript shortest form of its value (`-0` excluded).
 *
 * Plain decimals with at most 15 significant digits are proven from their digits: each such
 * decimal is the only one of at most 15 digits that rounds to its double (DBL_DIG), so its digits
 * are the shortest ones `Number#toString` picks, and it writes them in this fixed-point form for
 * values in [1e-6, 1e21) when the integer part has no leading zero, the fraction no trailing one.
 * Any other token is converted and compared.
 */
function scanNumber(text: string, at: number): number {
  let i = at;
  if (text.charCodeAt(i) === 0x2d /* - */) i += 1;
  const integerStart = i;
  while (isDigit(text.charCodeAt(i))) i += 1;
  const integerDigits = i - integerStart;
  let significant = integerDigits;
  let proven = integerDigits > 0 && (text.charCodeAt(integerStart) !== 0x30 /* 0 */ || (integerDigits === 1 && integerStart === at));
  if (proven && text.charCodeAt(i) === 0x2e /* . */) {
    i += 1;
    const fractionStart = i;
    while (isDigit(text.charCodeAt(i))) i += 1;
    const fractionDigits = i - fractionStart;
    let leadingZeros = 0;
    if (text.charCodeAt(integerStart) === 0x30) {
      // 0.000ddd: only the digits after the zeros count; below 1e-6 the exponent form is used.
      while (leadingZeros < fractionDigits && text.charCodeAt(fractionStart + leadingZeros) === 0x30) leadingZeros += 1;
      significant = fractionDigits - leadingZeros;
    } else {
      significant += fractionDigits;
    }
    proven = fractionDigits > 0 && text.charCodeAt(i - 1) !== 0x30 && leadingZeros <= 5;
  }
  if (proven && significant <= 15 && !isNumberCharacter(text.charCodeAt(i))) return i;
  i = at;
  while (isNumberCharacter(text.charCodeAt(i))) i += 1;
  const token = text.slice(at, i);
  // String(Number(token)) is what the canonicalizer writes for the parsed number; equal texts
  // also rule out every non-JSON spelling Number() accepts (no such text survives the round trip).
  return String(Number(token)) === token ? i : -1;
}

function isDigit(c: number): boolean {
  return c >= 0x30 && c <= 0x39;
}

/** Digits, `-`, `+`, `.`, `e`, `E`: what a number token (or a spelling Number() accepts) is made of. */
function isNumberCharacter(c: number): boolean {
  return (c >= 0x30 && c <= 0x39) || c === 0x2d || c === 0x2b || c === 0x2e || c === 0x65 || c === 0x45;
}
