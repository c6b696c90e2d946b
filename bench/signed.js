// `npm run bench -- --signed`: what a signature policy costs per request. The verdicts are made at
// load, so a manifest GET under `--signed-by` should cost what it costs without one (target: p99
// within 5%). Two seeds serve the skopeo-signed fixture side by side, one with
// `--signed-by fixtures/signed/cosign.pub`, and wrk loads the signed image's manifest by tag on each
// in turns (round-robin, so a burst of noise on a shared machine hits both). Latency on a loaded
// shared machine swings by more than the 5% sought, so the request path is also timed in process:
// parse + route of the same manifest GET against the served model with and without the policy, a
// million calls each, which other load hardly moves.
import { build } from 'esbuild';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
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

const CALLS = 1_000_000;
const WARMUP = 200_000;
const ENTRY = `
export { loadImages } from ${JSON.stringify(join(ROOT, 'src/image/load.ts'))};
export { applyPolicy, loadPolicy } from ${JSON.stringify(join(ROOT, 'src/trust/index.ts'))};
export { buildServed } from ${JSON.stringify(join(ROOT, 'src/registry/served.ts'))};
export { route } from ${JSON.stringify(join(ROOT, 'src/registry/server.ts'))};
export { parseRequest } from ${JSON.stringify(join(ROOT, 'src/registry/request.ts'))};
`;

/** µs per manifest GET through parseRequest + route, without and with the policy; medians of `runs`. */
async function requestPathCost(runs) {
  const dir = mkdtempSync(join(tmpdir(), 'sr-signed-cost-'));
  try {
    const entry = join(dir, 'entry.ts');
    writeFileSync(entry, ENTRY);
    const outfile = join(dir, 'path.mjs');
    await build({ entryPoints: [entry], outfile, bundle: true, platform: 'node', format: 'esm', target: 'node20', logLevel: 'warning',
      banner: { js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);" } });
    const m = await import(pathToFileURL(outfile).href);
    const loaded = await m.loadImages([FIXTURE]);
    const plain = m.buildServed(loaded);
    const signed = m.buildServed(await m.applyPolicy(loaded, m.loadPolicy({ signedBy: [KEY] })));
    const headers = { host: '127.0.0.1', accept: 'application/vnd.oci.image.manifest.v1+json' };
    const perCall = (served) => {
      const call = () => {
        const reply = m.route(served, m.parseRequest('GET', '/v2/team/app/manifests/1', headers).route);
        if (reply.status !== 200) throw new Error(`manifest GET answered ${reply.status}`);
      };
      for (let i = 0; i < WARMUP; i++) call();
      const t0 = performance.now();
      for (let i = 0; i < CALLS; i++) call();
      return ((performance.now() - t0) * 1000) / CALLS;
    };
    const off = [];
    const on = [];
    for (let i = 0; i < runs; i++) {
      off.push(perCall(plain));
      on.push(perCall(signed));
    }
    return { offUs: summarize(off), onUs: summarize(on) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function measureSigned({ runs, wrk }) {
  const path = await requestPathCost(Math.max(3, runs));
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
  return { runs, wrk, figures, path };
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
    '',
    `In process (parseRequest + route of the same GET, ${CALLS.toLocaleString('en')} calls, medians (min–max) of ${r.path.offUs.runs} runs): ` +
      `${r.path.offUs.median.toFixed(3)} µs (${r.path.offUs.min.toFixed(3)}–${r.path.offUs.max.toFixed(3)}) without a policy, ` +
      `${r.path.onUs.median.toFixed(3)} µs (${r.path.onUs.min.toFixed(3)}–${r.path.onUs.max.toFixed(3)}) with one: ratio ${(r.path.onUs.median / r.path.offUs.median).toFixed(3)}.`,
  ].join('\n');
}
