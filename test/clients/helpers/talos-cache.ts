// Talos' image cache around a real image dockerd made from busybox-static, in both forms
// `talosctl images cache-create` writes: the flat folder (--layout flat) and the OCI cache image
// (default). Talos is not in Debian: the layout follows its source (test/image/talos-layout.ts).
// Two images, as a Talos cache of the default linux/amd64 holds them: `docker.io/library/busybox:1.36`
// as Docker Hub serves it (Docker media types), and `registry.k8s.io/pause:3.10` as an OCI index
// listing linux/amd64 (cached) and linux/arm64 (listed, not cached).
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { TalosCache, wrapAsOci, writeTree } from '../../image/talos-layout.js';
import type { Docker } from './dockerd.js';
import { readSavedImage } from './formats.js';
import { dockerSave, importBusybox } from './images.js';
import { readTarFiles } from './tarball.js';
import { type Expected, expectedOf } from './tool-archives.js';

const DOCKER_MANIFEST = 'application/vnd.docker.distribution.manifest.v2+json';
const DOCKER_CONFIG = 'application/vnd.docker.container.image.v1+json';
const DOCKER_LAYER = 'application/vnd.docker.image.rootfs.diff.tar.gzip';
const AMD64 = { os: 'linux', architecture: 'amd64' };
const ARM64 = { os: 'linux', architecture: 'arm64', variant: 'v8' };

export interface TalosCaches {
  flat: string;
  oci: string;
  busybox: Expected;
  /** Digests of the two tags' manifests, as the cache stores them. */
  hubDigest: string;
  indexDigest: string;
}

export async function buildTalosCaches(d: Docker, dir: string): Promise<TalosCaches> {
  await importBusybox(d, dir, 'seed/talos-src:1');
  const saved = readSavedImage(await readTarFiles(await dockerSave(d, join(dir, 'talos-src.tar'), ['seed/talos-src:1'])));
  await d.docker(['rmi', 'seed/talos-src:1']);
  const layers = saved.layers.map((l) => gzipSync(l));
  const cache = new TalosCache();
  const hub = cache.imageOf(saved.config, layers, { manifestType: DOCKER_MANIFEST, configType: DOCKER_CONFIG, layerType: DOCKER_LAYER });
  cache.tag('docker.io/library/busybox', '1.36', hub);
  const amd = cache.imageOf(saved.config, layers);
  const armConfig = Buffer.from(JSON.stringify({ ...(JSON.parse(saved.config.toString('utf8')) as object), architecture: 'arm64', variant: 'v8' }));
  const arm = new TalosCache().imageOf(armConfig, layers);
  const index = cache.index([
    { manifest: amd, platform: AMD64 },
    { manifest: arm, platform: ARM64 },
  ]);
  cache.tag('registry.k8s.io/pause', '3.10', index, [amd]);
  return {
    flat: await writeTree(join(dir, 'talos-flat'), cache.entries()),
    oci: await writeTree(join(dir, 'image-cache.oci'), await wrapAsOci(cache, dir)),
    busybox: expectedOf(saved),
    hubDigest: hub.digest,
    indexDigest: index.digest,
  };
}
