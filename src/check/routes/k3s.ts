// k3s' and RKE2's route: registries.yaml `mirrors[<registry>]` (or `"*"`) endpoints, from which
// they write containerd's hosts.toml (so containerd sends `?ns=`); `configs[<endpoint host>]`
// carries tls.ca_file, tls.insecure_skip_verify and auth. https://docs.k3s.io/installation/private-registry
// (k3s pkg/agent/templates, pkg/agent/containerd/config.go: endpoints become hosts.toml hosts).
import { parse } from 'yaml';
import type { Credentials } from '../../client/auth.js';
import type { NodeFiles } from '../files.js';
import { isSeed, type Endpoint, type Route, type RouteInput } from '../route.js';
import { apiBase } from './containerd.js';

interface RegistriesYaml {
  mirrors?: Record<string, { endpoint?: string[] }>;
  configs?: Record<string, { tls?: { ca_file?: string; insecure_skip_verify?: boolean }; auth?: { username?: string; password?: string; auth?: string } }>;
}

export function rancherRoute(files: NodeFiles, { image, seed }: RouteInput, product: 'k3s' | 'rke2'): Route {
  const home = `/etc/rancher/${product}`;
  const fix = `seed-registry configure --runtime ${product} --registry ${seed} --out DIR, copy its files to ${home}/ and restart ${product}`;
  const text = files.read('registries.yaml');
  if (text === undefined) return { problem: `no ${files.describe('registries.yaml')}: ${product} pulls ${image.registry} images from ${image.registry} itself`, fix };
  let doc: RegistriesYaml;
  try {
    doc = (parse(text) ?? {}) as RegistriesYaml;
  } catch (error) {
    return { problem: `${files.describe('registries.yaml')} is not valid YAML: ${(error as Error).message.split('\n')[0]}`, fix: 'correct the file' };
  }
  const mirror = doc.mirrors?.[image.registry] ?? doc.mirrors?.['*'];
  const urls = (mirror?.endpoint ?? []).map((e) => new URL(/^[a-z]+:\/\//i.test(e) ? e : `https://${e}`));
  const url = urls.find((u) => isSeed(u, seed));
  if (!url) return { problem: `${files.describe('registries.yaml')} has no mirror endpoint for ${image.registry} at the seed ${seed} (endpoints: ${urls.map((u) => u.href).join(', ') || 'none'})`, fix };
  const config = doc.configs?.[url.host] ?? doc.configs?.[image.registry] ?? {};
  const endpoint: Endpoint = {
    origin: url.origin,
    base: apiBase(url, false),
    repository: image.repository,
    query: url.host !== image.registry ? `?ns=${encodeURIComponent(image.registry)}` : '',
    insecure: config.tls?.insecure_skip_verify === true,
    headers: {},
    via: `${files.describe('registries.yaml')} (mirror ${url.origin})`,
  };
  const caFile = config.tls?.ca_file;
  if (caFile !== undefined) {
    // configure writes the CA beside registries.yaml under its final path: read it from --config too.
    const local = caFile.startsWith(`${home}/`) ? caFile.slice(home.length + 1) : caFile;
    const pem = files.read(local) ?? files.read(caFile);
    if (pem === undefined) return { problem: `${files.describe('registries.yaml')} names ca_file ${caFile}, which does not exist`, fix: `copy the seed's CA to ${caFile}` };
    endpoint.ca = pem;
    endpoint.caFrom = files.describe(files.read(local) !== undefined ? local : caFile);
  }
  const credentials = credentialsOf(config.auth);
  if (credentials) endpoint.credentials = credentials;
  return { endpoints: [endpoint] };
}

function credentialsOf(auth: { username?: string; password?: string; auth?: string } | undefined): Credentials | undefined {
  if (auth?.username !== undefined) return { username: auth.username, password: auth.password ?? '' };
  if (auth?.auth === undefined) return undefined;
  const decoded = Buffer.from(auth.auth, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  return colon > 0 ? { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) } : undefined;
}
