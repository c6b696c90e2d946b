// `npm run bench -- --ui`: what the page's bookkeeping costs when nobody looks. The fixture served
// twice side by side, with the page (the default) and with --no-ui, both --quiet; wrk loads a
// manifest on each in turns (paired runs, so slow drift of the machine's load cancels), and the
// server's CPU per request is read from /proc. Target: manifest req/s within 2%. UI_BENCH_AA=1 runs
// two identical --no-ui servers instead: the noise of this measurement on this machine.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { manifestLoad } from './measure.js';
import { start, stop, waitForOutput } from './proc.js';

const ROOT = resolve(fileURLToPath(import.meta.url), '../..');
const SEED_BIN = join(ROOT, 'bin/seed-registry.js');
const FIXTURE = join(ROOT, 'fixtures/seed-image.tar');
const TICKS = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim());

function cpuSeconds(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / TICKS;
}

async function startSeed(name, extra) {
  const proc = start(process.execPath, [SEED_BIN, '--tar', FIXTURE, '--port', '0', '--host', '127.0.0.1', '--quiet', ...extra], { name });
  const [, port] = await waitForOutput(proc, /listening on http:\/\/127\.0\.0\.1:(\d+)/, 60_000);
  return { name, proc, pid: proc.pid, manifestUrl: `http://127.0.0.1:${port}/v2/library/busybox/manifests/seed` };
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** `runs` paired wrk runs of `seconds` each: req/s and server CPU µs per request, page on and off. */
export async function runUiBench({ runs, seconds, connections }) {
  const servers = process.env.UI_BENCH_AA ? [await startSeed('A (--no-ui)', ['--no-ui']), await startSeed('B (--no-ui)', ['--no-ui'])] : [await startSeed('page on', []), await startSeed('page off (--no-ui)', ['--no-ui'])];
  const samples = Object.fromEntries(servers.map((s) => [s.name, { rps: [], cpuUs: [] }]));
  try {
    for (let run = 0; run < runs; run++) {
      for (const s of run % 2 ? [...servers].reverse() : servers) {
        const cpu0 = cpuSeconds(s.pid);
        const { rps } = await manifestLoad(s, { seconds, connections });
        samples[s.name].rps.push(rps);
        samples[s.name].cpuUs.push(((cpuSeconds(s.pid) - cpu0) / (rps * seconds)) * 1e6);
        console.error(`   ${s.name}: ${rps.toFixed(0)} req/s`);
      }
    }
  } finally {
    await Promise.all(servers.map((s) => stop(s.proc)));
  }
  return { runs, seconds, connections, samples };
}

export function renderUi({ runs, seconds, connections, samples }) {
  const [on, off] = Object.values(samples);
  const paired = (key) => median(on[key].map((v, i) => v / off[key][i]));
  return [
    `Run: \`npm run bench -- --ui --wrk-runs ${runs} --wrk-seconds ${seconds} --connections ${connections}\` (fixture manifest, wrk, paired runs)`,
    '',
    '| server | manifest GET req/s (median) | server CPU per request, µs (median) |',
    '|---|---:|---:|',
    ...Object.entries(samples).map(([name, s]) => `| ${name} | ${median(s.rps).toFixed(0)} | ${median(s.cpuUs).toFixed(1)} |`),
    '',
    `Page on / off, median of paired runs: req/s ${((paired('rps') - 1) * 100).toFixed(1)}%, CPU per request ${((paired('cpuUs') - 1) * 100).toFixed(1)}% (target: req/s within 2%).`,
  ].join('\n');
}
