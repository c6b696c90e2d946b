// A tar truncated under a running server: transfers end short, and the log gets one line per file
// per window naming the file, the blob, the size it needs and its real size; never a stack trace.
import { statSync, truncateSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { Logger } from '../../src/registry/log.js';
import { ShortReadLog } from '../../src/registry/short-reads.js';
import { ShortReadError } from '../../src/source/files.js';
import { buildTestImage, sha256 } from './model.js';
import { serve } from './serve.js';

interface Logged {
  message: string;
  detail: unknown;
}

function recordingLogger(): { logger: Logger; lines: Logged[] } {
  const lines: Logged[] = [];
  return { lines, logger: { logsAccess: false, access() {}, event() {}, info() {}, warn: (message) => lines.push({ message, detail: undefined }), error: (message, detail) => lines.push({ message, detail }) } };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('ShortReadLog', () => {
  it('logs the first failure at once and the rest of its window as one line with their count', async () => {
    const { logger, lines } = recordingLogger();
    const log = new ShortReadLog(logger, 100);
    const digest = `sha256:${'a'.repeat(64)}`;
    for (let i = 0; i < 50; i++) log.report(new ShortReadError('/srv/images.tar', 1000, 5000, 1000), digest);
    log.report(new ShortReadError('/srv/other.tar', 10, 20, 10), digest);
    expect(lines.map((l) => l.message)).toEqual([
      `"/srv/images.tar" is 1000 bytes, shorter than when it was loaded: blob ${digest} needs 5000; its transfers end short`,
      `"/srv/other.tar" is 10 bytes, shorter than when it was loaded: blob ${digest} needs 20; its transfers end short`,
    ]);
    await sleep(150);
    expect(lines).toHaveLength(3);
    expect(lines[2]?.message).toMatch(/^"\/srv\/images\.tar" is 1000 bytes.* \(49 failed transfers in the last 0\.1 s\)$/);
    // A quiet window logs nothing and ends the file's rate limit.
    await sleep(250);
    expect(lines).toHaveLength(3);
    log.report(new ShortReadError('/srv/images.tar', 1000, 5000, 1000), digest);
    expect(lines).toHaveLength(4);
    expect(lines.every((l) => l.detail === undefined && !l.message.includes('\n'))).toBe(true);
  });
});

describe('a tar truncated under the server', () => {
  it('cuts each transfer and logs one line naming the file, the blob, the needed and the real size', async () => {
    const t = await buildTestImage();
    const { logger, lines } = recordingLogger();
    const server = await serve(t.model, { logger });
    try {
      const digest = sha256(t.layer);
      const layer = t.model.blobs.get(digest);
      if (layer?.source.kind !== 'tar') throw new Error('the test layer is not in the tar');
      const cut = layer.source.offset + 1000;
      truncateSync(t.tarPath, cut);
      expect(statSync(t.tarPath).size).toBe(cut);
      const outcomes = await Promise.all(
        Array.from({ length: 40 }, () =>
          server.pool.request({ method: 'GET', path: `/v2/registry/blobs/${digest}` }).then(
            (r) => r.body.arrayBuffer().then((b) => b.byteLength, () => 'cut'),
            () => 'cut',
          ),
        ),
      );
      expect(outcomes.every((o) => o === 'cut' || (typeof o === 'number' && o < t.layer.length))).toBe(true);
      await sleep(50);
      expect(lines).toHaveLength(1);
      const needed = layer.source.offset + layer.source.size;
      expect(lines[0]?.message).toBe(
        `${JSON.stringify(t.tarPath)} is ${cut} bytes, shorter than when it was loaded: blob ${digest} needs ${needed}; its transfers end short`,
      );
      expect(lines[0]?.detail).toBeUndefined();
    } finally {
      await server.stop();
    }
  });
});
