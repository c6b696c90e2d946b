// The ways a compressed archive is decoded into its temporary copy, and the limits each stays within
// (src/source/decompress.ts chooses and runs them).
import type { Transform } from 'node:stream';

/** Pushed compressed bytes, calls back with each decoded block, synchronously. */
export interface BlockDecoder {
  push(chunk: Uint8Array): void;
  end(): void;
}

export type Decoder =
  /** A stream with backpressure (node:zlib). */
  | { kind: 'stream'; stream: () => Transform }
  /** A command line that decodes stdin to stdout; it writes the temporary file itself. */
  | { kind: 'command'; argv: string[] }
  /** A synchronous decoder whose blocks are written as they come (fzstd). */
  | { kind: 'blocks'; start: (onBlock: (block: Uint8Array) => void) => Promise<BlockDecoder> };

/**
 * Output chunk of a node:zlib decoder: the default 16 KiB made every chunk a trip through the thread
 * pool and a write; 1 MiB decoded a 256 MiB .tar.gz in 1.47 s instead of 1.70 s here.
 */
export const ZLIB_CHUNK = 1 << 20;

/** Bytes of decoded output the head check looks at: one tar block. */
export const HEAD_BYTES = 512;

/** What decoding must stay within: each returns a problem that stops it, or undefined. */
export interface DecodeWatch {
  /** Bytes decoded so far (the size limit, free space). */
  written(bytes: number): string | undefined;
  /** The first block of decoded bytes (fewer if the whole output is shorter). */
  head(block: Buffer): string | undefined;
}

/** Raised when the watch stopped the command: `problem` is the watch's own words. */
export class WatchStop extends Error {
  constructor(readonly problem: string) {
    super(problem);
  }
}
