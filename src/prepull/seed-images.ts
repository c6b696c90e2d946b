// What prepull asks the seed: its catalog (paged with Link, as Harbor walks it) and, for each
// repository, its tags under each upstream registry a node may name (`tags/list?ns=<registry>`, the
// parameter containerd adds to mirror requests): every served image by its original name. It speaks
// through the registry clients' shared layer (src/client: TLS trust, the auth challenge, one-line
// network errors); it never imports the server.
import { AuthError, pullScope, type Credentials } from '../client/auth.js';
import { connect, ConnectError, describeNetworkError, type Hints } from '../client/connect.js';
import { describeReply, type RegistryClient } from '../client/http.js';
import { targetOf } from '../client/target.js';
import { LoadError } from '../load-error.js';

export interface SeedAddress {
  /** `HOST:PORT` */
  registry: string;
  scheme: 'https' | 'http';
  /** The PEM of the CA the seed's certificate is signed by (--ca), trusted besides the system's. */
  ca?: string;
  credentials?: Credentials;
}

/** Registries images usually come from; `--upstream` replaces the list. */
export const DEFAULT_UPSTREAMS = ['docker.io', 'registry.k8s.io', 'ghcr.io', 'quay.io', 'gcr.io', 'registry.gitlab.com', 'public.ecr.aws', 'mcr.microsoft.com', 'nvcr.io', 'docker.elastic.co'];
const TIMEOUT_MS = 30_000;
const PAGE = 1000;
/** One attempt per request, as before the shared layer: a DaemonSet pod that fails is restarted anyway. */
const ONCE = { attempts: 1, baseDelayMs: 0 };
/** distribution's token scope for `GET /v2/_catalog` (docs/spec/auth/scope.md). */
const CATALOG_SCOPE = 'registry:catalog:*';
const HINTS: Hints = {
  tls: "(give --ca FILE, the CA the seed's certificate is signed by; or --plain-http if the seed serves plain HTTP)",
  credentials: "give --username and --password-file, a user of the seed's --htpasswd file",
};

/** The path of a `Link: <...>; rel="next"` header (distribution spec, "Listing Tags"), if any. */
export function nextLink(link: string | undefined): string | undefined {
  const m = link === undefined ? null : /<([^>]+)>\s*;\s*rel="?next"?/.exec(link);
  if (!m) return undefined;
  const target = m[1]!;
  return target.startsWith('/') ? target : new URL(target).pathname + new URL(target).search;
}

/** One page of a listing; undefined for a 404 (no such repository under that `ns`). */
async function page<T>(client: RegistryClient, path: string, scopes: string[]): Promise<{ value: T; next?: string } | undefined> {
  let reply;
  try {
    reply = await client.send({ method: 'GET', url: path, scopes, headers: { accept: 'application/json' } });
  } catch (error) {
    throw new LoadError(`${client.origin}${path}`, error instanceof AuthError ? error.message : describeNetworkError(error, HINTS));
  }
  if (reply.status === 404) return undefined;
  if (reply.status !== 200) throw new LoadError(`${client.origin}${path}`, `answered ${describeReply(reply)}`);
  let value: T;
  try {
    value = JSON.parse(reply.body.toString('utf8')) as T;
  } catch {
    throw new LoadError(`${client.origin}${path}`, 'answered 200 with no JSON: is this a seed-registry?');
  }
  const link = reply.headers['link'];
  return { value, next: nextLink([link ?? []].flat().join(', ') || undefined) };
}

async function listRepositories(client: RegistryClient): Promise<string[]> {
  const all: string[] = [];
  for (let path: string | undefined = `/v2/_catalog?n=${PAGE}`; path !== undefined; ) {
    const found: { value: { repositories?: string[] }; next?: string } | undefined = await page(client, path, [CATALOG_SCOPE]);
    if (!found) throw new LoadError(`${client.origin}/v2/_catalog`, 'answered 404: no catalog (is it a seed-registry?)');
    all.push(...(found.value.repositories ?? []));
    path = found.next;
  }
  return all;
}

async function tagsUnder(client: RegistryClient, repository: string, upstream: string): Promise<string[]> {
  const tags: string[] = [];
  for (let path: string | undefined = `/v2/${repository}/tags/list?ns=${encodeURIComponent(upstream)}&n=${PAGE}`; path !== undefined; ) {
    const found: { value: { tags?: string[] }; next?: string } | undefined = await page(client, path, [pullScope(repository)]);
    if (!found) return tags;
    tags.push(...(found.value.tags ?? []));
    path = found.next;
  }
  return tags;
}

/** `docker.io/busybox` and `docker.io/library/busybox` are one image to containerd: name it the long way. */
function reference(upstream: string, repository: string, tag: string): string {
  const path = upstream === 'docker.io' && !repository.includes('/') ? `library/${repository}` : repository;
  return `${upstream}/${path}:${tag}`;
}

/** A client for the seed, its `GET /v2/` answered (TLS trusted, credentials accepted), or one line saying what to fix. */
async function connectSeed(seed: SeedAddress): Promise<RegistryClient> {
  const tls = { insecure: false, ...(seed.ca !== undefined && { caPem: seed.ca }) };
  try {
    return await connect(targetOf(seed.registry, seed.scheme), tls, seed.credentials, ONCE, 1, HINTS, '--ca', { connectMs: TIMEOUT_MS, headersMs: TIMEOUT_MS });
  } catch (error) {
    if (error instanceof ConnectError || error instanceof AuthError) throw new LoadError('prepull', error.message);
    throw error;
  }
}

/** Every tagged image the seed serves, by original name; and the repositories no upstream asked for claims. */
export async function listImages(seed: SeedAddress, upstreams: string[]): Promise<{ images: string[]; unclaimed: string[] }> {
  const client = await connectSeed(seed);
  try {
    const images = new Set<string>();
    const unclaimed: string[] = [];
    for (const repository of await listRepositories(client)) {
      let claimed = false;
      for (const upstream of upstreams) {
        const tags = await tagsUnder(client, repository, upstream);
        if (tags.length) claimed = true;
        for (const tag of tags) images.add(reference(upstream, repository, tag));
      }
      if (!claimed) unclaimed.push(repository);
    }
    return { images: [...images].sort(), unclaimed };
  } finally {
    await client.agent.close();
  }
}
