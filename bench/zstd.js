// `npm run bench -- --zstd`: the zstd path on its own. Decoder speed (fzstd, the pure-JS decoder
// seed-registry falls back to, and node:zlib's where present) against the `zstd -d` command on
// the same file, and time-to-ready of `seed-registry serve FILE.tar.zst` with each decoder against
// `zstd -dc FILE > /dev/null`. The image is a docker-save layout whose layers are the
// first bytes of a tar of /usr: real, compressible files, as k3s/RKE2 airgap bundles hold.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { closeSync, createReadStream, mkdirSync, mkdtempSync, openSync, rmSync, statSync, statfsSync, symlinkSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';
import * as zlib from 'node:zlib';
import { Decompress } from 'fzstd';
import { serveTimeToReady, shell } from './proc.js';
import { summarize } from './stats.js';
import { TarWriter } from './tar-writer.js';

const ROOT = resolve(fileURLToPath(import.meta.url), '../..');
const MIB = 2 ** 20;

/** The layers: `tar -c /usr` cut at `bytes` (the loader never reads inside a plain layer). */
function usrBytes(bytes) {
  const out = execFileSync('sh', ['-c', `tar -cf - /usr 2>/dev/null | head -c ${bytes}`], { maxBuffer: bytes + MIB });
  if (out.length < bytes) throw new Error(`only ${out.length} bytes of /usr to build layers from`);
  return out;
}

function writeImage(path, mib, layers) {
  const layerBytes = Math.floor((mib * MIB) / layers);
  const all = usrBytes(layerBytes * layers);
  const fd = openSync(path, 'w');
  const writer = new TarWriter(fd);
  const diffIds = [];
  const names = [];
  for (let i = 0; i < layers; i++) {
    const layer = all.subarray(i * layerBytes, (i + 1) * layerBytes);
    diffIds.push(`sha256:${createHash('sha256').update(layer).digest('hex')}`);
    names.push(`layer${i}/layer.tar`);
    writer.file(names[i], layer);
  }
  const config = Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: diffIds } }));
  const configName = `${createHash('sha256').update(config).digest('hex')}.json`;
  writer.file(configName, config);
  writer.file('manifest.json', Buffer.from(JSON.stringify([{ Config: configName, RepoTags: ['bench/zstd:latest'], Layers: names }])));
  writer.end();
  closeSync(fd);
}

/** A folder on /dev/shm when it is a tmpfs with room for two copies of `size` bytes. */
function tmpfsDir(size) {
  try {
    const { bavail, bsize } = statfsSync('/dev/shm');
    if (bavail * bsize < 2 * size + 256 * MIB) return undefined;
    const dir = join('/dev/shm', `seed-registry-bench-${process.pid}`);
    mkdirSync(dir);
    return dir;
  } catch {
    return undefined;
  }
}

async function timed(fn) {
  const t0 = performance.now();
  await fn();
  return performance.now() - t0;
}

const sink = () => new Writable({ write: (_c, _e, cb) => cb() });

function fzstdDecode(file) {
  return new Promise((resolveDone, reject) => {
    const d = new Decompress(() => {});
    const input = createReadStream(file, { highWaterMark: MIB });
    input.on('data', (chunk) => { try { d.push(chunk); } catch (e) { input.destroy(e); } });
    input.on('end', () => { try { d.push(new Uint8Array(0), true); resolveDone(); } catch (e) { reject(e); } });
    input.on('error', reject);
  });
}

/** serve's time to ready with the zstd decoder forced (SEED_REGISTRY_ZSTD). */
function timeToReady(file, tmp, decoder, env = {}) {
  return serveTimeToReady(file, tmp, { SEED_REGISTRY_ZSTD: decoder, ...env });
}

