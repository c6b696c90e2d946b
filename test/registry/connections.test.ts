// Connection handling under odd clients, decided after nginx and Go's net/http (see
// src/registry/connections.ts), on raw sockets against a real server on port 0.
import { afterAll, describe, expect, it } from 'vitest';
import { buildTestImage, sha256 } from './model.js';
import { exchange } from './raw.js';
import { serve } from './serve.js';

const t = await buildTestImage();
const server = await serve(t.model);
afterAll(() => server.stop());
const port = Number(new URL(server.base).port);

const LAYER_PATH = `/v2/registry/blobs/${sha256(t.layer)}`;
const get = (path: string) => `GET ${path} HTTP/1.1\r\nHost: registry\r\n\r\n`;
const ociCode = (body: Buffer) => (JSON.parse(body.toString()) as { errors: { code: string }[] }).errors[0]?.code;

describe('connections', () => {
  it('answers a client that half-closes after its GET, then closes', async () => {
    for (const path of [LAYER_PATH, '/v2/registry/manifests/amd64']) {
      const { responses, closed } = await exchange(port, [get(path)], { halfClose: true });
      expect(responses.map((r) => r.status)).toEqual([200]);
      expect(responses[0]?.body.equals(path === LAYER_PATH ? t.layer : t.amd64.bytes)).toBe(true);
      expect(closed).toBe(true);
    }
  });

  it('keeps the answers to a pipelined batch before an unparsable request, then answers 400 and closes', async () => {
    const batch = [get(LAYER_PATH), get('/v2/registry/manifests/amd64'), get(LAYER_PATH)].join('');
    const { responses, closed } = await exchange(port, [`${batch}BL\u0001AH / HTTP/1.1\r\nHost: x\r\n\r\n`]);
    expect(responses.map((r) => r.status)).toEqual([200, 200, 200, 400]);
    expect(responses[0]?.body.equals(t.layer)).toBe(true);
    expect(responses[1]?.body.equals(t.amd64.bytes)).toBe(true);
    expect(responses[2]?.body.equals(t.layer)).toBe(true);
    expect(responses[3]?.headers.connection).toBe('close');
    expect(closed).toBe(true);
  });

  it('answers a write with a slowly-sent body at once with 405 and closes without waiting for the body', async () => {
    const head = 'PUT /v2/registry/manifests/x HTTP/1.1\r\nHost: registry\r\nContent-Length: 1000000\r\n\r\n';
    const { responses, closed, ms } = await exchange(port, [head, 'only the first bytes'], { waitMs: 3_000 });
    expect(responses.map((r) => r.status)).toEqual([405]);
    expect(responses[0]?.headers.connection).toBe('close');
    expect(ociCode(responses[0]!.body)).toBe('UNSUPPORTED');
    expect(closed).toBe(true);
    expect(ms).toBeLessThan(2_000);
  });

  it('does not invite a body with 100 Continue', async () => {
    const head = 'POST /v2/registry/blobs/uploads/ HTTP/1.1\r\nHost: registry\r\nContent-Length: 10\r\nExpect: 100-continue\r\n\r\n';
    const { responses, closed } = await exchange(port, [head], { waitMs: 3_000 });
    expect(responses.map((r) => r.status)).toEqual([405]);
    expect(closed).toBe(true);
  });

  it('answers CONNECT with 405 UNSUPPORTED instead of dropping it', async () => {
    const { responses, closed } = await exchange(port, ['CONNECT registry:443 HTTP/1.1\r\nHost: registry:443\r\n\r\n']);
    expect(responses.map((r) => r.status)).toEqual([405]);
    expect(responses[0]?.headers.allow).toBe('GET, HEAD');
    expect(ociCode(responses[0]!.body)).toBe('UNSUPPORTED');
    expect(closed).toBe(true);
  });

  it('answers an HTTP/2 connection preface at once with 505', async () => {
    const settings = Buffer.from([0, 0, 0, 4, 0, 0, 0, 0, 0]);
    const preface = Buffer.concat([Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n'), settings]);
    const { responses, closed, ms } = await exchange(port, [preface]);
    expect(responses.map((r) => r.status)).toEqual([505]);
    expect(closed).toBe(true);
    expect(ms).toBeLessThan(1_000);
  });

  it('answers an absolute-form target the URL parser rejects with 400 NAME_INVALID, and logs nothing', async () => {
    const errors = server.errors.length;
    for (const target of ['http://h:99999/v2/', 'http://%zz/v2/', 'http://[::1/v2/', 'http://[fe80::1%25eth0]/v2/']) {
      const { responses } = await exchange(port, [`GET ${target} HTTP/1.1\r\nHost: registry\r\nConnection: close\r\n\r\n`]);
      expect(responses.map((r) => r.status)).toEqual([400]);
      expect(ociCode(responses[0]!.body)).toBe('NAME_INVALID');
    }
    expect(server.errors.slice(errors)).toEqual([]);
  });
});
