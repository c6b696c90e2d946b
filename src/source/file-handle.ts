// Files opened, stated and listed through node:fs's callbacks, with the promise shape of
// node:fs/promises that the loader and the blob reads use. Loading node:fs/promises costs a start
// about 4 million instructions (it brings readline, fs.watch's and opendir's modules; counted with
// callgrind on Node 26, docs/release.md Start-up), and a start needs only open, read, stat, close
// and readdir.
//
// A descriptor is a small number the kernel hands out again as soon as it is closed: a read still
// under way when its file is closed could read whatever file is opened next under that number.
// So, as node:fs/promises' FileHandle does (lib/internal/fs/promises.js, kRef/kUnref), close waits
// for the reads and stats under way, and nothing starts on a handle once close is called.
//
// `blocking`: the call is made without the thread pool, for a load nothing is served during (a
// start: TarIndex's `blocking`). Each call through the pool wakes one of its threads and then the
// event loop; a start made about fifteen such round trips before listening.
import { close, closeSync, fstat, fstatSync, open as openCallback, openSync, read, readdir as readdirCallback, readdirSync, readSync, stat as statCallback, statSync, type Dirent, type Stats } from 'node:fs';

function closedError(syscall: string): NodeJS.ErrnoException {
  return Object.assign(new Error(`EBADF: file closed, ${syscall}`), { code: 'EBADF', errno: -9, syscall });
}

/** What the loader and the blob reads use of an open file (node:fs/promises' FileHandle has this shape too). */
export interface FileHandle {
  readonly fd: number;
  read(buffer: Buffer, offset: number, length: number, position: number): Promise<{ bytesRead: number; buffer: Buffer }>;
  stat(): Promise<Stats>;
  close(): Promise<void>;
}

class OpenFile implements FileHandle {
  private pending = 0;
  private closing: Promise<void> | undefined;
  private drained: (() => void) | undefined;

  constructor(
    readonly fd: number,
    private readonly blocking: boolean,
  ) {}

  /** Reads `length` bytes at `position` into `buffer` from `offset`, as FileHandle.read does. */
  read(buffer: Buffer, offset: number, length: number, position: number): Promise<{ bytesRead: number; buffer: Buffer }> {
    if (this.blocking && this.closing === undefined) return settle(() => ({ bytesRead: readSync(this.fd, buffer, offset, length, position), buffer }));
    return this.use('read', (done) => read(this.fd, buffer, offset, length, position, (error, bytesRead) => done(error, { bytesRead, buffer })));
  }

  stat(): Promise<Stats> {
    if (this.blocking && this.closing === undefined) return settle(() => fstatSync(this.fd));
    return this.use('fstat', (done) => fstat(this.fd, done));
  }

  /** Closes once the reads and stats under way are done; every later call gets the same promise. */
  close(): Promise<void> {
    this.closing ??= new Promise<void>((resolve) => {
      if (this.pending === 0) resolve();
      else this.drained = resolve;
    }).then(() => (this.blocking ? closeSync(this.fd) : new Promise<void>((resolve, reject) => close(this.fd, (error) => (error ? reject(error) : resolve())))));
    return this.closing;
  }

  private use<T>(syscall: string, run: (done: (error: NodeJS.ErrnoException | null, value: T) => void) => void): Promise<T> {
    if (this.closing !== undefined) return Promise.reject(closedError(syscall));
    this.pending++;
    return new Promise<T>((resolve, reject) =>
      run((error, value) => {
        if (--this.pending === 0) this.drained?.();
        if (error) reject(error);
        else resolve(value);
      }),
    );
  }
}

/** Opens `path` for reading; a `blocking` handle also stats and closes without the thread pool. */
export function open(path: string, flags: 'r', blocking = false): Promise<FileHandle> {
  if (blocking) return settle(() => new OpenFile(openSync(path, flags), true));
  return new Promise((resolve, reject) => openCallback(path, flags, (error, fd) => (error ? reject(error) : resolve(new OpenFile(fd, false)))));
}

export function stat(path: string, blocking = false): Promise<Stats> {
  if (blocking) return settle(() => statSync(path));
  return new Promise((resolve, reject) => statCallback(path, (error, stats) => (error ? reject(error) : resolve(stats))));
}

/**
 * Opens `path` for reading with a blocking call, and reads, stats and closes it through the thread
 * pool afterwards: a file served from once the seed listens, opened before it does (the first
 * snapshot), when the pool would otherwise start its threads for this one call.
 */
export function openBeforeServing(path: string): Promise<FileHandle> {
  return settle(() => new OpenFile(openSync(path, 'r'), false));
}

/**
 * Blocking calls (a load nothing is served during) follow one another in microtasks, which never let
 * the event loop turn: a signal (Ctrl-C, a supervisor's SIGTERM during a long start on a slow disk:
 * src/image/interrupt.ts) would wait for the whole load. Every CALLS_PER_TURN blocking calls, the
 * loop gets a turn.
 */
export const CALLS_PER_TURN = 64;
let calls = 0;

/** Call before each blocking call: resolves at once, or after one turn of the event loop. */
export function beforeBlockingCall(): Promise<void> | undefined {
  if (++calls % CALLS_PER_TURN !== 0) return undefined;
  return new Promise((resolve) => setImmediate(resolve));
}

/** The result of a blocking call as a promise (its value, or what it threw), the loop's turn first when due. */
function settle<T>(call: () => T): Promise<T> {
  const turn = beforeBlockingCall();
  if (turn !== undefined) return turn.then(call);
  try {
    return Promise.resolve(call());
  } catch (error) {
    return Promise.reject(error);
  }
}

export function readdir(path: string): Promise<string[]>;
export function readdir(path: string, options: { withFileTypes: true }, blocking?: boolean): Promise<Dirent[]>;
export function readdir(path: string, options: undefined, blocking: boolean): Promise<string[]>;
export function readdir(path: string, options?: { withFileTypes: true }, blocking = false): Promise<string[] | Dirent[]> {
  if (blocking) return settle(() => (options ? readdirSync(path, options) : readdirSync(path)));
  return new Promise((resolve, reject) => {
    if (options) readdirCallback(path, options, (error, entries) => (error ? reject(error) : resolve(entries)));
    else readdirCallback(path, (error, names) => (error ? reject(error) : resolve(names)));
  });
}
