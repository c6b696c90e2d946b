// Request fuzzing, bounded and deterministic (fixed seed): a few thousand random and malformed
// requests (methods, paths, percent-encodings, Range, Accept, If-None-Match, If-Range) against a
// real server on port 0. Whatever is asked: never a 5xx, every method but GET and HEAD is 405
// UNSUPPORTED with an OCI body, every JSON error is an OCI error body, every 200/206 body is the
// blob's bytes (or exactly the range the Content-Range names), and nothing is logged as an error.
import { readFileSync } from 'node:fs';
import { METHODS as KNOWN_METHODS } from 'node:http';
import { Pool } from 'undici';
import { afterAll, describe, expect, it } from 'vitest';
import { buildTestImage, sha256 } from './model.js';
import { exchange } from './raw.js';
import { serve } from './serve.js';

const SEED = 0x5eed;
const REQUESTS = 2_000;
const RAW_REQUESTS = 300;

const t = await buildTestImage();
const server = await serve(t.model);
afterAll(() => server.stop());
const port = Number(new URL(server.base).port);

/** Every digest the server may answer with, and its bytes. */
const tar = readFileSync(t.tarPath);
const bytesOf = new Map<string, Buffer>();
for (const blob of t.model.blobs.values()) {
  bytesOf.set(blob.digest, blob.source.kind === 'memory' ? blob.source.bytes : tar.subarray(blob.source.offset, blob.source.offset + blob.size));
}
for (const m of t.model.manifests.values()) bytesOf.set(m.digest, m.bytes);
const DIGESTS = [...bytesOf.keys()];

/** xorshift32: the same requests on every run. */
function random(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 2 ** 32;
  };
}
const rand = random(SEED);
const int = (n: number) => Math.floor(rand() * n);
const pick = <T>(items: readonly T[]): T => items[int(items.length)]!;
const maybe = (p: number) => rand() < p;

