// Rewrites one `docker save` image into the other archive layouts the loader accepts.
// Our dockerd (20.10) writes only the legacy layout, so the Docker 25+ layout is synthesized here.
import { gzipSync } from 'node:zlib';
import { packTar, type PackEntry } from '../../helpers/pack.js';
import { blobPath, parseJSON, sha256, type TarFiles } from './tarball.js';

const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
const OCI_INDEX = 'application/vnd.oci.image.index.v1+json';
const OCI_CONFIG = 'application/vnd.oci.image.config.v1+json';
const OCI_LAYER = 'application/vnd.oci.image.layer.v1.tar';
const OCI_LAYER_GZIP = 'application/vnd.oci.image.layer.v1.tar+gzip';
const IMAGE_NAME_ANNOTATION = 'io.containerd.image.name';
const REF_NAME_ANNOTATION = 'org.opencontainers.image.ref.name';
const OCI_LAYOUT = { imageLayoutVersion: '1.0.0' };

export interface SavedImage {
  config: Buffer;
  layers: Buffer[];
}

/** The first image of a legacy `docker save` archive. */
export function readSavedImage(files: TarFiles): SavedImage {
  const [entry] = parseJSON<{ Config: string; Layers: string[] }[]>(files, 'manifest.json');
  if (!entry) throw new Error('manifest.json lists no image');
  const get = (name: string) => {
    const bytes = files.get(name);
    if (!bytes) throw new Error(`saved image has no ${name}`);
    return bytes;
  };
  return { config: get(entry.Config), layers: entry.Layers.map(get) };
}

const descriptor = (mediaType: string, bytes: Buffer) => ({ mediaType, digest: sha256(bytes), size: bytes.length });
const json = (value: unknown) => Buffer.from(JSON.stringify(value));
const blobEntry = (bytes: Buffer): PackEntry => ({ name: blobPath(sha256(bytes)), data: bytes });
const [repoOf, tagOf] = [(ref: string) => ref.slice(0, ref.lastIndexOf(':')), (ref: string) => ref.slice(ref.lastIndexOf(':') + 1)];

function ociManifest(config: Buffer, layers: Buffer[], layerType: string): Buffer {
  return json({
    schemaVersion: 2,
    mediaType: OCI_MANIFEST,
    config: descriptor(OCI_CONFIG, config),
    layers: layers.map((l) => descriptor(layerType, l)),
  });
}

function topIndex(mediaType: string, target: Buffer, ref: string): Buffer {
  const annotations = { [IMAGE_NAME_ANNOTATION]: `docker.io/${ref}`, [REF_NAME_ANNOTATION]: tagOf(ref) };
  return json({ schemaVersion: 2, mediaType: OCI_INDEX, manifests: [{ ...descriptor(mediaType, target), annotations }] });
}

const blobDirs: PackEntry[] = [
  { name: 'blobs/', type: 'directory' },
  { name: 'blobs/sha256/', type: 'directory' },
];

/** Docker 25+ `docker save`: an OCI layout (uncompressed layers) plus the legacy manifest.json and repositories. */
export async function writeDocker25(path: string, image: SavedImage, ref: string): Promise<string> {
  const manifest = ociManifest(image.config, image.layers, OCI_LAYER);
  const lastLayer = sha256(image.layers[image.layers.length - 1] ?? Buffer.alloc(0)).slice('sha256:'.length);
  return packTar(path, [
    ...blobDirs,
    ...image.layers.map(blobEntry),
    blobEntry(image.config),
    blobEntry(manifest),
    { name: 'index.json', data: topIndex(OCI_MANIFEST, manifest, ref) },
    {
      name: 'manifest.json',
      data: [{ Config: blobPath(sha256(image.config)), RepoTags: [ref], Layers: image.layers.map((l) => blobPath(sha256(l))) }],
    },
    { name: 'oci-layout', data: OCI_LAYOUT },
    { name: 'repositories', data: { [repoOf(ref)]: { [tagOf(ref)]: lastLayer } } },
  ]);
}

/** go-containerregistry's tarball.Write: config named by digest, gzip layers named `<hex>.tar.gz`. */
export async function writeCrane(path: string, image: SavedImage, ref: string): Promise<string> {
  const gzipped = image.layers.map((l) => gzipSync(l));
  const hex = (b: Buffer) => sha256(b).slice('sha256:'.length);
  return packTar(path, [
    { name: sha256(image.config), data: image.config },
    ...gzipped.map((l) => ({ name: `${hex(l)}.tar.gz`, data: l })),
    { name: 'manifest.json', data: [{ Config: sha256(image.config), RepoTags: [ref], Layers: gzipped.map((l) => `${hex(l)}.tar.gz`) }] },
  ]);
}

/** The same config with another platform, so the index has two distinct images sharing layers. */
function withPlatform(config: Buffer, architecture: string, variant?: string): Buffer {
  const doc = JSON.parse(config.toString('utf8')) as Record<string, unknown>;
  return json({ ...doc, architecture, ...(variant ? { variant } : {}) });
}

/** An OCI archive whose one tag points at an index of linux/amd64 and linux/arm64/v8, gzip layers. */
export async function writeOciIndex(path: string, image: SavedImage, ref: string): Promise<string> {
  const layers = image.layers.map((l) => gzipSync(l));
  const platforms = [
    { config: image.config, platform: { os: 'linux', architecture: 'amd64' } },
    { config: withPlatform(image.config, 'arm64', 'v8'), platform: { os: 'linux', architecture: 'arm64', variant: 'v8' } },
  ];
  const manifests = platforms.map((p) => ({ ...p, manifest: ociManifest(p.config, layers, OCI_LAYER_GZIP) }));
  const index = json({
    schemaVersion: 2,
    mediaType: OCI_INDEX,
    manifests: manifests.map((m) => ({ ...descriptor(OCI_MANIFEST, m.manifest), platform: m.platform })),
  });
  return packTar(path, [
    { name: 'oci-layout', data: OCI_LAYOUT },
    ...blobDirs,
    ...layers.map(blobEntry),
    ...manifests.flatMap((m) => [blobEntry(m.config), blobEntry(m.manifest)]),
    blobEntry(index),
    { name: 'index.json', data: topIndex(OCI_INDEX, index, ref) },
  ]);
}
