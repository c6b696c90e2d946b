// `npm run release`: builds, into release/, what an operator carries to a host without Node or a
// registry: single executables (Node's SEA support, on the pinned Node of ./node-binary.mjs), the npm
// package tarball, the seed's own image (./image.mjs), a CycloneDX SBOM (./sbom.mjs), and SHA256SUMS.
// Options: --out DIR (default release/), --arch x64,arm64 (default both), --no-image (no apt needed),
// --startup code-cache|snapshot (default code-cache): what the executables start from (./sea.mjs).
// docs/release.md describes the result.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { buildCommit, bundleModule, bundleScript } from '../bundle.mjs';
import { downloadDebs } from './debs.mjs';
import { writeImage } from './image.mjs';
import { buildExecutable } from './sea.mjs';
import { RELEASE_LINE, obtainNode, pinnedNode } from './node-binary.mjs';
import { buildSbom, nodeVersions } from './sbom.mjs';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const { values: options } = parseArgs({ options: { out: { type: 'string' }, arch: { type: 'string' }, 'no-image': { type: 'boolean' }, startup: { type: 'string' } } });
const OUT = resolve(options.out ?? join(ROOT, 'release'));
const ARCHES = (options.arch ?? 'x64,arm64').split(',');
/**
 * V8's code cache of the script made after a warm-up run, or a startup snapshot of its heap once
 * run: the snapshot counts 10% more instructions to the listening socket, 4-6 MiB more memory and
 * 8 MiB more file (docs/release.md, Start-up).
 */
const STARTUP = options.startup ?? 'code-cache';
const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));

/** The tarball must install with no registry: nothing to fetch, nothing to run at install time. */
function checkPackageSelfContained() {
  const deps = Object.keys({ ...pkg.dependencies, ...pkg.optionalDependencies, ...pkg.peerDependencies });
  if (deps.length > 0) throw new Error(`package.json: runtime dependencies ${deps.join(', ')} would need a registry at install; bundle them (scripts/bundle.mjs) and make them devDependencies`);
  const hooks = ['preinstall', 'install', 'postinstall', 'prepare'].filter((s) => pkg.scripts?.[s] !== undefined);
  if (hooks.length > 0) throw new Error(`package.json: install scripts ${hooks.join(', ')} are not allowed in the released package`);
}

/**
 * The archives the warm-ups load (./warm-code-cache.cjs serves them, src/snapshot-entry.ts only
 * loads them): the repository's fixtures, a crane tarball, a docker save archive and an OCI archive,
 * each a few KiB to 1 MiB.
 */
const WARM_UP = ['fixtures/seed-image.tar', 'fixtures/formats/docker-save-legacy.tar', 'fixtures/formats/skopeo-oci-archive.tar'].map((f) => join(ROOT, f));

async function buildExecutables(work) {
  const script = join(work, 'seed-registry.cjs');
  // The pinned release Node of this machine builds every executable (it runs here); each arch's
  // executable is that arch's pinned Node of the same version.
  const builder = obtainNode(RELEASE_LINE, process.arch);
  const { metafile, assets } = await bundleScript(script, { deferBuiltins: true, snapshot: STARTUP === 'snapshot' });
  const built = [];
  for (const arch of ARCHES) {
    const node = obtainNode(RELEASE_LINE, arch);
    const output = join(OUT, `seed-registry-linux-${arch}`);
    // V8's code cache and startup snapshot are made by running the target's own node: under
    // qemu-user for another CPU (scripts/release/check-arm64.sh runs the arm64 executable there too).
    const emulated = arch === process.arch ? undefined : emulatorFor(arch);
    const made = { node, script, assets, output, workDir: work, startup: STARTUP, warmUp: WARM_UP };
    if (arch === process.arch) buildExecutable({ ...made, builder });
    else if (emulated) buildExecutable({ ...made, builder: node, runner: emulated });
    else {
      console.error(`warning: no qemu-user for ${arch} here (scripts/install-test-deps.sh installs it): seed-registry-linux-${arch} is built without V8's ${STARTUP}`);
      buildExecutable({ ...made, builder, startup: 'none' });
    }
    built.push(output);
  }
  const own = join(OUT, `seed-registry-linux-${process.arch}`);
  const version = execFileSync(own, ['--version'], { encoding: 'utf8', env: {} }).trim();
  if (version !== pkg.version) throw new Error(`${own} --version says ${version}, package.json says ${pkg.version}`);
  return { built, metafile, versions: nodeVersions(builder) };
}

