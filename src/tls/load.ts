// Reading certificates and keys from disk, checked at start so a mistake is one line, not a TLS
// failure on the first client: unreadable file, not PEM, key that does not match the certificate.
import { createPrivateKey, X509Certificate, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { LoadError } from '../load-error.js';
import { fileProblem } from '../os-errors.js';
import type { PemPair } from './x509.js';

const PEM_CERT = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;

/** A CA certificate as `configure` and the banner need it: its PEM and its SHA-256 fingerprint. */
export interface LoadedCa {
  path: string;
  pem: string;
  /** `AB:CD:...`, as `openssl x509 -fingerprint -sha256` prints it. */
  fingerprint: string;
}

/** The certificate file (leaf first, then any chain, sent whole) and its key; checked to match. */
export function loadKeyPair(certPath: string, keyPath: string): PemPair {
  const cert = readText(certPath);
  const chain = parseCertificates(certPath, cert);
  const key = readText(keyPath);
  const privateKey = parseKey(keyPath, key);
  if (!chain[0]!.checkPrivateKey(privateKey)) throw new LoadError(keyPath, `private key does not match the certificate in ${certPath}`);
  return { cert, key };
}

export function loadCa(path: string): LoadedCa {
  const pem = readText(path);
  const [cert] = parseCertificates(path, pem);
  if (!cert!.ca) throw new LoadError(path, 'not a CA certificate (basicConstraints CA:FALSE)');
  return { path, pem, fingerprint: cert!.fingerprint256 };
}

/** Every certificate in a PEM file, in order; at least one. */
export function parseCertificates(path: string, pem: string): X509Certificate[] {
  const blocks = pem.match(PEM_CERT) ?? [];
  if (blocks.length === 0) throw new LoadError(path, 'no PEM certificate (-----BEGIN CERTIFICATE-----) in the file');
  return blocks.map((block, i) => {
    try {
      return new X509Certificate(block);
    } catch (error) {
      throw new LoadError(path, `certificate ${i + 1} is not valid X.509: ${(error as Error).message}`);
    }
  });
}

function parseKey(path: string, pem: string): KeyObject {
  try {
    return createPrivateKey(pem);
  } catch (error) {
    const reason = /passphrase/i.test((error as Error).message) ? 'encrypted keys are not supported' : 'not a PEM private key';
    throw new LoadError(path, reason);
  }
}

function readText(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    throw new LoadError(path, fileProblem(path, error));
  }
}
