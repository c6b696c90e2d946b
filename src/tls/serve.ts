// The TLS material `serve` starts with: the operator's certificate and key, or the self-signed set
// kept in a directory; plus what the banner says about it.
import { LoadError } from '../load-error.js';
import { loadKeyPair } from './load.js';
import { wantedSans, type Advertised } from './sans.js';
import { ensureSelfSigned } from './self-signed.js';
import type { PemPair } from './x509.js';

export interface TlsOptions {
  cert?: string;
  key?: string;
  selfSignedDir?: string;
  advertised: Advertised[];
}

export interface ServerTls {
  pair: PemPair;
  /** Lines for the start-up banner: where the certificate came from, the CA to copy and its fingerprint. */
  banner: string[];
}

/** undefined: plain HTTP. Throws a LoadError naming the option or file for any mistake. */
export async function serverTls(options: TlsOptions): Promise<ServerTls | undefined> {
  const { cert, key, selfSignedDir } = options;
  if (selfSignedDir !== undefined && (cert !== undefined || key !== undefined)) throw new LoadError('--tls-self-signed', 'cannot be combined with --tls-cert/--tls-key');
  if ((cert === undefined) !== (key === undefined)) throw new LoadError(cert === undefined ? '--tls-key' : '--tls-cert', 'needs --tls-cert and --tls-key together');
  if (cert !== undefined && key !== undefined) return { pair: loadKeyPair(cert, key), banner: [`TLS certificate ${cert}, key ${key}`] };
  if (selfSignedDir === undefined) return undefined;
  const made = await ensureSelfSigned(selfSignedDir, wantedSans(options.advertised));
  const what = made.action === 'reused' ? 'reused' : made.action === 'created' ? 'created with a new CA' : `re-issued (${made.reason})`;
  return {
    pair: made.pair,
    banner: [
      `TLS certificate ${made.certPath} ${what}`,
      `TLS CA ${made.ca.path} sha256 ${made.ca.fingerprint}  (nodes trust the seed by copying this file)`,
    ],
  };
}
