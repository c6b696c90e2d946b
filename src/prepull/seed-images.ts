// What prepull asks the seed: its catalog (paged with Link, as Harbor walks it) and, for each
// repository, its tags under each upstream registry a node may name (`tags/list?ns=<registry>`, the
// parameter containerd adds to mirror requests): every served image by its original name. A small
// client of its own (node:https, the seed's CA, Basic credentials); it never imports the server.
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';

export interface SeedAddress {
  /** `HOST:PORT` */
  registry: string;
  scheme: 'https' | 'http';
  ca?: string;
  credentials?: { username: string; password: string };
}

/** Registries images usually come from; `--upstream` replaces the list. */
export const DEFAULT_UPSTREAMS = ['docker.io', 'registry.k8s.io', 'ghcr.io', 'quay.io', 'gcr.io', 'registry.gitlab.com', 'public.ecr.aws', 'mcr.microsoft.com', 'nvcr.io', 'docker.elastic.co'];
const TIMEOUT_MS = 30_000;
const PAGE = 1000;

interface Answer {
  status: number;
  link?: string;
  body: Buffer;
}

function get(seed: SeedAddress, path: string): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (seed.credentials) headers['authorization'] = `Basic ${Buffer.from(`${seed.credentials.username}:${seed.credentials.password}`).toString('base64')}`;
    const url = `${seed.scheme}://${seed.registry}${path}`;
    const req = (seed.scheme === 'https' ? httpsRequest : httpRequest)(url, { headers, ...(seed.ca !== undefined && { ca: seed.ca }), timeout: TIMEOUT_MS }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, link: [res.headers.link ?? []].flat().join(', ') || undefined, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`${url}: no answer in ${TIMEOUT_MS / 1000} s`)));
    req.on('error', reject);
    req.end();
  });
}

/** The path of a `Link: <...>; rel="next"` header (distribution spec, "Listing Tags"), if any. */
export function nextLink(link: string | undefined): string | undefined {
  const m = link === undefined ? null : /<([^>]+)>\s*;\s*rel="?next"?/.exec(link);
  if (!m) return undefined;
  const target = m[1]!;
  return target.startsWith('/') ? target : new URL(target).pathname + new URL(target).search;
}

async function json<T>(seed: SeedAddress, path: string): Promise<{ value: T; next?: string } | undefined> {
  const answer = await get(seed, path);
  if (answer.status === 404) return undefined;
  if (answer.status !== 200) throw new Error(`${seed.registry}${path}: HTTP ${answer.status} ${answer.body.toString('utf8').slice(0, 200)}`);
  return { value: JSON.parse(answer.body.toString('utf8')) as T, next: nextLink(answer.link) };
}

export async function listRepositories(seed: SeedAddress): Promise<string[]> {
  const all: string[] = [];
  for (let path: string | undefined = `/v2/_catalog?n=${PAGE}`; path !== undefined; ) {
    const page: { value: { repositories?: string[] }; next?: string } | undefined = await json(seed, path);
    if (!page) throw new Error(`${seed.registry}: no catalog (is it a seed-registry?)`);
    all.push(...(page.value.repositories ?? []));
    path = page.next;
  }
  return all;
}

async function tagsUnder(seed: SeedAddress, repository: string, upstream: string): Promise<string[]> {
  const tags: string[] = [];
  for (let path: string | undefined = `/v2/${repository}/tags/list?ns=${encodeURIComponent(upstream)}&n=${PAGE}`; path !== undefined; ) {
    const page: { value: { tags?: string[] }; next?: string } | undefined = await json(seed, path);
    if (!page) return tags;
    tags.push(...(page.value.tags ?? []));
    path = page.next;
  }
  return tags;
}

/** `docker.io/busybox` and `docker.io/library/busybox` are one image to containerd: name it the long way. */
function reference(upstream: string, repository: string, tag: string): string {
  const path = upstream === 'docker.io' && !repository.includes('/') ? `library/${repository}` : repository;
  return `${upstream}/${path}:${tag}`;
}

/** Every tagged image the seed serves, by original name; and the repositories no upstream asked for claims. */
export async function listImages(seed: SeedAddress, upstreams: string[]): Promise<{ images: string[]; unclaimed: string[] }> {
  const images = new Set<string>();
  const unclaimed: string[] = [];
  for (const repository of await listRepositories(seed)) {
    let claimed = false;
    for (const upstream of upstreams) {
      const tags = await tagsUnder(seed, repository, upstream);
      if (tags.length) claimed = true;
      for (const tag of tags) images.add(reference(upstream, repository, tag));
    }
    if (!claimed) unclaimed.push(repository);
  }
  return { images: [...images].sort(), unclaimed };
}
