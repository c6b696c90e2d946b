// containerd's route: `<config_path>/<registry>/hosts.toml` (else `_default/hosts.toml`), its hosts
// in file order, each with its capabilities, `ca` (relative to the file's folder), `skip_verify`,
// `override_path` and `[host.X.header]`; `server` last. containerd adds `?ns=<registry>` when it
// asks a host other than the registry itself.
// https://github.com/containerd/containerd/blob/main/docs/hosts.md,
// core/remotes/docker/config/hosts.go (the `/v2` path rule, `ns` in resolver.go).
import { parse } from 'smol-toml';
import type { NodeFiles } from '../files.js';
import { isSeed, type Endpoint, type Route, type RouteInput } from '../route.js';

interface HostEntry {
  capabilities?: string[];
  ca?: string | string[];
  skip_verify?: boolean;
  override_path?: boolean;
  header?: Record<string, string | string[]>;
}

interface HostsToml {
  server?: string;
  host?: Record<string, HostEntry>;
}

export function containerdRoute(files: NodeFiles, { image, seed }: RouteInput, ns = true): Route {
  const path = [`${image.registry}/hosts.toml`, '_default/hosts.toml'].find((p) => files.read(p) !== undefined);
  const configure = `seed-registry configure --runtime containerd --registry ${seed} --out DIR, and copy DIR to the folder containerd's config_path names`;
  if (path === undefined) return { problem: `no ${files.describe(`${image.registry}/hosts.toml`)}: containerd pulls ${image.registry} images from ${image.registry} itself`, fix: configure };
  let doc: HostsToml;
  try {
    doc = parse(files.read(path)!) as HostsToml;
  } catch (error) {
    return { problem: `${files.describe(path)} is not valid TOML: ${(error as Error).message.split('\n')[0]}`, fix: 'correct the file, or write it again with seed-registry configure' };
  }
  const dir = path.slice(0, path.lastIndexOf('/'));
  const capability = image.digest !== undefined ? 'pull' : 'resolve';
  const hosts = Object.entries(doc.host ?? {}).filter(([, h]) => (h.capabilities ?? ['pull', 'resolve', 'push']).includes(capability));
  const seedHost = hosts.find(([url]) => isSeed(parseUrl(url), seed));
  if (!seedHost) {
    const asks = [...hosts.map(([u]) => u), ...(doc.server ? [doc.server] : [])].join(', ') || 'no host';
    return { problem: `${files.describe(path)} sends ${image.registry} ${capability} requests to ${asks}, not to the seed at ${seed}`, fix: configure };
  }
  const caFiles = [seedHost[1].ca ?? []].flat().map((f) => (f.startsWith('/') ? f : `${dir}/${f}`));
  const missing = caFiles.find((f) => files.read(f) === undefined);
  if (missing !== undefined) return { problem: `${files.describe(path)} names the CA file ${files.describe(missing)}, which does not exist`, fix: `copy the seed's CA there (configure --ca writes it beside hosts.toml)` };
  return { endpoints: [endpoint(files, caFiles, path, seedHost[0], seedHost[1], image.registry, image.repository, ns)] };
}

function parseUrl(text: string): URL {
  // containerd takes a bare host as https://host.
  return new URL(/^[a-z]+:\/\//i.test(text) ? text : `https://${text}`);
}

/** containerd's path rule: none → `/v2`; a path → that path + `/v2`, unless override_path. */
export function apiBase(url: URL, overridePath: boolean): string {
  const path = url.pathname.replace(/\/+$/, '');
  if (path === '') return '/v2';
  if (overridePath || path.endsWith('/v2')) return path;
  return `${path}/v2`;
}

function endpoint(files: NodeFiles, caFiles: string[], path: string, urlText: string, h: HostEntry, registry: string, repository: string, ns: boolean): Endpoint {
  const url = parseUrl(urlText);
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(h.header ?? {})) headers[k.toLowerCase()] = Array.isArray(v) ? v.join(', ') : v;
  return {
    origin: url.origin,
    base: apiBase(url, h.override_path === true),
    repository,
    query: ns && url.host !== registry ? `?ns=${encodeURIComponent(registry)}` : '',
    ...(caFiles.length ? { ca: caFiles.map((f) => files.read(f)).join('\n'), caFrom: caFiles.map((f) => files.describe(f)).join(', ') } : {}),
    insecure: h.skip_verify === true,
    headers,
    via: files.describe(path),
  };
}
