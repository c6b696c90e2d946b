// What a tarball holds, read independently of the code under test: the truth pulled images are checked against.
import { blobPath, diffIdOf, parseJSON, readTarFiles, sha256, type TarFiles } from './tarball.js';

export interface ExpectedImage {
  /** `repository:tag` as the archive names it (RepoTags, or the containerd image-name annotation). */
  ref: string;
  platform: string;
  configDigest: string;
  diffIds: string[];
}

interface DockerManifestEntry {
  Config: string;
  RepoTags: string[] | null;
  Layers: string[];
}
interface Descriptor {
  mediaType?: string;
  digest: string;
  platform?: { os: string; architecture: string };
  annotations?: Record<string, string>;
}
interface ImageConfig {
  os: string;
  architecture: string;
  rootfs: { diff_ids: string[] };
}

const IMAGE_NAME_ANNOTATION = 'io.containerd.image.name';
// skopeo writes RepoTags in full (`docker.io/seed/x:1`), docker in short form (`seed/x:1`).
const DOCKER_HUB_PREFIX = /^docker\.io\//;

function image(ref: string, configBytes: Buffer, layers: Buffer[]): ExpectedImage {
  const config = JSON.parse(configBytes.toString('utf8')) as ImageConfig;
  const diffIds = config.rootfs.diff_ids;
  // The oracle checks the archive too: a fixture whose layers do not match its config is a broken fixture.
  const actual = layers.map(diffIdOf);
  if (JSON.stringify(actual) !== JSON.stringify(diffIds)) {
    throw new Error(`fixture ${ref}: layers ${actual.join(',')} do not match diff_ids ${diffIds.join(',')}`);
  }
  return { ref, platform: `${config.os}/${config.architecture}`, configDigest: sha256(configBytes), diffIds };
}

function mustGet(files: TarFiles, name: string): Buffer {
  const bytes = files.get(name);
  if (!bytes) throw new Error(`tarball has no ${name}`);
  return bytes;
}

function fromDockerManifest(files: TarFiles): ExpectedImage[] {
  const entries = parseJSON<DockerManifestEntry[]>(files, 'manifest.json');
  return entries.flatMap((e) =>
    (e.RepoTags ?? []).map((ref) => image(ref.replace(DOCKER_HUB_PREFIX, ''), mustGet(files, e.Config), e.Layers.map((l) => mustGet(files, l)))),
  );
}

/** The image(s) a descriptor points at in an OCI layout, following an index down to its manifests. */
export function readOciImage(files: TarFiles, d: Descriptor, ref: string): ExpectedImage[] {
  const doc = parseJSON<{ manifests?: Descriptor[]; config?: Descriptor; layers?: Descriptor[] }>(files, blobPath(d.digest));
  if (doc.manifests) return doc.manifests.flatMap((child) => readOciImage(files, child, ref));
  if (!doc.config || !doc.layers) throw new Error(`${d.digest} is neither an index nor a manifest`);
  const layers = doc.layers.map((l) => mustGet(files, blobPath(l.digest)));
  return [image(ref, mustGet(files, blobPath(doc.config.digest)), layers)];
}

function fromOciIndex(files: TarFiles): ExpectedImage[] {
  const index = parseJSON<{ manifests: Descriptor[] }>(files, 'index.json');
  return index.manifests.flatMap((d) => {
    const name = d.annotations?.[IMAGE_NAME_ANNOTATION];
    if (!name) throw new Error(`index.json entry ${d.digest} has no ${IMAGE_NAME_ANNOTATION}`);
    return readOciImage(files, d, name.replace(DOCKER_HUB_PREFIX, ''));
  });
}

/** Every image in the tarball, one per (ref, platform). */
export async function readExpected(tarPath: string): Promise<ExpectedImage[]> {
  const files = await readTarFiles(tarPath);
  return files.has('manifest.json') ? fromDockerManifest(files) : fromOciIndex(files);
}

export function expectedFor(images: ExpectedImage[], ref: string, platform = 'linux/amd64'): ExpectedImage {
  const found = images.find((i) => i.ref === ref && i.platform === platform);
  if (!found) throw new Error(`tarball holds no ${ref} for ${platform}: ${images.map((i) => `${i.ref}@${i.platform}`).join(' ')}`);
  return found;
}
