/**
 * Kind-aware masks: a hint a reviewer can recognise, never enough to read the value back.
 *
 * | kind                         | example in              | stored as           |
 * |------------------------------|-------------------------|---------------------|
 * | `email` (or any `x@y.tld`)   | `jane.doe@corp.com`     | `j***@***.com`      |
 * | `card`, `payment-card`, `pan`| `4111 1111 1111 1111`   | `********1111`      |
 * | `phone`, `mobile`, `tel`     | `+44 20 7946 0958`      | `********58`        |
 * | `iban`                       | `GB82 WEST 1234 …`      | `GB********5432`    |
 * | `ip`                         | `203.0.113.7`           | `203.0.113.*`       |
 * | anything else                | `Ottoline Quarles`      | `********rles`      |
 *
 * Generic rule: the last 4 characters of values of 12+ characters, 2 of 6–11, none of shorter ones;
 * at most 8 stars, so the length of the value is not revealed either.
 */
export function mask(text: string, kind?: string): string {
  const family = kind === undefined ? undefined : familyOf(kind);
  switch (family) {
    case 'email':
      return maskEmail(text) ?? stars(text, 0);
    case 'card':
      return keepDigits(text, 4);
    case 'phone':
      return keepDigits(text, 2);
    case 'iban':
      return maskIban(text);
    case 'ip':
      return maskIp(text);
    default:
      return maskEmail(text) ?? generic(text);
  }
}

/**
 * @internal `mask(text, kind)` made well-formed (a lone surrogate becomes U+FFFD, as the redactor
 * stores every text), for a kind known ahead: a declared field's compiled step resolves its masker
 * once. Same output as `toWellFormed(mask(text, kind))` for every text (property-tested), with the
 * common cases taken in one pass and no builtin call: the family is not looked up per value, a
 * generic text without `@` or surrogates is masked from its length, card and phone digits are
 * kept as a number (no string per digit), and a result built only of stars, ASCII digits or the
 * text's own well-formed characters skips the well-formedness check.
 *
 * @example
 * const maskName = wellFormedMasker('name');
 * maskName('Ottoline Quarles'); // '********rles'
 */
export function wellFormedMasker(kind: string | undefined): (text: string) => string {
  switch (kind === undefined ? undefined : familyOf(kind)) {
    case 'email':
      return (text) => wellFormed(maskEmail(text) ?? stars(text, 0));
    case 'card':
      return (text) => digitsMask(text, 4);
    case 'phone':
      return (text) => digitsMask(text, 2);
    case 'iban':
      return (text) => wellFormed(maskIban(text));
    case 'ip':
      return (text) => wellFormed(maskIp(text));
    default:
      return genericMask;
  }
}

/** The default family, well-formed: `maskEmail(text) ?? generic(text)`, without either call for a text that has no `@` and no surrogate. */
function genericMask(text: string): string {
  const n = text.length;
  for (let i = 0; i < n; i += 1) {
    const code = text.charCodeAt(i);
    // `@` (0x40) may make it an address; a surrogate (0xd800–0xdfff) changes the count of characters.
    if (code === 0x40 || (code & 0xf800) === 0xd800) return wellFormed(maskEmail(text) ?? generic(text));
  }
  // Every UTF-16 unit is one character: generic's count is the length, its tail a plain slice.
  const keep = n >= 12 ? 4 : n >= 6 ? 2 : 0;
  return STARS[Math.min(n - keep, 8)] + text.slice(n - keep);
}

/** keepDigits, well-formed: the kept digits read as a number and written from a table of pairs. */
function digitsMask(text: string, keep: 2 | 4): string {
  let count = 0;
  let tail = 0;
  let scale = 1;
  for (let i = text.length - 1; i >= 0; i -= 1) {
    const code = text.charCodeAt(i);
    if (code < 48 || code > 57) continue;
    if (count < keep) {
      tail += (code - 48) * scale;
      scale *= 10;
    }
    count += 1;
  }
  if (count <= keep * 2) return wellFormed(generic(text)); // few digits: not an address first, unlike genericMask
  // Stars and ASCII digits: well-formed whatever the text held.
  const digits = keep === 2 ? (DIGIT_PAIRS[tail] as string) : (DIGIT_PAIRS[Math.floor(tail / 100)] as string) + (DIGIT_PAIRS[tail % 100] as string);
  return STARS[Math.min(count - keep, 8)] + digits;
}

/** `'00'` … `'99'`. */
const DIGIT_PAIRS: readonly string[] = Array.from({ length: 100 }, (_, n) => String(n).padStart(2, '0'));

interface WellFormedString {
  isWellFormed(): boolean;
  toWellFormed(): string;
}

/**
 * @internal A lone UTF-16 surrogate becomes U+FFFD: databases store it that way, so a value kept as
 * is would no longer match its hash when read back (the redactor's texts and the masks alike).
 */
export function wellFormed(text: string): string {
  const s = text as unknown as WellFormedString;
  return s.isWellFormed() ? text : s.toWellFormed();
}

/** The mask family of a kind, case-insensitively; a kind already in lower case skips toLowerCase(). */
function familyOf(kind: string): string | undefined {
  const family = KIND_FAMILY.get(kind);
  if (family !== undefined) return family;
  // Kinds without a family (`name`, `postcode`, …) are remembered too, so they cost one look-up:
  // kinds are declared in code, but `mask` is public, so the memo is bounded.
  const known = OTHER_KINDS.get(kind);
  if (known !== undefined) return known === '' ? undefined : known;
  const folded = KIND_FAMILY.get(kind.toLowerCase());
  if (OTHER_KINDS.size < 1_000) OTHER_KINDS.set(kind, folded ?? '');
  return folded;
}

