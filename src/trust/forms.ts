// Where signatures live in an image archive, as registries hold them:
// - the tag `sha256-<hex>.sig` beside the image in its repository (containers/image
//   docker/docker_client.go sigstoreAttachmentTag; cosign, skopeo, podman and hauler write it): an
//   image manifest whose layers are simple-signing payloads
//   (`application/vnd.dev.cosign.simplesigning.v1+json`), each with its base64 signature in the
//   annotation `dev.cosignproject.cosign/signature` (internal/signature/sigstore.go);
// - an OCI 1.1 referrer of the image (`subject`): cosign's sigstore bundle
//   (`application/vnd.dev.sigstore.bundle.v0.3+json`, cosign specs/BUNDLE_SPEC.md), or simple-signing
//   layers as `cosign sign --registry-referrers-mode=oci-1-1` writes them.
import { type Manifest, MediaType, isManifest } from '../model.js';
import { isPlainObject } from './payload.js';

export const SIMPLE_SIGNING_MEDIA_TYPE = 'application/vnd.dev.cosign.simplesigning.v1+json';
export const SIGNATURE_ANNOTATION = 'dev.cosignproject.cosign/signature';
export const BUNDLE_MEDIA_TYPE_PREFIX = 'application/vnd.dev.sigstore.bundle';
const SIG_TAG = /^sha256-([a-f0-9]{64})\.sig$/;

/** A signature-bearing layer of a signature manifest. */
export interface SignatureLayer {
  form: 'simple-signing' | 'bundle';
  /** The layer's blob: the payload, or the bundle JSON. */
  digest: string;
  /** Base64, simple-signing only. */
  signature?: string;
  /** The manifest that carries it, for messages. */
  carrier: string;
}

/** The digest a `sha256-<hex>.sig` tag attaches to, or undefined for any other tag. */
export function signatureTagSubject(tag: string): string | undefined {
  const m = SIG_TAG.exec(tag);
  return m ? `sha256:${m[1]}` : undefined;
}

export function signatureTagOf(digest: string): string {
  return digest.replace(':', '-') + '.sig';
}

/**
 * The signature layers of a manifest, or undefined when it is not a signature manifest: an image
 * manifest with at least one layer and only simple-signing or bundle layers. Such a manifest holds no
 * filesystem a runtime could run, which is why it may be served beside a signed image.
 */
export function signatureLayers(m: Manifest): SignatureLayer[] | undefined {
  if (!isManifest(m.mediaType)) return undefined;
  let json: unknown;
  try {
    json = JSON.parse(m.bytes.toString('utf8'));
  } catch {
    return undefined;
  }
  const layers = isPlainObject(json) && Array.isArray(json['layers']) ? (json['layers'] as unknown[]) : [];
  const found: SignatureLayer[] = [];
  for (const layer of layers) {
    if (!isPlainObject(layer) || typeof layer['digest'] !== 'string' || typeof layer['mediaType'] !== 'string') return undefined;
    const annotations = isPlainObject(layer['annotations']) ? layer['annotations'] : {};
    if (layer['mediaType'] === SIMPLE_SIGNING_MEDIA_TYPE) {
      const signature = annotations[SIGNATURE_ANNOTATION];
      found.push({ form: 'simple-signing', digest: layer['digest'], carrier: m.digest, ...(typeof signature === 'string' && { signature }) });
    } else if (layer['mediaType'].startsWith(BUNDLE_MEDIA_TYPE_PREFIX)) {
      found.push({ form: 'bundle', digest: layer['digest'], carrier: m.digest });
    } else {
      return undefined;
    }
  }
  return found.length === 0 ? undefined : found;
}

const IMAGE_CONFIGS = new Set<string>([MediaType.ociConfig, MediaType.dockerConfig]);
const LAYER_PREFIXES = ['application/vnd.oci.image.layer.', 'application/vnd.docker.image.rootfs.'];

/**
 * Whether a runtime could run it: an index, or a manifest with an image config or a filesystem layer.
 * A referrer that is runnable is judged as an image (it needs a signature of its own): a `subject`
 * pointing at a signed image must not carry an unsigned image in.
 */
export function isRunnable(m: Manifest): boolean {
  if (!isManifest(m.mediaType)) return true;
  try {
    const json: unknown = JSON.parse(m.bytes.toString('utf8'));
    if (!isPlainObject(json)) return true;
    if (isPlainObject(json['config']) && IMAGE_CONFIGS.has(json['config']['mediaType'])) return true;
    const layers: unknown[] = Array.isArray(json['layers']) ? json['layers'] : [];
    return layers.some((l) => !isPlainObject(l) || typeof l['mediaType'] !== 'string' || LAYER_PREFIXES.some((p) => l['mediaType'].startsWith(p)));
  } catch {
    return true;
  }
}

/** Config and layer digests of an image manifest; children of an index (manifests, not blobs) apart. */
export function referencedBlobs(m: Manifest): string[] {
  if (!isManifest(m.mediaType)) return [];
  try {
    const json: unknown = JSON.parse(m.bytes.toString('utf8'));
    if (!isPlainObject(json)) return [];
    const descriptors = [json['config'], ...(Array.isArray(json['layers']) ? json['layers'] : [])];
    return descriptors.filter((d) => isPlainObject(d) && typeof d['digest'] === 'string').map((d) => d.digest as string);
  } catch {
    return [];
  }
}
