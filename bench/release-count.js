// `npm run bench -- --release --release-count`: start-up counted, not timed. Wall and CPU time to the
// listening line move by ±20% with the machine's load; instructions do not. Each contender runs
// under valgrind's callgrind, which dumps the main thread's count when the server first calls
// libuv's uv_listen (`--dump-before`, a symbol node exports): everything from exec to the moment
// the socket listens (Node's own start-up, the script, the archive's loading), and nothing after.
// The floor is Node's empty node:http server on the Node the executable is built on, counted the
// same way. Needs valgrind (Debian: valgrind).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { mainThreadCount, requireValgrind, startCounted } from './callgrind.js';

/** Main-thread instructions of `command args` up to its first uv_listen. */
async function countToListen(command, args, dir) {
  const out = join(dir, `${Math.random().toString(36).slice(2)}.cg`);
  const { child, exited } = await startCounted(command, command, args, out, ['--dump-before=uv_listen']);
  child.kill('SIGKILL');
  await exited;
  return mainThreadCount(command, out);
}

/** `contenders`: { name: [command, args] }, counted `rounds` times each, one after another. */
export async function countRelease(contenders, { rounds = 2 } = {}) {
  requireValgrind('--release --release-count');
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
