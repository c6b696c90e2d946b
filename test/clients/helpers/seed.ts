// Starts the real seed-registry binary on a free loopback port and stops it by pid.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { isAlive, sleep, trackPid, untrackPid } from './daemon.js';

export const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const BIN = fileURLToPath(new URL('../../../bin/seed-registry.js', import.meta.url));
const LISTENING = /listening on (https?):\/\/127\.0\.0\.1:(\d+)/;
const START_TIMEOUT_MS = 60_000;
const STOP_GRACE_MS = 5_000;

export interface Seed {
  pid: number;
  port: number;
  /** `127.0.0.1:PORT`, the registry host clients pull from. */
  host: string;
  url: string;
  output(): string;
  stop(): Promise<void>;
}

/** `env`: variables added to this process's for the seed (e.g. helpers/faketime.ts). */
export function startSeed(tars: string[], extraArgs: string[] = [], env: Record<string, string> = {}): Promise<Seed> {
  const args = [BIN, ...tars.flatMap((t) => ['--tar', t]), '--port', '0', '--host', '127.0.0.1', ...extraArgs];
  return startSeedCommand(process.execPath, args, env);
}

/** The same for any build of the command (the single executable, an installed package): `command args`. */
export function startSeedCommand(command: string, args: string[], env: Record<string, string> = {}): Promise<Seed> {
  const child = spawn(command, args, { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
  let output = '';
  if (child.pid !== undefined) trackPid(child.pid);
  const exited = new Promise<void>((resolve) =>
    child.on('exit', () => {
      if (child.pid !== undefined) untrackPid(child.pid);
      resolve();
    }),
  );
  const stop = async () => {
    if (child.pid === undefined || !isAlive(child.pid) || child.exitCode !== null) return;
    child.kill('SIGTERM');
    const late = await Promise.race([exited.then(() => false), sleep(STOP_GRACE_MS).then(() => true)]);
    if (late) child.kill('SIGKILL');
  };
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      void stop();
      reject(new Error(`seed-registry printed no listening line in ${START_TIMEOUT_MS} ms:\n${output}`));
    }, START_TIMEOUT_MS);
    const onData = (d: Buffer) => {
      output += d.toString();
      const m = LISTENING.exec(output);
      if (!m || child.pid === undefined) return;
      clearTimeout(timer);
      const port = Number(m[2]);
      resolve({ pid: child.pid, port, host: `127.0.0.1:${port}`, url: `${m[1]}://127.0.0.1:${port}`, output: () => output, stop });
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`seed-registry exited ${code} before listening:\n${output}`));
    });
  });
}
