import { describe, expect, it } from 'vitest';
import { aliasesOf, parseImageName, repositoryFromFile } from '../../src/image/names.js';

describe('parseImageName', () => {
  it.each([
    ['registry:2.8.1', 'docker.io', 'library/registry', '2.8.1'],
    ['docker.io/library/registry:2.8.1', 'docker.io', 'library/registry', '2.8.1'],
    ['index.docker.io/library/registry:2.8.1', 'docker.io', 'library/registry', '2.8.1'],
    ['docker.io/registry:2', 'docker.io', 'library/registry', '2'],
    ['bitnami/redis:7', 'docker.io', 'bitnami/redis', '7'],
    ['ghcr.io/org/app:1', 'ghcr.io', 'org/app', '1'],
    ['localhost:5000/team/app:v1.2-rc_3', 'localhost:5000', 'team/app', 'v1.2-rc_3'],
    ['localhost/app:1', 'localhost', 'app', '1'],
    ['quay.io/a/b/c', 'quay.io', 'a/b/c', undefined],
    ['[::1]:5000/app:1', '[::1]:5000', 'app', '1'],
    ['192.168.1.10:5000/app:1', '192.168.1.10:5000', 'app', '1'],
    ['my-registry.example.com/app:1', 'my-registry.example.com', 'app', '1'],
  ])('%s', (ref, registry, repository, tag) => {
    const name = parseImageName(ref);
    expect(name).toMatchObject({ registry, repository });
    expect(name.tag).toBe(tag);
  });

  it('keeps a digest', () => {
    const digest = `sha256:${'a'.repeat(64)}`;
    expect(parseImageName(`busybox@${digest}`)).toEqual({ registry: 'docker.io', repository: 'library/busybox', digest });
  });

  it.each(['org/Upper:1', 'app:bad tag', 'app:-x', 'a//b:1', '', 'app@sha256:short'])('rejects %j', (ref) => {
    expect(() => parseImageName(ref)).toThrow(/invalid/);
  });

  // The registry part follows distribution/reference's domain grammar (it was never checked).
  it.each(['bad host.example.com/app:1', 'a..b/app:1', '-a.io/app', 'a-.io/app', 'host:port/app', 'reg.io:/app', 'x\u001b[2J.io/app:1', '[::1/app', 'reg_io.com/app'])(
    'rejects the registry of %j',
    (ref) => {
      expect(() => parseImageName(ref)).toThrow(/invalid registry/);
    },
  );

  it('limits the name with its registry part to 255 characters', () => {
    const name = `registry.example.com/${'a'.repeat(255 - 'registry.example.com/'.length)}`;
    expect(parseImageName(`${name}:1`).repository).toHaveLength(255 - 'registry.example.com/'.length);
    expect(() => parseImageName(`${name}a:1`)).toThrow(/longer than 255 characters/);
  });
});

describe('aliasesOf', () => {
  it('serves docker official images under their short name too', () => {
    expect(aliasesOf('docker.io', 'library/registry')).toEqual(['registry']);
  });
  it.each([
    ['docker.io', 'bitnami/redis'],
    ['ghcr.io', 'library/x'],
  ])('gives no alias for %s/%s', (registry, repository) => {
    expect(aliasesOf(registry, repository)).toEqual([]);
  });
});

describe('repositoryFromFile', () => {
  it.each([
    ['/srv/images/app.tar', 'app'],
    ['Build_Output.v2.oci.tar.gz', 'build-output-v2'],
    ['app.tgz', 'app'],
    ['--.tar', 'image'],
    ['dir.d/My Image.oci.tar', 'my-image'],
  ])('%s → %s', (path, expected) => {
    expect(repositoryFromFile(path)).toBe(expected);
  });
});
