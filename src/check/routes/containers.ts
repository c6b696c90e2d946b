// podman's and CRI-O's route (the containers/image library): the `[[registry]]` whose `prefix`
// matches the image best, across registries.conf and the registries.conf.d drop-ins in name order
// (a later entry with the same prefix replaces an earlier one); its mirrors in order, each pulled
// as the mirror's location plus the rest of the name (no `?ns=`). Trust from certs.d/HOST/*.crt,
// credentials from auth.json (containers-auth.json(5): the most specific key wins).
// containers-registries.conf(5); containers/image pkg/sysregistriesv2/system_registries_v2.go
// (refMatchingPrefix, rewriteReference), pkg/docker/config/config.go (authKeysForKey).
import { parse } from 'smol-toml';
import type { NodeFiles } from '../files.js';
import { imageRef, isSeed, type Endpoint, type Route, type RouteInput } from '../route.js';
import type { Credentials } from '../../client/auth.js';

interface Mirror {
  location: string;
  insecure?: boolean;
}

interface RegistryEntry {
  prefix?: string;
  location?: string;
  insecure?: boolean;
  blocked?: boolean;
  mirror?: Mirror[];
}

const DROP_INS = 'registries.conf.d';

export function containersRoute(files: NodeFiles, { image, seed }: RouteInput, runtime: string): Route {
  const fix = `seed-registry configure --runtime ${runtime} --registry ${seed} --out DIR, and copy DIR/registries.conf.d and DIR/certs.d into /etc/containers`;
  const confs = ['registries.conf', ...files.list(DROP_INS).filter((n) => n.endsWith('.conf')).map((n) => `${DROP_INS}/${n}`)].filter((p) => files.read(p) !== undefined);
  const entries = new Map<string, { entry: RegistryEntry; from: string }>();
  for (const path of confs) {
    let doc: { registry?: RegistryEntry[] };
    try {
      doc = parse(files.read(path)!) as typeof doc;
    } catch (error) {
      return { problem: `${files.describe(path)} is not valid TOML: ${(error as Error).message.split('\n')[0]}`, fix: 'correct the file, or write it again with seed-registry configure' };
    }
    for (const entry of doc.registry ?? []) entries.set(entry.prefix ?? entry.location ?? '', { entry, from: path });
  }
  const ref = `${image.registry}/${image.repository}`;
  const match = [...entries.entries()].filter(([prefix]) => matchesPrefix(ref, prefix)).sort((a, b) => b[0].length - a[0].length)[0];
  if (!match) return { problem: `no [[registry]] for ${image.registry} in ${files.describe(DROP_INS)}: ${runtime} pulls ${imageRef(image)} from ${image.registry} itself`, fix };
  const [prefix, { entry, from }] = match;
  if (entry.blocked) return { problem: `${files.describe(from)} blocks ${prefix}`, fix: `remove blocked = true for ${prefix}` };
  const mirror = (entry.mirror ?? []).find((m) => isSeed(new URL(`https://${m.location.split('/')[0]}`), seed));
  if (!mirror) {
    const asks = [...(entry.mirror ?? []).map((m) => m.location), entry.location ?? prefix].join(', ');
    return { problem: `${files.describe(from)} sends ${prefix} pulls to ${asks}, not to the seed at ${seed}`, fix };
  }
  const rewritten = `${mirror.location}${ref.slice(prefix.length)}`;
  const slash = rewritten.indexOf('/');
  const host = rewritten.slice(0, slash);
  const certs = files.list(`certs.d/${host}`).filter((n) => n.endsWith('.crt')).map((n) => `certs.d/${host}/${n}`);
  const endpoint: Endpoint = {
    origin: `https://${host}`,
    base: '/v2',
    repository: rewritten.slice(slash + 1),
    query: '',
    insecure: mirror.insecure === true,
    headers: {},
    via: `${files.describe(from)} (mirror ${mirror.location})`,
    ...(certs.length ? { ca: certs.map((c) => files.read(c)).join('\n'), caFrom: certs.map((c) => files.describe(c)).join(', ') } : {}),
  };
  const credentials = authFor(files, rewritten);
  if (credentials) endpoint.credentials = credentials;
  return { endpoints: [endpoint] };
}

/** containers/image refMatchingPrefix: the whole name, or the prefix followed by `/`, `:` or `@`; `*.example.com` matches subdomains. */
export function matchesPrefix(ref: string, prefix: string): boolean {
  if (prefix.startsWith('*.')) {
    const host = ref.split('/')[0]!;
    return host.endsWith(prefix.slice(1));
  }
  return ref === prefix || (ref.startsWith(prefix) && '/:@'.includes(ref[prefix.length]!));
}

/** auth.json beside the configuration (what configure writes), most specific key first. */
function authFor(files: NodeFiles, ref: string): Credentials | undefined {
  const text = files.read('auth.json');
  return text === undefined ? undefined : authFromJson(text, ref);
}

/** containers-auth.json(5): keys are `host` or `host/namespace/...`; the longest that prefixes `ref` wins. */
export function authFromJson(text: string, ref: string): Credentials | undefined {
  let auths: Record<string, { auth?: string }>;
  try {
    auths = (JSON.parse(text) as { auths?: typeof auths }).auths ?? {};
  } catch {
    return undefined;
  }
  const parts = ref.split('/');
  for (let n = parts.length; n >= 1; n--) {
    const auth = auths[parts.slice(0, n).join('/')]?.auth;
    if (auth === undefined) continue;
    const decoded = Buffer.from(auth, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon > 0) return { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
  }
  return undefined;
}
