// Each reference pulled from a running seed by docker, containerd, skopeo and podman, one test per
// client and reference, checked against the saved image. Each client's copy is removed afterwards,
// so the next pull fetches every blob again.
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { ctrPull, dockerPull, podmanArgs, podmanPull, skopeoCopy } from './clients.js';
import type { ClientEnv } from './env.js';
import { run } from './run.js';
import type { Seed } from './seed.js';

/** `at` gives the environment and the seed once they run; `label` keeps skopeo's folders apart. */
export function itPullsWithEachClient(label: string, at: () => { env: ClientEnv; seed: Seed }, refs: Array<[string, () => unknown]>): void {
  it.each(refs)('docker pull %s', async (ref, expected) => {
    const { env, seed } = at();
    const remote = `${seed.host}/${ref}`;
    try {
      expect(await dockerPull(env.docker, remote)).toEqual(expected());
    } finally {
      await env.docker.docker(['rmi', '-f', remote]).catch(() => undefined);
    }
  });

  it.each(refs)('ctr images pull --plain-http %s', async (ref, expected) => {
    const { env, seed } = at();
    const remote = `${seed.host}/${ref}`;
    try {
      expect(await ctrPull(env.containerd, remote)).toEqual(expected());
    } finally {
      await env.containerd.ctr(['images', 'rm', '--sync', remote]).catch(() => undefined);
    }
  });

  it.each(refs)('skopeo copy docker://%s oci:DIR', async (ref, expected) => {
    const { env, seed } = at();
    const dir = join(env.dir, `skopeo-${label.replace(/\W+/g, '-')}-${ref.replace(/\W+/g, '-')}`);
    expect(await skopeoCopy(seed.host, ref, dir)).toEqual(expected());
  });

  it.each(refs)('podman pull --tls-verify=false %s', async (ref, expected) => {
    const { env, seed } = at();
    const remote = `${seed.host}/${ref}`;
    try {
      expect(await podmanPull(env.dir, remote)).toEqual(expected());
    } finally {
      await run('podman', [...podmanArgs(env.dir), 'rmi', '-f', remote]);
    }
  });
}
