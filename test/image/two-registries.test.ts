// One repository:tag from two registries (`ghcr.io/org/app:1` and `docker.io/org/app:1`, different
// images): each reachable by a name that carries its registry, distinct pull lines in the banner and
// `inspect`, one warning, and push --image taking every printed name (src/image/pull-names.ts).
import { beforeAll, describe, expect, it } from 'vitest';
import { loadImages } from '../../src/image/load.js';
import { namesImage, pullReference } from '../../src/image/pull-names.js';
import { renderInspect } from '../../src/inspect.js';
import type { ImageModel } from '../../src/model.js';
import { planPush } from '../../src/push/plan.js';
import { parseTarget } from '../../src/push/target.js';
import { banner } from '../../src/serve.js';
import { servingFixture } from '../registry/serve.js';
import { craneEntries, makeLayer, writeArchive } from './archives.js';

const fixture = servingFixture();
const MANIFEST_TYPES = 'application/vnd.docker.distribution.manifest.v2+json, application/vnd.oci.image.manifest.v1+json';

let model: ImageModel;
let ghcr: string;
let hub: string;
let pause: string;

beforeAll(async () => {
  const a = await writeArchive(fixture.dir, 'ghcr.tar', craneEntries(['ghcr.io/org/app:1', 'registry.k8s.io/pause:3.10'], [makeLayer('ghcr')]));
  const b = await writeArchive(fixture.dir, 'hub.tar', craneEntries(['docker.io/org/app:1', 'busybox:2'], [makeLayer('hub')]));
  model = await loadImages([a, b]);
  ghcr = model.images.find((r) => r.registry === 'ghcr.io')!.digest;
  hub = model.images.find((r) => r.registry === 'docker.io')!.digest;
  pause = model.images.find((r) => r.repository === 'pause')!.digest;
});

async function digestAt(path: string): Promise<string | number> {
  const s = await fixture.serve(model);
  const res = await s.pool.request({ method: 'HEAD', path, headers: { accept: MANIFEST_TYPES } });
  await res.body.dump();
  return res.statusCode === 200 ? String(res.headers['docker-content-digest']) : res.statusCode;
}

describe('two registries, one repository:tag', () => {
  it('the two are different images', () => {
    expect(ghcr).not.toBe(hub);
  });

  it.each([
    ['/v2/ghcr.io/org/app/manifests/1', 'ghcr'],
    ['/v2/docker.io/org/app/manifests/1', 'hub'],
    ['/v2/org/app/manifests/1', 'hub'],
    ['/v2/org/app/manifests/1?ns=ghcr.io', 'ghcr'],
    ['/v2/org/app/manifests/1?ns=docker.io', 'hub'],
    ['/v2/registry.k8s.io/pause/manifests/3.10', 'pause'],
    ['/v2/pause/manifests/3.10', 'pause'],
    // docker.io's official images: `library/` or not, with the registry in front or not.
    ['/v2/docker.io/library/busybox/manifests/2', 'hub'],
    ['/v2/docker.io/busybox/manifests/2', 'hub'],
    ['/v2/busybox/manifests/2', 'hub'],
  ])('%s is %s', async (path, which) => {
    expect(await digestAt(path)).toBe({ ghcr, hub, pause }[which]);
  });

  it('a registry prefix the seed does not hold is not stripped into another registry', async () => {
    expect(await digestAt('/v2/quay.io/org/app/manifests/1')).toBe(404);
  });

  it('the catalog lists repositories as the archives name them, not the names with a registry', async () => {
    const s = await fixture.serve(model);
    const res = await s.pool.request({ method: 'GET', path: '/v2/_catalog' });
    expect(((await res.body.json()) as { repositories: string[] }).repositories).toEqual(['busybox', 'library/busybox', 'org/app', 'pause']);
  });

  it('pull lines are distinct and each names its own registry where the short name would not', () => {
    expect(model.images.map((r) => pullReference(model, r))).toEqual(['ghcr.io/org/app:1', 'pause:3.10', 'org/app:1', 'library/busybox:2']);
    const lines = banner(model, 'seed:5000').filter((l) => l.includes('docker pull'));
    expect(lines.map((l) => l.trim().split(/\s+/)[2])).toEqual(['seed:5000/ghcr.io/org/app:1', 'seed:5000/pause:3.10', 'seed:5000/org/app:1', 'seed:5000/library/busybox:2']);
    const inspect = renderInspect(model, { json: false, host: 'seed:5000' });
    expect(inspect).toContain('pull     docker pull seed:5000/ghcr.io/org/app:1\n');
    expect(inspect).toContain('pull     docker pull seed:5000/org/app:1\n');
  });

  it('one warning names the clash', () => {
    const warnings = model.warnings.filter((w) => w.includes('org/app'));
    expect(warnings).toEqual([
      "repository org/app comes from ghcr.io and docker.io: a pull naming no registry gets docker.io's; the other is served as ghcr.io/org/app (the pull lines and configure's mirrors use that name)",
    ]);
    expect(banner(model, 'seed:5000').filter((l) => l.startsWith('warning:'))).toHaveLength(1);
  });
});

describe('push --image takes every name the banner and inspect print', () => {
  const picked = (filter: string) => model.images.filter((r) => namesImage(model, r, filter)).map((r) => `${r.registry}/${r.repository}:${r.tag}`);

  it.each([
    ['pause:3.10', ['registry.k8s.io/pause:3.10']],
    ['registry.k8s.io/pause:3.10', ['registry.k8s.io/pause:3.10']],
    ['seed:5000/pause:3.10', ['registry.k8s.io/pause:3.10']],
    ['ghcr.io/org/app:1', ['ghcr.io/org/app:1']],
    ['seed:5000/ghcr.io/org/app:1', ['ghcr.io/org/app:1']],
    ['org/app:1', ['docker.io/org/app:1']],
    ['docker.io/org/app', ['docker.io/org/app:1']],
    ['index.docker.io/org/app:1', ['docker.io/org/app:1']],
    ['org/app:2', []],
    ['busybox:2', ['docker.io/library/busybox:2']],
    ['docker.io/busybox:2', ['docker.io/library/busybox:2']],
    ['quay.io/org/app:1', []],
  ])('%s', (filter, expected) => {
    expect(picked(filter)).toEqual(expected);
  });

  it('every printed pull line is accepted by push as it is printed', () => {
    for (const line of banner(model, 'seed:5000').filter((l) => l.includes('docker pull'))) {
      const reference = line.trim().split(/\s+/)[2]!;
      expect(planPush(model, parseTarget('reg'), [reference]).length, reference).toBeGreaterThan(0);
    }
  });

  it('pause:3.10 plans registry.k8s.io/pause under its own name', () => {
    expect(planPush(model, parseTarget('reg'), ['pause:3.10']).map((p) => `${p.repository}:${p.tags.join(',')}`)).toEqual(['pause:3.10']);
  });
});
