// Walks one descriptor of an OCI image layout down to its blobs: an image index (nested ones too) or an
// image manifest. Stored manifests are kept as their exact bytes under the digest the archive recorded.
//
// A manifest listed directly in index.json must be complete. Below an index, a platform whose blobs
// are absent is skipped with a warning: `docker save` with the containerd image store lists every
// platform of a multi-arch image but stores only those that were pulled.
import { LoadError } from '../../load-error.js';
import { type Blob, type Descriptor, type Manifest, type Platform, MediaType, formatPlatform, isIndex, isManifest } from '../../model.js';
import type { TarIndex } from '../../tar/index.js';
import { isObject, parseImageConfig } from '../config.js';
import { blobPath } from '../digest.js';
import { isStringRecord, parseDescriptor, parseManifestsList } from './descriptor.js';

/** Placeholder platform of attestation manifests (buildkit), not an image anyone pulls. */
const UNKNOWN_PLATFORM = 'unknown/unknown';

export interface Tree {
  top: Manifest;
  manifests: Manifest[];
  blobs: Blob[];
  platforms: string[];
  layers: number;
  configDigests: string[];
}

class Absent extends Error {
  constructor(
    readonly path: string,
    readonly listedIn: string,
  ) {
    super(path);
  }
}

export class TreeReader {
  readonly warnings: string[] = [];

  constructor(private readonly index: TarIndex) {}

  /** `parent` is the entry that lists `d`; `required` is false below an index. */
  async read(d: Descriptor, parent: string, required: boolean): Promise<Tree | undefined> {
    try {
      return await this.readNode(d, parent);
    } catch (err) {
      if (!(err instanceof Absent)) throw err;
      if (required) throw new LoadError(this.index.file, `listed in ${err.listedIn} but missing from the archive`, err.path);
      const platform = d.platform ? `platform ${formatPlatform(d.platform)} ` : '';
      this.warnings.push(`${this.index.file}: ${parent}: ${platform}${d.digest} is not served: ${err.path} is missing`);
      return undefined;
    }
  }

  private async readNode(d: Descriptor, parent: string): Promise<Tree> {
    const path = this.blobSource(d, parent).path;
    const bytes = await this.index.readBytes(path);
    const json = this.index.parseJSON(path, bytes);
    const manifest: Manifest = { digest: d.digest, mediaType: d.mediaType, bytes, origin: 'stored' };
    if (isObject(json) && typeof json['artifactType'] === 'string') manifest.artifactType = json['artifactType'];
    if (isObject(json) && isObject(json['subject']) && typeof json['subject']['digest'] === 'string') {
      manifest.subject = json['subject']['digest'];
    }
    // The manifest's own annotations, as the referrers API lists them (not those of the descriptor).
    if (isObject(json) && isStringRecord(json['annotations'])) manifest.annotations = json['annotations'];
    return isIndex(d.mediaType) ? this.readIndex(manifest, path, json) : this.readManifest(manifest, d, path, json);
  }

  private async readIndex(manifest: Manifest, path: string, json: unknown): Promise<Tree> {
    manifest.manifests = parseManifestsList(this.index, path, json);
    const tree: Tree = { top: manifest, manifests: [manifest], blobs: [], platforms: [], layers: 0, configDigests: [] };
    for (const child of manifest.manifests) {
      if (!isIndex(child.mediaType) && !isManifest(child.mediaType)) continue;
      const sub = await this.read(child, path, false);
      if (!sub) continue;
      tree.manifests.push(...sub.manifests);
      tree.blobs.push(...sub.blobs);
      tree.platforms.push(...sub.platforms.filter((p) => !tree.platforms.includes(p)));
      tree.layers += sub.layers;
      tree.configDigests.push(...sub.configDigests);
    }
    return tree;
  }

  private async readManifest(manifest: Manifest, d: Descriptor, path: string, json: unknown): Promise<Tree> {
    if (!isObject(json) || !Array.isArray(json['layers'])) throw new LoadError(this.index.file, 'image manifest has no "layers" list', path);
    const config = parseDescriptor(this.index, path, json['config'], 'config');
    const layers = json['layers'].map((l, i) => parseDescriptor(this.index, path, l, `layers[${i}]`));
    const blobs = [config, ...layers].map((b) => this.blobSource(b, path));
    const platform = d.platform ?? (await this.configPlatform(config));
    if (platform) manifest.platform = platform;
    const platforms = platform && formatPlatform(platform) !== UNKNOWN_PLATFORM ? [formatPlatform(platform)] : [];
    return {
      top: manifest,
      manifests: [manifest],
      blobs: blobs.map((b) => b.blob),
      platforms,
      layers: layers.length,
      configDigests: [config.digest],
    };
  }

  private blobSource(d: Descriptor, parent: string): { path: string; blob: Blob } {
    const path = blobPath(d.digest);
    const entry = this.index.resolve(path);
    if (!entry) throw new Absent(path, parent);
    if (entry.size !== d.size) {
      throw new LoadError(this.index.file, `is ${entry.size} bytes but ${parent} says ${d.size}`, path);
    }
    return { path, blob: { digest: d.digest, size: d.size, source: this.index.source(path) } };
  }

  /** Image configs state their platform; other artifacts' configs do not. */
  private async configPlatform(config: Descriptor): Promise<Platform | undefined> {
    if (config.mediaType !== MediaType.ociConfig && config.mediaType !== MediaType.dockerConfig) return undefined;
    const path = blobPath(config.digest);
    const parsed = parseImageConfig(await this.index.readJSON(path));
    // cosign's signature configs state `"os": ""`: no platform, not "/".
    return typeof parsed === 'string' || parsed.platform.os === '' ? undefined : parsed.platform;
  }
}
