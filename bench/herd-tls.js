// `npm run bench -- --herd --tls`: the herd over HTTPS, the recommended set-up. seed-registry makes its
// CA and certificate (--tls-self-signed) and distribution serves the very same certificate, so both
// pay the same encryption (over plain HTTP distribution sends with sendfile, which Node cannot).
// The nodes verify the certificate against the CA (ctr --tlscacert), by 127.0.0.1, which it names.
import { join } from 'node:path';
import { mkdirSync, readFileSync, writeFileSync, rmSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { freePort, start, stop, waitForOutput } from './proc.js';
import { trustCa, waitFor200 } from './http.js';
import { seedCommand } from './peers.js';
import { writeDistributionStorage } from './distribution-storage.js';

const READY_TIMEOUT_MS = 60_000;
const ACCEPT = { accept: 'application/vnd.docker.distribution.manifest.v2+json' };

async function ready(proc, base, image) {
  await waitFor200(`${base}/v2/${image.repository}/manifests/${image.tag}`, { headers: ACCEPT, deadline: performance.now() + READY_TIMEOUT_MS, proc });
}

/** The two servers of the TLS herd, sharing the certificates in `certs` (the seed makes them on its first start). */
export function tlsPeers(certs) {
  mkdirSync(certs, { recursive: true });
  const seed = {
    name: 'seed-registry',
    async start(image) {
      const [command, ...args] = seedCommand();
      const proc = start(command, [...args, '--tar', image.path, '--port', '0', '--host', '127.0.0.1', '--quiet', '--tls-self-signed', certs], { name: 'seed-registry' });
      try {
        const [, port] = await waitForOutput(proc, /listening on https:\/\/127\.0\.0\.1:(\d+)/, READY_TIMEOUT_MS);
        trustCa(readFileSync(join(certs, 'ca.crt')));
        const base = `https://127.0.0.1:${port}`;
        await ready(proc, base, image);
        return { base, pid: proc.pid, stop: () => stop(proc) };
      } catch (error) {
        await stop(proc);
        throw error;
      }
    },
  };
  const distribution = {
    name: 'distribution',
    async start(image, tmpDir) {
      const dir = join(tmpDir, 'herd-distribution-tls');
      rmSync(dir, { recursive: true, force: true });
      await writeDistributionStorage(image, join(dir, 'storage'));
      const port = await freePort();
      writeFileSync(join(dir, 'config.yml'), ['version: 0.1', 'log: { level: error, accesslog: { disabled: true } }',
        `storage: { filesystem: { rootdirectory: ${join(dir, 'storage')} }, cache: { blobdescriptor: inmemory } }`,
        `http: { addr: 127.0.0.1:${port}, tls: { certificate: ${join(certs, 'tls.crt')}, key: ${join(certs, 'tls.key')} } }`, ''].join('\n'));
      const proc = start('docker-registry', ['serve', join(dir, 'config.yml')], { name: 'distribution' });
      const base = `https://127.0.0.1:${port}`;
      await ready(proc, base, image);
      return { base, pid: proc.pid, stop: () => stop(proc) };
    },
  };
  return { peers: [seed, distribution], ca: join(certs, 'ca.crt') };
}
