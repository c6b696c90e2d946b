// The real binary with a policy: `inspect --signed-by` reports per image, a policy mistake is one line.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const LISTENING = /listening on http:\/\/127\.0\.0\.1:(\d+)/;

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const BIN = join(ROOT, 'bin/seed-registry.js');
const FIXTURE = join(ROOT, 'fixtures/signed/skopeo-signed.tar');
const KEY = join(ROOT, 'fixtures/signed/cosign.pub');
const dir = mkdtempSync(join(tmpdir(), 'seed-trust-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const seed = (...args: string[]) => spawnSync(process.execPath, [BIN, ...args], { cwd: ROOT, encoding: 'utf8', timeout: 20_000 });

describe('seed-registry with a signature policy', () => {
  it('inspect --signed-by: the verdict first, then a trust row per image', () => {
    const res = seed('inspect', '--tar', FIXTURE, '--signed-by', KEY);
    expect(res.status, res.stderr).toBe(0);
    expect(res.stdout.split('\n')[0]).toBe('serving 2 signed images, refusing 1 (and 4 signatures or referrers attached to them):');
    expect(res.stdout).toMatch(/refused registry\.example\/team\/app:2 sha256:[a-f0-9]{64}: unsigned: not signed/);
    expect(res.stdout).toMatch(new RegExp(`trust {4}signed by ${KEY.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}`));
    const json = JSON.parse(seed('inspect', '--tar', FIXTURE, '--signed-by', KEY, '--json').stdout) as { images: { tag: string; trust: object }[] };
    expect(json.images.find((i) => i.tag === '2')?.trust).toMatchObject({ refused: { reason: 'unsigned' } });
  });

  it('serve --signed-by: /metrics counts the served images apart from the refused ones (signatures in neither)', async () => {
    const child = spawn(process.execPath, [BIN, 'serve', '--tar', FIXTURE, '--signed-by', KEY, '--port', '0', '--host', '127.0.0.1', '--quiet'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    try {
      let output = '';
      const port = await new Promise<number>((resolve, reject) => {
        child.stdout.on('data', (d: Buffer) => {
          output += d.toString();
          const m = LISTENING.exec(output);
          if (m) resolve(Number(m[1]));
        });
        child.on('exit', (code) => reject(new Error(`exited ${code}: ${output}`)));
      });
      const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
      expect(metrics).toMatch(/^seed_registry_images 2$/m);
      expect(metrics).toMatch(/^seed_registry_images_refused 1$/m);
    } finally {
      child.kill('SIGKILL');
    }
  });

  it.each([
    ['a private key', () => join(ROOT, 'fixtures/signed/cosign.key'), ['--signed-by'], /cosign\.key: is a private key: give --signed-by the public key/],
    ['a missing key', () => join(dir, 'none.pub'), ['--signed-by'], /none\.pub: cannot read the --signed-by key: ENOENT/],
    ['a bad digest line', () => (writeFileSync(join(dir, 'allow.txt'), 'sha256:abc\n'), join(dir, 'allow.txt')), ['--allow-digests'], /allow\.txt: line 1 is not a manifest digest/],
  ])('serve refuses %s in one line, before loading', (_, file, option, message) => {
    const res = seed('serve', '--tar', FIXTURE, '--port', '0', '--host', '127.0.0.1', ...option, file());
    expect(res.status).toBe(1);
    expect(res.stderr.trim().split('\n')).toHaveLength(1);
    expect(res.stderr).toMatch(message);
  });
});
