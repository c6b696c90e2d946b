// The per-request HTTP figures (and the seed's own two), counted in plain numbers and turned into Prometheus metrics only
// when scraped. prom-client's own Counter/Histogram hash the label values on every call (even
// through .labels()), which cost ~10% of manifest requests/s here; these slots cost a map lookup.
import type { Registry } from 'prom-client';

/** prom-client's default buckets for durations (seconds) */
const DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
const SIZE_BUCKETS = [100, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9];

interface Histogram {
  counts: number[];
  sum: number;
}

interface Slot {
  labels: Record<string, string>;
  requests: number;
  duration: Histogram;
  size: Histogram;
}

export type Value = { labels: Record<string, string | number>; value: number; metricName?: string };

/** A metric another stage keeps (the bandwidth caps), read at each scrape like these. */
export interface ExtraMetric {
  name: string;
  help: string;
  type: 'counter' | 'gauge';
  values: () => Value[];
}

function histogram(buckets: number[]): Histogram {
  return { counts: buckets.map(() => 0), sum: 0 };
}

function observe(h: Histogram, buckets: number[], value: number): void {
  h.sum += value;
  for (let i = 0; i < buckets.length; i++) {
    if (value <= buckets[i]!) {
      h.counts[i]!++;
      return;
    }
  }
}

/** Cumulative `_bucket` lines, then `_sum` and `_count`, as the text format wants them. */
function histogramValues(name: string, buckets: number[], slots: Slot[], pick: (s: Slot) => Histogram): Value[] {
  return slots.flatMap((s) => {
    const h = pick(s);
    let cumulative = 0;
    const lines: Value[] = buckets.map((le, i) => ({ metricName: `${name}_bucket`, labels: { ...s.labels, le }, value: (cumulative += h.counts[i]!) }));
    lines.push({ metricName: `${name}_bucket`, labels: { ...s.labels, le: '+Inf' }, value: s.requests });
    lines.push({ metricName: `${name}_sum`, labels: s.labels, value: h.sum }, { metricName: `${name}_count`, labels: s.labels, value: s.requests });
    return lines;
  });
}

/** One handler's figures: its in-flight count and a slot per (method, status code). */
export interface HandlerStats {
  handler: string;
  inflight: number;
  slots: Map<number, Slot>;
}

const METHOD_INDEX: Record<string, number> = { GET: 0, HEAD: 1 };
const METHOD_NAMES = ['GET', 'HEAD', 'other'];

/** The seed's own figures, read at each scrape: they follow the served snapshot. */
export interface SeedFigures {
  /** Images the current snapshot serves. */
  images: number;
  /** Images the current snapshot refuses (a signature policy); absent: none. */
  refusedImages?: number;
  /** Reloads of content while serving, by result. */
  reloads: { ok: number; failed: number };
}

export class HttpStats {
  private readonly handlers = new Map<string, HandlerStats>();
  /** Blob body bytes answered (seed_registry_blob_bytes_served_total). */
  blobBytes = 0;

  /** The handler's record, made on first use; a request keeps it from start to finish. */
  of(handler: string): HandlerStats {
    let h = this.handlers.get(handler);
    if (!h) this.handlers.set(handler, (h = { handler, inflight: 0, slots: new Map() }));
    return h;
  }

  finished(h: HandlerStats, method: string, code: number, seconds: number, bytes: number): void {
    h.inflight--;
    // A number key: no string built per request.
    const m = METHOD_INDEX[method] ?? 2;
    const key = code * 4 + m;
    let slot = h.slots.get(key);
    if (!slot) h.slots.set(key, (slot = { labels: { handler: h.handler, method: METHOD_NAMES[m]!, code: String(code) }, requests: 0, duration: histogram(DURATION_BUCKETS), size: histogram(SIZE_BUCKETS) }));
    slot.requests++;
    observe(slot.duration, DURATION_BUCKETS, seconds);
    observe(slot.size, SIZE_BUCKETS, bytes);
  }

  /** Registers the HTTP metrics and the seed's own with `register`; their values are read at each scrape. */
  register(register: Registry, seed: () => SeedFigures, extra: readonly ExtraMetric[] = []): void {
    const slots = () => [...this.handlers.values()].flatMap((h) => [...h.slots.values()]);
    const metric = (name: string, help: string, type: string, values: () => Value[]) => ({ name, help, type, get: () => ({ name, help, type, values: values(), aggregator: 'sum' }) });
    const metrics = [
      metric('http_requests_total', 'Requests answered, by handler, method and status code', 'counter', () => slots().map((s) => ({ labels: s.labels, value: s.requests }))),
      metric('http_request_duration_seconds', 'Time from request to the last body byte handed to the socket', 'histogram', () => histogramValues('http_request_duration_seconds', DURATION_BUCKETS, slots(), (s) => s.duration)),
      metric('http_response_size_bytes', 'Response body bytes', 'histogram', () => histogramValues('http_response_size_bytes', SIZE_BUCKETS, slots(), (s) => s.size)),
      metric('http_requests_inflight', 'Requests being answered', 'gauge', () => [...this.handlers.values()].map((h) => ({ labels: { handler: h.handler }, value: h.inflight }))),
      metric('seed_registry_images', 'Images served now (tags and untagged manifests of the current content; not those a signature policy refuses, nor signatures)', 'gauge', () => [{ labels: {}, value: seed().images }]),
      metric('seed_registry_images_refused', 'Images of the current content a signature policy refuses (--signed-by)', 'gauge', () => [{ labels: {}, value: seed().refusedImages ?? 0 }]),
      metric('seed_registry_reloads_total', 'Reloads of changed inputs while serving, by result (ok, failed)', 'counter', () => {
        const { reloads } = seed();
        return [{ labels: { result: 'ok' }, value: reloads.ok }, { labels: { result: 'failed' }, value: reloads.failed }];
      }),
      metric('seed_registry_blob_bytes_served_total', 'Blob body bytes answered', 'counter', () => [{ labels: {}, value: this.blobBytes }]),
      ...extra.map((m) => metric(m.name, m.help, m.type, m.values)),
    ];
    // A plain object with name, help, type and get() is all a prom-client Registry reads.
    for (const m of metrics) register.registerMetric(m as unknown as Parameters<Registry['registerMetric']>[0]);
  }
}
