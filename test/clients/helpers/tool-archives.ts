// Every input issue 11 adds, built around real images that dockerd made from busybox-static and
// Debian's registry binary: a Zarf package (.tar.zst), two hauler hauls (haul.tar.zst, --containerd
// and as released) with a cosign signature, a `regctl image export` tar, an OCI layout folder written by skopeo, and a folder of
// archives in three formats. Zarf, hauler and regctl are not in Debian: their archives follow the
// layouts documented in test/image/tool-layouts.ts. Expected digests come from the saved images.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { packTar, type PackEntry } from '../../helpers/pack.js';
import type { Docker } from './dockerd.js';
import { type SavedImage, readSavedImage } from './formats.js';
import { dockerSave, importBusybox } from './images.js';
import { readOciLayout } from './clients.js';
import { readOciImage } from './oracle.js';
import { buildRegistryImage } from './registry-image.js';
import { runOk } from './run.js';
import { blobPath, readTarFiles, sha256 } from './tarball.js';

const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
const OCI_INDEX = 'application/vnd.oci.image.index.v1+json';
const OCI_CONFIG = 'application/vnd.oci.image.config.v1+json';
const OCI_LAYER_GZIP = 'application/vnd.oci.image.layer.v1.tar+gzip';
const AMD64 = { os: 'linux', architecture: 'amd64' };
const ARM64 = { os: 'linux', architecture: 'arm64', variant: 'v8' };

type Described = { mediaType: string; digest: string; size: number };

/** An OCI image layout being written: blobs by digest, then packed under a prefix. */
class Layout {
  private readonly blobs = new Map<string, Buffer>();

  blob(bytes: Buffer, mediaType = 'application/octet-stream'): Described {
    const digest = sha256(bytes);
    this.blobs.set(digest, bytes);
    return { mediaType, digest, size: bytes.length };
  }

  image(config: Buffer, layers: Buffer[]): Described {
    const manifest = { schemaVersion: 2, mediaType: OCI_MANIFEST, config: this.blob(config, OCI_CONFIG), layers: layers.map((l) => this.blob(l, OCI_LAYER_GZIP)) };
    return this.blob(Buffer.from(JSON.stringify(manifest)), OCI_MANIFEST);
  }

  index(children: Array<Described & { platform: object }>): Described {
    return this.blob(Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: OCI_INDEX, manifests: children })), OCI_INDEX);
  }

  entries(prefix: string, top: object[]): PackEntry[] {
    return [
      { name: `${prefix}oci-layout`, data: { imageLayoutVersion: '1.0.0' } },
      { name: `${prefix}index.json`, data: { schemaVersion: 2, mediaType: OCI_INDEX, manifests: top } },
      ...[...this.blobs].map(([digest, data]) => ({ name: prefix + blobPath(digest), data })),
    ];
  }
}

export interface Expected {
  configDigest: string;
  diffIds: string[];
}

export function expectedOf(image: SavedImage): Expected {
  const config = JSON.parse(image.config.toString('utf8')) as { rootfs: { diff_ids: string[] } };
  return { configDigest: sha256(image.config), diffIds: config.rootfs.diff_ids };
}

function withPlatform(config: Buffer, platform: Record<string, string>): Buffer {
  return Buffer.from(JSON.stringify({ ...(JSON.parse(config.toString('utf8')) as object), ...platform }));
}

