// A folder of archives (k3s's agent/images/): time-to-ready of `--tar FOLDER` against the sum of
// each archive's own time-to-ready, in the same run. Archives alternate formats: docker save
// (legacy), crane tarball (gzip layers), and docker save compressed with zstd when `zstd` exists
// (decompressed at start, in both measurements alike).
// Run alone: `npm run bench -- --folder [--folder-archives 20] [--folder-mib 8] [--folder-runs 3]`.
import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import { ensureImage } from './images.js';
import { MANIFEST_ACCEPT, waitFor200 } from './http.js';
import { measureNodeFloor } from './floor.js';
import { start, stop, waitForOutput } from './proc.js';
import { summarize } from './stats.js';

const SEED_BIN = fileURLToPath(new URL('../bin/seed-registry.js', import.meta.url));
const LISTENING = /listening on (http:\/\/[^\s]+)/;
const READY_TIMEOUT_MS = 120_000;

const FORMATS = ['docker-save-legacy', 'crane-tarball', 'zstd'];

function hasZstd() {
  try {
    execFileSync('zstd', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

async function writeArchives(dir, tmpDir, count, mib) {
  const folder = join(dir, `folder-${count}x${mib}MiB`);
  mkdirSync(folder, { recursive: true });
  const zstd = hasZstd();
  const archives = [];
  for (let i = 0; i < count; i++) {
    const kind = FORMATS[i % (zstd ? 3 : 2)];
    const name = `bench/folder-${String(i).padStart(2, '0')}:latest`;
    const file = join(folder, `${String(i).padStart(2, '0')}-${kind}.tar`);
    const format = kind === 'crane-tarball' ? 'crane-tarball' : 'docker-save-legacy';
    const image = await ensureImage(file, { format, name, layerCount: 2, layerMiB: Math.max(1, Math.round(mib / 2)), seed: `folder/${i}`, gzipLevel: 0, tmpDir });
    if (kind === 'zstd') {
      execFileSync('zstd', ['-q', '-1', '-f', '--rm', file, '-o', `${file}.zst`]);
      execFileSync('mv', [`${file}.json`, `${file}.zst.json`]);
      image.path = `${file}.zst`;
    }
    archives.push(image);
  }
  return { folder, archives };
}

/** spawn → first 200 on `image`'s manifest, serving `paths` (each a `--tar`). */
async function readyMs(paths, image) {
  const startedAt = performance.now();
  const proc = start(process.execPath, [SEED_BIN, ...paths.flatMap((p) => ['--tar', p]), '--port', '0', '--host', '127.0.0.1', '--quiet'], { name: 'seed-registry' });
  try {
    const [, base] = await waitForOutput(proc, LISTENING, READY_TIMEOUT_MS);
    const url = `${base.replace(/\/$/, '')}/v2/${image.repository}/manifests/${image.tag}`;
    return (await waitFor200(url, { headers: { accept: MANIFEST_ACCEPT }, deadline: performance.now() + READY_TIMEOUT_MS, proc })) - startedAt;
  } finally {
    await stop(proc);
  }
}

/** Returns the figures; `log` receives progress lines. */
export async function measureFolder({ dir, tmpDir, count, mib, runs, log }) {
  const { folder, archives } = await writeArchives(dir, tmpDir, count, mib);
  execFileSync('sync');
  const singles = [];
  for (const image of archives) {
    const samples = [];
    for (let r = 0; r < runs; r++) samples.push(await readyMs([image.path], image));
    singles.push(summarize(samples));
  }
  const last = archives[archives.length - 1];
  const whole = [];
  const listed = [];
  // Alternated, so both see the same load on this shared machine.
  for (let r = 0; r < runs; r++) {
    whole.push(await readyMs([folder], last));
    listed.push(await readyMs(archives.map((a) => a.path), last));
  }
  const floor = await measureNodeFloor(runs);
  const sum = singles.reduce((s, x) => s + x.median, 0);
  const loadOnly = singles.reduce((s, x) => s + Math.max(0, x.median - floor.median), floor.median);
  const folderReady = summarize(whole);
  const listedReady = summarize(listed);
  log(`folder of ${count}: ${folderReady.median.toFixed(0)} ms; sum of singles ${sum.toFixed(0)} ms`);
  return { count, mib, runs, formats: archives.map((a) => a.path.split('-').pop()), folder: folderReady, listed: listedReady, singles, sum, floor, loadOnly };
}

export function renderFolder(r) {
  const ms = (v) => v.toFixed(0);
  return [
    `Folder of ${r.count} archives (${r.mib} MiB each, formats rotating: docker save, crane tarball${r.formats.some((f) => f.endsWith('zst')) ? ', docker save | zstd' : ''}), time-to-ready (spawn → first 200 on a manifest of the last archive), medians of ${r.runs} runs:`,
    '',
    '| measure | ms |',
    '|---|---|',
    `| \`--tar FOLDER\` | ${ms(r.folder.median)} (${ms(r.folder.min)}–${ms(r.folder.max)}) |`,
    `| the same ${r.count} files as ${r.count} \`--tar\` options, one process | ${ms(r.listed.median)} (${ms(r.listed.min)}–${ms(r.listed.max)}) |`,
    `| sum of the ${r.count} single start-ups | ${ms(r.sum)} |`,
    `| node floor + sum of (single − node floor): the loading work alone | ${ms(r.loadOnly)} |`,
    '',
    `Folder / sum of singles: ${(r.folder.median / r.sum).toFixed(2)}x (target ≤ 1.2x). Folder / loading work alone: ${(r.folder.median / r.loadOnly).toFixed(2)}x. Folder / the same files listed: ${(r.folder.median / r.listed.median).toFixed(2)}x (the folder scan's own cost). Node floor ${ms(r.floor.median)} ms; each single start-up also pays seed-registry's own process start (module load, banner), which one folder pays once.`,
  ].join('\n');
}
