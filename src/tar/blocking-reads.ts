// Blocking reads (a load nothing is served during: TarIndex's `blocking`) follow one another in
// microtasks, which never let the event loop turn: a signal (Ctrl-C, a supervisor's SIGTERM during a
// long start on a slow disk: src/image/interrupt.ts) would wait for the whole load. Every
// READS_PER_TURN blocking reads, the loop gets a turn.
import { readSync } from 'node:fs';
import type { FileHandle } from '../source/file-handle.js';

export const READS_PER_TURN = 64;
let reads = 0;

/** Call before each blocking read: resolves at once, or after one turn of the event loop. */
export function beforeBlockingRead(): Promise<void> | undefined {
  if (++reads % READS_PER_TURN !== 0) return undefined;
  return new Promise((resolve) => setImmediate(resolve));
}

/**
 * Reads `length` bytes of `file` at `position` into `buffer`; the bytes read. `blocking`: a system
 * call (the event loop given its turn as above); else a round trip through libuv's thread pool.
 */
export async function readPositioned(file: FileHandle, buffer: Buffer, length: number, position: number, blocking: boolean): Promise<number> {
  if (!blocking) return (await file.read(buffer, 0, length, position)).bytesRead;
  await beforeBlockingRead();
  return readSync(file.fd, buffer, 0, length, position);
}
