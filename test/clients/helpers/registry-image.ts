// The bootstrap payload: a real registry image built from the distribution binary Debian ships.
import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';
import type { Docker } from './dockerd.js';
import { runOk } from './run.js';
import { onPath } from '../../../src/source/on-path.js';
import { REGISTRY_BINARY } from './tools.js';

const CONFIG_PATH = '/etc/docker/registry/config.yml';
// The address is set per run with REGISTRY_HTTP_ADDR, as with the upstream registry:2 image.
const CONFIG = ['version: 0.1', 'log:', '  level: info', 'storage:', '  filesystem:', '    rootdirectory: /var/lib/registry', 'http:', '  addr: :5000', ''].join('\n');

/** Absolute paths of the shared libraries (and loader) a dynamically linked binary needs. */
async function sharedLibraries(binary: string): Promise<string[]> {
  const out = await runOk('ldd', [binary]);
  return [...out.matchAll(/(\/\S+) \(0x/g)].map((m) => m[1]).filter((p): p is string => p !== undefined);
}

export async function buildRegistryImage(d: Docker, dir: string, ref: string): Promise<void> {
  const binary = onPath(REGISTRY_BINARY);
  if (!binary) throw new Error(`${REGISTRY_BINARY} not found`);
  const rootfs = join(dir, 'rootfs-registry');
  for (const sub of ['bin', 'tmp', 'var/lib/registry', dirname(CONFIG_PATH).slice(1)]) mkdirSync(join(rootfs, sub), { recursive: true });
  copyFileSync(binary, join(rootfs, 'bin/registry'));
  for (const lib of await sharedLibraries(binary)) {
    mkdirSync(join(rootfs, dirname(lib)), { recursive: true });
    copyFileSync(lib, join(rootfs, lib));
  }
  writeFileSync(join(rootfs, CONFIG_PATH), CONFIG);
  const tar = `${rootfs}.tar`;
  await runOk('tar', ['--numeric-owner', '--owner=0', '--group=0', '-C', rootfs, '-cf', tar, '.']);
  await d.docker([
    'import',
    '-c', 'ENTRYPOINT ["/bin/registry"]',
    '-c', `CMD ["serve", "${CONFIG_PATH}"]`,
    '-c', 'EXPOSE 5000',
    tar,
    ref,
  ]);
}

/** A loopback port free right now (the registry container binds it a moment later). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}