export async function runZstdBench({ mib = 512, layers = 4, runs = 3 } = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'seed-registry-bench-zstd-'));
  try {
    const tar = join(dir, 'image.tar');
    writeImage(tar, mib, layers);
    execFileSync('zstd', ['-q', '-T0', '-3', tar, '-o', `${tar}.zst`]);
    const zst = `${tar}.zst`;
    const size = statSync(tar).size;
    // Without setpriv on PATH, serve feeds zstd through a pipe (src/source/decode-command.ts).
    const zstdOnly = join(dir, 'zstd-only');
    mkdirSync(zstdOnly);
    symlinkSync(execFileSync('sh', ['-c', 'command -v zstd'], { encoding: 'utf8' }).trim(), join(zstdOnly, 'zstd'));
    // The temporary copy on tmpfs (memory) instead of the disk: what `--tmp-dir /dev/shm` gives.
    const shm = tmpfsDir(size);
    const cases = {
      'zstd -dc > /dev/null': () => shell(`zstd -dc ${zst} > /dev/null`),
      // What serve must do too: write the tar out (then it reads only the headers).
      'zstd -dc > a file in --tmp-dir': () => shell(`zstd -dc ${zst} > ${join(dir, 'copy.tar')} && rm ${join(dir, 'copy.tar')}`),
      'fzstd (pure JS)': () => fzstdDecode(zst),
      ...(zlib.createZstdDecompress ? { 'node:zlib zstd': () => pipeline(createReadStream(zst), zlib.createZstdDecompress(), sink()) } : {}),
      ...(zlib.createZstdDecompress ? { 'seed-registry serve, node:zlib: time to ready': () => timeToReady(zst, dir, 'zlib') } : {}),
      ...(shm ? { 'zstd -dc > a file on tmpfs (/dev/shm)': () => shell(`zstd -dc ${zst} > ${join(shm, 'copy.tar')} && rm ${join(shm, 'copy.tar')}`) } : {}),
      'seed-registry serve, zstd command: time to ready': () => timeToReady(zst, dir, 'command'),
      ...(shm ? { 'seed-registry serve --tmp-dir /dev/shm, zstd command: time to ready': () => timeToReady(zst, shm, 'command') } : {}),
      'seed-registry serve, zstd command fed by a pipe (no setpriv): time to ready': () => timeToReady(zst, dir, 'command', { PATH: zstdOnly }),
      'seed-registry serve of the same tar, uncompressed: time to ready': () => timeToReady(tar, dir, 'command'),
      'seed-registry serve, fzstd: time to ready': () => timeToReady(zst, dir, 'js'),
    };
    // Round by round, every case once per round: a change in the machine's load hits all alike.
    const samples = Object.fromEntries(Object.keys(cases).map((name) => [name, []]));
    const load = [loadavg()[0]];
    for (let i = 0; i < runs; i++) {
      for (const [name, fn] of Object.entries(cases)) samples[name].push(await timed(fn));
    }
    load.push(loadavg()[0]);
    const results = Object.fromEntries(Object.entries(samples).map(([name, s]) => [name, summarize(s)]));
    return { size, compressed: statSync(zst).size, runs, results, node: process.version, load };
  } finally {
    rmSync(dir, { recursive: true, force: true });
    rmSync(join('/dev/shm', `seed-registry-bench-${process.pid}`), { recursive: true, force: true });
  }
}

export function renderZstd(r) {
  const base = r.results['zstd -dc > /dev/null'].median;
  const lines = [
    `zstd: ${(r.size / MIB).toFixed(0)} MiB tar, ${(r.compressed / MIB).toFixed(0)} MiB as .tar.zst (zstd -3), ${r.runs} rounds, Node ${r.node}, load average ${r.load.map((l) => l.toFixed(1)).join(' → ')}`,
    '',
    '| decoding the same file | median s (min–max) | MiB/s of tar | × zstd -d |',
    '| --- | --- | --- | --- |',
  ];
  for (const [name, s] of Object.entries(r.results)) {
    const sec = (v) => (v / 1000).toFixed(2);
    lines.push(`| ${name} | ${sec(s.median)} (${sec(s.min)}–${sec(s.max)}) | ${((r.size / MIB) / (s.median / 1000)).toFixed(0)} | ${(s.median / base).toFixed(2)} |`);
  }
  return lines.join('\n');
}

// Run alone: node bench/zstd.js [MiB] [runs]
if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const [mib, runs] = process.argv.slice(2).map(Number);
  const r = await runZstdBench({ mib: mib || 512, runs: runs || 3 });
  console.log(renderZstd(r));
  mkdirSync(join(ROOT, '.bench'), { recursive: true });
  writeFileSync(join(ROOT, '.bench/zstd.json'), `${JSON.stringify(r, null, 2)}\n`);
}
