// Listing pages (`n`, `last`, Link) as the sync engines walk them: Harbor asks `_catalog?n=1000` and
// follows relative links; zot (regclient) asks once without `n`.
import { describe, expect, it } from 'vitest';
import type { ImageModel, Repository } from '../../src/model.js';
import { getCatalog, getTags, MAX_PAGE, paginate } from '../../src/registry/listing.js';
import { parseRequest, type Route } from '../../src/registry/request.js';
import { buildServed, type Served } from '../../src/registry/served.js';
import type { Reply } from '../../src/registry/reply.js';

const L = ['a', 'b', 'c', 'd', 'e'];

describe('paginate', () => {
  it.each([
    ['no n, no last: everything', {}, { entries: L }],
    ['no n, after last', { last: 'b' }, { entries: ['c', 'd', 'e'] }],
    ['first page', { n: 2 }, { entries: ['a', 'b'], next: 'b', n: 2 }],
    ['middle page', { n: 2, last: 'b' }, { entries: ['c', 'd'], next: 'd', n: 2 }],
    ['last page exactly full: no next', { n: 2, last: 'c' }, { entries: ['d', 'e'], n: 2 }],
    ['last page short', { n: 2, last: 'd' }, { entries: ['e'], n: 2 }],
    ['n larger than the list', { n: 10 }, { entries: L, n: 10 }],
    ['n = 0: empty, no next', { n: 0 }, { entries: [], n: 0 }],
    ['last not an entry: starts after where it would sort', { n: 2, last: 'bb' }, { entries: ['c', 'd'], next: 'd', n: 2 }],
    ['last before every entry', { n: 1, last: '0' }, { entries: ['a'], next: 'a', n: 1 }],
    ['last after every entry', { n: 1, last: 'z' }, { entries: [], n: 1 }],
    ['last equal to the final entry', { last: 'e' }, { entries: [] }],
  ])('%s', (_name, page, expected) => {
    expect(paginate(L, page)).toEqual(expected);
  });

  it(`serves at most ${MAX_PAGE} entries and links on when n asks for more`, () => {
    const many = Array.from({ length: MAX_PAGE + 5 }, (_, i) => `r${String(i).padStart(5, '0')}`);
    const page = paginate(many, { n: 5000 });
    expect(page.entries).toHaveLength(MAX_PAGE);
    expect(page.n).toBe(MAX_PAGE);
    expect(page.next).toBe(many[MAX_PAGE - 1]);
  });
});

function json(reply: Reply): Record<string, string[]> {
  if (reply.body.kind !== 'bytes') throw new Error('expected a JSON body');
  return JSON.parse(reply.body.bytes.toString()) as Record<string, string[]>;
}

/** Follows `Link: <...>; rel="next"` from `first` as Harbor's client does, collecting `key`. */
function walk(served: Served, first: string, key: string): { all: string[]; pages: number } {
  let target: string | undefined = first;
  const all: string[] = [];
  let pages = 0;
  while (target !== undefined) {
    const route: Route = parseRequest('GET', target, {}).route;
    const reply: Reply | undefined = route.kind === 'catalog' ? getCatalog(served, route) : route.kind === 'tags' ? getTags(served, route) : undefined;
    if (!reply) throw new Error(`not a listing: ${target}`);
    all.push(...json(reply)[key]!);
    pages++;
    const link: string | undefined = reply.headers['Link'];
    target = link === undefined ? undefined : /^<([^>]+)>; rel="next"$/.exec(link)![1];
  }
  return { all, pages };
}

function servedWith(repositories: number, tags: number): { served: Served; names: string[]; tagNames: string[] } {
  const tagNames = Array.from({ length: tags }, (_, i) => `v${i}`);
  const names = Array.from({ length: repositories }, (_, i) => `org/app-${i}`);
  const repos = names.map((name): [string, Repository[]] => [name, [{ name, registry: 'ghcr.io', tags: new Map(tagNames.map((t) => [t, 'sha256:x'])) }]]);
  const model: ImageModel = { manifests: new Map(), blobs: new Map(), repositories: new Map(repos), images: [], warnings: [] };
  return { served: buildServed(model), names: [...names].sort(), tagNames: [...tagNames].sort() };
}

describe('listing walks', () => {
  const { served, names, tagNames } = servedWith(2500, 1200);

  it('Harbor: _catalog?n=1000 then each Link, every repository once, in order', () => {
    const { all, pages } = walk(served, '/v2/_catalog?n=1000', 'repositories');
    expect(pages).toBe(3);
    expect(all).toEqual(names);
  });

  it('zot (regclient RepoList): _catalog without n is the whole catalog in one answer', () => {
    const { all, pages } = walk(served, '/v2/_catalog', 'repositories');
    expect(pages).toBe(1);
    expect(all).toHaveLength(2500);
  });

  it('tags: n above the cap is served in pages of the cap, the Link keeping ns', () => {
    const route = parseRequest('GET', '/v2/org/app-7/tags/list?ns=ghcr.io&n=5000', {}).route;
    const reply = getTags(served, route as Extract<typeof route, { kind: 'tags' }>);
    expect(reply.headers['Link']).toBe(`</v2/org/app-7/tags/list?ns=ghcr.io&n=${MAX_PAGE}&last=${tagNames[MAX_PAGE - 1]}>; rel="next"`);
    const { all, pages } = walk(served, '/v2/org/app-7/tags/list?ns=ghcr.io&n=5000', 'tags');
    expect(pages).toBe(2);
    expect(all).toEqual(tagNames);
  });

  it('a page size that divides the list exactly ends without an empty page', () => {
    const { all, pages } = walk(served, '/v2/org/app-1/tags/list?n=400', 'tags');
    expect(pages).toBe(3);
    expect(all).toEqual(tagNames);
  });
});
