// `serve --push-to` into Debian's docker-registry (distribution) over HTTPS with an openssl CA and
// htpasswd: while the target cannot be used the seed says why (refused, unknown authority, 401) at
// most every 10 s; it pushes with --push-ca and --push-username/--push-password-file, and with the
// credentials of a docker config.json.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitUntil } from './helpers/daemon.js';
import { makeTestCa, startDistribution, type Distribution } from './helpers/distribution.js';
import { manifestDigest, SEED_IMAGE } from './helpers/push.js';
import { freePort } from './helpers/registry-image.js';
import { startSeed, type Seed } from './helpers/seed.js';
import { requireClients } from './helpers/tools.js';

const NAME = 'library/busybox';
const TAG = 'seed';
const USER = 'alice';
const PASSWORD = 'correct horse';
const basic = `Basic ${Buffer.from(`${USER}:${PASSWORD}`).toString('base64')}`;

let dir: string;
let target: Distribution;
let ca: string;
let seedDigest: string | undefined;
const stoppers: (() => Promise<void>)[] = [];

beforeAll(async () => {
  await requireClients();
  dir = mkdtempSync('/tmp/sr-push-to-');
  writeFileSync(join(dir, 'password'), `${PASSWORD}\n`);
  const certs = await makeTestCa(dir);
  ca = certs.ca;
  target = await startDistribution({ tls: { cert: certs.cert, key: certs.key }, htpasswd: { [USER]: PASSWORD } });
  stoppers.push(target.stop);
  const plain = await seed([]);
  seedDigest = await manifestDigest(plain.url, NAME, TAG);
}, 120_000);

afterAll(async () => {
  for (const stop of stoppers.reverse()) await stop().catch(() => undefined);
  if (dir) rmSync(dir, { recursive: true, force: true });
});

async function seed(args: string[], env: Record<string, string> = {}): Promise<Seed> {
  const saved = Object.fromEntries(Object.keys(env).map((k) => [k, process.env[k]]));
  Object.assign(process.env, env);
  try {
    const s = await startSeed([SEED_IMAGE], ['-q', ...args]);
    stoppers.push(s.stop);
    return s;
  } finally {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
}

/** The `push-to: attempt` lines so far, each with the time it was first seen. */
function attemptWatcher(s: Seed) {
  const seen = new Map<string, number>();
  return {
    lines: () => {
      for (const line of s.output().split('\n').filter((l) => l.startsWith('push-to: attempt '))) if (!seen.has(line)) seen.set(line, Date.now());
      return [...seen.entries()];
    },
  };
}

describe('serve --push-to waits, saying why', () => {
  it('refused: nothing listens yet', async () => {
    const port = await freePort();
    const s = await seed(['--push-to', `127.0.0.1:${port}`]);
    await waitUntil('an attempt line', async () => /push-to: attempt 1 /.test(s.output()), 20_000);
    expect(s.output()).toMatch(/^push-to: attempt 1 \(\d+ s\): cannot reach 127\.0\.0\.1:\d+: https:\/\/127\.0\.0\.1:\d+: ECONNREFUSED/m);
  });

  it('an untrusted certificate: unknown authority, at most one line every 10 s', async () => {
    const s = await seed(['--push-to', target.host]);
    const watcher = attemptWatcher(s);
    await waitUntil('two attempt lines', async () => watcher.lines().length >= 2, 40_000);
    const [[first, at1], [second, at2]] = watcher.lines() as [[string, number], [string, number]];
    expect(first).toMatch(/^push-to: attempt 1 \(0 s\): cannot reach 127\.0\.0\.1:\d+: https:\/\/127\.0\.0\.1:\d+: TLS: unknown authority \(.*\) \(give --push-ca FILE for a private CA, or --push-insecure to skip verification\); http:\/\/127\.0\.0\.1:\d+\/v2\/ answered 400 /);
    expect(second).toMatch(/^push-to: attempt \d+ \(1\d s\): .*unknown authority/);
    // Attempts every 2 s, lines at most every 10 s (the first line at once).
    expect(at2 - at1).toBeGreaterThanOrEqual(9_000);
    expect(s.output()).not.toMatch(/pushed/);
  });

  it('trusted but without credentials: 401, and how to give them', async () => {
    const s = await seed(['--push-to', target.host, '--push-ca', ca], { DOCKER_CONFIG: join(dir, 'no-docker-config') });
    await waitUntil('an attempt line', async () => /push-to: attempt 1 /.test(s.output()), 20_000);
    expect(s.output()).toMatch(/^push-to: attempt 1 \(0 s\): https:\/\/127\.0\.0\.1:\d+: authentication refused without credentials \(give --push-username with --push-password-file, or docker login\): 401 UNAUTHORIZED/m);
  });
});

describe('serve --push-to pushes', () => {
  it('with --push-ca and --push-username/--push-password-file', async () => {
    const s = await seed(['--push-to', `${target.host}/flags`, '--push-ca', ca, '--push-username', USER, '--push-password-file', join(dir, 'password')]);
    await waitUntil('the seed to push', async () => /verified 2 references/.test(s.output()), 60_000);
    expect(s.output()).toMatch(/^warning: --push-ca .*: trusting this CA for 127\.0\.0\.1:\d+/m);
    expect(s.output()).not.toMatch(/push-to: attempt/);
    expect(seedDigest).toMatch(/^sha256:/);
    expect(await manifestDigest(`https://${target.host}`, `flags/${NAME}`, TAG, basic)).toBe(seedDigest);
  });

  it('with the credentials of a docker config.json', async () => {
    const config = join(dir, 'docker');
    mkdirSync(config, { recursive: true });
    writeFileSync(join(config, 'config.json'), JSON.stringify({ auths: { [target.host]: { auth: Buffer.from(`${USER}:${PASSWORD}`).toString('base64') } } }));
    const s = await seed(['--push-to', `${target.host}/config`, '--push-ca', ca], { DOCKER_CONFIG: config });
    await waitUntil('the seed to push', async () => /verified 2 references/.test(s.output()), 60_000);
    expect(await manifestDigest(`https://${target.host}`, `config/${NAME}`, TAG, basic)).toBe(seedDigest);
    expect(await manifestDigest(`https://${target.host}`, `config/${NAME}`, TAG)).toBeUndefined();
  });
});
