// The seed's own container image, written without docker as an OCI image layout in one tar
// (image-spec image-layout.md: oci-layout, index.json, blobs/sha256/): an index of one manifest per
// arch, each image two layers: Debian's C/C++ runtime (./debs.mjs) and the single executable as
// /usr/local/bin/seed-registry, its entrypoint. No shell, no package manager, nothing else.
// index.json names it as Docker 25+ and containerd's export do (io.containerd.image.name with the
// full reference, ref.name with the tag), so `ctr import` and the seed's own loader both name it.
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream, mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import tar from 'tar-stream';
import { DEBIAN_ARCH, OS_FILES, OS_PACKAGE, dataTar } from './debs.mjs';
import { LayerWriter } from './layer.mjs';

export const IMAGE_REPOSITORY = 'localhost/seed-registry';
const MEDIA = {
  index: 'application/vnd.oci.image.index.v1+json',
  manifest: 'application/vnd.oci.image.manifest.v1+json',
  config: 'application/vnd.oci.image.config.v1+json',
  layer: 'application/vnd.oci.image.layer.v1.tar+gzip',
};
const ENTRYPOINT = '/usr/local/bin/seed-registry';
/** The unprivileged user the image runs as (nobody); the static pod's runAsUser: 0 overrides it. */
const USER = '65534:65534';
const DEFAULT_ARCHIVES = '/var/lib/seed-registry/images';

/**
 * Writes `file`, the image for each arch of `executables` ({ x64: path, arm64: path }) with the
 * Debian packages `debs` gives per arch. Returns { digest (of the index), reference, platforms }.
 */
export async function writeImage({ file, version, commit, created, executables, debs, workDir }) {
  const blobs = join(workDir, 'image-blobs');
  mkdirSync(blobs, { recursive: true });
  const mtime = new Date(created);
  const platforms = [];
  for (const [arch, executable] of Object.entries(executables)) {
    const system = await systemLayer(workDir, mtime, debs[arch]);
    const app = new LayerWriter(workDir, mtime);
    await app.add({ name: 'usr/local/bin', type: 'directory', mode: 0o755 });
    await app.add({ name: ENTRYPOINT.slice(1), type: 'file', mode: 0o755 }, executable);
    const layers = [await system.finish(blobs), await app.finish(blobs)];
    const packages = debs[arch].map((d) => `${d.name}=${d.version}`).join(' ');
    const config = imageConfig({ arch, version, commit, created, layers, packages });
    const configDescriptor = writeJsonBlob(blobs, MEDIA.config, config);
    const manifest = {
      schemaVersion: 2,
      mediaType: MEDIA.manifest,
      config: configDescriptor,
      layers: layers.map((l) => ({ mediaType: MEDIA.layer, digest: l.digest, size: l.size })),
      annotations: { 'org.opencontainers.image.version': version, 'org.opencontainers.image.revision': commit },
    };
    const platform = { os: 'linux', architecture: DEBIAN_ARCH[arch], ...(arch === 'arm64' ? { variant: 'v8' } : {}) };
    platforms.push({ arch, packages: debs[arch], descriptor: { ...writeJsonBlob(blobs, MEDIA.manifest, manifest), platform } });
  }
  const index = { schemaVersion: 2, mediaType: MEDIA.index, manifests: platforms.map((p) => p.descriptor) };
  const indexDescriptor = writeJsonBlob(blobs, MEDIA.index, index);
  const reference = `${IMAGE_REPOSITORY}:${version}`;
  const top = {
    schemaVersion: 2,
    mediaType: MEDIA.index,
    manifests: [{ ...indexDescriptor, annotations: { 'io.containerd.image.name': reference, 'org.opencontainers.image.ref.name': version } }],
  };
  await writeLayoutTar(file, blobs, top);
  return { digest: indexDescriptor.digest, reference, platforms };
}

