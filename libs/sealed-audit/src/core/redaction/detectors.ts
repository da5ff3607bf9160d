import { isIPv6 } from 'node:net';
import { F_API, F_AT, F_COLON, F_DOB, F_EARER, F_EYJ, F_SLASHES, SLACK, hyphenFeature, scanCandidates, scanned } from './detector-candidates';

/**
 * Value detectors: PII inside free text that nobody declared (notes, error messages, paths,
 * headers, response bodies). Each detector is a regular expression that proposes candidates and a
 * validator that rejects look-alikes (Luhn for cards, mod-97 for IBANs, area/group/serial for SSNs,
 * digit counts and date shapes for phone numbers). Only the matched span is replaced.
 *
 * Speed: a text is read once (detector-candidates.ts) for cheap features and for the places a
 * built-in detector can match at all: digit regions (cards, SSNs, phone numbers, IPv4), IBAN
 * starts, the local part before each `@`, IPv6 colons. Those detectors try their own expression
 * (sticky) only there; the others (URL credentials, JWT, API keys, bearer tokens, birth dates, and
 * every custom detector) run over the whole text when the scan saw a feature all their matches
 * contain. Either way the result is exactly that of every expression over the whole text
 * (property-tested in detector-prechecks.spec.ts). Every built-in expression is linear (a candidate
 * can only start at a boundary and its quantifiers are bounded).
 */
export interface PiiDetector {
  /** What a match is: shown in markers (`[REDACTED:<kind>]`), exposure reports and the redaction summary. */
  kind: string;
  /** Proposes candidates; made global if it is not. */
  pattern: RegExp;
  /**
   * Rejects a candidate that only looks like PII. `text` and `index` give the surroundings
   * (boundaries, context words). Must not throw; a throw counts as "not PII".
   */
  validate?: (match: string, text: string, index: number) => boolean;
  /** The capture group that holds the PII (default: the whole match), e.g. only the token after `Bearer `. */
  group?: number;
  /** At least this many ASCII digits in the text, or the detector is skipped (a cheap pre-check). */
  minDigits?: number;
  /** The text must contain this substring, or the detector is skipped (a cheap pre-check). */
  needs?: string;
  /**
   * Every match contains this character at most `before` characters after its start (`@` of an
   * e-mail address): the expression then runs only near each occurrence instead of over the whole text.
   */
  anchor?: { char: string; before: number };
  /** What to store instead of a match. Default `redact` (`ip` defaults to `mask`). */
  strategy?: DetectorStrategy;
}

/** What a detector match becomes: a marker, a kind-aware mask, or a keyed pseudonym. */
export type DetectorStrategy = 'redact' | 'mask' | 'hash';

/** A validated match: `[start, end)` in the text. */
export interface PiiMatch {
  kind: string;
  start: number;
  end: number;
  /** Index of the detector in the list that found it (the replacement strategy is looked up by it). */
  detector: number;
}

/** Luhn checksum over the digits of `text` (13–19 digits). */
export function luhnValid(text: string): boolean {
  return luhnValidAt(text, 0, text.length);
}

/** {@link luhnValid} of `text[start, end)`, read in place (no slice). */
function luhnValidAt(text: string, start: number, end: number): boolean {
  let sum = 0;
  let count = 0;
  let double = false;
  for (let i = end - 1; i >= start; i -= 1) {
    let digit = text.charCodeAt(i) - 48;
    if (digit < 0 || digit > 9) continue;
    count += 1;
    if (double) {
      digit *= 2;
      if (digit > 9) digit -= 9;
    }
    sum += digit;
    double = !double;
  }
  return count >= 13 && count <= 19 && sum % 10 === 0;
}

/** US SSN `AAA-GG-SSSS` (or with spaces): area 001–899 except 666, group 01–99, serial 0001–9999. */
export function ssnValid(text: string): boolean {
  const parts = text.split(/[- ]/);
  if (parts.length !== 3) return false;
  const [area, group, serial] = parts as [string, string, string];
  if (area.length !== 3 || group.length !== 2 || serial.length !== 4) return false;
  const a = Number(area);
  return a > 0 && a !== 666 && a < 900 && Number(group) > 0 && Number(serial) > 0;
}

/** IBAN length per country (the ISO 13616 IBAN registry). */
const IBAN_LENGTHS: Readonly<Record<string, number>> = {
  AD: 24, AE: 23, AL: 28, AT: 20, AZ: 28, BA: 20, BE: 16, BG: 22, BH: 22, BI: 27, BR: 29, BY: 28, CH: 21, CR: 22,
  CY: 28, CZ: 24, DE: 22, DJ: 27, DK: 18, DO: 28, EE: 20, EG: 29, ES: 24, FI: 18, FK: 18, FO: 18, FR: 27, GB: 22,
  GE: 22, GI: 23, GL: 18, GR: 27, GT: 28, HN: 28, HR: 21, HU: 28, IE: 22, IL: 23, IQ: 23, IR: 26, IS: 26, IT: 27,
  JO: 30, KW: 30, KZ: 20, LB: 28, LC: 32, LI: 21, LT: 20, LU: 20, LV: 21, LY: 25, MC: 27, MD: 24, ME: 22, MK: 19,
  MN: 20, MR: 27, MT: 31, MU: 30, NI: 28, NL: 18, NO: 15, OM: 23, PK: 24, PL: 28, PS: 29, PT: 25, QA: 29, RO: 24,
  RS: 22, RU: 33, SA: 24, SC: 31, SD: 18, SE: 24, SI: 19, SK: 24, SM: 27, SO: 23, ST: 25, SV: 28, TL: 23, TN: 24,
  TR: 26, UA: 29, VA: 22, VG: 24, XK: 20, YE: 30,
};

/** IBAN: known country, its exact length, and ISO 7064 mod-97 = 1. Spaces are ignored. */
export function ibanValid(text: string): boolean {
  const iban = text.replace(/ /g, '').toUpperCase();
  const expected = IBAN_LENGTHS[iban.slice(0, 2)];
  if (expected === undefined || iban.length !== expected || !/^[A-Z]{2}\d{2}[A-Z0-9]+$/.test(iban)) return false;
  const rearranged = iban.slice(4) + iban.slice(0, 4);
  let remainder = 0;
  for (let i = 0; i < rearranged.length; i += 1) {
    const code = rearranged.charCodeAt(i);
    const value = code >= 65 ? code - 55 : code - 48;
    remainder = (value > 9 ? remainder * 100 + value : remainder * 10 + value) % 97;
  }
  return remainder === 1;
}

function digitCountAt(text: string, start: number, end: number): number {
  let count = 0;
  for (let i = start; i < end; i += 1) {
    const c = text.charCodeAt(i);
    if (c >= 48 && c <= 57) count += 1;
  }
  return count;
}

function isWordChar(code: number): boolean {
  return (code >= 48 && code <= 57) || (code >= 65 && code <= 90) || (code >= 97 && code <= 122) || code === 95;
}

/**
 * A date-like run (dd-mm-yyyy, yyyy-mm-dd, dd.mm.yyyy) that a phone pattern could swallow. (A
 * hand-written reader of the match's digit runs was tried: on this 2-core machine it measured
 * slower than this expression on a slice, 38–57 vs 25–28 ns for a phone number.)
 */
