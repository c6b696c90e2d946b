// dockerd's route: `registry-mirrors` in daemon.json apply to Docker Hub images only, asked in
// order under the same repository (no `?ns=`); trust from certs.d/HOST:PORT/*.crt (dockerd reads
// /etc/docker/certs.d); `insecure-registries` allows plain HTTP. The credentials are the ones the
// docker CLI holds for the image's registry, Docker Hub's `https://index.docker.io/v1/`, which
// dockerd sends to the mirror too (docker/cli cli/command/registry.go ResolveAuthConfig): from a
// config.json in the folder checked (as configure writes one), else the user's (the runner looks).
// moby registry/config.go (ValidateMirror, LoadInsecureRegistries), registry/service.go
// (lookupV2Endpoints: mirrors only for the official index).
import type { Credentials } from '../../client/auth.js';
import type { NodeFiles } from '../files.js';
import { imageRef, isSeed, type Endpoint, type Route, type RouteInput } from '../route.js';

interface DaemonJson {
  'registry-mirrors'?: string[];
  'insecure-registries'?: string[];
}

export function dockerRoute(files: NodeFiles, { image, seed }: RouteInput): Route {
  if (image.registry !== 'docker.io') {
    return {
      problem: `dockerd pulls ${imageRef(image)} from ${image.registry} itself: registry-mirrors apply only to Docker Hub images`,
      fix: `pull it from the seed by the name its banner or seed-registry inspect prints (${seed}/...) and docker tag it to ${imageRef(image)}`,
    };
  }
  const fix = `seed-registry configure --runtime docker --registry ${seed} --out DIR; merge DIR/daemon.json into /etc/docker/daemon.json, copy DIR/certs.d to /etc/docker/certs.d, restart dockerd`;
  const text = files.read('daemon.json');
  if (text === undefined) return { problem: `no ${files.describe('daemon.json')}: dockerd pulls ${imageRef(image)} from Docker Hub`, fix };
  let daemon: DaemonJson;
  try {
    daemon = JSON.parse(text) as DaemonJson;
  } catch (error) {
    return { problem: `${files.describe('daemon.json')} is not valid JSON: ${(error as Error).message}`, fix: 'correct the file (dockerd refuses to start with it)' };
  }
  const mirrors = daemon['registry-mirrors'] ?? [];
  const mirror = mirrors.map((m) => new URL(m)).find((u) => isSeed(u, seed));
  if (!mirror) return { problem: `${files.describe('daemon.json')} has registry-mirrors ${JSON.stringify(mirrors)}, not the seed at ${seed}`, fix };
  const certs = files.list(`certs.d/${mirror.host}`).filter((n) => n.endsWith('.crt')).map((n) => `certs.d/${mirror.host}/${n}`);
  const endpoint: Endpoint = {
    origin: mirror.origin,
    base: '/v2',
    repository: image.repository,
    query: '',
    insecure: (daemon['insecure-registries'] ?? []).includes(mirror.host),
    headers: {},
    via: `${files.describe('daemon.json')} (registry-mirrors ${mirror.origin})`,
    ...(certs.length ? { ca: certs.map((c) => files.read(c)).join('\n'), caFrom: certs.map((c) => files.describe(c)).join(', ') } : {}),
  };
  const credentials = hubCredentials(files.read('config.json'));
  if (credentials) endpoint.credentials = credentials;
  return { endpoints: [endpoint] };
}

/** Docker Hub's entry of a config.json (`https://index.docker.io/v1/`, or `index.docker.io`). */
function hubCredentials(text: string | undefined): Credentials | undefined {
  if (text === undefined) return undefined;
  let auths: Record<string, { auth?: string }>;
  try {
    auths = (JSON.parse(text) as { auths?: typeof auths }).auths ?? {};
  } catch {
    return undefined;
  }
  const entry = Object.entries(auths).find(([key]) => key.replace(/^https?:\/\//, '').replace(/\/.*$/, '') === 'index.docker.io')?.[1];
  if (entry?.auth === undefined) return undefined;
  const decoded = Buffer.from(entry.auth, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  return colon > 0 ? { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) } : undefined;
}
