// Every request is parsed into one validated value before any lookup or I/O: the route, the
// repository name, the reference, and the headers that change the answer.
import type { IncomingHttpHeaders } from 'node:http';
import { parseAccept } from './accept.js';
import { RegistryError } from './errors.js';
import { isDigest, isRepositoryName, isTag } from '../reference.js';
import { parseRange, type RequestedRange } from './range.js';

export type Reference = { tag: string } | { digest: string };

export interface Page {
  /** Most entries to return; undefined = all. */
  n?: number;
  /** Return entries sorted after this one. */
  last?: string;
}

export type Route =
  | { kind: 'root' }
  | { kind: 'redirect'; location: string }
  | { kind: 'base' }
  | { kind: 'catalog'; page: Page }
  | { kind: 'tags'; name: string; ns?: string; page: Page }
  | { kind: 'manifest'; name: string; ns?: string; reference: Reference; accept: string[]; ifNoneMatch?: string }
  | { kind: 'blob'; name: string; ns?: string; digest: string; range: RequestedRange; ifRange?: string; ifNoneMatch?: string }
  | { kind: 'referrers'; name: string; ns?: string; digest: string; artifactType?: string }
  | { kind: 'not-found' };

export interface RegistryRequest {
  head: boolean;
  route: Route;
}

const WRITE_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
const MANIFEST = /^\/v2\/(.+)\/manifests\/([^/]+)$/;
const BLOB = /^\/v2\/(.+)\/blobs\/([^/]+)$/;
const TAGS = /^\/v2\/(.+)\/tags\/list$/;
const REFERRERS = /^\/v2\/(.+)\/referrers\/([^/]+)$/;

export function parseRequest(method: string, url: string, headers: IncomingHttpHeaders): RegistryRequest {
  if (method !== 'GET' && method !== 'HEAD') {
    const path = url.split('?')[0] ?? '';
    const detail = { method, path, readOnly: WRITE_METHODS.has(method) };
    throw new RegistryError('UNSUPPORTED', detail);
  }
  const { path, query } = splitTarget(url);
  return { head: method === 'HEAD', route: parseRoute(path, query, headers) };
}

const NO_QUERY = new URLSearchParams();

/**
 * Path and query of a request target. Pulls send origin-form targets (`/v2/...`), most without a
 * query, so no URL object is built for them (a measurable share of a manifest GET). An
 * absolute-form target (RFC 9112 §3.2.2, sent by clients that think we are a proxy) goes through
 * URL; anything else, or an authority URL rejects (`http://h:99999/`, `http://[::1/`, a zone id),
 * is a client error, answered 400 like Go's net/http and nginx do.
 */
function splitTarget(target: string): { path: string; query: URLSearchParams } {
  if (!target.startsWith('/')) {
    const url = parseAbsolute(target);
    return { path: url.pathname, query: url.searchParams };
  }
  const mark = target.search(/[?#]/);
  if (mark === -1) return { path: target, query: NO_QUERY };
  const hash = target.indexOf('#', mark);
  const query = target[mark] === '?' ? new URLSearchParams(target.slice(mark + 1, hash === -1 ? undefined : hash)) : NO_QUERY;
  return { path: target.slice(0, mark), query };
}

const ABSOLUTE_FORM = /^https?:\/\//i;
/** Enough of a bad target to recognise it in an error body, not an echo of a megabyte. */
const SHOWN_TARGET = 200;

function parseAbsolute(target: string): URL {
  if (ABSOLUTE_FORM.test(target)) {
    try {
      return new URL(target);
    } catch {
      // Falls through to the 400 below.
    }
  }
  throw new RegistryError('NAME_INVALID', { target: target.slice(0, SHOWN_TARGET), reason: 'not a valid request target' });
}

function parseRoute(path: string, query: URLSearchParams, headers: IncomingHttpHeaders): Route {
  if (path === '/') return { kind: 'root' };
  if (path === '/v2') return { kind: 'redirect', location: '/v2/' };
  if (path === '/v2/') return { kind: 'base' };
  if (path === '/v2/_catalog') return { kind: 'catalog', page: parsePage(query) };
  const ns = query.get('ns') ?? undefined;
  let m: RegExpExecArray | null;
  if ((m = TAGS.exec(path))) return { kind: 'tags', name: parseName(m[1]), ns, page: parsePage(query) };
  if ((m = MANIFEST.exec(path))) {
    const name = parseName(m[1]);
    const reference = parseReference(decode(m[2]));
    const accept = parseAccept(headers.accept);
    return { kind: 'manifest', name, ns, reference, accept, ifNoneMatch: headers['if-none-match'] };
  }
  if ((m = BLOB.exec(path))) {
    const name = parseName(m[1]);
    const digest = parseDigest(decode(m[2]));
    const range = parseRange(headers.range);
    return { kind: 'blob', name, ns, digest, range, ifRange: headerValue(headers['if-range']), ifNoneMatch: headers['if-none-match'] };
  }
  if ((m = REFERRERS.exec(path))) {
    const artifactType = query.get('artifactType') ?? undefined;
    return { kind: 'referrers', name: parseName(m[1]), ns, digest: parseDigest(decode(m[2])), artifactType };
  }
  return { kind: 'not-found' };
}

function decode(part = ''): string {
  try {
    return decodeURIComponent(part);
  } catch {
    return part;
  }
}

function headerValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value.join(', ') : value;
}

export function parseName(raw: string | undefined): string {
  const name = decode(raw);
  if (!isRepositoryName(name)) throw new RegistryError('NAME_INVALID', { name });
  return name;
}

export function parseDigest(digest: string): string {
  if (!isDigest(digest)) throw new RegistryError('DIGEST_INVALID', { digest });
  return digest;
}

/** A reference with a colon is a digest (tags cannot contain one); anything else must be a tag. */
export function parseReference(reference: string): Reference {
  if (reference.includes(':')) return { digest: parseDigest(reference) };
  if (!isTag(reference)) throw new RegistryError('MANIFEST_UNKNOWN', { tag: reference, reason: 'not a valid tag' });
  return { tag: reference };
}

const COUNT = /^\d{1,9}$/;

export function parsePage(query: URLSearchParams): Page {
  const n = query.get('n');
  const last = query.get('last') ?? undefined;
  if (n === null || n === '') return { last };
  if (!COUNT.test(n)) throw new RegistryError('PAGINATION_NUMBER_INVALID', { n });
  return { n: Number(n), last };
}