/** glibc, libgcc, libstdc++, libatomic whole; os-release; dpkg status entries; passwd; /tmp. */
async function systemLayer(workDir, mtime, debs) {
  const layer = new LayerWriter(workDir, mtime);
  for (const deb of debs) {
    const keep = deb.name === OS_PACKAGE ? (name) => (OS_FILES.has(name) || /^(etc|usr|usr\/lib)\/?$/.test(name) ? name : null) : undefined;
    await layer.addTar(dataTar(deb), keep);
  }
  // distroless' layout: one control paragraph per package, which trivy and grype read to list packages.
  await layer.add({ name: 'var/lib/dpkg/status.d', type: 'directory', mode: 0o755 });
  for (const deb of debs) await layer.add({ name: `var/lib/dpkg/status.d/${deb.name}`, type: 'file', mode: 0o644 }, Buffer.from(deb.control));
  await layer.add({ name: 'etc', type: 'directory', mode: 0o755 });
  await layer.add({ name: 'etc/passwd', type: 'file', mode: 0o644 }, Buffer.from('root:x:0:0:root:/root:/sbin/nologin\nnobody:x:65534:65534:nobody:/nonexistent:/sbin/nologin\n'));
  await layer.add({ name: 'etc/group', type: 'file', mode: 0o644 }, Buffer.from('root:x:0:\nnogroup:x:65534:\n'));
  // A compressed archive is decoded into $TMPDIR or /tmp (src/tar/archive.ts).
  await layer.add({ name: 'tmp', type: 'directory', mode: 0o1777 });
  return layer;
}

function imageConfig({ arch, version, commit, created, layers, packages }) {
  return {
    created,
    architecture: DEBIAN_ARCH[arch],
    ...(arch === 'arm64' ? { variant: 'v8' } : {}),
    os: 'linux',
    config: {
      User: USER,
      Entrypoint: [ENTRYPOINT],
      Cmd: ['serve', '--tar', DEFAULT_ARCHIVES, '--port', '5000'],
      ExposedPorts: { '5000/tcp': {} },
      Env: ['PATH=/usr/local/bin', 'TMPDIR=/tmp'],
      WorkingDir: '/',
      Labels: {
        'org.opencontainers.image.title': 'seed-registry',
        'org.opencontainers.image.version': version,
        'org.opencontainers.image.revision': commit,
        'org.opencontainers.image.licenses': 'Apache-2.0',
        'io.seed-registry.debian-packages': packages,
      },
    },
    rootfs: { type: 'layers', diff_ids: layers.map((l) => l.diffId) },
    history: [
      { created, created_by: `Debian packages: ${packages}`, comment: 'seed-registry release (scripts/release/image.mjs)' },
      { created, created_by: `seed-registry ${version} single executable at ${ENTRYPOINT}` },
    ],
  };
}

function writeJsonBlob(blobs, mediaType, value) {
  const bytes = Buffer.from(JSON.stringify(value));
  const hex = createHash('sha256').update(bytes).digest('hex');
  writeFileSync(join(blobs, hex), bytes);
  return { mediaType, digest: `sha256:${hex}`, size: bytes.length };
}

/** The layout as one tar: oci-layout, index.json, then every blob (sorted, so the tar is reproducible). */
async function writeLayoutTar(file, blobs, top) {
  const pack = tar.pack();
  const written = pipeline(pack, createWriteStream(file));
  const fixed = { mtime: new Date(0), uid: 0, gid: 0, uname: 'root', gname: 'root' };
  const put = (name, bytes) => new Promise((resolve, reject) => pack.entry({ ...fixed, name, mode: 0o644 }, bytes, (e) => (e ? reject(e) : resolve())));
  await put('oci-layout', Buffer.from(JSON.stringify({ imageLayoutVersion: '1.0.0' })));
  await put('index.json', Buffer.from(JSON.stringify(top)));
  for (const dir of ['blobs/', 'blobs/sha256/']) await new Promise((resolve, reject) => pack.entry({ ...fixed, name: dir, type: 'directory', mode: 0o755 }, (e) => (e ? reject(e) : resolve())));
  for (const hex of readdirSync(blobs).sort()) {
    const path = join(blobs, hex);
    await pipeline(createReadStream(path), pack.entry({ ...fixed, name: `blobs/sha256/${hex}`, mode: 0o644, size: statSync(path).size }));
  }
  pack.finalize();
  await written;
}
