// The real binary with TLS options: the banner names the CA and its fingerprint; mistakes are one line.
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const BIN = fileURLToPath(new URL('../../bin/seed-registry.js', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'sr-tlsbin-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function run(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { timeout: 20_000 }, (error, stdout, stderr) => resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr }));
  });
}

/** Starts the binary, returns its output up to the listening line, then stops it (or, with keep, a stop function). */
function banner(args: string[]): Promise<string>;
function banner(args: string[], o: { keep: true }): Promise<{ text: string; stop: () => void }>;
function banner(args: string[], o?: { keep: true }): Promise<string | { text: string; stop: () => void }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    const timer = setTimeout(() => (child.kill('SIGKILL'), reject(new Error(`no listening line:\n${out}`))), 20_000);
    const onData = (d: Buffer) => {
      out += d.toString();
      if (!/listening on/.test(out)) return;
      clearTimeout(timer);
      if (o?.keep) return resolve({ text: out, stop: () => child.kill('SIGTERM') });
      child.kill('SIGTERM');
      resolve(out);
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('exit', () => (clearTimeout(timer), /listening on/.test(out) || reject(new Error(`exited:\n${out}`))));
  });
}

describe('seed-registry --tls-*', () => {
  it('prints the CA path and fingerprint, the advertised pull lines, and listens on https', async () => {
    const certs = join(dir, 'certs');
    const out = await banner(['--port', '0', '--host', '127.0.0.1', '--tls-self-signed', certs, '--advertise', 'seed.example:5443']);
    expect(out).toMatch(new RegExp(`TLS CA ${join(certs, 'ca.crt')} sha256 ([0-9A-F]{2}:){31}[0-9A-F]{2}`));
    expect(out).toMatch(/docker pull seed\.example:5443\/library\/busybox:seed/);
    expect(out).toMatch(/listening on https:\/\/127\.0\.0\.1:\d+/);
    expect(await banner(['--port', '0', '--host', '127.0.0.1', '--tls-self-signed', certs, '--advertise', 'seed.example:5443'])).toMatch(/tls\.crt reused/);
  });

  it('tls rotate-ca makes a new CA, keeps the old one, and says what the seed and the nodes must do; the next start re-issues', async () => {
    const certs = join(dir, 'rotate');
    const first = await banner(['--port', '0', '--host', '127.0.0.1', '--tls-self-signed', certs]);
    const rotated = await run(['tls', 'rotate-ca', '--tls-self-signed', certs]);
    expect(rotated.code).toBe(0);
    expect(rotated.stdout).toMatch(new RegExp(`^new CA ${join(certs, 'ca.crt')} sha256 ([0-9A-F]{2}:){31}[0-9A-F]{2}, valid \\d{4}-`));
    expect(rotated.stdout).toMatch(/the previous CA is kept as .*ca\.crt\.replaced-\d{8}T\d{6}Z/);
    expect(rotated.stdout).toContain('1. Restart the seed');
    const fingerprint = (text: string) => /TLS CA \S+ sha256 (\S+),/.exec(text)?.[1];
    const again = await banner(['--port', '0', '--host', '127.0.0.1', '--tls-self-signed', certs]);
    expect(again).toContain('re-issued (server certificate not signed by this CA)');
    expect(fingerprint(again)).toBe(/sha256 (\S+),/.exec(rotated.stdout)?.[1]);
    expect(fingerprint(again)).not.toBe(fingerprint(first));
    expect((await run(['tls', 'rotate-ca'])).stderr).toContain("required option '--tls-self-signed <dir>' not specified");
  });

  it('listens dual-stack by default: :: answers on 127.0.0.1 and on ::1', async () => {
    const out = await banner(['--port', '0', '--quiet'], { keep: true });
    const port = /listening on http:\/\/\[::\]:(\d+)/.exec(out.text)![1];
    try {
      for (const host of ['127.0.0.1', '[::1]']) expect((await fetch(`http://${host}:${port}/v2/`)).status).toBe(200);
      // The bundle loads prom-client in its own chunk: scrape the real binary, not only the module.
      const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
      expect(metrics).toMatch(/^http_requests_total\{handler="base",method="GET",code="200"\} 2$/m);
      expect(metrics).toMatch(/^seed_registry_images 1$/m);
      expect(metrics).toMatch(/^process_cpu_seconds_total /m);
      expect(out.text).toMatch(new RegExp(`docker pull localhost:${port}/`));
    } finally {
      out.stop();
    }
  });

  it('refuses --htpasswd over plain HTTP on every address, in one line', async () => {
    const result = await run(['--port', '0', '--htpasswd', '/nonexistent']);
    expect(result.code).toBe(1);
    expect(result.stderr.trim()).toMatch(/^seed-registry: --htpasswd: refusing Basic auth over plain HTTP on every address: .*--allow-insecure-auth$/);
  });

  it.each([
    [['--tls-cert', '/nonexistent.crt', '--tls-key', '/nonexistent.key'], '/nonexistent.crt: no such file'],
    [['--tls-cert', 'GARBAGE', '--tls-key', 'GARBAGE'], 'no PEM certificate'],
    [['--tls-cert', 'CERT'], '--tls-cert: needs --tls-cert and --tls-key together'],
    [['--advertise', 'not a host'], "argument 'not a host' is invalid"],
    [['--host', '127.0.0.1', '--htpasswd', 'MD5'], 'line 1: user bob: not a bcrypt hash'],
  ])('%j → one line, exit 1', async (args, message) => {
    const garbage = join(dir, 'garbage.pem');
    writeFileSync(garbage, 'not pem');
    const md5 = join(dir, 'htpasswd-md5');
    writeFileSync(md5, 'bob:$apr1$Vq0Yq3kT$7uX2W4Q9xQm0JYq7nXgq5/\n');
    const files: Record<string, string> = { GARBAGE: garbage, CERT: join(dir, 'x.crt'), MD5: md5 };
    const result = await run(['--port', '0', ...args.map((a) => files[a] ?? a)]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(message);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
  });
});
