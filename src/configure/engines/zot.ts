// zot: a registry in the cluster that copies from the seed with its sync extension, on demand (a pull
// zot lacks is fetched from the seed) and periodically (every repository the seed's _catalog lists).
// Keys: project-zot/zot pkg/extensions/config/sync/config.go (Config, RegistryConfig, Content), read
// from the `extensions.sync` section of zot's config.json; certDir holds `ca.crt`
// (pkg/extensions/sync/utils.go getCertificates); credentialsFile maps a registry to its username and
// password (config.go CredentialsFile). JSON has no comments: the citations are in NOTES and here.
import { seedURL, type ConfigFile, type NodeConfig } from '../target.js';
import type { EngineTarget } from './target.js';

const DIR = '/etc/zot';

export function configureZot(target: EngineTarget): NodeConfig {
  const registry: Record<string, unknown> = {
    urls: [seedURL(target)],
    onDemand: true,
    pollInterval: '6h',
    tlsVerify: target.scheme === 'https',
    ...(target.ca !== undefined && { certDir: `${DIR}/seed-certs` }),
    content: [{ prefix: '**' }],
    maxRetries: 3,
    retryDelay: '30s',
    // The seed's digests are the archives' digests: keep them (no conversion to OCI media types).
    preserveDigest: true,
  };
  const sync = { enable: true, ...(target.credentials && { credentialsFile: `${DIR}/seed-credentials.json` }), registries: [registry] };
  const files: ConfigFile[] = [{ path: 'zot-sync.json', contents: JSON.stringify({ extensions: { sync } }, null, 2) + '\n' }];
  if (target.ca !== undefined) files.push({ path: 'seed-certs/ca.crt', contents: target.ca });
  if (target.credentials) {
    const credentials = { [target.registry]: { username: target.credentials.username, password: target.credentials.password } };
    files.push({ path: 'seed-credentials.json', contents: JSON.stringify(credentials, null, 2) + '\n', mode: 0o600 });
  }
  return {
    files,
    notes: [
      `Merge zot-sync.json's "extensions" into zot's config.json${target.ca !== undefined ? `; copy seed-certs/ to ${DIR}/seed-certs/` : ''}${target.credentials ? `, seed-credentials.json to ${DIR}/` : ''}; restart zot.`,
      'Keys: pkg/extensions/config/sync/config.go (urls, onDemand, pollInterval, tlsVerify, certDir, content, maxRetries, retryDelay, preserveDigest, credentialsFile).',
      'Periodic sync lists the seed\'s _catalog without n (regclient RepoList): the seed answers with every repository in one page.',
      'Then point the nodes at zot (configure --runtime ... --registry <zot HOST:PORT>).',
    ],
  };
}
