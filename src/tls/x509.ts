// Issuing certificates: a CA and a server certificate it signs. node:crypto makes keys but cannot
// issue certificates, so X.509 comes from @peculiar/x509 (pure JS on node's webcrypto, no binary).
// Keys are ECDSA P-256: fast to make, and accepted by Go's TLS (docker, containerd, CRI-O), openssl
// and node alike. @peculiar/x509 resolves its ASN.1 codecs through tsyringe, which needs the
// reflect-metadata polyfill loaded first.
import 'reflect-metadata';
import { webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

type CryptoKey = webcrypto.CryptoKey;

const KEY_ALGORITHM = { name: 'ECDSA', namedCurve: 'P-256' } as const;
const SIGNING_ALGORITHM = { name: 'ECDSA', hash: 'SHA-256' } as const;
const DAY_MS = 24 * 60 * 60 * 1000;
/** The CA outlives any cluster that copied it; the server certificate is re-issued by the seed itself. */
export const CA_DAYS = 3650;
export const SERVER_DAYS = 397;

/**
 * How far before `now` a generated certificate starts. Air-gapped hosts have no NTP, and a seed whose
 * clock runs a day ahead would otherwise mint certificates every node rejects as "not yet valid"
 * until the next day. Others backdate a little: kubeadm 5 minutes
 * (kubernetes/kubernetes cmd/kubeadm/app/constants/constants.go, CertificateBackdate), client-go's
 * self-signed helper an hour (staging/src/k8s.io/client-go/util/cert/cert.go, "valid an hour earlier
 * to avoid flakes due to clock skew"), mkcert not at all (cert.go: NotBefore: time.Now()), and k3s's
 * dynamiclistener starts every leaf at its CA's NotBefore (factory/cert_utils.go). Those serve hosts
 * with NTP. Two days absorb a seed a whole day ahead plus a hardware clock kept in local time
 * (up to 14 h off UTC) before NTP ever ran. Starting earlier costs nothing here: nothing checks
 * these certificates against a revocation date, and the end date is counted from `now`.
 */
export const BACKDATE_MS = 2 * DAY_MS;

/** PEM text of a certificate and its private key (PKCS#8). */
export interface PemPair {
  cert: string;
  key: string;
}

/** A subject alternative name: a DNS name or an IP address. */
export interface San {
  type: 'dns' | 'ip';
  value: string;
}

export async function issueCa(commonName: string, now = new Date()): Promise<PemPair> {
  const keys = await webcrypto.subtle.generateKey(KEY_ALGORITHM, true, ['sign', 'verify']);
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: serial(),
    name: `CN=${commonName}`,
    notBefore: backdated(now),
    notAfter: new Date(now.getTime() + CA_DAYS * DAY_MS),
    keys,
    signingAlgorithm: SIGNING_ALGORITHM,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  return { cert: withFinalNewline(cert.toString('pem')), key: await exportKey(keys.privateKey) };
}

/**
 * A server certificate for `sans`, signed by the CA `ca`. It never outlives the CA: past the CA's
 * end no client accepts it anyway, and a shorter certificate makes the start-up check say so.
 */
export async function issueServer(ca: PemPair, sans: San[], now = new Date()): Promise<PemPair> {
  const caCert = new x509.X509Certificate(ca.cert);
  const notAfter = new Date(Math.min(now.getTime() + SERVER_DAYS * DAY_MS, caCert.notAfter.getTime()));
  const caKey = await importKey(ca.key);
  const keys = await webcrypto.subtle.generateKey(KEY_ALGORITHM, true, ['sign', 'verify']);
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: serial(),
    subject: 'CN=seed-registry',
    issuer: caCert.subject,
    notBefore: backdated(now),
    notAfter,
    publicKey: keys.publicKey,
    signingKey: caKey,
    signingAlgorithm: SIGNING_ALGORITHM,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
      new x509.SubjectAlternativeNameExtension(sans.map((s) => ({ type: s.type, value: s.value }))),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
      await x509.AuthorityKeyIdentifierExtension.create(caCert),
    ],
  });
  return { cert: withFinalNewline(cert.toString('pem')), key: await exportKey(keys.privateKey) };
}

/** The SANs a certificate carries (DNS names and IP addresses; other kinds are ignored). */
export function certificateSans(pem: string): San[] {
  const ext = new x509.X509Certificate(pem).getExtension(x509.SubjectAlternativeNameExtension);
  if (!ext) return [];
  return ext.names.toJSON().flatMap((n) => (n.type === 'dns' || n.type === 'ip' ? [{ type: n.type, value: n.value }] : []));
}

function backdated(now: Date): Date {
  return new Date(now.getTime() - BACKDATE_MS);
}

/**
 * PEM text ending in a newline, as openssl and Go write it: `cat ca.crt other.pem` must make a
 * bundle, and without the newline the END line of one runs into the BEGIN line of the next, where
 * openssl finds no certificate at all.
 */
export function withFinalNewline(pem: string): string {
  return pem.endsWith('\n') ? pem : `${pem}\n`;
}

/** A positive 128-bit serial (RFC 5280 §4.1.2.2: unique per CA, at most 20 bytes). */
function serial(): string {
  const bytes = webcrypto.getRandomValues(new Uint8Array(16));
  bytes[0]! &= 0x7f;
  bytes[0]! |= 0x01;
  return Buffer.from(bytes).toString('hex');
}

async function exportKey(key: CryptoKey): Promise<string> {
  const der = Buffer.from(await webcrypto.subtle.exportKey('pkcs8', key));
  return withFinalNewline(x509.PemConverter.encode(der, 'PRIVATE KEY'));
}

async function importKey(pem: string): Promise<CryptoKey> {
  const der = x509.PemConverter.decodeFirst(pem);
  return webcrypto.subtle.importKey('pkcs8', der, KEY_ALGORITHM, false, ['sign']);
}
