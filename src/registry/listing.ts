// GET /v2/<name>/tags/list and GET /v2/_catalog, paginated with `n` and `last` (OCI distribution
// spec, "Listing Tags"; distribution's catalog): sorted, with a `Link: <...>; rel="next"` header
// while entries remain.
import { ContentType, Header } from './headers.js';
import { jsonReply, type Reply } from './reply.js';
import type { Page, Route } from './request.js';
import { resolveRepository, type Served } from './served.js';

type TagsRoute = Extract<Route, { kind: 'tags' }>;
type CatalogRoute = Extract<Route, { kind: 'catalog' }>;

export function getTags(served: Served, route: TagsRoute): Reply {
  const repository = resolveRepository(served, route.name, route.ns);
  const all = [...repository.tags.keys()].sort();
  const { entries, next } = paginate(all, route.page);
  const extra: Record<string, string> = route.ns === undefined ? {} : { ns: route.ns };
  const headers = linkHeader(`/v2/${route.name}/tags/list`, route.page, next, extra);
  return jsonReply(200, { name: route.name, tags: entries }, ContentType.json, headers);
}

export function getCatalog(served: Served, route: CatalogRoute): Reply {
  const { entries, next } = paginate(served.names, route.page);
  const headers = linkHeader('/v2/_catalog', route.page, next, {});
  return jsonReply(200, { repositories: entries }, ContentType.json, headers);
}

/** The page after `last`; `next` is the last entry returned when more remain. */
export function paginate(sorted: string[], page: Page): { entries: string[]; next?: string } {
  const after = page.last === undefined ? sorted : sorted.filter((e) => e > page.last!);
  if (page.n === undefined || after.length <= page.n) return { entries: after };
  const entries = after.slice(0, page.n);
  return entries.length === 0 ? { entries } : { entries, next: entries[entries.length - 1] };
}

function linkHeader(path: string, page: Page, last: string | undefined, extra: Record<string, string>): Record<string, string> {
  if (last === undefined) return {};
  const query = new URLSearchParams({ ...extra, n: String(page.n), last });
  return { [Header.link]: `<${path}?${query.toString()}>; rel="next"` };
}
