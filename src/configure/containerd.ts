// containerd: a `config_path` tree, one `<upstream>/hosts.toml` per registry the archives name, the seed
// as its pull/resolve host (containerd adds `?ns=<upstream>` to mirror requests, which the seed uses to
// tell same-named repositories apart), plus one for the seed's own address so `HOST:PORT/name` works.
// https://github.com/containerd/containerd/blob/main/docs/hosts.md
import { basicToken, quoted, seedURL, type NodeConfig, type NodeTarget } from './target.js';

/** Where the tree goes on a node; `config_path` must name it. */
export const CONTAINERD_CONFIG_PATH = '/etc/containerd/certs.d';
const CA_FILE = 'seed-registry-ca.crt';

/** Docker Hub's API is not served at its namespace name. */
export function upstreamServer(upstream: string): string {
  return upstream === 'docker.io' ? 'https://registry-1.docker.io' : `https://${upstream}`;
}

function hostsToml(target: NodeTarget, namespace: string, server: string): string {
  const lines = [
    `# seed-registry configure: pull ${namespace} images through the seed at ${target.registry}.`,
    '# `server` is the fall-back when the seed lacks an image (unreachable in an air-gapped cluster).',
    `server = ${quoted(server)}`,
    '',
    `[host.${quoted(seedURL(target))}]`,
    '  capabilities = ["pull", "resolve"]',
  ];
  // A relative `ca` is resolved against this hosts.toml's own directory, so the tree can live anywhere.
  if (target.ca !== undefined) lines.push(`  ca = ${quoted(CA_FILE)}`);
  if (target.credentials) lines.push(`  [host.${quoted(seedURL(target))}.header]`, `    Authorization = ${quoted(`Basic ${basicToken(target.credentials)}`)}`);
  return lines.join('\n') + '\n';
}

export function configureContainerd(target: NodeTarget): NodeConfig {
  const dirs = [...target.upstreams.map((u) => ({ dir: u, server: upstreamServer(u) })), { dir: target.registry, server: seedURL(target) }];
  const files = dirs.flatMap(({ dir, server }) => [
    { path: `${dir}/hosts.toml`, contents: hostsToml(target, dir, server), ...(target.credentials ? { mode: 0o600 } : {}) },
    ...(target.ca !== undefined ? [{ path: `${dir}/${CA_FILE}`, contents: target.ca }] : []),
  ]);
  return {
    files,
    notes: [
      `Copy this tree to ${CONTAINERD_CONFIG_PATH} on every node (hosts.toml changes need no restart).`,
      'containerd reads it only where config_path names it, in the CRI registry section of /etc/containerd/config.toml:',
      `  containerd 1.x (version = 2): [plugins."io.containerd.grpc.v1.cri".registry]  config_path = "${CONTAINERD_CONFIG_PATH}"`,
      `  containerd 2.x (version = 3): [plugins."io.containerd.cri.v1.images".registry]  config_path = "${CONTAINERD_CONFIG_PATH}"`,
      'containerd 2.1+ pulls CRI images through the transfer service, which can ignore hosts.toml (containerd#12415, spegel#1294);',
      '  enable local image pull so the CRI pull reads config_path:  [plugins."io.containerd.cri.v1.images"]  use_local_image_pull = true',
      `Then restart containerd. ctr reads the tree with --hosts-dir ${CONTAINERD_CONFIG_PATH}.`,
    ],
  };
}