const DATE_INSIDE = /(?:^|\D)(?:\d{1,2}[.-]\d{1,2}[.-](?:19|20)\d{2}|(?:19|20)\d{2}[.-]\d{1,2}[.-]\d{1,2})(?:\D|$)/;

/**
 * Phone numbers: international (`+44 20 7946 0958`, `+1 (555) 013-8842`, `0044 …`) with 8–15
 * digits, and national formats with separators (`(555) 013-8842`, `555-013-8842`, `020 7946 0958`,
 * `06 12 34 56 78`, `030 12345678`) with 9–12 digits. Not: dates, times, bare digit runs (ids).
 */
export function phoneValid(match: string, text: string, index: number): boolean {
  const before = index > 0 ? text.charCodeAt(index - 1) : 32;
  if (isWordChar(before) || before === 43 /* + */ || before === 46 /* . */ || before === 47 /* / */) return false;
  const after = text.charCodeAt(index + match.length);
  if (after === 58 /* : */ || after === 47 /* / */ || (after === 46 && isDigit(text.charCodeAt(index + match.length + 1)))) return false;
  const digits = digitCountAt(match, 0, match.length);
  const international = match.charCodeAt(0) === 43 || match.startsWith('00');
  if (international ? digits < 8 || digits > 15 : digits < 9 || digits > 12) return false;
  return !DATE_INSIDE.test(match);
}

/**
 * @internal {@link phoneValid} of the match `text[start, end)`, read in place: the candidate paths validate
 * without slicing (a slice of 13+ characters is a view whose every read goes through its parent).
 * Property-tested against phoneValid(text.slice(start, end), text, start).
 */
export function phoneValidAt(text: string, start: number, end: number): boolean {
  const before = start > 0 ? text.charCodeAt(start - 1) : 32;
  if (isWordChar(before) || before === 43 /* + */ || before === 46 /* . */ || before === 47 /* / */) return false;
  const after = text.charCodeAt(end);
  if (after === 58 /* : */ || after === 47 /* / */ || (after === 46 && isDigit(text.charCodeAt(end + 1)))) return false;
  // Digits, and whether a `.` or `-` is among the rest: each date shape of DATE_INSIDE holds one.
  let digits = 0;
  let dateSeparator = false;
  for (let i = start; i < end; i += 1) {
    const c = text.charCodeAt(i);
    if (c >= 48 && c <= 57) digits += 1;
    else if (c === 45 || c === 46) dateSeparator = true;
  }
  const first = text.charCodeAt(start);
  const international = first === 43 || (first === 48 && end - start >= 2 && text.charCodeAt(start + 1) === 48);
  if (international ? digits < 8 || digits > 15 : digits < 9 || digits > 12) return false;
  return !dateSeparator || !DATE_INSIDE.test(text.slice(start, end));
}

function isDigit(code: number): boolean {
  return code >= 48 && code <= 57;
}

/** Words after which a dotted quad is a version or a section number, not an address. */
const VERSION_CONTEXT = /(?:version|ver\.?|release|v|section|sec\.|§|chapter|clause|step|figure|table|oid)\s*$/i;

/** IPv4 with octets 0–255 and no leading zeros, not part of a longer dotted number or a version. */
export function ipv4Valid(match: string, text: string, index: number): boolean {
  const before = index > 0 ? text.charCodeAt(index - 1) : 32;
  if (before === 46 || isWordChar(before)) return false;
  const end = index + match.length;
  if (text.charCodeAt(end) === 46 && isDigit(text.charCodeAt(end + 1))) return false;
  if (isWordChar(text.charCodeAt(end))) return false;
  for (const octet of match.split('.')) {
    if (octet.length > 1 && octet.charCodeAt(0) === 48) return false;
    if (Number(octet) > 255) return false;
  }
  return !VERSION_CONTEXT.test(text.slice(Math.max(0, index - 12), index));
}

/** IPv6 (full, compressed or IPv4-mapped), on word boundaries; `::` alone is not an address. */
export function ipv6Valid(match: string, text: string, index: number): boolean {
  const before = index > 0 ? text.charCodeAt(index - 1) : 32;
  if (isWordChar(before) || before === 58) return false;
  const after = text.charCodeAt(index + match.length);
  if (isWordChar(after) || after === 58) return false;
  if (match === '::' || !/[0-9A-Fa-f]/.test(match)) return false;
  return isIPv6(match);
}

/**
 * The local part must start on a boundary (keeps the expression linear on long runs of letters),
 * and `password@host` inside `scheme://user:password@host` is the URL's user-info, not an address.
 */
function emailValid(_match: string, text: string, index: number): boolean {
  if (index === 0) return true;
  const before = text.charCodeAt(index - 1);
  if (isEmailLocal(before)) return false;
  if (before === 58 /* : */) {
    const scheme = text.lastIndexOf('//', index);
    if (scheme !== -1 && !/[\s/]/.test(text.slice(scheme + 2, index))) return false;
  }
  return true;
}

/** A payment card: Luhn-valid, 13–19 digits, and not starting with 0 (no card issuer number does). */
export function cardValid(match: string): boolean {
  return match.charCodeAt(0) !== 48 && luhnValid(match);
}

/** @internal {@link cardValid} of `text[start, end)`, read in place. */
export function cardValidAt(text: string, start: number, end: number): boolean {
  return text.charCodeAt(start) !== 48 && luhnValidAt(text, start, end);
}

const MONTHS = 'jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?';
/** Date shapes a birth date is written in. */
export const DATE_PATTERN_SOURCE = `(?:\\d{4}-\\d{1,2}-\\d{1,2}|\\d{1,2}[./-]\\d{1,2}[./-]\\d{2,4}|\\d{1,2}(?:st|nd|rd|th)?\\s+(?:${MONTHS})\\.?,?\\s+\\d{4}|(?:${MONTHS})\\.?\\s+\\d{1,2}(?:st|nd|rd|th)?,?\\s+\\d{4})`;
const DATE_ONLY = new RegExp(`^\\s*${DATE_PATTERN_SOURCE}(?:[T ][0-9:.]+Z?)?\\s*$`, 'i');

/** True when the whole value is a date (used for values under a birth-date key such as `born` or `birthday`). */
export function isDateLike(text: string): boolean {
  return text.length <= 40 && DATE_ONLY.test(text);
}

/**
 * The built-in detectors, in priority order (an earlier one wins when two matches start at the
 * same place; overlapping matches are merged, so no half of a value survives).
 */
