// GET /metrics: Prometheus text format with the names operators know from Spegel and distribution
// (http_requests_total, http_request_duration_seconds, http_response_size_bytes,
// http_requests_inflight), the seed's own two, and prom-client's process metrics. The stage is
// outermost, so 401s, health probes and /metrics itself are counted too.
import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';
import { Header } from './headers.js';
import { HttpStats } from './http-stats.js';
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

export function metricsStage(images: number): Stage {
  const register = new Registry();
  collectDefaultMetrics({ register });
  const stats = new HttpStats();
  stats.register(register);
  const blobBytes = new Counter({ name: 'seed_registry_blob_bytes_served_total', help: 'Blob body bytes answered', registers: [register] });
  new Gauge({ name: 'seed_registry_images', help: 'Images served (tags and untagged manifests listed at start)', registers: [register] }).set(images);

  return (next) => (req, res) => {
    const started = performance.now();
    const handler = handlerOf(req.url ?? '/');
    const h = stats.of(handler);
    h.inflight++;
    const done = (bytes: number) => {
      stats.finished(h, req.method ?? '', res.statusCode, (performance.now() - started) / 1000, bytes);
      if (handler === 'blobs' && bytes > 0) blobBytes.inc(bytes);
      return bytes;
    };
    const answered = handler === 'metrics' && req.method === 'GET' ? exposition(register).then((reply) => writeReply(req, res, reply)) : next(req, res);
    // then() rather than an async function: one promise less per request on the hot path.
    return answered.then(done, (error: unknown) => {
      done(0);
      throw error;
    });
  };
}

async function exposition(register: Registry) {
  const text = await register.metrics();
  return { status: 200, headers: { [Header.contentType]: register.contentType }, body: { kind: 'bytes' as const, bytes: Buffer.from(text) } };
}
