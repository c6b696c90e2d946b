// The real seed-registry binary on a free loopback port (HTTP or HTTPS), stopped by pid after.
import { spawn, spawnSync } from 'node:child_process';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';

export const BIN = fileURLToPath(new URL('../../bin/seed-registry.js', import.meta.url));
export const FIXTURE = fileURLToPath(new URL('../../fixtures/seed-image.tar', import.meta.url));

export interface RunningSeed {
  port: number;
  stop(): void;
}

export function startSeed(args: string[]): Promise<RunningSeed> {
  const child = spawn(process.execPath, [BIN, '--tar', FIXTURE, '--port', '0', '--host', '127.0.0.1', '-q', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  return new Promise((resolve, reject) => {
    let out = '';
    const onData = (d: Buffer) => {
      out += d.toString();
      const m = /listening on https?:\/\/127\.0\.0\.1:(\d+)/.exec(out);
      if (m) resolve({ port: Number(m[1]), stop: () => child.kill('SIGTERM') });
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('exit', () => reject(new Error(`seed exited: ${out}`)));
  });
}

/** `seed-registry ARGS` to its end, optionally under `faketime OFFSET` (Debian's faketime). */
export function run(args: string[], faketime?: string) {
  const command = faketime ? ['faketime', '-f', faketime, process.execPath] : [process.execPath];
  const r = spawnSync(command[0]!, [...command.slice(1), BIN, ...args], { encoding: 'utf8', timeout: 60_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr, lines: r.stdout.trim().split('\n') };
}

export function closedPort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}
