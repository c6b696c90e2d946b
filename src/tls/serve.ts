// The TLS material `serve` starts with: the operator's certificate and key, or the self-signed set
// kept in a directory; plus what the banner says about it. Every start checks the served chain
// against this host's clock (src/tls/validity.ts): nodes reject a certificate outside its dates with
// `x509: certificate has expired or is not yet valid`, and the seed's own log is the one place an
// operator looks first.
import { X509Certificate } from 'node:crypto';
import { LoadError } from '../load-error.js';
import { loadKeyPair, parseCertificates } from './load.js';
import { wantedSans, type Advertised } from './sans.js';
import { ensureSelfSigned, type SelfSigned } from './self-signed.js';
import { describeWindow, validityOf, validityWarning } from './validity.js';
import type { PemPair } from './x509.js';

export interface TlsOptions {
  cert?: string;
  key?: string;
  selfSignedDir?: string;
  advertised: Advertised[];
  /** This host's clock; a parameter so tests need not move it. */
  now?: Date;
}

export interface ServerTls {
  pair: PemPair;
  /** Lines for the start-up banner: where the certificate came from, its dates, the CA to copy and its fingerprint. */
  banner: string[];
  /** Certificates out of their dates, each one line without the `warning: ` prefix. */
  warnings: string[];
}

/** undefined: plain HTTP. Throws a LoadError naming the option or file for any mistake. */
export async function serverTls(options: TlsOptions): Promise<ServerTls | undefined> {
  const { cert, key, selfSignedDir } = options;
  const now = options.now ?? new Date();
  if (selfSignedDir !== undefined && (cert !== undefined || key !== undefined)) throw new LoadError('--tls-self-signed', 'cannot be combined with --tls-cert/--tls-key');
  if ((cert === undefined) !== (key === undefined)) throw new LoadError(cert === undefined ? '--tls-key' : '--tls-cert', 'needs --tls-cert and --tls-key together');
  if (cert !== undefined && key !== undefined) return providedTls(cert, key, now);
  if (selfSignedDir === undefined) return undefined;
  return selfSignedTls(selfSignedDir, await ensureSelfSigned(selfSignedDir, wantedSans(options.advertised), now), now);
}

/** --tls-cert: the seed cannot re-issue what it did not make, so each problem is a warning with the fix. */
function providedTls(cert: string, key: string, now: Date): ServerTls {
  const pair = loadKeyPair(cert, key);
  const [leaf, ...chain] = parseCertificates(cert, pair.cert);
  const leafFix = 'issue a new certificate for the same names (with a start date in the past if this host\'s clock may run ahead) and restart the seed';
  const warnings = [validityWarning('TLS certificate', cert, validityOf(leaf!), now, leafFix)];
  for (const ca of chain.filter((c) => c.ca)) {
    warnings.push(validityWarning(`TLS CA certificate "${ca.subject.replace(/\n/g, ', ')}" in`, cert, validityOf(ca), now, 'renew that CA, put the new one after the certificate in the file, and give nodes that trust it the new one'));
  }
  return { pair, banner: [`TLS certificate ${cert}, key ${key}, ${describeWindow(validityOf(leaf!))}`], warnings: warnings.filter((w) => w !== undefined) };
}

function selfSignedTls(dir: string, made: SelfSigned, now: Date): ServerTls {
  const what = made.action === 'reused' ? 'reused' : made.action === 'created' ? 'created with a new CA' : `re-issued (${made.reason})`;
  const ca = validityOf(new X509Certificate(made.ca.pem));
  const rotate = `seed-registry tls rotate-ca --tls-self-signed ${dir}`;
  const fix = `${now < ca.notBefore ? 'if this host\'s clock was ahead when the CA was made, make a new one' : 'before then, make a new CA'} with \`${rotate}\` and give every node its ca.crt (docs/tls-clock.md)`;
  const warning = validityWarning('TLS CA', made.ca.path, ca, now, fix);
  return {
    pair: made.pair,
    banner: [
      `TLS certificate ${made.certPath} ${what}, ${describeWindow(validityOf(made.pair.cert))}`,
      `TLS CA ${made.ca.path} sha256 ${made.ca.fingerprint}, ${describeWindow(ca)}  (nodes trust the seed by copying this file)`,
    ],
    warnings: warning === undefined ? [] : [warning],
  };
}
