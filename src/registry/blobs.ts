// HEAD|GET /v2/<name>/blobs/<digest>
import { RegistryError } from './errors.js';
import { ContentType, etagOf, Header } from './headers.js';
import { matchesETag } from './manifests.js';
import { contentRange, resolveRange, unsatisfiedRange, type RequestedRange } from './range.js';
import { EMPTY, type Reply } from './reply.js';
import type { Route } from './request.js';
import { requireKnownName, requireNotRefused, type Served, type ServedBlob } from './served.js';

type BlobRoute = Extract<Route, { kind: 'blob' }>;

const UNSATISFIABLE = Buffer.from('requested range not satisfiable\n');

export function getBlob(served: Served, route: BlobRoute): Reply {
  requireKnownName(served, route.name);
  requireNotRefused(served, route.name, route.digest);
  const blob = served.blobs.get(route.digest);
  if (blob === undefined) throw new RegistryError('BLOB_UNKNOWN', { name: route.name, digest: route.digest });
  if (matchesETag(route.ifNoneMatch, blob.digest)) return { status: 304, headers: blob.headers, body: EMPTY };
  return answerRange(blob, effectiveRange(route, blob.digest));
}

/** If-Range (RFC 9110 §13.1.5): a range applies only while the client's validator still matches. */
function effectiveRange(route: BlobRoute, digest: string): RequestedRange {
  if (route.ifRange === undefined || route.range.kind === 'none') return route.range;
  return route.ifRange.trim() === etagOf(digest) ? route.range : { kind: 'none' };
}

function answerRange(blob: ServedBlob, requested: RequestedRange): Reply {
  const whole = { start: 0, end: blob.size - 1 };
  switch (requested.kind) {
    case 'none':
    case 'multiple':
      // Several ranges get the whole blob: clients resume with one range, and 200 is allowed.
      return { status: 200, headers: blob.complete, complete: true, body: wholeBody(blob, whole) };
    case 'invalid':
      return unsatisfiable(blob);
    case 'single': {
      const range = resolveRange(requested.spec, blob.size);
      if (range === undefined) return unsatisfiable(blob);
      const headers = { ...blob.headers, [Header.contentRange]: contentRange(range, blob.size) };
      return { status: 206, headers, body: { kind: 'source', source: blob.source, range, digest: blob.digest } };
    }
  }
}

function wholeBody(blob: ServedBlob, whole: { start: number; end: number }): Reply['body'] {
  return blob.size === 0 ? EMPTY : { kind: 'source', source: blob.source, range: whole, digest: blob.digest };
}

/** RFC 9110 §15.5.17: 416 names the current size; its small body matches its Content-Length. */
function unsatisfiable(blob: ServedBlob): Reply {
  const headers = {
    [Header.contentRange]: unsatisfiedRange(blob.size),
    [Header.contentType]: ContentType.text,
    [Header.digest]: blob.digest,
  };
  return { status: 416, headers, body: { kind: 'bytes', bytes: UNSATISFIABLE } };
}
