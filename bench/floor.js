// Node's own floor for time-to-ready: an empty node:http server, timed exactly like seed-registry
// (spawn → listening line → first 200), so the report shows how much of seed-registry's start-up
// is the runtime's and how much its own.
import { performance } from 'node:perf_hooks';
import { waitFor200 } from './http.js';
import { start, stop, waitForOutput } from './proc.js';
import { summarize } from './stats.js';

const SERVER = "require('node:http').createServer((q, s) => s.end()).listen(0, '127.0.0.1', function () { console.log('listening on http://127.0.0.1:' + this.address().port); });";
const LISTENING = /listening on (http:\/\/[^\s]+)/;
const TIMEOUT_MS = 60_000;

export async function measureNodeFloor(runs) {
  const samples = [];
  for (let i = 0; i < runs; i++) {
    const startedAt = performance.now();
    const proc = start(process.execPath, ['-e', SERVER], { name: 'node floor' });
    try {
      const [, base] = await waitForOutput(proc, LISTENING, TIMEOUT_MS);
      samples.push((await waitFor200(`${base}/`, { deadline: performance.now() + TIMEOUT_MS, proc })) - startedAt);
    } finally {
      await stop(proc);
    }
  }
  return summarize(samples);
}

export function renderFloor(floor) {
  if (!floor) return '';
  const ms = (v) => v.toFixed(0);
  return `Node's own floor: an empty node:http server, spawn → first 200, ${ms(floor.median)} ms (${ms(floor.min)}–${ms(floor.max)}), median of ${floor.runs}.`;
}
