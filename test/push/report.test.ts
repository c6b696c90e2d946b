import { describe, expect, it } from 'vitest';
import { imageLine, LiveLine, summaryLine } from '../../src/push/report.js';

describe('push output', () => {
  it('redraws one line on a terminal with blobs and bytes done of total', () => {
    const written: string[] = [];
    const stream = { write: (s: string) => written.push(s) } as unknown as NodeJS.WriteStream;
    const live = new LiveLine('app:1', 2 * 1024 * 1024, 2, stream);
    live.addBytes(1024 * 1024);
    live.blobDone();
    live.clear();
    expect(written).toEqual(['\r\x1b[Kapp:1: 0/2 blobs, 1.0 MiB of 2.0 MiB', '\r\x1b[Kapp:1: 1/2 blobs, 1.0 MiB of 2.0 MiB', '\r\x1b[K']);
  });

  it('says so when a push uploaded nothing', () => {
    const summary = { target: 'http://reg', images: 2, blobs: { uploaded: 0, present: 4, mounted: 0 }, bytes: 0, seconds: 0.25 };
    expect(summaryLine(summary)).toBe('pushed 2 images to http://reg: 0 blobs uploaded, 4 already present, 0 mounted; 0 B in 0.3 s (nothing uploaded: the target already held every blob)');
    const line = imageLine({ image: 'app:1', repository: 'app', digest: 'sha256:x', tags: ['1'], blobs: { uploaded: 1, present: 1, mounted: 1 }, manifests: 2, bytes: 2048, resumed: 1, seconds: 1 });
    expect(line).toBe('pushed app:1 sha256:x: 3 blobs (1 uploaded, 1 present, 1 mounted), 2.0 KiB sent, 2 manifests written, resumed 1 upload, 1.0 s');
  });
});
