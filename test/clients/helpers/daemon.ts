// Long-running processes the suite starts: started detached from stdin, logged to a file, stopped by pid.
import { spawn } from 'node:child_process';
import { openSync, closeSync, readFileSync } from 'node:fs';

export interface Daemon {
  pid: number;
  logFile: string;
  /** SIGTERM, then SIGKILL if it has not exited within the grace period. */
  stop(): Promise<void>;
  log(): string;
}

/** Turns a command into the one that runs it elsewhere (identity by default). */
export type Wrap = (cmd: string, args: string[]) => [string, string[]];

const STOP_GRACE_MS = 10_000;
const POLL_MS = 200;

// Pids still running; killed when the test process exits, even after a failed or aborted run.
const live = new Set<number>();
export const trackPid = (pid: number) => live.add(pid);
export const untrackPid = (pid: number) => live.delete(pid);
process.on('exit', () => {
  for (const pid of live) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
});

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls `ready` until it returns true, the daemon dies, or the time runs out. */
export async function waitUntil(what: string, ready: () => Promise<boolean>, timeoutMs: number, daemon?: Daemon) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (daemon && !isAlive(daemon.pid)) throw new Error(`${what} exited early:\n${daemon.log().slice(-2000)}`);
    if (await ready().catch(() => false)) return;
    await sleep(POLL_MS);
  }
  throw new Error(`${what} not ready after ${timeoutMs} ms${daemon ? `:\n${daemon.log().slice(-2000)}` : ''}`);
}

export function startDaemon(cmd: string, args: string[], logFile: string): Daemon {
  const fd = openSync(logFile, 'a');
  const child = spawn(cmd, args, { stdio: ['ignore', fd, fd] });
  closeSync(fd);
  if (child.pid === undefined) throw new Error(`could not start ${cmd}`);
  const pid = child.pid;
  live.add(pid);
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
  child.on('error', () => live.delete(pid));
  return {
    pid,
    logFile,
    log: () => readFileSync(logFile, 'utf8'),
    async stop() {
      if (!live.has(pid)) return;
      child.kill('SIGTERM');
      const timedOut = await Promise.race([exited.then(() => false), sleep(STOP_GRACE_MS).then(() => true)]);
      if (timedOut) {
        child.kill('SIGKILL');
        await exited;
      }
      live.delete(pid);
    },
  };
}
