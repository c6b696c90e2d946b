// The release as an operator carries it across the gap (npm run release, built here for this
// machine's arch): the single executable on a host with no Node at all, and the npm tarball
// installed with no registry reachable.
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { Pool } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pull } from '../registry/oracle.js';
import { dockerPull } from './helpers/clients.js';
import { startClientEnv, type ClientEnv } from './helpers/env.js';
import { expectedFor, readExpected } from './helpers/oracle.js';
import { run, runOk } from './helpers/run.js';
import { REPO_ROOT, startSeedCommand, type Seed } from './helpers/seed.js';

const FIXTURE = join(REPO_ROOT, 'fixtures/seed-image.tar');
const REF = 'library/busybox:seed';
const VERSION = (JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string }).version;
const BUILD_TIMEOUT_MS = 240_000;
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
  await runOk(process.execPath, [join(REPO_ROOT, 'scripts/release/build.mjs'), '--out', out, '--arch', process.arch], { timeoutMs: BUILD_TIMEOUT_MS });
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
    const [cmd, args] = withoutNode([executable, '--tar', FIXTURE, '--port', '0', '--host', '127.0.0.1']);
    const seed = await startSeedCommand(cmd, args);
    seeds.push(seed);
    const { configDigest, diffIds } = expectedFor(await readExpected(FIXTURE), REF);
    const remote = `${seed.host}/${REF}`;
    try {
      expect(await dockerPull(env.docker, remote)).toEqual({ configDigest, diffIds });
    } finally {
      await env.docker.docker(['rmi', '-f', remote]).catch(() => undefined);
    }
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
  it('lists the executable and the npm tarball with their sha256', () => {
    const lines = readFileSync(join(out, 'SHA256SUMS'), 'utf8').trim().split('\n');
    const names = lines.map((line) => line.split('  ')[1]).sort();
    expect(names).toEqual([`seed-registry-${VERSION}.tgz`, `seed-registry-linux-${process.arch}`]);
    for (const line of lines) {
      const [sum, name] = line.split('  ') as [string, string];
      expect(createHash('sha256').update(readFileSync(join(out, name))).digest('hex')).toBe(sum);
    }
  });
});
