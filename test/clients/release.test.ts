// The release as an operator carries it across the gap (npm run release, built here for this
// machine's arch): the single executable on a host with no Node at all, and the npm tarball
// installed with no registry reachable.
import { createHash } from 'node:crypto';
import { chmodSync, copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { Pool } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pull } from '../registry/oracle.js';
import { ctrPull, dockerPull } from './helpers/clients.js';
import { waitUntil } from './helpers/daemon.js';
import { freePort } from './helpers/registry-image.js';
import { startClientEnv, type ClientEnv } from './helpers/env.js';
import { expectedFor, readExpected } from './helpers/oracle.js';
import { run, runOk } from './helpers/run.js';
import { REPO_ROOT, startSeed, startSeedCommand, type Seed } from './helpers/seed.js';

const FIXTURE = join(REPO_ROOT, 'fixtures/seed-image.tar');
const REF = 'library/busybox:seed';
const VERSION = (JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string }).version;
const BUILD_TIMEOUT_MS = 400_000;
const ARCHES = process.arch === 'x64' ? ['x64', 'arm64'] : [process.arch];
/** Where a node binary could be found; each is hidden under /dev/null in the executable's mount namespace. */
const NODE_DIRS = ['/usr/local/sbin', '/usr/local/bin', '/usr/sbin', '/usr/bin', '/sbin', '/bin', dirname(process.execPath)];
const PATH = '/usr/sbin:/usr/bin:/sbin:/bin';

let env: ClientEnv;
let out: string;
let executable: string;
const seeds: Seed[] = [];

beforeAll(async () => {
  env = await startClientEnv();
  out = join(env.dir, 'release');
  // On x64 the arm64 executable is built too, and run under qemu-user below.
  await runOk(process.execPath, [join(REPO_ROOT, 'scripts/release/build.mjs'), '--out', out, '--arch', ARCHES.join(',')], { timeoutMs: BUILD_TIMEOUT_MS });
  executable = join(out, `seed-registry-linux-${process.arch}`);
});
afterAll(async () => {
  for (const seed of seeds.splice(0)) await seed.stop();
  await env?.stop();
});

/**
 * `argv` in a private mount namespace where every node binary is /dev/null, with an empty
 * environment but PATH and an empty HOME: a host that never had Node installed.
 */
function withoutNode(argv: string[]): [string, string[]] {
  const hide = `for d in ${NODE_DIRS.map((d) => `'${d}'`).join(' ')}; do if [ -e "$d/node" ]; then mount --bind /dev/null "$d/node" || exit 1; fi; done`;
  return ['unshare', ['--mount', '--propagation', 'private', '--', 'sh', '-c', `${hide}; exec env -i HOME= PATH=${PATH} "$@"`, 'sh', ...argv]];
}

/** `exe` serving the fixture on a loopback port, on a host without Node; stopped after the file. */
async function serveWithoutNode(exe: string, extra: string[] = []): Promise<Seed> {
  const seed = await startSeedCommand(...withoutNode([exe, '--tar', FIXTURE, '--port', '0', '--host', '127.0.0.1', ...extra]));
  seeds.push(seed);
  return seed;
}

/** docker pulls the fixture's image from `host` and gets its config and layers; the image is removed after. */
async function expectDockerPullsFixture(host: string): Promise<void> {
  const { configDigest, diffIds } = expectedFor(await readExpected(FIXTURE), REF);
  const remote = `${host}/${REF}`;
  try {
    expect(await dockerPull(env.docker, remote)).toEqual({ configDigest, diffIds });
  } finally {
    await env.docker.docker(['rmi', '-f', remote]).catch(() => undefined);
  }
}