export const BUILT_IN_DETECTORS = [
  // `scheme://user:password@host` (or scheme-relative `//user:password@host`): only the user-info is
  // replaced (before `email` would see `password@host`).
  { kind: 'url-credentials', pattern: /\/\/([^\s/?#@:]{1,256}:[^\s/?#@]{0,256})@/g, group: 1, needs: '//' },
  { kind: 'jwt', pattern: /\beyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*/g, needs: 'eyJ' },
  {
    kind: 'api-key',
    pattern:
      /\b(?:(?:sk|rk|pk)_(?:live|test)_[A-Za-z0-9]{10,99}|A(?:KIA|SIA)[0-9A-Z]{16}|gh[pousr]_[A-Za-z0-9]{36,255}|github_pat_[A-Za-z0-9_]{22,255}|xox[abprs]-[A-Za-z0-9-]{10,255}|glpat-[A-Za-z0-9_-]{20,64}|AIza[0-9A-Za-z_-]{35}|npm_[A-Za-z0-9]{36})\b/g,
  },
  { kind: 'bearer-token', pattern: /\b[Bb]earer\s+([A-Za-z0-9._~+/=-]{8,4096})/g, group: 1, needs: 'earer' },
  {
    kind: 'email',
    pattern: /(?<![A-Za-z0-9._%+-])[A-Za-z0-9._%+-]{1,64}@[A-Za-z0-9-]{1,63}(?:\.[A-Za-z0-9-]{1,63}){0,8}\.[A-Za-z]{2,24}\b/g,
    validate: emailValid,
    needs: '@',
    anchor: { char: '@', before: 64 },
  },
  { kind: 'iban', pattern: /\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,4})?\b/g, validate: ibanValid, minDigits: 2 },
  { kind: 'card', pattern: /\b(?:\d[ -]?){12,18}\d\b/g, validate: cardValid, minDigits: 13 },
  { kind: 'ssn', pattern: /\b\d{3}([- ])\d{2}\1\d{4}\b/g, validate: ssnValid, minDigits: 9 },
  {
    kind: 'phone',
    pattern:
      /(?:\+\d{1,3}(?:[ .-]?\(\d{1,4}\))?(?:[ .-]?\d{1,5}){2,6}|\b00[1-9]\d{0,2}(?:[ .-]?\d{1,5}){2,6}|\(\d{2,5}\)[ .-]?\d{2,5}(?:[ .-]?\d{2,5}){1,3}|\b0[1-9]\d{0,3}(?:[ .-]\d{2,8}){1,4}|\b\d{3}[.-]\d{3}[.-]\d{4})\b/g,
    validate: phoneValid,
    minDigits: 8,
  },
  { kind: 'ip', pattern: /\b\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}\b/g, validate: ipv4Valid, minDigits: 4, strategy: 'mask' },
  { kind: 'ip', pattern: /(?:[0-9A-Fa-f]{0,4}:){2,7}(?:[0-9A-Fa-f]{1,4}|\d{1,3}(?:\.\d{1,3}){3})?/g, validate: ipv6Valid, needs: ':', strategy: 'mask' },
  {
    kind: 'date-of-birth',
    pattern: new RegExp(
      `\\b(?:born(?:\\s+on)?|dob|d\\.o\\.b\\.?|date\\s+of\\s+birth|birth\\s*date|birthday|b-?day|geboren(?:\\s+am)?|n[ée]e?\\s+le)\\b\\W{0,3}\\s*(${DATE_PATTERN_SOURCE})`,
      'gi',
    ),
    group: 1,
    minDigits: 4,
  },
] as const satisfies readonly PiiDetector[];

/** Kinds of {@link QUICK_TRIGGERS}: a trigger wherever it is, a digit, a hyphen, a letter that starts a keyword. */
const Q_ALWAYS = 1;
const Q_DIGIT = 2;
const Q_HYPHEN = 3;
const Q_B = 4;
const Q_A = 5;

/** Longest text {@link quickVerdict} is meant for (past it, prose nearly always holds a trigger). */
export const QUICK_LIMIT = 64;
/** {@link quickVerdict}: no trigger, no surrogate — no built-in detector can match, the text is well-formed. */
export const QUICK_CLEAN = 0;
/** {@link quickVerdict}: no trigger, but a surrogate (the text may need making well-formed). */
export const QUICK_SURROGATE = 1;
/** {@link quickVerdict}: a trigger character: run the detectors. */
export const QUICK_TRIGGER = 2;

/**
 * ASCII characters of which every match of some built-in detector holds at least one: digits (IBAN,
 * card, SSN, phone, IPv4, date of birth), `@` (e-mail), `:` (IPv6), `/` (URL credentials), `.`
 * (JWT), `[Bb]` (bearer), and for API keys `_`, `-` or a capital `A` (AKIA, ASIA, AIza). A text
 * with none of them cannot hold a built-in match (non-ASCII characters never stand in for these:
 * `\d`, `\b` and the case-insensitive birth keywords are ASCII-only without the `u` flag).
 *
 * Some count only where a match can hold them: a digit from the second one on (each detector that
 * needs a digit needs {@link QUICK_DIGITS} or more: its `minDigits`), a `-` that ends `xox?-` or
 * `glpat-` (the only API keys without `_` or `A`: `hyphenFeature`), a `B` or `b` followed by `e`
 * (`[Bb]earer`; the birth keywords need a date's digits), an `A` followed by `K`, `S` or `I` (`AKIA`,
 * `ASIA`, `AIza`), so ids and names such as `clinician-3`, `B-wing 4`, `B4` or `Abbott` stay quick.
 */
const QUICK_TRIGGERS = new Uint8Array(128);
for (const c of '@:/._') QUICK_TRIGGERS[c.charCodeAt(0)] = Q_ALWAYS;
for (const c of '0123456789') QUICK_TRIGGERS[c.charCodeAt(0)] = Q_DIGIT;
QUICK_TRIGGERS[45] = Q_HYPHEN;
QUICK_TRIGGERS[66] = Q_B;
QUICK_TRIGGERS[98] = Q_B;
QUICK_TRIGGERS[65] = Q_A;

/**
 * The fewest digits of a built-in match that holds any (IBAN: `[A-Z]{2}\d{2}`); checked against the
 * detectors' `minDigits` below, so a detector needing fewer lowers it.
 */
const QUICK_DIGITS = 2;

/**
 * Whether the `A` ({@link Q_A}) or `B`/`b` ({@link Q_B}) at `i` may start a keyword: `[Bb]earer`, or
 * `AKIA`, `ASIA`, `AIza`. (Apart from quickVerdict: with the two tests inline there, one run of the
 * bench's (b) counted ~1% more instructions, which is within its run-to-run spread.)
 */
function keywordStartAt(text: string, i: number, trigger: number): boolean {
  const next = text.charCodeAt(i + 1);
  return trigger === Q_B ? next === 101 /* e */ : next === 75 || next === 83 || next === 73; /* K, S, I */
}

/**
 * A cheap look at a short text before any detector runs: {@link QUICK_TRIGGER} when it holds a
 * character some built-in detector needs, else {@link QUICK_SURROGATE} or {@link QUICK_CLEAN}.
 * Only valid for sets of built-in detectors ({@link DetectorSet.builtInOnly}): a custom
 * expression can match anything. Property-tested against every expression over the whole text.
 */
export function quickVerdict(text: string): number {
  let verdict = QUICK_CLEAN;
  let digits = 0;
  for (let i = 0; i < text.length; i += 1) {
    const c = text.charCodeAt(i);
    if (c < 128) {
      const trigger = QUICK_TRIGGERS[c] as number;
      if (trigger === 0) continue;
      if (trigger === Q_ALWAYS) return QUICK_TRIGGER;
      if (trigger === Q_DIGIT) {
        if (++digits >= QUICK_DIGITS) return QUICK_TRIGGER;
      } else if (trigger === Q_HYPHEN) {
        if (i >= 4 && hyphenFeature(text, i) !== 0) return QUICK_TRIGGER;
      } else if (keywordStartAt(text, i, trigger)) return QUICK_TRIGGER;
    } else if (c >= 0xd800 && c <= 0xdfff) verdict = QUICK_SURROGATE;
  }
  return verdict;
}

// The quick check's digit rule holds only while no built-in detector that needs digits needs fewer.
if (BUILT_IN_DETECTORS.some((detector) => 'minDigits' in detector && detector.minDigits < QUICK_DIGITS)) throw new Error('QUICK_DIGITS exceeds a built-in detector\'s minDigits');

