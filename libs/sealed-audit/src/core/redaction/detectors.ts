/**
 * Value detectors for PII inside free text that nobody declared (error messages, paths, notes).
 * This release ships a small, validated set; each match replaces only its span.
 */
export interface PiiDetector {
  kind: string;
  /** A global regular expression; every match is a candidate. */
  pattern: RegExp;
  /** Rejects candidates that only look like PII (e.g. a 16-digit number that fails Luhn). */
  validate?: (match: string) => boolean;
}

/** Luhn checksum over the digits of `text`. */
export function luhnValid(text: string): boolean {
  const digits = text.replace(/\D/g, '');
  if (digits.length < 13 || digits.length > 19) return false;
  let sum = 0;
  let double = false;
  for (let i = digits.length - 1; i >= 0; i -= 1) {
    let digit = digits.charCodeAt(i) - 48;
    if (double) {
      digit *= 2;
      if (digit > 9) digit -= 9;
    }
    sum += digit;
    double = !double;
  }
  return sum % 10 === 0;
}

/** US SSN: area 001–899 except 666, group 01–99, serial 0001–9999. */
export function ssnValid(text: string): boolean {
  const [area, group, serial] = text.split('-');
  if (!area || !group || !serial) return false;
  const a = Number(area);
  return a > 0 && a !== 666 && a < 900 && Number(group) > 0 && Number(serial) > 0;
}

export const DEFAULT_DETECTORS: readonly PiiDetector[] = [
  { kind: 'email', pattern: /[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}/g },
  { kind: 'card', pattern: /\b(?:\d[ -]?){12,18}\d\b/g, validate: luhnValid },
  { kind: 'ssn', pattern: /\b\d{3}-\d{2}-\d{4}\b/g, validate: ssnValid },
  { kind: 'jwt', pattern: /\beyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*/g },
];

/**
 * Replaces every validated match with `[REDACTED:<kind>]`. Returns the input itself when nothing
 * matched (no allocation on the common path).
 */
export function scrubText(text: string, detectors: readonly PiiDetector[] = DEFAULT_DETECTORS): string {
  let result = text;
  for (const detector of detectors) {
    detector.pattern.lastIndex = 0;
    if (!detector.pattern.test(result)) continue;
    detector.pattern.lastIndex = 0;
    result = result.replace(detector.pattern, (match) =>
      !detector.validate || detector.validate(match) ? `[REDACTED:${detector.kind}]` : match,
    );
  }
  return result;
}
