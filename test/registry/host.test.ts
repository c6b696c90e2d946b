// An HTTP/1.1 request without Host (RFC 9112 §3.2 makes it a 400) gets the OCI error body every
// malformed request gets, not Node's bare 400; HTTP/1.0 needs no Host. Raw sockets: an HTTP client
// library always sends Host.
import { afterAll, describe, expect, it } from 'vitest';
import { buildTestImage } from './model.js';
import { exchange } from './raw.js';
import { serve } from './serve.js';

const t = await buildTestImage();
const server = await serve(t.model);
const port = Number(new URL(server.base).port);
afterAll(() => server.stop());

const codeOf = (body: Buffer) => (JSON.parse(body.toString()) as { errors: Array<{ code: string; detail: { reason: string } }> }).errors[0]!;

describe('a request without Host', () => {
  it('HTTP/1.1 GET: 400 NAME_INVALID with a JSON body, and the connection still serves the next request', async () => {
    const { responses } = await exchange(port, ['GET /v2/ HTTP/1.1\r\n\r\n', 'GET /v2/ HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n']);
    expect(responses.map((r) => r.status)).toEqual([400, 200]);
    const [bad] = responses;
    expect(bad!.headers['content-type']).toBe('application/json');
    expect(bad!.headers['docker-distribution-api-version']).toBe('registry/2.0');
    expect(codeOf(bad!.body).code).toBe('NAME_INVALID');
    expect(codeOf(bad!.body).detail.reason).toMatch(/Host header/);
  });

  it('HTTP/1.1 HEAD of a manifest: 400, no body', async () => {
    const { responses } = await exchange(port, ['HEAD /v2/library/registry/manifests/2 HTTP/1.1\r\nConnection: close\r\n\r\n']);
    expect(responses).toHaveLength(1);
    expect(responses[0]!.status).toBe(400);
    expect(responses[0]!.body.length).toBe(0);
  });

  it('HTTP/1.0 needs none: 200', async () => {
    const { responses } = await exchange(port, ['GET /v2/ HTTP/1.0\r\n\r\n']);
    expect(responses.map((r) => r.status)).toEqual([200]);
  });
});
