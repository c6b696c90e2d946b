// Which names a server certificate must carry, and `--advertise HOST[:PORT]`.
import { hostname, networkInterfaces } from 'node:os';
import { type HostPort, isIP, normalizeIp, parseHostPort } from '../address.js';
import type { San } from './x509.js';

/** An address nodes reach the seed at; no port means the port the seed listens on. */
export type Advertised = HostPort;

/** `--advertise`: the one host[:port] grammar (src/address.ts). */
export const parseAdvertise = parseHostPort;

/** The SANs asked for: the advertised hosts, loopback names, and this host's own addresses and name. */
export function wantedSans(advertised: Advertised[]): San[] {
  const names = [...advertised.map((a) => a.host), 'localhost', '127.0.0.1', '::1', ...hostAddresses(), hostname()];
  return uniqueSans(names.map(toSan));
}

/** Non-link-local addresses of every interface (a link-local address needs a zone, so no certificate names it). */
export function hostAddresses(): string[] {
  return Object.values(networkInterfaces())
    .flatMap((list) => list ?? [])
    .filter((a) => !(a.family === 'IPv6' && a.address.toLowerCase().startsWith('fe80:')))
    .map((a) => a.address);
}

export function toSan(name: string): San {
  return isIP(name) ? { type: 'ip', value: normalizeIp(name) } : { type: 'dns', value: name.toLowerCase() };
}

/** Sorted and without duplicates, IPv6 in one spelling: so two SAN lists compare as sets. */
export function uniqueSans(sans: San[]): San[] {
  const keyed = new Map(sans.map((s) => [sanKey(s), s.type === 'ip' ? { type: s.type, value: normalizeIp(s.value) } : s]));
  return [...keyed.keys()].sort().map((k) => keyed.get(k)!);
}

export function sameSans(a: San[], b: San[]): boolean {
  const ka = uniqueSans(a).map(sanKey);
  const kb = uniqueSans(b).map(sanKey);
  return ka.length === kb.length && ka.every((k, i) => k === kb[i]);
}

function sanKey(s: San): string {
  return `${s.type}:${s.type === 'ip' ? normalizeIp(s.value) : s.value.toLowerCase()}`;
}