/** Kinds of the built-in detectors: the keys of the `redaction.detectors` option. */
export type BuiltInDetectorKind = (typeof BUILT_IN_DETECTORS)[number]['kind'];

export const BUILT_IN_DETECTOR_KINDS: readonly BuiltInDetectorKind[] = [...new Set(BUILT_IN_DETECTORS.map((detector) => detector.kind))];

/** The default set (every built-in detector). */
export const DEFAULT_DETECTORS: readonly PiiDetector[] = BUILT_IN_DETECTORS;

/**
 * A list of detectors compiled for one redactor: global expressions, the pre-check thresholds.
 * Finds every validated match in a text.
 */
export class DetectorSet {
  readonly detectors: readonly PiiDetector[];
  private readonly minLength: number;
  /**
   * Per detector run over the whole text: the feature bit it needs (0: none; -1: an unusual `needs`,
   * looked up with indexOf). Built-in detectors with a candidate path: {@link CANDIDATE}.
   */
  private readonly gates: readonly number[];
  /** Whether any detector has a pre-check or a candidate path (else the scan is skipped). */
  private readonly prechecks: boolean;
  /** Index in this set of each built-in detector that runs on candidates (-1: not in the set). */
  private readonly email: number;
  private readonly iban: number;
  private readonly card: number;
  private readonly ssn: number;
  private readonly phone: number;
  private readonly ipv4: number;
  private readonly ipv6: number;
  private readonly candidates: boolean;
  private readonly regionDetectors: boolean;
  /** Indices of the detectors run over the whole text (gated by a feature, or not at all), in order. */
  private readonly wholeText: readonly number[];
  /** Every feature bit some whole-text detector is gated by. */
  private readonly wholeTextFeatures: number;
  /** Some whole-text detector has no feature gate (a custom one, or an unusual `needs`). */
  private readonly ungated: boolean;
  /** Every detector is a built-in one (so {@link quickVerdict} applies). */
  readonly builtInOnly: boolean;

  constructor(detectors: readonly PiiDetector[]) {
    this.detectors = detectors.map((detector) => {
      // `d` (match indices) locates a capture group exactly; only detectors with a group pay for it.
      const flags = `${detector.pattern.flags}${detector.pattern.global ? '' : 'g'}${detector.group !== undefined && !detector.pattern.hasIndices ? 'd' : ''}`;
      return flags === detector.pattern.flags ? detector : { ...detector, pattern: new RegExp(detector.pattern.source, flags) };
    });
    const builtIn = detectors.map((detector) => BUILT_IN_INDEX.get(detector) ?? -1);
    this.gates = detectors.map((detector, d) => {
      const gate = BUILT_IN_GATES[builtIn[d] as number];
      if (gate !== undefined) return gate;
      return detector.needs === undefined ? 0 : (FEATURE_OF_NEEDS.get(detector.needs) ?? -1);
    });
    const slot = (index: number): number => builtIn.indexOf(index);
    this.email = slot(B_EMAIL);
    this.iban = slot(B_IBAN);
    this.card = slot(B_CARD);
    this.ssn = slot(B_SSN);
    this.phone = slot(B_PHONE);
    this.ipv4 = slot(B_IPV4);
    this.ipv6 = slot(B_IPV6);
    this.candidates = this.gates.includes(CANDIDATE);
    this.regionDetectors = this.card >= 0 || this.ssn >= 0 || this.phone >= 0 || this.ipv4 >= 0;
    this.wholeText = this.gates.flatMap((gate, d) => (gate === CANDIDATE ? [] : [d]));
    this.wholeTextFeatures = this.gates.reduce((bits, gate) => (gate > 0 && gate !== CANDIDATE ? bits | gate : bits), 0);
    this.ungated = this.gates.some((gate) => gate <= 0);
    this.prechecks = this.candidates || this.gates.some((gate) => gate !== 0) || this.detectors.some((detector) => detector.minDigits !== undefined);
    // The shortest text a built-in detector can change has 3 characters (`::1`); custom detectors lower it to 1.
    this.builtInOnly = builtIn.every((index) => index >= 0);
    this.minLength = this.builtInOnly ? 3 : 1;
  }

  /** Validated, non-overlapping matches in text order (overlaps merged), or `null` when none. */
  find(text: string): PiiMatch[] | null {
    if (text.length < this.minLength) return null;
    // One pass for every pre-check (digit count, `@`, `:`, `//`, `eyJ`, `earer`, API-key prefixes,
    // birth keywords) and the candidate regions of the built-in value detectors.
    const features = this.prechecks ? scanCandidates(text) : 0;
    const digits = scanned.digits;
    // Without a hyphen where a UUID's first can be, withoutIdentifiers has nothing to drop (without a
    // scan: unknown). Its hops from hyphen to hyphen cost more than the scan's look at each one.
    const uuidHyphens = this.prechecks ? scanned.uuidHyphens : 1;
    // Built-ins on candidates first: they read the scan's results, which a custom validator calling
    // find() again would overwrite. The order of `found` does not matter (it is sorted below).
    let found = this.candidates ? this.findCandidates(text, features) : null;
    // Most texts have none of the features the whole-text detectors need: their loop is skipped.
    const wholeText = this.ungated || (features & this.wholeTextFeatures) !== 0 ? this.wholeText : NONE;
    for (let w = 0; w < wholeText.length; w += 1) {
      const d = wholeText[w] as number;
      const gate = this.gates[d] as number;
      if (gate !== 0) {
        if (gate === CANDIDATE) continue;
        if (gate > 0 ? (features & gate) === 0 : text.indexOf((this.detectors[d] as PiiDetector).needs as string) === -1) continue;
      }
      const detector = this.detectors[d] as PiiDetector;
      if (detector.minDigits !== undefined && digits < detector.minDigits) continue;
      const pattern = detector.pattern;
      const anchor = detector.anchor;
      pattern.lastIndex = 0;
      let anchorAt = anchor ? text.indexOf(anchor.char) : 0;
      let match: RegExpExecArray | null;
      for (;;) {
        if (anchor) {
          if (anchorAt === -1) break;
          pattern.lastIndex = Math.max(pattern.lastIndex, anchorAt - anchor.before);
        }
        match = pattern.exec(text);
        if (match === null) break;
        if (anchor) {
          if (match.index > anchorAt) {
            // No match around this occurrence: move to the next occurrence at or after this match.
            anchorAt = text.indexOf(anchor.char, Math.max(anchorAt + 1, match.index));
            pattern.lastIndex = match.index;
            continue;
          }
          anchorAt = text.indexOf(anchor.char, match.index + match[0].length);
        }
        const whole = match[0];
        if (whole.length === 0) {
          pattern.lastIndex += 1;
          continue;
        }
        let valid: boolean;
        try {
          valid = !detector.validate || detector.validate(whole, text, match.index);
        } catch {
          valid = false;
        }
        if (!valid) {
          // Retry just after this start: a shorter candidate may begin inside the rejected one.
          pattern.lastIndex = match.index + 1;
          continue;
        }
        let start = match.index;
        let end = start + whole.length;
        if (detector.group !== undefined) {
          const span = match.indices?.[detector.group];
          if (!span || span[1] <= span[0]) continue;
          [start, end] = span;
        }
        (found ??= []).push({ kind: detector.kind, start, end, detector: d });
      }
    }
    if (found !== null && uuidHyphens > 0) found = withoutIdentifiers(text, found);
    if (found === null || found.length <= 1) return found;
    return mergeOverlaps(found);
  }

