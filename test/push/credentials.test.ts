import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { resolveCredentials } from '../../src/push/credentials.js';

const b64 = (s: string) => Buffer.from(s).toString('base64');

describe('resolveCredentials', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sr-creds-'));
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
