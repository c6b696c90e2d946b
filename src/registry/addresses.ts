// Where the seed listens and the addresses a banner can honestly tell clients to pull from.
import type { AddressInfo } from 'node:net';
import { networkInterfaces } from 'node:os';
import { hostPort, isIP } from '../address.js';
import { ListenError, listenProblem } from '../os-errors.js';
import type { Advertised } from '../tls/sans.js';

/** Errors binding `::` gives on a host without IPv6 (disabled, or no IPv6 stack at all). */
const NO_IPV6 = new Set(['EAFNOSUPPORT', 'EADDRNOTAVAIL', 'EINVAL', 'EPROTONOSUPPORT']);

/**
 * Binds `host`, or by default `::`, which on Linux also accepts IPv4 (as ::ffff:a.b.c.d: node sets
 * no IPV6_V6ONLY), and falls back to `0.0.0.0` where the host has no IPv6.
 */
export async function listenDefault(listen: (port: number, host?: string) => Promise<AddressInfo>, port: number, host?: string): Promise<AddressInfo> {
  if (host !== undefined) return listenOrSay(listen, port, host);
  try {
    return await listen(port, '::');
  } catch (error) {
    if (!NO_IPV6.has((error as NodeJS.ErrnoException).code ?? '')) throw new ListenError(listenProblem(error, '::', port));
    return listenOrSay(listen, port, '0.0.0.0');
  }
}

/** A failed listen becomes a ListenError saying why in words, with the fix. */
async function listenOrSay(listen: (port: number, host?: string) => Promise<AddressInfo>, port: number, host: string): Promise<AddressInfo> {
  try {
    return await listen(port, host);
  } catch (error) {
    throw new ListenError(listenProblem(error, host, port));
  }
}

export function isWildcard(host: string): boolean {
  return host === '::' || host === '0.0.0.0' || host === '';
}

/**
 * `host:port` clients can use, best first: each `--advertise`, then for a wildcard bind `localhost`
 * and this host's addresses (IPv6 only when bound to `::`; link-local ones need a zone, so none),
 * else the bound address itself.
 */
export function reachableAt(bound: AddressInfo, advertised: Advertised[]): string[] {
  const listed = advertised.map((a) => hostPort(a.host, a.port ?? bound.port));
  if (!isWildcard(bound.address)) return [...listed, hostPort(bound.address, bound.port)];
  const v6 = bound.family === 'IPv6';
  const own = Object.values(networkInterfaces())
    .flatMap((list) => list ?? [])
    .filter((a) => !a.internal && (a.family === 'IPv4' || (v6 && !a.address.toLowerCase().startsWith('fe80:'))))
    .map((a) => hostPort(a.address, bound.port));
  return [...new Set([...listed, hostPort('localhost', bound.port), ...own])];
}

/** `http://[::]:5000`: the bound address as a URL authority. */
export function boundUrl(scheme: 'http' | 'https', bound: AddressInfo): string {
  return `${scheme}://${isIP(bound.address) === 6 ? `[${bound.address}]` : bound.address}:${bound.port}`;
}
