// `seed-registry configure` as a user runs it: the real binary on the bundled fixture.
import { spawnSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { parseRegistryAddress } from '../../src/configure/index.js';

const BIN = fileURLToPath(new URL('../../bin/seed-registry.js', import.meta.url));
const FIXTURE = fileURLToPath(new URL('../../fixtures/seed-image.tar', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'sr-configure-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function configure(args: string[]) {
  const r = spawnSync(process.execPath, [BIN, 'configure', '--tar', FIXTURE, ...args], { encoding: 'utf8', timeout: 20_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('parseRegistryAddress', () => {
  it.each(['10.0.0.5:5000', 'seed.lan:443', 'localhost:5000', '[fd00::5]:5000', '[::1]:1'])('accepts %s', (a) => expect(parseRegistryAddress(a)).toBe(a));
  it.each(['10.0.0.5', 'seed.lan', ':5000', 'fd00::5:5000', 'https://seed:5000', 'seed:0', 'seed:65536', 'se ed:5000', '[zz]:5000', 'seed:5000/v2'])('rejects %s', (a) =>
    expect(() => parseRegistryAddress(a)).toThrow(/expected HOST:PORT/),
  );
});

describe('seed-registry configure', () => {
  it('prints each file under a header, then the notes, without --out', () => {
    const r = configure(['--runtime', 'containerd', '--registry', '10.0.0.5:5000']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('# ==> docker.io/hosts.toml <==\n');
    expect(r.stdout).toContain('[host."https://10.0.0.5:5000"]');
    expect(r.stdout).toContain('use_local_image_pull = true');
  });

  it('writes the files under --out, credentials 0600, and copies the CA', () => {
    const ca = join(dir, 'ca.crt');
    const made = spawnSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', join(dir, 'ca.key'), '-out', ca, '-days', '2', '-subj', '/CN=test CA'], { encoding: 'utf8' });
    expect(made.status, made.stderr).toBe(0);
    writeFileSync(join(dir, 'password'), 'secret\n');
    const out = join(dir, 'k3s');
    const r = configure(['--runtime', 'k3s', '--registry', 'seed.lan:5000', '--ca', ca, '--username', 'node', '--password-file', join(dir, 'password'), '--out', out]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(readFileSync(join(out, 'seed-registry-ca.crt'), 'utf8')).toBe(readFileSync(ca, 'utf8'));
    expect(readFileSync(join(out, 'registries.yaml'), 'utf8')).toContain('password: "secret"');
    expect(statSync(join(out, 'registries.yaml')).mode & 0o777).toBe(0o600);
    const fingerprint = new X509Certificate(readFileSync(ca)).fingerprint256;
    expect(r.stdout).toContain(`SHA-256 ${fingerprint}`);
  });

  it.each([
    [['--runtime', 'cri-dockerd', '--registry', 'seed:5000'], /argument 'cri-dockerd' is invalid\. Allowed choices are containerd, docker, crio, podman, k3s, rke2, talos/],
    [['--runtime', 'talos', '--registry', 'seed'], /--registry <host:port>' argument 'seed' is invalid\. expected HOST:PORT/],
    [['--runtime', 'talos'], /required option '--registry <host:port>' not specified/],
    [['--runtime', 'talos', '--registry', 'seed:5000', '--ca', '/nonexistent/ca.crt'], /^seed-registry: \/nonexistent\/ca\.crt: no such file$/],
    [['--runtime', 'talos', '--registry', 'seed:5000', '--ca', FIXTURE], /fixtures\/seed-image\.tar: no PEM certificate/],
    [['--runtime', 'talos', '--registry', 'seed:5000', '--username', 'u'], /--username\/--password-file: give both, or neither/],
  ])('%j fails with one line', (args, message) => {
    const r = configure(args);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr.trim()).toMatch(message);
  });
});
