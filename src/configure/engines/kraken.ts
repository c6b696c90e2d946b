// Kraken: the origin cluster fetches blobs from the seed (`registry_blob` backend) and the build-index
// resolves tags from it (`registry_tag` backend); agents on every node then spread blobs peer to peer.
// Keys: uber/kraken lib/backend/registrybackend/{config.go,blobclient.go,tagclient.go} (`address`,
// `security`), lib/backend/registrybackend/security/security.go (`tls`, `basic`), utils/httputil/tls.go
// (`tls.ca.cert.path`, `tls.client.disabled`); the `backends` list of namespace → backend is how
// origin and build-index configs name them (lib/backend/manager.go).
import { quoted, type NodeConfig } from '../target.js';
import { comment, SEED_CA_FILE, type EngineTarget } from './target.js';

const CA_PATH = `/etc/kraken/${SEED_CA_FILE}`;

function security(target: EngineTarget): string[] {
  const lines: string[] = [];
  if (target.scheme === 'http') lines.push('# utils/httputil/tls.go X509Pair.disabled: the seed serves plain HTTP.', 'tls:', '  client:', '    disabled: true');
  else if (target.ca !== undefined) lines.push("# utils/httputil/tls.go TLSConfig.ca.cert.path: the seed's CA, added to the system pool.", 'tls:', '  ca:', '    cert:', `      path: ${quoted(CA_PATH)}`);
  if (target.credentials) {
    lines.push('# security.go Config.basic (docker AuthConfig): read credentials for a seed with --htpasswd.', 'basic:', `  username: ${quoted(target.credentials.username)}`, `  password: ${quoted(target.credentials.password)}`);
  }
  return lines;
}

function backend(kind: 'registry_blob' | 'registry_tag', target: EngineTarget): string[] {
  const sec = security(target);
  return [
    '  - namespace: ".*"',
    '    backend:',
    `      ${kind}:`,
    '        # registrybackend/config.go Config.address: HOST:PORT of the registry (the seed).',
    `        address: ${quoted(target.registry)}`,
    ...(sec.length ? ['        # registrybackend/config.go Config.security', '        security:', ...sec.map((l) => `          ${l}`)] : []),
  ];
}

function yaml(role: string, kind: 'registry_blob' | 'registry_tag', target: EngineTarget, why: string): string {
  return [...comment(`seed-registry configure --engine kraken: merge into the ${role} configuration.`, why), 'backends:', ...backend(kind, target), ''].join('\n');
}

export function configureKraken(target: EngineTarget): NodeConfig {
  const secret = target.credentials !== undefined ? { mode: 0o600 } : {};
  return {
    files: [
      { path: 'origin.yaml', contents: yaml('origin', 'registry_blob', target, 'Origins fetch every blob they lack from the seed (registryblob: GET /v2/<repo>/blobs/<digest>).'), ...secret },
      { path: 'build-index.yaml', contents: yaml('build-index', 'registry_tag', target, 'The build-index resolves a tag it lacks from the seed (registrytag: GET /v2/<repo>/manifests/<tag>).'), ...secret },
      ...(target.ca !== undefined ? [{ path: SEED_CA_FILE, contents: target.ca }] : []),
    ],
    notes: [
      `Merge origin.yaml into the origins' config and build-index.yaml into the build-index's${target.ca !== undefined ? `; copy ${SEED_CA_FILE} to ${CA_PATH} on both` : ''}; restart them.`,
      'Nodes keep pulling from their Kraken agent (containerd hosts.toml to the agent\'s port), as Kraken documents; nothing changes there.',
    ],
  };
}
