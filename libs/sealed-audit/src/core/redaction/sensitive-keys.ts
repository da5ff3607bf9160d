/**
 * Key names whose values are always redacted, wherever they appear (headers, body, query,
 * metadata). Matching ignores case and separators: `X-Api-Key`, `x_api_key` and `xApiKey` are one key.
 */

/** Matched when the normalized key contains them (long enough not to hit unrelated words). */
export const SENSITIVE_KEY_FRAGMENTS: readonly string[] = [
  'password',
  'passwd',
  'passphrase',
  'secret',
  'token',
  'apikey',
  'authorization',
  'cookie',
  'privatekey',
  'sessionid',
  'creditcard',
  'cardnumber',
  'signature',
  'dateofbirth',
  'birthdate',
  'accesskey',
  'credential',
  'socialsecurity',
  'nationalid',
  'passport',
];

/** Matched only as the whole normalized key (short words that appear inside unrelated names). */
export const SENSITIVE_KEY_NAMES: readonly string[] = ['pwd', 'pin', 'ssn', 'cvv', 'cvc', 'cvv2', 'otp', 'auth', 'jwt', 'sid', 'dob', 'pan', 'taxid', 'tin'];

/** Lower-case, letters and digits only. */
export function normalizeKey(key: string): string {
  return key.toLowerCase().replace(/[^a-z0-9]/g, '');
}

/** Compiles the configured key rules into one predicate, memoized per key name. */
export function compileSensitiveKeyMatcher(extraKeys: readonly string[] = []): (key: string) => boolean {
  const exact = new Set(SENSITIVE_KEY_NAMES);
  for (const key of extraKeys) exact.add(normalizeKey(key));
  const fragments = SENSITIVE_KEY_FRAGMENTS;
  const memo = new Map<string, boolean>();
  return (key: string) => {
    let verdict = memo.get(key);
    if (verdict === undefined) {
      const normalized = normalizeKey(key);
      verdict = exact.has(normalized) || fragments.some((fragment) => normalized.includes(fragment));
      // Key names come from requests: cap the memo so hostile input cannot grow it without bound.
      if (memo.size < 10_000) memo.set(key, verdict);
    }
    return verdict;
  };
}

/** Key names that give a date the context of a birth date (`born`, `birthday`, `bday`, `dateNaissance` …). */
const BIRTH_CONTEXT = /birth|born|bday|naissance|geburt/;

/**
 * Compiles the "date of birth by key context" rule: a date-shaped value under such a key is a
 * birth date, other values under it (`birthPlace: "Paris"`) are not. Memoized per key name.
 */
export function compileBirthKeyMatcher(): (key: string) => boolean {
  const memo = new Map<string, boolean>();
  return (key: string) => {
    let verdict = memo.get(key);
    if (verdict === undefined) {
      verdict = BIRTH_CONTEXT.test(normalizeKey(key));
      if (memo.size < 10_000) memo.set(key, verdict);
    }
    return verdict;
  };
}
