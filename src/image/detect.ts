// Tells an archive's format from the entries it holds; never from the file name.
import { LoadError } from '../load-error.js';
import type { TarIndex } from '../tar/index.js';
import { MANIFEST_JSON } from './readers/docker-archive.js';
import { INDEX_JSON, OCI_LAYOUT } from './readers/oci-layout.js';

/**
 * `oci-layout`: an OCI image layout (oci-archive, buildkit, crane --format=oci), including Docker 25+
 * `docker save`, whose `manifest.json` is then only a source of extra names.
 * `docker-archive`: `manifest.json` alone (crane tarball, docker save before 25, podman/skopeo).
 */
export type ArchiveFormat = 'oci-layout' | 'docker-archive';

export function detectFormat(index: TarIndex): ArchiveFormat {
  if (index.has(INDEX_JSON)) {
    if (!index.has(OCI_LAYOUT)) throw new LoadError(index.file, `has ${INDEX_JSON} but no ${OCI_LAYOUT} file: not an OCI image layout`);
    return 'oci-layout';
  }
  if (index.has(MANIFEST_JSON)) return 'docker-archive';
  throw new LoadError(index.file, `neither ${MANIFEST_JSON} nor ${INDEX_JSON} found: not an image archive`);
}
