// The first three checks, as a node meets the seed: the name resolves, a TCP connection opens, and
// the TLS handshake completes (or the seed answers plain HTTP). The handshake verifies nothing
// itself (rejectUnauthorized: false): tls.ts judges the chain, the names and the dates one by one.
import { lookup } from 'node:dns/promises';
import { isIP, connect as tcpConnect, type Socket } from 'node:net';
import { connect as tlsConnect, type DetailedPeerCertificate, type PeerCertificate } from 'node:tls';
import { X509Certificate } from 'node:crypto';

export const NETWORK_TIMEOUT_MS = 5_000;

export interface Resolved {
  addresses: string[];
}

export async function resolveHost(host: string): Promise<Resolved> {
  if (isIP(host)) return { addresses: [host] };
  const found = await lookup(host, { all: true });
  return { addresses: found.map((a) => a.address) };
}

/** Opens and closes one TCP connection to the first address that answers; throws the last error. */
export async function tcpProbe(addresses: string[], port: number): Promise<string> {
  let last: unknown;
  for (const address of addresses) {
    try {
      const socket = await opened(tcpConnect({ host: address, port }), 'connect');
      socket.destroy();
      return address;
    } catch (error) {
      last = error;
    }
  }
  throw last;
}

export type Handshake =
  | { kind: 'tls'; chain: X509Certificate[]; peer: PeerCertificate; protocol: string }
  | { kind: 'plain-http' }
  | { kind: 'failed'; error: NodeJS.ErrnoException };

/** A TLS handshake to `address:port` with SNI `servername` (none for an IP, as Go's clients send). */
export async function handshake(address: string, port: number, servername: string): Promise<Handshake> {
  const socket = tlsConnect({ host: address, port, rejectUnauthorized: false, ...(isIP(servername) ? {} : { servername }) });
  try {
    await opened(socket, 'secureConnect');
  } catch (error) {
    const e = error as NodeJS.ErrnoException;
    // OpenSSL reads an HTTP answer ("HTTP/1.1 400") as a TLS record of an impossible version or size.
    if (/wrong version number|packet length too long|http request/i.test(e.message)) return { kind: 'plain-http' };
    return { kind: 'failed', error: e };
  }
  const peer = socket.getPeerCertificate(true);
  const protocol = socket.getProtocol() ?? 'TLS';
  socket.destroy();
  return { kind: 'tls', chain: chainOf(peer), peer, protocol };
}

/** The certificates the server sent, leaf first (node links them through issuerCertificate). */
function chainOf(peer: DetailedPeerCertificate): X509Certificate[] {
  const chain: X509Certificate[] = [];
  const seen = new Set<string>();
  for (let c: DetailedPeerCertificate | undefined = peer; c?.raw && !seen.has(c.fingerprint256); c = c.issuerCertificate) {
    seen.add(c.fingerprint256);
    chain.push(new X509Certificate(c.raw));
  }
  return chain;
}

function opened<T extends Socket>(socket: T, event: 'connect' | 'secureConnect'): Promise<T> {
  return new Promise((resolve, reject) => {
    socket.setTimeout(NETWORK_TIMEOUT_MS, () => socket.destroy(Object.assign(new Error(`no answer within ${NETWORK_TIMEOUT_MS / 1000} s`), { code: 'ETIMEDOUT' })));
    socket.once(event, () => {
      socket.setTimeout(0);
      resolve(socket);
    });
    socket.once('error', reject);
  });
}
