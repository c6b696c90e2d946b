// Host addresses as people and clients write them: `HOST[:PORT]`, `[IPv6]:PORT`, and which of them
// stay on this machine. One grammar for `--advertise`, `configure --registry` and push's target, one
// loopback rule for the auth-over-HTTP refusal and push's plain-HTTP fallback.
import { isIP as netIsIP, isIPv4 } from 'node:net';

/**
 * node:net's isIP, without compiling its IPv6 pattern for text that cannot be IPv6 (every IPv6
 * form has a colon; host names and IPv4 addresses have none). That pattern's first use costs
 * about 6 ms of CPU on Node 26, a tenth of the start-up's own work.
 */
export function isIP(value: string): 0 | 4 | 6 {
  if (!value.includes(':')) return isIPv4(value) ? 4 : 0;
  return netIsIP(value) as 0 | 4 | 6;
}

/** A host, and a port when one was written. */
export interface HostPort {
  host: string;
  port?: number;
}

/** RFC 1123 host names: dot-separated labels of letters, digits and inner hyphens. */
const HOST_NAME = /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/i;

/** `host`, `host:port`, an IPv4 address, `[v6]`, `[v6]:port` or a bare IPv6 address; throws a one-line message. */
export function parseHostPort(value: string): HostPort {
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

function withPort(value: string, host: string, port: string | undefined): HostPort {
  if (port === undefined) return { host };
  const n = Number(port);
  if (!/^\d+$/.test(port) || n < 1 || n > 65535) throw new Error(`${value}: port must be 1-65535`);
  return { host, port: n };
}

/** `host:port` as a client writes it (IPv6 in brackets). */
export function hostPort(host: string, port: number): string {
  return `${host.includes(':') ? `[${host}]` : host}:${port}`;
}

/** One spelling per address: `0:0:0:0:0:0:0:1` and `::1` are the same. */
export function normalizeIp(ip: string): string {
  return isIP(ip) === 6 ? new URL(`http://[${ip}]/`).hostname.slice(1, -1) : ip;
}

/**
 * `localhost` (and `*.localhost`, RFC 6761), 127.0.0.0/8, `::1` and `::ffff:127.x.y.z`, with or
 * without IPv6 brackets: the only places where plain HTTP stays on this machine.
 */
export function isLoopback(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  if (h === 'localhost' || h.endsWith('.localhost')) return true;
  const v4 = h.startsWith('::ffff:') ? h.slice('::ffff:'.length) : h;
  if (isIP(v4) === 4) return v4.startsWith('127.');
  return isIP(h) === 6 && normalizeIp(h) === '::1';
}
