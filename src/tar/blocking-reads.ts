// Positioned reads of a tar, blocking (a load nothing is served during: TarIndex's `blocking`, with
// the event loop's turn of ../source/file-handle.ts) or through libuv's thread pool.
import { readSync } from 'node:fs';
import { beforeBlockingCall, type FileHandle } from '../source/file-handle.js';

/**
 * Reads `length` bytes of `file` at `position` into `buffer`; the bytes read. `blocking`: a system
 * call (the event loop given its turn as above); else a round trip through libuv's thread pool.
 */
export async function readPositioned(file: FileHandle, buffer: Buffer, length: number, position: number, blocking: boolean): Promise<number> {
  if (!blocking) return (await file.read(buffer, 0, length, position)).bytesRead;
  await beforeBlockingCall();
  return readSync(file.fd, buffer, 0, length, position);
}