/** images/ of a Zarf package: the registry image and a two-platform busybox, named in base.name. */
async function writeZarf(path: string, registry: SavedImage, busybox: SavedImage): Promise<string> {
  const layout = new Layout();
  const reg = layout.image(registry.config, registry.layers.map((l) => gzipSync(l)));
  const layers = busybox.layers.map((l) => gzipSync(l));
  const multi = layout.index([
    { ...layout.image(busybox.config, layers), platform: AMD64 },
    { ...layout.image(withPlatform(busybox.config, ARM64), layers), platform: ARM64 },
  ]);
  const base = 'org.opencontainers.image.base.name';
  const zarfYaml = 'kind: ZarfPackageConfig\nmetadata:\n  name: seed\ncomponents:\n  - name: images\n    images:\n      - docker.io/library/registry:2.8.1\n      - ghcr.io/seed/multi:1.0\n';
  await packTar(path, [
    { name: 'zarf.yaml', data: zarfYaml },
    { name: 'checksums.txt', data: '' },
    ...layout.entries('images/', [
      { ...reg, annotations: { [base]: 'docker.io/library/registry:2.8.1' } },
      { ...multi, annotations: { [base]: 'ghcr.io/seed/multi:1.0' } },
    ]),
  ]);
  return zstd(path);
}

/**
 * A hauler haul: the image and its cosign signature, which hauler stores under the IMAGE's name with
 * kind dev.hauler/sigs (pkg/store/store.go) and `store copy` tags `sha256-<hex>.sig`. `containerd`:
 * `store save --containerd` (pull request 746): index.json filtered to the image, the full index as
 * hauler-index.json, oci-layout kept. Otherwise as hauler v2.0.3 saves: no oci-layout, one full index.
 * Both carry the manifest.json save derives for `docker load`.
 */
async function writeHauler(path: string, busybox: SavedImage, name: string, containerd: boolean): Promise<HaulerArchive> {
  const layout = new Layout();
  const image = layout.image(busybox.config, busybox.layers.map((l) => gzipSync(l)));
  const payload = layout.blob(Buffer.from(JSON.stringify({ critical: { identity: { 'docker-reference': `index.docker.io/${name}` }, image: { 'docker-manifest-digest': image.digest }, type: 'cosign container image signature' }, optional: null })), 'application/vnd.dev.cosign.simplesigning.v1+json');
  const sigConfig = layout.blob(Buffer.from(JSON.stringify({ architecture: '', os: '', created: '0001-01-01T00:00:00Z', rootfs: { type: 'layers', diff_ids: [payload.digest] }, config: {} })), OCI_CONFIG);
  const sig = layout.blob(Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: OCI_MANIFEST, config: sigConfig, layers: [{ ...payload, annotations: { 'dev.cosignproject.cosign/signature': 'MEUCIQDtest' } }] })), OCI_MANIFEST);
  const ref = `docker.io/${name}:1`;
  const hauler = (kind: string) => ({ kind, 'org.opencontainers.image.ref.name': `${name}:1`, 'io.containerd.image.name': ref, 'hauler.dev/original-ref': ref });
  const top = [{ ...image, annotations: hauler('dev.hauler/image') }];
  const full = { schemaVersion: 2, manifests: [...top, { ...sig, annotations: hauler('dev.hauler/sigs') }] };
  const layers = busybox.layers.map((l) => blobPath(sha256(gzipSync(l))));
  const manifestJson = [{ Config: blobPath(sha256(busybox.config)), RepoTags: [`${name}:1`], Layers: layers }];
  const entries = layout.entries('', top).filter((e) => containerd || (e.name !== 'oci-layout' && e.name !== 'index.json'));
  entries.push({ name: 'manifest.json', data: manifestJson }, { name: containerd ? 'hauler-index.json' : 'index.json', data: full });
  await packTar(path, entries);
  return { path: await zstd(path), sigTag: `sha256-${image.digest.slice('sha256:'.length)}.sig`, sigDigest: sig.digest };
}

/** `regctl image export`: an OCI layout and a manifest.json naming the same image. */
async function writeRegctl(path: string, busybox: SavedImage): Promise<string> {
  const layout = new Layout();
  const layers = busybox.layers.map((l) => gzipSync(l));
  const image = layout.image(busybox.config, layers);
  const manifestJson = [{ Config: blobPath(sha256(busybox.config)), RepoTags: ['docker.io/seed/regctl:1'], Layers: layers.map((l) => blobPath(sha256(l))) }];
  const annotations = { 'io.containerd.image.name': 'docker.io/seed/regctl:1', 'org.opencontainers.image.ref.name': '1' };
  return packTar(path, [...layout.entries('', [{ ...image, annotations }]), { name: 'manifest.json', data: manifestJson }]);
}

