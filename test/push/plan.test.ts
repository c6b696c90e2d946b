import { beforeAll, describe, expect, it } from 'vitest';
import type { ImageModel, ImageRecord, Manifest } from '../../src/model.js';
import { planPush } from '../../src/push/plan.js';
import { parseTarget } from '../../src/push/target.js';
import { buildTestImage, type TestImage } from '../registry/model.js';

let t: TestImage;

function record(registry: string, repository: string, tag: string, digest: string, aliases: string[] = []): ImageRecord {
  return { tarPath: 'x.tar', registry, repository, aliases, tag, digest, mediaType: 'm', origin: 'stored', platforms: [], layers: 1, size: 1 };
}

beforeAll(async () => {
  t = await buildTestImage();
  t.model.images.push(
    record('docker.io', 'library/registry', '2', t.index.digest, ['registry']),
    record('docker.io', 'library/registry', 'amd64', t.amd64.digest, ['registry']),
    record('docker.io', 'org/app', 'hub', t.hubApp.digest),
  );
});

describe('planPush', () => {
  it('orders children before their index, referrers after their subject, and lists each blob once', () => {
    const [plan] = planPush(t.model, parseTarget('reg:5000/mirror'), ['registry:2']);
    expect(plan?.repository).toBe('mirror/library/registry');
    expect(plan?.tags).toEqual(['2']);
    expect(plan?.manifests.map((m) => m.digest)).toEqual([t.amd64.digest, t.arm64.digest, t.index.digest, t.sbom.digest]);
    const digests = plan?.blobs.map((b) => b.digest) ?? [];
    expect(new Set(digests).size).toBe(digests.length);
    expect(digests).toHaveLength(4); // layer, two configs, the SBOM's empty config
    expect(plan?.missing).toEqual([]);
  });

  it('follows referrers of a platform manifest and referrers of referrers, each after its subject', () => {
    const referrer = (n: number, subject: string): Manifest => ({ digest: `sha256:${String(n).padStart(64, '0')}`, mediaType: 'application/vnd.oci.image.manifest.v1+json', bytes: Buffer.from('{}'), origin: 'stored', subject });
    const ofAmd64 = referrer(1, t.amd64.digest);
    const ofSbom = referrer(2, t.sbom.digest);
    const ofOfSbom = referrer(3, ofSbom.digest);
    // Listed before their subjects: the order found must not depend on the model's.
    const manifests = new Map([[ofOfSbom.digest, ofOfSbom], [ofSbom.digest, ofSbom], ...t.model.manifests, [ofAmd64.digest, ofAmd64]]);
    const [plan] = planPush({ ...t.model, manifests }, parseTarget('reg'), ['registry:2']);
    const order = plan!.manifests.map((m) => m.digest);
    expect(new Set(order)).toEqual(new Set([t.amd64.digest, t.arm64.digest, t.index.digest, t.sbom.digest, ofAmd64.digest, ofSbom.digest, ofOfSbom.digest]));
    for (const m of plan!.manifests) if (m.subject !== undefined) expect(order.indexOf(m.subject), m.digest).toBeLessThan(order.indexOf(m.digest));
    // A refused referrer stays behind, and so do its own referrers.
    const refused = new Map([[ofSbom.digest, { message: 'not signed' }]]) as unknown as ImageModel['refused'];
    const [served] = planPush({ ...t.model, manifests, refused }, parseTarget('reg'), ['registry:2']);
    expect(served!.manifests.map((m) => m.digest)).not.toContain(ofSbom.digest);
    expect(served!.manifests.map((m) => m.digest)).not.toContain(ofOfSbom.digest);
  });

  it('pushes library/ images under their short alias too, as the seed serves both', () => {
    const plans = planPush(t.model, parseTarget('reg'), ['library/registry']);
    expect(plans.map((p) => `${p.repository}@${p.tags.join(',')}`)).toEqual(['library/registry@2', 'registry@2', 'library/registry@amd64', 'registry@amd64']);
  });

  it('refuses one target tag naming two digests, and an --image the archives do not hold', () => {
    const model = { ...t.model, images: [...t.model.images, record('ghcr.io', 'org/app', 'hub', t.ghcrApp.digest)] };
    expect(() => planPush(model, parseTarget('reg'))).toThrow(/org\/app:hub would name both/);
    expect(() => planPush(t.model, parseTarget('reg'), ['nope:1'])).toThrow(/--image nope:1: no such image in the archives \(they hold library\/registry:2, library\/registry:amd64, org\/app:hub\)/);
  });

  it('lists what an index names but the archives lack (a platform left out of a save)', () => {
    const manifests = new Map(t.model.manifests);
    manifests.delete(t.arm64.digest);
    const [plan] = planPush({ ...t.model, manifests }, parseTarget('reg'), ['registry:2']);
    expect(plan?.manifests.map((m) => m.digest)).toEqual([t.amd64.digest, t.index.digest, t.sbom.digest]);
    expect(plan?.missing).toEqual([t.arm64.digest]);
  });
});

