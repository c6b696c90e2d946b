// Where an archive's images are described: its root (`manifest.json`, an OCI layout, or both as
// Docker 25+ and `regctl image export` write them) and every OCI layout in a folder of it (a Zarf
// package's `images/`, a layout tarred with its folder). Each layout is read on its own, its
// blobs relative to it, and handed to the model builder as its own part, so a tag two layouts
// claim is reported naming both.
import type { TarIndex } from '../tar/index.js';
import { detectFormat } from './detect.js';
import type { ArchiveContents } from './found.js';
import { MANIFEST_JSON, readDockerArchive } from './readers/docker-archive.js';
import { INDEX_JSON, OCI_LAYOUT, readOciLayout } from './readers/oci-layout.js';

/** Zarf's package definition, beside the `images/` layout (zarf-dev/zarf, src/config/config.go). */
const ZARF_YAML = 'zarf.yaml';

export interface ArchivePart {
  /** The archive, or the archive and the layout's folder, for messages and `inspect`. */
  file: string;
  contents: ArchiveContents;
}

export async function readArchive(index: TarIndex): Promise<ArchivePart[]> {
  const nested = nestedLayouts(index);
  const parts: ArchivePart[] = [];
  if (nested.length === 0 || index.has(INDEX_JSON) || index.has(MANIFEST_JSON)) {
    const format = detectFormat(index);
    parts.push({ file: index.file, contents: format === 'oci-layout' ? await readOciLayout(index) : await readDockerArchive(index) });
  }
  for (const prefix of nested) {
    const view = index.subtree(prefix, `${index.file} (layout ${prefix})`);
    const zarf = index.has(parentOf(prefix) + ZARF_YAML);
    parts.push({ file: view.file, contents: await readOciLayout(view, { zarf }) });
  }
  return parts;
}

/** Folders below the root holding both `oci-layout` and `index.json`, as `dir/`, sorted. */
export function nestedLayouts(index: TarIndex): string[] {
  const prefixes: string[] = [];
  const suffix = `/${OCI_LAYOUT}`;
  for (const name of index.entries.keys()) {
    if (!name.endsWith(suffix)) continue;
    const prefix = name.slice(0, -OCI_LAYOUT.length);
    if (index.has(name) && index.has(prefix + INDEX_JSON)) prefixes.push(prefix);
  }
  return prefixes.sort();
}

function parentOf(prefix: string): string {
  const slash = prefix.lastIndexOf('/', prefix.length - 2);
  return slash < 0 ? '' : prefix.slice(0, slash + 1);
}
