// What the page says about TLS: the served certificate and the CA nodes trust, read once at start
// with node:crypto (the X.509 library stays in its own chunk).
import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { CertInfo, TlsInfo } from './state.js';

function certInfo(pem: string): CertInfo {
  const c = new X509Certificate(pem);
  return {
    subject: c.subject.replace(/\n/g, ', '),
    issuer: c.issuer.replace(/\n/g, ', '),
    notBefore: new Date(c.validFrom).toISOString(),
    notAfter: new Date(c.validTo).toISOString(),
    sha256: c.fingerprint256,
  };
}

/** `certChain`: the served PEM chain (leaf first); `caPath`: the CA file nodes are told to trust, when known. */
export function describeTls(certChain: string, caPath?: string): TlsInfo {
  const info: TlsInfo = { certificate: certInfo(certChain) };
  if (caPath !== undefined) info.ca = { path: caPath, ...certInfo(readFileSync(caPath, 'utf8')) };
  return info;
}