/** qemu-user and a sysroot for `arch` (Debian's qemu-user-static and libc6-<arch>-cross), or undefined. */
function emulatorFor(arch) {
  const target = { arm64: ['qemu-aarch64-static', '/usr/aarch64-linux-gnu'], x64: ['qemu-x86_64-static', '/usr/x86_64-linux-gnu'] }[arch];
  if (target === undefined || !onPath(target[0]) || !existsSync(join(target[1], 'lib'))) return undefined;
  return [target[0], '-L', target[1]];
}

function onPath(command) {
  return (process.env.PATH ?? '').split(':').some((dir) => dir !== '' && existsSync(join(dir, command)));
}

/** release/seed-registry-image-<version>.tar: the executables as an OCI image (./image.mjs). */
async function buildImage(executables, debs, work) {
  const file = join(OUT, `seed-registry-image-${pkg.version}.tar`);
  const byArch = Object.fromEntries(ARCHES.map((arch, i) => [arch, executables[i]]));
  const image = await writeImage({ file, version: pkg.version, commit: buildCommit(), created: buildTime(), executables: byArch, debs, workDir: work });
  console.error(`release: image ${image.reference}@${image.digest}`);
  for (const p of image.platforms) console.error(`release: image linux/${p.arch}: ${p.packages.map((d) => `${d.name} ${d.version}`).join(', ')}`);
  return file;
}

/** release/seed-registry-<version>.cdx.json: CycloneDX SBOM of the executables, the package and the image (./sbom.mjs). */
function writeSbom({ metafile, versions, debs }) {
  const file = join(OUT, `seed-registry-${pkg.version}.cdx.json`);
  const nodes = ARCHES.map((arch) => ({ arch, versions, pin: pinnedNode(RELEASE_LINE, arch) }));
  const sbom = buildSbom({ root: ROOT, pkg, commit: buildCommit(), created: buildTime(), metafile, nodes, debs });
  writeFileSync(file, `${JSON.stringify(sbom, null, 2)}\n`);
  return file;
}

/** The image's creation time: SOURCE_DATE_EPOCH (reproducible-builds.org), else the commit's time. */
function buildTime() {
  const epoch = process.env.SOURCE_DATE_EPOCH;
  if (epoch !== undefined && /^\d+$/.test(epoch)) return new Date(Number(epoch) * 1000).toISOString();
  try {
    const seconds = execFileSync('git', ['log', '-1', '--format=%ct'], { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    return new Date(Number(seconds) * 1000).toISOString();
  } catch {
    return new Date(0).toISOString();
  }
}

function packTarball() {
  const out = execFileSync('npm', ['pack', '--pack-destination', OUT, '--json'], { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  return join(OUT, JSON.parse(out)[0].filename);
}

function writeSums(files) {
  const lines = files.map((f) => `${createHash('sha256').update(readFileSync(f)).digest('hex')}  ${f.slice(OUT.length + 1)}\n`);
  writeFileSync(join(OUT, 'SHA256SUMS'), lines.join(''));
}

async function main() {
  if (process.platform !== 'linux') throw new Error('the release is built on Linux (linux executables)');
  if (!['code-cache', 'snapshot'].includes(STARTUP)) throw new Error(`--startup must be code-cache or snapshot, not ${STARTUP}`);
  if (!ARCHES.includes(process.arch)) throw new Error(`--arch must include this machine's arch, ${process.arch}: its executable is checked by running it`);
  checkPackageSelfContained();
  mkdirSync(OUT, { recursive: true });
  // Only what an earlier release wrote: --out may name a directory that holds other files.
  for (const name of readdirSync(OUT)) if (/^seed-registry-|^SHA256SUMS$/.test(name)) rmSync(join(OUT, name), { force: true });
  const work = mkdtempSync(join(tmpdir(), 'seed-registry-release-'));
  try {
    await bundleModule(); // dist/, which the npm package carries, from the same sources as the executables
    const { built: executables, metafile, versions } = await buildExecutables(work);
    const files = [...executables, packTarball()];
    const debs = options['no-image'] ? undefined : downloadDebs(ARCHES, work);
    if (debs) files.push(await buildImage(executables, debs, work));
    files.push(writeSbom({ metafile, versions, debs }));
    writeSums(files);
    for (const name of readdirSync(OUT)) console.log(join(OUT, name));
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

main().catch((error) => {
  console.error(`release: ${error.message}`);
  process.exitCode = 1;
});
