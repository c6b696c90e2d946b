// Manifests for archives that store none (crane, docker save before 25, podman/skopeo docker-archive).
// The bytes must be identical on every start so the digest clients pinned stays valid: fixed key order,
// no whitespace, hashed once here.
import type { Descriptor, Manifest, Platform } from '../model.js';
import { sha256Digest } from './digest.js';
import { SYNTHESIZED } from './media.js';

export interface BlobRef {
  mediaType: string;
  digest: string;
  size: number;
}

function descriptorJSON(d: BlobRef): { mediaType: string; digest: string; size: number } {
  return { mediaType: d.mediaType, digest: d.digest, size: d.size };
}

export function synthesizeManifest(config: BlobRef, layers: BlobRef[], platform?: Platform): Manifest {
  const body = {
    schemaVersion: 2,
    mediaType: SYNTHESIZED.manifest,
    config: descriptorJSON(config),
    layers: layers.map(descriptorJSON),
  };
  const bytes = Buffer.from(JSON.stringify(body));
  const manifest: Manifest = { digest: sha256Digest(bytes), mediaType: SYNTHESIZED.manifest, bytes, origin: 'synthesized' };
  if (platform) manifest.platform = platform;
  return manifest;
}

/** The descriptor an index (or the banner) would use for a manifest. */
export function describeManifest(m: Manifest): Descriptor {
  const d: Descriptor = { mediaType: m.mediaType, digest: m.digest, size: m.bytes.length };
  if (m.platform) d.platform = m.platform;
  return d;
}
