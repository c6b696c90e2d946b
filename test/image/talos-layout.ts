// Talos' image cache as `talosctl images cache-create` writes it, built at test time: Talos is not
// in Debian, so the layout is taken from its source (siderolabs/talos, read at commit ad88231):
// - pkg/imager/cache/cache.go: `processImage` writes the manifest fetched by tag (an index for a
//   multi-arch image) to manifests/<registry>/<repository>/reference/<tag> and, under its digest, to
//   .../digest/sha256-<hex>; `cacheImage` writes the platform's manifest to digest/ and its config
//   and layers to blob/sha256-<hex>. `rewriteRegistry`: Docker Hub is `docker.io`, `host:5000` is
//   `host_5000_`. `Generate` with --layout flat moves that folder into place as it is; with the
//   default --layout oci it writes an OCI layout holding one image: an empty OCI config and one
//   layer, the folder as a tar (pkg/imager/filemap: entries in name order, folders included),
//   gzipped as application/vnd.oci.image.layer.v1.tar+gzip, listed in index.json with a platform.
// - internal/app/machined/pkg/system/services/registry/registry.go (registryd) reads it back.
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { type PackEntry, packTar } from '../helpers/pack.js';
import { hex, makeConfig, makeLayer, sha256 } from './archives.js';

export type Layer = ReturnType<typeof makeLayer>;
export type Described = { mediaType: string; digest: string; size: number; bytes: Buffer };
type Platform = { os: string; architecture: string; variant?: string };

const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
const OCI_INDEX = 'application/vnd.oci.image.index.v1+json';
const OCI_CONFIG = 'application/vnd.oci.image.config.v1+json';
const OCI_LAYER_GZIP = 'application/vnd.oci.image.layer.v1.tar+gzip';

/** A flat cache being written: files by their path from the cache folder. */
export class TalosCache {
  readonly files = new Map<string, Buffer>();

  /** Config and layers go to blob/; returns the image manifest (not yet in any repository). */
  image(layers: Layer[], platform: Platform = { os: 'linux', architecture: 'amd64' }, mediaType = OCI_MANIFEST): Described {
    return this.imageOf(makeConfig(layers.map((l) => l.diffId), platform as Record<string, string>), layers.map((l) => l.gzip), { manifestType: mediaType });
  }

  /** The same from a real image's config and (compressed) layers; Docker Hub serves Docker media types. */
  imageOf(configBytes: Buffer, layers: Buffer[], types: { manifestType?: string; configType?: string; layerType?: string } = {}): Described {
    const mediaType = types.manifestType ?? OCI_MANIFEST;
    const config = this.blob(configBytes);
    const body = {
      schemaVersion: 2,
      mediaType,
      config: { mediaType: types.configType ?? OCI_CONFIG, digest: config.digest, size: config.size },
      layers: layers.map((l) => ({ mediaType: types.layerType ?? OCI_LAYER_GZIP, ...this.blob(l) })),
    };
    return described(mediaType, Buffer.from(JSON.stringify(body, null, 2)));
  }

  /** An index listing `children` with their platforms, as a registry serves a multi-arch tag. */
  index(children: Array<{ manifest: Described; platform: Platform }>): Described {
    const manifests = children.map((c) => ({ mediaType: c.manifest.mediaType, digest: c.manifest.digest, size: c.manifest.size, platform: c.platform }));
    return described(OCI_INDEX, Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: OCI_INDEX, manifests })));
  }

  /** `processImage`: the tag's manifest (or index) by tag and by digest, plus `present` by digest. */
  tag(folder: string, tag: string, top: Described, present: Described[] = []): this {
    this.files.set(`manifests/${folder}/reference/${tag}`, top.bytes);
    for (const m of [top, ...present]) this.byDigest(folder, m);
    return this;
  }

  byDigest(folder: string, m: Described): this {
    this.files.set(`manifests/${folder}/digest/sha256-${hex(m.digest)}`, m.bytes);
    return this;
  }

  /** The folder's files in filemap's order (by path), folders first as their own entries. */
  entries(): PackEntry[] {
    const folders = new Set<string>();
    for (const name of this.files.keys()) {
      const parts = name.split('/');
      for (let i = 1; i < parts.length; i++) folders.add(parts.slice(0, i).join('/'));
    }
    const all: PackEntry[] = [...[...folders].map((name) => ({ name, type: 'directory' as const })), ...[...this.files].map(([name, data]) => ({ name, data }))];
    return all.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  private blob(bytes: Buffer): { digest: string; size: number } {
    const digest = sha256(bytes);
    this.files.set(`blob/sha256-${hex(digest)}`, bytes);
    return { digest, size: bytes.length };
  }
}

function described(mediaType: string, bytes: Buffer): Described {
  return { mediaType, digest: sha256(bytes), size: bytes.length, bytes };
}

