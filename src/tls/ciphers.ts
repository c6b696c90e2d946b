// The server's cipher preference. TLS 1.3 offers three suites and OpenSSL's server default takes
// the client's first; Go clients (containerd, docker, skopeo, CRI-O) list AES-128-GCM first on
// hardware with AES instructions (crypto/tls defaultCipherSuitesTLS13), OpenSSL-based ones (curl,
// openssl s_client) AES-256-GCM. Serving blobs is bulk encryption: AES-128-GCM has 4 fewer rounds
// than AES-256 (`openssl speed -evp aes-128-gcm` against aes-256-gcm shows the difference) with no
// practical loss of security, so the server chooses it whenever the client offers it.
// TLS 1.2 keeps Node's own list and order (tls.DEFAULT_CIPHERS), chosen by the server too.
import { DEFAULT_CIPHERS } from 'node:tls';

/** TLS 1.3 suites in the server's order (RFC 8446 B.4 names). */
const TLS13_ORDER = ['TLS_AES_128_GCM_SHA256', 'TLS_AES_256_GCM_SHA384', 'TLS_CHACHA20_POLY1305_SHA256'];

/** Node's ciphers list with the TLS 1.3 suites re-ordered; Node passes `TLS_*` names to SSL_CTX_set_ciphersuites. */
export function serverCiphers(defaults: string = DEFAULT_CIPHERS): string {
  const tls12 = defaults.split(':').filter((c) => c !== '' && !c.startsWith('TLS_'));
  return [...TLS13_ORDER, ...tls12].join(':');
}

/** Options for tls.createServer / https.createServer: the server's order decides, not the client's. */
export function serverCipherOptions(): { ciphers: string; honorCipherOrder: true } {
  return { ciphers: serverCiphers(), honorCipherOrder: true };
}
