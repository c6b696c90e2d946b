// Spegel: nodes share what they already hold; the seed serves the rest. Helm values for the Spegel
// chart and the containerd hosts.toml files Spegel keeps behind its own entry. Every key is from
// spegel-org/spegel charts/spegel/values.yaml.
import { CONTAINERD_CONFIG_PATH, configureContainerd } from '../containerd.js';
import { quoted, type NodeConfig } from '../target.js';
import { comment, type EngineTarget } from './target.js';

function values(target: EngineTarget): string {
  return [
    ...comment(`seed-registry configure --engine spegel: Spegel first, then the seed at ${target.registry}.`, 'Keys: charts/spegel/values.yaml (spegel-org/spegel).'),
    'spegel:',
    '  # values.yaml `mirroredRegistries`: registries Spegel writes a mirror entry for; those the archives name.',
    '  mirroredRegistries:',
    ...target.upstreams.map((u) => `    - ${quoted(`https://${u}`)}`),
    '  # values.yaml `prependExisting`: keep the existing hosts.toml (the seed, its CA, its credentials) and put',
    '  # Spegel\'s entry in front of it. Spegel gives its own entry a 200 ms dial timeout, so a node falls through',
    '  # to the seed quickly when no peer has the image.',
    '  prependExisting: true',
    '  # values.yaml `containerdRegistryConfigPath`: where the hosts.toml files below are installed.',
    `  containerdRegistryConfigPath: ${quoted(CONTAINERD_CONFIG_PATH)}`,
    '  # values.yaml `containerdMirrorAdd`: Spegel writes its mirror entries (the default, stated).',
    '  containerdMirrorAdd: true',
    '',
  ].join('\n');
}

export function configureSpegel(target: EngineTarget): NodeConfig {
  const containerd = configureContainerd(target);
  return {
    files: [{ path: 'spegel-values.yaml', contents: values(target) }, ...containerd.files.map((f) => ({ ...f, path: `certs.d/${f.path}` }))],
    notes: [
      `Copy certs.d/ to ${CONTAINERD_CONFIG_PATH} on every node first (and set config_path as configure --runtime containerd says); then install Spegel with -f spegel-values.yaml.`,
      'In an air-gapped cluster the Spegel chart and image come from the seed too: put them in the archives you serve.',
      ...containerd.notes.slice(1, 5),
    ],
  };
}
