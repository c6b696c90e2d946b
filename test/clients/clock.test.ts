// Clocks on air-gapped hosts (no NTP), with Debian's faketime moving only the seed's clock: what it
// mints at start must be accepted by real clients on the real clock. skopeo (--cert-dir), ctr
// (hosts.toml `ca`) and curl (--cacert) are the judges; each first fails without the CA, so a pass
// proves the certificate was checked. curl also runs under faketime where the node's clock moves too.
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ctrPull } from './helpers/clients.js';
import { startContainerd, type Containerd } from './helpers/containerd.js';
import { fakeTimeEnv } from './helpers/faketime.js';
import { run, runOk } from './helpers/run.js';
import { REPO_ROOT, startSeed, type Seed } from './helpers/seed.js';
import { requireClients } from './helpers/tools.js';

const FIXTURE = join(REPO_ROOT, 'fixtures/seed-image.tar');
const BIN = fileURLToPath(new URL('../../bin/seed-registry.js', import.meta.url));
const REF = 'library/busybox:seed';
const DATE = '\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d UTC';

let dir: string;
let containerd: Containerd;
let digest: string;
const seeds: Seed[] = [];

beforeAll(async () => {
  await requireClients();
  dir = mkdtempSync('/tmp/sr-');
  containerd = await startContainerd(dir);
  const inspected = JSON.parse(execFileSync(process.execPath, [BIN, 'inspect', '--json', FIXTURE], { encoding: 'utf8' })) as { images: { digest: string }[] };
  digest = inspected.images[0]!.digest;
});
afterAll(async () => {
  for (const seed of seeds) await seed.stop();
  await containerd?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** The seed with --tls-self-signed `tls`, its clock at `clock` (faketime) or the real one. */
async function serve(tls: string, clock?: string): Promise<Seed> {
  const seed = await startSeed([FIXTURE], ['--tls-self-signed', tls], clock === undefined ? {} : fakeTimeEnv(clock));
  seeds.push(seed);
  return seed;
}

async function stop(seed: Seed): Promise<void> {
  await seed.stop();
  seeds.splice(seeds.indexOf(seed), 1);
}

/** skopeo on the real clock, trusting only `ca` (a --cert-dir holding it). */
async function skopeoInspect(seed: Seed, ca: string | undefined): Promise<string> {
  const certDir = mkdtempSync(join(dir, 'certs-'));
  if (ca) copyFileSync(ca, join(certDir, 'ca.crt'));
  const out = await runOk('skopeo', ['inspect', '--cert-dir', certDir, '--format', '{{.Digest}}', `docker://${seed.host}/${REF}`], { timeoutMs: 60_000 });
  return out.trim();
}

/** containerd's client on the real clock, with a hosts.toml naming `ca`. */
async function ctrPullWith(seed: Seed, ca: string): Promise<void> {
  const hosts = mkdtempSync(join(dir, 'hosts-'));
  mkdirSync(join(hosts, seed.host));
  writeFileSync(join(hosts, seed.host, 'hosts.toml'), [`server = "https://${seed.host}"`, `[host."https://${seed.host}"]`, '  capabilities = ["pull", "resolve"]', `  ca = "${ca}"`, ''].join('\n'));
  const ref = `${seed.host}/${REF}`;
  await ctrPull(containerd, ref, { https: true, extraArgs: ['--hosts-dir', hosts] });
  const line = (await containerd.ctr(['images', 'ls'])).split('\n').find((l) => l.startsWith(`${ref} `));
  expect(line?.split(/\s+/)[2]).toBe(digest);
  await containerd.ctr(['images', 'rm', ref]);
}

/** curl `/v2/` trusting only `ca`, with its own clock at `clock` when given: the HTTP status. */
async function curlStatus(seed: Seed, ca: string, clock?: string): Promise<string> {
  const env = clock === undefined ? {} : fakeTimeEnv(clock);
  const result = await run('curl', ['-sS', '--cacert', ca, '-o', '/dev/null', '-w', '%{http_code}', `https://${seed.host}/v2/`], { env, timeoutMs: 30_000 });
  return result.code === 0 ? result.stdout : `curl exit ${result.code}: ${result.stderr.trim()}`;
}

function fingerprint(output: string): string | undefined {
  return /TLS CA \S+ sha256 ([0-9A-F:]+)/.exec(output)?.[1];
}

describe('a seed whose clock is wrong', () => {
  it('a day ahead: mints certificates skopeo, ctr and curl on the real clock accept; restarted on the real clock it keeps them', async () => {
    const tls = join(dir, 'ahead');
    const ca = join(tls, 'ca.crt');
    const ahead = await serve(tls, '+1d');
    await expect(skopeoInspect(ahead, undefined)).rejects.toThrow(/x509|certificate/);
    expect(await skopeoInspect(ahead, ca)).toBe(digest);
    await ctrPullWith(ahead, ca);
    expect(await curlStatus(ahead, ca)).toBe('200');
    expect(ahead.output()).toMatch(new RegExp(`TLS certificate ${tls}/tls.crt created with a new CA, valid ${DATE} to ${DATE}`));
    const first = fingerprint(ahead.output());
    await stop(ahead);

    const fixed = await serve(tls);
    expect(fixed.output()).toContain(`TLS certificate ${tls}/tls.crt reused`);
    expect(fingerprint(fixed.output())).toBe(first);
    expect(fixed.output()).not.toContain('warning:');
    expect(await skopeoInspect(fixed, ca)).toBe(digest);
  });

  it('three days ahead, then fixed: the server certificate is re-issued by the same CA, one warning names ca.crt and rotate-ca, and after rotate-ca clients pull', async () => {
    const tls = join(dir, 'far-ahead');
    const ca = join(tls, 'ca.crt');
    const ahead = await serve(tls, '+3d');
    const first = fingerprint(ahead.output());
    await stop(ahead);

    const fixed = await serve(tls);
    const out = fixed.output();
    expect(out).toMatch(new RegExp(`TLS certificate ${tls}/tls.crt re-issued \\(server certificate not valid until ${DATE}; this host's clock says ${DATE}\\)`));
    expect(fingerprint(out)).toBe(first);
    const warnings = out.split('\n').filter((l) => l.startsWith('warning:'));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(new RegExp(`^warning: TLS CA ${ca} is not valid until ${DATE} \\(valid ${DATE} to ${DATE}; this host's clock says ${DATE}\\): clients reject it; .*seed-registry tls rotate-ca --tls-self-signed ${tls}`));
    // What the warning is about: the CA itself is not valid yet on the real clock.
    await expect(skopeoInspect(fixed, ca)).rejects.toThrow(/x509|certificate/);
    await stop(fixed);

    const rotated = await runOk(process.execPath, [BIN, 'tls', 'rotate-ca', '--tls-self-signed', tls]);
    expect(rotated).toContain(`new CA ${ca} sha256 `);
    const after = await serve(tls);
    expect(after.output()).toContain('re-issued (server certificate not signed by this CA)');
    expect(after.output()).not.toContain('warning:');
    expect(fingerprint(after.output())).not.toBe(first);
    expect(await skopeoInspect(after, ca)).toBe(digest);
    await ctrPullWith(after, ca);
  });

  it('380 days later: the server certificate nearing its end is re-issued, and curl on that clock accepts it', async () => {
    const tls = join(dir, 'later');
    const ca = join(tls, 'ca.crt');
    await stop(await serve(tls));
    const later = await serve(tls, '+380d');
    expect(later.output()).toMatch(new RegExp(`TLS certificate ${tls}/tls.crt re-issued \\(server certificate expires ${DATE}\\), valid ${DATE} to ${DATE}`));
    expect(later.output()).not.toContain('warning:');
    expect(await curlStatus(later, ca, '+380d')).toBe('200');
  });

  it('3640 days later: one warning says the CA expires within 30 days, and the seed still serves', async () => {
    const tls = join(dir, 'old-ca');
    const ca = join(tls, 'ca.crt');
    await stop(await serve(tls));
    const later = await serve(tls, '+3640d');
    const warnings = later.output().split('\n').filter((l) => l.startsWith('warning:'));
    expect(warnings).toEqual([expect.stringMatching(new RegExp(`^warning: TLS CA ${ca} expires ${DATE} .*clients will reject it then; before then, make a new CA with \`seed-registry tls rotate-ca --tls-self-signed ${tls}\``))]);
    expect(await curlStatus(later, ca, '+3640d')).toBe('200');
  });

  it('behind this build and the newest image: one warning says so', async () => {
    const tls = join(dir, 'behind');
    const behind = await serve(tls, '@2020-01-01 00:00:00');
    const warnings = behind.output().split('\n').filter((l) => l.startsWith('warning:'));
    expect(warnings).toEqual([expect.stringMatching(/^warning: this host's clock says 2020-01-01 00:0\d UTC, but this build of seed-registry was made .* and image config sha256:\w+ was created 2024-01-01 00:00 UTC: the clock is behind/)]);
  });
});

it('ca.crt ends with a newline: cat ca.crt other.pem is a bundle openssl finds both certificates in', async () => {
  const tls = join(dir, 'bundle');
  await stop(await serve(tls));
  const bundle = join(dir, 'bundle.pem');
  writeFileSync(bundle, readFileSync(join(tls, 'ca.crt'), 'utf8') + readFileSync(join(tls, 'tls.crt'), 'utf8'));
  expect(await runOk('openssl', ['storeutl', '-noout', '-certs', bundle])).toContain('Total found: 2');
});
