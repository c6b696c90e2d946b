// The validity window against the clock: the verdicts, and the lines the operator reads.
import { describe, expect, it } from 'vitest';
import { describeWindow, formatDate, renewalReason, validityProblem, validityWarning } from '../../src/tls/validity.js';

const DAY = 24 * 3600 * 1000;
const NOW = new Date('2026-06-15T12:00:00Z');
const at = (days: number) => new Date(NOW.getTime() + days * DAY);

describe('validityProblem', () => {
  it.each([
    ['valid for a year', -1, 365, undefined],
    ['starts tomorrow', 1, 365, 'not yet valid'],
    ['ended yesterday', -400, -1, 'expired'],
    ['ends in 29 days', -300, 29, 'expires soon'],
    ['ends in 31 days', -300, 31, undefined],
  ] as const)('%s', (_name, from, to, expected) => {
    expect(validityProblem({ notBefore: at(from), notAfter: at(to) }, NOW)).toBe(expected);
  });
});

describe('lines', () => {
  it('formats dates to the minute in UTC, and the window as the banner shows it', () => {
    expect(formatDate(new Date('2026-06-15T12:34:56.789Z'))).toBe('2026-06-15 12:34 UTC');
    expect(describeWindow({ notBefore: at(-2), notAfter: at(395) })).toBe('valid 2026-06-13 12:00 UTC to 2027-07-15 12:00 UTC');
  });

  it('says why a server certificate is re-issued, or nothing', () => {
    expect(renewalReason({ notBefore: at(1), notAfter: at(300) }, NOW)).toBe("server certificate not valid until 2026-06-16 12:00 UTC; this host's clock says 2026-06-15 12:00 UTC");
    expect(renewalReason({ notBefore: at(-300), notAfter: at(10) }, NOW)).toBe('server certificate expires 2026-06-25 12:00 UTC');
    expect(renewalReason({ notBefore: at(-300), notAfter: at(-10) }, NOW)).toBe('server certificate expired 2026-06-05 12:00 UTC');
    expect(renewalReason({ notBefore: at(-1), notAfter: at(300) }, NOW)).toBeUndefined();
  });

  it('names the file, its dates, the clock and the fix in one warning', () => {
    const line = validityWarning('TLS CA', '/tls/ca.crt', { notBefore: at(1), notAfter: at(3650) }, NOW, 'make a new one');
    expect(line).toBe("TLS CA /tls/ca.crt is not valid until 2026-06-16 12:00 UTC (valid 2026-06-16 12:00 UTC to 2036-06-12 12:00 UTC; this host's clock says 2026-06-15 12:00 UTC): clients reject it; make a new one");
    expect(validityWarning('TLS CA', '/tls/ca.crt', { notBefore: at(-3000), notAfter: at(20) }, NOW, 'fix')).toContain('expires 2026-07-05 12:00 UTC');
    expect(validityWarning('TLS CA', '/tls/ca.crt', { notBefore: at(-3000), notAfter: at(20) }, NOW, 'fix')).toContain('clients will reject it then; fix');
    expect(validityWarning('TLS CA', '/tls/ca.crt', { notBefore: at(-1), notAfter: at(3000) }, NOW, 'fix')).toBeUndefined();
  });
});
