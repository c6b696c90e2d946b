// The real binary with live content: SIGHUP reloads, --no-watch, the reload metrics and /readyz.
import { spawn, type ChildProcess } from 'node:child_process';
import { copyFileSync, mkdtempSync, renameSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const BIN = fileURLToPath(new URL('../bin/seed-registry.js', import.meta.url));
const FIXTURE = fileURLToPath(new URL('../fixtures/seed-image.tar', import.meta.url));
const LISTENING = /listening on http:\/\/127\.0\.0\.1:(\d+)/;

const dir = mkdtempSync(join(tmpdir(), 'sr-live-bin-'));
const started: ChildProcess[] = [];
afterEach(() => {
  for (const child of started.splice(0)) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function start(args: string[]): Promise<{ child: ChildProcess; base: string; output: () => string }> {
  const child = spawn(process.execPath, [BIN, ...args, '--port', '0', '--host', '127.0.0.1', '--quiet'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  started.push(child);
  let output = '';
  child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
  const port = await new Promise<number>((resolve, reject) => {
    child.stdout!.on('data', (d: Buffer) => {
      output += d.toString();
      const m = LISTENING.exec(output);
      if (m) resolve(Number(m[1]));
    });
    child.on('exit', (code) => reject(new Error(`exited ${code}:\n${output}`)));
  });
  return { child, base: `http://127.0.0.1:${port}`, output: () => output };
}

async function until(what: string, check: () => Promise<boolean> | boolean): Promise<void> {
  for (const end = Date.now() + 10_000; Date.now() < end; await new Promise((r) => setTimeout(r, 50))) if (await check()) return;
  throw new Error(`not within 10 s: ${what}`);
}

describe('live content in the binary', () => {
  it('--no-watch: an archive moved in is served after SIGHUP, with its reload line and metrics', async () => {
    const folder = mkdtempSync(join(dir, 'f-'));
    copyFileSync(FIXTURE, join(folder, 'a.tar'));
    const run = await start(['--tar', folder, '--no-watch', '--settle', '0.1']);
    // The same image again under another file: listed once (src/image/tag-claims.ts), nothing added, the reload is counted.
    copyFileSync(FIXTURE, join(folder, '.b.tar'));
    // Written a while ago (its mtime), then moved in: settled, taken by the first reload.
    utimesSync(join(folder, '.b.tar'), new Date(Date.now() - 60_000), new Date(Date.now() - 60_000));
    renameSync(join(folder, '.b.tar'), join(folder, 'b.tar'));
    await new Promise((r) => setTimeout(r, 400));
    expect(run.output()).not.toContain('content reloaded');
    run.child.kill('SIGHUP');
    await until('the reload line', () => run.output().includes('content reloaded'));
    expect(run.output()).toMatch(/content reloaded: 1 image, no image added or removed; loaded in \d+ ms/);
    expect(run.child.exitCode).toBeNull();
    const metrics = await (await fetch(`${run.base}/metrics`)).text();
    expect(metrics).toContain('seed_registry_reloads_total{result="ok"} 1');
    expect(metrics).toContain('seed_registry_reloads_total{result="failed"} 0');
    expect(metrics).toContain('seed_registry_images 1');
  });

  it('watching: a corrupt archive is one error line, /readyz stays ready, the failure is counted', async () => {
    const folder = mkdtempSync(join(dir, 'f-'));
    copyFileSync(FIXTURE, join(folder, 'a.tar'));
    const run = await start(['--tar', folder, '--settle', '0.1']);
    writeFileSync(join(folder, 'bad.tar'), Buffer.concat([Buffer.alloc(257), Buffer.from('ustar\0'), Buffer.alloc(300)]));
    await until('the error line', () => run.output().includes('content reload failed'));
    expect(run.output().split('\n').filter((l) => l.startsWith('error:'))).toHaveLength(1);
    expect((await fetch(`${run.base}/readyz`)).status).toBe(200);
    expect(await (await fetch(`${run.base}/metrics`)).text()).toContain('seed_registry_reloads_total{result="failed"} 1');
  });
});