const METHODS = ['GET', 'GET', 'GET', 'GET', 'HEAD', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', 'TRACE', 'FOO', 'M-SEARCH', 'PROPFIND'];
const WRITES = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
const NAMES = ['registry', 'registry', 'registry', 'registry', 'library/registry', 'library/registry', 'org/app', 'org/app', 'nobody', 'Bad_Name', 'a/../registry', '%2e%2e/registry', 'registry%2Fx', 'a'.repeat(300), 'x//y', '-x', 'org/app/', 'r%00', 'r%zz', '%C0%AFregistry'];
const JUNK = ['%zz', '%', '%0', '%00', '%C0%AF', '%E2%80%AE', '..', '.', '%2F', ';', '~', '*', ':', 'sha256:', 'sha256:xyz', `sha256:${'A'.repeat(64)}`, `sha512:${'0'.repeat(128)}`, '%C3%A9', '%25'];
const TAGS = ['2', 'amd64', 'v1', 'latest', 'nope', '-bad', 'a'.repeat(200), 'A_b.c-d'];

function percentEncodeSome(text: string): string {
  return [...text].map((c) => (maybe(0.1) ? `%${c.charCodeAt(0).toString(16).padStart(2, '0').slice(-2)}` : c)).join('');
}

function reference(): string {
  const r = rand();
  if (r < 0.45) return pick(DIGESTS);
  if (r < 0.7) return pick(TAGS);
  if (r < 0.85) return pick(JUNK);
  return pick(DIGESTS).slice(0, 7 + int(60));
}

function path(): string {
  const name = maybe(0.1) ? percentEncodeSome(pick(NAMES)) : pick(NAMES);
  const kind = pick(['manifests', 'blobs', 'blobs', 'tags/list', 'referrers', '_catalog', 'blobs/uploads', 'junk', 'root']);
  let p: string;
  if (kind === 'root') p = pick(['/', '/v2', '/v2/', '/v2/_catalog', '//v2/', '/v2/%zz', '/favicon.ico']);
  else if (kind === '_catalog') p = '/v2/_catalog';
  else if (kind === 'tags/list') p = `/v2/${name}/tags/list`;
  else if (kind === 'blobs/uploads') p = `/v2/${name}/blobs/uploads/${pick(['', 'x', '%zz'])}`;
  else if (kind === 'junk') p = `/v2/${name}/${pick(JUNK)}/${pick(JUNK)}`;
  else p = `/v2/${name}/${kind}/${maybe(0.1) ? percentEncodeSome(reference()) : reference()}`;
  if (maybe(0.25)) p += `?${pick(['n=', 'n=2', 'n=-1', 'n=99999999999', 'n=abc', 'last=zzz', 'ns=docker.io', 'ns=ghcr.io', 'ns=%zz', 'artifactType=x', '%zz=%zz', '&&='])}`;
  if (maybe(0.05)) p += '#frag';
  return p;
}

function rangeHeader(): string {
  const n = () => String(pick([0, 1, 5, 100, int(200), 4096, t.layer.length - 1, t.layer.length, 2 ** 53, int(400_000)]));
  return pick([`bytes=${n()}-${n()}`, `bytes=${n()}-`, `bytes=-${n()}`, `bytes=${n()}-${n()},${n()}-`, 'bytes=', 'bytes=-', 'bytes=a-b', `items=${n()}-`, `bytes = ${n()}-${n()}`, 'bytes=0-0', `bytes=-0`, `bytes=${'9'.repeat(30)}-`]);
}

function headers(): Record<string, string> {
  const h: Record<string, string> = {};
  if (maybe(0.4)) h.range = rangeHeader();
  if (maybe(0.3)) h.accept = pick(['*/*', 'application/vnd.oci.image.manifest.v1+json', 'application/vnd.oci.image.index.v1+json;q=0', 'text/html', ';;;', 'application/json, */*;q=0.1', 'x'.repeat(500)]);
  if (maybe(0.2)) h['if-none-match'] = pick(['*', `"${pick(DIGESTS)}"`, `W/"${pick(DIGESTS)}"`, pick(DIGESTS), 'garbage', '"a", "b"', '']);
  if (maybe(0.1)) h['if-range'] = pick([`"${pick(DIGESTS)}"`, 'Wed, 21 Oct 2015 07:28:00 GMT', 'junk']);
  if (maybe(0.1)) h['content-length'] = '0';
  return h;
}

interface Answer {
  method: string;
  path: string;
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

/** Every property asserted of one answer; returns what is wrong, or undefined. */
function problem(a: Answer): string | undefined {
  if (a.status >= 500) return `status ${a.status}`;
  const method = a.method.toUpperCase() === a.method ? a.method : a.method.toUpperCase();
  if (method !== 'GET' && method !== 'HEAD') {
    // A method node's parser does not know makes the request line unparsable: 400, no OCI body.
    if (!KNOWN_METHODS.includes(method)) return a.status === 400 ? undefined : `${method} got ${a.status}, not 400`;
    if (a.status !== 405) return `${method} got ${a.status}, not 405`;
    if (WRITES.has(method) || a.body.length > 0) {
      const code = (JSON.parse(a.body.toString()) as { errors: { code: string }[] }).errors[0]?.code;
      if (code !== 'UNSUPPORTED') return `${method} got ${code}`;
    }
    return undefined;
  }
  if (method === 'HEAD') return a.body.length === 0 ? undefined : 'HEAD with a body';
  const type = String(a.headers['content-type'] ?? '');
  if (a.status >= 400 && type === 'application/json') {
    const parsed = JSON.parse(a.body.toString()) as { errors?: { code?: unknown; message?: unknown }[] };
    if (!Array.isArray(parsed.errors) || typeof parsed.errors[0]?.code !== 'string' || typeof parsed.errors[0]?.message !== 'string') return 'not an OCI error body';
  }
  if (a.status === 200 || a.status === 206) {
    const digest = a.headers['docker-content-digest'];
    if (typeof digest !== 'string') return undefined; // /v2/, the catalog, tag lists
    const whole = bytesOf.get(digest);
    if (whole === undefined) return `unknown digest ${digest}`;
    if (a.status === 200) return a.body.equals(whole) && sha256(a.body) === digest ? undefined : 'wrong 200 body';
    const m = /^bytes (\d+)-(\d+)\/(\d+)$/.exec(String(a.headers['content-range']));
    if (!m || Number(m[3]) !== whole.length) return `bad Content-Range ${String(a.headers['content-range'])}`;
    return a.body.equals(whole.subarray(Number(m[1]), Number(m[2]) + 1)) ? undefined : 'wrong 206 body';
  }
  return undefined;
}

describe('request fuzzing', () => {
  it(`answers ${REQUESTS} random requests without a 5xx, writes with 405 UNSUPPORTED, and only right bytes`, { timeout: 60_000 }, async () => {
    const pool = new Pool(server.base, { connections: 8, pipelining: 1 });
    const problems: string[] = [];
    const statuses = new Map<number, number>();
    let sent = 0;
    const requests = Array.from({ length: REQUESTS }, () => {
      const r = { method: pick(METHODS), path: path(), headers: headers() };
      // Validators that name the requested digest, so 304 and If-Range's both outcomes happen.
      const digest = /sha256:[0-9a-f]{64}/.exec(r.path)?.[0];
      if (digest !== undefined && maybe(0.3)) r.headers[pick(['if-none-match', 'if-range'])] = pick([`"${digest}"`, `W/"${digest}"`, `"${digest}", "x"`]);
      if (digest !== undefined && maybe(0.4)) r.headers.range = pick([`bytes=${int(100)}-${100 + int(1000)}`, `bytes=-${1 + int(50)}`, `bytes=${int(50)}-`]);
      return r;
    });
    try {
      await Promise.all(
        requests.map(async (r) => {
          let answer: Answer;
          try {
            const res = await pool.request({ ...r, headersTimeout: 5_000, bodyTimeout: 5_000 });
            answer = { ...r, status: res.statusCode, headers: res.headers, body: Buffer.from(await res.body.arrayBuffer()) };
          } catch (error) {
            // undici refuses some inputs before sending (invalid characters): not the server's doing.
            if ((error as { code?: string }).code === 'UND_ERR_INVALID_ARG') return;
            problems.push(`${r.method} ${r.path}: ${(error as Error).message}`);
            return;
          }
          sent++;
          statuses.set(answer.status, (statuses.get(answer.status) ?? 0) + 1);
          const wrong = problem(answer);
          if (wrong !== undefined) problems.push(`${r.method} ${r.path} ${JSON.stringify(r.headers)}: ${wrong}`);
        }),
      );
    } finally {
      await pool.close();
    }
    expect(problems.slice(0, 20)).toEqual([]);
    // The mix must exercise the interesting answers, or the test proves little.
    expect(sent).toBeGreaterThan(REQUESTS * 0.9);
    for (const status of [200, 206, 304, 400, 404, 405, 416]) expect(statuses.get(status) ?? 0, `status ${status}`).toBeGreaterThanOrEqual(5);
    expect(server.errors).toEqual([]);
  });

  it(`answers ${RAW_REQUESTS} odd request targets on raw sockets with a 4xx, never a 5xx`, { timeout: 60_000 }, async () => {
    const authority = () => pick(['h', 'h:99999', '%zz', '[::1', '[fe80::1%25eth0]', '[fe80::1%eth0]', 'h:-1', 'user@h', 'h:80:80', '', '[::1]:5000', 'é']);
    const target = () =>
      pick([
        () => `http://${authority()}${pick(['/v2/', '/v2/registry/manifests/amd64', `/v2/registry/blobs/${pick(DIGESTS)}`, '', '?x'])}`,
        () => `${pick(['https', 'ftp', 'HTTP', 'x'])}://${authority()}/v2/`,
        () => pick(['*', 'v2/', 'registry:443', '//v2/', '/%', '/v2/%ff%fe']),
      ])();
    const statuses: number[] = [];
    for (let i = 0; i < RAW_REQUESTS; i++) {
      const line = `${pick(['GET', 'HEAD', 'PUT'])} ${target()} HTTP/1.1\r\nHost: registry\r\nConnection: close\r\n\r\n`;
      const { responses } = await exchange(port, [Buffer.from(line, 'latin1')], { waitMs: 2_000 });
      expect(responses.length, line).toBe(1);
      statuses.push(responses[0]!.status);
      expect(responses[0]!.status, line).toBeLessThan(500);
    }
    expect(statuses.filter((s) => s === 400).length).toBeGreaterThan(RAW_REQUESTS / 4);
    expect(server.errors).toEqual([]);
  });
});
