// The rule for a tag two inputs claim for different images (src/image/tag-claims.ts), alone and as an
// operator meets it: one image exported by crane (gzip layers) and by docker save (uncompressed).
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadImages } from '../../src/image/load.js';
import { judgeClaim, type TagClaim } from '../../src/image/tag-claims.js';
import type { PackEntry } from '../helpers/pack.js';
import { servingFixture } from '../registry/serve.js';
import { craneEntries, hex, makeConfig, makeLayer, sha256, writeArchive } from './archives.js';

const BIN = fileURLToPath(new URL('../../bin/seed-registry.js', import.meta.url));
const fixture = servingFixture();
const REF = 'docker.io/library/app:1';
const A: TagClaim = { digest: 'sha256:aa', file: 'a.tar', input: 'a.tar' };
const B: TagClaim = { digest: 'sha256:bb', file: 'b.tar', input: 'b.tar' };

describe('judgeClaim', () => {
  it('a free tag, or one naming the same digest, is taken', () => {
    expect(judgeClaim(REF, undefined, B, false)).toEqual({ kind: 'take' });
    expect(judgeClaim(REF, A, { ...B, digest: A.digest }, true)).toEqual({ kind: 'take' });
  });

  it('another input for another digest: the first keeps the tag, one warning names both files', () => {
    expect(judgeClaim(REF, A, B, false)).toEqual({
      kind: 'lose',
      warning: `tag ${REF} is sha256:aa in a.tar and sha256:bb in b.tar: serving the first (load order), the second by digest only (--strict refuses to start instead)`,
    });
  });

  it('strict refuses, naming the first file', () => {
    expect(judgeClaim(REF, A, B, true)).toEqual({ kind: 'refuse', problem: `tag ${REF} names sha256:bb here but is already claimed by sha256:aa in a.tar` });
  });

  it('one input contradicting itself is refused even without strict (two layouts of one archive too)', () => {
    expect(judgeClaim(REF, A, { ...B, file: A.file, input: A.input }, false)).toMatchObject({ kind: 'refuse', problem: expect.stringMatching(/earlier in this archive$/) });
    const layoutB = { ...B, file: 'a.tar (layout b/)', input: A.input };
    expect(judgeClaim(REF, { ...A, file: 'a.tar (layout a/)' }, layoutB, false)).toMatchObject({ kind: 'refuse', problem: expect.stringMatching(/in a\.tar \(layout a\/\)$/) });
  });
});

/** `docker save` (legacy layout): uncompressed `<id>/layer.tar` layers, so other manifest digests than crane's. */
function dockerSaveEntries(repoTags: string[], layers: ReturnType<typeof makeLayer>[]): PackEntry[] {
  const config = makeConfig(layers.map((l) => l.diffId));
  const layerNames = layers.map((l) => `${hex(l.diffId)}/layer.tar`);
  return [
    { name: `${hex(sha256(config))}.json`, data: config },
    ...layers.map((l, i) => ({ name: layerNames[i]!, data: l.tar })),
    { name: 'manifest.json', data: [{ Config: `${hex(sha256(config))}.json`, RepoTags: repoTags, Layers: layerNames }] },
  ];
}

describe('one image exported by crane and by docker save', () => {
  const layer = makeLayer('same image');

  async function archives(): Promise<[string, string]> {
    const crane = await writeArchive(fixture.dir, 'app-crane.tar', craneEntries(['app:1'], [layer]));
    const saved = await writeArchive(fixture.dir, 'app-save.tar', dockerSaveEntries(['app:1'], [layer]));
    return [crane, saved];
  }

  it('starts: the first keeps the tag, the other is served by digest, one warning names both files', async () => {
    const [crane, saved] = await archives();
    const model = await loadImages([crane, saved]);
    const [kept, other] = model.images;
    expect(model.images.map((r) => [r.tarPath, r.tag])).toEqual([[crane, '1'], [saved, undefined]]);
    expect(kept!.digest).not.toBe(other!.digest);
    expect(model.warnings).toEqual([expect.stringMatching(new RegExp(`^tag docker\\.io/library/app:1 is ${kept!.digest} in ${crane} and ${other!.digest} in ${saved}: serving the first`))]);
    const s = await fixture.serve(model);
    const accept = 'application/vnd.docker.distribution.manifest.v2+json';
    for (const [reference, digest] of [['1', kept!.digest], [other!.digest, other!.digest]]) {
      const res = await s.pool.request({ method: 'HEAD', path: `/v2/library/app/manifests/${reference}`, headers: { accept } });
      await res.body.dump();
      expect([res.statusCode, res.headers['docker-content-digest']]).toEqual([200, digest]);
    }
  });

  it('the binary: inspect lists both with one warning, --strict refuses in one line', async () => {
    const [crane, saved] = await archives();
    const ok = spawnSync(process.execPath, [BIN, 'inspect', crane, saved], { encoding: 'utf8' });
    expect(ok.status, ok.stderr).toBe(0);
    expect(ok.stdout.match(/^warning: /gm)).toHaveLength(1);
    expect(ok.stdout).toMatch(/pull     docker pull localhost:5000\/library\/app:1\n/);
    expect(ok.stdout).toMatch(/pull     docker pull localhost:5000\/library\/app@sha256:\w{64}\n/);
    const strict = spawnSync(process.execPath, [BIN, 'inspect', '--strict', crane, saved], { encoding: 'utf8' });
    expect(strict.status).toBe(1);
    expect(strict.stderr).toMatch(/^seed-registry: \S+app-save\.tar: tag docker\.io\/library\/app:1 names sha256:\w+ here but is already claimed by sha256:\w+ in \S+app-crane\.tar\n$/);
  });

  it('the same archive given twice: one pull line', async () => {
    const [crane] = await archives();
    const out = spawnSync(process.execPath, [BIN, 'inspect', crane, crane], { encoding: 'utf8' });
    expect(out.status, out.stderr).toBe(0);
    expect(out.stdout.match(/docker pull/g)).toHaveLength(1);
    expect(out.stdout).not.toMatch(/warning/);
  });
});
