// `--tls-self-signed DIR`: a CA made once and kept (nodes trust it by copying ca.crt), and a server
// certificate it signs, re-issued when the names asked for change, when it nears expiry or when it
// is not valid yet by this host's clock (a start with the clock ahead, then corrected). The CA is
// never replaced silently: a broken CA stops start-up, and a CA out of its dates is a warning
// (src/tls/serve.ts), because every node that copied it would stop trusting the seed; a new CA
// is made on purpose only, by `seed-registry tls rotate-ca` (src/tls/rotate.ts).
import { X509Certificate } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { LoadError } from '../load-error.js';
import { fileProblem } from '../os-errors.js';
import { loadCa, loadKeyPair, type LoadedCa } from './load.js';
import { sameSans } from './sans.js';
import { renewalReason, validityOf } from './validity.js';
import { certificateSans, issueCa, issueServer, withFinalNewline, type PemPair, type San } from './x509.js';

export interface SelfSigned {
  pair: PemPair;
  ca: LoadedCa;
  certPath: string;
  keyPath: string;
  /** What this start did: made everything, kept the server certificate, or issued a new one (and why). */
  action: 'created' | 'reused' | 'reissued';
  reason?: string;
}

export function selfSignedPaths(dir: string) {
  return { caCert: join(dir, 'ca.crt'), caKey: join(dir, 'ca.key'), cert: join(dir, 'tls.crt'), key: join(dir, 'tls.key') };
}

export async function ensureSelfSigned(dir: string, sans: San[], now = new Date()): Promise<SelfSigned> {
  const paths = selfSignedPaths(dir);
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
  } catch (error) {
    throw new LoadError(dir, `cannot create the certificate folder: ${fileProblem(dir, error, 'write')}`);
  }
  const created = await ensureCa(paths.caCert, paths.caKey, now);
  addFinalNewline(paths.caCert);
  const caPair = loadKeyPair(paths.caCert, paths.caKey);
  const ca = loadCa(paths.caCert);
  const stale = created ? 'new CA' : staleReason(paths.cert, paths.key, caPair.cert, sans, now);
  if (stale === undefined) {
    addFinalNewline(paths.cert);
    return { pair: loadKeyPair(paths.cert, paths.key), ca, certPath: paths.cert, keyPath: paths.key, action: 'reused' };
  }
  const pair = await issueServer(caPair, sans, now);
  writePrivate(paths.key, pair.key);
  writePublic(paths.cert, pair.cert);
  return { pair, ca, certPath: paths.cert, keyPath: paths.key, action: created ? 'created' : 'reissued', reason: stale };
}

/** Makes the CA when neither file exists; true when it did. Half a CA is the operator's to fix. */
async function ensureCa(certPath: string, keyPath: string, now: Date): Promise<boolean> {
  const hasCert = existsSync(certPath);
  const hasKey = existsSync(keyPath);
  if (hasCert && hasKey) return false;
  if (hasCert !== hasKey) throw new LoadError(hasCert ? keyPath : certPath, `missing while ${hasCert ? certPath : keyPath} exists; restore it, or remove both to make a new CA (nodes must then trust the new ca.crt)`);
  const ca = await issueCa(`seed-registry CA ${hostname()}`, now);
  writePrivate(keyPath, ca.key);
  writePublic(certPath, ca.cert);
  return true;
}

/** Why the server certificate must be issued again, or undefined when it still serves. */
function staleReason(certPath: string, keyPath: string, caPem: string, sans: San[], now: Date): string | undefined {
  if (!existsSync(certPath) || !existsSync(keyPath)) return 'no server certificate';
  let cert: X509Certificate;
  try {
    cert = new X509Certificate(loadKeyPair(certPath, keyPath).cert);
  } catch (error) {
    return `unusable server certificate (${(error as Error).message})`;
  }
  const ca = new X509Certificate(caPem);
  if (!cert.checkIssued(ca) || !cert.verify(ca.publicKey)) return 'server certificate not signed by this CA';
  const dates = renewalReason(validityOf(cert), now);
  if (dates !== undefined && !endsWithCa(cert, ca, now)) return dates;
  if (!sameSans(certificateSans(cert.toString()), sans)) return 'the names asked for changed';
  return undefined;
}

/**
 * A server certificate, valid now, that already ends when its CA does gains nothing from a new one
 * (issueServer never outlives the CA): the CA's own warning says what to do, and re-issuing at every
 * start would only churn.
 */
function endsWithCa(cert: X509Certificate, ca: X509Certificate, now: Date): boolean {
  const own = validityOf(cert);
  return now >= own.notBefore && own.notAfter >= validityOf(ca).notAfter;
}

/**
 * Files written before certificates ended in a newline get one: the certificate is unchanged, so
 * nodes that copied the old file still trust it, and `cat ca.crt other.pem` makes a bundle.
 */
function addFinalNewline(path: string): void {
  if (!existsSync(path)) return;
  const text = readFileSync(path, 'utf8');
  if (text.endsWith('\n')) return;
  writePublic(path, withFinalNewline(text));
}

export function writePrivate(path: string, text: string): void {
  writeAtomically(path, text, 0o600);
}

export function writePublic(path: string, text: string): void {
  writeAtomically(path, text, 0o644);
}

/** Write then rename: a crash mid-write never leaves half a key where the next start reads it. */
function writeAtomically(path: string, text: string, mode: number): void {
  const tmp = `${path}.tmp-${process.pid}`;
  try {
    writeFileSync(tmp, text, { mode });
    renameSync(tmp, path);
  } catch (error) {
    throw new LoadError(path, `cannot write: ${fileProblem(path, error, 'write')}`);
  }
}
