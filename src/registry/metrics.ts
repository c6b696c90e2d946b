// GET /metrics: Prometheus text format with the names operators know from Spegel and distribution
// (http_requests_total, http_request_duration_seconds, http_response_size_bytes,
// http_requests_inflight), the seed's own (images served, blob bytes, reloads), and prom-client's process metrics. The stage is
// outermost, so 401s, health probes and /metrics itself are counted too.
import type { Registry } from 'prom-client';
import { Header } from './headers.js';
import { HttpStats, type ExtraMetric, type SeedFigures } from './http-stats.js';
import { writeReply, type Stage } from './stages.js';

export const METRICS = '/metrics';
const ROUTES = ['manifests', 'blobs', 'tags', 'referrers'];

/** The `handler` label: the kind of route, from the path alone (the route table does not know metrics). */
export function handlerOf(url: string): string {
  const q = url.indexOf('?');
  const path = q < 0 ? url : url.slice(0, q);
  if (!path.startsWith('/v2')) return path === METRICS ? 'metrics' : path === '/livez' ? 'livez' : path === '/readyz' ? 'readyz' : 'other';
  if (path === '/v2/' || path === '/v2') return 'base';
  if (path === '/v2/_catalog') return 'catalog';
  // The segment before the last: /v2/<name>/manifests/<ref>, /blobs/<digest>, /tags/list, /referrers/<digest>.
  // Compared in place: no string is cut out of the path on this per-request path.
  const last = path.lastIndexOf('/');
  const from = path.lastIndexOf('/', last - 1) + 1;
  for (const kind of ROUTES) if (last - from === kind.length && path.startsWith(kind, from)) return kind;
  return 'other';
}

/** prom-client is loaded this long after the listening line (or at the first scrape). */
const LOAD_AFTER_MS = 1_000;

/** `seed`: the seed's own figures, read at each scrape (they follow the served content); `extra`: metrics
 * other stages keep (the bandwidth caps), exposed beside these; `listening`: settles once the seed listens. */
export function metricsStage(seed: () => SeedFigures, extra: readonly ExtraMetric[] = [], listening: Promise<unknown> = Promise.resolve()): Stage {
  const stats = new HttpStats();
  let registry: Promise<Registry> | undefined;
  const load = () => (registry ??= createPromRegistry(stats, seed, extra));
  // A failed load shows at the scrape (the connection is cut); it must not end the process. Counted from
  // the listening line, not from here: a load that takes longer than the delay (a large compressed
  // bundle, a slow disk) would otherwise compile prom-client in the middle of it.
  void listening.then(() => setTimeout(() => load().catch(() => undefined), LOAD_AFTER_MS).unref());

  return (next) => (req, res) => {
    const started = performance.now();
    const handler = handlerOf(req.url ?? '/');
    const h = stats.of(handler);
    h.inflight++;
    const done = (bytes: number) => {
      stats.finished(h, req.method ?? '', res.statusCode, (performance.now() - started) / 1000, bytes);
      if (handler === 'blobs') stats.blobBytes += bytes;
      return bytes;
    };
    const answered = handler === 'metrics' && req.method === 'GET' ? load().then(exposition).then((reply) => writeReply(req, res, reply)) : next(req, res);
    // then() rather than an async function: one promise less per request on the hot path.
    return answered.then(done, (error: unknown) => {
      done(0);
      throw error;
    });
  };
}

/** The Registry: process metrics and the seed's figures, read from `stats` at each scrape. */
async function createPromRegistry(stats: HttpStats, seed: () => SeedFigures, extra: readonly ExtraMetric[]): Promise<Registry> {
  const loaded = await import('prom-client');
  // prom-client is CommonJS: imported from a bundle chunk, its exports arrive as `default`.
  const { Registry, collectDefaultMetrics } = (loaded as unknown as { default?: typeof loaded }).default ?? loaded;
  const register = new Registry();
  collectDefaultMetrics({ register });
  stats.register(register, seed, extra);
  return register;
}

async function exposition(register: Registry) {
  const text = await register.metrics();
  return { status: 200, headers: { [Header.contentType]: register.contentType }, body: { kind: 'bytes' as const, bytes: Buffer.from(text) } };
}
