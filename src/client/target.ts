// A registry a client speaks to: its `host[:port]`, the scheme when one was stated, and whether
// plain HTTP stays on this machine. The scheme is chosen as docker does when none is stated:
// HTTPS first, plain HTTP only for loopback or when the user allowed it (`--insecure`).
import { isLoopback } from '../address.js';

export interface Target {
  /** `host[:port]`, as it appears in image references and credential files. */
  host: string;
  /** Repository prefix, '' for none. */
  prefix: string;
  /** Stated by the user; undefined means "HTTPS first". */
  scheme?: 'http' | 'https';
  /** localhost, 127.0.0.0/8 or ::1: plain HTTP is allowed without --insecure. */
  loopback: boolean;
}

/** The host without its port or IPv6 brackets. */
export function hostname(host: string): string {
  if (host.startsWith('[')) return host.slice(1, host.indexOf(']'));
  const colon = host.lastIndexOf(':');
  return colon < 0 ? host : host.slice(0, colon);
}

/** A target for `host[:port]` (already checked by the caller's grammar), with no prefix. */
export function targetOf(host: string, scheme?: 'http' | 'https'): Target {
  const target: Target = { host, prefix: '', loopback: isLoopback(hostname(host)) };
  if (scheme) target.scheme = scheme;
  return target;
}

/** Origins to try, in order. */
export function candidateOrigins(target: Target, insecure: boolean): string[] {
  if (target.scheme) return [`${target.scheme}://${target.host}`];
  const https = `https://${target.host}`;
  return target.loopback || insecure ? [https, `http://${target.host}`] : [https];
}
