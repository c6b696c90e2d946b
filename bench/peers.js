// The three servers under test, each started on loopback for one image and stopped by pid:
// seed-registry itself, distribution (Debian's docker-registry, image imported with skopeo),
// and nginx serving the same blob bytes as static files with sendfile (the disk/loopback limit).
import { performance } from 'node:perf_hooks';
import { createReadStream, createWriteStream, existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execFileAsync, freePort, start, stop, waitForOutput } from './proc.js';
import { MANIFEST_ACCEPT, waitFor200 } from './http.js';
import { obtainNode } from '../scripts/release/node-binary.mjs';

const ROOT = resolve(fileURLToPath(import.meta.url), '../..');
const SEED_BIN = join(ROOT, 'bin/seed-registry.js');
const LISTENING = /listening on (http:\/\/[^\s]+)/;
const READY_TIMEOUT_MS = 60_000;
const IMPORT_TIMEOUT_MS = 30 * 60_000;

function instance(proc, base, image, startedAt, readyAt) {
  const repo = `${base}/v2/${image.repository}`;
  return {
    proc,
    pid: proc.pid,
    base,
    readyMs: readyAt - startedAt,
    manifestUrl: `${repo}/manifests/${image.tag}`,
    blobUrl: (digest) => `${repo}/blobs/${digest}`,
    stop: () => stop(proc),
  };
}

async function untilManifest(proc, base, image, startedAt) {
  const url = `${base}/v2/${image.repository}/manifests/${image.tag}`;
  const readyAt = await waitFor200(url, { headers: { accept: MANIFEST_ACCEPT }, deadline: performance.now() + READY_TIMEOUT_MS, proc });
  return instance(proc, base, image, startedAt, readyAt);
}

/**
 * `node bin/seed-registry.js`, or the single executable named by --seed-exe (SEED_REGISTRY_BENCH_EXE).
 * --seed-node (SEED_REGISTRY_BENCH_NODE) picks the Node: a path, or a release line pinned in
 * scripts/release/node-binary.mjs ("26": what the single executable is built on); node options for
 * the seed alone (--cpu-prof, which NODE_OPTIONS refuses) come from SEED_REGISTRY_BENCH_NODE_ARGS.
 */
export function seedCommand() {
  const exe = process.env.SEED_REGISTRY_BENCH_EXE;
  if (exe) return [exe];
  const wanted = process.env.SEED_REGISTRY_BENCH_NODE;
  const node = !wanted ? process.execPath : /^\d+$/.test(wanted) ? obtainNode(wanted, process.arch) : resolve(wanted);
  const nodeArgs = (process.env.SEED_REGISTRY_BENCH_NODE_ARGS ?? '').split(' ').filter(Boolean);
  return [node, ...nodeArgs, SEED_BIN];
}

export const seed = {
  name: 'seed-registry',
  registry: true,
  async start(image) {
    const startedAt = performance.now();
    const [command, ...args] = seedCommand();
    const proc = start(command, [...args, '--tar', image.path, '--port', '0', '--host', '127.0.0.1', '--quiet'], { name: 'seed-registry' });
    try {
      const [, base] = await waitForOutput(proc, LISTENING, READY_TIMEOUT_MS);
      return await untilManifest(proc, base.replace(/\/$/, ''), image, startedAt);
    } catch (err) {
      await stop(proc);
      throw err;
    }
  },
};

function distributionConfig(storage, port) {
  return [
    'version: 0.1',
    'log: { level: error, accesslog: { disabled: true } }',
    `storage: { filesystem: { rootdirectory: ${storage} }, cache: { blobdescriptor: inmemory } }`,
    `http: { addr: 127.0.0.1:${port} }`,
    '',
  ].join('\n');
}

/**
 * Distribution's time-to-ready is spawn → first 200 on the manifest, the skopeo import included.
 * A load session (`reuse`) serves the storage the last import left instead of importing again.
 */
