import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { PasswordFileError, readPasswordFile } from '../../src/password-file.js';
import { fromHelper } from '../../src/client/cred-helper.js';
import { resolveCredentials } from '../../src/client/credentials.js';

const b64 = (s: string) => Buffer.from(s).toString('base64');

describe('resolveCredentials', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sr-creds-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const docker = join(dir, 'docker');
  mkdirSync(docker);
  writeFileSync(join(docker, 'config.json'), JSON.stringify({ auths: { 'https://reg.local:5000/v1/': { auth: b64('dock:er') }, other: { auth: b64('x:y') } } }));
  const podman = join(dir, 'auth.json');
  writeFileSync(podman, JSON.stringify({ auths: { 'reg.local:5000': { auth: b64('pod:man') } } }));
  writeFileSync(join(dir, 'pw'), 's3cret\n');

  it('reads the password file (one trailing newline dropped)', async () => {
    expect(await resolveCredentials('reg.local:5000', { username: 'u', passwordFile: join(dir, 'pw') }, {})).toEqual({ username: 'u', password: 's3cret' });
  });

  it('finds the host in REGISTRY_AUTH_FILE first, then $DOCKER_CONFIG/config.json', async () => {
    expect(await resolveCredentials('reg.local:5000', {}, { REGISTRY_AUTH_FILE: podman, DOCKER_CONFIG: docker })).toEqual({ username: 'pod', password: 'man' });
    expect(await resolveCredentials('reg.local:5000', {}, { DOCKER_CONFIG: docker })).toEqual({ username: 'dock', password: 'er' });
    expect(await resolveCredentials('elsewhere:5000', {}, { DOCKER_CONFIG: docker })).toBeUndefined();
  });

  it('refuses a password without a user, and a user without a password source', async () => {
    await expect(resolveCredentials('r', { passwordFile: 'x' }, {})).rejects.toThrow('need --username');
    await expect(resolveCredentials('r', { username: 'u' }, {})).rejects.toThrow('--username needs --password-stdin or --password-file');
  });
});

// docker credential helpers: tiny `docker-credential-<name>` scripts in a PATH folder of the test,
// speaking the docker-credential-helpers protocol (client/client.go): `get`, the server address on
// stdin, {"ServerURL","Username","Secret"} out, or exit 1 with "credentials not found in native keychain".
describe('docker credential helpers', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sr-credhelpers-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const bin = join(dir, 'bin');
  mkdirSync(bin);
  const helper = (name: string, body: string) => {
    writeFileSync(join(bin, `docker-credential-${name}`), `#!/bin/sh\n${body}\n`);
    chmodSync(join(bin, `docker-credential-${name}`), 0o755);
  };
  // Answers for reg.local:5000 only, and records what it was asked on stdin.
  helper('store', `host=$(cat); printf '%s' "$host" > "${dir}/asked"; if [ "$1" = get ] && [ "$host" = reg.local:5000 ]; then echo '{"ServerURL":"reg.local:5000","Username":"kept","Secret":"in-store"}'; else echo 'credentials not found in native keychain'; exit 1; fi`);
  helper('pass', `cat > /dev/null; echo '{"ServerURL":"reg.local:5000","Username":"from","Secret":"helper"}'`);
  helper('broken', 'cat > /dev/null; echo "error getting credentials - err: exit status 2, out: gpg: decryption failed" >&2; exit 2');
  helper('token', `cat > /dev/null; echo '{"ServerURL":"reg.local:5000","Username":"<token>","Secret":"refresh"}'`);
  helper('slow', 'cat > /dev/null; sleep 5');
  const env = (config: object) => {
    const docker = mkdtempSync(join(dir, 'docker-'));
    writeFileSync(join(docker, 'config.json'), JSON.stringify(config));
    return { DOCKER_CONFIG: docker, PATH: `${bin}:${process.env.PATH ?? '/usr/bin:/bin'}` };
  };

  it('runs credsStore with the host on stdin, exactly', async () => {
    expect(await resolveCredentials('reg.local:5000', {}, env({ credsStore: 'store' }))).toEqual({ username: 'kept', password: 'in-store' });
    expect(readFileSync(join(dir, 'asked'), 'utf8')).toBe('reg.local:5000');
  });

  it('prefers credHelpers[host] over credsStore, and reads an inline auth when the store has none', async () => {
    const config = { credsStore: 'store', credHelpers: { 'reg.local:5000': 'pass' }, auths: { 'other:5000': { auth: b64('in:line') } } };
    expect(await resolveCredentials('reg.local:5000', {}, env(config))).toEqual({ username: 'from', password: 'helper' });
    expect(await resolveCredentials('other:5000', {}, env(config))).toEqual({ username: 'in', password: 'line' });
    expect(await resolveCredentials('third:5000', {}, env(config))).toBeUndefined();
  });

  it('a missing, failing, token-holding or silent helper is one line naming it and the config file', async () => {
    const missing = env({ credHelpers: { 'reg.local:5000': 'nope' } });
    await expect(resolveCredentials('reg.local:5000', {}, missing)).rejects.toThrow(`docker-credential-nope (named in ${join(missing.DOCKER_CONFIG, 'config.json')}) is not on PATH`);
    await expect(resolveCredentials('reg.local:5000', {}, env({ credsStore: 'broken' }))).rejects.toThrow(/^docker-credential-broken \(named in .*\) failed for reg\.local:5000: error getting credentials - err: exit status 2, out: gpg: decryption failed$/);
    await expect(resolveCredentials('reg.local:5000', {}, env({ credsStore: 'token' }))).rejects.toThrow('holds an identity token for reg.local:5000');
    const started = Date.now();
    await expect(fromHelper('slow', 'reg.local:5000', 'config.json', env({}), 300)).rejects.toThrow('docker-credential-slow (named in config.json) gave no answer for reg.local:5000 within 0.3 s');
    expect(Date.now() - started).toBeLessThan(3_000);
  });
});

describe('--password-file, one reader for push and configure', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sr-pwfile-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, 'two-lines'), 'a\nb\n');
  writeFileSync(join(dir, 'empty'), '\n');

  it('refuses an empty or multi-line file, as configure does', async () => {
    for (const name of ['two-lines', 'empty']) {
      await expect(resolveCredentials('r', { username: 'u', passwordFile: join(dir, name) }, {})).rejects.toThrow(`--password-file ${join(dir, name)}: expected the password on one line`);
      expect(() => readPasswordFile(join(dir, name))).toThrow(PasswordFileError);
    }
  });
});
