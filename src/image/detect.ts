// Tells an archive's format from the entries it holds; never from the file name.
import { LoadError } from '../load-error.js';
import type { TarIndex } from '../tar/index.js';
import { MANIFEST_JSON } from './readers/docker-archive.js';
import { HAULER_INDEX_JSON } from './readers/hauler.js';
import { INDEX_JSON } from './readers/oci-layout.js';

/**
 * `oci-layout`: an OCI image layout (oci-archive, buildkit, crane --format=oci, hauler), including Docker 25+
 * `docker save`, whose `manifest.json` is then only a source of extra names.
 * `docker-archive`: `manifest.json` alone (crane tarball, docker save before 25, podman/skopeo).
 */
export type ArchiveFormat = 'oci-layout' | 'docker-archive';

export function detectFormat(index: TarIndex): ArchiveFormat {
  // Whether a layout without `oci-layout` is one (a hauler store) is for readOciLayout to tell.
  if (index.has(INDEX_JSON) || index.has(HAULER_INDEX_JSON)) return 'oci-layout';
  if (index.has(MANIFEST_JSON)) return 'docker-archive';
  throw new LoadError(index.file, `neither ${MANIFEST_JSON} nor ${INDEX_JSON} found: not an image archive`);
}
