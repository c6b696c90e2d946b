// GET /metrics: Prometheus text format with the names operators know from Spegel and distribution
// (http_requests_total, http_request_duration_seconds, http_response_size_bytes,
// http_requests_inflight), the seed's own two, and prom-client's process metrics. The stage is
// outermost, so 401s, health probes and /metrics itself are counted too.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { Header } from './headers.js';
import { writeReply, type Stage } from './stages.js';

export const METRICS = '/metrics';
const SIZE_BUCKETS = [100, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9];
const METHODS = new Set(['GET', 'HEAD']);
const ROUTE = /\/(manifests|blobs|tags|referrers)\/[^/]*$/;

/** The `handler` label: the kind of route, from the path alone (the route table does not know metrics). */
export function handlerOf(url: string): string {
  const q = url.indexOf('?');
  const path = q < 0 ? url : url.slice(0, q);
  if (!path.startsWith('/v2')) return path === METRICS ? 'metrics' : path === '/livez' ? 'livez' : path === '/readyz' ? 'readyz' : 'other';
  if (path === '/v2/' || path === '/v2') return 'base';
  if (path === '/v2/_catalog') return 'catalog';
  return ROUTE.exec(path)?.[1] ?? 'other';
}

interface Children {
  requests: Counter.Internal;
  duration: Histogram.Internal<string>;
  size: Histogram.Internal<string>;
}

export function metricsStage(images: number): Stage {
  const register = new Registry();
  collectDefaultMetrics({ register });
  const labels = ['handler', 'method', 'code'];
  const requests = new Counter({ name: 'http_requests_total', help: 'Requests answered, by handler, method and status code', labelNames: labels, registers: [register] });
  const duration = new Histogram({ name: 'http_request_duration_seconds', help: 'Time from request to the last body byte handed to the socket', labelNames: labels, registers: [register] });
  const size = new Histogram({ name: 'http_response_size_bytes', help: 'Response body bytes', labelNames: labels, buckets: SIZE_BUCKETS, registers: [register] });
  const inflight = new Gauge({ name: 'http_requests_inflight', help: 'Requests being answered', labelNames: ['handler'], registers: [register] });
  const blobBytes = new Counter({ name: 'seed_registry_blob_bytes_served_total', help: 'Blob body bytes sent', registers: [register] });
  new Gauge({ name: 'seed_registry_images', help: 'Images served (tags and untagged manifests listed at start)', registers: [register] }).set(images);

  // Label lookups hash their values; a request reuses the children made for its label set.
  const children = new Map<string, Children>();
  const childrenOf = (handler: string, method: string, code: string): Children => {
    const key = `${handler} ${method} ${code}`;
    let c = children.get(key);
    if (!c) children.set(key, (c = { requests: requests.labels(handler, method, code), duration: duration.labels(handler, method, code), size: size.labels(handler, method, code) }));
    return c;
  };
  const inflightOf = new Map<string, Gauge.Internal<string>>();
  const gaugeOf = (handler: string) => inflightOf.get(handler) ?? inflightOf.set(handler, inflight.labels(handler)).get(handler)!;

  return (next) => async (req, res) => {
    const started = performance.now();
    const handler = handlerOf(req.url ?? '/');
    const method = METHODS.has(req.method ?? '') ? req.method! : 'other';
    const gauge = gaugeOf(handler);
    gauge.inc();
    let bytes = 0;
    try {
      bytes = handler === 'metrics' && req.method === 'GET' ? writeReply(req, res, await exposition(register)) : await next(req, res);
    } finally {
      gauge.dec();
      const c = childrenOf(handler, method, String(res.statusCode));
      c.requests.inc();
      c.duration.observe((performance.now() - started) / 1000);
      c.size.observe(bytes);
      if (handler === 'blobs') blobBytes.inc(bytes);
    }
    return bytes;
  };
}

async function exposition(register: Registry) {
  const text = await register.metrics();
  return { status: 200, headers: { [Header.contentType]: register.contentType }, body: { kind: 'bytes' as const, bytes: Buffer.from(text) } };
}
