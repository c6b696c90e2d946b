// Decoding by an external command (`zstd -dc`) straight into the temporary file: the command's
// stdout is the held descriptor, so decoded bytes never pass through this process. Piping them
// through Node cost 7x `zstd -dc > /dev/null` at 256 MiB (docs/benchmarks.md, "zstd").
//
// The command must not outlive this process: it would decode on into a file nobody holds. A signal
// handler's process.exit kills it on 'exit'. Against SIGKILL, where util-linux's setpriv is on PATH
// the command runs under `setpriv --pdeathsig KILL`, so the kernel kills it, and it reads a whole
// compressed archive itself (stdin is the file). Without setpriv, compressed bytes go to it through a pipe from
// here, which closes when this process dies: the command then stops at a truncated input. The pipe
// costs about 0.45 s per 128 MiB of input here (Node's writes into a 64 KiB pipe).
//
// The limits (size, free space, a first block that must be a tar) are watched by polling the
// file's size: the overshoot is bounded by one poll interval of decoding.
import { spawn, spawnSync } from 'node:child_process';
import { closeSync, fstatSync, openSync, readFileSync, readSync } from 'node:fs';
import type { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { type DecodeWatch, HEAD_BYTES, WatchStop } from './decoder.js';
import { onPath } from './on-path.js';

const POLL_MS = 40;

/** The compressed bytes: a file of their own (`whole`), or a span of one; `open` streams them, counted. */
export interface CommandInput {
  path: string;
  whole: boolean;
  open: () => [Readable, ...Transform[]];
}

/** Runs `argv` on the compressed bytes with `fd` as its stdout; `onRead` gets compressed bytes read so far. */
export async function decodeByCommand(input: CommandInput, argv: readonly string[], fd: number, watch: DecodeWatch, onRead?: (bytes: number) => void): Promise<void> {
  const setpriv = parentDeathSignal();
  // The command reads a whole file by itself; a span inside one (it would read on past it) goes through the pipe.
  const stdin = setpriv && input.whole ? openSync(input.path, 'r') : 'pipe';
  const [command, ...args] = setpriv ? [setpriv, '--pdeathsig', 'KILL', '--', ...argv] : argv;
  const child = spawn(command!, args, { stdio: [stdin, fd, 'pipe'] });
  if (typeof stdin === 'number') closeSync(stdin);
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-400)));
  const exited = new Promise<{ code: number | null; error?: Error }>((resolve) => {
    child.on('error', (error) => resolve({ code: null, error }));
    child.on('close', (code) => resolve({ code }));
  });
  const kill = () => child.kill('SIGKILL');
  process.on('exit', kill);

  let feeding: Promise<void> = Promise.resolve();
  if (child.stdin) {
    child.stdin.on('error', () => {}); // EPIPE when the command stops first: its status says why
    feeding = pipeline([...input.open(), child.stdin]).catch(() => {});
  }
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
    if (!child.stdin && child.pid !== undefined) reportRead(child.pid, onRead);
    try {
      stop ??= look(false);
    } catch (err) {
      // A timer callback that throws would end the process: stop decoding with the reason instead.
      stop = `could not be watched while decompressing (${(err as Error).message})`;
    }
    if (stop !== undefined) child.kill('SIGKILL');
  }, POLL_MS);

  const { code, error } = await exited;
  clearInterval(timer);
  process.off('exit', kill);
  await feeding;
  if (stop !== undefined) throw new WatchStop(stop);
  if (error) throw error;
  if (code !== 0) throw commandError(lastLine(stderr) || `${argv[0]} exited with status ${code}`);
  const last = look(true);
  if (last !== undefined) throw new WatchStop(last);
}

let probed: { setpriv: string | undefined } | undefined;

/** setpriv, if it is on PATH and knows --pdeathsig (util-linux 2.33 on): tried once. */
function parentDeathSignal(): string | undefined {
  if (probed) return probed.setpriv;
  const setpriv = onPath('setpriv');
  const works = setpriv !== undefined && spawnSync(setpriv, ['--pdeathsig', 'KILL', '--', setpriv, '--version'], { stdio: 'ignore', timeout: 5_000 }).status === 0;
  probed = { setpriv: works ? setpriv : undefined };
  return probed.setpriv;
}

/** How far the command has read its stdin (the archive), from the kernel's file position. */
function reportRead(pid: number, onRead?: (bytes: number) => void): void {
  if (!onRead) return;
  try {
    const pos = /^pos:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/fdinfo/0`, 'utf8'));
    if (pos) onRead(Number(pos[1]));
  } catch {
    // exited meanwhile, or no /proc: no progress to tell
  }
}

function lastLine(text: string): string {
  return text.split(/[\r\n]+/).map((l) => l.replace(/\s+/g, ' ').trim()).filter(Boolean).pop() ?? '';
}

/** The command's own words; a full disk is told as the system's ENOSPC, as a write from here would be. */
function commandError(message: string): NodeJS.ErrnoException {
  const error: NodeJS.ErrnoException = new Error(message);
  if (/no space left on device/i.test(message)) error.code = 'ENOSPC';
  return error;
}
