// Talos: a machine-config patch, `machine.registries.mirrors` (each upstream → the seed) and
// `machine.registries.config` keyed by the seed's address, whose `tls.ca` is the CA PEM in base64
// (the v1alpha1 schema's Base64Bytes). Talos pulls its own images only over HTTPS.
// https://www.talos.dev/latest/reference/configuration/v1alpha1/config/#Config.machine.registries
import { quoted, seedURL, type NodeConfig, type NodeTarget } from './target.js';

function patch(target: NodeTarget): string {
  const lines = [
    `# seed-registry configure: pull ${target.upstreams.join(', ')} images through the seed at ${target.registry}.`,
    'machine:',
    '  registries:',
    '    mirrors:',
  ];
  for (const upstream of target.upstreams) lines.push(`      ${quoted(upstream)}:`, '        endpoints:', `          - ${quoted(seedURL(target))}`);
  const config: string[] = [];
  if (target.ca !== undefined) config.push('        tls:', `          ca: ${Buffer.from(target.ca, 'utf8').toString('base64')}`);
  if (target.credentials) config.push('        auth:', `          username: ${quoted(target.credentials.username)}`, `          password: ${quoted(target.credentials.password)}`);
  if (config.length) lines.push('    config:', `      ${quoted(target.registry)}:`, ...config);
  return lines.join('\n') + '\n';
}

export function configureTalos(target: NodeTarget): NodeConfig {
  return {
    files: [{ path: 'talos-registries.patch.yaml', contents: patch(target), ...(target.credentials ? { mode: 0o600 } : {}) }],
    notes: [
      'Apply to every node: talosctl patch machineconfig --nodes <node,...> --patch @talos-registries.patch.yaml',
      '  (or pass --config-patch @talos-registries.patch.yaml to talosctl gen config before the first boot).',
      'This is the v1alpha1 machine.registries form; Talos 1.12+ also has RegistryMirrorConfig, RegistryTLSConfig and RegistryAuthConfig documents for the same settings.',
      ...(target.scheme === 'http' ? ['Talos pulls its own images (installer) only over HTTPS: serve the seed with TLS.'] : []),
    ],
  };
}
