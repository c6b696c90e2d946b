// Memory under concurrency: seed-registry's peak RSS while 4 and while 64 clients pull whole blobs
// at once (each figure on a fresh server, since VmHWM only grows), with single-stream throughput
// from the same run, so the ratios compare like with like on a noisy machine.
import { join } from 'node:path';
import { ensureImage } from './images.js';
import { blobThroughput } from './measure.js';
import { get } from './http.js';
import { seed, seedCommand } from './peers.js';
import { peakRss, start, stop, waitForOutput } from './proc.js';
import { PINNED, RELEASE_LINE, obtainNode } from '../scripts/release/node-binary.mjs';
import { summarize } from './stats.js';

const MIB = 1024 * 1024;
const log = (...parts) => console.error('  ', ...parts);

export const MEMORY_DEFAULTS = { 'memory-mib': 256, 'memory-clients': 64 };

/** The image of this section: 4 layers of `mib`/4 MiB, written in `dir` (reused if there). */
export function memoryImage(dir, mib, tmpDir) {
  const layerMiB = Math.max(1, Math.round(mib / 4));
  return ensureImage(join(dir, `memory-4x${layerMiB}MiB.tar`), {
    format: 'docker-save-legacy', name: 'bench/memory:latest', layerCount: 4, layerMiB, seed: 'memory', tmpDir,
  });
}

async function peakUnder(image, streams, ctx) {
  const server = await seed.start(image, ctx);
  try {
    const mibps = await blobThroughput(server, image.layers, streams);
    return { rss: peakRss(server.pid), mibps };
  } finally {
    await server.stop();
  }
}

const EMPTY_SERVER = "require('node:http').createServer((q, s) => s.end()).listen(0, '127.0.0.1', function () { console.log('listening on http://127.0.0.1:' + this.address().port); });";

/**
 * Node's floor: the peak RSS of an empty node:http server after 100 requests, on the Node the
 * seed runs on (this one for the script; the executable's pinned Node for --seed-exe).
 */
async function floorRss() {
  const exe = seedCommand().length === 1;
  const node = exe ? obtainNode(RELEASE_LINE, process.arch) : process.execPath;
  const proc = start(node, ['-e', EMPTY_SERVER], { name: 'node floor' });
  try {
    const [, base] = await waitForOutput(proc, /listening on (http:\/\/\S+)/, 30_000);
    for (let i = 0; i < 100; i++) await get(`${base}/`);
    return { rss: peakRss(proc.pid), node: exe ? `v${PINNED[RELEASE_LINE].version}` : process.version };
  } finally {
    await stop(proc);
  }
}

/** { stream1 (MiB/s), rss4, rssMany (bytes), mibps4, mibpsMany, clients, floor: { rss, node }, seed } */
export async function measureMemory(image, { runs, clients }, ctx) {
  const server = await seed.start(image, ctx);
  const samples = [];
  try {
    for (let i = 0; i < runs; i++) samples.push(await blobThroughput(server, image.layers, 1));
  } finally {
    await server.stop();
  }
  const stream1 = summarize(samples);
  const four = await peakUnder(image, 4, ctx);
  const many = await peakUnder(image, clients, ctx);
  const floor = await floorRss();
  const result = { clients, stream1, rss4: four.rss, mibps4: four.mibps, rssMany: many.rss, mibpsMany: many.mibps, floor, seed: seedCommand().length === 1 ? 'single executable' : `node bin/seed-registry.js (${process.version})` };
  log(`memory: 1 stream ${stream1.median.toFixed(0)} MiB/s; peak RSS 4 streams ${(four.rss / MIB).toFixed(1)} MiB, ` +
    `${clients} clients ${(many.rss / MIB).toFixed(1)} MiB (${(many.rss / four.rss).toFixed(2)}x)`);
  return result;
}

export function renderMemory(m) {
  if (!m) return '';
  const mib = (v) => (v / MIB).toFixed(1);
  const floorLine = m.floor ? ` Node ${m.floor.node}'s empty node:http server: ${mib(m.floor.rss)} MiB; 4 pulls are floor + ${mib(m.rss4 - m.floor.rss)} MiB (target ≤ + 16 MiB: ${m.rss4 - m.floor.rss <= 16 * MIB ? 'met' : 'NOT met'}).` : '';
  return [
    `Memory under concurrency (${m.seed ?? 'seed-registry'}, ${m.clients} clients, each figure on a fresh server): peak RSS with 4 parallel pulls ` +
      `${mib(m.rss4)} MiB (${m.mibps4.toFixed(0)} MiB/s), with ${m.clients} ${mib(m.rssMany)} MiB (${m.mibpsMany.toFixed(0)} MiB/s): ` +
      `${(m.rssMany / m.rss4).toFixed(2)}x (target ≤ 1.5x); one stream ${m.stream1.median.toFixed(0)} MiB/s ` +
      `(${m.stream1.min.toFixed(0)}–${m.stream1.max.toFixed(0)}, ${m.stream1.runs} runs).${floorLine}`,
  ].join('\n');
}
