// applyPolicy on a loaded archive: every case the test signer makes, decided with its reason.
import { rm } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadImages } from '../../src/image/load.js';
import type { ImageModel } from '../../src/model.js';
import { applyPolicy } from '../../src/trust/apply.js';
import { loadPolicy } from '../../src/trust/policy.js';
import { trustLines } from '../../src/trust/report.js';
import { tempDir } from '../helpers/pack.js';
import { buildScenario, REGISTRY, type Scenario } from './scenario.js';
import { writePublicKey } from './signer.js';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

let dir: string;
let s: Scenario;
let loaded: ImageModel;
let model: ImageModel;
let keyFiles: string[];

beforeAll(async () => {
  dir = await tempDir('seed-trust-');
  s = await buildScenario(dir);
  keyFiles = [writePublicKey(dir, 'cosign.pub', s.trusted), writePublicKey(dir, 'rsa.pub', s.rsa), writePublicKey(dir, 'ed25519.pub', s.ed25519)];
  loaded = await loadImages([s.path]);
  model = await applyPolicy(loaded, loadPolicy({ signedBy: keyFiles }));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

function trustOf(name: string, m = model) {
  const [repository, tag] = name.split(':');
  const r = m.images.find((x) => x.repository === repository && x.tag === tag);
  if (!r) throw new Error(`no record ${name}`);
  return r.trust;
}

describe('applyPolicy', () => {
  it('is the identity without a policy', async () => {
    expect(await applyPolicy(loaded, undefined)).toBe(loaded);
    expect(loadPolicy({})).toBeUndefined();
  });

  it('serves images signed by each trusted key kind, naming the key', () => {
    expect(trustOf('team/app:1')).toEqual({ signedBy: keyFiles[0] });
    expect(trustOf('team/rsa:1')).toEqual({ signedBy: keyFiles[1] });
    expect(trustOf('team/ed:1')).toEqual({ signedBy: keyFiles[2] });
    expect(trustOf('team/bundled:1')).toEqual({ signedBy: keyFiles[0] });
    for (const name of ['team/app:1', 'team/rsa:1', 'team/ed:1', 'team/bundled:1', 'team/multi:1']) expect(model.refused!.has(s.digests[name]!)).toBe(false);
  });

  it.each([
    ['team/app:2', 'unsigned', /no sha256-[a-f0-9]{64}\.sig tag or sigstore referrer/],
    ['team/other:1', 'unknown-key', /not by a trusted key/],
    ['team/tampered:1', 'unknown-key', /payload was altered/],
    ['team/replayed:1', 'digest-mismatch', /signs sha256:[a-f0-9]{64}, not this manifest/],
    ['team/truncated:1', 'bad-signature', /malformed/],
    ['team/moved:1', 'reference-mismatch', /for registry\.example\/team\/original:1, not for registry\.example\/team\/moved/],
  ])('refuses %s: %s', (name, reason, message) => {
    const refusal = model.refused!.get(s.digests[name]!);
    expect(refusal?.reason).toBe(reason);
    expect(refusal?.message).toMatch(message);
    expect(trustOf(name)).toEqual({ refused: refusal });
  });

  it('refuses a signature whose payload blob is not what its digest says (an altered archive)', async () => {
    const sigDigest = loaded.repositories.get('team/app')![0]!.tags.get(`${s.digests['team/app:1']!.replace(':', '-')}.sig`)!;
    const payload = JSON.parse(loaded.manifests.get(sigDigest)!.bytes.toString()).layers[0].digest as string;
    const blobs = new Map(loaded.blobs);
    const original = blobs.get(payload)!;
    blobs.set(payload, { ...original, source: { kind: 'memory', bytes: Buffer.from('{"critical":{}}') }, size: 15 });
    const altered = await applyPolicy({ ...loaded, blobs }, loadPolicy({ signedBy: keyFiles }));
    const refusal = altered.refused!.get(s.digests['team/app:1']!);
    expect(refusal?.reason).toBe('bad-signature');
    expect(refusal?.message).toMatch(/does not match its digest .* \(altered\)/);
  });

  it('refuses an image that is only tagged like a signature, or only claims a signed subject', () => {
    expect(model.refused!.get(s.digests['fake sig']!)?.reason).toBe('unsigned');
    expect(model.refused!.get(s.digests['posing referrer']!)?.reason).toBe('unsigned');
  });

  it('serves a platform of a signed index by digest, not under a tag no signature names', () => {
    expect(model.refused!.has(s.digests['team/multi:1 arm64']!)).toBe(false);
    const repo = model.repositories.get('team/multi')![0]!;
    expect(repo.tags.has('arm64')).toBe(false);
    expect(repo.refusedTags?.get('arm64')?.reason).toBe('unsigned');
  });

  it('matches the tag exactly (matchRepoDigestOrExact): the digest is served, the unsigned tag is not', () => {
    const digest = s.digests['team/tags:1']!;
    expect(model.refused!.has(digest)).toBe(false);
    const repo = model.repositories.get('team/tags')![0]!;
    expect(repo.tags.get('1')).toBe(digest);
    expect(repo.tags.has('latest')).toBe(false);
    expect(repo.refusedTags?.get('latest')?.reason).toBe('reference-mismatch');
  });

  it('covers the platform manifests of an index signed as a whole', () => {
    expect(model.refused!.has(s.digests['team/multi:1 arm64']!)).toBe(false);
  });

  it('serves signatures of served images and refuses those of refused ones', () => {
    const app = model.repositories.get('team/app')![0]!;
    expect([...app.tags.keys()].filter((t) => t.endsWith('.sig'))).toHaveLength(1);
    const other = model.repositories.get('team/other')![0]!;
    expect(other.tags.size).toBe(0);
    expect(model.refused!.has(s.digests['bundle referrer']!)).toBe(false);
  });

  it('serves a layer a signed image shares, refuses one only an unsigned image has', () => {
    expect(model.refused!.has(s.sharedLayer)).toBe(false);
    expect(model.refused!.get(s.unsignedOnlyLayer)?.message).toMatch(/blob of no served image/);
  });

  it('pins by digest, alone or beside keys', async () => {
    const file = join(dir, 'allow.txt');
    writeFileSync(file, `# pinned\n${s.digests['team/app:2']}\n`);
    const pinnedOnly = await applyPolicy(loaded, loadPolicy({ allowDigests: file }));
    expect(pinnedOnly.refused!.has(s.digests['team/app:2']!)).toBe(false);
    expect(pinnedOnly.refused!.get(s.digests['team/app:1']!)?.reason).toBe('not-allowed');
    const both = await applyPolicy(loaded, loadPolicy({ signedBy: keyFiles, allowDigests: file }));
    expect(both.refused!.has(s.digests['team/app:2']!)).toBe(false);
    expect(both.refused!.has(s.digests['team/app:1']!)).toBe(false);
    expect(both.refused!.get(s.digests['team/other:1']!)?.message).toMatch(/and not listed in .*allow\.txt/);
  });

  it('reports `serving N signed images, refusing M`, one line per refused image', () => {
    const lines = trustLines(model, (r) => `pull ${r.repository}:${r.tag}`);
    expect(lines[0]).toMatch(/^serving 6 signed images, refusing 10 \(and \d+ signatures or referrers attached to them\):$/);
    expect(lines.filter((l) => l.startsWith('  refused '))).toHaveLength(10);
    expect(lines.join('\n')).toContain(`refused ${REGISTRY}/team/app:2 ${s.digests['team/app:2']}: unsigned:`);
  });
});
