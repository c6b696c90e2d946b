// The real binary: start it, wait for its listening line, pull through it, stop it with SIGTERM.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Pool } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import { pull } from './registry/oracle.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const BIN = fileURLToPath(new URL('../bin/seed-registry.js', import.meta.url));
const FIXTURE = fileURLToPath(new URL('../fixtures/seed-image.tar', import.meta.url));
const LISTENING = /listening on http:\/\/127\.0\.0\.1:(\d+)/;
const START_TIMEOUT_MS = 20_000;
const EXIT_TIMEOUT_MS = 10_000;

const started: ChildProcess[] = [];
afterEach(() => {
  for (const child of started.splice(0)) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
});

interface Running {
  child: ChildProcess;
  port: number;
  output: () => string;
  exited: Promise<number | null>;
}

function start(args: string[]): Promise<Running> {
  const child = spawn(process.execPath, [BIN, ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  started.push(child);
  let output = '';
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no listening line in ${START_TIMEOUT_MS} ms:\n${output}`)), START_TIMEOUT_MS);
    const onData = (d: Buffer) => {
      output += d.toString();
      const m = LISTENING.exec(output);
      if (m === null) return;
      clearTimeout(timer);
      resolve({ child, port: Number(m[1]), output: () => output, exited });
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`exited ${code} before listening:\n${output}`));
    });
  });
}

function within<T>(promise: Promise<T>, ms: number): Promise<T> {
  return Promise.race([promise, new Promise<T>((_, reject) => setTimeout(() => reject(new Error(`not done in ${ms} ms`)), ms))]);
}

describe('bin/seed-registry.js', () => {
  it('serves the fixture, logs each request, and exits 0 on SIGTERM', async () => {
    const run = await start(['--tar', FIXTURE, '--port', '0', '--host', '127.0.0.1']);
    expect(run.output()).toMatch(new RegExp(`docker pull 127\\.0\\.0\\.1:${run.port}/\\S+:\\S+`));
    const pool = new Pool(`http://127.0.0.1:${run.port}`);
    const catalog = await pool.request({ method: 'GET', path: '/v2/_catalog' });
    const { repositories } = (await catalog.body.json()) as { repositories: string[] };
    const tags = await pool.request({ method: 'GET', path: `/v2/${repositories[0]}/tags/list` });
    const { tags: tagList } = (await tags.body.json()) as { tags: string[] };
    const result = await pull(pool, repositories[0]!, tagList[0]!);
    expect(result.blobs.length).toBeGreaterThanOrEqual(2);
    await pool.close();
    expect(run.output()).toMatch(/GET \/v2\/_catalog 200 \d+ \d+ms/);
    run.child.kill('SIGTERM');
    expect(await within(run.exited, EXIT_TIMEOUT_MS)).toBe(0);
  });

  it('writes JSON access lines with --log-format json and none with --quiet', async () => {
    const json = await start(['--tar', FIXTURE, '--port', '0', '--host', '127.0.0.1', '--log-format', 'json']);
    const quiet = await start(['--tar', FIXTURE, '--port', '0', '--host', '127.0.0.1', '--quiet']);
    for (const run of [json, quiet]) {
      const res = await fetch(`http://127.0.0.1:${run.port}/v2/`);
      expect(res.status).toBe(200);
      await res.arrayBuffer();
    }
    await new Promise((r) => setTimeout(r, 200));
    const line = json.output().split('\n').find((l) => l.startsWith('{'));
    expect(JSON.parse(line ?? 'null')).toMatchObject({ method: 'GET', path: '/v2/', status: 200, bytes: 2 });
    expect(quiet.output()).not.toMatch(/GET \/v2\//);
    for (const run of [json, quiet]) run.child.kill('SIGINT');
    expect(await within(Promise.all([json.exited, quiet.exited]), EXIT_TIMEOUT_MS)).toEqual([0, 0]);
  });

  it('names a missing tarball in one line and exits 1', () => {
    const res = spawnSync(process.execPath, [BIN, '--tar', '/nonexistent/image.tar', '--port', '0'], { encoding: 'utf8', timeout: EXIT_TIMEOUT_MS });
    expect(res.status).toBe(1);
    expect(res.stderr).toContain('/nonexistent/image.tar');
    expect(res.stderr).not.toMatch(/^\s+at /m);
  });

  it('takes bandwidth caps as sizes per second, shows them on /metrics, and refuses a bad one in one line', async () => {
    const run = await start(['--tar', FIXTURE, '--port', '0', '--host', '127.0.0.1', '--quiet', '--max-bandwidth', '10M', '--max-client-bandwidth', '512K/s']);
    const metrics = await (await fetch(`http://127.0.0.1:${run.port}/metrics`)).text();
    expect(metrics).toMatch(/^seed_registry_bandwidth_limit_bytes\{cap="seed"\} 10485760$/m);
    expect(metrics).toMatch(/^seed_registry_bandwidth_limit_bytes\{cap="client"\} 524288$/m);
    run.child.kill('SIGTERM');
    expect(await within(run.exited, EXIT_TIMEOUT_MS)).toBe(0);
    const bad = spawnSync(process.execPath, [BIN, '--tar', FIXTURE, '--port', '0', '--max-bandwidth', 'fast'], { encoding: 'utf8', timeout: EXIT_TIMEOUT_MS });
    expect(bad.status).toBe(1);
    expect(bad.stderr.trim().split('\n')).toHaveLength(1);
    expect(bad.stderr).toContain('--max-bandwidth');
  });

  it('prints help and version', () => {
    const help = spawnSync(process.execPath, [BIN, 'serve', '--help'], { encoding: 'utf8', timeout: EXIT_TIMEOUT_MS });
    expect(help.status).toBe(0);
    for (const option of ['--tar', '--port', '--host', '--platform', '--log-format', '--quiet']) expect(help.stdout).toContain(option);
    const version = spawnSync(process.execPath, [BIN, '--version'], { encoding: 'utf8', timeout: EXIT_TIMEOUT_MS });
    expect(version.stdout.trim()).toMatch(/^\d+\.\d+\.\d+/);
    const long = spawnSync(process.execPath, [BIN, 'version', '--json'], { encoding: 'utf8', timeout: EXIT_TIMEOUT_MS });
    expect(JSON.parse(long.stdout)).toMatchObject({ version: version.stdout.trim(), form: 'npm package', node: process.version });
  });
});
