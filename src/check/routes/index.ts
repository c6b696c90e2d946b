// Each runtime `check --runtime` knows, with the folder its configuration lives in on a node.
import type { CheckRuntime } from '../runtimes.js';
import type { NodeFiles } from '../files.js';
import type { Route, RouteInput } from '../route.js';
import { containerdRoute } from './containerd.js';
import { containersRoute } from './containers.js';
import { dockerRoute } from './docker.js';
import { rancherRoute } from './k3s.js';

export const CHECK_RUNTIMES = {
  containerd: { dir: '/etc/containerd/certs.d', route: (f: NodeFiles, i: RouteInput) => containerdRoute(f, i) },
  docker: { dir: '/etc/docker', route: (f: NodeFiles, i: RouteInput) => dockerRoute(f, i) },
  podman: { dir: '/etc/containers', route: (f: NodeFiles, i: RouteInput) => containersRoute(f, i, 'podman') },
  crio: { dir: '/etc/containers', route: (f: NodeFiles, i: RouteInput) => containersRoute(f, i, 'crio') },
  k3s: { dir: '/etc/rancher/k3s', route: (f: NodeFiles, i: RouteInput) => rancherRoute(f, i, 'k3s') },
  rke2: { dir: '/etc/rancher/rke2', route: (f: NodeFiles, i: RouteInput) => rancherRoute(f, i, 'rke2') },
} satisfies Record<CheckRuntime, { dir: string; route: (files: NodeFiles, input: RouteInput) => Route }>;

export type { CheckRuntime };
