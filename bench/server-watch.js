// Loaded into the measured seed-registry with `node --import ./bench/server-watch.js` (the server's
// own code is untouched): what the server itself sees, written as JSON to $SEED_BENCH_WATCH when
// it exits. Its event-loop delay (perf_hooks.monitorEventLoopDelay) and, for each request whose
// path contains $SEED_BENCH_WATCH_PATH, the time from its headers being parsed to its response
// being handed to the kernel, from Node's own diagnostics channels `http.server.request.start` and
// `http.server.response.finish` (Node >= 18.7, doc/api/diagnostics_channel.md "HTTP"). SIGUSR2
// starts the window: what came before (loading the archive, the warm-up) is dropped.
import { subscribe } from 'node:diagnostics_channel';
import { writeFileSync } from 'node:fs';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { delaySummary } from './stats.js';

const out = process.env.SEED_BENCH_WATCH;
const watched = process.env.SEED_BENCH_WATCH_PATH ?? '/manifests/';

if (out) {
  const loop = monitorEventLoopDelay({ resolution: 1 });
  loop.enable();
  const started = new WeakMap();
  let served = [];
  process.on('SIGUSR2', () => {
    loop.reset();
    served = [];
  });
  subscribe('http.server.request.start', ({ request, response }) => {
    if (request.url?.includes(watched)) started.set(response, performance.now());
  });
  subscribe('http.server.response.finish', ({ response }) => {
    const t = started.get(response);
    if (t !== undefined) served.push(performance.now() - t);
  });
  process.on('exit', () => {
    loop.disable();
    writeFileSync(out, JSON.stringify({ loop: delaySummary(loop), served }));
  });
}
