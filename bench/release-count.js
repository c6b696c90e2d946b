// `npm run bench -- --release --release-count`: start-up counted, not timed. Wall and CPU time to the
// listening line move by ±20% with the machine's load; instructions do not. Each contender runs
// under valgrind's callgrind, which dumps the main thread's count when the server first calls
// libuv's uv_listen (`--dump-before`, a symbol node exports): everything from exec to the moment
// the socket listens (Node's own start-up, the script, the archive's loading), and nothing after.
// The floor is Node's empty node:http server on the Node the executable is built on, counted the
// same way. Needs valgrind (Debian: valgrind).
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Main-thread instructions of `command args` up to its first uv_listen. */
async function countToListen(command, args, dir) {
  const out = join(dir, `${Math.random().toString(36).slice(2)}.cg`);
  const child = spawn('valgrind', ['--tool=callgrind', '--separate-threads=yes', '--smc-check=all-non-file', '--dump-before=uv_listen',
    `--callgrind-out-file=${out}`, command, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  const exited = new Promise((done) => child.on('exit', done));
  try {
    await new Promise((done, fail) => {
      let text = '';
      const timer = setTimeout(() => fail(new Error(`${command}: not listening within 300 s under valgrind`)), 300_000);
      child.stdout.on('data', (d) => /listening on/.test((text += d)) && (clearTimeout(timer), done()));
      child.on('exit', (code) => (clearTimeout(timer), fail(new Error(`${command}: exited ${code} under valgrind`))));
    });
  } finally {
    child.kill('SIGKILL');
    await exited;
  }
  // The first dump (.1), thread 1: the main thread.
  const dump = readdirSync(dir).map((f) => join(dir, f)).find((f) => f.startsWith(`${out}.1-01`));
  if (dump === undefined) throw new Error(`${command}: callgrind wrote no dump at uv_listen`);
  return Number(/^(?:summary|totals): (\d+)/m.exec(readFileSync(dump, 'utf8'))[1]);
}

/** `contenders`: { name: [command, args] }, counted `rounds` times each, two at a time. */
export async function countRelease(contenders, { rounds = 2 } = {}) {
  try {
    execFileSync('valgrind', ['--version'], { stdio: 'ignore' });
  } catch {
    throw new Error('bench --release --release-count: valgrind is not installed: apt-get install valgrind');
  }
  const dir = mkdtempSync(join(tmpdir(), 'seed-registry-start-count-'));
  const samples = Object.fromEntries(Object.keys(contenders).map((name) => [name, []]));
  try {
    for (let round = 0; round < rounds; round++) {
      for (const [name, [command, args]] of Object.entries(contenders)) samples[name].push(await countToListen(command, args, dir));
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return samples;
}

export function renderReleaseCount(samples, floorName) {
  const mean = (xs) => xs.reduce((a, b) => a + b, 0) / xs.length;
  const floor = mean(samples[floorName]);
  return [
    '| contender | main-thread instructions to uv_listen (millions, each round) | against the empty server |',
    '|---|---|---|',
    ...Object.entries(samples).map(([name, xs]) => `| ${name} | ${xs.map((x) => (x / 1e6).toFixed(1)).join(', ')} | ${(mean(xs) / floor).toFixed(2)}x |`),
  ].join('\n');
}
