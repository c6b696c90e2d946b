// Chaos under live content: 32 pullers verify every body (sha256 of whole blobs, ranges byte for
// byte) while a driver makes 50 changes to the watched folder: archives added, renamed over,
// overwritten in place, truncated, appended to, removed, a corrupt one and a slowly written one.
// Never a wrong byte in a 200/206; never a failed request for an image present throughout.
import { appendFileSync, mkdirSync, readdirSync, readlinkSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { tempDir } from '../helpers/pack.js';
import { type Archive, archiveBytes, dropIn, eventually, imageArchive, sha256, startLive, writeGarbage } from './live.js';

const STABLE = 4;
const SLOTS = 4;
const PULLERS = 32;
const CHANGES = 50;
const LAYER = 256 * 1024;
const STEP_MS = 300;

let root = '';
afterAll(() => rmSync(root, { recursive: true, force: true }));

interface Tally {
  wrong: string[];
  /** Failures on images present throughout (the stable ones). */
  failed: string[];
  ok: number;
  /** Answers on changing images other than 200/206 (404, 503) or cut transfers. */
  expected: Record<string, number>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('live content under change', () => {
  it('serves no wrong byte and fails no request for an image present throughout', async () => {
    root = await tempDir('sr-chaos-');
    const dir = join(root, 'images');
    mkdirSync(dir);
    const known = new Map<string, Buffer>();
    const version = (slot: number, v: number): Archive => remember(imageArchive(`chaos/vol-${slot}:1`, 100 + slot * 50 + v, 2, LAYER));
    const remember = (a: Archive) => {
      for (const [d, b] of a.blobs) known.set(d, b);
      return a;
    };
    for (let i = 0; i < STABLE; i++) await dropIn(join(dir, `stable-${i}.tar`), remember(imageArchive(`chaos/stable-${i}:1`, 10 + i, 2, LAYER)));
    // 64 KiB reads: many identity checks per transfer.
    const s = await startLive([dir], { settleMs: 200, rescanMs: 300 }, { readChunk: 64 * 1024 }, PULLERS);
    const tally: Tally = { wrong: [], failed: [], ok: 0, expected: {} };
    let running = true;
    const pullers = Array.from({ length: PULLERS }, (_, i) => (async () => {
      for (let n = 0; running; n++) await pullOnce(s.pool, i % 2 === 0 ? `chaos/stable-${(i + n) % STABLE}` : `chaos/vol-${(i + n) % SLOTS}`, known, tally, i * 7919 + n);
    })());
    const driver = new Driver(dir, version);
    for (let change = 0; change < CHANGES; change++) {
      await driver.change(change);
      await sleep(STEP_MS);
    }
    await driver.settle();
    // Every change has been loaded: the served set is what is on disk.
    let catalog: string[] = [];
    await eventually('the final content served', async () => {
      const res = await s.pool.request({ method: 'GET', path: '/v2/_catalog' });
      catalog = ((await res.body.json()) as { repositories: string[] }).repositories;
      return catalog.join() === driver.expectedNames().join();
    }, 15_000).catch((error: Error) => {
      throw new Error(`${error.message}: catalog ${catalog.join()}, on disk ${driver.expectedNames().join()}; ${s.errors.slice(-3).join(' | ')}`);
    });
    running = false;
    await Promise.all(pullers);
    await s.live.idle();
    // Replaced snapshots stay for pulls under way (0.5 s here), then close.
    await sleep(800);
    const files = await openFilesIn(dir);
    await s.stop();

    console.log(`chaos: ${tally.ok} verified bodies, ${JSON.stringify(tally.expected)} on changing images, reloads ${JSON.stringify(s.live.reloads)}; errors: ${s.errors.join(' | ')}; warnings: ${s.warnings.join(' | ')}; ${s.info.length} info`);
    expect(tally.wrong).toEqual([]);
    expect(tally.failed).toEqual([]);
    expect(tally.ok).toBeGreaterThan(500);
    // The changes were seen: some requests met a changed file (503) or a removed image (404).
    expect((tally.expected['503'] ?? 0) + (tally.expected['404'] ?? 0)).toBeGreaterThan(0);
    // Failures name only the corrupt file and truncated archives; the slowly written file is never reported.
    expect(s.errors.every((e) => /^content reload failed, .*(bad\.tar|vol-\d\.tar)/.test(e))).toBe(true);
    expect([...s.errors, ...s.warnings].some((l) => l.includes('slow.tar'))).toBe(false);
    // A truncated or corrupt archive fails the loads made while it is there (the whole input set is
    // loaded, as at start); others went through.
    expect(s.live.reloads.ok).toBeGreaterThan(2);
    // Old snapshots closed their files: one descriptor per archive served, none on replaced files.
    expect(files.filter((f) => f.endsWith('(deleted)'))).toEqual([]);
    expect(files.length).toBe(new Set(files).size);
  }, 60_000);
});

/** One image pull step: a manifest, then one of its blobs whole or a random range, every byte checked. */
async function pullOnce(pool: import('undici').Pool, name: string, known: Map<string, Buffer>, tally: Tally, seed: number): Promise<void> {
  const stable = name.includes('stable');
  const fail = (what: string) => (stable ? tally.failed.push(`${name}: ${what}`) : (tally.expected[what] = (tally.expected[what] ?? 0) + 1));
  try {
    const m = await pool.request({ method: 'GET', path: `/v2/${name}/manifests/1`, headers: { accept: 'application/vnd.docker.distribution.manifest.v2+json' } });
    const body = Buffer.from(await m.body.arrayBuffer());
    if (m.statusCode !== 200) return void fail(String(m.statusCode));
    if (m.headers['docker-content-digest'] !== sha256(body)) return void tally.wrong.push(`${name}: manifest digest`);
    const manifest = JSON.parse(body.toString()) as { config: { digest: string }; layers: { digest: string }[] };
    const digests = [manifest.config.digest, ...manifest.layers.map((l) => l.digest)];
    const digest = digests[seed % digests.length]!;
    const expected = known.get(digest);
    if (expected === undefined) return void tally.wrong.push(`${name}: manifest names unknown blob ${digest}`);
    const start = (seed * 104729) % expected.length;
    const end = Math.min(expected.length - 1, start + ((seed * 7) % (LAYER / 2)));
    const ranged = seed % 3 !== 0;
    const res = await pool.request({ method: 'GET', path: `/v2/${name}/blobs/${digest}`, headers: ranged ? { range: `bytes=${start}-${end}` } : {} });
    const got = Buffer.from(await res.body.arrayBuffer());
    if (res.statusCode === 200 || res.statusCode === 206) {
      const want = res.statusCode === 206 ? expected.subarray(start, end + 1) : expected;
      if (!got.equals(want)) tally.wrong.push(`${name}: ${res.statusCode} ${digest} ${ranged ? `bytes=${start}-${end}` : 'whole'}: wrong bytes`);
      else tally.ok++;
    } else fail(String(res.statusCode));
  } catch (error) {
    // A transfer cut when its file changed midway: the client retries; never a wrong byte.
    fail(`cut (${(error as Error).message})`.startsWith('cut') ? 'cut' : 'error');
  }
}

/** The changes, in turn over the slots: each op leaves its slot as the next op expects. */
class Driver {
  private slow: Promise<void> | undefined;
  private readonly ops = ['add', 'rename-over', 'in-place', 'append', 'truncate', 'remove'] as const;
  private readonly step = new Array<number>(SLOTS).fill(0);
  private v = 0;

  constructor(
    private readonly dir: string,
    private readonly version: (slot: number, v: number) => Archive,
  ) {}

  private truncated: number | undefined;

  async change(n: number): Promise<void> {
    if (n === 10) return writeGarbage(join(this.dir, 'bad.tar'));
    if (n === 12) return rmSync(join(this.dir, 'bad.tar'));
    if (n === 20) return void (this.slow = this.writeSlowly(join(this.dir, 'slow.tar')));
    if (n === 44) return rmSync(join(this.dir, 'slow.tar'));
    // A truncated archive is written whole again at the next change: while it is there, loads fail.
    if (this.truncated !== undefined) {
      const slot = this.truncated;
      this.truncated = undefined;
      return writeFileSync(join(this.dir, `vol-${slot}.tar`), await archiveBytes(this.dir, this.version(slot, ++this.v)));
    }
    const slot = n % SLOTS;
    const op = this.ops[this.step[slot]!++ % this.ops.length]!;
    const path = join(this.dir, `vol-${slot}.tar`);
    const next = () => this.version(slot, ++this.v);
    switch (op) {
      case 'add':
      case 'rename-over':
        return dropIn(path, next());
      case 'in-place':
        return writeFileSync(path, await archiveBytes(this.dir, next()));
      case 'append':
        return appendFileSync(path, Buffer.alloc(4096));
      case 'truncate':
        this.truncated = slot;
        return truncateSync(path, LAYER);
      case 'remove':
        return rmSync(path);
    }
  }

  expectedNames(): string[] {
    const names = readdirSync(this.dir).filter((n) => n.endsWith('.tar') && !n.startsWith('.')).map((n) => `chaos/${n.slice(0, -4)}`);
    return names.filter((n) => !n.endsWith('bad')).sort();
  }

  /** Waits for the slow writer; a slot left truncated is written whole, so the last content can load. */
  async settle(): Promise<void> {
    await this.slow;
    if (this.truncated !== undefined) await this.change(-1);
  }

  /**
   * A file written in pieces, each pause shorter than the settle time: never loaded half-written.
   * Written by a child process, so the pullers' work on this event loop cannot stretch the pauses.
   */
  private async writeSlowly(path: string): Promise<void> {
    const bytes = await archiveBytes(this.dir, this.version(9, 0));
    const source = join(this.dir, '.slow-source.part');
    writeFileSync(source, bytes);
    const script = `const fs = require('fs'); const b = fs.readFileSync(process.argv[1]); const n = Math.ceil(b.length / 10); let at = 0;
      const next = () => { fs.appendFileSync(process.argv[2], b.subarray(at, at + n)); at += n; if (at < b.length) setTimeout(next, 40); };
      next();`;
    await new Promise<void>((resolve, reject) => execFile(process.execPath, ['-e', script, source, path], (error) => (error ? reject(error) : resolve())));
    rmSync(source);
  }
}

/** Where this process's descriptors into `dir` point (a replaced file shows ` (deleted)`). */
async function openFilesIn(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const fd of readdirSync('/proc/self/fd')) {
    try {
      const target = readlinkSync(`/proc/self/fd/${fd}`);
      if (target.startsWith(dir)) out.push(target);
    } catch {
      // closed while listing
    }
  }
  return out;
}