async function cacheTar(cache: TalosCache, scratch: string): Promise<Buffer> {
  return readFile(await packTar(join(scratch, `cache-layer-${Math.random().toString(16).slice(2)}.tar`), cache.entries()));
}

/** The cache image pushed and pulled back with `crane pull` (a crane tarball: manifest.json, `<hex>.tar.gz`). */
export async function wrapAsCraneTarball(cache: TalosCache, scratch: string): Promise<PackEntry[]> {
  const tar = await cacheTar(cache, scratch);
  const layer = gzipSync(tar);
  const config = Buffer.from(JSON.stringify({ architecture: '', os: '', rootfs: { type: 'layers', diff_ids: [sha256(tar)] }, config: {} }));
  return [
    { name: sha256(config), data: config },
    { name: `${hex(sha256(layer))}.tar.gz`, data: layer },
    { name: 'manifest.json', data: [{ Config: sha256(config), RepoTags: ['my.registry/image-cache:my-cache'], Layers: [`${hex(sha256(layer))}.tar.gz`] }] },
  ];
}

/** `Generate` with --layout oci: the cache's tar as the one (gzipped) layer of one image in an OCI layout. */
export async function wrapAsOci(cache: TalosCache, scratch: string, gzip = true): Promise<PackEntry[]> {
  const tar = await cacheTar(cache, scratch);
  const layerBytes = gzip ? gzipSync(tar) : tar;
  const blobs = new Map<string, Buffer>();
  const put = (bytes: Buffer) => (blobs.set(sha256(bytes), bytes), { digest: sha256(bytes), size: bytes.length });
  const config = put(Buffer.from(JSON.stringify({ architecture: '', created: '2026-01-01T00:00:00Z', history: [{ created: '2026-01-01T00:00:00Z' }], os: '', rootfs: { type: 'layers', diff_ids: [sha256(tar)] }, config: {} })));
  const layer = { mediaType: gzip ? OCI_LAYER_GZIP : 'application/vnd.oci.image.layer.v1.tar', ...put(layerBytes) };
  const manifest = put(Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: OCI_MANIFEST, config: { mediaType: OCI_CONFIG, ...config }, layers: [layer] })));
  return [
    { name: 'oci-layout', data: { imageLayoutVersion: '1.0.0' } },
    { name: 'index.json', data: { schemaVersion: 2, mediaType: OCI_INDEX, manifests: [{ mediaType: OCI_MANIFEST, ...manifest, platform: { architecture: 'amd64', os: 'linux' } }] } },
    ...[...blobs].map(([digest, data]) => ({ name: `blobs/sha256/${hex(digest)}`, data })),
  ];
}

/** Writes pack entries as files and folders under `root` (the cache folder as Talos leaves it). */
export async function writeTree(root: string, entries: PackEntry[]): Promise<string> {
  for (const e of entries) {
    const path = join(root, e.name);
    if (e.type === 'directory') {
      await mkdir(path, { recursive: true });
      continue;
    }
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, Buffer.isBuffer(e.data) || typeof e.data === 'string' ? e.data : JSON.stringify(e.data));
  }
  return root;
}

/** A flat cache whose one image's layer is missing from blob/. */
export function cacheMissingBlob(): { entries: PackEntry[]; missing: string } {
  const cache = new TalosCache();
  const layer = makeLayer('talos');
  cache.tag('registry.k8s.io/pause', '3.10', cache.image([layer]));
  const missing = `blob/sha256-${hex(sha256(layer.gzip))}`;
  cache.files.delete(missing);
  return { entries: cache.entries(), missing };
}

/** The cache image with bytes flipped past the middle of its gzipped layer: its head still says "cache", the rest does not decode. */
export async function corruptCacheImage(scratch: string): Promise<PackEntry[]> {
  const cache = new TalosCache();
  for (let i = 0; i < 4; i++) cache.tag('ghcr.io/org/app', `${i}`, cache.image([makeLayer(`corrupt-${i}`)]));
  const entries = await wrapAsOci(cache, scratch);
  const index = entries.find((e) => e.name === 'index.json')!.data as { manifests: Array<{ digest: string }> };
  const manifest = JSON.parse(entries.find((e) => e.name === `blobs/sha256/${hex(index.manifests[0]!.digest)}`)!.data!.toString()) as { layers: Array<{ digest: string }> };
  const layer = entries.find((e) => e.name === `blobs/sha256/${hex(manifest.layers[0]!.digest)}`)!;
  const bytes = Buffer.from(layer.data as Buffer);
  for (let i = bytes.length >> 1; i < bytes.length - 20; i += 7) bytes[i] = bytes[i]! ^ 0xff;
  layer.data = bytes;
  return entries;
}
