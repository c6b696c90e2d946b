// Private client daemons for `--pulls`: a containerd and a dockerd with their own roots and sockets
// under a short temp dir (unix socket paths are limited to ~100 bytes), stopped by pid afterwards.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { execFileAsync, start, stop } from './proc.js';

const READY_TIMEOUT_MS = 60_000;
const PULL_TIMEOUT_MS = 15 * 60_000;
const NAMESPACE = 'seed-bench';

// CRI would set up networking; the copy-on-write snapshotters need file systems this machine may lack.
const DISABLED_PLUGINS = ['io.containerd.grpc.v1.cri', 'io.containerd.snapshotter.v1.btrfs', 'io.containerd.snapshotter.v1.aufs',
  'io.containerd.snapshotter.v1.zfs', 'io.containerd.snapshotter.v1.devmapper'];

async function until(label, proc, probe) {
  const deadline = performance.now() + READY_TIMEOUT_MS;
  for (let i = 0; performance.now() < deadline && i < 10_000; i++) {
    if (proc.exited) throw new Error(`${label} exited\n${proc.output}`);
    if (await probe().then(() => true, () => false)) return;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`${label}: not ready within ${READY_TIMEOUT_MS} ms\n${proc.output}`);
}

async function startContainerd(dir) {
  const config = join(dir, 'containerd.toml');
  writeFileSync(config, [
    'version = 2', `root = "${join(dir, 'ctd-root')}"`, `state = "${join(dir, 'ctd-state')}"`,
    `disabled_plugins = ${JSON.stringify(DISABLED_PLUGINS)}`,
    '[grpc]', `  address = "${join(dir, 'ctd.sock')}"`, '[ttrpc]', `  address = "${join(dir, 'ctd.sock.ttrpc')}"`,
    '[debug]', `  address = "${join(dir, 'ctd-debug.sock')}"`,
    '[plugins."io.containerd.internal.v1.opt"]', `  path = "${join(dir, 'ctd-opt')}"`, '',
  ].join('\n'));
  const proc = start('containerd', ['--config', config], { name: 'containerd' });
  const ctr = (args) => execFileAsync('ctr', ['-a', join(dir, 'ctd.sock'), '-n', NAMESPACE, ...args], { timeout: PULL_TIMEOUT_MS, maxBuffer: 16 << 20 });
  await until('containerd', proc, () => ctr(['version']));
  return { proc, ctr };
}

async function startDockerd(dir) {
  const host = `unix://${join(dir, 'docker.sock')}`;
  writeFileSync(join(dir, 'daemon.json'), '{}\n'); // keep the host's daemon.json out of the measurement
  const proc = start('dockerd', ['--storage-driver=vfs', '--iptables=false', '--ip-masq=false', '--bridge=none',
    '--config-file', join(dir, 'daemon.json'), '--data-root', join(dir, 'docker'), '--exec-root', join(dir, 'dx'),
    '--pidfile', join(dir, 'docker.pid'), '-H', host], { name: 'dockerd' });
  const env = { ...process.env, DOCKER_HOST: host, DOCKER_CONFIG: join(dir, 'docker-config') };
  const docker = (args) => execFileAsync('docker', args, { env, timeout: PULL_TIMEOUT_MS, maxBuffer: 16 << 20 });
  await until('dockerd', proc, () => docker(['version']));
  return { proc, docker };
}

async function timed(fn) {
  const t0 = performance.now();
  await fn();
  return (performance.now() - t0) / 1000;
}

const refOf = (server, image) => `${server.base.replace('http://', '')}/${image.repository}:${image.tag}`;

/** Starts the daemons; returns pull functions (seconds, the client's copy removed before and after) and stop(). */
export async function startClients(dir) {
  mkdirSync(dir, { recursive: true });
  const containerd = await startContainerd(dir).catch((err) => ({ error: err }));
  const dockerd = await startDockerd(dir).catch((err) => ({ error: err }));
  const pulls = {
    'skopeo copy': async (server, image) => {
      const target = join(dir, 'skopeo-dir');
      await execFileAsync('rm', ['-rf', target]);
      try {
        return await timed(() => execFileAsync('skopeo', ['copy', '--quiet', '--src-tls-verify=false', `docker://${refOf(server, image)}`,
          `dir:${target}`], { timeout: PULL_TIMEOUT_MS }));
      } finally {
        await execFileAsync('rm', ['-rf', target]);
      }
    },
    'ctr images pull': async (server, image) => {
      if (containerd.error) throw containerd.error;
      const ref = refOf(server, image);
      await containerd.ctr(['images', 'rm', '--sync', ref]).catch(() => {});
      try {
        return await timed(() => containerd.ctr(['images', 'pull', '--plain-http', ref]));
      } finally {
        await containerd.ctr(['images', 'rm', '--sync', ref]).catch(() => {});
      }
    },
    // 127.0.0.0/8 is an insecure registry by default in dockerd, so plain HTTP on loopback works.
    'docker pull': async (server, image) => {
      if (dockerd.error) throw dockerd.error;
      const ref = refOf(server, image);
      await dockerd.docker(['rmi', '-f', ref]).catch(() => {});
      try {
        return await timed(() => dockerd.docker(['pull', '--quiet', ref]));
      } finally {
        await dockerd.docker(['rmi', '-f', ref]).catch(() => {});
      }
    },
  };
  return { dir, pulls, stop: async () => { await stop(dockerd.proc); await stop(containerd.proc); } };
}
