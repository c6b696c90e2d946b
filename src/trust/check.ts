// One signature layer checked against the trusted keys and the digest it should sign, in the order
// containers/image checks it (signature/policy_eval_sigstore.go isSignatureAccepted, then
// internal/sigstore_payload.go VerifySigstorePayload): the signature over the payload bytes first,
// then the payload read, then its manifest digest. The identity is matched by the caller, which knows
// the names the archive gives the image (reference.ts).
import { sha256Digest } from '../image/digest.js';
import type { ImageModel, Refusal } from '../model.js';
import { decodeBase64, findSigner, preAuthEncoding } from './crypto.js';
import type { SignatureLayer } from './forms.js';
import type { TrustKey } from './keys.js';
import { IN_TOTO_PAYLOAD_TYPE, isPlainObject, parseCosignStatement, parseSimpleSigning, type SignedClaim } from './payload.js';
import { readSmallBlob } from './read.js';

export type Checked =
  | { ok: true; key: TrustKey; claim: SignedClaim; layer: SignatureLayer }
  | { ok: false; refusal: Refusal };

export async function checkSignature(model: ImageModel, keys: readonly TrustKey[], layer: SignatureLayer, digest: string): Promise<Checked> {
  let content: Buffer;
  try {
    content = await readLayer(model, layer);
  } catch (error) {
    return refused('bad-signature', (error as Error).message);
  }
  try {
    const signed = layer.form === 'simple-signing' ? checkSimpleSigning(keys, layer, content) : checkBundle(keys, content);
    if ('refusal' in signed) return signed;
    if (signed.claim.digest !== digest) {
      return refused('digest-mismatch', `signature ${layer.carrier} by ${signed.key.name} signs ${signed.claim.digest}, not this manifest (a signature of another image)`);
    }
    return { ok: true, key: signed.key, claim: signed.claim, layer };
  } catch (error) {
    return refused('bad-signature', `signature ${layer.carrier}: ${(error as Error).message}`);
  }
}

type Signed = { key: TrustKey; claim: SignedClaim } | { ok: false; refusal: Refusal };

function checkSimpleSigning(keys: readonly TrustKey[], layer: SignatureLayer, payload: Buffer): Signed {
  if (layer.signature === undefined) return refused('bad-signature', `signature ${layer.carrier}: layer has no dev.cosignproject.cosign/signature annotation`);
  const signature = decodeBase64(layer.signature);
  if (signature === undefined) return refused('bad-signature', `signature ${layer.carrier}: annotation is not base64`);
  const key = findSigner(keys, payload, signature);
  if (key === undefined) return noSigner(keys, signature, layer.carrier);
  return { key, claim: parseSimpleSigning(payload) };
}

/** A sigstore bundle (protobuf-specs sigstore_bundle.proto, JSON form) holding a DSSE envelope. */
function checkBundle(keys: readonly TrustKey[], content: Buffer): Signed {
  const bundle: unknown = JSON.parse(content.toString('utf8'));
  const envelope = isPlainObject(bundle) ? bundle['dsseEnvelope'] : undefined;
  if (!isPlainObject(envelope)) throw new Error('bundle holds no DSSE envelope (a message signature signs a blob, not an image)');
  const payload = typeof envelope['payload'] === 'string' ? decodeBase64(envelope['payload']) : undefined;
  if (payload === undefined || envelope['payloadType'] !== IN_TOTO_PAYLOAD_TYPE) throw new Error(`bundle envelope is not an in-toto statement`);
  const signatures = Array.isArray(envelope['signatures']) ? envelope['signatures'] : [];
  const message = preAuthEncoding(IN_TOTO_PAYLOAD_TYPE, payload);
  let last: Signed = refused('bad-signature', 'bundle envelope has no signature');
  for (const s of signatures) {
    const signature = isPlainObject(s) && typeof s['sig'] === 'string' ? decodeBase64(s['sig']) : undefined;
    if (signature === undefined) continue;
    const key = findSigner(keys, message, signature);
    if (key !== undefined) return { key, claim: parseCosignStatement(payload) };
    last = noSigner(keys, signature, 'bundle');
  }
  return last;
}

/**
 * No key verifies it: malformed for every key kind (cut short, wrong length) is a bad signature;
 * a well-formed one is by a key not trusted here, or over bytes that were altered after signing.
 */
function noSigner(keys: readonly TrustKey[], signature: Buffer, carrier: string): Signed {
  if (keys.every((k) => !wellFormed(k, signature))) return refused('bad-signature', `signature ${carrier} is malformed (cut short or not a signature)`);
  return refused('unknown-key', `signature ${carrier} is not by a trusted key (signed by another key, or its payload was altered)`);
}

function wellFormed(k: TrustKey, signature: Buffer): boolean {
  if (k.kind === 'ed25519') return signature.length === 64;
  if (k.kind === 'rsa') return signature.length === (k.key.asymmetricKeyDetails?.modulusLength ?? 0) / 8;
  // ASN.1 DER SEQUENCE of two INTEGERs; P-256/P-384 signatures are short-form (< 128 bytes).
  return signature.length >= 8 && signature[0] === 0x30 && signature[1] === signature.length - 2;
}

async function readLayer(model: ImageModel, layer: SignatureLayer): Promise<Buffer> {
  const blob = model.blobs.get(layer.digest);
  if (blob === undefined) throw new Error(`signature ${layer.carrier}: its ${layer.form} blob ${layer.digest} is not in the archive`);
  const bytes = await readSmallBlob(blob);
  // The signature covers these bytes, but a blob that is not what its digest says is an altered archive.
  if (sha256Digest(bytes) !== layer.digest) throw new Error(`signature ${layer.carrier}: its ${layer.form} blob does not match its digest ${layer.digest} (altered)`);
  return bytes;
}

function refused(reason: Refusal['reason'], message: string): { ok: false; refusal: Refusal } {
  return { ok: false, refusal: { reason, message } };
}
