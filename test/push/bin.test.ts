// `seed-registry push` bad input through the real binary: each is one line on stderr and exit 1.
// (Pushes into real registries are in test/clients/push*.test.ts.)
import { spawn, spawnSync } from 'node:child_process';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const BIN = fileURLToPath(new URL('../../bin/seed-registry.js', import.meta.url));
const FIXTURE = fileURLToPath(new URL('../../fixtures/seed-image.tar', import.meta.url));

function pushSync(args: string[]) {
  const r = spawnSync(process.execPath, [BIN, 'push', '--tar', FIXTURE, ...args], { encoding: 'utf8', timeout: 30_000 });
  return { code: r.status, stderr: r.stderr, stdout: r.stdout };
}

function closedPort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

describe('push bad input', () => {
  it.each([
    [['--to', 'ftp://x'], /^seed-registry: push: --to ftp:\/\/x: only http:\/\/ and https:\/\/ are supported$/],
    [['--to', 'reg:5000/Bad'], /is not a valid repository prefix/],
    [['--to', '127.0.0.1:1', '--image', 'nope:1'], /^seed-registry: push: --image nope:1: no such image in the archives \(they hold library\/busybox:seed\)$/],
    [['--to', '127.0.0.1:1', '--username', 'u'], /--username needs --password-stdin or --password-file/],
    [['--to', '127.0.0.1:1', '--password-file', '/x'], /need --username/],
    [['--to', '127.0.0.1:1', '--username', 'u', '--password-file', '/nonexistent/pw'], /^seed-registry: push: --password-file \/nonexistent\/pw: no such file$/],
  ])('%j', (args, message) => {
    const r = pushSync(args);
    expect(r.code).toBe(1);
    expect(r.stderr.trim().split('\n')).toEqual([expect.stringMatching(message)]);
  });

  it('an unreachable target names both schemes tried', async () => {
    const port = await closedPort();
    const r = pushSync(['--to', `127.0.0.1:${port}`, '--retries', '0']);
    expect(r.code).toBe(1);
    expect(r.stderr.trim()).toBe(`seed-registry: push: cannot reach 127.0.0.1:${port}: https://127.0.0.1:${port}: ECONNREFUSED connect ECONNREFUSED 127.0.0.1:${port}; http://127.0.0.1:${port}: ECONNREFUSED connect ECONNREFUSED 127.0.0.1:${port}`);
  });
});

describe('push into a registry that refuses writes (a read-only seed)', () => {
  let port = 0;
  let stopSeed = () => {};
  beforeAll(async () => {
    const child = spawn(process.execPath, [BIN, '--tar', FIXTURE, '--port', '0', '--host', '127.0.0.1', '-q'], { stdio: ['ignore', 'pipe', 'pipe'] });
    stopSeed = () => child.kill('SIGTERM');
    port = await new Promise<number>((resolve, reject) => {
      let out = '';
      child.stdout.on('data', (d: Buffer) => {
        out += d.toString();
        const m = /listening on http:\/\/127\.0\.0\.1:(\d+)/.exec(out);
        if (m) resolve(Number(m[1]));
      });
      child.on('exit', () => reject(new Error(`seed exited: ${out}`)));
    });
  });
  afterAll(() => stopSeed());

  it('a push of what the target already holds uploads nothing and verifies', () => {
    const r = pushSync(['--to', `127.0.0.1:${port}`, '--image', 'busybox']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/0 blobs uploaded, 4 already present, 0 mounted.*nothing uploaded/);
  });

  it('a blob it lacks ends in one line naming image, blob and the registry error', () => {
    const r = pushSync(['--to', `127.0.0.1:${port}/other`, '--retries', '0', '--concurrency', '1']);
    expect(r.code).toBe(1);
    expect(r.stderr.trim().split('\n')).toEqual([
      expect.stringMatching(/^seed-registry: push: other\/library\/busybox:seed: blob sha256:[0-9a-f]{64}: starting an upload: 405 UNSUPPORTED this registry is read-only/),
    ]);
  });
});
