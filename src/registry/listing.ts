// GET /v2/<name>/tags/list and GET /v2/_catalog, paginated with `n` and `last` (OCI distribution
// spec, "Listing Tags" and its Pagination section; distribution's registry/handlers/catalog.go):
// sorted, with a `Link: <...>; rel="next"` header while entries remain.
//
// What the sync engines send, and why the rules below:
// - Harbor (src/pkg/registry/client.go, buildCatalogURL) asks `_catalog?n=1000`, follows `Link`
//   and prefixes a relative link with its endpoint: a page of 1000 must be served, and a relative
//   link is enough.
// - zot's sync (pkg/extensions/sync/remote.go → regclient scheme/reg/repo.go RepoList) asks
//   `_catalog` with no `n` and never follows `Link`: without `n` the whole list is sent.
// - An `n` above MAX_PAGE is served as MAX_PAGE entries with a `Link` (the spec lets a registry
//   return fewer than `n`; distribution refuses instead, which a client cannot recover from).
import { ContentType, Header } from './headers.js';
import { jsonReply, type Reply } from './reply.js';
import type { Page, Route } from './request.js';
import { resolveRepository, type Served } from './served.js';

type TagsRoute = Extract<Route, { kind: 'tags' }>;
type CatalogRoute = Extract<Route, { kind: 'catalog' }>;

/** The most entries one page holds: Harbor's catalog page size. */
export const MAX_PAGE = 1000;

export function getTags(served: Served, route: TagsRoute): Reply {
  const repository = resolveRepository(served, route.name, route.ns);
  const all = [...repository.tags.keys()].sort();
  const { entries, next, n } = paginate(all, route.page);
  const extra: Record<string, string> = route.ns === undefined ? {} : { ns: route.ns };
  const headers = linkHeader(`/v2/${route.name}/tags/list`, n, next, extra);
  return jsonReply(200, { name: route.name, tags: entries }, ContentType.json, headers);
}

export function getCatalog(served: Served, route: CatalogRoute): Reply {
  const { entries, next, n } = paginate(served.names, route.page);
  const headers = linkHeader('/v2/_catalog', n, next, {});
  return jsonReply(200, { repositories: entries }, ContentType.json, headers);
}

export interface PageResult {
  entries: string[];
  /** The last entry returned, when more remain after it. */
  next?: string;
  /** The page size used (the request's `n`, at most MAX_PAGE), for the next link. */
  n?: number;
}

/** The page of `sorted` (ascending, unique) after `last`, at most `n` (≤ MAX_PAGE) long. */
export function paginate(sorted: readonly string[], page: Page): PageResult {
  const start = page.last === undefined ? 0 : firstAfter(sorted, page.last);
  if (page.n === undefined) return { entries: sorted.slice(start) };
  const n = Math.min(page.n, MAX_PAGE);
  const entries = sorted.slice(start, start + n);
  const more = start + n < sorted.length && entries.length > 0;
  return more ? { entries, next: entries[entries.length - 1], n } : { entries, n };
}

/** Index of the first entry sorting after `last` (which need not be an entry itself). */
function firstAfter(sorted: readonly string[], last: string): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid]! <= last) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function linkHeader(path: string, n: number | undefined, last: string | undefined, extra: Record<string, string>): Record<string, string> {
  if (last === undefined || n === undefined) return {};
  const query = new URLSearchParams({ ...extra, n: String(n), last });
  return { [Header.link]: `<${path}?${query.toString()}>; rel="next"` };
}