describe('single executable', () => {
  it('runs where no node exists: the test environment really hides node', async () => {
    const [cmd, args] = withoutNode(['sh', '-c', 'command -v node || echo "no node"; echo "HOME=[$HOME]"']);
    expect((await runOk(cmd, args)).trim().split('\n')).toEqual(['no node', 'HOME=[]']);
  });

  it('prints the package.json version and asks for --tar when none is given, in one line', async () => {
    const [cmd, args] = withoutNode([executable, '--version']);
    expect((await runOk(cmd, args)).trim()).toBe(VERSION);
    const [cmd2, args2] = withoutNode([executable, 'serve']);
    const missing = await run(cmd2, args2);
    expect(missing.code).toBe(1);
    expect(missing.stderr.trim().split('\n')).toEqual([expect.stringMatching(/no image archive given: pass one with --tar FILE/)]);
  });

  it('serves a tarball with no node and HOME empty; docker pulls the image the tarball holds', async () => {
    await expectDockerPullsFixture((await serveWithoutNode(executable)).host);
  });

  it('starts from the code cache made after its warm-up; with V8 flags that refuse the cache it says so, and still serves', async () => {
    expect(await runOk(...withoutNode([executable, 'version']))).toMatch(/^start-up  code cache$/m);
    // --expose-gc changes V8's flag hash, which a code cache must match (scripts/release/sea-main.cjs).
    const refused = withoutNode(['env', 'NODE_OPTIONS=--expose-gc', executable, 'version']);
    expect(await runOk(...refused)).toMatch(/^start-up  code cache, refused by this V8 \(NODE_OPTIONS flags\?\)$/m);
    const seed = await startSeedCommand(...withoutNode(['env', 'NODE_OPTIONS=--expose-gc', executable, '--tar', FIXTURE, '--port', '0', '--host', '127.0.0.1']));
    seeds.push(seed);
    await expectDockerPullsFixture(seed.host);
  });
});

describe('single executable: the packages kept beside its script (SEA assets, scripts/bundle.mjs)', () => {
  it('loads each when a command needs it: X.509 for --tls-self-signed, smol-toml and yaml for check, undici for check and push', async () => {
    const dir = join(env.dir, 'assets');
    const tls = await serveWithoutNode(executable, ['-q', '--tls-self-signed', join(dir, 'tls')]);
    expect(tls.output()).toMatch(/created with a new CA/);
    await tls.stop();
    const seed = await serveWithoutNode(executable, ['-q']);
    // containerd's hosts.toml (smol-toml) and k3s's registries.yaml (yaml), each read by check, whose requests are undici's.
    for (const runtime of ['containerd', 'k3s']) {
      const out = join(dir, runtime);
      await runOk(...withoutNode([executable, 'configure', '--runtime', runtime, '--registry', seed.host, '--plain-http', '--tar', FIXTURE, '--out', out]));
      const checked = await runOk(...withoutNode([executable, 'check', '--registry', seed.host, '--runtime', runtime, '--config', out, '--image', REF]));
      expect(checked, runtime).toMatch(/^ok +image docker\.io\/library\/busybox:seed: sha256:[0-9a-f]{64} at http/m);
    }
    // push: undici's refused connection, in words.
    const pushed = await run(...withoutNode([executable, 'push', '--to', '127.0.0.1:1', '--tar', FIXTURE, '--insecure']));
    expect(pushed.code).toBe(1);
    expect(pushed.stderr).toMatch(/^seed-registry: push: cannot reach 127\.0\.0\.1:1: .*ECONNREFUSED/m);
  });
});

/**
 * `--startup snapshot`: the executables start from a V8 startup snapshot of their script, made on
 * the build machine after a warm-up (src/snapshot-entry.ts): nothing of that machine may come with it.
 */
