import { SENSITIVE_KEY_NAMES, compileSensitiveKeyMatcher, normalizeKey } from './sensitive-keys';

describe('normalizeKey', () => {
  it('lower-cases and drops everything but letters and digits', () => {
    expect(normalizeKey('X-Api_Key 2')).toBe('xapikey2');
    expect(normalizeKey('Set-Cookie')).toBe('setcookie');
  });
});

describe('compileSensitiveKeyMatcher', () => {
  const isSensitive = compileSensitiveKeyMatcher();

  it.each([
    'Authorization',
    'authorization',
    'x-api-key',
    'X_API_KEY',
    'X-Api-Key',
    'apiKey',
    'cookie',
    'set-cookie',
    'Set-Cookie',
    'refresh_token',
    'accessToken',
    'id_token',
    'password',
    'passwordConfirmation',
    'new-password',
    'client_secret',
    'privateKey',
    'session_id',
    'creditCard',
    'card_number',
    'date_of_birth',
    'ssn',
    'SSN',
    'pin',
    'PIN',
    'cvv',
    'otp',
    'dob',
  ])('flags %p', (key) => {
    expect(isSensitive(key)).toBe(true);
  });

  it.each(['className', 'spinner', 'business', 'opinion', 'pinned', 'author', 'authority', 'sidebar', 'considered', 'username', 'email', 'id', 'status'])(
    'does not flag the unrelated key %p',
    (key) => {
      expect(isSensitive(key)).toBe(false);
    },
  );

  it('matches the short words only as the whole key', () => {
    for (const word of SENSITIVE_KEY_NAMES) {
      expect(isSensitive(word)).toBe(true);
      expect(isSensitive(`${word}Count`)).toBe(false);
    }
  });

  it('adds user-supplied keys, case- and separator-insensitively, as whole keys', () => {
    const custom = compileSensitiveKeyMatcher(['diagnosis', 'medical-record']);
    expect(custom('diagnosis')).toBe(true);
    expect(custom('Diagnosis')).toBe(true);
    expect(custom('medicalRecord')).toBe(true);
    expect(custom('MEDICAL_RECORD')).toBe(true);
    expect(custom('diagnosisCode')).toBe(false);
    // The built-in list stays in force.
    expect(custom('password')).toBe(true);
    // And the default matcher does not know the custom keys.
    expect(isSensitive('diagnosis')).toBe(false);
  });

  it('gives the same verdict for a key when asked repeatedly (memoized) and for many distinct keys', () => {
    const matcher = compileSensitiveKeyMatcher();
    for (let i = 0; i < 12_000; i += 1) matcher(`field${i}`);
    expect(matcher('field11999')).toBe(false);
    expect(matcher('token11999')).toBe(true);
    expect(matcher('Authorization')).toBe(true);
    expect(matcher('Authorization')).toBe(true);
  });
});
