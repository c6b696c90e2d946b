// Upstream podman 4.3.1 (built from its source: Debian's has sigstore compiled out) with a
// `sigstoreSigned` policy.json pulls through the seed by the images' original names
// (registries.conf sends registry.example to the seed; the policy checks registry.example/...):
// - the fixture signed by upstream skopeo (fixtures/signed) and images signed by the test signer with
//   ECDSA P-384, RSA and Ed25519 keys: podman verifies the seed's signature tags itself;
// - the seed without a policy serves the unsigned image, and podman refuses it;
// - the seed with --signed-by refuses it itself (403 DENIED) and still serves what podman needs.
// - upstream skopeo 1.9.3 copies the signed image through the seed under the same policy.
// Runs only where UPSTREAM_PODMAN (and UPSTREAM_SKOPEO) name such builds (docs/signatures.md says how
// to build them offline); each skip says so.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OciLayout, sha256, writeArchive } from '../image/archives.js';
import { packTar } from '../helpers/pack.js';
import { makeKey, signatureManifest, signedLayer, sigTag, writePublicKey, type TestKey } from '../trust/signer.js';
import { REPO_ROOT, startSeed, type Seed } from './helpers/seed.js';
import { run } from './helpers/run.js';
import { startDistribution, type Distribution } from './helpers/distribution.js';
import { push } from './helpers/push.js';

const PODMAN = process.env['UPSTREAM_PODMAN'];
const present = PODMAN !== undefined && existsSync(PODMAN);
const SKOPEO = process.env['UPSTREAM_SKOPEO'];
const skopeoPresent = SKOPEO !== undefined && existsSync(SKOPEO);
const FIXTURE = join(REPO_ROOT, 'fixtures/signed/skopeo-signed.tar');
const SKOPEO_KEY = join(REPO_ROOT, 'fixtures/signed/cosign.pub');
const REGISTRY = 'registry.example';
const SKIPPED = 'skipped: UPSTREAM_PODMAN does not name a podman v4.3.1 built from upstream source (Debian\'s podman has sigstore compiled out)';
if (!present) console.warn(`sigstore.test.ts: ${SKIPPED}`);

let dir: string;
const seeds: Seed[] = [];
let ownArchive: string;
const targets: Distribution[] = [];
const ownKeys: Record<string, { key: TestKey; file: string }> = {};

/** A real one-file layer: podman unpacks what it pulls. */
async function realLayer(text: string): Promise<{ gz: Buffer; diffId: string }> {
  const path = join(dir, `layer-${sha256(text).slice(7, 19)}.tar`);
  await packTar(path, [{ name: 'hello', data: `${text}\n` }]);
  const tar = readFileSync(path);
  return { gz: gzipSync(tar), diffId: sha256(tar) };
}

async function ownSignedArchive(): Promise<string> {
  const layout = new OciLayout();
  const top: object[] = [];
  for (const kind of ['ecdsa-p384', 'rsa', 'ed25519'] as const) {
    const key = makeKey(kind);
    ownKeys[kind] = { key, file: writePublicKey(dir, `${kind}.pub`, key) };
    const layer = await realLayer(`signed with ${kind}`);
    const config = layout.blob(JSON.stringify({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [layer.diffId] } }));
    const manifest = {
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: { mediaType: 'application/vnd.oci.image.config.v1+json', ...config },
      layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', ...layout.blob(layer.gz) }],
    };
    const image = { mediaType: manifest.mediaType, ...layout.blob(JSON.stringify(manifest)) };
    const name = `${REGISTRY}/own/${kind}`;
    top.push({ ...image, annotations: { 'org.opencontainers.image.ref.name': `${name}:1` } });
    const sig = signatureManifest(layout, [signedLayer(key, image.digest, `${name}:1`)]);
    top.push({ ...sig, annotations: { 'org.opencontainers.image.ref.name': `${name}:${sigTag(image.digest)}` } });
  }
  return writeArchive(dir, 'own-signed.tar', layout.pack(top));
}

/** registries.conf sending registry.example to `host`. */
function registriesConf(host: string): string {
  const conf = join(dir, `registries-${host.replace(/[^0-9]/g, '')}.conf`);
  writeFileSync(conf, `unqualified-search-registries = []\n[[registry]]\nprefix = "${REGISTRY}"\nlocation = "${host}"\ninsecure = true\n`);
  return conf;
}

/** policy.json: registry.example needs a sigstore signature by `key` (podman's matchRepoDigestOrExact). */
function sigstorePolicy(key: string): string {
  const policy = join(dir, `policy-${sha256(key).slice(7, 19)}.json`);
  const requirement = { type: 'sigstoreSigned', keyPath: key, signedIdentity: { type: 'matchRepoDigestOrExact' } };
  writeFileSync(policy, JSON.stringify({ default: [{ type: 'reject' }], transports: { docker: { [REGISTRY]: [requirement] } } }));
  return policy;
}

/** podman pull with a policy trusting `key` for registry.example, from the registry at `host`. */
async function podmanPull(host: string, key: string, ref: string) {
  const home = join(dir, 'home');
  const conf = registriesConf(host);
  const policy = sigstorePolicy(key);
  const storage = ['--root', join(dir, 'root'), '--runroot', join(dir, 'run'), '--storage-driver', 'vfs', '--events-backend', 'file'];
  // HOME: containers/image reads ~/.config/containers/registries.d first (use-sigstore-attachments).
  return run(PODMAN!, [...storage, 'pull', '--signature-policy', policy, `${REGISTRY}/${ref}`], { env: { HOME: home, CONTAINERS_REGISTRIES_CONF: conf }, timeoutMs: 120_000 });
}