async function zstd(path: string): Promise<string> {
  await runOk('zstd', ['-q', '-f', '--rm', path, '-o', `${path}.zst`]);
  return `${path}.zst`;
}

export interface HaulerArchive {
  path: string;
  sigTag: string;
  sigDigest: string;
}

export interface ToolArchives {
  zarf: string;
  /** `hauler store save --containerd` (seed/hauled:1) and a hauler v2.0.3 save (seed/hauled-v2:1). */
  hauler: HaulerArchive;
  haulerV2: HaulerArchive;
  regctl: string;
  ociDir: string;
  folder: string;
  busybox: Expected;
  registry: Expected;
  /** skopeo's docker-archive → OCI conversion re-encodes the config: read back from what it wrote. */
  ociDirImage: Expected;
  ociArchiveImage: Expected;
}

function single(images: Array<Expected & { platform: string }>): Expected {
  const [image] = images;
  if (images.length !== 1 || !image) throw new Error(`expected one image, found ${images.length}`);
  return { configDigest: image.configDigest, diffIds: image.diffIds };
}

/** Builds every input, then removes the images from dockerd so pulls fetch them from the seed. */
export async function buildToolArchives(d: Docker, dir: string): Promise<ToolArchives> {
  await importBusybox(d, dir, 'seed/base:1');
  await buildRegistryImage(d, dir, 'seed/registry-src:1');
  const busyboxTar = await dockerSave(d, join(dir, 'busybox.tar'), ['seed/base:1']);
  const busybox = readSavedImage(await readTarFiles(busyboxTar));
  const registry = readSavedImage(await readTarFiles(await dockerSave(d, join(dir, 'registry.tar'), ['seed/registry-src:1'])));
  const ociDir = join(dir, 'oci-dir');
  await runOk('skopeo', ['copy', '--quiet', `docker-archive:${busyboxTar}`, `oci:${ociDir}:seed/ocidir:1`]);
  const folder = join(dir, 'agent-images');
  mkdirSync(folder);
  const refs = ['seed/folder-legacy:1', 'seed/folder-zst:1'];
  for (const ref of refs) await d.docker(['tag', 'seed/base:1', ref]);
  await dockerSave(d, join(folder, 'a-legacy.tar'), [refs[0]!]);
  await zstd(await dockerSave(d, join(folder, 'c-zstd.tar'), [refs[1]!]));
  const ociArchive = join(folder, 'b-oci.tar');
  await runOk('skopeo', ['copy', '--quiet', `docker-archive:${busyboxTar}`, `oci-archive:${ociArchive}:seed/folder-oci:1`]);
  const archiveFiles = await readTarFiles(ociArchive);
  const [top] = (JSON.parse(archiveFiles.get('index.json')!.toString('utf8')) as { manifests: Array<{ digest: string }> }).manifests;
  const built = {
    zarf: await writeZarf(join(dir, 'zarf-package-seed-amd64.tar'), registry, busybox),
    hauler: await writeHauler(join(dir, 'haul.tar'), busybox, 'seed/hauled', true),
    haulerV2: await writeHauler(join(dir, 'haul-v2.tar'), busybox, 'seed/hauled-v2', false),
    regctl: await writeRegctl(join(dir, 'regctl-export.tar'), busybox),
    ociDir,
    folder,
    busybox: expectedOf(busybox),
    registry: expectedOf(registry),
    ociDirImage: single(readOciLayout(ociDir, 'seed/ocidir:1')),
    ociArchiveImage: single(readOciImage(archiveFiles, top!, 'seed/folder-oci:1')),
  };
  await d.docker(['rmi', 'seed/base:1', 'seed/registry-src:1', ...refs]);
  return built;
}
