// `seed-registry push` into Debian's docker-registry (distribution): plain HTTP, HTTPS with a test
// CA, htpasswd Basic auth (a password file, config.json, a credential helper), token auth, and
// `serve --push-to`. No docker needed: the target is the registry binary itself. Faults (429, cut uploads, refusals) are in push-faults.test.ts.
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTestCa, startDistribution, type Distribution } from './helpers/distribution.js';
import { startFaultProxy } from './helpers/fault-proxy.js';
import { errorLines, manifestDigest, push, pushJson, SEED_IMAGE } from './helpers/push.js';
import { freePort } from './helpers/registry-image.js';
import { startSeed, type Seed } from './helpers/seed.js';
import { startTokenServer, TOKEN_ISSUER, TOKEN_SERVICE } from './helpers/token-server.js';
import { requireClients } from './helpers/tools.js';
import { sleep, waitUntil } from './helpers/daemon.js';

const NAME = 'library/busybox';
const TAG = 'seed';
const USER = 'alice';
const PASSWORD = 'correct horse';

let dir: string;
let seed: Seed;
let seedDigest: string | undefined;
const stoppers: (() => Promise<void>)[] = [];

beforeAll(async () => {
  await requireClients();
  dir = mkdtempSync('/tmp/sr-push-');
  writeFileSync(join(dir, 'password'), `${PASSWORD}\n`);
  writeFileSync(join(dir, 'wrong'), 'wrong\n');
  seed = await startSeed([SEED_IMAGE]);
  seedDigest = await manifestDigest(seed.url, NAME, TAG);
});
afterAll(async () => {
  for (const stop of stoppers.reverse()) await stop().catch(() => undefined);
  await seed?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

async function distribution(options: Parameters<typeof startDistribution>[0] = {}): Promise<Distribution> {
  const d = await startDistribution(options);
  stoppers.push(d.stop);
  return d;
}

describe('push over plain HTTP', () => {
  it('pushes, mounts the alias repository, verifies, and a second push uploads nothing', async () => {
    const target = await distribution();
    const [port] = target.host.split(':').slice(1).map(Number);
    const proxy = await startFaultProxy(port!, () => undefined);
    stoppers.push(proxy.close);
    const first = pushJson(await push([SEED_IMAGE], proxy.host, ['--json']));
    expect(first.blobs).toEqual({ uploaded: 2, present: 0, mounted: 2 });
    // The short alias repository gets each blob by a cross-repository mount: 201, no bytes.
    expect(proxy.log.filter((l) => l === 'POST /v2/busybox/blobs/uploads/ 201')).toHaveLength(2);
    expect(seedDigest).toMatch(/^sha256:/);
    expect(await manifestDigest(`http://${target.host}`, NAME, TAG)).toBe(seedDigest);
    expect(await manifestDigest(`http://${target.host}`, 'busybox', TAG)).toBe(seedDigest);

    const again = await push([SEED_IMAGE], target.host);
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(/0 blobs uploaded, 4 already present, 0 mounted.*nothing uploaded/);
    expect(again.stdout).toMatch(/verified 2 references/);
  });

  it('--dry-run writes nothing; --prefix puts the images under a path', async () => {
    const target = await distribution();
    const dry = await push([SEED_IMAGE], `${target.host}/mirror`, ['--dry-run']);
    expect(dry.stdout).toMatch(/would push mirror\/library\/busybox:seed .*2 of 2 blobs missing/);
    expect(await manifestDigest(`http://${target.host}`, `mirror/${NAME}`, TAG)).toBeUndefined();
    expect((await push([SEED_IMAGE], `${target.host}/mirror`, ['--image', 'busybox:seed'])).code).toBe(0);
    expect(await manifestDigest(`http://${target.host}`, `mirror/${NAME}`, TAG)).toBe(seedDigest);
  });

  it('an unreachable target is one line', async () => {
    const result = await push([SEED_IMAGE], `127.0.0.1:${await freePort()}`, ['--retries', '1']);
    expect(result.code).toBe(1);
    expect(errorLines(result)).toEqual([expect.stringMatching(/^seed-registry: push: cannot reach 127\.0\.0\.1:\d+: .*ECONNREFUSED/)]);
  });
});

describe('push over HTTPS with a test CA', () => {
  let target: Distribution;
  let ca: string;
  beforeAll(async () => {
    const certs = await makeTestCa(dir);
    ca = certs.ca;
    target = await distribution({ tls: { cert: certs.cert, key: certs.key } });
  });

  it('refuses an unknown CA in one line, pushes with --ca, and with --insecure after a warning', async () => {
    const refused = await push([SEED_IMAGE], `https://${target.host}`, ['--retries', '0']);
    expect(refused.code).toBe(1);
    expect(errorLines(refused)).toEqual([expect.stringMatching(/^seed-registry: push: cannot reach .*TLS: .*--ca FILE/)]);

    const trusted = await push([SEED_IMAGE], target.host, ['--ca', ca, '--image', NAME]);
    expect(trusted.code, trusted.stderr).toBe(0);
    expect(trusted.stdout).toContain(`to https://${target.host}`);
    expect(await manifestDigest(`https://${target.host}`, NAME, TAG)).toBe(seedDigest);

    const insecure = await push([SEED_IMAGE], target.host, ['--insecure', '--image', 'busybox']);
    expect(insecure.code, insecure.stderr).toBe(0);
    expect(insecure.stderr).toMatch(/^warning: --insecure: the TLS certificate of 127\.0\.0\.1:\d+ is not verified$/m);
  });
});

describe('push with htpasswd Basic auth', () => {
  let target: Distribution;
  beforeAll(async () => {
    target = await distribution({ htpasswd: { [USER]: PASSWORD } });
  });

  it('a wrong password is one line; --password-file pushes', async () => {
    const wrong = await push([SEED_IMAGE], target.host, ['--username', USER, '--password-file', join(dir, 'wrong')]);
    expect(wrong.code).toBe(1);
    expect(errorLines(wrong)).toEqual([expect.stringMatching(/^seed-registry: push: http:\/\/127\.0\.0\.1:\d+: authentication refused as alice: 401/)]);
    const anonymous = await push([SEED_IMAGE], target.host, [], { DOCKER_CONFIG: join(dir, 'none'), REGISTRY_AUTH_FILE: '' });
    expect(errorLines(anonymous)).toEqual([expect.stringMatching(/authentication refused without credentials/)]);

    const ok = await push([SEED_IMAGE], target.host, ['--username', USER, '--password-file', join(dir, 'password'), '--image', NAME]);
    expect(ok.code, ok.stderr).toBe(0);
    const basic = `Basic ${Buffer.from(`${USER}:${PASSWORD}`).toString('base64')}`;
    expect(await manifestDigest(`http://${target.host}`, NAME, TAG, basic)).toBe(seedDigest);
  });

  it("uses the credentials docker login stored for the host ($DOCKER_CONFIG/config.json)", async () => {
    const config = join(dir, 'docker-config');
    rmSync(config, { recursive: true, force: true });
    mkdirSync(config);
    const auth = Buffer.from(`${USER}:${PASSWORD}`).toString('base64');
    writeFileSync(join(config, 'config.json'), JSON.stringify({ auths: { [target.host]: { auth } } }));
    const ok = await push([SEED_IMAGE], target.host, ['--image', 'busybox'], { DOCKER_CONFIG: config, REGISTRY_AUTH_FILE: '' });
    expect(ok.code, ok.stderr).toBe(0);
  });

  it('runs the credential helper config.json names for the host (docker-credential-<name> get)', async () => {
    const config = join(dir, 'helper-config');
    const bin = join(dir, 'helper-bin');
    for (const d of [config, bin]) rmSync(d, { recursive: true, force: true }), mkdirSync(d);
    const helper = join(bin, 'docker-credential-seedtest');
    // The docker-credential-helpers protocol: the server address on stdin, JSON out.
    writeFileSync(helper, `#!/bin/sh\n[ "$1" = get ] && [ "$(cat)" = "${target.host}" ] || { echo 'credentials not found in native keychain'; exit 1; }\necho '{"ServerURL":"${target.host}","Username":"${USER}","Secret":"${PASSWORD}"}'\n`);
    chmodSync(helper, 0o755);
    writeFileSync(join(config, 'config.json'), JSON.stringify({ auths: { [target.host]: {} }, credHelpers: { [target.host]: 'seedtest' } }));
    const env = { DOCKER_CONFIG: config, REGISTRY_AUTH_FILE: '', PATH: `${bin}:${process.env.PATH ?? ''}` };
    const ok = await push([SEED_IMAGE], target.host, ['--image', NAME], env);
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stdout).toContain('verified');
    // The same config with the helper gone: one line naming it, no push.
    const gone = await push([SEED_IMAGE], target.host, ['--image', NAME], { ...env, PATH: process.env.PATH ?? '' });
    expect(errorLines(gone)).toEqual([`seed-registry: push: docker-credential-seedtest (named in ${join(config, 'config.json')}) is not on PATH`]);
  });
});

describe('push with distribution token auth', () => {
  it('fetches a token per repository scope from the realm, caches it, and refuses a wrong password in one line', async () => {
    const tokens = await startTokenServer(dir, USER, PASSWORD);
    stoppers.push(tokens.close);
    const target = await distribution({ token: { realm: tokens.realm, service: TOKEN_SERVICE, issuer: TOKEN_ISSUER, rootCertBundle: tokens.bundle } });
    const ok = await push([SEED_IMAGE], target.host, ['--username', USER, '--password-file', join(dir, 'password')]);
    expect(ok.code, `${ok.stderr}\n${target.daemon.log().slice(-2000)}`).toBe(0);
    expect(tokens.issued).toContainEqual([`repository:${NAME}:pull,push`]);
    // The mount into the alias repository asks for both scopes in one token.
    expect(tokens.issued).toContainEqual(['repository:busybox:pull,push', `repository:${NAME}:pull`]);
    // Cached per scope: a handful of tokens for dozens of requests.
    expect(tokens.issued.length).toBeLessThanOrEqual(5);

    const wrong = await push([SEED_IMAGE], target.host, ['--username', USER, '--password-file', join(dir, 'wrong')]);
    expect(wrong.code).toBe(1);
    expect(errorLines(wrong)).toEqual([expect.stringMatching(/^seed-registry: push: token server http:\/\/127\.0\.0\.1:\d+\/token refused as alice: 401/)]);
  });
});

describe('serve --push-to', () => {
  it('serves, waits for the target to answer, pushes everything into it, and keeps serving', async () => {
    const port = await freePort();
    const pushing = await startSeed([SEED_IMAGE], ['-q', '--push-to', `127.0.0.1:${port}`]);
    stoppers.push(pushing.stop);
    await sleep(3_000); // the target is not there yet: the seed polls
    expect(pushing.output()).toMatch(/push-to: waiting for 127\.0\.0\.1:\d+ to answer/);
    const target = await distribution({ port });
    await waitUntil('the seed to push', async () => /verified 2 references/.test(pushing.output()), 60_000);
    expect(await manifestDigest(`http://${target.host}`, NAME, TAG)).toBe(seedDigest);
    expect(await manifestDigest(pushing.url, NAME, TAG)).toBe(seedDigest);
  });
});
