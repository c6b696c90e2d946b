// The real binary says what goes wrong: OS errors in words with the fix, a mistyped command, an
// --advertise that cannot be right, and the log lines for 401s (with the user tried) and plain
// HTTP on the TLS port. Cases run as root and as `nobody` (setpriv), as an unprivileged unit would.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { connect, createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { packTar } from './helpers/pack.js';
import { craneEntries, sha256 } from './image/archives.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const BIN = fileURLToPath(new URL('../bin/seed-registry.js', import.meta.url));
const FIXTURE = fileURLToPath(new URL('../fixtures/seed-image.tar', import.meta.url));
const LISTENING = /listening on https?:\/\/\S+:(\d+)/;
const dir = mkdtempSync(join(tmpdir(), 'sr-problems-'));
chmodSync(dir, 0o755);
const IS_ROOT = process.getuid?.() === 0;
const AS_NOBODY = ['setpriv', '--reuid=65534', '--regid=65534', '--clear-groups', process.execPath];

const started: ChildProcess[] = [];
afterEach(() => {
  for (const child of started.splice(0)) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Runs the binary to its exit: its exit code and everything it wrote. */
function runToExit(args: string[], options: { nobody?: boolean; cwd?: string } = {}): Promise<{ code: number | null; output: string }> {
  const [command, ...prefix] = options.nobody ? AS_NOBODY : [process.execPath];
  const child = spawn(command!, [...prefix, BIN, ...args], { cwd: options.cwd ?? ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  started.push(child);
  let output = '';
  child.stdout!.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, output })));
}

