// What a format reader hands to the model builder: the images one archive holds, before naming rules
// across archives (aliases, fallback repository, tags claimed twice) are applied.
import type { Blob, Manifest } from '../model.js';
import type { ImageName } from './names.js';

export interface FoundImage {
  /** The manifest or index its names point at. */
  top: Manifest;
  /** Every manifest present under it, `top` included. */
  manifests: Manifest[];
  blobs: Blob[];
  /** Full references the archive gives it (`docker.io/library/registry:2.8.1`). */
  names: ImageName[];
  /** Bare tags (an OCI `ref.name` such as `1.0`): they take the fallback repository. */
  bareTags: string[];
  /** `os/arch[/variant]` of each image it covers. */
  platforms: string[];
  layers: number;
  /** Config and layer bytes, each blob counted once. */
  size: number;
}

export interface ArchiveContents {
  images: FoundImage[];
  warnings: string[];
}

/** Total bytes of distinct blobs, for the banner and `inspect`. */
export function totalSize(blobs: Blob[]): number {
  const seen = new Map(blobs.map((b) => [b.digest, b.size]));
  let total = 0;
  for (const size of seen.values()) total += size;
  return total;
}
