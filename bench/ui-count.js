// `npm run bench -- --ui --ui-count`: the page's cost counted, not timed. On a shared machine two
// identical servers differ by up to ±8% in manifest req/s (the wrk rounds of bench/ui.js show it),
// too much to see 2%. Here each server runs under valgrind's callgrind, which counts the
// instructions its main thread executes: the same code on the same requests counts the same
// whatever else the machine runs. After a warm-up, the counters are zeroed, N manifest GETs are sent
// one at a time on one keep-alive connection, and the count is dumped. The young generation's size
// is fixed (the same flags on both sides): V8 sizes it by timing, and a server that happened to grow
// it later would be charged for the scavenges. Needs valgrind (Debian: valgrind).
import { execFileSync } from 'node:child_process';
import { Agent, get } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { mainThreadCount, requireValgrind, startCounted } from './callgrind.js';
import { MANIFEST_ACCEPT } from './http.js';

const ROOT = resolve(fileURLToPath(import.meta.url), '../..');
const SEED_BIN = join(ROOT, 'bin/seed-registry.js');
const FIXTURE = join(ROOT, 'fixtures/seed-image.tar');
const NODE_FLAGS = ['--min-semi-space-size=16', '--max-semi-space-size=16'];
const KINDS = [
  { name: 'page on', args: [] },
  { name: 'page off (--no-ui)', args: ['--no-ui'] },
];

/** `n` manifest GETs one after another on one keep-alive connection. */
async function send(url, n) {
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  try {
    for (let i = 0; i < n; i++) {
      await new Promise((done, fail) => get(url, { agent, headers: { accept: MANIFEST_ACCEPT } }, (res) => {
        res.resume();
        res.on('end', () => (res.statusCode === 200 ? done() : fail(new Error(`manifest: status ${res.statusCode}`))));
      }).on('error', fail));
    }
  } finally {
    agent.destroy();
  }
}

/** Main-thread instructions per manifest GET of one server. */
async function count(kind, dir, { warm, requests }) {
  const out = join(dir, `${kind.args.length ? 'off' : 'on'}-${Math.random().toString(36).slice(2)}.cg`);
  const seed = [...NODE_FLAGS, SEED_BIN, '--tar', FIXTURE, '--port', '0', '--host', '127.0.0.1', '--quiet', ...kind.args];
  const { child, port, exited } = await startCounted(kind.name, process.execPath, seed, out);
  try {
    const url = `http://127.0.0.1:${port}/v2/library/busybox/manifests/seed`;
    await send(url, warm);
    execFileSync('callgrind_control', ['-z', String(child.pid)], { stdio: 'ignore' });
    await send(url, requests);
    execFileSync('callgrind_control', ['-d', String(child.pid)], { stdio: 'ignore' });
  } finally {
    child.kill('SIGINT');
    await exited;
  }
  // The dump after zeroing is part 1.
  return mainThreadCount(kind.name, out) / requests;
}

export async function runUiCount({ rounds = 2, warm = 4000, requests = 3000 } = {}) {
  requireValgrind('--ui --ui-count');
  const dir = mkdtempSync(join(tmpdir(), 'seed-registry-ui-count-'));
  const samples = Object.fromEntries(KINDS.map((k) => [k.name, []]));
  try {
    for (let round = 0; round < rounds; round++) {
      // Both at once: a count does not depend on the machine's load.
      const counts = await Promise.all(KINDS.map((k) => count(k, dir, { warm, requests })));
      KINDS.forEach((k, i) => samples[k.name].push(counts[i]));
      console.error(`   round ${round + 1}: ${KINDS.map((k, i) => `${k.name} ${counts[i].toFixed(0)}`).join(', ')} instructions per GET`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return { rounds, warm, requests, samples };
}

export function renderUiCount({ rounds, warm, requests, samples }) {
  const [on, off] = KINDS.map((k) => samples[k.name]);
  const mean = (xs) => xs.reduce((a, b) => a + b, 0) / xs.length;
  const ratio = mean(on) / mean(off);
  return [
    `Run: \`npm run bench -- --ui --ui-count\` (callgrind, main thread, ${requests} manifest GETs after ${warm}, ${rounds} rounds, node ${NODE_FLAGS.join(' ')})`,
    '',
    '| server | instructions per manifest GET (each round) |',
    '|---|---|',
    ...KINDS.map((k) => `| ${k.name} | ${samples[k.name].map((x) => x.toFixed(0)).join(', ')} |`),
    '',
    `Page on / off: ${((ratio - 1) * 100).toFixed(1)}% instructions per request (target: within 2%: ${ratio <= 1.02 ? 'met' : 'NOT met'}).`,
  ].join('\n');
}
