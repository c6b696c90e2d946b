// The TLS checks, judged one by one from the chain the seed sent, so that each failure names its
// own cause: the chain against the trusted CAs (--ca, else this node's system store), the names
// against the address the node uses, the dates against this node's clock (air-gapped hosts have no
// NTP: a node a day behind sees a certificate that is "not yet valid").
import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { checkServerIdentity, rootCertificates, type PeerCertificate } from 'node:tls';
import { fail, ok, type Verdict } from './verdict.js';

/** Where Debian, Ubuntu and Alpine keep the system CA bundle that containerd, docker and podman read. */
const SYSTEM_BUNDLE = '/etc/ssl/certs/ca-certificates.crt';
const MAX_DEPTH = 8;

export interface Anchors {
  certificates: X509Certificate[];
  /** `--ca FILE`, or undefined for the system store. */
  from?: string;
}

export function systemAnchors(): Anchors {
  const pems = [...rootCertificates];
  try {
    pems.push(...(readFileSync(SYSTEM_BUNDLE, 'utf8').match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? []));
  } catch {
    // no system bundle: node's own roots only
  }
  return { certificates: pems.flatMap((pem) => parsed(pem)) };
}

function parsed(pem: string): X509Certificate[] {
  try {
    return [new X509Certificate(pem)];
  } catch {
    return [];
  }
}

/** The path from the leaf to a trusted anchor (anchor last), or undefined when none is found. */
export function trustPath(chain: X509Certificate[], anchors: Anchors): X509Certificate[] | undefined {
  const path = [chain[0]!];
  for (let depth = 0; depth < MAX_DEPTH; depth++) {
    const current = path[path.length - 1]!;
    if (anchors.certificates.some((a) => a.fingerprint256 === current.fingerprint256)) return path;
    const anchor = anchors.certificates.find((a) => issued(a, current));
    if (anchor) return [...path, anchor];
    const next = chain.find((c) => c !== current && !path.includes(c) && issued(c, current));
    if (!next) return undefined;
    path.push(next);
  }
  return undefined;
}

/**
 * Names match and the signature verifies. (Node 20's checkIssued answers false for the seed's own
 * CA and server certificate although OpenSSL verifies the pair; the name and signature are what counts.)
 */
function issued(issuer: X509Certificate, cert: X509Certificate): boolean {
  try {
    return issuer.ca && issuer.subject === cert.issuer && cert.verify(issuer.publicKey);
  } catch {
    return false;
  }
}

const cn = (name: string) => name.replace(/\n/g, ', ');

export function chainVerdict(chain: X509Certificate[], anchors: Anchors): Verdict {
  const leaf = chain[0]!;
  const path = trustPath(chain, anchors);
  const give = "give --ca with the seed's CA (ca.crt in the seed's --tls-self-signed DIR; the seed's banner prints its SHA-256) and install the same CA for the runtime (configure --ca)";
  if (path) {
    const anchor = path[path.length - 1]!;
    return ok('tls chain', `the seed's certificate chains to ${cn(anchor.subject)} (SHA-256 ${anchor.fingerprint256})${anchors.from ? ` from ${anchors.from}` : " in this node's system store"}`);
  }
  if (anchors.from === undefined) {
    return fail('tls chain', `the seed's certificate is issued by ${cn(leaf.issuer)}, which this node does not trust (unknown authority)`, give);
  }
  const names = anchors.certificates.map((a) => `${cn(a.subject)} (SHA-256 ${a.fingerprint256})`).join(', ');
  return fail('tls chain', `the seed's certificate is issued by ${cn(leaf.issuer)}, not by the CA in ${anchors.from}: ${names} (unknown authority)`, give);
}

export function nameVerdict(host: string, peer: PeerCertificate): Verdict {
  const names = peer.subjectaltname ?? '(no subjectAltName)';
  const error = checkServerIdentity(host, peer);
  if (!error) return ok('tls name', `the certificate names ${host} (${names})`);
  return fail('tls name', `the certificate does not name ${host}: it names ${names}`, `reach the seed by a name it has, or start it with --advertise ${host} (a --tls-self-signed certificate is re-issued with the new name)`);
}

/** The dates of every certificate on the path (the leaf, intermediates, the CA) against `now`. */
export function clockVerdict(path: X509Certificate[], now: Date): Verdict {
  const clock = `the node's clock is ${iso(now)}`;
  for (const cert of path) {
    const from = new Date(cert.validFrom);
    const to = new Date(cert.validTo);
    const which = cert === path[0] ? 'the certificate' : `the CA ${cn(cert.subject)}`;
    if (now < from) {
      return fail('tls clock', `${clock}, ${which} is valid from ${iso(from)} (not yet valid: the node is ${ago(from, now)} behind, or the seed's clock was ahead when it was made)`, "set this node's clock (timedatectl set-time, chrony, or date -s) to the seed's; if the seed's clock was wrong, fix it and re-issue the certificate");
    }
    if (now > to) {
      return fail('tls clock', `${clock}, ${which} expired at ${iso(to)}`, "re-issue the certificate (a --tls-self-signed seed does at its next start), or set this node's clock if it is ahead");
    }
  }
  const leaf = path[0]!;
  return ok('tls clock', `${clock}; the certificate is valid from ${iso(new Date(leaf.validFrom))} to ${iso(new Date(leaf.validTo))}`);
}

function iso(d: Date): string {
  return d.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function ago(later: Date, earlier: Date): string {
  const hours = (later.getTime() - earlier.getTime()) / 3_600_000;
  return hours >= 48 ? `${Math.round(hours / 24)} days` : hours >= 1 ? `${Math.round(hours)} h` : `${Math.max(1, Math.round(hours * 60))} min`;
}
