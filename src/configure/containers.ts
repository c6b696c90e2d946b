// CRI-O and podman read the same containers-registries.conf(5) and certs.d (the containers/image
// library): a registries.conf.d drop-in sending each upstream to the seed as a mirror, the CA under
// certs.d/HOST:PORT, and credentials in a containers-auth.json(5) file.
//
// A mirror `location` may carry a namespace (containers/image docs/containers-registries.conf.5.md:
// "host[:port]/namespace[/namespace…]", the prefix-rooted namespace replaced by it), and these clients
// send no `?ns=`: the mirror of ghcr.io is `SEED/ghcr.io`, so `ghcr.io/org/app:1` is asked for as
// `/v2/ghcr.io/org/app/manifests/1` and the seed serves ghcr.io's, not docker.io's same-named image
// (src/image/names.ts `qualifiedNamesOf`). A registry with a port cannot be a path component: its
// mirror is the seed itself, as before.
import { registryPrefix } from '../image/names.js';
import { basicToken, quoted, type ConfigFile, type NodeConfig, type NodeTarget } from './target.js';

const DROP_IN = 'registries.conf.d/50-seed-registry.conf';

function dropIn(target: NodeTarget): string {
  const blocks = target.upstreams.map((upstream) =>
    [
      '[[registry]]',
      `prefix = ${quoted(upstream)}`,
      `location = ${quoted(upstream)}`,
      '',
      '[[registry.mirror]]',
      `location = ${quoted(mirrorLocation(target.registry, upstream))}`,
      ...(target.scheme === 'http' ? ['insecure = true'] : []),
    ].join('\n'),
  );
  return [`# seed-registry configure: pull ${target.upstreams.join(', ')} images through the seed at ${target.registry}.`, ...blocks].join('\n\n') + '\n';
}

function mirrorLocation(seed: string, upstream: string): string {
  const prefix = registryPrefix(upstream);
  return prefix === undefined ? seed : `${seed}/${prefix}`;
}

function configureContainers(target: NodeTarget, authNote: string, restart: string[]): NodeConfig {
  const files: ConfigFile[] = [{ path: DROP_IN, contents: dropIn(target) }];
  if (target.ca !== undefined) files.push({ path: `certs.d/${target.registry}/ca.crt`, contents: target.ca });
  if (target.credentials) {
    const auth = { auths: { [target.registry]: { auth: basicToken(target.credentials) } } };
    files.push({ path: 'auth.json', contents: JSON.stringify(auth, null, 2) + '\n', mode: 0o600 });
  }
  return {
    files,
    notes: [
      'Copy registries.conf.d/ and certs.d/ into /etc/containers/ (mirrors are tried first; the upstream stays the fall-back).',
      ...(target.credentials ? [authNote] : []),
      ...restart,
    ],
  };
}

export function configureCrio(target: NodeTarget): NodeConfig {
  return configureContainers(target, 'Credentials: copy auth.json to /etc/crio/auth.json and set global_auth_file = "/etc/crio/auth.json" in [crio.image].', [
    'Then restart CRI-O (systemctl restart crio).',
  ]);
}

export function configurePodman(target: NodeTarget): NodeConfig {
  return configureContainers(target, 'Credentials: copy auth.json to ${XDG_RUNTIME_DIR}/containers/auth.json, or point REGISTRY_AUTH_FILE at it.', []);
}
