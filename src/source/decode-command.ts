// Decoding by an external command (`zstd -dc`) straight into the temporary file: the command's
// stdout is the held descriptor, so decoded bytes never pass through this process. Piping them
// through Node cost 7x `zstd -dc > /dev/null` at 256 MiB (docs/benchmarks.md, "zstd").
//
// Compressed bytes still reach the command through a pipe from here, for two reasons: progress is
// counted on the way, and when this process dies (any signal, SIGKILL too) the pipe closes, so the
// command stops at a truncated input instead of decoding on into a file nobody holds.
// The limits (size, free space, a first block that must be a tar) are watched by polling the
// file's size: the overshoot is bounded by one poll interval of decoding.
import { spawn } from 'node:child_process';
import { fstatSync, readSync } from 'node:fs';
import type { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { type DecodeWatch, HEAD_BYTES, WatchStop } from './decoder.js';

const POLL_MS = 40;

/** Runs `argv` with `input` (the compressed bytes, through any counting stages) on its stdin and `fd` as its stdout. */
export async function decodeByCommand(argv: readonly string[], input: [Readable, ...Transform[]], fd: number, watch: DecodeWatch): Promise<void> {
  const [command, ...args] = argv;
  const child = spawn(command!, args, { stdio: ['pipe', fd, 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-400)));
  const exited = new Promise<{ code: number | null; error?: Error }>((resolve) => {
    child.on('error', (error) => resolve({ code: null, error }));
    child.on('close', (code) => resolve({ code }));
  });
  child.stdin!.on('error', () => {}); // EPIPE when the command stops first: its status says why
  // A signal handler ends this process with process.exit (src/image/interrupt.ts): the command goes too.
  const kill = () => child.kill('SIGKILL');
  process.on('exit', kill);

  let stop: string | undefined;
  let headSeen = false;
  const look = (final: boolean): string | undefined => {
    const size = fstatSync(fd).size;
    if (!headSeen && (size >= HEAD_BYTES || final)) {
      headSeen = true;
      const block = Buffer.alloc(Math.min(size, HEAD_BYTES));
      readSync(fd, block, 0, block.length, 0);
      const problem = watch.head(block);
      if (problem !== undefined) return problem;
    }
    return watch.written(size);
  };
  const timer = setInterval(() => {
    stop ??= look(false);
    if (stop !== undefined) child.kill('SIGKILL');
  }, POLL_MS);

  const feeding = pipeline([...input, child.stdin!]).catch(() => {});
  const { code, error } = await exited;
  clearInterval(timer);
  process.off('exit', kill);
  await feeding;
  if (stop !== undefined) throw new WatchStop(stop);
  if (error) throw error;
  if (code !== 0) throw commandError(stderr.replace(/\s+/g, ' ').trim() || `${command} exited with status ${code}`);
  const last = look(true);
  if (last !== undefined) throw new WatchStop(last);
}

/** The command's own words; a full disk is told as the system's ENOSPC, as a write from here would be. */
function commandError(message: string): NodeJS.ErrnoException {
  const error: NodeJS.ErrnoException = new Error(message);
  if (/no space left on device/i.test(message)) error.code = 'ENOSPC';
  return error;
}
