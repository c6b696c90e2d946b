// A private containerd: its own root, state and sockets; plugins this machine cannot run are disabled.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startDaemon, waitUntil, type Daemon, type Wrap } from './daemon.js';
import { run, runOk, type RunOptions } from './run.js';

const READY_TIMEOUT_MS = 30_000;
export const CTR_NAMESPACE = 'seed-test';

// CRI would try to set up networking; the copy-on-write snapshotters need file systems we may not have.
const DISABLED_PLUGINS = [
  'io.containerd.grpc.v1.cri',
  'io.containerd.snapshotter.v1.btrfs',
  'io.containerd.snapshotter.v1.aufs',
  'io.containerd.snapshotter.v1.zfs',
  'io.containerd.snapshotter.v1.devmapper',
];

export interface Containerd {
  daemon: Daemon;
  address: string;
  ctr(args: string[], options?: RunOptions): Promise<string>;
  stop(): Promise<void>;
}

export interface ContainerdOptions {
  /** Keep the CRI plugin (what the kubelet and `seed-registry prepull` talk to), reading hosts.toml from `configPath`. */
  cri?: { configPath: string };
}

/** CRI with no cgroups, AppArmor or TCP streaming service: enough to pull images, nothing to run. */
function criToml(dir: string, configPath: string): string[] {
  const cri = '[plugins."io.containerd.grpc.v1.cri"]';
  return [
    cri, '  disable_cgroup = true', '  disable_apparmor = true', '  restrict_oom_score_adj = true', '  disable_tcp_service = true',
    `${cri.slice(0, -1)}.cni]`, `  bin_dir = "${join(dir, 'cni-bin')}"`, `  conf_dir = "${join(dir, 'cni-conf')}"`,
    `${cri.slice(0, -1)}.registry]`, `  config_path = "${configPath}"`,
  ];
}

function configToml(dir: string, options: ContainerdOptions = {}): string {
  const disabled = options.cri ? DISABLED_PLUGINS.filter((p) => p !== 'io.containerd.grpc.v1.cri') : DISABLED_PLUGINS;
  return [
    'version = 2',
    `root = "${join(dir, 'ctd-root')}"`,
    `state = "${join(dir, 'ctd-state')}"`,
    `disabled_plugins = ${JSON.stringify(disabled)}`,
    '[grpc]',
    `  address = "${join(dir, 'ctd.sock')}"`,
    '[ttrpc]',
    `  address = "${join(dir, 'ctd.sock.ttrpc')}"`,
    '[debug]',
    `  address = "${join(dir, 'ctd-debug.sock')}"`,
    '[plugins."io.containerd.internal.v1.opt"]',
    `  path = "${join(dir, 'ctd-opt')}"`,
    ...(options.cri ? criToml(dir, options.cri.configPath) : []),
    '',
  ].join('\n');
}

/** `wrap` runs the daemon elsewhere, e.g. inside a network namespace (helpers/netns.ts), and ctr too: ctr pulls in its own process. */
export async function startContainerd(dir: string, wrap: Wrap = (cmd, args) => [cmd, args], options: ContainerdOptions = {}): Promise<Containerd> {
  const config = join(dir, 'containerd.toml');
  writeFileSync(config, configToml(dir, options));
  const address = join(dir, 'ctd.sock');
  const daemon = startDaemon(...wrap('containerd', ['--config', config]), join(dir, 'containerd.log'));
  const ctr = (args: string[], options: RunOptions = {}) => runOk(...wrap('ctr', ['-a', address, '-n', CTR_NAMESPACE, ...args]), options);
  await waitUntil('containerd', async () => (await run('ctr', ['-a', address, 'version'], { timeoutMs: 5000 })).code === 0, READY_TIMEOUT_MS, daemon);
  return { daemon, address, ctr, stop: () => daemon.stop() };
}
