// One private dockerd and one containerd per test file, in a short /tmp directory; always stopped by pid.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { startContainerd, type Containerd } from './containerd.js';
import type { Wrap } from './daemon.js';
import { startDockerd, type Docker } from './dockerd.js';
import { run } from './run.js';
import { requireClients } from './tools.js';

export interface ClientEnv {
  /** Short scratch directory (sockets live here; unix socket paths are limited to ~100 bytes). */
  dir: string;
  docker: Docker;
  containerd: Containerd;
  stop(): Promise<void>;
}

/** `wrap`: run both daemons elsewhere, e.g. inside a network namespace. */
export async function startClientEnv(wrap?: Wrap): Promise<ClientEnv> {
  await requireClients();
  const dir = mkdtempSync('/tmp/sr-');
  const stoppers: (() => Promise<void>)[] = [];
  const stop = async () => {
    for (const s of stoppers.reverse()) await s().catch((err: unknown) => console.error('stop failed:', err));
    stoppers.length = 0;
    await unmountUnder(dir);
    rmSync(dir, { recursive: true, force: true, maxRetries: 3 });
  };
  try {
    const docker = await startDockerd(dir, wrap);
    stoppers.push(docker.stop);
    const containerd = await startContainerd(dir, wrap);
    stoppers.push(containerd.stop);
    return { dir, docker, containerd, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

/**
 * dockerd leaves its host-network namespace bind-mounted under --exec-root after it exits
 * (`netns/default`, after a `--network host` container); unmount whatever is left, deepest first.
 */
async function unmountUnder(dir: string): Promise<void> {
  const mountPoints = readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .map((line) => line.split(' ')[4])
    .filter((m): m is string => m !== undefined && m.startsWith(`${dir}/`))
    .sort((a, b) => b.length - a.length);
  for (const m of mountPoints) await run('umount', ['-l', m]);
}
