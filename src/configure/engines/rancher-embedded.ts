// k3s and RKE2 with their embedded registry mirror (Spegel inside k3s): `embedded-registry: true` on the
// servers (k3s pkg/cli/cmds/server.go flag "embedded-registry"; docs.k3s.io/installation/registry-mirror),
// and a registries.yaml whose `mirrors` entries both switch the embedded mirror on for each registry the
// archives name and list the seed as the endpoint tried after the peers.
import { configureK3s, configureRke2 } from '../k3s.js';
import type { NodeConfig } from '../target.js';
import { comment, type EngineTarget } from './target.js';

function serverDropIn(product: 'k3s' | 'rke2', target: EngineTarget): string {
  return [
    ...comment(`seed-registry configure --engine ${product}-embedded: nodes share images, the seed at ${target.registry} serves the rest.`),
    `# ${product} server flag --embedded-registry (k3s pkg/cli/cmds/server.go): every node runs the distributed mirror`,
    '# on the supervisor port (6443) and shares image lists on 5001; nodes must reach each other on both.',
    'embedded-registry: true',
    '# Agent flag --disable-default-registry-endpoint (docs.k3s.io/installation/private-registry, "Default Endpoint',
    '# Fallback"): never fall back to the upstream registries, which an air-gapped cluster cannot reach.',
    'disable-default-registry-endpoint: true',
    '',
  ].join('\n');
}

function agentDropIn(product: 'k3s' | 'rke2'): string {
  return [
    ...comment(`seed-registry configure --engine ${product}-embedded: for agents (the servers' file carries this too).`),
    'disable-default-registry-endpoint: true',
    '',
  ].join('\n');
}

function configureEmbedded(target: EngineTarget, product: 'k3s' | 'rke2'): NodeConfig {
  const base = product === 'k3s' ? configureK3s(target) : configureRke2(target);
  const dir = `/etc/rancher/${product}`;
  return {
    files: [
      ...base.files,
      { path: 'server/config.yaml.d/50-seed-registry.yaml', contents: serverDropIn(product, target) },
      { path: 'agent/config.yaml.d/50-seed-registry.yaml', contents: agentDropIn(product) },
    ],
    notes: [
      base.notes[0]!,
      `Servers: copy server/config.yaml.d/50-seed-registry.yaml to ${dir}/config.yaml.d/; agents: agent/config.yaml.d/50-seed-registry.yaml to the same place. Then start (or restart) ${product}.`,
      'registries.yaml lists every registry the archives name under `mirrors`: that is what turns the embedded mirror on for it; pulls try the peers first, then the seed.',
    ],
  };
}

export const configureK3sEmbedded = (target: EngineTarget) => configureEmbedded(target, 'k3s');
export const configureRke2Embedded = (target: EngineTarget) => configureEmbedded(target, 'rke2');
