// Child processes of the benchmark: every one is tracked by pid and stopped by pid,
// on success, on failure, and on Ctrl-C.
import { spawn, execFile } from 'node:child_process';
import { createServer } from 'node:net';
import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const STOP_GRACE_MS = 3000;
const running = new Set();

export const execFileAsync = promisify(execFile);

/** Spawns a long-running server; stdout/stderr are kept (bounded) for error messages. */
export function start(command, args, options = {}) {
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], ...options });
  const proc = { child, pid: child.pid, name: options.name ?? command, output: '', exited: false };
  const keep = (chunk) => { proc.output = (proc.output + chunk.toString()).slice(-8192); };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  proc.exit = new Promise((resolve) => child.on('exit', (code, signal) => {
    proc.exited = true;
    running.delete(proc);
    resolve({ code, signal });
  }));
  child.on('error', (err) => { proc.output += `\n${err.message}`; });
  running.add(proc);
  return proc;
}

/** Resolves with the first match of `pattern` on stdout; rejects on exit or after `timeoutMs`. */
export function waitForOutput(proc, pattern, timeoutMs) {
  return new Promise((resolve, reject) => {
    let seen = '';
    const timer = setTimeout(() => finish(new Error(`${proc.name}: no ${pattern} within ${timeoutMs} ms\n${proc.output}`)), timeoutMs);
    const onData = (chunk) => {
      seen += chunk.toString();
      const match = seen.match(pattern);
      if (match) finish(null, match);
    };
    const onExit = () => finish(new Error(`${proc.name} exited before ${pattern}\n${proc.output}`));
    function finish(err, match) {
      clearTimeout(timer);
      proc.child.stdout.off('data', onData);
      proc.child.off('exit', onExit);
      if (err) reject(err); else resolve(match);
    }
    proc.child.stdout.on('data', onData);
    proc.child.on('exit', onExit);
  });
}

/** SIGTERM, then SIGKILL after a grace period; by pid only. */
export async function stop(proc) {
  if (!proc || proc.exited) return;
  try { process.kill(proc.pid, 'SIGTERM'); } catch { return; }
  const timer = setTimeout(() => { try { process.kill(proc.pid, 'SIGKILL'); } catch { /* gone */ } }, STOP_GRACE_MS);
  await proc.exit;
  clearTimeout(timer);
}

export async function stopAll() {
  await Promise.all([...running].map(stop));
}

/**
 * Last resort on exit paths where awaiting is impossible. SIGTERM, not SIGKILL: dockerd must get
 * the chance to stop the containerd it started.
 */
export function killAllSync() {
  for (const proc of running) {
    try { process.kill(proc.pid, 'SIGTERM'); } catch { /* gone */ }
  }
}

/** A loopback port that was free a moment ago (for servers that cannot listen on port 0). */
export function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

function parentOf(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
  } catch {
    return undefined;
  }
}

/** `pid` and its descendants (nginx workers, cluster workers). */
export function processTree(pid) {
  const children = new Map();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const ppid = parentOf(entry);
    if (ppid === undefined) continue;
    if (!children.has(ppid)) children.set(ppid, []);
    children.get(ppid).push(Number(entry));
  }
  const tree = [];
  const queue = [pid];
  while (queue.length > 0 && tree.length < 256) {
    const next = queue.shift();
    tree.push(next);
    queue.push(...(children.get(next) ?? []));
  }
  return tree;
}

/** Peak resident set size (VmHWM) in bytes, summed over the process tree. */
export function peakRss(pid) {
  let total = 0;
  for (const p of processTree(pid)) {
    try {
      const match = readFileSync(`/proc/${p}/status`, 'utf8').match(/^VmHWM:\s+(\d+) kB/m);
      if (match) total += Number(match[1]) * 1024;
    } catch { /* exited meanwhile */ }
  }
  return total;
}

/** CPU seconds (user + system) `pid` and its children have used so far, from /proc/PID/stat. */
export function cpuSeconds(pid) {
  let ticks = 0;
  for (const p of processTree(pid)) {
    try {
      const fields = readFileSync(`/proc/${p}/stat`, 'utf8').replace(/^.*\) /s, '').split(' ');
      ticks += Number(fields[11]) + Number(fields[12]);
    } catch { /* exited meanwhile */ }
  }
  return ticks / CLOCK_TICKS;
}

/** USER_HZ: the unit of /proc/PID/stat times (100 on every Linux build in use). */
const CLOCK_TICKS = 100;

/** Runs `command` in sh, output ignored; resolves when it exits 0. */
export function shell(command) {
  return new Promise((done, reject) => {
    spawn('sh', ['-c', command], { stdio: 'ignore' }).on('exit', (code) => (code === 0 ? done() : reject(new Error(`${command}: exit ${code}`))));
  });
}

/** Milliseconds from spawning `seed-registry serve PATH --tmp-dir TMP` to its listening line; then stops it. */
export async function serveTimeToReady(path, tmp, env = {}) {
  const bin = fileURLToPath(new URL('../bin/seed-registry.js', import.meta.url));
  const t0 = performance.now();
  const proc = start(process.execPath, [bin, 'serve', path, '--port', '0', '--host', '127.0.0.1', '-q', '--tmp-dir', tmp], { name: 'seed-registry', env: { ...process.env, ...env } });
  try {
    await waitForOutput(proc, /listening on/, 600_000);
    return performance.now() - t0;
  } finally {
    await stop(proc);
  }
}