/** Kinds not in {@link KIND_FAMILY} as written: their family by lower case, `''` for none. */
const OTHER_KINDS = new Map<string, string>();

const KIND_FAMILY = new Map<string, string>([
  ['email', 'email'],
  ['e-mail', 'email'],
  ['card', 'card'],
  ['payment-card', 'card'],
  ['credit-card', 'card'],
  ['pan', 'card'],
  ['phone', 'phone'],
  ['mobile', 'phone'],
  ['tel', 'phone'],
  ['telephone', 'phone'],
  ['iban', 'iban'],
  ['ip', 'ip'],
]);

function generic(text: string): string {
  // Counted in code points (a surrogate pair is one character, as `[...text]` would see it)
  // without building the array: this runs for every masked value.
  let count = 0;
  for (let i = 0; i < text.length; i += 1) {
    if (isPairAt(text, i)) i += 1;
    count += 1;
  }
  const keep = count >= 12 ? 4 : count >= 6 ? 2 : 0;
  let from = text.length;
  for (let k = 0; k < keep; k += 1) from -= from >= 2 && isPairAt(text, from - 2) ? 2 : 1;
  return STARS[Math.min(count - keep, 8)] + text.slice(from);
}

/** A high surrogate at `i` followed by a low one: one code point in two UTF-16 units. */
function isPairAt(text: string, i: number): boolean {
  const code = text.charCodeAt(i);
  if (code < 0xd800 || code > 0xdbff) return false;
  const next = text.charCodeAt(i + 1);
  return next >= 0xdc00 && next <= 0xdfff;
}

const STARS: readonly string[] = Array.from({ length: 9 }, (_, n) => '*'.repeat(n));

function stars(text: string, keep: number): string {
  return STARS[Math.min(Math.max(text.length - keep, 1), 8)] as string;
}

/** First letter of the local part and the top-level domain: `j***@***.com`. */
function maskEmail(text: string): string | undefined {
  // indexOf first: it is much cheaper than lastIndexOf, and most masked values hold no `@`.
  if (text.indexOf('@') === -1) return undefined;
  const at = text.lastIndexOf('@');
  if (at <= 0 || at === text.length - 1) return undefined;
  const dot = text.lastIndexOf('.');
  const tld = dot > at && dot < text.length - 1 ? text.slice(dot) : '';
  // The first code point (a surrogate pair is one, a lone surrogate is itself), as `[...text][0]`
  // gives it without splitting the whole text into an array.
  return `${isPairAt(text, 0) ? text.slice(0, 2) : text.charAt(0)}***@***${tld}`;
}

/**
 * Only digits count: the last `keep` digits stay, the rest (and every separator) becomes stars.
 * One pass from the end (no `replace(/\D/g)`): the kept digits are the last ones seen.
 */
function keepDigits(text: string, keep: number): string {
  let count = 0;
  let tail = '';
  for (let i = text.length - 1; i >= 0; i -= 1) {
    const code = text.charCodeAt(i);
    if (code < 48 || code > 57) continue;
    if (count < keep) tail = text.charAt(i) + tail;
    count += 1;
  }
  if (count <= keep * 2) return generic(text);
  return STARS[Math.min(count - keep, 8)] + tail;
}

function maskIban(text: string): string {
  const compact = text.replace(/ /g, '');
  if (compact.length < 12) return generic(text);
  return `${compact.slice(0, 2)}********${compact.slice(-4)}`;
}

/**
 * Where the text's last `.` is when the text ends like an IPv4 address (`/\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}$/`
 * matches somewhere: runs of 1–3 ASCII digits between its last three dots and after them, a digit
 * before the first), else -1. A match of that expression always ends the kept part at that dot, so
 * the masked text is everything before it and `.*`: read from the end without the expression's
 * search from every start (every masked client address and IP header pays it).
 */
function ipv4TailDot(text: string): number {
  let at = text.length;
  let lastDot = -1;
  for (let group = 0; group < 3; group += 1) {
    const end = at;
    while (at > 0 && at > end - 3 && isAsciiDigit(text.charCodeAt(at - 1))) at -= 1;
    if (at === end || at === 0 || text.charCodeAt(at - 1) !== 0x2e) return -1;
    at -= 1;
    if (group === 0) lastDot = at;
  }
  return at > 0 && isAsciiDigit(text.charCodeAt(at - 1)) ? lastDot : -1;
}

/** `0`–`9`: what `\d` matches in a JavaScript expression (never another script's digits). */
function isAsciiDigit(code: number): boolean {
  return code >= 0x30 && code <= 0x39;
}

/** IPv4 keeps its /24 (`203.0.113.*`), IPv6 its first three groups (`2001:db8:85a3:*`). */
function maskIp(text: string): string {
  const lastDot = ipv4TailDot(text);
  if (lastDot >= 0) return `${text.slice(0, lastDot)}.*`;
  const groups = text.split(':');
  if (groups.length < 3) return generic(text);
  const head = text.startsWith('::') ? '::' : groups.slice(0, 3).filter((group) => group !== '').join(':');
  return `${head}${head.endsWith(':') ? '' : ':'}*`;
}