describe('single executable built with --startup snapshot', () => {
  let snapshotOut: string;
  let snapshotExe: string;
  beforeAll(async () => {
    snapshotOut = join(env.dir, 'release-snapshot');
    await runOk(process.execPath, [join(REPO_ROOT, 'scripts/release/build.mjs'), '--out', snapshotOut, '--arch', ARCHES.join(','), '--no-image', '--startup', 'snapshot'], { timeoutMs: BUILD_TIMEOUT_MS });
    snapshotExe = join(snapshotOut, `seed-registry-linux-${process.arch}`);
  }, BUILD_TIMEOUT_MS);

  it('reads its environment when it runs, not when it was built: TMPDIR, the working directory; no warning printed', async () => {
    const tmp = `/nonexistent-${process.pid}/tmp`;
    const [cmd, args] = withoutNode(['env', `TMPDIR=${tmp}`, snapshotExe, 'inspect', '--tar', join(REPO_ROOT, 'fixtures/formats/tiny-crane.tar.zst')]);
    const refused = await run(cmd, args);
    expect(refused.code).toBe(1);
    expect(refused.stderr.trim()).toBe(`seed-registry: ${tmp} (TMPDIR): cannot be used for temporary space: no such file`);
    // A relative --tar names a file of the directory it runs in.
    const [cmd2, args2] = withoutNode([snapshotExe, 'inspect', '--tar', 'seed-image.tar']);
    const inspected = await run(cmd2, args2, { cwd: dirname(FIXTURE) });
    expect(inspected.stderr).toBe('');
    expect(inspected.stdout).toContain(REF);
  });

  it('serves with no node; docker pulls the image the tarball holds', async () => {
    await expectDockerPullsFixture((await serveWithoutNode(snapshotExe)).host);
    expect(await runOk(...withoutNode([snapshotExe, 'version']))).toMatch(/^start-up  startup snapshot$/m);
  });

  it.runIf(ARCHES.includes('arm64') && process.arch !== 'arm64')('the arm64 one, its snapshot made under qemu-user, passes check-arm64.sh', async () => {
    const output = await runOk('bash', [join(REPO_ROOT, 'scripts/release/check-arm64.sh'), join(snapshotOut, 'seed-registry-linux-arm64')], { timeoutMs: 300_000 });
    expect(output).toMatch(/^blob sha256:[0-9a-f]{64}: ok$/m);
    expect(output).toContain('ok under qemu-user');
  });
});

describe('npm tarball', () => {
  it('installs with the registry unreachable and an empty cache, and the installed command serves', async () => {
    const tarball = join(out, `seed-registry-${VERSION}.tgz`);
    const prefix = join(env.dir, 'prefix');
    // No npmrc of this machine either (a mirror or a cache setting there would change the test).
    const npmrc = join(env.dir, 'npmrc');
    writeFileSync(npmrc, '');
    // A closed loopback port as the registry, and an empty cache: any fetch at all fails the install.
    await runOk('npm', ['install', '-g', tarball, '--offline', '--prefix', prefix, '--cache', join(env.dir, 'npm-cache'), '--registry', 'http://127.0.0.1:9', '--no-audit', '--no-fund'], {
      env: { npm_config_userconfig: npmrc, npm_config_globalconfig: `${npmrc}-global` },
      timeoutMs: 120_000,
    });
    const command = join(prefix, 'bin/seed-registry');
    expect((await runOk(command, ['--version'])).trim()).toBe(VERSION);
    const seed = await startSeedCommand(command, ['--tar', FIXTURE, '--port', '0', '--host', '127.0.0.1']);
    seeds.push(seed);
    const pool = new Pool(seed.url);
    try {
      const base = await pool.request({ method: 'GET', path: '/v2/' });
      await base.body.dump();
      expect(base.statusCode).toBe(200);
      const [name, tag] = REF.split(':') as [string, string];
      const pulled = await pull(pool, name, tag);
      expect(pulled.blobs).toContain(expectedFor(await readExpected(FIXTURE), REF).configDigest);
    } finally {
      await pool.close();
    }
  });
});

describe('SHA256SUMS', () => {
  it('lists the executable, the npm tarball, the image and the SBOM with their sha256', () => {
    const lines = readFileSync(join(out, 'SHA256SUMS'), 'utf8').trim().split('\n');
    const names = lines.map((line) => line.split('  ')[1]).sort();
    expect(names).toEqual([`seed-registry-${VERSION}.cdx.json`, `seed-registry-${VERSION}.tgz`, `seed-registry-image-${VERSION}.tar`, ...ARCHES.map((a) => `seed-registry-linux-${a}`)].sort());
    for (const line of lines) {
      const [sum, name] = line.split('  ') as [string, string];
      expect(createHash('sha256').update(readFileSync(join(out, name))).digest('hex')).toBe(sum);
    }
  });
});

