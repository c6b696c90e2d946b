// HEAD|GET /v2/<name>/manifests/<tag|digest>
import { isIndex } from '../model.js';
import { acceptsIndex } from './accept.js';
import { RegistryError } from './errors.js';
import { etagOf } from './headers.js';
import { EMPTY, type Reply } from './reply.js';
import type { Route } from './request.js';
import { deniedError, requireKnownName, requireNotRefused, resolvePlatformChild, resolveRepository, type Served, type ServedManifest } from './served.js';

type ManifestRoute = Extract<Route, { kind: 'manifest' }>;

export function getManifest(served: Served, route: ManifestRoute): Reply {
  const found = resolveManifest(served, route);
  if (matchesETag(route.ifNoneMatch, found.manifest.digest)) {
    return { status: 304, headers: found.headers, body: EMPTY };
  }
  // Content-Type is the manifest's own media type: docker rejects a mismatch, containerd trusts it.
  return { status: 200, headers: found.complete, complete: true, body: { kind: 'bytes', bytes: found.manifest.bytes } };
}

function resolveManifest(served: Served, route: ManifestRoute): ServedManifest {
  if ('digest' in route.reference) {
    requireKnownName(served, route.name);
    requireNotRefused(served, route.name, route.reference.digest);
    const found = served.manifests.get(route.reference.digest);
    if (found === undefined) throw new RegistryError('MANIFEST_UNKNOWN', { name: route.name, digest: route.reference.digest });
    return found;
  }
  const repository = resolveRepository(served, route.name, route.ns);
  const digest = repository.tags.get(route.reference.tag);
  const refusal = digest === undefined ? repository.refusedTags?.get(route.reference.tag) : undefined;
  if (refusal !== undefined) throw deniedError(route.name, route.reference.tag, refusal);
  const found = digest === undefined ? undefined : served.manifests.get(digest);
  if (found === undefined) throw new RegistryError('MANIFEST_UNKNOWN', { name: route.name, tag: route.reference.tag });
  // A tag is a pointer the client cannot check against a digest, so a client that accepts no
  // index type gets the platform's manifest. A digest request always gets exactly those bytes.
  if (isIndex(found.manifest.mediaType) && !acceptsIndex(route.accept)) {
    return resolvePlatformChild(served, found.manifest) ?? found;
  }
  return found;
}

/** If-None-Match (RFC 9110 §13.1.2): `*`, or a list of entity tags, weak or strong. */
export function matchesETag(header: string | undefined, digest: string): boolean {
  if (header === undefined) return false;
  const tag = etagOf(digest);
  return header.split(',').some((raw) => {
    const t = raw.trim().replace(/^W\//, '');
    return t === '*' || t === tag || t === digest;
  });
}
