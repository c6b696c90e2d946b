// `npm run bench -- --ui`: what the page's bookkeeping costs when nobody looks. Each round starts
// three servers of the fixture, all --quiet: one with the page (the default) and two with --no-ui,
// in a rotating order (start order and measuring order both rotate, so neither a server's place
// nor the machine's slow drift favours one side). wrk loads a manifest on each in turn after a
// short warm-up, and the server's CPU per request is read from /proc. The two --no-ui servers
// against each other give this machine's noise in the same run. Target: manifest req/s within 2%.
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
const KINDS = [
  { name: 'page on', args: [] },
  { name: 'page off A (--no-ui)', args: ['--no-ui'] },
  { name: 'page off B (--no-ui)', args: ['--no-ui'] },
];
const WARM_UP_SECONDS = 1;

function cpuSeconds(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / TICKS;
}

async function startSeed({ name, args }) {
  const proc = start(process.execPath, [SEED_BIN, '--tar', FIXTURE, '--port', '0', '--host', '127.0.0.1', '--quiet', ...args], { name });
  const [, port] = await waitForOutput(proc, /listening on http:\/\/127\.0\.0\.1:(\d+)/, 60_000);
  return { name, proc, pid: proc.pid, manifestUrl: `http://127.0.0.1:${port}/v2/library/busybox/manifests/seed` };
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const rotate = (xs, by) => xs.map((_, i) => xs[(i + by) % xs.length]);

/** `rounds` rounds of `seconds` per server: req/s and server CPU µs per request for each kind. */
export async function runUiBench({ runs: rounds, seconds, connections }) {
  const samples = Object.fromEntries(KINDS.map((k) => [k.name, { rps: [], cpuUs: [] }]));
  for (let round = 0; round < rounds; round++) {
    const servers = [];
    try {
      for (const kind of rotate(KINDS, round)) servers.push(await startSeed(kind));
      for (const s of rotate(servers, round % 2 ? 1 : 2)) {
        await manifestLoad(s, { seconds: WARM_UP_SECONDS, connections });
        const cpu0 = cpuSeconds(s.pid);
        const { rps } = await manifestLoad(s, { seconds, connections });
        samples[s.name].rps.push(rps);
        samples[s.name].cpuUs.push(((cpuSeconds(s.pid) - cpu0) / (rps * seconds)) * 1e6);
        console.error(`   round ${round + 1}: ${s.name}: ${rps.toFixed(0)} req/s`);
      }
    } finally {
      await Promise.all(servers.map((s) => stop(s.proc)));
    }
  }
  return { rounds, seconds, connections, samples, load: Number(readFileSync('/proc/loadavg', 'utf8').split(' ')[0]) };
}

export function renderUi({ rounds, seconds, connections, samples, load }) {
  const [on, offA, offB] = KINDS.map((k) => samples[k.name]);
  // Per round: the page against the mean of the two --no-ui servers; B against A is the noise.
  const paired = (x, y, z, key) => median(x[key].map((v, i) => v / (z ? (y[key][i] + z[key][i]) / 2 : y[key][i])));
  const pct = (r) => `${r >= 1 ? '+' : ''}${((r - 1) * 100).toFixed(1)}%`;
  const pageRps = paired(on, offA, offB, 'rps');
  return [
    `Run: \`npm run bench -- --ui --wrk-runs ${rounds} --wrk-seconds ${seconds} --connections ${connections}\` (fixture manifest, wrk, ${rounds} rounds of three fresh servers, load average ${load} at the end)`,
    '',
    '| server | manifest GET req/s (median) | server CPU per request, µs (median) |',
    '|---|---:|---:|',
    ...KINDS.map((k) => `| ${k.name} | ${median(samples[k.name].rps).toFixed(0)} | ${median(samples[k.name].cpuUs).toFixed(1)} |`),
    '',
    `Page on against the two --no-ui servers, median of rounds: req/s ${pct(pageRps)}, CPU per request ${pct(paired(on, offA, offB, 'cpuUs'))} (target: req/s within 2%: ${Math.abs(pageRps - 1) <= 0.02 ? 'met' : 'NOT met'}).`,
    `Noise, --no-ui B against --no-ui A in the same rounds: req/s ${pct(paired(offB, offA, undefined, 'rps'))}, CPU per request ${pct(paired(offB, offA, undefined, 'cpuUs'))}.`,
  ].join('\n');
}
