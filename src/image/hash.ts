// Streams a blob's bytes through sha256. Used for a compressed layer whose name states no digest, and
// by `--verify` (which spreads the work over worker threads).
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import type { Source } from '../model.js';

export async function hashSource(source: Source): Promise<string> {
  const hash = createHash('sha256');
  if (source.kind === 'memory') {
    hash.update(source.bytes);
  } else if (source.size > 0) {
    const end = source.offset + source.size - 1;
    for await (const chunk of createReadStream(source.path, { start: source.offset, end })) hash.update(chunk as Buffer);
  }
  return `sha256:${hash.digest('hex')}`;
}
