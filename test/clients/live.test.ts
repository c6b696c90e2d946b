// Live content with real clients: the real binary serves a watched folder; an archive moved in after
// start is pulled by docker and containerd; a pull under way while its tag moves to another image
// completes with the digests it started with; RSS stays bounded over 50 archives added and removed.
import { readFileSync, renameSync, rmSync, mkdirSync, copyFileSync } from 'node:fs';
import { join } from 'node:path';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ctrPull, dockerPull } from './helpers/clients.js';
import { startClientEnv, type ClientEnv } from './helpers/env.js';
import { buildWithData, dockerSave, importBusybox } from './helpers/images.js';
import { expectedFor, readExpected } from './helpers/oracle.js';
import { startSeed, type Seed } from './helpers/seed.js';

const MANIFEST_ACCEPT = 'application/vnd.docker.distribution.manifest.v2+json';
let env: ClientEnv;
let seed: Seed;
let folder = '';
/** Archives made before the seed starts, outside its folder: moved in while it serves. */
const made: Record<'late' | 'big' | 'bigNext' | 'other', string> = { late: '', big: '', bigNext: '', other: '' };

beforeAll(async () => {
  env = await startClientEnv();
  folder = join(env.dir, 'images');
  mkdirSync(folder);
  await importBusybox(env.docker, env.dir, 'seed/live-first:1');
  await importBusybox(env.docker, env.dir, 'seed/live-late:1', { 'etc/late': 'late\n' });
  await importBusybox(env.docker, env.dir, 'seed/live-other:1', { 'etc/other': 'other\n' });
  // Large enough that the transfer is still under way when the content is swapped.
  await buildWithData(env.docker, env.dir, 'seed/live-first:1', 'seed/live-big:1', 128 * 1024 * 1024);
  await dockerSave(env.docker, join(folder, 'first.tar'), ['seed/live-first:1']);
  made.late = await dockerSave(env.docker, join(env.dir, 'late.tar'), ['seed/live-late:1']);
  made.big = await dockerSave(env.docker, join(env.dir, 'big.tar'), ['seed/live-big:1']);
  made.other = await dockerSave(env.docker, join(env.dir, 'other.tar'), ['seed/live-other:1']);
  // The next version of seed/live-big:1: another image under the same tag.
  await env.docker.docker(['tag', 'seed/live-other:1', 'seed/live-big:1']);
  made.bigNext = await dockerSave(env.docker, join(env.dir, 'big-next.tar'), ['seed/live-big:1']);
  for (const ref of ['seed/live-first:1', 'seed/live-late:1', 'seed/live-big:1', 'seed/live-other:1']) await env.docker.docker(['rmi', '-f', ref]);
  seed = await startSeed([folder], ['--settle', '0.2']);
}, 300_000);
afterAll(async () => {
  await seed?.stop();
  await env?.stop();
});

async function manifestStatus(ref: string): Promise<number> {
  const [name, tag] = ref.split(':');
  const res = await request(`${seed.url}/v2/${name}/manifests/${tag}`, { headers: { accept: MANIFEST_ACCEPT } });
  await res.body.dump();
  return res.statusCode;
}

async function eventually(what: string, check: () => Promise<boolean> | boolean, ms = 15_000): Promise<void> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`not within ${ms} ms: ${what}\n${seed.output().slice(-1500)}`);
}

/** Moves `path` into the watched folder as `name`, as an operator would (`mv`). */
function moveIn(path: string, name: string): void {
  renameSync(path, join(folder, name));
}

describe('live content with real clients', () => {
  it('docker and containerd pull an image moved in after start', async () => {
    const expected = await readExpected(made.late);
    moveIn(made.late, 'late.tar');
    await eventually('seed/live-late:1 served', async () => (await manifestStatus('seed/live-late:1')) === 200);
    expect(seed.output()).toContain('content reloaded: 2 images (added seed/live-late:1)');
    const want = expectedFor(expected, 'seed/live-late:1');
    const pick = { configDigest: want.configDigest, diffIds: want.diffIds };
    expect(await dockerPull(env.docker, `${seed.host}/seed/live-late:1`)).toEqual(pick);
    expect(await ctrPull(env.containerd, `${seed.host}/seed/live-late:1`)).toEqual(pick);
  }, 120_000);

  it('a containerd pull under way while its tag moves to another image completes with the digests it started with', async () => {
    const expected = await readExpected(made.big);
    moveIn(made.big, 'big.tar');
    await eventually('seed/live-big:1 served', async () => (await manifestStatus('seed/live-big:1')) === 200);
    const want = expectedFor(expected, 'seed/live-big:1');
    const reloads = () => seed.output().split('content reloaded').length;
    const before = reloads();
    let done = false;
    const pulled = ctrPull(env.containerd, `${seed.host}/seed/live-big:1`).finally(() => (done = true));
    // During the pull, big.tar is renamed over by the next version (the tag names another image) and
    // another archive arrives: the pull's blobs are still served by digest from the old content.
    await new Promise((r) => setTimeout(r, 100));
    moveIn(made.bigNext, 'big.tar');
    moveIn(made.other, 'other.tar');
    await eventually('the swap', () => reloads() > before);
    const swappedDuringPull = !done;
    expect(await pulled).toEqual({ configDigest: want.configDigest, diffIds: want.diffIds });
    expect(swappedDuringPull).toBe(true);
    expect(seed.output()).toContain('changed seed/live-big:1');
    expect(seed.output()).not.toMatch(/error|warning/);
    // New pulls get the new image.
    const next = expectedFor(await readExpected(join(folder, 'big.tar')), 'seed/live-big:1');
    expect(await ctrPull(env.containerd, `${seed.host}/seed/live-big:1`)).toEqual({ configDigest: next.configDigest, diffIds: next.diffIds });
  }, 180_000);

  it('RSS after 50 archives added and removed stays within 15% of RSS after the first', async () => {
    const source = join(folder, 'late.tar');
    const reloads = () => seed.output().split('content reloaded').length - 1;
    const base = reloads();
    // The same image under another file name each time: its tag claimed twice with one digest is allowed.
    const cycle = async (i: number) => {
      copyFileSync(source, join(folder, `.cycle-${i}.tar`));
      renameSync(join(folder, `.cycle-${i}.tar`), join(folder, `cycle-${i}.tar`));
      await eventually(`cycle ${i} loaded`, () => reloads() >= base + 2 * i + 1);
      expect(await manifestStatus('seed/live-late:1')).toBe(200);
      rmSync(join(folder, `cycle-${i}.tar`));
      await eventually(`cycle ${i} removed`, () => reloads() >= base + 2 * i + 2);
    };
    await cycle(0);
    const first = rss(seed.pid);
    for (let i = 1; i < 50; i++) await cycle(i);
    const last = rss(seed.pid);
    console.log(`RSS after the first cycle ${(first / 1024).toFixed(1)} MiB, after 50: ${(last / 1024).toFixed(1)} MiB`);
    expect(last).toBeLessThanOrEqual(first * 1.15);
  }, 180_000);
});

/** Resident set of `pid`, KiB (VmRSS of /proc/PID/status). */
function rss(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (!m) throw new Error(`no VmRSS for ${pid}`);
  return Number(m[1]);
}