describe.skipIf(!present)(`upstream podman ${present ? PODMAN : `(${SKIPPED})`} with a sigstoreSigned policy`, () => {
  beforeAll(async () => {
    dir = await mkdtemp('/tmp/sr-sigstore-');
    mkdirSync(join(dir, 'home/.config/containers/registries.d'), { recursive: true });
    writeFileSync(join(dir, 'home/.config/containers/registries.d/default.yaml'), 'default-docker:\n  use-sigstore-attachments: true\n');
    ownArchive = await ownSignedArchive();
  });
  afterAll(async () => {
    for (const s of seeds) await s.stop();
    for (const d of targets) await d.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });
  const seed = async (tars: string[], args: string[] = []) => {
    const s = await startSeed(tars, args);
    seeds.push(s);
    return s;
  };

  it('pulls what skopeo signed through a seed without a policy, and refuses the unsigned image itself', async () => {
    const s = await seed([FIXTURE]);
    for (const ref of ['team/app:1', 'team/multi:1']) {
      const pulled = await podmanPull(s.host, SKOPEO_KEY, ref);
      expect(pulled.code, pulled.stderr).toBe(0);
    }
    const unsigned = await podmanPull(s.host, SKOPEO_KEY, 'team/app:2');
    expect(unsigned.code).not.toBe(0);
    expect(unsigned.stderr).toContain('A signature was required, but no signature exists');
  });

  it('refuses a signature by a key its policy does not trust', async () => {
    const s = await seed([FIXTURE]);
    const pulled = await podmanPull(s.host, ownKeys['ed25519']!.file, 'team/app:1');
    expect(pulled.code).not.toBe(0);
    expect(pulled.stderr).toMatch(/Source image rejected: .*(cryptographic signature verification failed|not accepted)/);
  });

  it('pulls through a seed serving with --signed-by, which refuses the unsigned image with 403 DENIED', async () => {
    const s = await seed([FIXTURE], ['--signed-by', SKOPEO_KEY]);
    expect(s.output()).toContain('serving 2 signed images, refusing 1');
    expect((await podmanPull(s.host, SKOPEO_KEY, 'team/app:1')).code).toBe(0);
    const refused = await podmanPull(s.host, SKOPEO_KEY, 'team/app:2');
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toMatch(/denied/i);
    expect(s.output()).toMatch(/GET \/v2\/team\/app\/manifests\/2 403 \d+ \d+ms denied: not signed/);
  });

  it.each(['ecdsa-p384', 'rsa', 'ed25519'])('verifies the test signer\'s %s signature as the seed does', async (kind) => {
    const s = await seed([ownArchive], ['--signed-by', ownKeys[kind]!.file]);
    expect(s.output()).toContain('serving 1 signed image, refusing 2');
    const pulled = await podmanPull(s.host, ownKeys[kind]!.file, `own/${kind}:1`);
    expect(pulled.code, pulled.stderr).toBe(0);
  });

  it('push --signed-by pushes only verified images with their signatures; podman verifies them on the target', async () => {
    const target = await startDistribution();
    targets.push(target);
    const pushed = await push([FIXTURE], target.host, ['--insecure', '--signed-by', SKOPEO_KEY]);
    expect(pushed.code, pushed.stderr).toBe(0);
    expect(pushed.stderr).toMatch(/warning: not pushing registry\.example\/team\/app:2: unsigned:/);
    const tags = (await (await fetch(`http://${target.host}/v2/team/app/tags/list`)).json()) as { tags: string[] };
    expect(tags.tags.sort()).toEqual(['1', expect.stringMatching(/^sha256-[a-f0-9]{64}\.sig$/)].sort());
    for (const ref of ['team/app:1', 'team/multi:1']) {
      const pulled = await podmanPull(target.host, SKOPEO_KEY, ref);
      expect(pulled.code, pulled.stderr).toBe(0);
    }
  });

  // skopeo 1.9.3 has no --registries-conf and ignores CONTAINERS_REGISTRIES_CONF: it reads
  // ~/.config/containers/registries.conf (containers/image pkg/sysregistriesv2, userRegistriesFile).
  // --remove-signatures: an OCI layout cannot hold them; the policy is still checked on the source.
  it.skipIf(!skopeoPresent)(`upstream skopeo ${skopeoPresent ? SKOPEO : '(skipped: UPSTREAM_SKOPEO does not name a skopeo v1.9.3 built from upstream source)'} copies the signed image through the seed under the same policy`, async () => {
    const s = await seed([FIXTURE]);
    const home = join(dir, 'home');
    writeFileSync(join(home, '.config/containers/registries.conf'), readFileSync(registriesConf(s.host)));
    const copy = (ref: string, out: string) =>
      run(SKOPEO!, ['--policy', sigstorePolicy(SKOPEO_KEY), 'copy', '--remove-signatures', `docker://${REGISTRY}/${ref}`, `oci:${join(dir, out)}:x`], { env: { HOME: home }, timeoutMs: 120_000 });
    const signed = await copy('team/app:1', 'skopeo-app-1');
    expect(signed.code, signed.stderr).toBe(0);
    const unsigned = await copy('team/app:2', 'skopeo-app-2');
    expect(unsigned.code).not.toBe(0);
    expect(unsigned.stderr).toContain('A signature was required, but no signature exists');
  });
});
