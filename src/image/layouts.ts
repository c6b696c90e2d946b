// Where an archive's images are described: its root (`manifest.json`, an OCI layout, or both as
// Docker 25+ and `regctl image export` write them, or Talos' flat image cache) and every OCI layout
// in a folder of it (a Zarf package's `images/`, a layout or a hauler store tarred with its folder). A layout that is
// Talos' cache image serves the cache inside its layer (./wrapped-cache.ts). Each layout is read on its own, its
// blobs relative to it, and handed to the model builder as its own part, so a tag two layouts
// claim is reported naming both.
import type { ArchiveOptions } from '../tar/archive.js';
import type { TarIndex } from '../tar/index.js';
import { detectFormat } from './detect.js';
import type { ArchiveContents } from './found.js';
import { MANIFEST_JSON, readDockerArchive } from './readers/docker-archive.js';
import { HAULER_INDEX_JSON, isHaulerIndex } from './readers/hauler.js';
import { INDEX_JSON, OCI_LAYOUT, readOciLayout } from './readers/oci-layout.js';
import { readTalosCache } from './readers/talos-cache.js';
import { looksLikeTalosCache } from './readers/talos-paths.js';
import { openWrappedCache, openWrappedCacheTarball } from './wrapped-cache.js';

/** Zarf's package definition, beside the `images/` layout (zarf-dev/zarf, src/config/config.go). */
const ZARF_YAML = 'zarf.yaml';

export interface ArchivePart {
  /** The archive, or the archive and the layout's folder, for messages and `inspect`. */
  file: string;
  contents: ArchiveContents;
}

export async function readArchive(index: TarIndex, options: ArchiveOptions = {}): Promise<ArchivePart[]> {
  const nested = await nestedLayouts(index);
  const parts: ArchivePart[] = [];
  if (nested.length === 0 && !index.has(INDEX_JSON) && !index.has(MANIFEST_JSON) && looksLikeTalosCache(index.entries.keys())) {
    return [{ file: index.file, contents: await readTalosCache(index) }];
  }
  if (nested.length === 0 || index.has(INDEX_JSON) || index.has(MANIFEST_JSON)) {
    const format = detectFormat(index);
    parts.push(format === 'oci-layout' ? await readLayout(index, false, options) : await readManifestJson(index, options));
  }
  for (const prefix of nested) {
    const view = index.subtree(prefix, `${index.file} (layout ${prefix})`);
    parts.push(await readLayout(view, index.has(parentOf(prefix) + ZARF_YAML), options));
  }
  return parts;
}

/** An OCI layout's images, or those of the Talos image cache it wraps. */
async function readLayout(layout: TarIndex, zarf: boolean, options: ArchiveOptions): Promise<ArchivePart> {
  const cache = await openWrappedCache(layout, options);
  if (cache) return { file: cache.file, contents: await readTalosCache(cache) };
  return { file: layout.file, contents: await readOciLayout(layout, { zarf }) };
}

/** A `manifest.json` archive's images, or those of the Talos image cache it wraps. */
async function readManifestJson(archive: TarIndex, options: ArchiveOptions): Promise<ArchivePart> {
  const cache = await openWrappedCacheTarball(archive, options);
  if (cache) return { file: cache.file, contents: await readTalosCache(cache) };
  return { file: archive.file, contents: await readDockerArchive(archive) };
}

/**
 * Folders below the root holding an OCI layout, as `dir/`, sorted: `oci-layout` beside `index.json`,
 * or a hauler store tarred with its folder (hauler never writes `oci-layout`): its
 * `hauler-index.json`, or an `index.json` whose descriptors carry hauler's annotations. Any other
 * folder with an `index.json` is not a layout, as before.
 */
export async function nestedLayouts(index: TarIndex): Promise<string[]> {
  const prefixes = new Set<string>();
  for (const name of index.entries.keys()) {
    const slash = name.lastIndexOf('/');
    if (slash < 0 || !index.has(name)) continue;
    const prefix = name.slice(0, slash + 1);
    const base = name.slice(slash + 1);
    if (base === OCI_LAYOUT && index.has(prefix + INDEX_JSON)) prefixes.add(prefix);
    else if (base === HAULER_INDEX_JSON) prefixes.add(prefix);
    else if (base === INDEX_JSON && !index.has(prefix + OCI_LAYOUT) && (await holdsHaulerIndex(index, name))) prefixes.add(prefix);
  }
  return [...prefixes].sort();
}

/** Whether entry `name` is an index.json hauler wrote; one that does not parse is not (it stays unread, as before). */
async function holdsHaulerIndex(index: TarIndex, name: string): Promise<boolean> {
  try {
    return isHaulerIndex(await index.readJSON(name));
  } catch {
    return false;
  }
}

function parentOf(prefix: string): string {
  const slash = prefix.lastIndexOf('/', prefix.length - 2);
  return slash < 0 ? '' : prefix.slice(0, slash + 1);
}