  /**
   * The built-in detectors whose matches can only start at places the scan located: each one's own
   * expression is tried (sticky) at every such place, in text order, skipping places inside its
   * previous validated match — exactly what a global scan of the whole text returns, since it can
   * only match at those places too (the candidate places are necessary conditions of a validated
   * match: see each test below). A place whose match the validator would certainly reject is
   * skipped too: a global scan resumes one character after a rejected match, and the next place
   * tried here is further on anyway.
   */
  private findCandidates(text: string, features: number): PiiMatch[] | null {
    pending = null;
    const scan = scanned;
    // The text's units where the paths below read them: the scan's bytes when each of them is its unit.
    const codes = scan.atCount > 0 || scan.regionCount > 0 ? textUnits(text) : NO_UNITS;
    // E-mail: the local part is the whole run of local-part characters before an `@` (the
    // look-behind forbids a start inside it), 1–64 long.
    if (this.email >= 0 && (features & F_AT) !== 0) {
      let next = 0;
      const ats = scan.ats;
      for (let a = 0; a < scan.atCount; a += 1) {
        const at = ats[a] as number;
        const floor = Math.max(0, at - 65);
        let start = at;
        while (start > floor && ((UNIT_CLASS[codes[start - 1] as number] as number) & U_LOCAL) !== 0) start -= 1;
        if (start === at || at - start > 64 || start < next) continue;
        next = tryEmail(text, codes, this.email, start, at);
      }
    }
    // IBAN: two capitals on a word boundary, then the two digits that begin a region.
    if (this.iban >= 0 && scan.ibanCount > 0) {
      let next = 0;
      for (let i = 0; i < scan.ibanCount; i += 1) {
        const start = scan.ibanStarts[i] as number;
        if (start < next || isWordChar(text.charCodeAt(start - 1))) continue;
        next = tryAt(text, this.iban, B_IBAN, start);
      }
    }
    // Cards, SSNs, phone numbers, IPv4 addresses: inside a digit region, from a digit on a word
    // boundary (or a phone number's `+` or `(`), with enough digits left in the region.
    if (scan.regionCount > 0 && this.regionDetectors) {
      const regions = scan.regions;
      const card = this.card;
      const ssn = this.ssn;
      const phone = this.phone;
      const ipv4 = this.ipv4;
      // Where each detector may try next (past the end of its last validated match; NEVER: not in the set).
      let nextCard = card >= 0 ? 0 : NEVER;
      let nextSsn = ssn >= 0 ? 0 : NEVER;
      let nextPhone = phone >= 0 ? 0 : NEVER;
      let nextIp = ipv4 >= 0 ? 0 : NEVER;
      for (let r = 0; r < scan.regionCount * 3; r += 3) {
        let p = regions[r] as number;
        const end = regions[r + 1] as number;
        let left = regions[r + 2] as number; // digits from p to the end of the region
        let prev = p > 0 ? (codes[p - 1] as number) : 32;
        for (; p < end; p += 1) {
          const c = codes[p] as number;
          if (c >= 48 && c <= 57) {
            if (!isWordChar(prev)) {
              // \b(?:\d[ -]?){12,18}\d\b, not starting with 0
              if (left >= 13 && p >= nextCard && c !== 48) nextCard = tryCard(codes, card, p);
              const third = codes[p + 3] as number;
              // \b\d{3}([- ])\d{2}\1\d{4}\b
              if (left >= 9 && p >= nextSsn && (third === 45 || third === 32) && (codes[p + 6] as number) === third) nextSsn = tryAt(text, ssn, B_SSN, p);
              // From a digit: 00… (8+ digits), 0… (9+), or \d{3}[.-]\d{3}[.-]\d{4}; not after + . /
              if (p >= nextPhone && (c === 48 ? left >= 8 : left >= 9 && (third === 45 || third === 46)) && prev !== 43 && prev !== 46 && prev !== 47) {
                nextPhone = tryPhone(text, codes, phone, p);
              }
              // \b\d{1,3}\.…, not after a dot
              if (left >= 4 && p >= nextIp && prev !== 46 && ((codes[p + 1] as number) === 46 || (codes[p + 2] as number) === 46 || third === 46)) nextIp = tryAt(text, ipv4, B_IPV4, p);
            }
            // The rest of this digit group: each digit follows a digit (a word character), so none
            // starts a candidate; they are only counted.
            let q = p + 1;
            let d = codes[q] as number;
            while (q < end && d >= 48 && d <= 57) d = codes[++q] as number;
            left -= q - p;
            // Every candidate start needs 4 digits still ahead (IPv4; the others 8 or more).
            if (left < 4) break;
            prev = codes[q - 1] as number;
            p = q - 1;
            continue;
          } else if ((c === 43 || c === 40) && p >= nextPhone && left >= (c === 43 ? 8 : 9) && !isWordChar(prev) && prev !== 43 && prev !== 46 && prev !== 47) {
            // `+` (international: 8+ digits) or `(` (national: 9+).
            nextPhone = tryPhone(text, codes, phone, p);
          }
          prev = c;
        }
      }
    }
    // IPv6: starts with up to 4 hex digits (not inside a longer word, not after a `:`) before a `:`
    // that another `:` follows within 5 characters.
    if (this.ipv6 >= 0 && (features & F_COLON) !== 0) {
      let next = 0;
      const colons = scanned.colons;
      for (let k = 0; k < scanned.colonCount; k += 1) {
        const colon = colons[k] as number;
        let j = colon + 1;
        while (j < colon + 5 && isHexCode(text.charCodeAt(j))) j += 1;
        if (text.charCodeAt(j) !== 58) continue;
        let start = colon;
        while (start > colon - 4 && start > 0 && isHexCode(text.charCodeAt(start - 1))) start -= 1;
        if (start < next) continue;
        const before = text.charCodeAt(start - 1); // NaN at 0
        if (before === 58 || isWordChar(before)) continue;
        next = tryAt(text, this.ipv6, B_IPV6, start);
      }
    }
    const found = pending;
    pending = null;
    return found;
  }
}

/** A UTF-16 unit above U+00FF (its Latin-1 byte is only its low byte). On a one-byte string V8 answers without reading it. */
const WIDE_UNIT = /[^\0-\xff]/;

/** The units of a text that has some above U+00FF (grown as needed), and the same memory as bytes for `ucs2Write`. */
let wideUnits = new Uint16Array(256);
let wideBytes = Buffer.from(wideUnits.buffer);

/**
 * Node's own UTF-16LE writer of a Buffer (one native copy; not in Node's documentation, like the
 * scan's latin1Write). On a little-endian machine its bytes read back as the units through a
 * Uint16Array; elsewhere, or without it, the units are copied one by one.
 */
