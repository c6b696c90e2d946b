// Image names the way docker normalises them (distribution/reference's ParseNormalizedNamed):
// `registry:2.8.1` and `docker.io/library/registry:2.8.1` both mean registry `docker.io`,
// repository `library/registry`, tag `2.8.1`; the short form `registry` is served as an alias.

import { NAME_MAX, isDomain, isRepositoryName, isTag } from '../reference.js';

const DEFAULT_REGISTRY = 'docker.io';
export const LEGACY_DEFAULT_REGISTRIES = new Set(['index.docker.io', 'registry-1.docker.io']);
const OFFICIAL_PREFIX = 'library/';

const DIGEST = /^[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[a-zA-Z0-9=_-]{32,}$/;
const ARCHIVE_EXTENSIONS = /(\.(tar|gz|tgz|oci|zst|xz))+$/i;

export interface ImageName {
  registry: string;
  repository: string;
  tag?: string;
  digest?: string;
}

/** Parses a full or short image reference; throws an Error with a readable message when invalid. */
export function parseImageName(ref: string): ImageName {
  const [rest, digest] = splitOnce(ref, '@');
  if (digest !== undefined && !DIGEST.test(digest)) throw new Error(`invalid digest in image name "${ref}"`);
  const slash = rest.lastIndexOf('/');
  const colon = rest.lastIndexOf(':');
  const hasTag = colon > slash;
  const path = hasTag ? rest.slice(0, colon) : rest;
  const tag = hasTag ? rest.slice(colon + 1) : undefined;
  if (tag !== undefined && !isTag(tag)) throw new Error(`invalid tag in image name "${ref}"`);
  // distribution/reference: the name with its registry part is at most 255 characters.
  if (path.length > NAME_MAX) throw new Error(`image name longer than ${NAME_MAX} characters: "${ref}"`);
  const { registry, repository } = splitRegistry(path);
  // Docker Hub's name needs no check: one regular expression fewer to compile at start.
  if (registry !== DEFAULT_REGISTRY && !isDomain(registry)) throw new Error(`invalid registry "${registry}" in image name "${ref}"`);
  if (!isRepositoryName(repository)) throw new Error(`invalid repository in image name "${ref}"`);
  const name: ImageName = { registry, repository };
  if (tag !== undefined) name.tag = tag;
  if (digest !== undefined) name.digest = digest;
  return name;
}

/**
 * The registry a request without one means (`/v2/org/app/...` with no `?ns=`): Docker Hub, because
 * dockerd's mirror requests (registry-mirrors mirrors only Docker Hub) carry no registry at all.
 */
export const PREFERRED_REGISTRY = DEFAULT_REGISTRY;

/** Of the repositories sharing one served name, the one a request naming no registry gets. */
export function preferredOf<T extends { registry: string }>(candidates: readonly T[]): T | undefined {
  return candidates.find((r) => r.registry === PREFERRED_REGISTRY) ?? candidates[0];
}

/**
 * The registry as the first component of a served name (`ghcr.io/org/app`), so a client that cannot
 * send containerd's `?ns=` (podman and CRI-O through a mirror `location = "SEED/ghcr.io"`, a person
 * typing a pull line) still names the registry it means. Only for a registry that is itself a valid
 * path component: a host with a port (`reg.lan:5000`) or an IPv6 address cannot be one.
 */
export function registryPrefix(registry: string): string | undefined {
  return isRepositoryName(registry) ? registry : undefined;
}

/** Names that carry the registry: `ghcr.io/org/app`; on docker.io `docker.io/library/x` and `docker.io/x`. */
export function qualifiedNamesOf(registry: string, repository: string): string[] {
  const prefix = registryPrefix(registry);
  if (prefix === undefined) return [];
  return [repository, ...aliasesOf(registry, repository)].map((name) => `${prefix}/${name}`);
}

/** Other names a repository is served under: `library/x` on docker.io is also `x`. */
export function aliasesOf(registry: string, repository: string): string[] {
  if (registry !== DEFAULT_REGISTRY || !repository.startsWith(OFFICIAL_PREFIX)) return [];
  const short = repository.slice(OFFICIAL_PREFIX.length);
  return short.includes('/') ? [] : [short];
}

/**
 * The repository for images whose archive names no repository (an OCI `ref.name` that is only a tag,
 * or no name at all): the `--repository` option when given, else the tar file's base name without
 * its archive extensions (.tar .gz .tgz .oci .zst .xz), lowercased, with every run of characters
 * outside [a-z0-9] turned into one `-`. `Build_Output.v2.oci.tar.gz` → `build-output-v2`; a name left
 * empty becomes `image`.
 */
export function repositoryFromFile(tarPath: string): string {
  const base = tarPath.replace(/[\\/]+$/, '').split(/[\\/]/).pop() ?? '';
  const stem = base.replace(ARCHIVE_EXTENSIONS, '');
  const cleaned = stem
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, NAME_MAX);
  return cleaned === '' ? 'image' : cleaned;
}

function splitRegistry(path: string): { registry: string; repository: string } {
  const [first, remainder] = splitOnce(path, '/');
  const looksLikeHost = first.includes('.') || first.includes(':') || first === 'localhost' || first !== first.toLowerCase();
  if (remainder === undefined || !looksLikeHost) return { registry: DEFAULT_REGISTRY, repository: officialName(path) };
  const registry = LEGACY_DEFAULT_REGISTRIES.has(first) ? DEFAULT_REGISTRY : first;
  return { registry, repository: registry === DEFAULT_REGISTRY ? officialName(remainder) : remainder };
}

function officialName(path: string): string {
  return path.includes('/') ? path : OFFICIAL_PREFIX + path;
}

function splitOnce(s: string, sep: string): [string, string | undefined] {
  const i = s.indexOf(sep);
  return i < 0 ? [s, undefined] : [s.slice(0, i), s.slice(i + 1)];
}
