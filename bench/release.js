// The single executable against the script (`node bin/seed-registry.js`, which loads
// dist/seed-registry.js): its size, and start-up from spawn to the listening line, serving the
// small committed fixture. Runs alternate between the two so both see the same machine load.
// Target: the executable starts no slower than 1.1x the script. Wall time is what an operator sees
// but on a loaded machine it is mostly waiting for a core; CPU time to the listening line (all
// threads, from /proc/PID/task/*/schedstat) is reported beside it as the steadier figure.
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import { start, stop, waitForOutput } from './proc.js';
import { ratio, summarize } from './stats.js';

const ROOT = resolve(fileURLToPath(import.meta.url), '../..');
const FIXTURE = join(ROOT, 'fixtures/seed-image.tar');
const LISTENING = /listening on http:\/\/127\.0\.0\.1:\d+/;
const TIMEOUT_MS = 60_000;
const TARGET = 1.1;

/** Builds this arch's executable into `dir` (scripts/release/build.mjs), unless `executable` is given. */
function buildExecutable(dir) {
  execFileSync(process.execPath, [join(ROOT, 'scripts/release/build.mjs'), '--out', dir, '--arch', process.arch], { stdio: ['ignore', 'ignore', 'inherit'] });
  return join(dir, `seed-registry-linux-${process.arch}`);
}

/** CPU time so far of every thread of `pid`, in ms (schedstat's first field is nanoseconds on a CPU). */
function cpuMs(pid) {
  let ns = 0;
  for (const task of readdirSync(`/proc/${pid}/task`)) ns += Number(readFileSync(`/proc/${pid}/task/${task}/schedstat`, 'utf8').split(' ')[0]);
  return ns / 1e6;
}

async function timeToListening(command, args) {
  const startedAt = performance.now();
  const proc = start(command, [...args, '--tar', FIXTURE, '--port', '0', '--host', '127.0.0.1', '--quiet'], { name: command, cwd: ROOT });
  try {
    await waitForOutput(proc, LISTENING, TIMEOUT_MS);
    const wall = performance.now() - startedAt;
    return { wall, cpu: cpuMs(proc.pid) };
  } finally {
    await stop(proc);
  }
}

export async function measureRelease({ runs, executable, tmpDir }) {
  const exe = executable ? resolve(executable) : buildExecutable(join(tmpDir, 'release'));
  const contenders = { executable: [exe, []], script: [process.execPath, [join(ROOT, 'bin/seed-registry.js')]] };
  // One untimed start each: the first read of a 90 MB file from disk is not start-up.
  for (const [command, args] of Object.values(contenders)) await timeToListening(command, args);
  const samples = { executable: [], script: [] };
  for (let i = 0; i < runs; i++) {
    for (const [name, [command, args]] of Object.entries(contenders)) samples[name].push(await timeToListening(command, args));
  }
  const figure = (name, key) => summarize(samples[name].map((s) => s[key]));
  const wall = { executable: figure('executable', 'wall'), script: figure('script', 'wall') };
  const cpu = { executable: figure('executable', 'cpu'), script: figure('script', 'cpu') };
  const wallRatio = ratio(wall.executable, wall.script);
  return { executable: exe, size: statSync(exe).size, wall, cpu, ratio: wallRatio, cpuRatio: ratio(cpu.executable, cpu.script), target: TARGET, met: wallRatio <= TARGET, load: loadAverage() };
}

function loadAverage() {
  return Number(readFileSync('/proc/loadavg', 'utf8').split(' ')[0]);
}

export function renderRelease(r) {
  if (!r) return '';
  const ms = (s) => `${s.median.toFixed(0)} ms (${s.min.toFixed(0)}–${s.max.toFixed(0)})`;
  return [
    `Single executable (seed-registry-linux-${process.arch}): ${(r.size / 2 ** 20).toFixed(1)} MiB.`,
    `Start-up, spawn → listening line, fixtures/seed-image.tar, median of ${r.wall.executable.runs} alternating runs (load average ${r.load}):`,
    `wall: executable ${ms(r.wall.executable)}, \`node bin/seed-registry.js\` ${ms(r.wall.script)}, ratio ${r.ratio.toFixed(2)}x (target ≤ ${r.target}x: ${r.met ? 'met' : 'NOT met'});`,
    `CPU time: executable ${ms(r.cpu.executable)}, script ${ms(r.cpu.script)}, ratio ${r.cpuRatio.toFixed(2)}x.`,
  ].join(' ');
}
