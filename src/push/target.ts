// `--to REGISTRY[/PREFIX]`: where push sends the images. The scheme is stated (`http://`,
// `https://`) or chosen as docker does: HTTPS first, plain HTTP only for loopback or `--insecure`.
import { isIP } from 'node:net';
import { isLoopback, parseHostPort } from '../address.js';
import { isRepositoryName } from '../reference.js';

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

export class TargetError extends Error {
  override readonly name = 'TargetError';
}

export function parseTarget(text: string): Target {
  let rest = text.trim();
  let scheme: Target['scheme'];
  const stated = /^(https?):\/\//.exec(rest);
  if (stated) {
    scheme = stated[1] as 'http' | 'https';
    rest = rest.slice(stated[0].length);
  } else if (rest.includes('://')) {
    throw new TargetError(`--to ${text}: only http:// and https:// are supported`);
  }
  rest = rest.replace(/\/+$/, '');
  const slash = rest.indexOf('/');
  const host = slash < 0 ? rest : rest.slice(0, slash);
  const prefix = slash < 0 ? '' : rest.slice(slash + 1);
  if (!isHostPort(host)) {
    throw new TargetError(`--to ${text}: "${host}" is not a registry host[:port]`);
  }
  if (prefix !== '' && !isRepositoryName(prefix)) {
    throw new TargetError(`--to ${text}: "${prefix}" is not a valid repository prefix (lowercase path components)`);
  }
  const target: Target = { host, prefix, loopback: isLoopback(hostname(host)) };
  if (scheme) target.scheme = scheme;
  return target;
}

/** The host without its port or IPv6 brackets. */
export function hostname(host: string): string {
  if (host.startsWith('[')) return host.slice(1, host.indexOf(']'));
  const colon = host.lastIndexOf(':');
  return colon < 0 ? host : host.slice(0, colon);
}

/** `host[:port]` by the one address grammar, an IPv6 address only in brackets (it goes into URLs as is). */
function isHostPort(host: string): boolean {
  try {
    parseHostPort(host);
  } catch {
    return false;
  }
  return isIP(host) !== 6;
}

/** The repository an image is pushed to on the target. */
export function targetRepository(target: Target, name: string): string {
  return target.prefix === '' ? name : `${target.prefix}/${name}`;
}

/** Origins to try, in order. */
export function candidateOrigins(target: Target, insecure: boolean): string[] {
  if (target.scheme) return [`${target.scheme}://${target.host}`];
  const https = `https://${target.host}`;
  return target.loopback || insecure ? [https, `http://${target.host}`] : [https];
}
