// Pulls one image with each real client and reports what the client stored: config digest and diff_ids.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import type { Containerd } from './containerd.js';
import type { Docker } from './dockerd.js';
import { readOciImage, type ExpectedImage } from './oracle.js';
import { runOk } from './run.js';
import { sha256, type TarFiles } from './tarball.js';

export interface Pulled {
  configDigest: string;
  diffIds: string[];
}

const PULL_TIMEOUT_MS = 180_000;

export async function dockerPull(d: Docker, ref: string): Promise<Pulled> {
  await d.docker(['pull', '-q', ref], { timeoutMs: PULL_TIMEOUT_MS });
  const [info] = JSON.parse(await d.docker(['image', 'inspect', ref])) as { Id: string; RootFS: { Layers: string[] } }[];
  if (!info) throw new Error(`docker image inspect ${ref}: no image`);
  return { configDigest: info.Id, diffIds: info.RootFS.Layers };
}

/** Runs `cmd` in the pulled image with no network and returns its output. */
export async function dockerRun(d: Docker, ref: string, cmd: string[]): Promise<string> {
  return d.docker(['run', '--rm', '--network', 'none', ref, ...cmd]);
}

interface Doc {
  mediaType?: string;
  manifests?: { digest: string; platform?: { os: string; architecture: string } }[];
  config?: { digest: string };
}

/** Pulls with ctr, then walks what containerd stored: target → (index →) manifest → config. */
export async function ctrPull(c: Containerd, ref: string, options: { platform?: string; extraArgs?: string[]; https?: boolean } = {}): Promise<Pulled> {
  const platformArgs = options.platform ? ['--platform', options.platform] : [];
  const plainHttp = options.https ? [] : ['--plain-http'];
  await c.ctr(['images', 'pull', ...plainHttp, ...platformArgs, ...(options.extraArgs ?? []), ref], { timeoutMs: PULL_TIMEOUT_MS });
  const line = (await c.ctr(['images', 'ls'])).split('\n').find((l) => l.split(/\s+/)[0] === ref);
  const target = line?.split(/\s+/)[2];
  if (!target) throw new Error(`ctr images ls does not list ${ref}`);
  const get = async (digest: string) => JSON.parse(await c.ctr(['content', 'get', digest])) as Doc;
  let doc = await get(target);
  if (doc.manifests) {
    const [os, arch] = (options.platform ?? 'linux/amd64').split('/');
    const child = doc.manifests.find((m) => m.platform?.os === os && m.platform?.architecture === arch);
    if (!child) throw new Error(`index ${target} has no ${os}/${arch}`);
    doc = await get(child.digest);
  }
  if (!doc.config) throw new Error(`${target} has no config`);
  const config = JSON.parse(await c.ctr(['content', 'get', doc.config.digest])) as { rootfs: { diff_ids: string[] } };
  return { configDigest: doc.config.digest, diffIds: config.rootfs.diff_ids };
}

function readDirFiles(dir: string): TarFiles {
  const files: TarFiles = new Map();
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const path = join(d, name);
      if (statSync(path).isDirectory()) walk(path);
      else files.set(relative(dir, path), readFileSync(path));
    }
  };
  walk(dir);
  return files;
}

/** Platform flags for skopeo, e.g. `linux/arm64` → `--override-arch arm64`. */
function overrideArgs(platform: string | undefined): string[] {
  if (!platform) return [];
  const [os, arch] = platform.split('/');
  return ['--override-os', os ?? 'linux', '--override-arch', arch ?? 'amd64'];
}

/**
 * `skopeo copy docker://… oci:DIR`, re-hashing every copied layer against its diff_id.
 * Converting a Docker manifest to OCI re-encodes the config, so the config digest is taken from
 * the bytes served (`skopeo inspect --raw --config`), which must hash to the archive's config digest.
 */
export async function skopeoCopy(host: string, ref: string, dir: string, options: { all?: boolean; platform?: string } = {}): Promise<Pulled> {
  const src = `docker://${host}/${ref}`;
  const all = options.all ? ['--all'] : [];
  await runOk('skopeo', [...overrideArgs(options.platform), 'copy', '--quiet', '--src-tls-verify=false', ...all, src, `oci:${dir}`], { timeoutMs: PULL_TIMEOUT_MS });
  const platform = options.platform ?? 'linux/amd64';
  const copied = readOciLayout(dir, ref).find((i) => i.platform === platform);
  if (!copied) throw new Error(`skopeo copied no ${platform} image to ${dir}`);
  const config = await runOk('skopeo', [...overrideArgs(options.platform), 'inspect', '--tls-verify=false', '--raw', '--config', src]);
  return { configDigest: sha256(Buffer.from(config, 'utf8')), diffIds: copied.diffIds };
}

/** Every image in an OCI layout directory (an index is followed down to its manifests). */
export function readOciLayout(dir: string, ref: string): ExpectedImage[] {
  const files = readDirFiles(dir);
  const index = JSON.parse(files.get('index.json')?.toString('utf8') ?? '{}') as { manifests?: { digest: string }[] };
  return (index.manifests ?? []).flatMap((m) => readOciImage(files, m, ref));
}

export function podmanArgs(dir: string): string[] {
  return ['--root', join(dir, 'podman-root'), '--runroot', join(dir, 'podman-run'), '--storage-driver', 'vfs', '--events-backend', 'file'];
}

export async function podmanPull(dir: string, ref: string): Promise<Pulled> {
  const podman = (args: string[]) => runOk('podman', [...podmanArgs(dir), ...args], { timeoutMs: PULL_TIMEOUT_MS });
  await podman(['pull', '-q', '--tls-verify=false', ref]);
  const [info] = JSON.parse(await podman(['image', 'inspect', ref])) as { Id: string; RootFS: { Layers: string[] } }[];
  if (!info) throw new Error(`podman image inspect ${ref}: no image`);
  return { configDigest: `sha256:${info.Id}`, diffIds: info.RootFS.Layers };
}
