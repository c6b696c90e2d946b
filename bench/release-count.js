// `npm run bench -- --release --release-count`: start-up counted, not timed. Wall and CPU time to the
// listening line move by ±20% with the machine's load; instructions do not. Each contender runs
// under valgrind's callgrind, which dumps the main thread's count when the server first calls
// libuv's uv_listen (`--dump-before`, a symbol node exports): everything from exec to the moment
// the socket listens (Node's own start-up, the script, the archive's loading), and nothing after.
// The floor is Node's empty node:http server on the Node the executable is built on, counted the
// same way. Needs valgrind (Debian: valgrind) and binutils' nm.
//
// One part of every count moves from start to start: V8 rehashes its startup snapshot's tables
// with the hash seed each process draws (HashSeed::InitializeRoots), 6 to 29 M instructions,
// the same code in both contenders. So a count is also given without it, and the ratio with the
// mean of it added back to both: a change of 1 M shows there, where it hides in the raw counts.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inclusiveCount, mainThreadCount, requireValgrind, startCounted } from './callgrind.js';

const REHASH = 'v8::internal::HashSeed::InitializeRoots(v8::internal::Isolate*)';

/**
 * The rehash's address in `symbols`, the Node binary the contenders are built on, with its symbol
 * table: callgrind names the function so in a stripped copy, which keeps every address
 * (scripts/release/sea.mjs strips only the symbol and debug sections).
 */
function rehashAddress(symbols) {
  const named = execFileSync('nm', ['-C', symbols], { encoding: 'utf8', maxBuffer: 1 << 28 }).split('\n').find((l) => l.endsWith(` ${REHASH}`));
  if (named === undefined) throw new Error(`${symbols}: no ${REHASH} in its symbol table`);
  return `0x${named.split(' ')[0]}`;
}

/** Main-thread instructions of `command args` up to its first uv_listen: { total, rehash }. */
async function countToListen(command, args, dir, rehash) {
  const out = join(dir, `${Math.random().toString(36).slice(2)}.cg`);
  const { child, exited } = await startCounted(command, command, args, out, ['--dump-before=uv_listen']);
  child.kill('SIGKILL');
  await exited;
  return { total: mainThreadCount(command, out), rehash: inclusiveCount(out, rehash) };
}

/**
 * `contenders`: { name: [command, args] }, counted `rounds` times each, one after another;
 * `symbols`: the Node binary they are built on, with its symbol table. { name: [{ total, rehash }] }.
 */
export async function countRelease(contenders, { rounds = 2, symbols }) {
  requireValgrind('--release --release-count');
  const dir = mkdtempSync(join(tmpdir(), 'seed-registry-start-count-'));
  const samples = Object.fromEntries(Object.keys(contenders).map((name) => [name, []]));
  const address = rehashAddress(symbols);
  // By name in the node with its symbol table, by address in a stripped one.
  const rehash = Object.fromEntries(Object.entries(contenders).map(([name, [command]]) => [name, command === symbols ? REHASH : address]));
  try {
    for (let round = 0; round < rounds; round++) {
      for (const [name, [command, args]] of Object.entries(contenders)) samples[name].push(await countToListen(command, args, dir, rehash[name]));
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return samples;
}

export function renderReleaseCount(samples, floorName) {
  const mean = (xs) => xs.reduce((a, b) => a + b, 0) / xs.length;
  const m = (x) => (x / 1e6).toFixed(1);
  const all = Object.values(samples).flat();
  const rehash = mean(all.map((s) => s.rehash));
  const floor = mean(samples[floorName].map((s) => s.total));
  const floorWithout = mean(samples[floorName].map((s) => s.total - s.rehash));
  // A contender where the rehash was not found (0) is counted whole: no figure without it.
  const without = (xs) => (xs.some((s) => s.rehash === 0) ? 'not found' : xs.map((s) => m(s.total - s.rehash)).join(', '));
  const ratio = (xs) => (xs.some((s) => s.rehash === 0) ? '' : `${((mean(xs.map((s) => s.total - s.rehash)) + rehash) / (floorWithout + rehash)).toFixed(2)}x`);
  return [
    `| contender | main-thread instructions to uv_listen (millions, each round) | against the empty server | without the hash seed's rehash (millions) | against the empty server, the rehash's mean (${m(rehash)} M) added to both |`,
    '|---|---|---|---|---|',
    ...Object.entries(samples).map(([name, xs]) => `| ${name} | ${xs.map((s) => m(s.total)).join(', ')} | ${(mean(xs.map((s) => s.total)) / floor).toFixed(2)}x | ${without(xs)} | ${ratio(xs)} |`),
  ].join('\n');
}
