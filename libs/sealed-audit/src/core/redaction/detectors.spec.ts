import { DEFAULT_DETECTORS, luhnValid, scrubText, ssnValid, type PiiDetector } from './detectors';

describe('luhnValid', () => {
  it.each(['4111111111111111', '4111 1111 1111 1111', '5555-5555-5555-4444', '378282246310005', '4012888888881881'])(
    'accepts the valid card number %s',
    (number) => expect(luhnValid(number)).toBe(true),
  );

  it.each(['4111111111111112', '1234567812345678', '5555555555554445'])('rejects %s (checksum fails)', (number) => {
    expect(luhnValid(number)).toBe(false);
  });

  it('rejects digit counts outside 13..19 even when the checksum holds', () => {
    expect(luhnValid('0000000000')).toBe(false); // 10 zeros: sum 0, but too short
    expect(luhnValid('0'.repeat(20))).toBe(false);
    expect(luhnValid('0'.repeat(13))).toBe(true);
  });
});

describe('ssnValid', () => {
  it.each(['123-45-6789', '001-01-0001', '899-99-9999'])('accepts %s', (ssn) => expect(ssnValid(ssn)).toBe(true));
  it.each(['000-12-3456', '666-12-3456', '900-12-3456', '999-12-3456', '123-00-4567', '123-45-0000', '123456789', '123-45'])(
    'rejects %s',
    (ssn) => expect(ssnValid(ssn)).toBe(false),
  );
});

describe('scrubText', () => {
  it('returns the very same string when nothing matches', () => {
    const text = 'GET /patients/42 took 12 ms';
    expect(scrubText(text)).toBe(text);
  });

  it.each([
    ['contact alice.smith+tag@example.co.uk now', 'contact [REDACTED:email] now'],
    ['card 4111 1111 1111 1111, thanks', 'card [REDACTED:card], thanks'],
    ['card 5555-5555-5555-4444.', 'card [REDACTED:card].'],
    ['amex 378282246310005 ok', 'amex [REDACTED:card] ok'],
    ['ssn 123-45-6789 on file', 'ssn [REDACTED:ssn] on file'],
    [
      'Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U end',
      'Bearer [REDACTED:jwt] end',
    ],
  ])('replaces only the matched span in %p', (input, expected) => {
    expect(scrubText(input)).toBe(expected);
  });

  it('replaces every occurrence and every kind in one text', () => {
    expect(scrubText('a@b.io and c@d.io paid with 4111111111111111; ssn 123-45-6789')).toBe(
      '[REDACTED:email] and [REDACTED:email] paid with [REDACTED:card]; ssn [REDACTED:ssn]',
    );
  });

  it.each(['4111111111111112', '1234 5678 1234 5678', '1234-5678-1234-5678'])('keeps the 16-digit non-Luhn number %s', (number) => {
    const text = `reference ${number} end`;
    expect(scrubText(text)).toBe(text);
  });

  it.each(['000-12-3456', '666-12-3456', '900-12-3456', '987-65-4321'])('keeps %s (not a valid SSN area)', (ssn) => {
    expect(scrubText(`id ${ssn}`)).toBe(`id ${ssn}`);
  });

  it.each([
    '2025-01-02T03:04:05.678Z',
    '2025-01-02 03:04:05',
    '2025-01-02T03:04:05.678+02:00',
    '123e4567-e89b-12d3-a456-426614174000',
    'f47ac10b-58cc-4372-a567-0e02b2c3d479',
    'ORD-20250102-0001',
    'order #A1B2C3D4',
    'order 100000123456', // 12 digits: shorter than any card
    'invoice 2025/000123',
    'phone +1 555 123 4567',
    'version 1.2.3-rc.4',
    'ip 192.168.100.200',
  ])('does not touch %p', (text) => {
    expect(scrubText(text)).toBe(text);
  });

  it('treats a 13–19 digit number that passes Luhn as a card (value detection cannot tell it apart)', () => {
    // A known limit: about one in ten such numbers (e.g. epoch milliseconds) is redacted in free text.
    expect(scrubText('at 1735787045673')).toBe('at [REDACTED:card]');
    expect(scrubText('at 1735787045678')).toBe('at 1735787045678');
  });

  it('is not affected by a previous call leaving a global regex mid-way', () => {
    const emailDetector = DEFAULT_DETECTORS.find((detector) => detector.kind === 'email') as PiiDetector;
    emailDetector.pattern.lastIndex = 5;
    expect(scrubText('x@y.io')).toBe('[REDACTED:email]');
    expect(scrubText('x@y.io')).toBe('[REDACTED:email]');
  });

  it('uses the given detectors only', () => {
    const onlyEmail = DEFAULT_DETECTORS.filter((detector) => detector.kind === 'email');
    expect(scrubText('a@b.io 4111111111111111', onlyEmail)).toBe('[REDACTED:email] 4111111111111111');
  });

  it('does not throw on lone surrogates and keeps them', () => {
    const text = 'broken \ud800 text \udfff a@b.io';
    expect(() => scrubText(text)).not.toThrow();
    expect(scrubText(text)).toBe('broken \ud800 text \udfff [REDACTED:email]');
  });
});
