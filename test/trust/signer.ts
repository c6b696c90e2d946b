// A signer for tests, with node:crypto: the same payloads and annotations containers/image and cosign
// write (simple signing: signature/internal/sigstore_payload.go; cosign sign --new-bundle-format:
// a DSSE envelope over an in-toto statement, specs/BUNDLE_SPEC.md), so the policy can be tried on the
// many refusal cases a real signer would never produce.
import { generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type OciLayout, hex, sha256 } from '../image/archives.js';

export type KeyKind = 'ecdsa-p256' | 'ecdsa-p384' | 'rsa' | 'ed25519';

export interface TestKey {
  privateKey: KeyObject;
  publicPem: string;
  kind: KeyKind;
}

export function makeKey(kind: KeyKind, rsaBits = 2048): TestKey {
  const pair =
    kind === 'rsa'
      ? generateKeyPairSync('rsa', { modulusLength: rsaBits })
      : kind === 'ed25519'
        ? generateKeyPairSync('ed25519')
        : generateKeyPairSync('ec', { namedCurve: kind === 'ecdsa-p256' ? 'P-256' : 'P-384' });
  return { privateKey: pair.privateKey, publicPem: pair.publicKey.export({ type: 'spki', format: 'pem' }).toString(), kind };
}

export function writePublicKey(dir: string, name: string, key: TestKey): string {
  const path = join(dir, name);
  writeFileSync(path, key.publicPem);
  return path;
}

/** sigstore's verifiers hash with SHA-256 (ECDSA, RSA PKCS#1 v1.5); Ed25519 signs the message. */
export function signBytes(key: TestKey, message: Buffer): Buffer {
  return sign(key.kind === 'ed25519' ? null : 'sha256', message, key.privateKey);
}

export function simpleSigningPayload(digest: string, reference: string): Buffer {
  return Buffer.from(
    JSON.stringify({
      critical: { identity: { 'docker-reference': reference }, image: { 'docker-manifest-digest': digest }, type: 'cosign container image signature' },
      optional: { creator: 'seed-registry tests' },
    }),
  );
}

export interface SignatureLayerSpec {
  payload: Buffer;
  /** Base64; what goes into `dev.cosignproject.cosign/signature`. */
  signature?: string;
}

export function signedLayer(key: TestKey, digest: string, reference: string): SignatureLayerSpec {
  const payload = simpleSigningPayload(digest, reference);
  return { payload, signature: signBytes(key, payload).toString('base64') };
}

/** The manifest cosign and containers/image push as `sha256-<hex>.sig`. */
export function signatureManifest(layout: OciLayout, layers: SignatureLayerSpec[], subject?: { mediaType: string; digest: string; size: number }) {
  const config = layout.blob('{}');
  const manifest = {
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    config: { mediaType: 'application/vnd.oci.image.config.v1+json', ...config },
    layers: layers.map((l) => ({
      mediaType: 'application/vnd.dev.cosign.simplesigning.v1+json',
      ...layout.blob(l.payload),
      ...(l.signature !== undefined && { annotations: { 'dev.cosignproject.cosign/signature': l.signature } }),
    })),
    ...(subject && { subject }),
  };
  return { mediaType: manifest.mediaType, ...layout.blob(JSON.stringify(manifest)) };
}

/** `cosign sign --new-bundle-format`: a referrer holding a sigstore bundle with a DSSE envelope. */
export function bundleReferrer(layout: OciLayout, key: TestKey, subject: { mediaType: string; digest: string; size: number }) {
  const statement = Buffer.from(
    JSON.stringify({
      _type: 'https://in-toto.io/Statement/v1',
      subject: [{ digest: { sha256: hex(subject.digest) } }],
      predicateType: 'https://sigstore.dev/cosign/sign/v1',
      predicate: {},
    }),
  );
  const payloadType = 'application/vnd.in-toto+json';
  const pae = Buffer.concat([Buffer.from(`DSSEv1 ${payloadType.length} ${payloadType} ${statement.length} `), statement]);
  const bundle = {
    mediaType: 'application/vnd.dev.sigstore.bundle.v0.3+json',
    verificationMaterial: { publicKey: { hint: '' } },
    dsseEnvelope: { payload: statement.toString('base64'), payloadType, signatures: [{ sig: signBytes(key, pae).toString('base64'), keyid: '' }] },
  };
  const bundleType = 'application/vnd.dev.sigstore.bundle.v0.3+json';
  const empty = layout.blob('{}');
  const manifest = {
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    artifactType: bundleType,
    config: { mediaType: 'application/vnd.oci.empty.v1+json', ...empty },
    layers: [{ mediaType: bundleType, ...layout.blob(JSON.stringify(bundle)) }],
    subject,
  };
  return { mediaType: manifest.mediaType, ...layout.blob(JSON.stringify(manifest)) };
}

export function sigTag(digest: string): string {
  return `${digest.replace(':', '-')}.sig`;
}

export { sha256 };
