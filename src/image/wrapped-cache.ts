// Talos' image cache as `talosctl images cache-create` writes it by default (`--layout oci`): an OCI
// layout holding one image, whose one layer is the flat cache (siderolabs/talos
// pkg/imager/cache/cache.go `Generate`: an empty OCI image, config application/vnd.oci.image.config.v1+json,
// one layer from pkg/imager/filemap — a tar of `blob/` and `manifests/` in name order, gzipped by
// go-containerregistry as application/vnd.oci.image.layer.v1.tar+gzip; index.json lists it with a
// platform and no name). The images served are those of the cache inside, not the wrapper: its
// layer is opened as an archive (decoded once into temporary space, or indexed in place if plain).
// The same image pushed to a registry (`crane push ./image-cache.oci …`) and pulled back as a crane
// tarball (`crane pull`, a `manifest.json` archive) is recognised the same way.
import { constants, gunzipSync } from 'node:zlib';
import { type Descriptor, MediaType } from '../model.js';
import { CACHE_BLOBS, CACHE_MANIFESTS } from '../source/inputs.js';
import { type ArchiveOptions, openNestedArchive } from '../tar/archive.js';
import { BLOCK, decodeHeader } from '../tar/header.js';
import type { TarIndex } from '../tar/index.js';
import { normalizeEntryName } from '../tar/paths.js';
import { isObject } from './config.js';
import { blobPath } from './digest.js';
import { parseDescriptor, parseManifestsList } from './readers/descriptor.js';
import { parseManifestList } from './readers/manifest-json.js';
import { MANIFEST_JSON } from './readers/docker-archive.js';
import { INDEX_JSON } from './readers/oci-layout.js';

/** Compressed bytes read to see the layer's first tar header (a gzip header and one block). */
const PEEK = 16 * 1024;
const GZIP_MAGIC = Buffer.from([0x1f, 0x8b]);
const LAYER_TYPES = new Set<string>([MediaType.ociLayerGzip, MediaType.ociLayer, MediaType.dockerLayerGzip]);
/** The first entries of the cache's tar, in filemap's name order. */
const CACHE_ROOTS = [CACHE_BLOBS, CACHE_MANIFESTS];

/** The flat cache inside `layout`'s one image, opened as an archive; undefined when it is no Talos cache image. */
export async function openWrappedCache(layout: TarIndex, options: ArchiveOptions = {}): Promise<TarIndex | undefined> {
  const layer = await cacheLayer(layout);
  return layer === undefined ? undefined : openIfCache(layout, blobPath(layer.digest), options);
}

/** The same for a `manifest.json` archive (a crane tarball of the cache image). */
export async function openWrappedCacheTarball(archive: TarIndex, options: ArchiveOptions = {}): Promise<TarIndex | undefined> {
  const items = parseManifestList(archive, await archive.readJSON(MANIFEST_JSON));
  const [item] = items;
  if (items.length !== 1 || item?.layers.length !== 1 || !archive.has(item.layers[0]!)) return undefined;
  return openIfCache(archive, item.layers[0]!, options);
}

/** Opens the layer entry `path` as an archive when its first tar entry is the cache's. */
async function openIfCache(index: TarIndex, path: string, options: ArchiveOptions): Promise<TarIndex | undefined> {
  const head = await index.readHead(path, PEEK);
  if (!isCacheTar(head.subarray(0, GZIP_MAGIC.length).equals(GZIP_MAGIC) ? gunzipHead(head) : head)) return undefined;
  const source = index.source(path);
  return openNestedArchive(source.path, { offset: source.offset, size: source.size }, `${index.file} (${path}, the image cache layer)`, options);
}

/** The layer of index.json's only image when that image is shaped as cache-create makes it. */
async function cacheLayer(layout: TarIndex): Promise<Descriptor | undefined> {
  const listed = parseManifestsList(layout, INDEX_JSON, await layout.readJSON(INDEX_JSON));
  const [image] = listed;
  if (listed.length !== 1 || image?.mediaType !== MediaType.ociManifest || !layout.has(blobPath(image.digest))) return undefined;
  const manifestPath = blobPath(image.digest);
  const json = await layout.readJSON(manifestPath);
  if (!isObject(json) || !Array.isArray(json['layers']) || json['layers'].length !== 1) return undefined;
  const config = parseDescriptor(layout, manifestPath, json['config'], 'config');
  const layer = parseDescriptor(layout, manifestPath, json['layers'][0], 'layers[0]');
  if (config.mediaType !== MediaType.ociConfig || !LAYER_TYPES.has(layer.mediaType)) return undefined;
  // A layer that is absent or of another size is left to the layout reader, which says so.
  if (layout.resolve(blobPath(layer.digest))?.size !== layer.size) return undefined;
  return layer;
}

/** True when the layer's first tar entry is the cache's `blob/` or `manifests/` folder (or in it). */
function isCacheTar(head: Buffer): boolean {
  if (head.length < BLOCK) return false;
  try {
    const name = normalizeEntryName(decodeHeader(head.subarray(0, BLOCK)).name);
    return CACHE_ROOTS.some((root) => name === root || name.startsWith(`${root}/`));
  } catch {
    return false;
  }
}

/**
 * The first decoded block of gzip bytes that may be cut short or damaged further on: what a longer
 * and longer prefix decodes to, flushed as far as it goes, until a block is reached; at damage, what
 * the longest prefix before it decodes to (found by halving). So what precedes damage is seen, and
 * whether the whole layer decodes is found when it is decoded. Synchronous: zlib's streams run in
 * libuv's thread pool, which a start (a crane tarball of one gzip layer is sniffed here) would
 * otherwise start for this alone.
 */
function gunzipHead(bytes: Buffer): Buffer {
  const decode = (length: number): Buffer | undefined => {
    try {
      return gunzipSync(bytes.subarray(0, length), { finishFlush: constants.Z_SYNC_FLUSH });
    } catch {
      return undefined;
    }
  };
  let head: Buffer = Buffer.alloc(0);
  let good = 0;
  let bad = 0;
  for (let length = Math.min(1024, bytes.length); ; length = Math.min(length * 2, bytes.length)) {
    const decoded = decode(length);
    if (decoded === undefined) {
      bad = length;
      break;
    }
    [head, good] = [decoded, length];
    if (decoded.length >= BLOCK || length === bytes.length) return decoded;
  }
  while (bad - good > 1) {
    const middle = (good + bad) >> 1;
    const decoded = decode(middle);
    if (decoded === undefined) bad = middle;
    else [head, good] = [decoded, middle];
  }
  return head;
}
