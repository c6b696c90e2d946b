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

/** Starts the binary, returns its output up to the listening line, then stops it. */
function banner(args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    const timer = setTimeout(() => (child.kill('SIGKILL'), reject(new Error(`no listening line:\n${out}`))), 20_000);
    const onData = (d: Buffer) => {
      out += d.toString();
      if (!/listening on/.test(out)) return;
      clearTimeout(timer);
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

  it.each([
    [['--tls-cert', '/nonexistent.crt', '--tls-key', '/nonexistent.key'], '/nonexistent.crt: cannot read: ENOENT'],
    [['--tls-cert', 'GARBAGE', '--tls-key', 'GARBAGE'], 'no PEM certificate'],
    [['--tls-cert', 'CERT'], '--tls-cert: needs --tls-cert and --tls-key together'],
    [['--advertise', 'not a host'], "argument 'not a host' is invalid"],
  ])('%j → one line, exit 1', async (args, message) => {
    const garbage = join(dir, 'garbage.pem');
    writeFileSync(garbage, 'not pem');
    const result = await run(['--port', '0', ...args.map((a) => (a === 'GARBAGE' ? garbage : a === 'CERT' ? join(dir, 'x.crt') : a))]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(message);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
  });
});