/** scripts/release/check-arm64.sh: Debian's qemu-user-static with the arm64 cross runtime as its sysroot. */
describe.runIf(ARCHES.includes('arm64') && process.arch !== 'arm64')('arm64 executable under qemu-user', () => {
  const SYSROOT = '/usr/aarch64-linux-gnu';
  it('check-arm64.sh: --version, version, no --tar, inspect, serve with every blob matching its digest', async () => {
    const output = await runOk('bash', [join(REPO_ROOT, 'scripts/release/check-arm64.sh'), join(out, 'seed-registry-linux-arm64')], { timeoutMs: 300_000 });
    expect(output).toContain(`--version: ${VERSION}`);
    expect(output).toMatch(/^blob sha256:[0-9a-f]{64}: ok$/m);
    expect(output).toContain('ok under qemu-user');
  });

  it('docker pulls from the arm64 executable serving under qemu-user', async () => {
    const seed = await startSeedCommand('qemu-aarch64-static', ['-L', SYSROOT, join(out, 'seed-registry-linux-arm64'), '--tar', FIXTURE, '--port', '0', '--host', '127.0.0.1']);
    seeds.push(seed);
    await expectDockerPullsFixture(seed.host);
  });
});

describe('SBOM', () => {
  interface Component { name: string; version: string; purl?: string; type: string; cpe?: string; components?: Component[] }
  it('is CycloneDX naming the executable\'s own Node (with its OpenSSL), the bundled packages and the image\'s Debian packages', async () => {
    const sbom = JSON.parse(readFileSync(join(out, `seed-registry-${VERSION}.cdx.json`), 'utf8')) as { bomFormat: string; specVersion: string; metadata: { component: Component }; components: Component[] };
    expect(sbom).toMatchObject({ bomFormat: 'CycloneDX', specVersion: '1.5', metadata: { component: { name: 'seed-registry', version: VERSION } } });
    const running = JSON.parse(await runOk(executable, ['version', '--json'])) as { node: string; openssl: string };
    const node = sbom.components.find((c) => c.name === 'node')!;
    expect(node).toMatchObject({ type: 'platform', version: running.node.slice(1), purl: `pkg:npm/node-linux-${process.arch}@${running.node.slice(1)}` });
    expect(node.components?.find((c) => c.name === 'openssl')?.version).toBe(running.openssl.replace(/\+.*$/, ''));
    // A package the bundle carries, at the version installed here; a development tool it does not.
    const commander = JSON.parse(readFileSync(join(REPO_ROOT, 'node_modules/commander/package.json'), 'utf8')) as { version: string };
    expect(sbom.components.find((c) => c.name === 'commander')?.version).toBe(commander.version);
    expect(sbom.components.find((c) => c.name === 'vitest' || c.name === 'typescript')).toBeUndefined();
    const libc = sbom.components.find((c) => c.name === 'libc6');
    expect(libc?.purl).toMatch(/^pkg:deb\/debian\/libc6@/);
  });
});

