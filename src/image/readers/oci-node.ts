// Reads one node of an OCI layout's manifest graph: an image index (its children, not followed
// here) or an image manifest (its config and layers). Stored manifests are kept as their exact bytes
// under the digest the archive recorded. src/image/readers/oci-tree.ts walks the graph.
import { LoadError } from '../../load-error.js';
import { type Blob, type Descriptor, type Manifest, type Platform, MediaType, formatPlatform, isIndex, isManifest } from '../../model.js';
import type { TarIndex } from '../../tar/index.js';
import { isObject, parseImageConfig } from '../config.js';
import { blobPath } from '../digest.js';
import { isStringRecord, parseDescriptor, parseManifestsList } from './descriptor.js';

/** Placeholder platform of attestation manifests (buildkit), not an image anyone pulls. */
const UNKNOWN_PLATFORM = 'unknown/unknown';

/**
 * Where a layout keeps a manifest's and a blob's bytes, by digest. An OCI layout keeps both in
 * `blobs/<alg>/<hex>`; Talos' image cache keeps manifests per repository and blobs apart.
 */
export interface BlobPaths {
  manifest(digest: string): string;
  blob(digest: string): string;
}

export const LAYOUT_PATHS: BlobPaths = { manifest: blobPath, blob: blobPath };

export interface GraphNode {
  manifest: Manifest;
  /** For an index: the children that are indexes or manifests, in order. */
  children: Descriptor[];
  blobs: Blob[];
  platforms: string[];
  layers: number;
  configDigests: string[];
}

/** A blob a descriptor names is not in the archive. */
export class Absent extends Error {
  constructor(
    readonly path: string,
    readonly listedIn: string,
  ) {
    super(path);
  }
}

/** Where `d`'s bytes are (at `path`); Absent when missing, a LoadError when the sizes disagree. */
export function blobSource(index: TarIndex, d: Descriptor, parent: string, path = blobPath(d.digest)): { path: string; blob: Blob } {
  const entry = index.resolve(path);
  if (!entry) throw new Absent(path, parent);
  if (entry.size !== d.size) throw new LoadError(index.file, `is ${entry.size} bytes but ${parent} says ${d.size}`, path);
  return { path, blob: { digest: d.digest, size: d.size, source: index.source(path) } };
}

export async function readGraphNode(index: TarIndex, d: Descriptor, parent: string, paths = LAYOUT_PATHS): Promise<GraphNode> {
  const path = blobSource(index, d, parent, paths.manifest(d.digest)).path;
  const bytes = await index.readBytes(path);
  const json = index.parseJSON(path, bytes);
  const manifest: Manifest = { digest: d.digest, mediaType: d.mediaType, bytes, origin: 'stored' };
  const artifactType = artifactTypeOf(json, isIndex(d.mediaType));
  if (artifactType !== undefined) manifest.artifactType = artifactType;
  if (isObject(json) && isObject(json['subject']) && typeof json['subject']['digest'] === 'string') {
    manifest.subject = json['subject']['digest'];
  }
  // The manifest's own annotations, as the referrers API lists them (not those of the descriptor).
  if (isObject(json) && isStringRecord(json['annotations'])) manifest.annotations = json['annotations'];
  if (isIndex(d.mediaType)) {
    manifest.manifests = parseManifestsList(index, path, json);
    const children = manifest.manifests.filter((c) => isIndex(c.mediaType) || isManifest(c.mediaType));
    return { manifest, children, blobs: [], platforms: [], layers: 0, configDigests: [] };
  }
  return readImageManifest(index, manifest, d, path, json, paths);
}

/**
 * The artifactType the referrers API lists (distribution-spec "Listing Referrers"): the manifest's
 * own, else its config's media type. cosign's OCI 1.1 attachments (`attach sbom
 * --registry-referrers-mode=oci-1-1`, write.go for signatures) state only the config's, and filter
 * the listing on the client by `artifactType` (go-containerregistry remote/referrers.go).
 */
function artifactTypeOf(json: unknown, index: boolean): string | undefined {
  if (!isObject(json)) return undefined;
  if (typeof json['artifactType'] === 'string') return json['artifactType'];
  const config = json['config'];
  return !index && isObject(config) && typeof config['mediaType'] === 'string' ? config['mediaType'] : undefined;
}

async function readImageManifest(index: TarIndex, manifest: Manifest, d: Descriptor, path: string, json: unknown, paths: BlobPaths): Promise<GraphNode> {
  if (!isObject(json) || !Array.isArray(json['layers'])) throw new LoadError(index.file, 'image manifest has no "layers" list', path);
  const config = parseDescriptor(index, path, json['config'], 'config');
  const layers = json['layers'].map((l, i) => parseDescriptor(index, path, l, `layers[${i}]`));
  const blobs = [config, ...layers].map((b) => blobSource(index, b, path, paths.blob(b.digest)).blob);
  const platform = d.platform ?? (await configPlatform(index, config, paths));
  if (platform) manifest.platform = platform;
  const platforms = platform && formatPlatform(platform) !== UNKNOWN_PLATFORM ? [formatPlatform(platform)] : [];
  return { manifest, children: [], blobs, platforms, layers: layers.length, configDigests: [config.digest] };
}

/** Image configs state their platform; other artifacts' configs do not. */
async function configPlatform(index: TarIndex, config: Descriptor, paths: BlobPaths): Promise<Platform | undefined> {
  if (config.mediaType !== MediaType.ociConfig && config.mediaType !== MediaType.dockerConfig) return undefined;
  const parsed = parseImageConfig(await index.readJSON(paths.blob(config.digest)));
  // cosign's signature configs state `"os": ""`: no platform, not "/".
  return typeof parsed === 'string' || parsed.platform.os === '' ? undefined : parsed.platform;
}
