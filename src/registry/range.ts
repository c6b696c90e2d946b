// Byte ranges (RFC 9110 §14) as two small pure types: what the client asked for, and that request
// resolved against a blob's size. Docker and containerd resume with `bytes=N-` and check that the
// 206's Content-Range starts where they asked, so a single range is always answered exactly.

/** One range as written: `a-b`, `a-`, or the suffix form `-n`. */
export type RangeSpec = { start: number; end?: number } | { suffix: number };

export type RequestedRange =
  /** No Range header, or a unit other than bytes: RFC 9110 says to ignore it and send 200. */
  | { kind: 'none' }
  | { kind: 'single'; spec: RangeSpec }
  /** Several ranges: answered with the whole blob (200), which RFC 9110 §14.2 allows. */
  | { kind: 'multiple' }
  /** `bytes=` with a spec that does not parse: answered 416. */
  | { kind: 'invalid' };

/** Inclusive byte positions inside a blob, ready for Content-Range and a positioned read. */
export interface ResolvedRange {
  start: number;
  end: number;
}

const SPEC = /^(\d*)-(\d*)$/;

function parseSpec(text: string): RangeSpec | undefined {
  const match = SPEC.exec(text.trim());
  if (!match) return undefined;
  const [, first = '', last = ''] = match;
  if (first === '' && last === '') return undefined;
  if (first === '') return { suffix: Number(last) };
  const start = Number(first);
  if (last === '') return { start };
  const end = Number(last);
  return end < start ? undefined : { start, end };
}

export function parseRange(header: string | undefined): RequestedRange {
  if (header === undefined) return { kind: 'none' };
  const eq = header.indexOf('=');
  if (eq < 0) return { kind: 'invalid' };
  if (header.slice(0, eq).trim().toLowerCase() !== 'bytes') return { kind: 'none' };
  const parts = header.slice(eq + 1).split(',').filter((p) => p.trim() !== '');
  if (parts.length === 0) return { kind: 'invalid' };
  const specs = parts.map(parseSpec);
  if (specs.some((s) => s === undefined)) return { kind: 'invalid' };
  if (specs.length > 1) return { kind: 'multiple' };
  return { kind: 'single', spec: specs[0] as RangeSpec };
}

/** The satisfiable part of a range, or undefined when none of it lies inside the blob (416). */
export function resolveRange(spec: RangeSpec, size: number): ResolvedRange | undefined {
  if ('suffix' in spec) {
    if (spec.suffix === 0 || size === 0) return undefined;
    return { start: Math.max(0, size - spec.suffix), end: size - 1 };
  }
  if (spec.start >= size) return undefined;
  const end = spec.end === undefined ? size - 1 : Math.min(spec.end, size - 1);
  return { start: spec.start, end };
}

export function contentRange(range: ResolvedRange, size: number): string {
  return `bytes ${range.start}-${range.end}/${size}`;
}

export function unsatisfiedRange(size: number): string {
  return `bytes */${size}`;
}