interface Ucs2Writer {
  ucs2Write(text: string, offset: number, length: number): number;
}
const UCS2_WRITE = typeof (Buffer.prototype as unknown as Partial<Ucs2Writer>).ucs2Write === 'function' && new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/**
 * @internal The units of `text` as a typed array, just after its scan: each index below its length
 * holds its unit; the 8 past its end read as 64 or 0, which every test of the candidate paths treats
 * as `charCodeAt`'s NaN: not a digit, not a word, label or local-part character, none of the
 * separators compared with.
 *
 * When no unit is above U+00FF (the usual case, answered without a pass) that is the scan's own
 * Latin-1 buffer: each byte then is its unit, and a typed array reads several times faster than
 * `charCodeAt` here (an e-mail domain: 19 vs 48 ns). Otherwise a unit above U+00FF could pass for a
 * digit, a separator or a letter in its low byte (`İ` U+0130 for `0`, `Ł` U+0141 for `A`) and hide
 * or invent a word boundary: the units are copied instead, exactly (one native copy).
 */
export function textUnits(text: string): Uint8Array | Uint16Array {
  const n = text.length;
  if (!WIDE_UNIT.test(text)) {
    const bytes = scanned.bytes;
    // The scan wrote its two sentinels (64) at n and n + 1; the next 6 may hold an older text.
    for (let z = n + 2; z < n + SLACK; z += 1) bytes[z] = 0;
    return bytes;
  }
  if (n + SLACK > wideUnits.length) {
    wideUnits = new Uint16Array(Math.max(n + SLACK, wideUnits.length * 2));
    wideBytes = Buffer.from(wideUnits.buffer);
  }
  const units = wideUnits;
  if (UCS2_WRITE) (wideBytes as unknown as Ucs2Writer).ucs2Write(text, 0, n * 2);
  else for (let i = 0; i < n; i += 1) units[i] = text.charCodeAt(i);
  for (let z = n; z < n + SLACK; z += 1) units[z] = 0;
  return units;
}

/** Matches of the running {@link DetectorSet.findCandidates} (built-in validators never call find()). */
let pending: PiiMatch[] | null = null;

const NONE: readonly number[] = [];

/** A position past any text (a detector that is not in the set never tries). */
const NEVER = 0x7fffffff;

/** A marker in {@link DetectorSet.gates}: the detector runs on candidates, not over the whole text. */
const CANDIDATE = 1 << 30;

// Indices in BUILT_IN_DETECTORS.
const B_EMAIL = 4;
const B_IBAN = 5;
const B_CARD = 6;
const B_SSN = 7;
const B_PHONE = 8;
const B_IPV4 = 9;
const B_IPV6 = 10;

/**
 * How each built-in detector runs, by index: on candidates, or over the whole text when the scan
 * saw the feature every one of its matches contains.
 */
const BUILT_IN_GATES: readonly number[] = [F_SLASHES, F_EYJ, F_API, F_EARER, CANDIDATE, CANDIDATE, CANDIDATE, CANDIDATE, CANDIDATE, CANDIDATE, CANDIDATE, F_DOB];

const BUILT_IN_INDEX = new Map<PiiDetector, number>((BUILT_IN_DETECTORS as readonly PiiDetector[]).map((detector, index) => [detector, index]));

/** The built-in expressions as sticky twins (tried at one place each). */
const STICKY: readonly RegExp[] = (BUILT_IN_DETECTORS as readonly PiiDetector[]).map((detector) => new RegExp(detector.pattern.source, `${detector.pattern.flags.replace(/[gd]/g, '')}y`));

/**
 * Built-in validators that read the match in place (by built-in index): the same answers as their
 * `validate` on a slice (the e-mail one never reads the match), without making the slice.
 */
const VALIDATE_AT: ReadonlyArray<((text: string, start: number, end: number) => boolean) | undefined> = BUILT_IN_DETECTORS.map((_, index) =>
  index === B_EMAIL ? (text: string, start: number) => emailValid('', text, start) : index === B_CARD ? cardValidAt : index === B_PHONE ? phoneValidAt : undefined,
);

/**
 * Tries built-in detector `builtIn` (index `d` in its set) at `start`. Returns where the next try
 * may start: after a validated match, or the next character.
 */
function tryAt(text: string, d: number, builtIn: number, start: number): number {
  const sticky = STICKY[builtIn] as RegExp;
  sticky.lastIndex = start;
  if (!sticky.test(text)) return start + 1;
  const end = sticky.lastIndex;
  if (end === start) return start + 1;
  const detector = BUILT_IN_DETECTORS[builtIn] as PiiDetector;
  let valid: boolean;
  try {
    const inPlace = VALIDATE_AT[builtIn];
    valid = inPlace !== undefined ? inPlace(text, start, end) : !detector.validate || detector.validate(text.slice(start, end), text, start);
  } catch {
    valid = false;
  }
  if (!valid) return start + 1;
  (pending ??= []).push({ kind: detector.kind, start, end, detector: d });
  return end;
}

/**
 * {@link tryAt} for a card from a place in a digit region: {@link cardMatchEnd} (the expression's
 * answer and {@link cardValidAt}'s checks in one pass, read from the region's units `codes`, from
 * {@link textUnits}: a card match lies inside its region).
 */
function tryCard(codes: Uint8Array | Uint16Array, d: number, start: number): number {
  const end = cardMatchEnd(codes, start);
  if (end < 0) return start + 1;
  (pending ??= []).push({ kind: CARD_KIND, start, end, detector: d });
  return end;
}

/**
 * {@link tryAt} for an e-mail address whose local part is `text[start, at)` (all of the run of
 * local-part characters before the `@` at `at`, 1–64 long: what the expression's look-behind and
 * `{1,64}` leave it): {@link emailDomainEnd} instead of the expression (about 65 ns a try here, a
 * fifth of that by hand), then the validator.
 */
function tryEmail(text: string, codes: Uint8Array | Uint16Array, d: number, start: number, at: number): number {
  const end = emailDomainEnd(codes, at);
  if (end < 0 || !emailValid('', text, start)) return start + 1;
  (pending ??= []).push({ kind: EMAIL_KIND, start, end, detector: d });
  return end;
}

/** Where a label may end: dots after the `@` that close a label of 1–63 characters (reused; at most 9). */
const LABEL_DOTS = new Int32Array(9);

/**
 * @internal Where the e-mail expression's domain part
 * `[A-Za-z0-9-]{1,63}(?:\.[A-Za-z0-9-]{1,63}){0,8}\.[A-Za-z]{2,24}\b` ends when it starts after the
 * `@` at `at` (-1: no match), with the expression's own backtracking order. No label holds a `.`, and
 * each label but the top-level one is followed by `\.`, so every label is a whole run of label
 * characters (1–63 long) that a `.` ends: the greedy loop takes as many as it can (up to 8 after the
 * first), then gives them back one by one until the top-level part (the whole run of letters after
 * that dot: a shorter one is followed by a letter, no `\b`) is 2–24 letters not followed by a digit
 * or `_`. Property-tested against the expression at every `@` of random texts.
 */
export function emailDomainEnd(codes: Uint8Array | Uint16Array, at: number): number {
  const dots = LABEL_DOTS;
  const classes = UNIT_CLASS;
  let count = 0;
  let p = at + 1;
  for (;;) {
    let q = p;
    while (q - p < 64 && ((classes[codes[q] as number] as number) & U_LABEL) !== 0) q += 1;
    if (q === p || q - p > 63 || codes[q] !== 46) break;
    dots[count] = q;
    count += 1;
    if (count === 9) break;
    p = q + 1;
  }
  for (let k = count - 1; k >= 0; k -= 1) {
    const s = (dots[k] as number) + 1;
    let e = s;
    while (e - s <= 24 && ((classes[codes[e] as number] as number) & U_LETTER) !== 0) e += 1;
    const length = e - s;
    if (length >= 2 && length <= 24 && ((classes[codes[e] as number] as number) & U_WORD) === 0) return e;
  }
  return -1;
}

