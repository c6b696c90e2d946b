// One signature over some bytes, checked with a trusted key the way the signer's verifier does.
// containers/image hard-codes SHA-256 for sigstore signatures (signature/internal/sigstore_payload.go,
// sigstoreHarcodedHashAlgorithm) and hands it to sigstore's LoadVerifier (pkg/signature/verifier.go):
// ECDSA checks an ASN.1 DER signature of the SHA-256 digest (also with a P-384 key), RSA is PKCS#1
// v1.5 over SHA-256, Ed25519 signs the message itself. `cosign verify --key` loads its key the same
// way (crypto.SHA256), so one rule serves both signature forms.
import { verify as cryptoVerify } from 'node:crypto';
import type { TrustKey } from './keys.js';

/** The key of `keys` that made `signature` over `message`, if any. Never throws on bad input. */
export function findSigner(keys: readonly TrustKey[], message: Buffer, signature: Buffer): TrustKey | undefined {
  if (signature.length === 0) return undefined;
  return keys.find((k) => verifyWith(k, message, signature));
}

function verifyWith(k: TrustKey, message: Buffer, signature: Buffer): boolean {
  try {
    return cryptoVerify(k.kind === 'ed25519' ? null : 'sha256', message, k.key, signature);
  } catch {
    // A malformed DER signature throws in OpenSSL rather than returning false.
    return false;
  }
}

/** Strict base64 (Go's base64.StdEncoding): Buffer.from would skip stray characters silently. */
export function decodeBase64(text: string): Buffer | undefined {
  if (!/^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/.test(text)) return undefined;
  return Buffer.from(text, 'base64');
}

/** DSSE pre-authentication encoding (secure-systems-lab/dsse protocol.md): what a DSSE signature covers. */
export function preAuthEncoding(payloadType: string, payload: Buffer): Buffer {
  const type = Buffer.from(payloadType, 'utf8');
  return Buffer.concat([Buffer.from(`DSSEv1 ${type.length} `), type, Buffer.from(` ${payload.length} `), payload]);
}
