// The manifest prober of `--caps`, in a process of its own: `node bench/caps-probe.js URL WARM_MS
// SECONDS`. A manifest GET on a new connection every 100 ms; latencies after the warm-up, and this
// process's own event-loop delay, printed as JSON. Kept apart from the 8 pulling loops so that the
// figure is the seed's answer, not the pullers' callbacks queued ahead of the prober's on one loop.
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { MANIFEST_ACCEPT, get } from './http.js';
import { delaySummary } from './stats.js';

const [url, warmMs, seconds] = process.argv.slice(2);
const loop = monitorEventLoopDelay({ resolution: 1 });
const t0 = performance.now();
const warmUntil = t0 + Number(warmMs);
const stopAt = warmUntil + Number(seconds) * 1000;
const latencies = [];
let loopOn = false;
while (performance.now() < stopAt) {
  if (!loopOn && performance.now() >= warmUntil) loop.enable(), (loopOn = true);
  const t = performance.now();
  const res = await get(url, { headers: { accept: MANIFEST_ACCEPT } });
  if (res.status !== 200) throw new Error(`manifest: status ${res.status}`);
  if (t >= warmUntil) latencies.push(performance.now() - t);
  await new Promise((r) => setTimeout(r, 100));
}
loop.disable();
process.stdout.write(JSON.stringify({ latencies, loop: delaySummary(loop) }));
