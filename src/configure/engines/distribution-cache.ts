// distribution as a pull-through cache per rack: each cache's config.yml names the seed in
// `proxy.remoteurl` (distribution configuration/configuration.go Proxy: remoteurl, username,
// password), and every node's hosts.toml tries its cache first and the seed second.
// distribution's proxy has no CA setting: it dials with Go's default transport, whose roots come from
// the system or from SSL_CERT_FILE (Go src/crypto/x509/root_unix.go), so the seed's CA goes there.
import { CONTAINERD_CONFIG_PATH } from '../containerd.js';
import { parseHostPort } from '../../address.js';
import { quoted, seedURL, type ConfigFile, type NodeConfig } from '../target.js';
import { basicHeader, hostsTree, type MirrorHost } from './hosts.js';
import { comment, SEED_CA_FILE, type EngineTarget } from './target.js';

const CACHE_CA_FILE = 'cache-ca.crt';
const DIR = '/etc/docker/registry';

function cacheConfig(target: EngineTarget, cache: string): string {
  const { port } = parseHostPort(cache);
  const tls = target.scheme === 'https';
  return [
    ...comment(`seed-registry configure --engine distribution-cache: the cache at ${cache}, upstream the seed at ${target.registry}.`, 'Keys: configuration/configuration.go (distribution/distribution).'),
    'version: 0.1',
    'log:',
    '  level: info',
    'storage:',
    '  filesystem:',
    '    rootdirectory: /var/lib/docker-registry',
    '  # Blob descriptors in memory: a cache answers repeat requests without a storage round trip.',
    '  cache:',
    '    blobdescriptor: inmemory',
    'http:',
    `  addr: ":${port}"`,
    ...(tls ? ['  # The cache serves TLS with a certificate for its own name (signed by the CA the nodes trust).', '  tls:', `    certificate: ${DIR}/tls.crt`, `    key: ${DIR}/tls.key`] : []),
    '# Proxy: a pull-through cache of one upstream registry, the seed. No CA key exists: the seed\'s CA goes',
    `# to SSL_CERT_FILE=${DIR}/${SEED_CA_FILE} in the cache's environment (Go crypto/x509 root_unix.go).`,
    'proxy:',
    `  remoteurl: ${quoted(seedURL(target))}`,
    ...(target.credentials ? [`  username: ${quoted(target.credentials.username)}`, `  password: ${quoted(target.credentials.password)}`] : []),
    '',
  ].join('\n');
}

export function configureDistributionCache(target: EngineTarget): NodeConfig {
  const secret = target.credentials !== undefined;
  const files: ConfigFile[] = target.caches.flatMap((cache) => [
    { path: `caches/${cache}/config.yml`, contents: cacheConfig(target, cache), ...(secret ? { mode: 0o600 } : {}) },
    ...(target.ca !== undefined ? [{ path: `caches/${cache}/${SEED_CA_FILE}`, contents: target.ca }] : []),
  ]);
  const cacheCa = target.cacheCa ?? target.ca;
  const caches: MirrorHost[] = target.caches.map((cache) => ({ url: `${target.scheme}://${cache}`, ...(cacheCa !== undefined && { caFile: CACHE_CA_FILE }) }));
  const seed: MirrorHost = { url: seedURL(target), ...(target.ca !== undefined && { caFile: SEED_CA_FILE }), ...(target.credentials && { headers: basicHeader(target.credentials) }) };
  const cas: Record<string, string> = { ...(cacheCa !== undefined && { [CACHE_CA_FILE]: cacheCa }), ...(target.ca !== undefined && { [SEED_CA_FILE]: target.ca }) };
  const why = (u: string) => `pull ${u} images from the cache${target.caches.length > 1 ? 's' : ''} ${target.caches.join(', ')} first, the seed at ${target.registry} second.`;
  files.push(...hostsTree('nodes/certs.d', target.upstreams, why, [...caches, seed], cas, secret));
  return {
    files,
    notes: [
      `On each cache host: caches/<HOST:PORT>/config.yml to ${DIR}/config.yml${target.ca !== undefined ? `, ${SEED_CA_FILE} beside it, and SSL_CERT_FILE=${DIR}/${SEED_CA_FILE} in the registry's environment` : ''}; its TLS certificate and key as ${DIR}/tls.crt and tls.key.`,
      `On each node: nodes/certs.d/ to ${CONTAINERD_CONFIG_PATH} (config_path, as configure --runtime containerd says). A rack uses its own cache: run configure once per rack with that rack's --cache.`,
      'A cache proxies one upstream: it asks the seed for <name> without ?ns=, so two registries serving the same repository name are told apart only at the seed itself.',
    ],
  };
}
