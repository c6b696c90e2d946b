// The suite installs nothing: it checks that every client is present and says how to install what is not.
import { accessSync, constants } from 'node:fs';
import { onPath } from '../../../src/source/on-path.js';
import { run } from './run.js';

export const INSTALL_COMMAND =
  'apt-get install -y docker.io containerd skopeo podman docker-registry busybox-static apache2-utils openssl faketime  (or: bash scripts/install-test-deps.sh)';

/** The static busybox binary every test image is built from. */
export const BUSYBOX = '/bin/busybox';
export const REGISTRY_BINARY = 'docker-registry';

const COMMANDS: Record<string, string> = {
  dockerd: 'docker.io',
  docker: 'docker.io',
  containerd: 'containerd',
  ctr: 'containerd',
  runc: 'runc (pulled in by docker.io)',
  skopeo: 'skopeo',
  podman: 'podman',
  [REGISTRY_BINARY]: 'docker-registry',
  tar: 'tar',
  htpasswd: 'apache2-utils',
  openssl: 'openssl',
  faketime: 'faketime',
};

async function isStaticBusybox(): Promise<boolean> {
  try {
    accessSync(BUSYBOX, constants.X_OK);
  } catch {
    return false;
  }
  // A dynamically linked busybox would not run inside an image that has no libc.
  const ldd = await run('ldd', [BUSYBOX]);
  return /not a dynamic executable|statically linked/.test(ldd.stdout + ldd.stderr);
}

/** Throws one error naming every missing client and the exact install command. */
export async function requireClients(): Promise<void> {
  const missing = Object.entries(COMMANDS)
    .filter(([cmd]) => onPath(cmd) === undefined)
    .map(([cmd, pkg]) => `${cmd} (${pkg})`);
  if (!(await isStaticBusybox())) missing.push(`static ${BUSYBOX} (busybox-static)`);
  if (process.getuid?.() !== 0) missing.push('root (dockerd, containerd and podman --root need it)');
  if (missing.length > 0) {
    throw new Error(`real-client tests need: ${missing.join(', ')}\ninstall with: ${INSTALL_COMMAND}`);
  }
}
