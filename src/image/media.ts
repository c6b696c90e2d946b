// Media types chosen for what the loader synthesizes, and the magic-byte sniffing that keeps them truthful.
import { MediaType } from '../model.js';

const GZIP_MAGIC = Buffer.from([0x1f, 0x8b]);
const ZSTD_MAGIC = Buffer.from([0x28, 0xb5, 0x2f, 0xfd]);
/** Bytes to read from the start of a layer to tell its compression. */
export const MAGIC_LENGTH = ZSTD_MAGIC.length;

export type Compression = 'gzip' | 'zstd' | 'none';

export function sniffCompression(head: Buffer): Compression {
  if (head.subarray(0, GZIP_MAGIC.length).equals(GZIP_MAGIC)) return 'gzip';
  if (head.subarray(0, ZSTD_MAGIC.length).equals(ZSTD_MAGIC)) return 'zstd';
  return 'none';
}

interface ManifestFlavor {
  manifest: string;
  config: string;
  layer: Record<Compression, string>;
}

const OCI: ManifestFlavor = {
  manifest: MediaType.ociManifest,
  config: MediaType.ociConfig,
  layer: { gzip: MediaType.ociLayerGzip, zstd: MediaType.ociLayerZstd, none: MediaType.ociLayer },
};

/**
 * The one place that picks what synthesized manifests are: OCI image manifests, which docker 20.10+,
 * containerd 1.6+, skopeo and podman all pull. Docker schema2 has no zstd layer type, so OCI is also
 * the only flavour that can describe every layer truthfully.
 */
export const SYNTHESIZED: ManifestFlavor = OCI;

export function layerMediaType(head: Buffer): string {
  return SYNTHESIZED.layer[sniffCompression(head)];
}
