// The CRI client's pure parts (protobuf fields, the image list, Link paging) and its gRPC framing
// against a node:http2 server on a unix socket standing in for containerd.
import { createServer, type Http2Server, type ServerHttp2Stream } from 'node:http2';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CriImages } from '../../src/prepull/cri.js';
import { GrpcError, parseCriEndpoint } from '../../src/prepull/grpc.js';
import { field, message, readFields } from '../../src/prepull/protobuf.js';
import { readImageList } from '../../src/prepull/run.js';
import { nextLink } from '../../src/prepull/seed-images.js';

describe('protobuf fields', () => {
  it('encodes a PullImageRequest{image: ImageSpec{image}} as the wire format says', () => {
    const bytes = message(field(1, message(field(1, 'busybox'))));
    expect(bytes.toString('hex')).toBe(`0a090a07${Buffer.from('busybox').toString('hex')}`);
  });

  it('leaves empty fields out and reads nested fields back, skipping varints', () => {
    expect(field(2, '')).toHaveLength(0);
    const long = 'x'.repeat(300); // a two-byte length varint
    const bytes = Buffer.concat([Buffer.from([0x10, 0x96, 0x01]), field(1, long), field(3, message(field(1, 'ref')))]);
    const fields = readFields(bytes);
    expect(fields.get(1)?.[0]?.toString()).toBe(long);
    expect(readFields(fields.get(3)![0]!).get(1)?.[0]?.toString()).toBe('ref');
    expect(fields.has(2)).toBe(false);
  });

  it('refuses a truncated message', () => {
    expect(() => readFields(Buffer.from([0x0a, 0x05, 0x61]))).toThrow(/truncated/);
  });
});

describe('image lists and links', () => {
  it('reads one reference a line, ignoring blanks and comments, once each', () => {
    expect(readImageList('docker.io/a:1\n\n# note\n  ghcr.io/b:2  \ndocker.io/a:1\n')).toEqual(['docker.io/a:1', 'ghcr.io/b:2']);
  });

  it.each([
    ['</v2/_catalog?n=1000&last=x>; rel="next"', '/v2/_catalog?n=1000&last=x'],
    ['<https://seed:5000/v2/a/tags/list?n=2&last=b>; rel=next', '/v2/a/tags/list?n=2&last=b'],
    [undefined, undefined],
    ['<https://x/y>; rel="prev"', undefined],
  ])('Link %s → %s', (link, path) => expect(nextLink(link)).toBe(path));

  it.each([['unix:///run/containerd/containerd.sock', '/run/containerd/containerd.sock'], ['/run/k3s/containerd/containerd.sock', '/run/k3s/containerd/containerd.sock']])('--cri %s', (endpoint, path) =>
    expect(parseCriEndpoint(endpoint)).toBe(path),
  );
});

describe('CriImages over gRPC', () => {
  let server: Http2Server;
  let dir: string;
  const held = new Set(['docker.io/library/present:1']);
  const calls: string[] = [];

  function answer(stream: ServerHttp2Stream, status: number, body?: Buffer, text = '') {
    if (body === undefined) {
      // Trailers-Only: the status in the headers, no body.
      stream.respond({ ':status': 200, 'content-type': 'application/grpc', 'grpc-status': String(status), 'grpc-message': encodeURIComponent(text) }, { endStream: true });
      return;
    }
    stream.respond({ ':status': 200, 'content-type': 'application/grpc' }, { waitForTrailers: true });
    stream.on('wantTrailers', () => stream.sendTrailers({ 'grpc-status': String(status) }));
    const frame = Buffer.alloc(5);
    frame.writeUInt32BE(body.length, 1);
    stream.end(Buffer.concat([frame, body]));
  }

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'sr-cri-'));
    server = createServer();
    server.on('stream', (stream, headers) => {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        const body = Buffer.concat(chunks).subarray(5);
        const image = readFields(readFields(body).get(1)![0]!).get(1)![0]!.toString();
        const path = String(headers[':path']);
        calls.push(`${path.split('/').pop()} ${image}`);
        if (path === '/runtime.v1.ImageService/ImageStatus') return answer(stream, 0, held.has(image) ? message(field(1, message(field(1, 'sha256:id')))) : Buffer.alloc(0));
        if (image.includes('missing')) return answer(stream, 2, undefined, 'failed to resolve reference: not found');
        held.add(image);
        answer(stream, 0, message(field(1, 'sha256:pulled')));
      });
    });
    await new Promise<void>((resolve) => server.listen(join(dir, 'cri.sock'), resolve));
  });
  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
    rmSync(dir, { recursive: true, force: true });
  });

  it('asks ImageStatus, pulls, and reads the image reference; errors carry the gRPC status and message', async () => {
    const cri = new CriImages(join(dir, 'cri.sock'));
    try {
      expect(await cri.has('docker.io/library/present:1')).toBe(true);
      expect(await cri.has('docker.io/library/new:1')).toBe(false);
      expect(await cri.pull('docker.io/library/new:1', { username: 'u', password: 'p' })).toBe('sha256:pulled');
      expect(await cri.has('docker.io/library/new:1')).toBe(true);
      const failure = await cri.pull('docker.io/library/missing:1').catch((e: unknown) => e);
      expect(failure).toBeInstanceOf(GrpcError);
      expect((failure as GrpcError).message).toBe('gRPC status 2: failed to resolve reference: not found');
    } finally {
      cri.close();
    }
    expect(calls).toContain('PullImage docker.io/library/new:1');
  });
});
