// The Debian packages the seed's own image carries beside the executable: the C and C++ runtime a
// Node release binary links (readelf -d: libc.so.6, libm, libdl, libpthread, libstdc++.so.6,
// libgcc_s.so.1, libatomic.so.1; the loader ld-linux), as distroless/cc carries them, plus Debian's
// os-release so that image scanners know which distribution's advisories apply.
// They come from this machine's apt sources through a private apt state (its own lists and cache
// under the work directory, every CPU's index at once), so the machine's dpkg and apt lists are
// untouched and amd64 and arm64 get the same versions from one index.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

/** Whole packages in the image: every file of theirs. */
export const RUNTIME_PACKAGES = ['libc6', 'libgcc-s1', 'libstdc++6', 'libatomic1'];
/** base-files: only the files that name the distribution (scanners read them), not its /etc. */
export const OS_PACKAGE = 'base-files';
export const OS_FILES = new Set(['etc/os-release', 'usr/lib/os-release', 'etc/debian_version']);

/** Node's arch names to Debian's. */
export const DEBIAN_ARCH = { x64: 'amd64', arm64: 'arm64' };

/**
 * Downloads the packages for each of `arches` (Node names) into workDir/debs; returns, per arch,
 * [{ name, version, architecture, file, control }] (control: the package's control paragraph).
 */
export function downloadDebs(arches, workDir) {
  if (!onPathOk('apt-get') || !onPathOk('dpkg-deb')) throw new Error('the image needs Debian packages: apt-get and dpkg-deb not found (build the release on Debian, or pass --no-image)');
  const state = join(workDir, 'apt');
  const debs = join(workDir, 'debs');
  for (const dir of [join(state, 'lists/partial'), join(state, 'cache/archives/partial'), debs]) mkdirSync(dir, { recursive: true });
  const debianArches = arches.map((a) => DEBIAN_ARCH[a]);
  const apt = [
    ...debianArches.flatMap((a) => ['-o', `APT::Architectures::=${a}`]),
    '-o', `Dir::State::Lists=${join(state, 'lists')}`, '-o', `Dir::Cache=${join(state, 'cache')}`,
    '-o', 'Dir::State::status=/dev/null', '-o', 'APT::Sandbox::User=root', '-q',
  ];
  runApt([...apt, 'update'], workDir);
  const wanted = [...RUNTIME_PACKAGES, OS_PACKAGE].flatMap((p) => debianArches.map((a) => `${p}:${a}`));
  runApt([...apt, 'download', ...wanted], debs);
  const files = readdirSync(debs).filter((f) => f.endsWith('.deb')).map((f) => join(debs, f));
  const byArch = {};
  for (const arch of arches) {
    byArch[arch] = [...RUNTIME_PACKAGES, OS_PACKAGE].map((name) => {
      const found = files.map(readControl).find((d) => d.name === name && d.architecture === DEBIAN_ARCH[arch]);
      if (found === undefined) throw new Error(`apt-get download gave no ${name}:${DEBIAN_ARCH[arch]}`);
      return found;
    });
  }
  return byArch;
}

function readControl(file) {
  const control = execFileSync('dpkg-deb', ['--field', file], { encoding: 'utf8' });
  const field = (name) => control.match(new RegExp(`^${name}: (.*)$`, 'm'))?.[1]?.trim();
  return { name: field('Package'), version: field('Version'), architecture: field('Architecture'), file, control };
}

/** The package's files as a tar stream (Buffer): dpkg-deb reads data.tar.* whatever its compression. */
export function dataTar(deb) {
  return execFileSync('dpkg-deb', ['--fsys-tarfile', deb.file], { maxBuffer: 512 * 1024 * 1024 });
}

function runApt(args, cwd) {
  try {
    execFileSync('apt-get', args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (error) {
    const text = String(error.stderr || error.message).split('\n').filter((l) => /^E:|rror/.test(l)).join('; ');
    throw new Error(`apt-get ${args.at(-1) === 'update' ? 'update' : 'download'} failed (${text || `exit ${error.status}`}); the image needs the Debian packages ${RUNTIME_PACKAGES.join(', ')}`);
  }
}

function onPathOk(command) {
  try {
    execFileSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}
