// Dragonfly: every node's dfdaemon (clients and seed peers) is a registry mirror whose origin is the
// seed; containerd on each node sends pulls to its local dfdaemon proxy, which spreads blobs peer to
// peer. Keys: dragonflyoss/client dragonfly-client-config/src/dfdaemon.rs (`proxy.registryMirror.addr`,
// `proxy.registryMirror.cert`, `proxy.rules`, `proxy.server.port`); the hosts.toml shape is what dfinit
// writes (dragonfly-client-init, containerd: a host per registry with the X-Dragonfly-Registry header).
import { CONTAINERD_CONFIG_PATH } from '../containerd.js';
import { quoted, seedURL, type NodeConfig } from '../target.js';
import { basicHeader, hostsTree } from './hosts.js';
import { comment, SEED_CA_FILE, type EngineTarget } from './target.js';

/** dfdaemon's proxy port (dfdaemon.rs default_proxy_server_port). */
export const DFDAEMON_PROXY_PORT = 4001;
const DFDAEMON_CA_PATH = `/etc/dragonfly/${SEED_CA_FILE}`;

function dfdaemonYaml(target: EngineTarget): string {
  return [
    ...comment(`seed-registry configure --engine dragonfly: merge into dfdaemon.yaml of every client and seed peer.`, 'Keys: dragonfly-client-config/src/dfdaemon.rs (dragonflyoss/client).'),
    'proxy:',
    '  server:',
    `    # dfdaemon.rs Proxy.server.port: where containerd's hosts.toml sends pulls.`,
    `    port: ${DFDAEMON_PROXY_PORT}`,
    '  # dfdaemon.rs Proxy.rules: blob downloads go peer to peer; manifests are fetched from the seed each time.',
    '  rules:',
    '    - regex: "blobs/sha256.*"',
    '  registryMirror:',
    `    # dfdaemon.rs RegistryMirror.addr: the origin when a request names none (X-Dragonfly-Registry names it too).`,
    `    addr: ${quoted(seedURL(target))}`,
    ...(target.ca !== undefined ? ['    # dfdaemon.rs RegistryMirror.cert: PEM the seed\'s certificate is checked against.', `    cert: ${quoted(DFDAEMON_CA_PATH)}`] : []),
    '',
  ].join('\n');
}

export function configureDragonfly(target: EngineTarget): NodeConfig {
  const proxy = `http://127.0.0.1:${DFDAEMON_PROXY_PORT}`;
  // containerd's Authorization header goes through dfdaemon to the seed with the request.
  const headers = { 'X-Dragonfly-Registry': seedURL(target), ...basicHeader(target.credentials) };
  const why = (u: string) => `pull ${u} images through this node's dfdaemon, whose origin is the seed at ${target.registry}.`;
  return {
    files: [
      { path: 'dfdaemon.yaml', contents: dfdaemonYaml(target) },
      ...(target.ca !== undefined ? [{ path: SEED_CA_FILE, contents: target.ca }] : []),
      ...hostsTree('certs.d', target.upstreams, why, [{ url: proxy, headers }], {}, target.credentials !== undefined),
    ],
    notes: [
      `Merge dfdaemon.yaml into /etc/dragonfly/dfdaemon.yaml on every node and seed peer${target.ca !== undefined ? `; copy ${SEED_CA_FILE} to ${DFDAEMON_CA_PATH}` : ''}; restart dfdaemon.`,
      `Copy certs.d/ to ${CONTAINERD_CONFIG_PATH} (config_path, as configure --runtime containerd says); dfinit writes the same if you use it.`,
      'The Dragonfly images themselves (manager, scheduler, seed peer, client) must be in the archives the seed serves.',
    ],
  };
}
