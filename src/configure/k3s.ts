// k3s and RKE2 generate containerd's configuration from registries.yaml: `mirrors` sends each upstream
// to the seed, `configs` keyed by the seed's address carries the CA file and the credentials.
// https://docs.k3s.io/installation/private-registry
import { quoted, seedURL, type ConfigFile, type NodeConfig, type NodeTarget } from './target.js';

const CA_FILE = 'seed-registry-ca.crt';

function registriesYaml(target: NodeTarget, dir: string): string {
  const lines = [`# seed-registry configure: pull ${target.upstreams.join(', ')} images through the seed at ${target.registry}.`, 'mirrors:'];
  for (const upstream of target.upstreams) lines.push(`  ${quoted(upstream)}:`, '    endpoint:', `      - ${quoted(seedURL(target))}`);
  const config: string[] = [];
  if (target.ca !== undefined) config.push('    tls:', `      ca_file: ${quoted(`${dir}/${CA_FILE}`)}`);
  if (target.credentials) config.push('    auth:', `      username: ${quoted(target.credentials.username)}`, `      password: ${quoted(target.credentials.password)}`);
  if (config.length) lines.push('configs:', `  ${quoted(target.registry)}:`, ...config);
  return lines.join('\n') + '\n';
}

function configureRancher(target: NodeTarget, product: 'k3s' | 'rke2'): NodeConfig {
  const dir = `/etc/rancher/${product}`;
  const files: ConfigFile[] = [{ path: 'registries.yaml', contents: registriesYaml(target, dir), ...(target.credentials ? { mode: 0o600 } : {}) }];
  if (target.ca !== undefined) files.push({ path: CA_FILE, contents: target.ca });
  return {
    files,
    notes: [
      `Copy registries.yaml${target.ca !== undefined ? ` and ${CA_FILE}` : ''} to ${dir}/ on every node, servers included, before ${product} starts (or restart it).`,
      `In a fully air-gapped cluster, also start ${product} with --disable-default-registry-endpoint so it never tries the upstreams.`,
    ],
  };
}

export const configureK3s = (target: NodeTarget) => configureRancher(target, 'k3s');
export const configureRke2 = (target: NodeTarget) => configureRancher(target, 'rke2');
