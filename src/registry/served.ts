// Everything the handlers look up, computed once at start-up from the image model: per-digest
// headers, the blob table (manifests included, since containerd retries them on /blobs/), the
// referrers of each subject and the sorted catalog. Requests only read these maps.
import { type Descriptor, type ImageModel, type Manifest, type Platform, type Refusal, type Repository, type Source } from '../model.js';
import { preferredOf } from '../image/names.js';
import { RegistryError } from './errors.js';
import { completeHeaders, ContentType, etagOf, Header, IMMUTABLE } from './headers.js';

export interface ServedManifest {
  manifest: Manifest;
  headers: Record<string, string>;
  /** `headers` plus the common headers and Content-Length: the whole set for 200 and HEAD. */
  complete: Record<string, string>;
}

export interface ServedBlob {
  digest: string;
  size: number;
  source: Source;
  headers: Record<string, string>;
  /** The whole set of headers for the whole blob (200 and HEAD). */
  complete: Record<string, string>;
}

export interface Served {
  model: ImageModel;
  platform: Platform;
  manifests: Map<string, ServedManifest>;
  blobs: Map<string, ServedBlob>;
  referrers: Map<string, Descriptor[]>;
  names: string[];
  /** Digests (manifests and blobs) a signature policy refused, and why (docs/design/snapshot.md). */
  refused: ReadonlyMap<string, Refusal>;
}

const NOTHING_REFUSED: ReadonlyMap<string, Refusal> = new Map();

export const DEFAULT_PLATFORM: Platform = { os: 'linux', architecture: 'amd64' };

export function buildServed(model: ImageModel, platform: Platform = DEFAULT_PLATFORM): Served {
  const manifests = new Map<string, ServedManifest>();
  const blobs = new Map<string, ServedBlob>();
  for (const blob of model.blobs.values()) blobs.set(blob.digest, servedBlob(blob.digest, blob.size, blob.source));
  for (const manifest of model.manifests.values()) {
    const headers = manifestHeaders(manifest);
    manifests.set(manifest.digest, { manifest, headers, complete: completeHeaders(headers, manifest.bytes.length) });
    // On /blobs/ too a manifest keeps its media type: containerd may resolve a digest there and
    // records the Content-Type as the manifest's type (containerd issue 7390).
    const stored = blobs.get(manifest.digest);
    const source: Source = stored?.source ?? { kind: 'memory', bytes: manifest.bytes };
    blobs.set(manifest.digest, servedBlob(manifest.digest, stored?.size ?? manifest.bytes.length, source, manifest.mediaType));
  }
  const refused = model.refused ?? NOTHING_REFUSED;
  const untagged = servedUntagged(model);
  // Names that carry their registry are for pulls; the catalog lists each repository as archives name it.
  const names = [...model.repositories]
    .filter(([name, list]) => list.some((r) => !r.qualified) && hasServedImage(model, name, untagged))
    .map(([name]) => name)
    .sort();
  return { model, platform, manifests, blobs, referrers: collectReferrers(model, refused), names, refused };
}

/** Under a policy, a repository whose every image is refused is left out of the catalog. */
function hasServedImage(model: ImageModel, name: string, untagged: Set<string>): boolean {
  return model.refused === undefined || untagged.has(name) || model.repositories.get(name)!.some((r) => r.tags.size > 0);
}

/** Names of served images the archive gives no tag (pulled by digest). */
function servedUntagged(model: ImageModel): Set<string> {
  const names = new Set<string>();
  for (const r of model.images) if (r.tag === undefined && !model.refused?.has(r.digest)) for (const n of [r.repository, ...r.aliases]) names.add(n);
  return names;
}

/** 403 DENIED with the policy's reason, when a signature policy refused this digest. */
export function requireNotRefused(served: Served, name: string, digest: string): void {
  const refusal = served.refused.get(digest);
  if (refusal !== undefined) throw deniedError(name, digest, refusal);
}

export function deniedError(name: string, reference: string, refusal: Refusal): RegistryError {
  return new RegistryError('DENIED', { name, reference, reason: refusal.reason }, refusal.message);
}

function manifestHeaders(m: Manifest): Record<string, string> {
  return { [Header.contentType]: m.mediaType, [Header.digest]: m.digest, [Header.etag]: etagOf(m.digest) };
}

function servedBlob(digest: string, size: number, source: Source, mediaType: string = ContentType.octetStream): ServedBlob {
  const headers = {
    [Header.contentType]: mediaType,
    [Header.digest]: digest,
    [Header.etag]: etagOf(digest),
    [Header.acceptRanges]: 'bytes',
    [Header.cacheControl]: IMMUTABLE,
  };
  return { digest, size, source, headers, complete: completeHeaders(headers, size) };
}

function collectReferrers(model: ImageModel, refused: ReadonlyMap<string, Refusal>): Map<string, Descriptor[]> {
  const referrers = new Map<string, Descriptor[]>();
  for (const m of model.manifests.values()) {
    if (m.subject === undefined || refused.has(m.digest)) continue;
    const d: Descriptor = { mediaType: m.mediaType, digest: m.digest, size: m.bytes.length };
    if (m.artifactType !== undefined) d.artifactType = m.artifactType;
    if (m.annotations !== undefined) d.annotations = m.annotations;
    const list = referrers.get(m.subject) ?? [];
    list.push(d);
    referrers.set(m.subject, list);
  }
  return referrers;
}

/**
 * The repository a request names. `ns` is containerd's mirror parameter: the registry the client
 * meant. When it names none of ours the name is unknown, so a mirror never serves another
 * registry's image under a borrowed name. A name may carry its registry instead (`ghcr.io/org/app`,
 * how podman and CRI-O ask through configure's mirrors); without either, Docker Hub's is preferred
 * (src/image/names.ts).
 */
export function resolveRepository(served: Served, name: string, ns?: string): Repository {
  const candidates = served.model.repositories.get(name) ?? [];
  const chosen = ns !== undefined ? candidates.find((r) => r.registry === ns) : preferredOf(candidates);
  if (chosen === undefined) throw new RegistryError('NAME_UNKNOWN', { name, ...(ns !== undefined && { ns }) });
  return chosen;
}

/** Digests are content-addressed: any known repository name may serve any known digest. */
export function requireKnownName(served: Served, name: string): void {
  if (!served.model.repositories.has(name)) throw new RegistryError('NAME_UNKNOWN', { name });
}

/** The child of an index for the configured platform, when the archive holds it. */
export function resolvePlatformChild(served: Served, index: Manifest): ServedManifest | undefined {
  const child = index.manifests?.find((d) => d.platform !== undefined && platformMatches(d.platform, served.platform));
  return child === undefined || served.refused.has(child.digest) ? undefined : served.manifests.get(child.digest);
}

/** `linux/arm64` matches any arm64 variant; `linux/arm/v7` only v7. */
export function platformMatches(p: Platform, wanted: Platform): boolean {
  if (p.os !== wanted.os || p.architecture !== wanted.architecture) return false;
  return wanted.variant === undefined || p.variant === wanted.variant;
}

export function parsePlatform(text: string): Platform {
  const [os = '', architecture = '', variant] = text.split('/');
  if (os === '' || architecture === '') throw new Error(`invalid platform "${text}" (expected os/arch[/variant])`);
  return variant === undefined || variant === '' ? { os, architecture } : { os, architecture, variant };
}
