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
import { installedCopy } from './installed.js';
import { countRelease, renderReleaseCount } from './release-count.js';
import { PINNED, RELEASE_LINE, obtainNode } from '../scripts/release/node-binary.mjs';

const ROOT = resolve(fileURLToPath(import.meta.url), '../..');
const FIXTURE = join(ROOT, 'fixtures/seed-image.tar');
const LISTENING = /listening on http:\/\/127\.0\.0\.1:\d+/;
const TIMEOUT_MS = 60_000;
const TARGET = 1.1;
/** The executable against its own Node's empty server. */
const FLOOR_TARGET = 1.15;

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

/** Node's empty server (bench/floor.js), run by the executable's own Node: the runtime's floor. */
const EMPTY_SERVER = "require('node:http').createServer((q, s) => s.end()).listen(0, '127.0.0.1', function () { console.log('listening on http://127.0.0.1:' + this.address().port); });";

async function timeToListening(command, args) {
  const startedAt = performance.now();
  const proc = start(command, args, { name: command, cwd: ROOT });
  try {
    await waitForOutput(proc, LISTENING, TIMEOUT_MS);
    const wall = performance.now() - startedAt;
    return { wall, cpu: cpuMs(proc.pid) };
  } finally {
    await stop(proc);
  }
}

/** The executable measured (`executable`, or one built), and the copy of it started, as a host has it (bench/installed.js). */
function executableOf(executable, tmpDir) {
  const built = executable ? resolve(executable) : buildExecutable(join(tmpDir, 'release'));
  return { built, copy: installedCopy(built, tmpDir) };
}

/** The executable, the script and Node's empty server, each as [command, args], serving `archive`. */
function contendersOf(exe, archive) {
  const serve = ['--tar', archive, '--port', '0', '--host', '127.0.0.1', '--quiet'];
  return {
    executable: [exe, serve],
    script: [process.execPath, [join(ROOT, 'bin/seed-registry.js'), ...serve]],
    floor: [obtainNode(RELEASE_LINE, process.arch), ['-e', EMPTY_SERVER]],
  };
}

/** --release-count: main-thread instructions to the listening socket (bench/release-count.js). */
export async function countReleaseStart({ runs, executable, tmpDir, archive = FIXTURE }) {
  const { executable: exe, floor } = contendersOf(executableOf(executable, tmpDir).copy, archive);
  const samples = await countRelease({ executable: exe, 'empty node:http server': floor }, { rounds: runs, symbols: obtainNode(RELEASE_LINE, process.arch) });
  const name = archive === FIXTURE ? 'fixtures/seed-image.tar' : archive;
  return [
    `Start-up counted: \`npm run bench -- ${process.argv.slice(2).join(' ')}\`, serving ${name} (${(statSync(archive).size / 2 ** 20).toFixed(0)} MiB), Node v${PINNED[RELEASE_LINE].version}, callgrind:`,
    '',
    renderReleaseCount(samples, 'empty node:http server'),
  ].join('\n');
}

/** `archive`: the tar served (default the fixture; `--release-mib` makes a 4-layer one of that size). */
export async function measureRelease({ runs, executable, tmpDir, archive = FIXTURE }) {
  const { built, copy } = executableOf(executable, tmpDir);
  const contenders = contendersOf(copy, archive);
  // One untimed start each: the first read of a 90 MB file from disk is not start-up.
  for (const [command, args] of Object.values(contenders)) await timeToListening(command, args);
  const samples = { executable: [], script: [], floor: [] };
  for (let i = 0; i < runs; i++) {
    for (const [name, [command, args]] of Object.entries(contenders)) samples[name].push(await timeToListening(command, args));
  }
  const figure = (name, key) => summarize(samples[name].map((s) => s[key]));
  const wall = { executable: figure('executable', 'wall'), script: figure('script', 'wall'), floor: figure('floor', 'wall') };
  const cpu = { executable: figure('executable', 'cpu'), script: figure('script', 'cpu'), floor: figure('floor', 'cpu') };
  const wallRatio = ratio(wall.executable, wall.script);
  const floorRatio = ratio(wall.executable, wall.floor);
  return {
    executable: built, archive: archive === FIXTURE ? 'fixtures/seed-image.tar' : archive, archiveSize: statSync(archive).size, size: statSync(built).size, wall, cpu,
    ratio: wallRatio, cpuRatio: ratio(cpu.executable, cpu.script), target: TARGET, met: wallRatio <= TARGET,
    floorRatio, floorCpuRatio: ratio(cpu.executable, cpu.floor), floorTarget: FLOOR_TARGET, floorMet: floorRatio <= FLOOR_TARGET, node: `v${PINNED[RELEASE_LINE].version}`, load: loadAverage(),
  };
}

function loadAverage() {
  return Number(readFileSync('/proc/loadavg', 'utf8').split(' ')[0]);
}

export function renderRelease(r) {
  if (!r) return '';
  const ms = (s) => `${s.median.toFixed(0)} ms (${s.min.toFixed(0)}–${s.max.toFixed(0)})`;
  return [
    `Single executable (seed-registry-linux-${process.arch}): ${(r.size / 2 ** 20).toFixed(1)} MiB.`,
    `Start-up, spawn → listening line, ${r.archive} (${(r.archiveSize / 2 ** 20).toFixed(0)} MiB), median of ${r.wall.executable.runs} alternating runs (load average ${r.load}):`,
    `wall: executable ${ms(r.wall.executable)}, \`node bin/seed-registry.js\` (Node ${process.version}) ${ms(r.wall.script)}, ratio ${r.ratio.toFixed(2)}x (target ≤ ${r.target}x: ${r.met ? 'met' : 'NOT met'});`,
    `Node ${r.node}'s empty node:http server ${ms(r.wall.floor)}: executable ${r.floorRatio.toFixed(2)}x (target ≤ ${r.floorTarget}x: ${r.floorMet ? 'met' : 'NOT met'});`,
    `CPU time: executable ${ms(r.cpu.executable)}, script ${ms(r.cpu.script)}, empty server ${ms(r.cpu.floor)}; executable/script ${r.cpuRatio.toFixed(2)}x, executable/empty server ${r.floorCpuRatio.toFixed(2)}x.`,
  ].join(' ');
}
