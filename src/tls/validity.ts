// A certificate's validity window against this host's clock: what `serve` checks at every start
// for the chain it is about to serve. Pure: dates in, a verdict or a line out.
import { X509Certificate } from 'node:crypto';

/** Re-issue (or warn about) a certificate with less than this left. */
export const RENEW_BEFORE_DAYS = 30;
const DAY_MS = 24 * 60 * 60 * 1000;

export interface Validity {
  notBefore: Date;
  notAfter: Date;
}

/** What is wrong with a window at `now`; undefined when it has more than RENEW_BEFORE_DAYS left. */
export type ValidityProblem = 'not yet valid' | 'expired' | 'expires soon';

export function validityOf(cert: X509Certificate | string): Validity {
  const c = typeof cert === 'string' ? new X509Certificate(cert) : cert;
  return { notBefore: new Date(c.validFrom), notAfter: new Date(c.validTo) };
}

export function validityProblem(v: Validity, now: Date): ValidityProblem | undefined {
  if (now < v.notBefore) return 'not yet valid';
  if (now > v.notAfter) return 'expired';
  if (v.notAfter.getTime() - now.getTime() < RENEW_BEFORE_DAYS * DAY_MS) return 'expires soon';
  return undefined;
}

/** `2026-12-01 09:29 UTC`: minutes are enough to compare with `date -u`. */
export function formatDate(d: Date): string {
  return `${d.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

/** `valid 2026-12-01 09:29 UTC to 2028-01-02 09:29 UTC`, for the banner. */
export function describeWindow(v: Validity): string {
  return `valid ${formatDate(v.notBefore)} to ${formatDate(v.notAfter)}`;
}

/** Why a server certificate must be issued again now, or undefined when its window still serves. */
export function renewalReason(v: Validity, now: Date): string | undefined {
  const problem = validityProblem(v, now);
  if (problem === undefined) return undefined;
  if (problem === 'not yet valid') return `server certificate not valid until ${formatDate(v.notBefore)}; this host's clock says ${formatDate(now)}`;
  return `server certificate ${problem === 'expired' ? 'expired' : 'expires'} ${formatDate(v.notAfter)}`;
}

/**
 * One `warning:` line (without the prefix) for a certificate the seed serves or that nodes trust,
 * naming the file, its dates, this host's time and the fix; undefined when the window is fine.
 */
export function validityWarning(what: string, path: string, v: Validity, now: Date, fix: string): string | undefined {
  const problem = validityProblem(v, now);
  if (problem === undefined) return undefined;
  const state = problem === 'not yet valid' ? `is not valid until ${formatDate(v.notBefore)}` : problem === 'expired' ? `expired ${formatDate(v.notAfter)}` : `expires ${formatDate(v.notAfter)}`;
  const clients = problem === 'expires soon' ? 'clients will reject it then' : 'clients reject it';
  return `${what} ${path} ${state} (${describeWindow(v)}; this host's clock says ${formatDate(now)}): ${clients}; ${fix}`;
}
