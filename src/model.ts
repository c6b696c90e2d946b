// The image model: what the loader builds from one or more tarballs and the registry serves.
// Never changed once built (a new generation of content is a new model: docs/design/snapshot.md);
// the registry layer only reads it.

export const MediaType = {
  ociManifest: 'application/vnd.oci.image.manifest.v1+json',
  ociIndex: 'application/vnd.oci.image.index.v1+json',
  ociConfig: 'application/vnd.oci.image.config.v1+json',
  ociLayer: 'application/vnd.oci.image.layer.v1.tar',
  ociLayerGzip: 'application/vnd.oci.image.layer.v1.tar+gzip',
  ociLayerZstd: 'application/vnd.oci.image.layer.v1.tar+zstd',
  dockerManifest: 'application/vnd.docker.distribution.manifest.v2+json',
  dockerManifestList: 'application/vnd.docker.distribution.manifest.list.v2+json',
  dockerConfig: 'application/vnd.docker.container.image.v1+json',
  dockerLayerGzip: 'application/vnd.docker.image.rootfs.diff.tar.gzip',
} as const;

export function isIndex(mediaType: string): boolean {
  return mediaType === MediaType.ociIndex || mediaType === MediaType.dockerManifestList;
}

export function isManifest(mediaType: string): boolean {
  return mediaType === MediaType.ociManifest || mediaType === MediaType.dockerManifest;
}

export interface Platform {
  os: string;
  architecture: string;
  variant?: string;
}

export interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
  platform?: Platform;
  annotations?: Record<string, string>;
  artifactType?: string;
}

/**
 * Where a blob's bytes live: a byte range of a tar file, a whole file (a blob of an OCI layout
 * folder: offset 0, so both read as "bytes from offset"), or a small buffer held in memory.
 * Tar files stay open while serving; whole files are opened on demand (there may be thousands).
 */
export type Source = TarSource | FileSource | { kind: 'memory'; bytes: Buffer };
export type TarSource = { kind: 'tar'; path: string; offset: number; size: number };
export type FileSource = { kind: 'file'; path: string; offset: 0; size: number };

export interface Blob {
  digest: string;
  size: number;
  source: Source;
}

/** A manifest or an index, with the exact bytes to serve (stored in the archive, or synthesized once). */
export interface Manifest {
  digest: string;
  mediaType: string;
  bytes: Buffer;
  origin: 'stored' | 'synthesized';
  /** Children of an index, in order; absent for an image manifest. */
  manifests?: Descriptor[];
  /** For an image manifest: the platform from its config or from the index that lists it. */
  platform?: Platform;
  /** OCI 1.1 referrers support. */
  subject?: string;
  artifactType?: string;
  annotations?: Record<string, string>;
}

/** Tags of one repository as one source registry named them. */
export interface Repository {
  /** The served name, e.g. `library/registry` or `org/app`. */
  name: string;
  /** The registry the image came from, e.g. `docker.io` or `ghcr.io`; used for containerd's `?ns=`. */
  registry: string;
  /** tag → manifest digest */
  tags: Map<string, string>;
  /** The name carries the registry (`ghcr.io/org/app`, src/image/names.ts): served, not listed in the catalog. */
  qualified?: boolean;
  /**
   * Set by a signature policy (src/trust): tags left out of `tags` because no signature names this
   * repository and tag, though their manifest is served (by digest, or under another tag).
   */
  refusedTags?: Map<string, Refusal>;
}

/** One image as the banner and `inspect` list it. */
export interface ImageRecord {
  tarPath: string;
  registry: string;
  repository: string;
  /** Other served names for the same repository (`registry` for `library/registry`). */
  aliases: string[];
  tag?: string;
  digest: string;
  mediaType: string;
  origin: 'stored' | 'synthesized';
  /** `os/arch[/variant]` of each image it covers (one for a manifest, several for an index). */
  platforms: string[];
  layers: number;
  /** Total bytes of config and layers (of every platform present, for an index). */
  size: number;
  /**
   * Set by a signature policy (src/trust): signed by which key (or pinned by digest), refused and why,
   * or, for a signature or other referrer, the image it is attached to (served when that image is).
   */
  trust?: { signedBy: string } | { refused: Refusal } | { attachedTo: string };
}

/** Why an image is not served (docs/design/snapshot.md); decided at load, read per request. */
export interface Refusal {
  reason: 'unsigned' | 'unknown-key' | 'bad-signature' | 'digest-mismatch' | 'reference-mismatch' | 'not-allowed';
  /** One line, for the 403 DENIED body, the log and the banner. */
  message: string;
}

export interface ImageModel {
  manifests: Map<string, Manifest>;
  /** Configs and layers by digest. */
  blobs: Map<string, Blob>;
  /**
   * Served name → repositories of that name, one per source registry. Names are the repository,
   * its aliases (`x` for docker.io `library/x`) and the same with the registry in front
   * (`ghcr.io/org/app`, `qualified`), so a name that carries its registry reaches only that one.
   */
  repositories: Map<string, Repository[]>;
  images: ImageRecord[];
  /** Non-fatal findings at load time (e.g. platforms listed whose blobs are absent). */
  warnings: string[];
  /**
   * Digest → why it is refused (src/trust): manifests, and blobs no served manifest references.
   * Absent: every image is served.
   */
  refused?: Map<string, Refusal>;
}

export function formatPlatform(p: Platform): string {
  return p.variant ? `${p.os}/${p.architecture}/${p.variant}` : `${p.os}/${p.architecture}`;
}
