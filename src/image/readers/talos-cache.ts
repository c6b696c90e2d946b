// Talos' image cache (`talosctl images cache-create`), folder or tar (paths in ./talos-paths.ts).
// Each repository folder is read like an OCI layout whose manifests sit in its `digest/` folder
// and whose blobs sit in the shared `blob/`: a tag's manifest is the file `reference/<tag>`, its
// digest the sha256 of those bytes, and `digest/sha256-<hex>` must hold the same bytes (Talos'
// registryd checks this too). Manifests are served as stored. A manifest by digest that no tag
// reaches (an image cached by digest) is served untagged. An index lists every platform, but the
// cache holds only those cache-create was asked for (`--platform`, linux/amd64 by default): the
// others are not served, and one warning says so for the whole cache.
import { LoadError } from '../../load-error.js';
import { type Descriptor, MediaType, isIndex, isManifest } from '../../model.js';
import type { TarIndex } from '../../tar/index.js';
import { isObject } from '../config.js';
import { sha256Digest } from '../digest.js';
import { type ArchiveContents, type FoundImage, totalSize } from '../found.js';
import { type ImageName, parseImageName } from '../names.js';
import { type Tree, TreeReader } from './oci-tree.js';
import { type CacheEntry, cachePaths, folderPath, isInManifests, parseCacheEntry, referenceOf, tagPath } from './talos-paths.js';

interface RepositoryFolder {
  tags: string[];
  digests: string[];
}

export async function readTalosCache(index: TarIndex): Promise<ArchiveContents> {
  const warnings: string[] = [];
  const images: FoundImage[] = [];
  const missing = new Set<string>();
  let indexes = 0;
  for (const [folder, contents] of repositoryFolders(index, warnings)) {
    const reader = new TreeReader(index, cachePaths(folder));
    const tagged = await readTagged(index, reader, folder, contents, warnings);
    images.push(...tagged, ...(await readUntagged(index, reader, folder, contents, tagged, warnings)));
    for (const a of reader.absent) missing.add(a.platform ?? a.digest);
    indexes += new Set(reader.absent.map((a) => a.parent)).size;
  }
  if (missing.size > 0) {
    const lists = indexes === 1 ? '1 image index lists' : `${indexes} image indexes list`;
    const what = [...missing].sort().join(', ');
    warnings.push(`${index.file}: ${lists} platforms the cache does not hold (${what}; cache-create keeps only its --platform, linux/amd64 by default): not served`);
  }
  return { images, warnings };
}

/** Files under `manifests/` grouped by repository folder, in name order; others are reported. */
function repositoryFolders(index: TarIndex, warnings: string[]): Map<string, RepositoryFolder> {
  const folders = new Map<string, RepositoryFolder>();
  for (const name of [...index.entries.keys()].sort()) {
    if (!isInManifests(name) || index.resolve(name) === undefined) continue;
    const entry: CacheEntry | undefined = parseCacheEntry(name);
    if (!entry) {
      warnings.push(`${index.file}: ${name}: not where a Talos image cache keeps manifests; ignored`);
      continue;
    }
    let folder = folders.get(entry.repository);
    if (!folder) folders.set(entry.repository, (folder = { tags: [], digests: [] }));
    if (entry.kind === 'tag') folder.tags.push(entry.tag);
    else folder.digests.push(entry.digest);
  }
  return folders;
}

/** One image per manifest digest the tags name, with every tag naming it. */
async function readTagged(index: TarIndex, reader: TreeReader, folder: string, contents: RepositoryFolder, warnings: string[]): Promise<FoundImage[]> {
  const byDigest = new Map<string, FoundImage>();
  for (const tag of contents.tags) {
    const path = tagPath(folder, tag);
    const bytes = await index.readBytes(path);
    const d = describe(index, path, bytes, sha256Digest(bytes), warnings);
    if (!d) continue;
    const name = repositoryName(index, path, folder, tag);
    let image = byDigest.get(d.digest);
    if (!image) {
      const tree = (await reader.read(d, path, true))!;
      if (!tree.top.bytes.equals(bytes)) throw new LoadError(index.file, `differs from ${cachePaths(folder).manifest(d.digest)}, which must hold the same bytes`, path);
      byDigest.set(d.digest, (image = toImage(tree)));
    }
    image.names.push(name);
  }
  return [...byDigest.values()];
}

/** Manifests by digest that no tag of the folder reaches and no other such manifest lists: untagged images. */
async function readUntagged(index: TarIndex, reader: TreeReader, folder: string, contents: RepositoryFolder, tagged: FoundImage[], warnings: string[]): Promise<FoundImage[]> {
  const reached = new Set(tagged.flatMap((image) => image.manifests.map((m) => m.digest)));
  const trees: Tree[] = [];
  for (const digest of contents.digests) {
    if (reached.has(digest)) continue;
    const path = cachePaths(folder).manifest(digest);
    const bytes = await index.readBytes(path);
    const d = describe(index, path, bytes, digest, warnings);
    if (d) trees.push((await reader.read(d, path, true))!);
  }
  const listed = new Set(trees.flatMap((t) => t.manifests.slice(1).map((m) => m.digest)));
  const name = repositoryName(index, folderPath(folder), folder);
  return trees.filter((t) => !listed.has(t.top.digest)).map((t) => ({ ...toImage(t), names: [name] }));
}

/** The descriptor of stored manifest bytes; undefined (and a warning) for what is not served. */
function describe(index: TarIndex, path: string, bytes: Buffer, digest: string, warnings: string[]): Descriptor | undefined {
  const mediaType = mediaTypeOf(index.parseJSON(path, bytes));
  if (mediaType === undefined) throw new LoadError(index.file, 'is neither an image manifest nor an index', path);
  if (!isIndex(mediaType) && !isManifest(mediaType)) {
    warnings.push(`${index.file}: ${path}: media type ${mediaType} is not served`);
    return undefined;
  }
  return { mediaType, digest, size: bytes.length };
}

/** The stated media type, else what the shape says (OCI allows omitting it; registryd infers it the same way). */
function mediaTypeOf(json: unknown): string | undefined {
  if (!isObject(json)) return undefined;
  if (typeof json['mediaType'] === 'string') return json['mediaType'];
  if (json['manifests'] !== undefined) return MediaType.ociIndex;
  if (json['layers'] !== undefined || json['config'] !== undefined) return MediaType.ociManifest;
  return undefined;
}

function repositoryName(index: TarIndex, path: string, folder: string, tag?: string): ImageName {
  const ref = referenceOf(folder);
  try {
    const name = parseImageName(tag === undefined ? ref : `${ref}:${tag}`);
    if (name.digest !== undefined) throw new Error(`"${ref}" is not a repository`);
    return name;
  } catch (err) {
    throw new LoadError(index.file, (err as Error).message, path);
  }
}

function toImage(tree: Tree): FoundImage {
  return { top: tree.top, manifests: tree.manifests, blobs: tree.blobs, names: [], bareTags: [], platforms: tree.platforms, layers: tree.layers, size: totalSize(tree.blobs) };
}
