// One private dockerd and one containerd per test file, in a short /tmp directory; always stopped by pid.
import { mkdtempSync, rmSync } from 'node:fs';
import { startContainerd, type Containerd } from './containerd.js';
import { startDockerd, type Docker } from './dockerd.js';
import { requireClients } from './tools.js';

export interface ClientEnv {
  /** Short scratch directory (sockets live here; unix socket paths are limited to ~100 bytes). */
  dir: string;
  docker: Docker;
  containerd: Containerd;
  stop(): Promise<void>;
}

export async function startClientEnv(): Promise<ClientEnv> {
  await requireClients();
  const dir = mkdtempSync('/tmp/sr-');
  const stoppers: (() => Promise<void>)[] = [];
  const stop = async () => {
    for (const s of stoppers.reverse()) await s().catch((err: unknown) => console.error('stop failed:', err));
    stoppers.length = 0;
    rmSync(dir, { recursive: true, force: true, maxRetries: 3 });
  };
  try {
    const docker = await startDockerd(dir);
    stoppers.push(docker.stop);
    const containerd = await startContainerd(dir);
    stoppers.push(containerd.stop);
    return { dir, docker, containerd, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}
