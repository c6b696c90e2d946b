// `seed-registry configure`: one configurer per runtime, each a pure function of the node target.
import { configureContainerd } from './containerd.js';
import { configureCrio, configurePodman } from './containers.js';
import { configureDocker } from './docker.js';
import { configureK3s, configureRke2 } from './k3s.js';
import { configureTalos } from './talos.js';
import type { Configurer } from './target.js';

export const RUNTIMES = {
  containerd: configureContainerd,
  docker: configureDocker,
  crio: configureCrio,
  podman: configurePodman,
  k3s: configureK3s,
  rke2: configureRke2,
  talos: configureTalos,
} satisfies Record<string, Configurer>;

export type Runtime = keyof typeof RUNTIMES;
export const RUNTIME_NAMES = Object.keys(RUNTIMES) as Runtime[];

export { parseRegistryAddress, upstreamsOf, type NodeConfig, type NodeTarget } from './target.js';
