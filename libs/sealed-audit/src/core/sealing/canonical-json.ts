import canonicalizeImpl from 'canonicalize';

/**
 * RFC 8785 (JSON Canonicalization Scheme) serialization: sorted keys, ECMAScript number form,
 * minimal string escaping. Two structurally equal values always give the same bytes, which is what
 * makes a stored entry re-hashable after a round trip through any database.
 */
export function canonicalize(value: unknown): string {
  const text = (canonicalizeImpl as unknown as (input: unknown) => string | undefined)(value);
  if (text === undefined) {
    throw new TypeError('canonicalize: the value has no JSON form (undefined, a function or a symbol)');
  }
  return text;
}
