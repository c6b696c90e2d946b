// Counting instructions instead of timing (bench/ui-count.js, bench/release-count.js): a server runs
// under valgrind's callgrind, each thread counted apart, and the main thread (the event loop) is
// thread 1 of a dump. The same code on the same work counts the same whatever else the machine
// runs. Needs valgrind (Debian: valgrind).
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';

const LISTENING = /listening on https?:\/\/127\.0\.0\.1:(\d+)/;
const TIMEOUT_MS = 300_000;

/** One line naming the package when valgrind is missing; `flags`: the bench options that need it. */
export function requireValgrind(flags) {
  try {
    execFileSync('valgrind', ['--version'], { stdio: 'ignore' });
  } catch {
    throw new Error(`bench ${flags}: valgrind is not installed: apt-get install valgrind`);
  }
}

/**
 * `command args` under callgrind, its dumps written to `out` (`options`: more callgrind options),
 * once it prints its listening line: { child, port, exited }. The caller stops it.
 */
export async function startCounted(label, command, args, out, options = []) {
  const child = spawn('valgrind', ['--tool=callgrind', '--separate-threads=yes', '--smc-check=all-non-file', ...options, `--callgrind-out-file=${out}`, command, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  const exited = new Promise((done) => child.on('exit', done));
  try {
    const port = await new Promise((done, fail) => {
      let text = '';
      const timer = setTimeout(() => fail(new Error(`${label}: not listening within ${TIMEOUT_MS / 1000} s under valgrind`)), TIMEOUT_MS);
      child.stdout.on('data', (d) => {
        const m = LISTENING.exec((text += d));
        if (m) (clearTimeout(timer), done(m[1]));
      });
      child.on('exit', (code) => (clearTimeout(timer), fail(new Error(`${label}: exited ${code} under valgrind`))));
    });
    return { child, port, exited };
  } catch (error) {
    child.kill('SIGKILL');
    await exited;
    throw error;
  }
}

/** The main thread's instructions in dump `part` of `out` (callgrind writes it as `<out>.<part>-01`). */
export function mainThreadCount(label, out, part = 1) {
  const dump = `${out}.${part}-01`;
  if (!existsSync(dump)) throw new Error(`${label}: callgrind wrote no dump ${part}`);
  return Number(/^(?:summary|totals): (\d+)/m.exec(readFileSync(dump, 'utf8'))[1]);
}

/**
 * The inclusive count of function `name` in the main thread of dump `part` of `out` (0 when it never
 * ran), from valgrind's callgrind_annotate. `name` as callgrind writes it: the demangled name where
 * the binary has a symbol table, `0x<address>` where it has none (a stripped binary).
 */
export function inclusiveCount(out, name, part = 1) {
  const text = execFileSync('callgrind_annotate', ['--inclusive=yes', '--threshold=100', `${out}.${part}-01`], { encoding: 'utf8', maxBuffer: 1 << 28 });
  // `  6,115,469 ( 4.47%)  ???:v8::internal::HashSeed::InitializeRoots(v8::internal::Isolate*) [/path/node]`
  const line = text.split('\n').find((l) => l.includes(`:${name} [`));
  return line === undefined ? 0 : Number(line.trim().split(' ')[0].replaceAll(',', ''));
}
