// Runs a command with a time limit and captures its output; the one way the client suite shells out.
import { spawn } from 'node:child_process';

export interface RunOptions {
  env?: Record<string, string>;
  cwd?: string;
  timeoutMs?: number;
}

export interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

const DEFAULT_TIMEOUT_MS = 120_000;

/** Resolves with the exit code and output; never rejects on a non-zero exit. */
export function run(cmd: string, args: string[], options: RunOptions = {}): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, {
      cwd: options.cwd,
      env: { ...process.env, ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    // Decoded once at the end: a chunk boundary may split a multi-byte character.
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let killed = '';
    child.stdout.on('data', (d: Buffer) => out.push(d));
    child.stderr.on('data', (d: Buffer) => err.push(d));
    const timer = setTimeout(() => {
      killed = `\n[killed after ${options.timeoutMs ?? DEFAULT_TIMEOUT_MS} ms]`;
      child.kill('SIGKILL');
    }, options.timeoutMs ?? DEFAULT_TIMEOUT_MS);
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') + killed });
    });
  });
}

/** A command that exited non-zero; the message carries the command line and the client's own words. */
export class CommandError extends Error {
  override readonly name = 'CommandError';
  constructor(
    readonly command: string,
    readonly result: RunResult,
  ) {
    super(`\`${command}\` exited ${result.code}:\n${result.stderr.trim() || result.stdout.trim()}`);
  }
}

/** Like run, but rejects with CommandError unless the exit code is 0; resolves with stdout. */
export async function runOk(cmd: string, args: string[], options: RunOptions = {}): Promise<string> {
  const result = await run(cmd, args, options);
  if (result.code !== 0) throw new CommandError([cmd, ...args].join(' '), result);
  return result.stdout;
}
