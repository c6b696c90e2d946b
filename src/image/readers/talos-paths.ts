// Where Talos' image cache keeps what (siderolabs/talos pkg/imager/cache/cache.go, as its registryd
// reads it back in internal/app/machined/pkg/system/services/registry/registry.go):
//   manifests/<registry>/<repository>/reference/<tag>        the manifest a tag names, as fetched
//   manifests/<registry>/<repository>/digest/sha256-<hex>    every manifest and index, by digest
//   blob/sha256-<hex>                                         configs and layers of every image
// `<registry>` is the host the image was pulled from (`docker.io` for Docker Hub, unless the
// reference said `index.docker.io`), a port written `host_5000_` so the cache fits on vfat.
import { CACHE_BLOBS, CACHE_MANIFESTS } from '../../source/inputs.js';
import type { BlobPaths } from './oci-node.js';

const MANIFESTS = `${CACHE_MANIFESTS}/`;
const REFERENCE = 'reference';
const DIGEST = 'digest';
const DIGEST_FILE = /^sha256-[a-f0-9]{64}$/;
const PORT = /^([^_]+)_([0-9]+)_$/;

/** One file under `manifests/`: a tag or a digest of one repository folder. */
export type CacheEntry = { repository: string; kind: 'tag'; tag: string } | { repository: string; kind: 'digest'; digest: string };

/** What a file under `manifests/` is; undefined for a name Talos does not write. */
export function parseCacheEntry(name: string): CacheEntry | undefined {
  if (!name.startsWith(MANIFESTS)) return undefined;
  const parts = name.slice(MANIFESTS.length).split('/');
  const [last, kind] = [parts.pop(), parts.pop()];
  if (last === undefined || parts.length < 2) return undefined;
  const repository = parts.join('/');
  if (kind === REFERENCE) return { repository, kind: 'tag', tag: last };
  if (kind === DIGEST && DIGEST_FILE.test(last)) return { repository, kind: 'digest', digest: last.replace('-', ':') };
  return undefined;
}

/** `docker.io/library/x` → `docker.io/library/x`; `localhost_5000_/x` → `localhost:5000/x` (registry.go's createRegistryWithPort). */
export function referenceOf(repositoryFolder: string): string {
  const slash = repositoryFolder.indexOf('/');
  const host = repositoryFolder.slice(0, slash);
  return host.replace(PORT, '$1:$2') + repositoryFolder.slice(slash);
}

/** True for a file in the cache's `manifests/` folder. */
export function isInManifests(name: string): boolean {
  return name.startsWith(MANIFESTS);
}

/** A repository's folder, as messages name it: `manifests/<registry>/<repository>`. */
export function folderPath(repositoryFolder: string): string {
  return MANIFESTS + repositoryFolder;
}

export function tagPath(repositoryFolder: string, tag: string): string {
  return `${MANIFESTS}${repositoryFolder}/${REFERENCE}/${tag}`;
}

/** Manifests by digest in the repository's folder; configs and layers in the shared `blob/`. */
export function cachePaths(repositoryFolder: string): BlobPaths {
  const file = (digest: string) => digest.replace(':', '-');
  return {
    manifest: (digest) => `${MANIFESTS}${repositoryFolder}/${DIGEST}/${file(digest)}`,
    blob: (digest) => `${CACHE_BLOBS}/${file(digest)}`,
  };
}

/** True when the index holds at least one manifest file where Talos' cache puts them. */
export function looksLikeTalosCache(names: Iterable<string>): boolean {
  for (const name of names) if (parseCacheEntry(name) !== undefined) return true;
  return false;
}
