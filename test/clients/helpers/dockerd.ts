// A private dockerd: its own data root, exec root, pidfile and socket, no bridge and no iptables rules.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startDaemon, waitUntil, type Daemon, type Wrap } from './daemon.js';
import { run, runOk, type RunOptions } from './run.js';

const READY_TIMEOUT_MS = 60_000;

export interface Docker {
  daemon: Daemon;
  host: string;
  /** Runs the docker client against this daemon; rejects with the client's message on failure. */
  docker(args: string[], options?: RunOptions): Promise<string>;
  stop(): Promise<void>;
}

/** `wrap` runs the daemon elsewhere, e.g. inside a network namespace (helpers/netns.ts); `daemonJson`: its daemon.json. */
export async function startDockerd(dir: string, wrap: Wrap = (cmd, args) => [cmd, args], daemonJson = '{}\n'): Promise<Docker> {
  // Unix socket paths are limited to ~100 bytes, so `dir` must be short (e.g. /tmp/sr-XXXXXX).
  const host = `unix://${join(dir, 'docker.sock')}`;
  const configFile = join(dir, 'daemon.json');
  writeFileSync(configFile, daemonJson); // keep the host's /etc/docker/daemon.json out of the test
  const daemon = startDaemon(
    ...wrap('dockerd', [
      '--storage-driver=vfs',
      '--iptables=false',
      '--ip-masq=false',
      '--bridge=none',
      '--config-file', configFile,
      '--data-root', join(dir, 'docker'),
      '--exec-root', join(dir, 'dx'),
      '--pidfile', join(dir, 'docker.pid'),
      '-H', host,
    ]),
    join(dir, 'dockerd.log'),
  );
  // The legacy builder: BuildKit needs a buildx plugin we do not require, and cannot use `FROM` on local images offline.
  const env = { DOCKER_HOST: host, DOCKER_BUILDKIT: '0', DOCKER_CONFIG: join(dir, 'docker-config') };
  const docker = (args: string[], options: RunOptions = {}) =>
    runOk('docker', args, { ...options, env: { ...env, ...options.env } });
  await waitUntil('dockerd', async () => (await run('docker', ['version'], { env, timeoutMs: 5000 })).code === 0, READY_TIMEOUT_MS, daemon);
  return { daemon, host, docker, stop: () => daemon.stop() };
}
