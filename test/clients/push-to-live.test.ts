// `serve --push-to` with live content: the seed serves a watched --tar folder and pushes it into
// Debian's docker-registry (distribution) over HTTPS with an openssl CA and htpasswd; an archive
// moved into the folder afterwards is pushed too, with the digest the seed serves, in one line; a
// SIGHUP that changes nothing pushes nothing and says so. An SBOM attached later to a pushed image (an
// OCI 1.1 referrer, in an archive of its own) is pushed beside it.
import { copyFileSync, mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitUntil } from './helpers/daemon.js';
import { makeTestCa, startDistribution, type Distribution } from './helpers/distribution.js';
import { manifestDigest, SEED_IMAGE } from './helpers/push.js';
import { startSeed, type Seed } from './helpers/seed.js';
import { requireClients } from './helpers/tools.js';
import { OciLayout, writeArchive } from '../image/archives.js';
import { referrer } from '../image/tool-layouts.js';

/** `example.com/tiny/app:1.0`, another image than the seed's busybox (fixtures/README.md). */
const TINY = fileURLToPath(new URL('../../fixtures/formats/tiny-crane.tar', import.meta.url));
const USER = 'alice';
const PASSWORD = 'correct horse';
const basic = `Basic ${Buffer.from(`${USER}:${PASSWORD}`).toString('base64')}`;

let dir: string;
let folder: string;
let target: Distribution | undefined;
let seed: Seed | undefined;

beforeAll(async () => {
  await requireClients();
  dir = mkdtempSync('/tmp/sr-push-to-live-');
  folder = join(dir, 'images');
  mkdirSync(folder);
  copyFileSync(SEED_IMAGE, join(folder, 'seed.tar'));
  writeFileSync(join(dir, 'password'), `${PASSWORD}\n`);
  const certs = await makeTestCa(dir);
  target = await startDistribution({ tls: { cert: certs.cert, key: certs.key }, htpasswd: { [USER]: PASSWORD } });
  const push = ['--push-to', `${target.host}/live`, '--push-ca', certs.ca, '--push-username', USER, '--push-password-file', join(dir, 'password')];
  seed = await startSeed([folder], ['-q', '--settle', '0.2', ...push]);
}, 120_000);

afterAll(async () => {
  await seed?.stop();
  await target?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const reloadLines = () => seed!.output().split('\n').filter((l) => l.startsWith('push-to: reload:'));
const onTarget = (name: string, tag: string) => manifestDigest(`https://${target!.host}`, `live/${name}`, tag, basic);

describe('serve --push-to follows the content served', () => {
  it('pushes the folder at start', async () => {
    await waitUntil('the first push', async () => /verified 2 references/.test(seed!.output()), 60_000);
    const served = await manifestDigest(seed!.url, 'library/busybox', 'seed');
    expect(served).toMatch(/^sha256:/);
    expect(await onTarget('library/busybox', 'seed')).toBe(served);
    expect(await onTarget('tiny/app', '1.0')).toBeUndefined();
  });

  it('pushes an archive moved into the folder, with the digest the seed serves', async () => {
    // The documented way in: a dot-name copy, then a rename (docs/live-content.md).
    copyFileSync(TINY, join(folder, '.tiny.tar'));
    renameSync(join(folder, '.tiny.tar'), join(folder, 'tiny.tar'));
    await waitUntil('the reload push', async () => reloadLines().length > 0, 60_000);
    expect(reloadLines()).toEqual([`push-to: reload: pushed 1 new image to ${target!.host}/live (example.com/tiny/app:1.0)`]);
    expect(seed!.output()).toContain('content reloaded: 2 images (added example.com/tiny/app:1.0)');
    const served = await manifestDigest(seed!.url, 'tiny/app', '1.0');
    expect(served).toMatch(/^sha256:/);
    expect(await onTarget('tiny/app', '1.0')).toBe(served);
    // Still there, and not pushed again: the reload push carries only what is new.
    expect(await onTarget('library/busybox', 'seed')).toBe(await manifestDigest(seed!.url, 'library/busybox', 'seed'));
    expect(seed!.output().match(/^pushed \S*library\/busybox:/gm)).toHaveLength(1);
    // The target answered at once: no waiting line for this push.
    expect(seed!.output().match(/^push-to: waiting for /gm)).toBeNull();
  });

  it('pushes an SBOM attached later to a pushed image (OCI 1.1 subject) into that image\'s repository', async () => {
    const got = await fetch(`${seed!.url}/v2/tiny/app/manifests/1.0`, { headers: { accept: 'application/vnd.oci.image.manifest.v1+json, application/vnd.docker.distribution.manifest.v2+json' } });
    const subject = { mediaType: got.headers.get('content-type')!, digest: got.headers.get('docker-content-digest')!, size: (await got.arrayBuffer()).byteLength };
    expect(subject.digest).toBe(await onTarget('tiny/app', '1.0'));
    const oci = new OciLayout();
    const sbom = referrer(oci, subject, 'application/spdx+json');
    // An OCI archive holding the SBOM alone, as `oras` or `cosign save` would write one: the seed
    // names it after its file (library/sbom), so only a push of its subject puts it beside tiny/app.
    const store = oci.pack([sbom]);
    await writeArchive(folder, '.sbom.tar', store);
    renameSync(join(folder, '.sbom.tar'), join(folder, 'sbom.tar'));
    await waitUntil('the reload push', async () => reloadLines().length > 1, 60_000);
    expect(await onTarget('tiny/app', sbom.digest)).toBe(sbom.digest);
    expect(reloadLines()[1]).toMatch(new RegExp(`^push-to: reload: pushed .*1 image with new referrers to ${target!.host}/live \\(`));
    expect(seed!.output()).toContain('library/sbom');
  });

  it('a reload that adds nothing pushes nothing and says so', async () => {
    const before = seed!.output().length;
    process.kill(seed!.pid, 'SIGHUP');
    await waitUntil('the reload line', async () => reloadLines().length > 2, 60_000);
    expect(reloadLines()[2]).toBe(`push-to: reload: nothing new to push to ${target!.host}/live`);
    expect(seed!.output().slice(before)).not.toMatch(/^pushed /m);
  });
});
