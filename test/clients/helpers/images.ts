// Builds the test images at test time from the static busybox binary: nothing is downloaded.
import { randomBytes } from 'node:crypto';
import { copyFileSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Docker } from './dockerd.js';
import { writeCrane, writeDocker25, writeOciIndex, readSavedImage } from './formats.js';
import { runOk } from './run.js';
import { readTarFiles } from './tarball.js';
import { BUSYBOX } from './tools.js';

/** What `cat /etc/seed-message` prints inside every test image. */
export const MESSAGE = 'hello from seed-registry';
export const MESSAGE_FILE = '/etc/seed-message';
const APPLETS = ['sh', 'cat', 'echo', 'sha256sum', 'wc'];
const MIB = 1024 * 1024;

/** One archive to serve and the refs (`repository:tag`) in it that clients pull; each format has its own name. */
export interface Fixture {
  format: string;
  refs: string[];
}

export const FIXTURES = [
  { format: 'docker save (legacy)', refs: ['seed/legacy:1'] },
  { format: 'docker save (25+ layout)', refs: ['seed/docker25:1'] },
  { format: 'crane tarball (gzip layers)', refs: ['seed/crane:1'] },
  { format: 'skopeo docker-archive', refs: ['seed/skopeo:1'] },
  { format: 'oci-archive, two-platform index', refs: ['seed/multiarch:1'] },
  { format: 'two images sharing a layer', refs: ['seed/app:1', 'seed/tool:1'] },
] as const satisfies readonly Fixture[];

export type FormatName = (typeof FIXTURES)[number]['format'];
export const MULTI_PLATFORM: FormatName = 'oci-archive, two-platform index';

/** A one-layer image: busybox, its applets as symlinks, and a message file. */
export async function importBusybox(d: Docker, dir: string, ref: string, extra: Record<string, string> = {}): Promise<void> {
  const rootfs = join(dir, `rootfs-${ref.replace(/[/:]/g, '-')}`);
  mkdirSync(join(rootfs, 'bin'), { recursive: true });
  mkdirSync(join(rootfs, 'etc'), { recursive: true });
  copyFileSync(BUSYBOX, join(rootfs, 'bin/busybox'));
  for (const applet of APPLETS) symlinkSync('busybox', join(rootfs, 'bin', applet));
  writeFileSync(join(rootfs, MESSAGE_FILE), `${MESSAGE}\n`);
  for (const [path, content] of Object.entries(extra)) writeFileSync(join(rootfs, path), content);
  const tar = `${rootfs}.tar`;
  await runOk('tar', ['--numeric-owner', '--owner=0', '--group=0', '-C', rootfs, '-cf', tar, '.']);
  await d.docker(['import', '-c', 'CMD ["/bin/sh"]', tar, ref]);
}

/** `base` plus one layer holding /data.bin of `size` random bytes. */
export async function buildWithData(d: Docker, dir: string, base: string, ref: string, size: number): Promise<void> {
  const context = join(dir, `ctx-${ref.replace(/[/:]/g, '-')}`);
  mkdirSync(context, { recursive: true });
  writeFileSync(join(context, 'data.bin'), randomBytes(size));
  writeFileSync(join(context, 'Dockerfile'), `FROM ${base}\nCOPY data.bin /data.bin\n`);
  await d.docker(['build', '-q', '-t', ref, context]);
}

export async function dockerSave(d: Docker, path: string, refs: string[]): Promise<string> {
  await d.docker(['save', '-o', path, ...refs]);
  return path;
}

const BUILT_REFS = ['seed/base:1', 'seed/legacy:1', 'seed/app:1', 'seed/tool:1'];

/**
 * Writes every archive format the loader accepts, then removes the built images from dockerd
 * so that pulls fetch every blob from the registry instead of finding the layers already there.
 */
export async function buildFixtures(d: Docker, dir: string): Promise<Map<FormatName, string>> {
  await importBusybox(d, dir, 'seed/base:1');
  await buildWithData(d, dir, 'seed/base:1', 'seed/legacy:1', 4 * MIB);
  await buildWithData(d, dir, 'seed/base:1', 'seed/app:1', MIB / 4);
  await buildWithData(d, dir, 'seed/base:1', 'seed/tool:1', MIB / 4);

  const legacy = await dockerSave(d, join(dir, 'docker-legacy.tar'), ['seed/legacy:1']);
  const image = readSavedImage(await readTarFiles(legacy));
  const skopeo = join(dir, 'skopeo-docker-archive.tar');
  await runOk('skopeo', ['copy', '--quiet', `docker-archive:${legacy}`, `docker-archive:${skopeo}:seed/skopeo:1`]);
  const built: [FormatName, string][] = [
    ['docker save (legacy)', legacy],
    ['docker save (25+ layout)', await writeDocker25(join(dir, 'docker25.tar'), image, 'seed/docker25:1')],
    ['crane tarball (gzip layers)', await writeCrane(join(dir, 'crane.tar'), image, 'seed/crane:1')],
    ['skopeo docker-archive', skopeo],
    ['oci-archive, two-platform index', await writeOciIndex(join(dir, 'oci-index.tar'), image, 'seed/multiarch:1')],
    ['two images sharing a layer', await dockerSave(d, join(dir, 'shared.tar'), ['seed/app:1', 'seed/tool:1'])],
  ];
  await d.docker(['rmi', ...BUILT_REFS]);
  return new Map(built);
}