/** {@link cardMatchEnd}'s ends after the 13th to the 19th chained digit (reused). */
const CARD_ENDS = new Int32Array(7);

/** Luhn's doubling of a digit (`2d`, less 9 past 9), by digit. */
const LUHN_DOUBLE = new Int32Array([0, 2, 4, 6, 8, 1, 3, 5, 7, 9]);

/** {@link cardMatchEnd}'s Luhn sums after the 13th to the 19th chained digit (reused). */
const CARD_SUMS = new Int32Array(7);

/**
 * @internal Where the card expression `\b(?:\d[ -]?){12,18}\d\b`, tried (sticky) at the digit at
 * `start` that follows a non-word character, ends, when {@link cardValidCodes}(codes, start, that end)
 * holds; else -1. One pass over the chained digits: from `start` each next digit comes directly
 * after the last or after one `[ -]` (any other way of taking the separators leaves a `\d` facing a
 * separator); the greedy expression tries the most digits first (up to 19), then fewer, and stops
 * at the first count whose last digit is followed by a non-word character. The digits of
 * `[start, end)` are exactly the chained ones up to that end, so Luhn's sum for each possible count
 * is kept as the chain grows: with `odd` (every odd digit from the start doubled) and `even` (every
 * even one), a count's sum doubles every second digit from its last one back, so an odd count takes
 * `even`'s, an even count `odd`'s. The count is 13–19 by construction, and the first digit must not
 * be 0. Property-tested against the expression and cardValidCodes.
 */
export function cardMatchEnd(codes: Uint8Array | Uint16Array, start: number): number {
  const first = (codes[start] as number) - 48;
  if (first <= 0 || first > 9) return -1;
  const ends = CARD_ENDS;
  const sums = CARD_SUMS;
  const double = LUHN_DOUBLE;
  // Digit 1 (odd) is doubled in `odd`.
  let odd = double[first] as number;
  let even = first;
  let count = 1;
  let pos = start;
  for (;;) {
    const next = codes[pos + 1] as number;
    if (next >= 48 && next <= 57) pos += 1;
    else if ((next === 32 || next === 45) && isDigit(codes[pos + 2] as number)) pos += 2;
    else break;
    count += 1;
    const digit = (codes[pos] as number) - 48;
    if ((count & 1) !== 0) {
      odd += double[digit] as number;
      even += digit;
    } else {
      odd += digit;
      even += double[digit] as number;
    }
    if (count >= 13) {
      ends[count - 13] = pos + 1;
      sums[count - 13] = (count & 1) !== 0 ? even : odd;
    }
    if (count === 19) break;
  }
  for (let k = count; k >= 13; k -= 1) {
    const end = ends[k - 13] as number;
    if (!isWordChar(codes[end] as number)) return (sums[k - 13] as number) % 10 === 0 ? end : -1;
  }
  return -1;
}

/**
 * {@link tryAt} for a phone number from a place in a digit region: {@link phoneValidAt}'s checks read
 * from the region's units. From a `+`, {@link phonePlusEnd} stands in for the expression (on (b)'s
 * `+44 20 7946 0958` here: about 20 ns, the sticky test 36–38 ns, and a regular-expression call
 * more in find() than alone).
 */
function tryPhone(text: string, codes: Uint8Array | Uint16Array, d: number, start: number): number {
  let end: number;
  if (codes[start] === 43) {
    end = phonePlusEnd(codes, start);
    if (end < 0) return start + 1;
  } else {
    const sticky = STICKY[B_PHONE] as RegExp;
    sticky.lastIndex = start;
    if (!sticky.test(text)) return start + 1;
    end = sticky.lastIndex;
  }
  if (end === start || !phoneValidCodes(text, codes, start, end)) return start + 1;
  (pending ??= []).push({ kind: PHONE_KIND, start, end, detector: d });
  return end;
}

/**
 * @internal Where the phone expression, tried (sticky) at the `+` at `start`, ends (-1: no match), read
 * from `codes` (see {@link textUnits}). Only its first alternative can match there:
 * `\+\d{1,3}(?:[ .-]?\(\d{1,4}\))?(?:[ .-]?\d{1,5}){2,6}\b`, tried in the expression's own order:
 * the country code's digits from 3 down to 1, each with the area code in parentheses (when it is
 * there: that part has one way to match) and then without, each followed by {@link phoneChunksEnd}.
 * Property-tested against the expression at every `+` of random texts.
 */
export function phonePlusEnd(codes: Uint8Array | Uint16Array, start: number): number {
  let run = start + 1;
  while (isDigit(codes[run] as number)) run += 1;
  for (let k = Math.min(3, run - start - 1); k >= 1; k -= 1) {
    const at = start + 1 + k;
    const open = codes[at] === 40 ? at : isPhoneSeparator(codes[at] as number) && codes[at + 1] === 40 ? at + 1 : -1;
    if (open >= 0) {
      let close = open + 1;
      while (isDigit(codes[close] as number)) close += 1;
      if (close > open + 1 && close - open <= 5 && codes[close] === 41) {
        const end = phoneChunksEnd(codes, close + 1);
        if (end >= 0) return end;
      }
    }
    const end = phoneChunksEnd(codes, at);
    if (end >= 0) return end;
  }
  return -1;
}

/**
 * Where `(?:[ .-]?\d{1,5}){2,6}\b` tried (sticky) at `at` ends (-1: no match). Its chunks take
 * whole digit runs, split in pieces of 5 at most, joined by one separator each; `\b` after a digit
 * holds only at the end of a run that no word character follows. Backtracking tries the most digits
 * per chunk first, so the first success is the farthest such run end that the fewest chunks (a run
 * of n digits needs ⌈n/5⌉) reach within 6, with 2 digits at least (2 chunks of one each).
 */
function phoneChunksEnd(codes: Uint8Array | Uint16Array, at: number): number {
  let best = -1;
  let chunks = 0;
  let digits = 0;
  let p = at;
  for (;;) {
    let q = p;
    if (isPhoneSeparator(codes[q] as number)) q += 1;
    if (!isDigit(codes[q] as number)) return best;
    let e = q + 1;
    while (isDigit(codes[e] as number)) e += 1;
    chunks += ((e - q + 4) / 5) | 0;
    if (chunks > 6) return best;
    digits += e - q;
    if (digits >= 2 && ((UNIT_CLASS[codes[e] as number] as number) & U_WORD) === 0) best = e;
    p = e;
  }
}

/** `[ .-]`: what may come before each group of digits of a phone number. */
function isPhoneSeparator(code: number): boolean {
  return code === 32 || code === 46 || code === 45;
}

const CARD_KIND = (BUILT_IN_DETECTORS[B_CARD] as PiiDetector).kind;
const EMAIL_KIND = (BUILT_IN_DETECTORS[B_EMAIL] as PiiDetector).kind;
const PHONE_KIND = (BUILT_IN_DETECTORS[B_PHONE] as PiiDetector).kind;

/**
 * @internal {@link cardValidAt}(text, start, end) with the text's units read from `codes` (each
 * index in `[start, end)` holds the text's unit: see {@link textUnits}).
 */
