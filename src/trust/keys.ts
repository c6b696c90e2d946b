// Public keys a signature policy trusts (`--signed-by FILE`), read once at start. The kinds cosign and
// containers/image sign with: ECDSA P-256/P-384, RSA of 2048 bits or more, Ed25519
// (sigstore/sigstore pkg/signature/verifier.go LoadVerifier; cryptoutils.UnmarshalPEMToPublicKey
// reads a PEM `PUBLIC KEY`, as `cosign generate-key-pair` writes cosign.pub).
import { createHash, createPublicKey, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { LoadError } from '../load-error.js';

export interface TrustKey {
  /** How the banner and inspect name it: the file as given. */
  name: string;
  key: KeyObject;
  kind: 'ecdsa-p256' | 'ecdsa-p384' | 'rsa' | 'ed25519';
  /** sha256 of the DER SubjectPublicKeyInfo, hex: tells two keys apart in the log. */
  fingerprint: string;
}

const MIN_RSA_BITS = 2048;

export function loadKeys(files: string[], option = '--signed-by'): TrustKey[] {
  return files.map((file) => loadKey(file, option));
}

export function loadKey(file: string, option = '--signed-by'): TrustKey {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new LoadError(file, `cannot read the ${option} key: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
  }
  return parseKey(text, file, option);
}

export function parseKey(text: string, name: string, option = '--signed-by'): TrustKey {
  if (/-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(text)) {
    throw new LoadError(name, `is a private key: give ${option} the public key (cosign.pub, or openssl pkey -pubout)`);
  }
  if (!text.includes('-----BEGIN PUBLIC KEY-----')) {
    throw new LoadError(name, `is not a PEM public key (expected -----BEGIN PUBLIC KEY-----, as cosign.pub)`);
  }
  let key: KeyObject;
  try {
    key = createPublicKey({ key: text, format: 'pem' });
  } catch (error) {
    throw new LoadError(name, `cannot read the public key: ${(error as Error).message}`);
  }
  const fingerprint = createHash('sha256').update(key.export({ type: 'spki', format: 'der' })).digest('hex');
  return { name, key, kind: keyKind(key, name), fingerprint };
}

function keyKind(key: KeyObject, name: string): TrustKey['kind'] {
  const details = key.asymmetricKeyDetails ?? {};
  switch (key.asymmetricKeyType) {
    case 'ec':
      if (details.namedCurve === 'prime256v1') return 'ecdsa-p256';
      if (details.namedCurve === 'secp384r1') return 'ecdsa-p384';
      throw new LoadError(name, `ECDSA curve ${details.namedCurve ?? 'unknown'} is not accepted: use P-256 or P-384`);
    case 'rsa':
      if ((details.modulusLength ?? 0) < MIN_RSA_BITS) {
        throw new LoadError(name, `RSA key of ${details.modulusLength ?? 0} bits is too short: use ${MIN_RSA_BITS} bits or more`);
      }
      return 'rsa';
    case 'ed25519':
      return 'ed25519';
    default:
      throw new LoadError(name, `key type ${key.asymmetricKeyType ?? 'unknown'} is not accepted: use ECDSA P-256/P-384, RSA (2048+) or Ed25519`);
  }
}
