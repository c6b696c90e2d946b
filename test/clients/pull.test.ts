// Every archive format, served by the real binary, pulled by docker, containerd, skopeo and podman.
// Each pull is checked against what the tarball holds (config digest, layer diff_ids), read independently.
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ctrPull, dockerPull, dockerRun, podmanArgs, readOciLayout, podmanPull, skopeoCopy } from './helpers/clients.js';
import { startClientEnv, type ClientEnv } from './helpers/env.js';
import { buildFixtures, FIXTURES, MESSAGE, MESSAGE_FILE, MULTI_PLATFORM, type FormatName } from './helpers/images.js';
import { expectedFor, readExpected, type ExpectedImage } from './helpers/oracle.js';
import { run } from './helpers/run.js';
import { startSeed, type Seed } from './helpers/seed.js';

let env: ClientEnv;
let tars: Map<FormatName, string>;

beforeAll(async () => {
  env = await startClientEnv();
  tars = await buildFixtures(env.docker, env.dir);
});
afterAll(async () => env?.stop());

describe.each(FIXTURES)('$format', ({ format, refs }) => {
  let seed: Seed;
  let expected: ExpectedImage[];

  beforeAll(async () => {
    const tar = tars.get(format);
    if (!tar) throw new Error(`fixture ${format} was not built`);
    expected = await readExpected(tar);
    seed = await startSeed([tar]);
  });
  afterAll(async () => seed?.stop());

  it.each(refs)('docker pull %s, then docker run --network none', async (ref) => {
    const remote = `${seed.host}/${ref}`;
    try {
      expect(await dockerPull(env.docker, remote)).toEqual(pick(expectedFor(expected, ref)));
      expect((await dockerRun(env.docker, remote, ['cat', MESSAGE_FILE])).trim()).toBe(MESSAGE);
    } finally {
      // Removing the image drops its layers, so the next format's pull fetches them again.
      await env.docker.docker(['rmi', '-f', remote]).catch(() => undefined);
    }
  });

  it.each(refs)('ctr images pull --plain-http %s', async (ref) => {
    const remote = `${seed.host}/${ref}`;
    try {
      expect(await ctrPull(env.containerd, remote)).toEqual(pick(expectedFor(expected, ref)));
      if (format === MULTI_PLATFORM) {
        const arm = await ctrPull(env.containerd, remote, { platform: 'linux/arm64', extraArgs: ['--all-platforms'] });
        expect(arm).toEqual(pick(expectedFor(expected, ref, 'linux/arm64')));
      }
    } finally {
      await env.containerd.ctr(['images', 'rm', '--sync', remote]).catch(() => undefined);
    }
  });

  it.each(refs)('skopeo copy docker://%s oci:DIR', async (ref) => {
    const dir = join(env.dir, `skopeo-${format.replace(/\W+/g, '-')}-${ref.replace(/\W+/g, '-')}`);
    expect(await skopeoCopy(seed.host, ref, dir)).toEqual(pick(expectedFor(expected, ref)));
    if (format === MULTI_PLATFORM) {
      const all = await skopeoCopy(seed.host, ref, `${dir}-all`, { all: true, platform: 'linux/arm64' });
      expect(all).toEqual(pick(expectedFor(expected, ref, 'linux/arm64')));
      expect(readOciLayout(`${dir}-all`, ref).map((i) => i.platform).sort()).toEqual(['linux/amd64', 'linux/arm64']);
    }
  });

  it.each(refs)('podman pull --tls-verify=false %s', async (ref) => {
    const remote = `${seed.host}/${ref}`;
    try {
      expect(await podmanPull(env.dir, remote)).toEqual(pick(expectedFor(expected, ref)));
    } finally {
      await run('podman', [...podmanArgs(env.dir), 'rmi', '-f', remote]);
    }
  });
});

function pick({ configDigest, diffIds }: ExpectedImage) {
  return { configDigest, diffIds };
}
