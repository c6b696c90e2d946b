// Which names a server certificate must carry, and `--advertise HOST[:PORT]`.
import { isIP } from 'node:net';
import { hostname, networkInterfaces } from 'node:os';
import type { San } from './x509.js';

/** An address nodes reach the seed at; no port means the port the seed listens on. */
export interface Advertised {
  host: string;
  port?: number;
}

/** RFC 1123 host names: dot-separated labels of letters, digits and inner hyphens. */
const HOST_NAME = /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/i;

/** `host`, `host:port`, an IPv4 address, `[v6]`, `[v6]:port` or a bare IPv6 address; throws a one-line message. */
export function parseAdvertise(value: string): Advertised {
  const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(value);
  if (bracketed) {
    if (isIP(bracketed[1]!) !== 6) throw new Error(`${value}: not an IPv6 address in brackets`);
    return withPort(value, normalizeIp(bracketed[1]!), bracketed[2]);
  }
  if (isIP(value) === 6) return { host: normalizeIp(value) };
  const [host = '', port, extra] = value.split(':');
  if (extra !== undefined || (isIP(host) === 0 && !HOST_NAME.test(host))) throw new Error(`${value}: not a host name or IP address (HOST[:PORT], [IPv6]:PORT)`);
  return withPort(value, isIP(host) ? host : host.toLowerCase(), port);
}

function withPort(value: string, host: string, port: string | undefined): Advertised {
  if (port === undefined) return { host };
  const n = Number(port);
  if (!/^\d+$/.test(port) || n < 1 || n > 65535) throw new Error(`${value}: port must be 1-65535`);
  return { host, port: n };
}

/** `host:port` as a client writes it (IPv6 in brackets). */
export function hostPort(host: string, port: number): string {
  return `${isIP(host) === 6 ? `[${host}]` : host}:${port}`;
}

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

/** One spelling per address: `0:0:0:0:0:0:0:1` and `::1` are the same SAN. */
function normalizeIp(ip: string): string {
  return isIP(ip) === 6 ? new URL(`http://[${ip}]/`).hostname.slice(1, -1) : ip;
}
