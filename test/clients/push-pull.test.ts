// Every archive format pushed by `seed-registry push` into distribution, then pulled back from
// distribution by docker, containerd and skopeo: the manifest digest on the target equals the one
// the seed serves, and the pulled config digest and diff_ids equal the tarball's.
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ctrPull, dockerPull, skopeoCopy } from './helpers/clients.js';
import { startDistribution, type Distribution } from './helpers/distribution.js';
import { startClientEnv, type ClientEnv } from './helpers/env.js';
import { buildFixtures, FIXTURES, MULTI_PLATFORM, type FormatName } from './helpers/images.js';
import { expectedFor, readExpected, type ExpectedImage } from './helpers/oracle.js';
import { manifestDigest, push, pushJson } from './helpers/push.js';
import { startSeed } from './helpers/seed.js';

let env: ClientEnv;
let tars: Map<FormatName, string>;
let target: Distribution;

beforeAll(async () => {
  env = await startClientEnv();
  tars = await buildFixtures(env.docker, env.dir);
  target = await startDistribution();
});
afterAll(async () => {
  await target?.stop();
  await env?.stop();
});

const split = (ref: string) => [ref.slice(0, ref.lastIndexOf(':')), ref.slice(ref.lastIndexOf(':') + 1)] as const;

describe.each(FIXTURES)('$format', ({ format, refs }) => {
  let expected: ExpectedImage[];
  let tar: string;

  beforeAll(async () => {
    const t = tars.get(format);
    if (!t) throw new Error(`fixture ${format} was not built`);
    tar = t;
    expected = await readExpected(tar);
  });

  it('push: every tag resolves on the target to the digest the seed serves', async () => {
    const seed = await startSeed([tar]);
    try {
      const pushed = pushJson(await push([tar], target.host, ['--json']));
      for (const ref of refs) {
        const [name, tag] = split(ref);
        const served = await manifestDigest(seed.url, name, tag);
        expect(served).toMatch(/^sha256:/);
        expect(await manifestDigest(`http://${target.host}`, name, tag)).toBe(served);
      }
      if (refs.length > 1) {
        // Two images sharing their base layer: the second repository gets it by a mount.
        expect(pushed.results[1]?.blobs.mounted).toBeGreaterThanOrEqual(1);
      }
    } finally {
      await seed.stop();
    }
  });

  it.each(refs)('docker, containerd and skopeo pull %s back from distribution', async (ref) => {
    const remote = `${target.host}/${ref}`;
    const want = pick(expectedFor(expected, ref));
    try {
      expect(await dockerPull(env.docker, remote)).toEqual(want);
    } finally {
      await env.docker.docker(['rmi', '-f', remote]).catch(() => undefined);
    }
    try {
      expect(await ctrPull(env.containerd, remote)).toEqual(want);
      if (format === MULTI_PLATFORM) {
        const arm = await ctrPull(env.containerd, remote, { platform: 'linux/arm64', extraArgs: ['--all-platforms'] });
        expect(arm).toEqual(pick(expectedFor(expected, ref, 'linux/arm64')));
      }
    } finally {
      await env.containerd.ctr(['images', 'rm', '--sync', remote]).catch(() => undefined);
    }
    const dir = join(env.dir, `skopeo-push-${ref.replace(/\W+/g, '-')}`);
    expect(await skopeoCopy(target.host, ref, dir)).toEqual(want);
  });
});

function pick({ configDigest, diffIds }: ExpectedImage) {
  return { configDigest, diffIds };
}
