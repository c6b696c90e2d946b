// One OCI archive holding every case the policy must decide, signed with the test signer.
import { OciLayout, makeLayer, sha256 as sha, writeArchive } from '../image/archives.js';
import { bundleReferrer, makeKey, signatureManifest, signedLayer, sigTag, type TestKey } from './signer.js';

export const REGISTRY = 'registry.example';
type Desc = { mediaType: string; digest: string; size: number };

export interface Scenario {
  path: string;
  trusted: TestKey;
  rsa: TestKey;
  ed25519: TestKey;
  other: TestKey;
  /** name → manifest digest */
  digests: Record<string, string>;
  sharedLayer: string;
  unsignedOnlyLayer: string;
}

const named = (d: Desc, name: string) => ({ ...d, annotations: { 'org.opencontainers.image.ref.name': name } });

export async function buildScenario(dir: string): Promise<Scenario> {
  const trusted = makeKey('ecdsa-p256');
  const rsa = makeKey('rsa');
  const ed25519 = makeKey('ed25519');
  const other = makeKey('ecdsa-p256');
  const layout = new OciLayout();
  const shared = makeLayer('shared layer');
  const top: object[] = [];
  const digests: Record<string, string> = {};
  const image = (name: string, content: string, layers = [makeLayer(content)]): Desc => {
    const d = layout.image(layers);
    digests[name] = d.digest;
    top.push(named(d, `${REGISTRY}/${name}`));
    return d;
  };
  const attachSig = (name: string, d: Desc, layers: ReturnType<typeof signedLayer>[]) => {
    const repo = name.split(':')[0]!;
    top.push(named(signatureManifest(layout, layers), `${REGISTRY}/${repo}:${sigTag(d.digest)}`));
  };
  const ref = (name: string) => `${REGISTRY}/${name}`;

  const good = image('team/app:1', 'good', [makeLayer('good'), shared]);
  attachSig('team/app:1', good, [signedLayer(trusted, good.digest, ref('team/app:1'))]);
  const unsignedOnly = makeLayer('unsigned only');
  image('team/app:2', 'unsigned', [unsignedOnly, shared]);
  const byOther = image('team/other:1', 'other key');
  attachSig('team/other:1', byOther, [signedLayer(other, byOther.digest, ref('team/other:1'))]);
  // Altered after signing: the payload names another digest, its blob digest recomputed.
  const tampered = image('team/tampered:1', 'tampered');
  const honest = signedLayer(trusted, tampered.digest, ref('team/tampered:1'));
  attachSig('team/tampered:1', tampered, [{ ...honest, payload: Buffer.from(honest.payload.toString().replace('tampered', 'tamperee')) }]);
  // A valid signature of team/app:1 replayed onto another image.
  const replayed = image('team/replayed:1', 'replayed');
  attachSig('team/replayed:1', replayed, [signedLayer(trusted, good.digest, ref('team/replayed:1'))]);
  const truncated = image('team/truncated:1', 'truncated');
  const full = signedLayer(trusted, truncated.digest, ref('team/truncated:1'));
  attachSig('team/truncated:1', truncated, [{ ...full, signature: Buffer.from(full.signature!, 'base64').subarray(0, 40).toString('base64') }]);
  const elsewhere = image('team/moved:1', 'signed for another name');
  attachSig('team/moved:1', elsewhere, [signedLayer(trusted, elsewhere.digest, ref('team/original:1'))]);
  const byRsa = image('team/rsa:1', 'rsa');
  attachSig('team/rsa:1', byRsa, [signedLayer(rsa, byRsa.digest, ref('team/rsa:1'))]);
  const byEd = image('team/ed:1', 'ed25519');
  attachSig('team/ed:1', byEd, [signedLayer(ed25519, byEd.digest, ref('team/ed:1'))]);
  // Signed for tag 1 only, and tagged 1 and latest in the archive.
  const twoTags = image('team/tags:1', 'two tags');
  top.push(named(twoTags, ref('team/tags:latest')));
  attachSig('team/tags:1', twoTags, [signedLayer(trusted, twoTags.digest, ref('team/tags:1'))]);
  // An index signed as a whole.
  const amd64 = layout.image([makeLayer('multi amd64')]);
  const arm64 = layout.image([makeLayer('multi arm64')], { os: 'linux', architecture: 'arm64' });
  const index = layout.index([{ ...amd64, platform: { os: 'linux', architecture: 'amd64' } }, { ...arm64, platform: { os: 'linux', architecture: 'arm64' } }]);
  digests['team/multi:1'] = index.digest;
  digests['team/multi:1 arm64'] = arm64.digest;
  top.push(named(index, ref('team/multi:1')));
  // The arm64 platform tagged on its own, unsigned: served by digest as part of the index, not by this tag.
  top.push(named(arm64, ref('team/multi:arm64')));
  attachSig('team/multi:1', index, [signedLayer(trusted, index.digest, ref('team/multi:1'))]);
  // cosign's OCI 1.1 referrer with a sigstore bundle, untagged as `oras`/cosign leave it.
  const bundled = image('team/bundled:1', 'bundle form');
  const referrer = bundleReferrer(layout, trusted, bundled);
  digests['bundle referrer'] = referrer.digest;
  top.push(referrer);
  // A runnable image claiming a signed image as its subject is not carried in by it.
  const layer = makeLayer('posing as a referrer');
  const config = layout.blob(JSON.stringify({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [layer.diffId] } }));
  const posing = layout.blob(JSON.stringify({
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    config: { mediaType: 'application/vnd.oci.image.config.v1+json', ...config },
    layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', ...layout.blob(layer.gzip) }],
    subject: good,
  }));
  digests['posing referrer'] = posing.digest;
  top.push({ mediaType: 'application/vnd.oci.image.manifest.v1+json', ...posing });
  // An image merely tagged like a signature is not one.
  digests['fake sig'] = image(`team/app:${sigTag(byOther.digest)}`, 'posing as a signature').digest;

  const path = await writeArchive(dir, 'policy.oci.tar', layout.pack(top));
  return { path, trusted, rsa, ed25519, other, digests, sharedLayer: sha(shared.gzip), unsignedOnlyLayer: sha(unsignedOnly.gzip) };
}