export const distribution = {
  name: 'distribution',
  registry: true,
  async start(image, ctx, { reuse = false } = {}) {
    const dir = join(ctx.tmpDir, `distribution-${image.key}`);
    const marker = join(dir, 'imported');
    const importNow = !(reuse && existsSync(marker));
    if (importNow) rmSync(dir, { recursive: true, force: true });
    mkdirSync(join(dir, 'storage'), { recursive: true });
    const port = await freePort();
    const config = join(dir, 'config.yml');
    writeFileSync(config, distributionConfig(join(dir, 'storage'), port));
    const base = `http://127.0.0.1:${port}`;
    const startedAt = performance.now();
    const proc = start('docker-registry', ['serve', config], { name: 'distribution' });
    try {
      await waitFor200(`${base}/v2/`, { deadline: performance.now() + READY_TIMEOUT_MS, proc });
      if (importNow) {
        await execFileAsync('skopeo', ['copy', '--quiet', '--dest-tls-verify=false', `docker-archive:${image.path}`,
          `docker://127.0.0.1:${port}/${image.repository}:${image.tag}`], { timeout: IMPORT_TIMEOUT_MS, maxBuffer: 1 << 20 });
        writeFileSync(marker, '');
      }
      return await untilManifest(proc, base, image, startedAt);
    } catch (err) {
      await stop(proc);
      throw err;
    }
  },
};

function nginxConfig(prefix, root, port) {
  return `${process.getuid?.() === 0 ? 'user root;' : ''}
worker_processes auto;
pid ${prefix}/nginx.pid;
error_log ${prefix}/error.log error;
events { worker_connections 1024; }
http {
  access_log off;
  sendfile on;
  tcp_nopush on;
  keepalive_requests 1000000;
  client_body_temp_path ${prefix}/body;
  proxy_temp_path ${prefix}/proxy;
  fastcgi_temp_path ${prefix}/fastcgi;
  uwsgi_temp_path ${prefix}/uwsgi;
  scgi_temp_path ${prefix}/scgi;
  types { }
  default_type application/octet-stream;
  server {
    listen 127.0.0.1:${port};
    root ${root};
    location ~ /manifests/ { default_type application/vnd.docker.distribution.manifest.v2+json; }
  }
}
`;
}

async function copyRange(from, offset, size, to) {
  if (size === 0) return writeFileSync(to, '');
  await pipeline(createReadStream(from, { start: offset, end: offset + size - 1, highWaterMark: 8 << 20 }), createWriteStream(to));
}

/** Lays the image out as static files once (not timed): `v2/<repo>/blobs/<digest>`, `manifests/<tag>`. */
async function prepareNginxRoot(image, root) {
  const repo = join(root, 'v2', image.repository);
  mkdirSync(join(repo, 'blobs'), { recursive: true });
  mkdirSync(join(repo, 'manifests'), { recursive: true });
  for (const blob of [image.config, ...image.layers]) await copyRange(image.path, blob.offset, blob.size, join(repo, 'blobs', blob.digest));
  writeFileSync(join(repo, 'manifests', image.tag), image.manifest);
}

export const nginx = {
  name: 'nginx',
  registry: false,
  async start(image, ctx) {
    const prefix = join(ctx.tmpDir, `nginx-${image.key}`);
    const root = join(prefix, 'root');
    if (!ctx.nginxRoots.has(image.key)) {
      rmSync(prefix, { recursive: true, force: true });
      await prepareNginxRoot(image, root);
      ctx.nginxRoots.add(image.key);
    }
    const port = await freePort();
    const config = join(prefix, 'nginx.conf');
    writeFileSync(config, nginxConfig(prefix, root, port));
    const startedAt = performance.now();
    const proc = start('nginx', ['-c', config, '-p', prefix, '-g', 'daemon off;'], { name: 'nginx' });
    try {
      return await untilManifest(proc, `http://127.0.0.1:${port}`, image, startedAt);
    } catch (err) {
      await stop(proc);
      throw err;
    }
  },
};

export const PEERS = { seed, distribution, nginx };
