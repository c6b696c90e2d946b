// One repository:tag from two registries, different images: `ghcr.io/org/app:1` and
// `docker.io/org/app:1` in one archive. podman (the containers/image library CRI-O uses too) through
// `configure --runtime podman`'s drop-in, containerd through `configure --runtime containerd`'s
// hosts.toml tree, and docker through the banner's pull lines each get each registry's own image,
// checked by config digest and diff_ids. Every fall-back upstream is a closed loopback port.
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ctrPull, dockerPull, podmanArgs, type Pulled } from './helpers/clients.js';
import { startClientEnv, type ClientEnv } from './helpers/env.js';
import { dockerSave, importBusybox } from './helpers/images.js';
import { expectedFor, readExpected, type ExpectedImage } from './helpers/oracle.js';
import { freePort } from './helpers/registry-image.js';
import { runOk } from './helpers/run.js';
import { REPO_ROOT, startSeed, type Seed } from './helpers/seed.js';

const BIN = join(REPO_ROOT, 'bin/seed-registry.js');
/** Full name pulled → the name `docker save` wrote (the oracle's ref). */
const IMAGES = [
  { ref: 'ghcr.io/org/app:1', saved: 'ghcr.io/org/app:1' },
  { ref: 'docker.io/org/app:1', saved: 'org/app:1' },
];

let env: ClientEnv;
let seed: Seed;
let tar: string;
let expected: ExpectedImage[];
let closedPort: number;

const want = (saved: string): Pulled => {
  const { configDigest, diffIds } = expectedFor(expected, saved);
  return { configDigest, diffIds };
};

async function configure(runtime: string): Promise<string> {
  const out = join(env.dir, `configure-${runtime}`);
  await runOk(process.execPath, [BIN, 'configure', '--runtime', runtime, '--tar', tar, '--registry', seed.host, '--plain-http', '--out', out]);
  return out;
}

beforeAll(async () => {
  env = await startClientEnv();
  await importBusybox(env.docker, env.dir, 'ghcr.io/org/app:1', { 'etc/registry': 'ghcr.io\n' });
  await importBusybox(env.docker, env.dir, 'org/app:1', { 'etc/registry': 'docker.io\n' });
  tar = await dockerSave(env.docker, join(env.dir, 'two-registries.tar'), IMAGES.map((i) => i.saved));
  await env.docker.docker(['rmi', ...IMAGES.map((i) => i.saved)]);
  expected = await readExpected(tar);
  seed = await startSeed([tar]);
  closedPort = await freePort();
});
afterAll(async () => {
  await seed?.stop();
  await env?.stop();
});

describe('two registries, one repository:tag', () => {
  it('the archive holds two different images under that name', () => {
    expect(want('ghcr.io/org/app:1').configDigest).not.toBe(want('org/app:1').configDigest);
  });

  it('the banner prints distinct pull lines and one warning naming the clash', () => {
    const pulls = seed.output().match(/docker pull \S+/g) ?? [];
    expect(pulls.sort()).toEqual([`docker pull ${seed.host}/ghcr.io/org/app:1`, `docker pull ${seed.host}/org/app:1`]);
    expect(seed.output().match(/^warning: repository org\/app comes from .+$/gm)).toHaveLength(1);
  });

  it.each(IMAGES)('podman through configure’s registries.conf.d drop-in pulls $ref as that registry’s image', async ({ ref, saved }) => {
    const dropIn = join(await configure('podman'), 'registries.conf.d/50-seed-registry.conf');
    // The upstreams themselves (each [[registry]]'s own location) are a closed loopback port.
    writeFileSync(dropIn, readFileSync(dropIn, 'utf8').replace(/^location = "(ghcr\.io|docker\.io)"$/gm, `location = "127.0.0.1:${closedPort}"`));
    const podman = (args: string[]) => runOk('podman', [...podmanArgs(env.dir), ...args], { env: { CONTAINERS_REGISTRIES_CONF: dropIn }, timeoutMs: 180_000 });
    await podman(['pull', '-q', ref]);
    const [info] = JSON.parse(await podman(['image', 'inspect', ref])) as { Id: string; RootFS: { Layers: string[] } }[];
    expect({ configDigest: `sha256:${info!.Id}`, diffIds: info!.RootFS.Layers }).toEqual(want(saved));
  });

  it.each(IMAGES)('containerd through configure’s hosts.toml tree pulls $ref as that registry’s image', async ({ ref, saved }) => {
    const hostsDir = await configure('containerd');
    for (const dir of readdirSync(hostsDir)) {
      const path = join(hostsDir, dir, 'hosts.toml');
      writeFileSync(path, readFileSync(path, 'utf8').replace(/^server = .*$/m, `server = "https://127.0.0.1:${closedPort}"`));
    }
    expect(await ctrPull(env.containerd, ref, { extraArgs: ['--hosts-dir', hostsDir] })).toEqual(want(saved));
  });

  it.each(IMAGES)('docker pulls the banner’s line for $ref and gets that registry’s image', async ({ ref, saved }) => {
    const line = ref.startsWith('ghcr.io/') ? `${seed.host}/ghcr.io/org/app:1` : `${seed.host}/org/app:1`;
    expect(seed.output()).toContain(`docker pull ${line}`);
    expect(await dockerPull(env.docker, line)).toEqual(want(saved));
  });
});
