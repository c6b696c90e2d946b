// `npm run bench -- --signed`: what a signature policy costs per request. The verdicts are made at
// load, so a manifest GET under `--signed-by` should cost what it costs without one (target: p99
// within 5%). Two seeds serve the skopeo-signed fixture side by side, one with
// `--signed-by fixtures/signed/cosign.pub`, and wrk loads the signed image's manifest by tag on each
// in turns (round-robin, so a burst of noise on a shared machine hits both).
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { manifestLoad } from './measure.js';
import { cpuSeconds, start, stop, waitForOutput } from './proc.js';
import { summarize } from './stats.js';

const ROOT = resolve(fileURLToPath(import.meta.url), '../..');
const SEED_BIN = join(ROOT, 'bin/seed-registry.js');
const FIXTURE = join(ROOT, 'fixtures/signed/skopeo-signed.tar');
const KEY = join(ROOT, 'fixtures/signed/cosign.pub');
const READY_TIMEOUT_MS = 60_000;

async function startSeed(name, extra) {
  const proc = start(process.execPath, [SEED_BIN, '--tar', FIXTURE, '--port', '0', '--host', '127.0.0.1', '--quiet', ...extra], { name });
  const [, port] = await waitForOutput(proc, /listening on http:\/\/127\.0\.0\.1:(\d+)/, READY_TIMEOUT_MS);
  return { name, proc, manifestUrl: `http://127.0.0.1:${port}/v2/team/app/manifests/1` };
}

export async function measureSigned({ runs, wrk }) {
  const servers = [await startSeed('no policy', []), await startSeed('--signed-by', ['--signed-by', KEY])];
  const samples = Object.fromEntries(servers.map((s) => [s.name, { rps: [], p99Ms: [], cpuUs: [] }]));
  try {
    for (let run = 0; run < runs; run++) {
      for (const s of servers) {
        const cpu0 = cpuSeconds(s.proc.pid);
        const { rps, p99Ms } = await manifestLoad(s, wrk);
        // Server CPU per request resists the other load of a shared machine better than latency does.
        const cpuUs = ((cpuSeconds(s.proc.pid) - cpu0) / (rps * wrk.seconds)) * 1e6;
        samples[s.name].rps.push(rps);
        samples[s.name].p99Ms.push(p99Ms);
        samples[s.name].cpuUs.push(cpuUs);
        console.error(`  ${s.name} run ${run + 1}: ${rps.toFixed(0)} req/s, p99 ${p99Ms.toFixed(2)} ms, ${cpuUs.toFixed(1)} µs CPU/request`);
      }
    }
  } finally {
    for (const s of servers) await stop(s.proc);
  }
  const figures = Object.fromEntries(Object.entries(samples).map(([name, s]) => [name, { rps: summarize(s.rps), p99Ms: summarize(s.p99Ms), cpuUs: summarize(s.cpuUs) }]));
  return { runs, wrk, figures };
}

export function renderSigned(r) {
  const row = (name) => {
    const f = r.figures[name];
    return `| ${name} | ${f.rps.median.toFixed(0)} (${f.rps.min.toFixed(0)}–${f.rps.max.toFixed(0)}) | ${f.p99Ms.median.toFixed(2)} (${f.p99Ms.min.toFixed(2)}–${f.p99Ms.max.toFixed(2)}) | ${f.cpuUs.median.toFixed(1)} (${f.cpuUs.min.toFixed(1)}–${f.cpuUs.max.toFixed(1)}) |`;
  };
  const ratio = r.figures['--signed-by'].p99Ms.median / r.figures['no policy'].p99Ms.median;
  const cpu = r.figures['--signed-by'].cpuUs.median / r.figures['no policy'].cpuUs.median;
  return [
    `Signature policy (fixtures/signed/skopeo-signed.tar, GET /v2/team/app/manifests/1, wrk ${r.wrk.connections} connections × ${r.wrk.seconds} s, medians (min–max) of ${r.runs} runs in turns):`,
    '',
    '| seed | manifests/s | p99 ms | server CPU µs/request |',
    '|---|---|---|---|',
    row('no policy'),
    row('--signed-by'),
    '',
    `With a policy / without: p99 ${ratio.toFixed(3)} (target ≤ 1.05), CPU per request ${cpu.toFixed(3)}.`,
  ].join('\n');
}