/** The seed's own image (scripts/release/image.mjs), read from the archive itself. */
describe('image archive', () => {
  const IMAGE_REF = `localhost/seed-registry:${VERSION}`;
  const ARCH = process.arch === 'x64' ? 'amd64' : process.arch;
  let layout: string;
  let archive: string;
  const json = (digest: string) => JSON.parse(readFileSync(join(layout, 'blobs/sha256', digest.slice(7)), 'utf8'));
  let indexDigest: string;
  let manifest: { config: { digest: string }; layers: { digest: string }[] };

  beforeAll(async () => {
    archive = join(out, `seed-registry-image-${VERSION}.tar`);
    layout = join(env.dir, 'image-layout');
    mkdirSync(layout);
    await runOk('tar', ['-xf', archive, '-C', layout]);
    const top = JSON.parse(readFileSync(join(layout, 'index.json'), 'utf8'));
    indexDigest = top.manifests[0].digest;
    const index = json(indexDigest);
    manifest = json(index.manifests.find((m: { platform: { architecture: string } }) => m.platform.architecture === ARCH).digest);
  });

  it('is an index whose image runs the executable as its entrypoint, with no shell, and lists its Debian packages', async () => {
    const config = json(manifest.config.digest);
    expect(config.config.Entrypoint).toEqual(['/usr/local/bin/seed-registry']);
    const files = (await Promise.all(manifest.layers.map((l) => runOk('tar', ['-tzf', join(layout, 'blobs/sha256', l.digest.slice(7))], { timeoutMs: 60_000 }))))
      .join('\n').split('\n');
    expect(files).toContain('usr/local/bin/seed-registry');
    expect(files.filter((f) => /(^|\/)(sh|bash|dash|busybox)$/.test(f))).toEqual([]);
    for (const pkg of ['libc6', 'libstdc++6', 'libgcc-s1', 'libatomic1']) {
      expect(files).toContain(`var/lib/dpkg/status.d/${pkg}`);
      expect(config.config.Labels['io.seed-registry.debian-packages']).toMatch(new RegExp(`(^| )${pkg.replace(/\+/g, '\\+')}=\\S+`));
    }
  });

  it('ctr import takes it under its name; ctr run serves a mounted archive; docker pulls from it', async () => {
    const { containerd } = env;
    await containerd.ctr(['images', 'import', archive], { timeoutMs: 120_000 });
    const listed = (await containerd.ctr(['images', 'ls'])).split('\n').find((l) => l.split(/\s+/)[0] === IMAGE_REF);
    expect(listed?.split(/\s+/)[2]).toBe(indexDigest);
    const images = join(env.dir, 'images');
    mkdirSync(images);
    chmodSync(images, 0o755); // the image runs as nobody
    copyFileSync(FIXTURE, join(images, 'seed-image.tar'));
    const port = await freePort();
    const id = `seed-${port}`;
    // The image's own command (serve --tar /var/lib/seed-registry/images) with the port moved off 5000.
    await containerd.ctr(['run', '-d', '--net-host', '--mount', `type=bind,src=${images},dst=/var/lib/seed-registry/images,options=rbind:ro`,
      IMAGE_REF, id, '/usr/local/bin/seed-registry', 'serve', '--tar', '/var/lib/seed-registry/images', '--port', String(port), '--host', '127.0.0.1']);
    try {
      const pool = new Pool(`http://127.0.0.1:${port}`);
      await waitUntil('the seed in its container', async () => (await pool.request({ method: 'GET', path: '/v2/' }).then(async (r) => (await r.body.dump(), r.statusCode === 200), () => false)), 60_000);
      await pool.close();
      await expectDockerPullsFixture(`127.0.0.1:${port}`);
    } finally {
      await containerd.ctr(['tasks', 'kill', '-s', 'SIGKILL', id]).catch(() => undefined);
      await waitUntil('the container task to stop', async () => !(await containerd.ctr(['tasks', 'ls'])).includes(`${id} `) || (await containerd.ctr(['tasks', 'delete', id]).then(() => true, () => false)), 30_000);
      await containerd.ctr(['containers', 'delete', id]).catch(() => undefined);
    }
  });

  it('the seed serves its own image: containerd pulls it with the archive\'s index digest', async () => {
    const seed = await startSeed([archive]);
    seeds.push(seed);
    const ref = `${seed.host}/seed-registry:${VERSION}`;
    const pulled = await ctrPull(env.containerd, ref, { platform: `linux/${ARCH}` });
    const config = json(manifest.config.digest);
    expect(pulled).toEqual({ configDigest: manifest.config.digest, diffIds: config.rootfs.diff_ids });
    const listed = (await env.containerd.ctr(['images', 'ls'])).split('\n').find((l) => l.split(/\s+/)[0] === ref);
    expect(listed?.split(/\s+/)[2]).toBe(indexDigest);
  });
});
