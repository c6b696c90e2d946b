// `--advertise` names where nodes reach the seed; the banner's pull lines and the certificate's
// names follow it. An address no interface of this host has, or a port other than the one bound,
// is either a mistake (nodes will fail to connect) or a NAT or port-forward in front of the seed
// (then it is right): one warning line each, saying both, so a mistake is seen at start.
import type { AddressInfo } from 'node:net';
import { networkInterfaces, type NetworkInterfaceInfo } from 'node:os';
import { hostPort, isIP, normalizeIp } from '../address.js';
import type { Advertised } from '../tls/sans.js';
import { isWildcard } from './addresses.js';

/** Every address of this host's interfaces, one spelling each. */
function ownAddresses(interfaces: NodeJS.Dict<NetworkInterfaceInfo[]>): Set<string> {
  return new Set(Object.values(interfaces).flatMap((list) => (list ?? []).map((a) => normalizeIp(a.address.split('%')[0]!))));
}

/** One line (without `warning: `) per advertised address that this host cannot be reached at as given. */
export function advertiseWarnings(advertised: readonly Advertised[], bound: AddressInfo, interfaces?: NodeJS.Dict<NetworkInterfaceInfo[]>): string[] {
  // Nothing advertised, nothing to check: the interfaces are not even listed (start-up time).
  if (advertised.length === 0) return [];
  const own = ownAddresses(interfaces ?? networkInterfaces());
  const listening = isWildcard(bound.address) ? undefined : normalizeIp(bound.address);
  const lines: string[] = [];
  for (const a of advertised) {
    const problems: string[] = [];
    // Names are not resolved here: an air-gapped host's resolver may wait long for an answer.
    if (isIP(a.host) !== 0) {
      const ip = normalizeIp(a.host);
      if (!own.has(ip)) problems.push(`${a.host} is not an address of any interface of this host`);
      else if (listening !== undefined && ip !== listening) problems.push(`the seed listens on ${bound.address} only (--host), not on ${a.host}`);
    }
    if (a.port !== undefined && a.port !== bound.port) problems.push(`port ${a.port} is not the port the seed listens on (${bound.port})`);
    if (problems.length === 0) continue;
    const given = a.port === undefined ? a.host : hostPort(a.host, a.port);
    lines.push(`--advertise ${given}: ${problems.join(', and ')}; right if a NAT or port-forward leads there, otherwise nodes cannot connect (check --advertise, --port, --host)`);
  }
  return lines;
}