/** Starts the binary and resolves at its listening line. */
function start(args: string[], cwd = ROOT): Promise<{ child: ChildProcess; port: number; output: () => string }> {
  const child = spawn(process.execPath, [BIN, ...args], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  started.push(child);
  let output = '';
  return new Promise((resolve, reject) => {
    const onData = (d: Buffer) => {
      output += d.toString();
      const m = LISTENING.exec(output);
      if (m) resolve({ child, port: Number(m[1]), output: () => output });
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.on('exit', (code) => reject(new Error(`exited ${code} before listening:\n${output}`)));
  });
}

async function until(probe: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 200 && !probe(); i++) await new Promise((r) => setTimeout(r, 25));
  if (!probe()) throw new Error(`not seen: ${what}`);
}

describe('OS errors in words', () => {
  it('a port in use: "port N is already in use: choose another --port"', async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const { port } = blocker.address() as AddressInfo;
    try {
      const run = await runToExit(['--tar', FIXTURE, '--port', String(port), '--host', '127.0.0.1']);
      expect(run.code).toBe(1);
      expect(run.output.trim()).toBe(`seed-registry: port ${port} is already in use on 127.0.0.1: choose another --port, or stop what listens there (ss -ltnp 'sport = :${port}')`);
    } finally {
      blocker.close();
    }
  });

  it('a missing --htpasswd file: "no such file", not ENOENT', async () => {
    const run = await runToExit(['--tar', FIXTURE, '--port', '0', '--host', '127.0.0.1', '--htpasswd', join(dir, 'absent')]);
    expect(run.code).toBe(1);
    expect(run.output.trim()).toBe(`seed-registry: ${join(dir, 'absent')}: no such file`);
  });

  it.skipIf(!IS_ROOT)('unprivileged: port 80 says ports below 1024 need privileges and how to grant them', async () => {
    const run = await runToExit(['--tar', FIXTURE, '--port', '80', '--host', '127.0.0.1'], { nobody: true });
    expect(run.code).toBe(1);
    expect(run.output.trim()).toMatch(/^seed-registry: cannot listen on 127\.0\.0\.1:80: ports below \d+ need privileges: choose --port \d+, or grant the capability \(AmbientCapabilities=CAP_NET_BIND_SERVICE/);
  });

  it.skipIf(!IS_ROOT)('unprivileged: a 0600 archive (as docker save writes) names owner, mode, user and chmod a+r', async () => {
    const tar = join(dir, 'saved.tar');
    copyFileSync(FIXTURE, tar);
    chmodSync(tar, 0o600);
    const run = await runToExit(['--tar', tar, '--port', '0', '--host', '127.0.0.1'], { nobody: true });
    expect(run.code).toBe(1);
    expect(run.output.trim()).toBe(
      `seed-registry: ${tar}: permission denied: owned by root:root with mode 0600 (rw-------) and the seed runs as nobody (uid 65534, groups nogroup): chmod a+r ${tar}, or give it a group nobody is in: chgrp nogroup ${tar} && chmod g+r ${tar}`,
    );
  });
});

describe('the command line', () => {
  it('a mistyped command that is no file: unknown command (did you mean ...?)', async () => {
    const empty = join(dir, 'empty');
    mkdirSync(empty, { recursive: true });
    const run = await runToExit(['serv', '--port', '0'], { cwd: empty });
    expect(run.code).toBe(1);
    expect(run.output.trim()).toBe('seed-registry: unknown command "serv" (did you mean serve?)');
  });

  it('a file named like a command is still served', async () => {
    const here = join(dir, 'here');
    mkdirSync(here, { recursive: true });
    copyFileSync(FIXTURE, join(here, 'serv'));
    const run = await start(['serv', '--port', '0', '--host', '127.0.0.1'], here);
    expect(run.output()).toMatch(/serving 1 image/);
  });

  it('--advertise with an address no interface has and another port: one warning line saying it may be NAT', async () => {
    const run = await start(['--tar', FIXTURE, '--port', '0', '--host', '127.0.0.1', '--advertise', '192.0.2.10:6000']);
    const warnings = run.output().split('\n').filter((l) => l.includes('--advertise'));
    expect(warnings).toEqual([
      `warning: --advertise 192.0.2.10:6000: 192.0.2.10 is not an address of any interface of this host, and port 6000 is not the port the seed listens on (${run.port}); right if a NAT or port-forward leads there, otherwise nodes cannot connect (check --advertise, --port, --host)`,
    ]);
  });
});

describe('log lines', () => {
  it('SIGTERM with a transfer still running after the grace: its line says cut by shutdown, and one line counts the cut', async () => {
    // A layer larger than the loopback socket buffers, so a client that stops reading holds the transfer.
    const layer = { tar: Buffer.alloc(512), gzip: Buffer.concat([Buffer.from([0x1f, 0x8b]), randomBytes(48 * 1024 * 1024)]), diffId: sha256(Buffer.alloc(512)) };
    const tar = await packTar(join(dir, 'big.tar'), craneEntries(['big/app:1'], [layer]));
    const run = await start(['--tar', tar, '--port', '0', '--host', '127.0.0.1']);
    const path = `/v2/big/app/blobs/${sha256(layer.gzip)}`;
    const socket = connect(run.port, '127.0.0.1', () => socket.write(`GET ${path} HTTP/1.1\r\nHost: x\r\n\r\n`));
    socket.on('error', () => {});
    await new Promise<void>((resolve) => socket.once('data', () => resolve()));
    socket.pause();
    run.child.kill('SIGTERM');
    const code = await new Promise<number | null>((resolve) => run.child.on('exit', (c) => resolve(c)));
    socket.destroy();
    expect(code).toBe(0);
    expect(run.output()).toContain('shutdown: cutting 1 transfer still running after 5 s');
    expect(run.output()).toMatch(new RegExp(`^GET ${path} 200 \\d+ \\d+ms aborted \\(cut by shutdown\\) from 127\\.0\\.0\\.1$`, 'm'));
  });

  it('a wrong password: the 401 line names the client and the user, never the password (text and json)', async () => {
    const htpasswd = join(dir, 'htpasswd');
    execFileSync('htpasswd', ['-Bbc', '-C', '4', htpasswd, 'alice', 's3cret'], { stdio: 'ignore' });
    for (const format of ['text', 'json']) {
      const run = await start(['--tar', FIXTURE, '--port', '0', '--host', '127.0.0.1', '--htpasswd', htpasswd, '--log-format', format]);
      const res = await fetch(`http://127.0.0.1:${run.port}/v2/`, { headers: { authorization: `Basic ${Buffer.from('alice:wrong-pw').toString('base64')}` } });
      expect(res.status).toBe(401);
      await res.arrayBuffer();
      // The banner's pull lines carry the port, which may itself contain 401: look for the access line only.
      const is401 = (l: string) => l.startsWith('GET /v2/ 401 ') || l.includes('"status":401');
      await until(() => run.output().split('\n').some(is401), 'the 401 line');
      const line = run.output().split('\n').find(is401)!;
      if (format === 'text') expect(line).toMatch(/^GET \/v2\/ 401 \d+ \d+ms from 127\.0\.0\.1 user "alice"$/);
      else expect(JSON.parse(line)).toMatchObject({ method: 'GET', path: '/v2/', status: 401, client: '127.0.0.1', user: 'alice' });
      expect(run.output()).not.toContain('wrong-pw');
    }
  });

  it('plain HTTP to the TLS port: answered 400 saying to use https, and logged (under --quiet too)', async () => {
    const run = await start(['--tar', FIXTURE, '--port', '0', '--host', '127.0.0.1', '--tls-self-signed', join(dir, 'tls'), '--quiet']);
    const res = await fetch(`http://127.0.0.1:${run.port}/v2/`);
    expect(res.status).toBe(400);
    expect(await res.text()).toMatch(/^Client sent an HTTP request to an HTTPS server: this port speaks HTTPS only/);
    await until(() => run.output().includes('plain HTTP'), 'the plain HTTP line');
    expect(run.output()).toContain('tls: plain HTTP from 127.0.0.1 on the TLS port ("GET /v2/ HTTP/1.1"), answered 400');
  });
});