export function cardValidCodes(codes: Uint8Array | Uint16Array, start: number, end: number): boolean {
  if (codes[start] === 48) return false;
  let sum = 0;
  let count = 0;
  let double = false;
  for (let i = end - 1; i >= start; i -= 1) {
    let digit = (codes[i] as number) - 48;
    if (digit < 0 || digit > 9) continue;
    count += 1;
    if (double) {
      digit *= 2;
      if (digit > 9) digit -= 9;
    }
    sum += digit;
    double = !double;
  }
  return count >= 13 && count <= 19 && sum % 10 === 0;
}

/**
 * @internal {@link phoneValidAt}(text, start, end) with the units from `start - 1` to `end + 1` read from
 * `codes` (each holds the text's unit, or past its end a value that, like NaN, is no digit and no
 * separator: see {@link textUnits}).
 */
export function phoneValidCodes(text: string, codes: Uint8Array | Uint16Array, start: number, end: number): boolean {
  const before = start > 0 ? (codes[start - 1] as number) : 32;
  if (isWordChar(before) || before === 43 /* + */ || before === 46 /* . */ || before === 47 /* / */) return false;
  const after = codes[end] as number;
  if (after === 58 /* : */ || after === 47 /* / */ || (after === 46 && isDigit(codes[end + 1] as number))) return false;
  let digits = 0;
  let dateSeparator = false;
  for (let i = start; i < end; i += 1) {
    const c = codes[i] as number;
    if (c >= 48 && c <= 57) digits += 1;
    else if (c === 45 || c === 46) dateSeparator = true;
  }
  const first = codes[start] as number;
  const international = first === 43 || (first === 48 && end - start >= 2 && codes[start + 1] === 48);
  if (international ? digits < 8 || digits > 15 : digits < 9 || digits > 12) return false;
  return !dateSeparator || !DATE_INSIDE.test(text.slice(start, end));
}

function isEmailLocal(code: number): boolean {
  // [A-Za-z0-9._%+-]
  return isWordChar(code) || code === 46 || code === 37 || code === 43 || code === 45;
}

/** {@link UNIT_CLASS} flags: `\w` (`[A-Za-z0-9_]`), an e-mail local-part character (`[A-Za-z0-9._%+-]`), a domain label's (`[A-Za-z0-9-]`), a letter. */
const U_WORD = 1;
const U_LOCAL = 2;
const U_LABEL = 4;
const U_LETTER = 8;

/** The classes above of every UTF-16 unit (only ASCII ones have any), for reads from {@link textUnits}. */
const UNIT_CLASS = new Uint8Array(65536);
for (let c = 0; c < 128; c += 1) {
  UNIT_CLASS[c] = (isWordChar(c) ? U_WORD : 0) | (isEmailLocal(c) ? U_LOCAL : 0) | ((isWordChar(c) && c !== 95) || c === 45 ? U_LABEL : 0) | (/[A-Za-z]/.test(String.fromCharCode(c)) ? U_LETTER : 0);
}

/** What findCandidates reads when the scan found no place that needs the units. */
const NO_UNITS = new Uint8Array(0);

function isHexCode(code: number): boolean {
  return (code >= 48 && code <= 57) || ((code | 0x20) >= 97 && (code | 0x20) <= 102);
}

/** A UUID (any version): hex groups 8-4-4-4-12, tried (sticky) only where the hyphens are in place. */
const UUID = /\b[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}\b/y;

/**
 * Drops candidates inside a UUID: its groups are random hex and now and then all digits, which a
 * phone, card or IP expression would take for PII (about 1 UUID in 900), redacting record ids.
 * Only runs when something matched, so clean text pays nothing.
 *
 * A UUID is found from its first hyphen (8 characters after its start, with hyphens 5, 10 and 15
 * characters further on): `indexOf` hops from hyphen to hyphen, and the expression is tried only at
 * those starts — the same UUIDs a scan of the whole text finds (two UUIDs cannot overlap: inside
 * one, only a hyphen precedes a boundary, and a hex group of 8 cannot span one), at a fraction of
 * the cost (hex letters are common in prose, so a full scan tries the expression almost everywhere).
 */
function withoutIdentifiers(text: string, found: PiiMatch[]): PiiMatch[] | null {
  if (text.length < 36) return found;
  let spans: Array<[number, number]> | null = null;
  for (let hyphen = text.indexOf('-', 8); hyphen !== -1 && hyphen + 28 <= text.length; hyphen = text.indexOf('-', hyphen + 1)) {
    if (text.charCodeAt(hyphen + 5) !== 45 || text.charCodeAt(hyphen + 10) !== 45 || text.charCodeAt(hyphen + 15) !== 45) continue;
    UUID.lastIndex = hyphen - 8;
    if (!UUID.test(text)) continue;
    (spans ??= []).push([hyphen - 8, hyphen + 28]);
    hyphen += 27;
  }
  if (spans === null) return found;
  const uuids = spans;
  const kept = found.filter((m) => !uuids.some(([start, end]) => m.start < end && m.end > start));
  return kept.length > 0 ? kept : null;
}

/** The `needs` strings the scan answers; any other is looked up with indexOf. */
const FEATURE_OF_NEEDS = new Map<string, number>([
  ['@', F_AT],
  [':', F_COLON],
  ['//', F_SLASHES],
  ['eyJ', F_EYJ],
  ['earer', F_EARER],
]);

function mergeOverlaps(matches: PiiMatch[]): PiiMatch[] {
  // By start, then detector (insertion sort: a few matches, mostly in order already).
  for (let i = 1; i < matches.length; i += 1) {
    const match = matches[i] as PiiMatch;
    let j = i - 1;
    for (; j >= 0; j -= 1) {
      const other = matches[j] as PiiMatch;
      if (other.start < match.start || (other.start === match.start && other.detector < match.detector)) break;
      matches[j + 1] = other;
    }
    matches[j + 1] = match;
  }
  // The matches are this call's own objects: merged in place.
  let last = matches[0] as PiiMatch;
  let kept = 1;
  for (let i = 1; i < matches.length; i += 1) {
    const match = matches[i] as PiiMatch;
    if (match.start < last.end) {
      if (match.end > last.end) last.end = match.end;
    } else {
      matches[kept] = match;
      kept += 1;
      last = match;
    }
  }
  if (kept < matches.length) matches.length = kept;
  return matches;
}

const DEFAULT_SET = new DetectorSet(DEFAULT_DETECTORS);

/**
 * Replaces every validated match with `[REDACTED:<kind>]`. Returns the input itself when nothing
 * matched (no allocation on the common path). `Redactor.redactText` applies the configured
 * per-kind strategies instead.
 */
export function scrubText(text: string, detectors: readonly PiiDetector[] | DetectorSet = DEFAULT_SET): string {
  const set = detectors instanceof DetectorSet ? detectors : detectors === DEFAULT_DETECTORS ? DEFAULT_SET : new DetectorSet(detectors);
  const matches = set.find(text);
  if (matches === null) return text;
  return replaceMatches(text, matches, (match) => `[REDACTED:${match.kind}]`);
}

/** Rebuilds `text` with each match replaced. */
export function replaceMatches(text: string, matches: readonly PiiMatch[], replace: (match: PiiMatch, value: string) => string): string {
  let out = '';
  let at = 0;
  for (const match of matches) {
    out += text.slice(at, match.start) + replace(match, text.slice(match.start, match.end));
    at = match.end;
  }
  return out + text.slice(at);
}
